"""A workbook read as a person sees it (``read_workbook``): which sheets are visible, which are read
together, and which cells hold a formula whose value was never calculated (a program wrote the formula,
nobody opened the file in Excel): such a cell reads as empty, so its answers would silently vanish.

Visibility comes from python-calamine's sheet metadata (xlsx and xls alike); formulas from the sheet's XML,
streamed (an xlsx with no formula at all costs one byte scan of its sheets).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.ingest.grid import (
    HEADER_SEARCH_ROWS,
    Scorer,
    Table,
    _body,
    _columns,
    header_cells,
    header_note,
    header_row,
    with_header,
)

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHOWN_CELLS = 5  # a message names this many cells, then "等N个"
GRID_ROWS = 50_000  # a large sheet is read in parts of about this many rows


@dataclass(frozen=True)
class Sheet:
    name: str
    visible: bool


def workbook_sheets(path: Path) -> list[Sheet]:
    """Every sheet of the workbook in order, and whether Excel shows it ("hidden", "very hidden": no)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = CalamineWorkbook.from_path(str(path))
    try:
        return [Sheet(m.name, m.visible == SheetVisibleEnum.Visible) for m in book.sheets_metadata]
    finally:
        book.close()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the archive member holding its cells (from xl/workbook.xml and its relationships)."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
    out = {}
    for sheet in book.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("xl", target))
    return out


def _has_formula(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether the member's XML holds any ``<f`` element (a byte scan, a megabyte at a time)."""
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(1 << 20):
            if re.search(rb"<(?:\w+:)?f[ >/]", tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def uncached_formulas(path: Path, sheets: list[str]) -> dict[str, list[str]]:
    """Per sheet of ``sheets`` (an xlsx), the cells (``B3``) holding a formula without a calculated value."""
    out: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        try:
            parts = _sheet_parts(archive)
        except (KeyError, ElementTree.ParseError):
            return out
        for name in sheets:
            member = parts.get(name)
            if member is None or member not in archive.namelist() or not _has_formula(archive, member):
                continue
            cells = []
            with archive.open(member) as fh:
                for _, element in ElementTree.iterparse(fh):
                    if element.tag == f"{MAIN}c":
                        value = element.find(f"{MAIN}v")
                        if element.find(f"{MAIN}f") is not None and (value is None or not value.text) \
                                and element.get("t") != "inlineStr":
                            cells.append(element.get("r", "?"))
                        element.clear()
            if cells:
                out[name] = cells
    return out


def formula_message(found: dict[str, list[str]]) -> str:
    """One Chinese sentence naming the sheets and cells whose formulas were never calculated."""
    parts = []
    for sheet, cells in found.items():
        more = f"等{len(cells)}个" if len(cells) > SHOWN_CELLS else ""
        parts.append(f"工作表“{sheet}”的 {'、'.join(cells[:SHOWN_CELLS])}{more}单元格")
    return ("；".join(parts) + "是公式，但文件里没有保存公式的计算结果，读出来会是空的（答案会丢失）；"
            "请用 Excel 或 WPS 打开这个文件并保存一次（或把公式复制后“粘贴为数值”），再导入")


def is_large(path: Path) -> bool:
    """Whether an xlsx's sheets hold more XML than ``SURVEY_XLSX_STREAM_BYTES`` (as the archive declares it:
    this only chooses the reader; ``check_unpacked_size`` trusts nothing): it is read block by block."""
    from pipeline.common.settings import setting

    with zipfile.ZipFile(path) as archive:
        size = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    return size > int(setting("SURVEY_XLSX_STREAM_BYTES"))


def _sheet_list(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """Every sheet in order: its name, its archive member and whether Excel shows it."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    parts = _sheet_parts(archive)
    return [(s.get("name", ""), parts.get(s.get("name", ""), ""), s.get("state", "visible") == "visible")
            for s in book.iter(f"{MAIN}sheet")]


def stream_workbook(path: Path, score: Scorer) -> Iterator[Table]:
    """``read_workbook`` for a workbook of any size: the same sheets chosen and read together, the same
    notes and cells (``xlsx_cells``), each sheet's rows in parts of about ``GRID_ROWS`` rows; memory holds
    one part. As for a large CSV, the first part decides which unnamed columns are empty."""
    from pipeline.ingest.xlsx_cells import read_book, sheet_grids

    with zipfile.ZipFile(path) as archive:
        sheets = _sheet_list(archive)
        shown = {name: member for name, member, visible in sheets if visible}
        hidden = [name for name, _, visible in sheets if not visible]
        if not shown:
            raise SurveyError("Excel文件中没有可见的工作表", file=str(path))
        book = read_book(archive)
        firsts = {name: next(sheet_grids(archive, member, book, HEADER_SEARCH_ROWS, HEADER_SEARCH_ROWS),
                             pd.DataFrame()) for name, member in shown.items()}
        name, row, notes = _pick(firsts, score)
        together = _together(firsts, name, row, score)
        if found := uncached_formulas(path, list(together)):
            raise SurveyError(formula_message(found), file=str(path))
        extra = _together_notes(list(together), hidden)
        for sheet in together:
            label = sheet if sheet != name or len(together) > 1 or hidden else None
            grids = sheet_grids(archive, shown[sheet], book, GRID_ROWS)
            yield from _sheet_parts_read(grids, score, notes if sheet == name else [],
                                         extra if sheet == name else [], label)


def _sheet_parts_read(grids: Iterator[pd.DataFrame], score: Scorer, notes: list[str], extra: list[str],
                      sheet: str | None) -> Iterator[Table]:
    """One sheet's parts as Tables: the header found in the first part (as ``with_header`` finds it), the
    notes carried by the first part with rows."""
    first = next(grids, None)
    if first is None:
        return
    row, _ = header_row(first, score)
    header, keep = _columns(first, row)
    notes = [*notes, *header_note(row), *extra]
    for grid in chain([first.iloc[row + 1:]], grids):
        table = _body(grid.reindex(columns=range(first.shape[1])), header, keep, [])
        if len(table.frame) == 0:
            continue
        table.notes, notes = notes + table.notes, []
        table.sheet = sheet
        yield table


def read_workbook(path: Path, kind: str, score: Scorer) -> Table:
    """A workbook as a person sees it: its visible sheets only (hidden ones ignored, with a note); the sheet
    that looks most like the export, and every other visible sheet with the same header read with it (one
    sheet per street), each named like a file; a formula whose value was never calculated refused, naming
    the cells."""
    sheets = workbook_sheets(path)
    shown = [s.name for s in sheets if s.visible]
    hidden = [s.name for s in sheets if not s.visible]
    if not shown:
        raise SurveyError("Excel文件中没有可见的工作表", file=str(path))
    grids = pd.read_excel(path, dtype=str, sheet_name=shown, header=None, engine="calamine")
    name, row, notes = _pick(grids, score)
    together = _together(grids, name, row, score)
    table = with_header(grids[name], row, notes)
    for other, other_row in list(together.items())[1:]:
        table.more.append(with_header(grids[other], other_row, []))
        table.more[-1].sheet = other
    if kind == "xlsx" and (found := uncached_formulas(path, list(together))):
        raise SurveyError(formula_message(found), file=str(path))
    table.notes += _together_notes(list(together), hidden)
    if len(together) > 1 or hidden:
        table.sheet = name
    return table


def _together(grids: dict[str, pd.DataFrame], name: str, row: int, score: Scorer) -> dict[str, int]:
    """The sheets read together — the chosen one, then every other non-empty sheet with the same header —
    each with its header row."""
    header = [c for c in header_cells(grids[name], row) if c]
    together = {name: row}
    for other, grid in grids.items():
        if other == name or grid.empty:
            continue
        other_row, _ = header_row(grid, score)
        if [c for c in header_cells(grid, other_row) if c] == header:
            together[other] = other_row
    return together


def _together_notes(together: list[str], hidden: list[str]) -> list[str]:
    """What a reader says of a workbook's sheets: those read together, and hidden ones left out."""
    notes = []
    if len(together) > 1:
        notes.append(f"{len(together)}个工作表（{'、'.join(f'“{n}”' for n in together)}）表头相同，"
                     "已一起读取，每个工作表的行号各自计算")
    if hidden:
        notes.append(f"隐藏的工作表{'、'.join(f'“{n}”' for n in hidden)}没有读取（Excel中看不到它们）")
    return notes


def _pick(sheets: dict[str, pd.DataFrame], score: Scorer) -> tuple[str, int, list[str]]:
    """The sheet and header row that look most like the export, and a note where it is not the first of
    each (ties: the first)."""
    best: tuple[float, int, str, int] | None = None
    for order, (name, grid) in enumerate(sheets.items()):
        row, value = header_row(grid, score)
        if best is None or (value, -order) > (best[0], -best[1]):
            best = (value, order, name, row)
    assert best is not None  # the caller passes at least one sheet
    _, order, name, row = best
    return name, row, [f"第一个工作表不是答卷数据，已使用工作表“{name}”"] if order > 0 else []
