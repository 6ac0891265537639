"""Read an export file into a table of text cells, saying what is wrong with files that are not tables.

Files are recognised by their content, not their name: an Excel workbook (xlsx, or legacy xls), a
password-protected workbook, a damaged or truncated one, a web page saved as ``.xls``, SPSS ``.sav``,
or text (CSV in UTF-8, UTF-16, GB18030/GBK or Big5; comma, semicolon, tab or ``|`` separated). A text
file named ``.xlsx`` is read as the CSV it is. Cover sheets and title rows above the header are
skipped: every sheet and each of the first rows are scored as a header (by the caller's ``score``,
by default how many cells look like export headers), and the best is used, with a note saying so.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file
from pipeline.common.limits import (
    MAX_CELL_CHARS,
    MAX_HEADER_CHARS,
    MAX_UNPACK_RATIO,
    MAX_UNPACKED_BYTES,
    clip,
)
from pipeline.common.matching import simplified

HEADER_SEARCH_ROWS = 10  # a header is looked for in the first rows (title rows above it are common)
DELIMITERS = (",", ";", "\t", "|")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")

Scorer = Callable[[list[str]], float]

T = TypeVar("T")


@dataclass
class Table:
    """An export read as text: the cells under the header, and what the reader had to work out."""

    frame: pd.DataFrame  # indexed by file row number (1-based), blank rows left out
    notes: list[str] = field(default_factory=list)
    row_notes: dict[int, str] = field(default_factory=dict)  # file row number → what was done to it
    sheet: str | None = None  # the worksheet, named where a workbook has more than one that counts
    more: list[Table] = field(default_factory=list)  # further sheets with the same header, read too


def _lengths(values: pd.Series) -> np.ndarray:
    """Characters per value (0 for missing), counted by arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        strings = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a cell that is not text (a number read from a sheet)
        strings = pa.array([v if isinstance(v, str) else None for v in values], type=pa.string())
    return pc.fill_null(pc.utf8_length(strings), 0).to_numpy(zero_copy_only=False)


def clip_long_cells(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    """Cells longer than ``MAX_CELL_CHARS`` cut to that length, and per row a note naming the column and the
    length the answer had. A categorical column is measured by its categories (its distinct values)."""
    notes: dict[int, str] = {}
    out = frame
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        categorical = isinstance(col.dtype, pd.CategoricalDtype)
        longest = _lengths(col.cat.categories if categorical else col)
        if not len(longest) or longest.max() <= MAX_CELL_CHARS:
            continue
        col = col.astype(object)  # rare: the clipped values need not stay distinct
        lengths = _lengths(col)
        long_rows = lengths > MAX_CELL_CHARS
        out = frame.copy() if out is frame else out
        out.isetitem(j, col.where(~long_rows, col[long_rows].str.slice(0, MAX_CELL_CHARS)))
        header = clip(frame.columns[j])
        for row, size in zip(col.index[long_rows], lengths[long_rows], strict=True):
            note = f"“{header}”的答案过长（{int(size)}字），只保留前{MAX_CELL_CHARS}字"
            notes[int(row)] = f"{notes[int(row)]}；{note}" if int(row) in notes else note
    return out, notes


def header_score(cells: list[str]) -> float:
    """How much a row looks like an export header: cells like "3、题干", "3.题干", "Q3" or known metadata."""
    from pipeline.ingest.formats import looks_like_header

    return float(sum(looks_like_header(c) for c in cells))


def read_table(path: Path, score: Scorer = header_score) -> Table:
    """Every cell as text ("" for empty); a Chinese error naming the file for anything unreadable."""
    path = regular_file(path, "导出文件")
    kind = content_kind(path)
    notes: list[str] = []
    try:
        if kind == "sav":
            df = _read_sav(path)
            table = Table(df.set_axis(range(2, len(df) + 2), axis=0))
        elif kind in ("xlsx", "xls"):
            if kind == "xlsx":
                check_unpacked_size(path)
            from pipeline.ingest.sheets import read_workbook

            table = read_workbook(path, kind, score)
        elif kind == "text":
            table = _read_text(path, score)
            if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
                if table.frame.shape[1] < 2 or table.frame.empty:
                    raise SurveyError(
                        f"文件扩展名是{path.suffix}，但内容不是Excel表格（也不是CSV表格）；请重新下载导出文件",
                        file=str(path),
                    )
                notes.append(f"文件扩展名是{path.suffix}，但内容是文本表格（CSV），已按CSV读取")
        else:
            raise SurveyError(_UNREADABLE[kind], file=str(path))
    except SurveyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise SurveyError(
            f"文件无法读取，可能已损坏或不是问卷导出文件（{type(exc).__name__}: {exc}）", file=str(path)
        ) from None
    table.notes[:0] = notes
    if table.frame.shape[1] and len(table.frame) == 0 and not any(len(t.frame) for t in table.more):
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))
    table.more = [_finished(t, path) for t in table.more]
    return _finished(table, path)


def _finished(table: Table, path: Path) -> Table:
    """Headers stripped, empty cells as "" (a file without columns refused)."""
    df = table.frame
    if df.shape[1] == 0:
        raise SurveyError("文件是空的，没有表头", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    table.frame = df.fillna("")
    return table


def iter_table(path: Path, score: Scorer = header_score) -> Iterator[Table]:
    """The export as ``read_table`` reads it, in parts of about ``CSV_BLOCK_BYTES`` each: a CSV is parsed
    batch by batch (a UTF-8 one from disk as it is, another encoding decoded a block at a time), so memory
    holds one batch, never the file; every other file (a workbook holds at most 1,048,576 rows) is one part.

    The first batch decides what the whole file decides otherwise: the header row (among its first rows) and
    which unnamed columns are empty (an unnamed column answers no question). Raises ``Ragged`` where a later
    batch turns out not to be a regular CSV: read the file with ``read_table`` then."""
    path = regular_file(path, "导出文件")
    plain = content_kind(path) == "text" and path.suffix.lower() not in (".xlsx", ".xlsm", ".xls")
    encoding, batches = _text_batches(path) if plain else ("", None)
    first = next(batches, None) if batches is not None else None
    if first is None:
        table = read_table(path, score)
        yield table
        yield from table.more  # a workbook's further sheets with the same header
        return
    row, _ = header_row(first, score)
    header, keep = _columns(first, row)
    notes = [f"表头在第{row + 1}行，上面的{row}行（标题、说明等）已跳过"] if row > 0 else []
    notes += [] if encoding == "utf-8" else [f"文件编码：{encoding.upper()}"]
    rest = (_body(grid.replace("", pd.NA), header, keep, []) for grid in batches)
    rows = 0
    for table in chain([_body(first.iloc[row + 1:].replace("", pd.NA), header, keep, notes)], rest):
        if len(table.frame):
            rows += len(table.frame)
            yield _finished(table, path)
    if rows == 0:
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))


_UNREADABLE = {
    "encrypted": "Excel文件设置了打开密码（已加密），无法读取；"
    "请在Excel中取消密码（文件→信息→保护工作簿）后另存再导入",
    "damaged": "Excel文件已损坏或不完整（可能下载没有完成）；请重新下载导出文件",
    "html": "这是网页文件（HTML），不是Excel表格；"
    "请在问卷平台重新下载Excel或CSV格式，或用Excel打开后另存为.xlsx",
    "binary": "无法识别的文件内容：不是Excel、CSV或SPSS文件",
    "empty": "文件是空的，没有表头",
}


def _inflated_size(fh, info, budget: int) -> int:
    """Bytes an archive member inflates to, counted in chunks and no further than ``budget`` (the size the
    archive declares is not trusted)."""
    import struct
    import zipfile
    import zlib

    if info.compress_type != zipfile.ZIP_DEFLATED:
        return info.file_size
    fh.seek(info.header_offset)
    name_len, extra_len = struct.unpack("<HH", fh.read(30)[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    inflater, left, size = zlib.decompressobj(-15), info.compress_size, 0
    while left > 0 and size <= budget:
        data = fh.read(min(left, 1 << 20))
        if not data:
            break
        left -= len(data)
        while data and size <= budget:
            size += len(inflater.decompress(data, 1 << 22))
            data = inflater.unconsumed_tail
    return size


def check_unpacked_size(path: Path) -> None:
    """Refuse an xlsx (a zip archive) whose parts unpack to more than ``MAX_UNPACKED_BYTES``, or to more than
    ``MAX_UNPACK_RATIO`` times the file's size (a zip bomb), before any of it is parsed: the parts are
    inflated and only counted, which costs time, never memory."""
    import zipfile

    packed = path.stat().st_size
    limit = min(MAX_UNPACKED_BYTES, MAX_UNPACK_RATIO * max(packed, 1 << 20))
    total = 0
    with path.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            total += _inflated_size(fh, info, limit - total)
            if total > limit:
                raise SurveyError(
                    f"Excel文件解压后超过{limit // (1 << 20)}MB（文件本身{packed / (1 << 20):.1f}MB），"
                    "可能是异常文件（压缩炸弹），拒绝读取；如确是很大的导出文件，请导出为CSV格式"
                    "（或用环境变量 SURVEY_MAX_UNPACKED_BYTES 放宽上限）",
                    file=str(path),
                )


def content_kind(path: Path) -> str:
    """What the file is, from its first bytes: xlsx, xls, encrypted, damaged, sav, html, text, binary or
    empty."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        return "xlsx" if zipfile.is_zipfile(path) else "damaged"
    if head.startswith(OLE2):
        return "encrypted" if ENCRYPTED_MARK in path.read_bytes()[:1 << 20] else "xls"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if path.suffix.lower() in (".xlsx", ".xlsm") and head.startswith(b"PK"):
        return "damaged"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "damaged" if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") else "binary"
    return "text"


def header_row(grid: pd.DataFrame, score: Scorer) -> tuple[int, float]:
    """The row among the first few that scores best as a header (ties: the first)."""
    best_row, best_value = 0, float("-inf")
    for i in range(min(HEADER_SEARCH_ROWS, len(grid))):
        cells = [str(c)[:MAX_HEADER_CHARS].strip() for c in grid.iloc[i].tolist() if pd.notna(c)]
        cells = [c for c in cells if c]
        value = score(cells) if cells else float("-inf")
        if value > best_value:
            best_row, best_value = i, value
    return best_row, best_value


def with_header(grid: pd.DataFrame, row: int, notes: list[str]) -> Table:
    """The rows under ``row`` with ``row`` as header, indexed by file row number; blank rows and unnamed
    empty columns left out."""
    header, keep = _columns(grid, row)
    if row > 0:
        notes.append(f"表头在第{row + 1}行，上面的{row}行（标题、说明等）已跳过")
    return _body(grid.iloc[row + 1:].replace("", pd.NA), header, keep, notes)


def _columns(grid: pd.DataFrame, row: int) -> tuple[list[str], list[int]]:
    """The header cells of ``row``; the columns to keep: named ones, and unnamed ones with a value below."""
    header = header_cells(grid, row)
    body = grid.iloc[row + 1:]
    keep = [j for j, h in enumerate(header) if h or body.iloc[:, j].replace("", pd.NA).notna().any()]
    return header, keep


def header_cells(grid: pd.DataFrame, row: int) -> list[str]:
    return [str(c)[:MAX_HEADER_CHARS].strip() if pd.notna(c) else "" for c in grid.iloc[row].tolist()]


def _body(body: pd.DataFrame, header: list[str], keep: list[int], notes: list[str]) -> Table:
    """Rows under the header (empty cells missing) as a Table: the columns ``keep`` named by ``header``,
    indexed by file row number (1-based), blank rows left out and long cells cut."""
    body = body.set_axis(body.index + 1, axis=0)
    frame = body.iloc[:, keep]
    frame.columns = [header[j] or f"未命名列{j + 1}" for j in keep]
    frame = frame.loc[frame.notna().any(axis=1)]
    frame, row_notes = clip_long_cells(frame)
    if row_notes:
        notes.append(f"{len(row_notes)}行的答案超过{MAX_CELL_CHARS}字，已截断（见清洗记录的提示列）")
    return Table(frame, notes=notes, row_notes=row_notes)


CHINESE_ENCODINGS = ("gb18030", "cp950", "big5hkscs")  # GBK and its superset; Big5 as Windows and HK write it


def _plausibility(text: str) -> float:
    """How much ``text`` reads as Chinese: the share of its Chinese characters (after traditional →
    simplified) that are among the 3,755 most common (GB 2312 level 1). Text decoded with the wrong
    encoding is made of rare characters, kana and box-drawing symbols, and scores far lower."""
    sample = simplified("".join(ch for ch in text[:50_000] if not ch.isascii()))
    if not sample:
        return 0.0
    common = 0
    for ch in sample:
        try:
            common += 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(sample)


BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def text_encoding(data: bytes, final: bool = True) -> str | None:
    """The codec of a text's bytes (``final``: all of them, else its start, which may end mid-character):
    BOMs first, then UTF-8, then whichever Chinese encoding (GB18030, Big5) decodes them into the most
    plausible Chinese text; None where none does."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    decoded = []
    for encoding in ("utf-8", *CHINESE_ENCODINGS):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(data, final=final)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return encoding
        decoded.append((encoding, text))
    return max(decoded, key=lambda d: _plausibility(d[1]))[0] if decoded else None  # ties: GB18030


def encoding_name(encoding: str) -> str:
    """How a note names the codec ``text_encoding`` chose (both Big5 codecs as Big5)."""
    return "big5" if encoding in CHINESE_ENCODINGS[1:] else encoding


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the encoding used (``text_encoding``; a file with a BOM decoded whatever its stray bytes)."""
    encoding = text_encoding(data)
    if encoding is None and text_encoding(data, final=False) is not None:
        raise SurveyError("文件在最后一个字的中间断开了（文件不完整，可能没有下载或复制完）；"
                          "请重新下载导出文件", file=str(path))
    if encoding is None:
        raise SurveyError("无法识别文件编码（已尝试 UTF-8、GB18030、Big5）", file=str(path))
    errors = "replace" if any(encoding == e for _, e in BOMS) else "strict"
    return data.decode(encoding, errors=errors), encoding_name(encoding)


class _Transcoded:
    """A text file in ``encoding`` read as UTF-8 bytes, ``read(n)`` at a time, decoded as it is read (never
    whole). A byte sequence that is not ``encoding`` raises ``Ragged``: the file is then read whole, the
    tolerant way."""

    def __init__(self, source, encoding: str):
        self._source, self._decoder = source, codecs.getincrementaldecoder(encoding)()

    def read(self, size: int) -> bytes:
        try:
            while data := self._source.read(size):
                if text := self._decoder.decode(data):
                    return text.encode("utf-8")
            return self._decoder.decode(b"", final=True).encode("utf-8")
        except UnicodeDecodeError:
            raise Ragged from None


def sniff_delimiter(lines: list[str]) -> str:
    """The separator that splits the sample lines into the most columns, consistently."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a sample is at most a few MB: no cell limit
    best, best_key = ",", (0, 0.0)
    for sep in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        key = (width if width > 1 else 0, freq / len(counts))
        if key > best_key:
            best, best_key = sep, key
    return best


CSV_BLOCK_BYTES = 1 << 26  # a CSV is parsed in record batches of about this many bytes


class Ragged(Exception):
    """A CSV whose rows do not all have the same number of fields (read the tolerant way instead)."""


def _record_blocks(source, size: int) -> Iterator[bytes]:
    """The bytes of ``source`` (anything with ``read(n)``) in blocks of about ``size``, each ending at a
    record boundary: a newline outside quotes (an even number of quote marks before it, which RFC 4180's
    doubled quotes keep true). Read here, one block at a time: arrow's own streaming reader reads ahead of
    its consumer as far as the file goes."""
    carry = b""
    while True:
        data = source.read(size)
        if not data:
            if carry:
                yield carry
            return
        block = carry + data
        end = block.rfind(b"\n")
        while end >= 0 and block.count(b'"', 0, end) % 2:
            end = block.rfind(b"\n", 0, end)
        if end < 0:  # one record longer than a block: read on
            carry = block
            continue
        carry = block[end + 1:]
        yield block[:end + 1]


def _arrow_batches(source, sep: str, width: int) -> Iterator[pd.DataFrame]:
    """The text of ``source`` (UTF-8 bytes, anything with ``read(n)``) parsed by pyarrow in blocks of about
    ``CSV_BLOCK_BYTES`` (``_record_blocks``), each a frame of categorical columns (a block's distinct values
    once, a small code per cell), indexed by record position from 0. Raises ``Ragged`` where a row has other
    than ``width`` fields (blank lines, ragged rows and the like go the tolerant pandas way)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{i}" for i in range(width)]
    options = {
        "read_options": pacsv.ReadOptions(column_names=names),
        "parse_options": pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False),
        "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
    }
    def parse(block: bytes) -> pd.DataFrame:
        try:
            table = pacsv.read_csv(pa.py_buffer(block), **options)
        except pa.ArrowInvalid:
            raise Ragged from None
        return pd.DataFrame({i: table.column(i).dictionary_encode().to_pandas() for i in range(width)})

    start = 0
    for frame in _ahead(map(parse, _record_blocks(source, CSV_BLOCK_BYTES))):
        yield frame.set_axis(pd.RangeIndex(start, start + len(frame)), axis=0)
        start += len(frame)


def _ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each next one computed in a thread while the caller works on the one before (reading and
    parsing a block release the GIL: the two cores overlap). One item ahead at most; the thread's errors
    are raised here, in order."""
    from concurrent.futures import ThreadPoolExecutor

    end = object()
    with ThreadPoolExecutor(1, thread_name_prefix="csv-ahead") as pool:
        pending = pool.submit(next, items, end)
        while (item := pending.result()) is not end:
            pending = pool.submit(next, items, end)
            yield item


def _arrow_grid(source, sep: str, width: int) -> pd.DataFrame | None:
    """The whole text of ``source`` parsed in record batches (``_arrow_batches``) and joined, each column's
    batch dictionaries united: memory holds a code per cell and each distinct value once. Columns with many
    distinct values (free text) come back as plain strings. None where the rows are ragged."""
    from pandas.api.types import union_categoricals

    try:
        parts = list(_arrow_batches(source, sep, width))
    except Ragged:
        return None
    if not parts:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    rows = sum(len(p) for p in parts)
    columns = {}
    for i in range(width):
        joined = union_categoricals([p[i].array for p in parts])
        for p in parts:
            del p[i]
        few = _few(len(joined.categories), rows)
        columns[i] = pd.Series(joined if few else np.asarray(joined, dtype=object))
    return pd.DataFrame(columns).set_axis(pd.RangeIndex(rows), axis=0)


def _few(distinct: int, rows: int) -> bool:
    """Whether a column of ``rows`` cells with ``distinct`` values is kept categorical (free text, ids and
    times, nearly one value per row, are cheaper as plain strings)."""
    return distinct <= max(64, rows // 4)


def _plain_where_many(frame: pd.DataFrame) -> pd.DataFrame:
    """A batch's columns with nearly one value per row as plain strings (``_few``), as the whole-file reader
    has them."""
    for i in frame.columns:
        if not _few(len(frame[i].cat.categories), len(frame)):
            frame[i] = np.asarray(frame[i], dtype=object)
    return frame


def _sample(text: str, complete: bool) -> list[str]:
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line of a head may be cut
    return [ln for ln in lines[:50] if ln.strip()]


def _text_layout(path: Path) -> tuple[str, int, str, int] | None:
    """For a text file, its codec (``text_encoding`` of its first megabyte), where its records start (after
    a UTF-8 BOM), the separator and the number of fields (from a sample of its first lines); None where no
    codec reads it, or nothing to sample."""
    head_size, size = 1 << 20, path.stat().st_size
    with path.open("rb") as fh:
        start = fh.read(head_size)
    complete = size <= head_size
    encoding = text_encoding(start, final=complete)
    if encoding is None:
        return None
    utf8 = encoding in ("utf-8", "utf-8-sig")
    errors = "replace" if any(encoding == e for _, e in BOMS) else "strict"  # as ``decode`` reads it
    decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else encoding)(errors)
    head = decoder.decode(start, final=complete)
    if not head.strip() and complete:
        raise SurveyError("文件是空的，没有表头", file=str(path))
    sample = _sample(head, complete)
    if not sample:
        return None
    sep = sniff_delimiter(sample)
    width = max(len(r) for r in csv.reader(sample, delimiter=sep))
    if width == 1 and len(sample) > 1:
        return None  # one column: the whole-file reader says what is wrong
    if utf8:
        return "utf-8", (len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0), sep, width
    return encoding, 0, sep, width


def table_width(path: Path) -> int:
    """How many columns a text file's first lines hold (1 for prose such as a 说明.txt, 0 for none)."""
    try:
        layout = _text_layout(path)
    except SurveyError:
        return 0
    return layout[3] if layout is not None else 1


@contextmanager
def _utf8_source(path: Path, encoding: str, offset: int, mapped: bool = False):
    """The file's records as UTF-8 bytes from ``offset``: a UTF-8 file as it lies on disk (``mapped``:
    memory-mapped), any other transcoded as it is read (``_Transcoded``)."""
    import pyarrow as pa

    with pa.memory_map(str(path)) if mapped and encoding == "utf-8" else path.open("rb") as source:
        source.seek(offset)
        yield source if encoding == "utf-8" else _Transcoded(source, encoding)


def _text_batches(path: Path) -> tuple[str, Iterator[pd.DataFrame]]:
    """A CSV's encoding (as a note names it) and its records parsed batch by batch (``_arrow_batches``): a
    UTF-8 file as it lies on disk (never decoded in Python), any other decoded a block at a time; no
    batches where the file is not a regular CSV from its first batch."""
    layout = _text_layout(path)
    if layout is None:
        return "utf-8", iter(())
    encoding, offset, sep, width = layout

    def batches() -> Iterator[pd.DataFrame]:
        with _utf8_source(path, encoding, offset) as source:  # read, not mapped: mapped pages count as memory
            parts = _arrow_batches(source, sep, width)
            try:
                first = next(parts, None)
            except Ragged:
                return
            if first is not None:
                yield _plain_where_many(first)
                yield from map(_plain_where_many, parts)

    return encoding_name(encoding), batches()


def _read_text(path: Path, score: Scorer) -> Table:
    """A CSV or text export, parsed in record batches and joined: a UTF-8 file as it lies on disk
    (memory-mapped), another encoding decoded a block at a time; a file that is not a regular CSV is
    decoded whole and read the tolerant way."""
    grid, encoding, sample = None, "utf-8", []
    layout = _text_layout(path)
    if layout is not None:  # the usual case: parsed without ever holding the file's text
        encoding, offset, sep, width = layout
        with _utf8_source(path, encoding, offset, mapped=True) as source:
            grid = _arrow_grid(source, sep, width)
        encoding = encoding_name(encoding)
    if grid is None:
        text, encoding = decode(path.read_bytes(), path)
        if not text.strip():
            raise SurveyError("文件是空的，没有表头", file=str(path))
        sample = _sample(text[: 1 << 20], len(text) <= 1 << 20)
        sep = sniff_delimiter(sample)
        width = max(len(r) for r in csv.reader(sample, delimiter=sep))
        grid = pd.read_csv(io.StringIO(text), dtype=str, sep=sep, header=None, keep_default_na=False,
                           names=range(width), skip_blank_lines=False)
    if grid.shape[1] == 1 and len(sample) > 1:
        raise SurveyError(
            "只读到一列：无法判断列的分隔符（应为逗号、分号、制表符或“|”）；请用Excel打开后另存为.xlsx再导入",
            file=str(path),
        )
    row, _ = header_row(grid, score)
    notes = [] if encoding in ("utf-8", "utf-8-sig") else [f"文件编码：{encoding.upper()}"]
    return with_header(grid, row, notes)


def _read_sav(path: Path) -> pd.DataFrame:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    labels = meta.column_names_to_labels
    df.columns = [labels.get(c) or c for c in df.columns]

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return df.map(text)
