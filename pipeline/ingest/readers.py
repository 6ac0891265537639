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
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file
from pipeline.common.limits import MAX_UNPACK_RATIO, MAX_UNPACKED_BYTES
from pipeline.ingest.grid import Scorer, Table, _body, _columns, header_note, header_row, header_score
from pipeline.ingest.text_tables import Ragged, _read_text, _text_batches, table_width

__all__ = ["Ragged", "Scorer", "Table", "content_kind", "iter_table", "read_table", "table_width"]

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


def read_table(path: Path, score: Scorer = header_score) -> Table:
    """Every cell as text ("" for empty); a Chinese error naming the file for anything unreadable."""
    path = regular_file(path, "导出文件")
    kind = content_kind(path)
    notes: list[str] = []
    try:
        if kind == "sav":
            df = _read_sav(path)
            table = Table(df.set_axis(range(2, len(df) + 2), axis=0))
        elif kind == "xlsx" and _large_workbook(path):
            table = _joined(list(_streamed(path, score)), path)
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
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise unreadable(exc, path) from None
    table.notes[:0] = notes
    if table.frame.shape[1] and len(table.frame) == 0 and not any(len(t.frame) for t in table.more):
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))
    table.more = [_finished(t, path) for t in table.more]
    return _finished(table, path)


def unreadable(exc: Exception, path: Path) -> SurveyError:
    """A reader's failure as the user reads it: a ``SurveyError`` as it is, anything else a damaged file."""
    if isinstance(exc, SurveyError):
        return exc
    return SurveyError(f"文件无法读取，可能已损坏或不是问卷导出文件（{type(exc).__name__}: {exc}）",
                       file=str(path))


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
    kind = content_kind(path)
    if kind == "xlsx" and _large_workbook(path):
        yield from _streamed(path, score)
        return
    plain = kind == "text" and path.suffix.lower() not in (".xlsx", ".xlsm", ".xls")
    encoding, batches = _text_batches(path) if plain else ("", None)
    first = next(batches, None) if batches is not None else None
    if first is None:
        table = read_table(path, score)
        yield table
        yield from table.more  # a workbook's further sheets with the same header
        return
    row, _ = header_row(first, score)
    header, keep = _columns(first, row)
    notes = header_note(row)
    notes += [] if encoding == "utf-8" else [f"文件编码：{encoding.upper()}"]
    rest = (_body(grid.replace("", pd.NA), header, keep, []) for grid in batches)
    rows = 0
    for table in chain([_body(first.iloc[row + 1:].replace("", pd.NA), header, keep, notes)], rest):
        if len(table.frame):
            rows += len(table.frame)
            yield _finished(table, path)
    if rows == 0:
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))


def _large_workbook(path: Path) -> bool:
    """An xlsx read block by block (``sheets.is_large``); one the zip reader refuses is read whole (and its
    trouble reported there)."""
    import zipfile

    from pipeline.ingest.sheets import is_large

    try:
        return is_large(path)
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def _streamed(path: Path, score: Scorer) -> Iterator[Table]:
    """A large workbook's parts (``sheets.stream_workbook``), finished; a Chinese error naming the file for
    anything unreadable, and for a workbook with a header but no rows."""
    from pipeline.ingest.sheets import stream_workbook

    check_unpacked_size(path, whole=False)
    rows = 0
    try:
        for table in stream_workbook(path, score):
            rows += len(table.frame)
            yield _finished(table, path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise unreadable(exc, path) from None
    if rows == 0:
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))


def _joined(parts: list[Table], path: Path) -> Table:
    """A large workbook's parts as ``read_workbook`` gives it whole: each sheet's parts joined, the first
    sheet's table carrying the others (``more``)."""
    sheets: dict[str | None, list[Table]] = {}
    for part in parts:
        sheets.setdefault(part.sheet, []).append(part)
    tables = []
    for sheet, group in sheets.items():
        frame = pd.concat([t.frame for t in group])
        tables.append(Table(frame, [n for t in group for n in t.notes],
                            {k: v for t in group for k, v in t.row_notes.items()}, sheet))
    tables[0].more = tables[1:]
    return tables[0]


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


def check_unpacked_size(path: Path, whole: bool = True) -> None:
    """Refuse an xlsx (a zip archive) whose parts unpack to more than ``MAX_UNPACK_RATIO`` times the file's
    size (a zip bomb) — or, to be read ``whole``, to more than ``MAX_UNPACKED_BYTES`` — before any of it is
    parsed: the parts are inflated and only counted, which costs time, never memory."""
    import zipfile

    packed = path.stat().st_size
    limit = MAX_UNPACK_RATIO * max(packed, 1 << 20)
    if whole:
        limit = min(MAX_UNPACKED_BYTES, limit)
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
