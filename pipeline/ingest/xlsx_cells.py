"""An xlsx sheet's cells as text, block by block from its XML: memory holds one block of rows, never the
sheet — so any workbook Excel can hold (1,048,576 rows) is read.

The text of every cell is what the whole-sheet reader gives (python-calamine read through pandas with
``dtype=str``, ``sheets.read_workbook``), decided the same way: shared and inline strings (rich-text runs
joined, phonetic runs left out, unpreserved outer whitespace trimmed, ``_xHHHH_`` escapes decoded); numbers
as pandas writes them (whole numbers without ".0"); dates, times and durations by the cell's number format
(the 1900 and 1904 date systems); booleans as True/False; a formula's cached value; errors and pandas' NA
words ("NA", "null", …) as empty.

Cells are found by one regular expression over each block (the layout writers use: attributes ``r``, ``s``,
``t`` in that order, then a value, an inline string or a formula with its value); a block holding any cell
the expression does not account for is parsed by lxml instead: an unusual file is read the same, slower.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import numpy as np
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BLOCK_BYTES = 4 << 20  # XML read per block (a block ends at a row's end)
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # what Excel holds
EPOCH = datetime(1899, 12, 30)
NA_WORDS = frozenset(STR_NA_VALUES)  # pandas reads these as empty ("NA", "null", "N/A", …): so do we


class Format(Enum):
    OTHER = 0
    DATETIME = 1
    DURATION = 2


def custom_format(code: str) -> Format:
    """What a custom number format shows (calamine's ``detect_custom_number_format``): a date or time, a
    duration (``[h]:mm``), or anything else — from its first section only."""
    escaped = quoted = ampm = hms = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return Format.OTHER
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return Format.DURATION
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ampm and brackets == 0:
            ampm = True
        elif ch in "pm/PM" and ampm and brackets == 0:
            return Format.DATETIME
        elif ch in "dmhysDMHYS" and not ampm and brackets == 0:
            return Format.DATETIME
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return Format.OTHER


def builtin_format(number_format: str) -> Format:
    """A built-in number format (by its id) as calamine reads it."""
    if number_format in {"14", "15", "16", "17", "18", "19", "20", "21", "22", "45", "47"}:
        return Format.DATETIME
    return Format.DURATION if number_format == "46" else Format.OTHER


@dataclass(frozen=True)
class Book:
    """What every sheet's cells are read with: the shared strings, each style's number format, and the
    date system."""

    strings: np.ndarray  # object array of str
    formats: list[Format]
    date1904: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_book(archive: zipfile.ZipFile) -> Book:
    """The shared strings, the styles' number formats and the date system of an open xlsx."""
    from lxml import etree

    names = set(archive.namelist())
    date1904 = False
    for _, el in etree.iterparse(archive.open("xl/workbook.xml"), events=("start",)):
        if _local(el.tag) == "workbookPr":
            date1904 = el.get("date1904", "").lower() in ("1", "true")
            break
    formats: list[Format] = []
    if "xl/styles.xml" in names:
        customs: dict[str, str] = {}
        styles = etree.parse(archive.open("xl/styles.xml")).getroot()
        for el in styles.iter(f"{{{MAIN_NS}}}numFmt"):
            if el.get("numFmtId") is not None and el.get("formatCode") is not None:
                customs[el.get("numFmtId")] = el.get("formatCode")
        for xfs in styles.iter(f"{{{MAIN_NS}}}cellXfs"):
            for xf in xfs.iter(f"{{{MAIN_NS}}}xf"):
                nf = xf.get("numFmtId")
                formats.append(Format.OTHER if nf is None else
                               custom_format(customs[nf]) if nf in customs else builtin_format(nf))
    strings: list[str] = []
    member = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else \
        next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
    if member is not None:
        for _, si in etree.iterparse(archive.open(member), tag=f"{{{MAIN_NS}}}si"):
            strings.append(rich_text(si))
            si.clear()
            while si.getprevious() is not None:  # memory holds one string element, not the table's
                del si.getparent()[0]
    return Book(np.array(strings, dtype=object), formats, date1904)


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes (control characters Excel cannot put in XML) decoded."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def rich_text(el) -> str:
    """A shared or inline string element's text: its ``t`` elements, in order, outside phonetic runs."""
    parts = []
    for t in el.iter(f"{{{MAIN_NS}}}t"):
        if any(_local(a.tag) == "rPh" for a in t.iterancestors()):
            continue
        value = t.text or ""
        if t.get("{http://www.w3.org/XML/1998/namespace}space") != "preserve":
            value = value.strip(" \t\r\n")
        parts.append(unescape(value))
    return "".join(parts)


def _round_ms(x: float) -> int:
    """Rust's ``f64::round`` (half away from zero), as calamine rounds to milliseconds."""
    return int(np.sign(x) * np.floor(abs(x) + 0.5))


def _excel_datetime(value: float, date1904: bool) -> datetime | None:
    f = value + 1462.0 if date1904 else value
    f = f if f >= 60.0 else f + 1.0
    try:
        return EPOCH + timedelta(milliseconds=_round_ms(f * 86_400_000.0))
    except OverflowError:
        return None


def number_text(value: float, fmt: Format, date1904: bool) -> str:
    """A number cell's text: by its format a duration, a time, a date or a date and time; otherwise the
    number as pandas writes it."""
    if fmt is Format.DURATION:
        return str(timedelta(milliseconds=_round_ms(value * 86_400_000.0)))
    if fmt is Format.DATETIME:
        moment = _excel_datetime(value, date1904)
        if moment is not None and value < 1.0:
            return str(moment.time())
        if moment is not None and 1 <= moment.year <= 9999:
            return str(datetime(moment.year, moment.month, moment.day) if value == int(value) else moment)
    return str(int(value)) if value.is_integer() else str(value)


def iso_text(text: str) -> str:
    """A ``t="d"`` cell (an ISO 8601 date, time or both) as the whole-sheet reader gives it."""
    try:
        if "T" in text:
            return str(datetime.fromisoformat(text))
        if ":" in text:
            from datetime import time

            return str(time.fromisoformat(text))
        d = datetime.fromisoformat(text)
        return str(datetime(d.year, d.month, d.day))
    except ValueError:
        return text


class CellError(ValueError):
    """A cell the whole-sheet reader refuses too (a shared string that does not exist, text typed as a
    number): the file is damaged."""


def cell_text(kind: str, raw: str, style: int, book: Book) -> str | None:
    """One cell's text from its type (``t``), its raw value and its style; None where it reads as empty."""
    if kind == "s":
        if raw == "":
            return None
        try:
            text = book.strings[int(raw)]
        except (ValueError, IndexError):
            raise CellError(f"共享字符串编号{raw}不存在") from None
    elif kind in ("inlineStr", "str"):
        text = raw
    elif kind == "b":
        text = str(raw != "0")
    elif kind == "e":
        return None
    elif kind == "d":
        text = iso_text(raw)
    elif kind in ("n", ""):
        if raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            if kind == "n":
                raise CellError(f"数字单元格的值“{raw[:20]}”不是数字") from None
            text = raw
        else:
            fmt = book.formats[style] if 0 <= style < len(book.formats) else Format.OTHER
            text = number_text(value, fmt, book.date1904)
    else:
        raise CellError(f"未知的单元格类型“{kind}”")
    return None if text in NA_WORDS else text


def column_number(letters: str) -> int:
    """``A`` → 0, ``AB`` → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class Cells:
    """One block's cells: 0-based row and column, and text (None: empty)."""

    rows: np.ndarray
    columns: np.ndarray
    texts: np.ndarray


def _fast_pattern(prefix: str) -> re.Pattern:
    p = re.escape(prefix)
    return re.compile(
        rf'<{p}c r="([A-Z]{{1,3}})([0-9]{{1,7}})"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
        rf'(?: (?:cm|vm|ph)="[^"]*")*\s*'
        rf'(?:/>|>(?:<{p}f(?: [^>]*)?(?:/>|>[^<]*</{p}f>))?'
        rf"(?:<{p}v>([^<&]*)</{p}v>|<{p}v/>|<{p}is><{p}t>([^<&_]*)</{p}t></{p}is>)?"
        rf"</{p}c>)".encode())


class SheetCells:
    """The cells of one sheet member of an open xlsx, read block by block."""

    def __init__(self, archive: zipfile.ZipFile, member: str, book: Book) -> None:
        self.archive, self.member, self.book = archive, member, book
        self.prefix = ""
        self.pattern: re.Pattern | None = None

    def blocks(self) -> Iterator[Cells]:
        """Each block of rows' cells, in file order."""
        with self.archive.open(self.member) as fh:
            pending, started = b"", False
            while True:
                data = fh.read(BLOCK_BYTES)
                pending += data
                if not started:  # what comes before the cells (columns, views) is not read
                    found = re.search(rb"<(\w+:)?sheetData[\s>/]", pending)
                    if found is None:
                        pending = pending[-64:]
                        if not data:
                            return
                        continue
                    tag_end = pending.find(b">", found.start())
                    if tag_end < 0:
                        continue
                    if pending[tag_end - 1:tag_end] == b"/":
                        return  # <sheetData/>: no cells
                    self.prefix = (found.group(1) or b"").decode()
                    self.pattern = _fast_pattern(self.prefix)
                    end_row = f"</{self.prefix}row>".encode()
                    closing = f"</{self.prefix}sheetData>".encode()
                    pending, started = pending[tag_end + 1:], True
                end = pending.find(closing)
                cut = end if end >= 0 else (pending.rfind(end_row) + len(end_row) if data else len(pending))
                if cut > len(end_row) or end >= 0 or not data:
                    block, pending = pending[:cut], pending[cut:]
                    if b"<" + self.prefix.encode() + b"c" in block:
                        yield self._cells(block)
                    if end >= 0 or not data:
                        return

    def _cells(self, body: bytes) -> Cells:
        found = self.pattern.findall(body)
        tag = f"<{self.prefix}c".encode()
        if len(found) != body.count(tag) or b"<![CDATA[" in body:
            return self._parsed(body)
        return self._converted(found)

    def _converted(self, found: list[tuple[bytes, ...]]) -> Cells:
        """The cells the expression found, each distinct (type, style, value) converted once."""
        if not found:
            return Cells(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object))
        table = np.array(found, dtype=object)  # one row per cell, one column per group
        letters, numbers, styles, kinds, values, inline = (table[:, i] for i in range(6))
        rows = numbers.astype("S7").astype(np.int64) - 1
        codes, uniques = pd.factorize(letters)
        columns = np.array([column_number(u.decode()) for u in uniques], dtype=np.int64)[codes]
        key = np.zeros(len(found), dtype=np.int64)
        levels = []
        for part in (kinds, styles, values, inline):
            codes, uniques = pd.factorize(part)
            key = key * len(uniques) + codes
            levels.append(uniques)
        codes, distinct = pd.factorize(key)
        texts = np.empty(len(distinct), dtype=object)
        for i, k in enumerate(distinct.tolist()):
            parts = []
            for level in reversed(levels):
                k, at = divmod(k, len(level))
                parts.append(level[at])
            inline_text, value, style, kind = parts
            texts[i] = self._text(b"inlineStr", style, inline_text) if inline_text else \
                self._text(kind, style, value)
        return Cells(rows, columns, texts[codes])

    def _text(self, kind: bytes, style: bytes, raw: bytes) -> str | None:
        text = raw.decode("utf-8")
        if kind == b"inlineStr":
            text = unescape(text.strip(" \t\r\n")) if text else text
        return cell_text(kind.decode(), text, int(style) if style else -1, self.book)

    def _parsed(self, body: bytes) -> Cells:
        """A block read by lxml (any layout XML allows), with the same conversion."""
        from lxml import etree

        ns = f' xmlns:{self.prefix[:-1]}="{MAIN_NS}"' if self.prefix else f' xmlns="{MAIN_NS}"'
        wrapped = b"<root" + ns.encode() + b">" + body + b"</root>"
        root = etree.fromstring(wrapped, etree.XMLParser(huge_tree=True))
        rows, columns, texts = [], [], []
        row_index = col_index = 0
        for row in root.iter(f"{{{MAIN_NS}}}row"):
            if row.get("r"):
                row_index = int(row.get("r")) - 1
            col_index = 0
            for c in row.iter(f"{{{MAIN_NS}}}c"):
                ref = c.get("r")
                if ref:
                    m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
                    if m is None:
                        raise CellError(f"单元格位置“{ref[:20]}”无法识别")
                    col_index, row_index = column_number(m.group(1)), int(m.group(2)) - 1
                value = self._element_text(c)
                rows.append(row_index)
                columns.append(col_index)
                texts.append(value)
                col_index += 1
            row_index += 1
        return Cells(np.array(rows, np.int64), np.array(columns, np.int64), np.array(texts, dtype=object))

    def _element_text(self, c) -> str | None:
        kind = c.get("t", "")
        style = int(c.get("s")) if c.get("s", "").isdigit() else -1
        inline = c.find(f"{{{MAIN_NS}}}is")
        if inline is not None:
            return cell_text("inlineStr", rich_text(inline), style, self.book)
        v = c.find(f"{{{MAIN_NS}}}v")
        if v is None or kind == "inlineStr":
            return None
        return cell_text(kind, v.text or "", style, self.book)


def sheet_grids(archive: zipfile.ZipFile, member: str, book: Book, rows_per_grid: int,
                first: int | None = None) -> Iterator[pd.DataFrame]:
    """The sheet as grids of text cells (None: empty), each of about ``rows_per_grid`` consecutive rows,
    indexed by 0-based row number from the sheet's first row (row 1) and with a column per letter from
    ``A``; blank rows inside a grid are there (empty), as in a whole-sheet read. ``first`` rows only,
    where given."""
    pending: list[Cells] = []
    held = 0
    start = 0
    for cells in SheetCells(archive, member, book).blocks():
        if len(cells.rows) and (cells.rows.max() >= MAX_ROWS or cells.columns.max() >= MAX_COLUMNS):
            raise CellError("单元格位置超出了Excel的范围（1048576行、16384列）")
        pending.append(cells)
        held += len(np.unique(cells.rows)) if len(cells.rows) else 0
        if first is not None and held >= first:
            break
        if held >= rows_per_grid:
            grid, start = _grid(pending, start, None)
            pending, held = [], 0
            yield grid
    if pending:
        yield _grid(pending, start, first)[0]


def _grid(parts: list[Cells], start: int, limit: int | None) -> tuple[pd.DataFrame, int]:
    rows = np.concatenate([p.rows for p in parts])
    if len(rows) and rows.min() < start:
        raise CellError(f"第{int(rows.min()) + 1}行出现在后面的行之后（行的顺序错乱）")
    columns = np.concatenate([p.columns for p in parts])
    texts = np.concatenate([p.texts for p in parts])
    keep = texts != None  # noqa: E711 - elementwise over an object array
    rows, columns, texts = rows[keep], columns[keep], texts[keep]
    end = int(rows.max()) + 1 if len(rows) else start
    if limit is not None:
        end = min(end, start + limit)
        inside = rows < end
        rows, columns, texts = rows[inside], columns[inside], texts[inside]
    width = int(columns.max()) + 1 if len(columns) else 0
    values = np.full((max(end - start, 0), width), None, dtype=object)
    values[rows - start, columns] = texts
    return pd.DataFrame(values, index=pd.RangeIndex(start, end)), end
