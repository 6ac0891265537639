"""Text exports (CSV): the encoding told from the bytes (UTF-8, UTF-16, GB18030/GBK, Big5), the delimiter
sniffed (comma, semicolon, tab or ``|``), and the file parsed by arrow in record batches, so that memory holds
one batch, never the file."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.matching import simplified
from pipeline.ingest.grid import Scorer, Table, header_row, with_header

DELIMITERS = (",", ";", "\t", "|")
T = TypeVar("T")


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


