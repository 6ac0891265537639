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
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.ingest.grid import Scorer, Table, header_cells, header_row, with_header

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SHOWN_CELLS = 5  # a message names this many cells, then "等N个"


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
    table = with_header(grids[name], row, notes)
    header = [c for c in header_cells(grids[name], row) if c]
    together = [name]
    for other in shown:
        grid = grids[other]
        if other == name or grid.empty:
            continue
        row, _ = header_row(grid, score)
        if [c for c in header_cells(grid, row) if c] == header:
            table.more.append(with_header(grid, row, []))
            table.more[-1].sheet = other
            together.append(other)
    if kind == "xlsx" and (found := uncached_formulas(path, together)):
        raise SurveyError(formula_message(found), file=str(path))
    if len(together) > 1:
        table.sheet = name
        table.notes.append(f"{len(together)}个工作表（{'、'.join(f'“{n}”' for n in together)}）表头相同，"
                           "已一起读取，每个工作表的行号各自计算")
    if hidden:
        table.sheet = name
        table.notes.append(f"隐藏的工作表{'、'.join(f'“{n}”' for n in hidden)}没有读取（Excel中看不到它们）")
    return table


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
