"""Many small exports read as one: a folder of thousands of one-row CSV files (one per paper questionnaire
typed in, or per respondent) costs what one file of the same rows costs, not a reader, a mapping and a
cache entry each.

Consecutive UTF-8 text files small enough that no cell can need cutting, whose first line (the header) is
the same bytes and looks like an export header, are a batch: each file's records are read with the csv
module (its own line numbers kept), the batch becomes one table of text cells with each row's file and
line, and it is mapped onto the questionnaire once (``ingest_frame`` with ``files``) and cached as one
entry keyed by every member's name and bytes. Anything else — another encoding, a workbook, a title row
above the header, a file whose header differs — is read on its own, as before.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.integrity import content_hash
from pipeline.common.limits import MAX_CELL_CHARS, MAX_HEADER_CHARS
from pipeline.ingest.grid import Scorer, Table, with_header
from pipeline.ingest.text_tables import sniff_delimiter

BATCH_FILES = 5_000  # files in one batch at most …
BATCH_BYTES = 32 << 20  # … and bytes
TEXT_SUFFIXES = (".csv", ".txt")


@dataclass(frozen=True)
class Small:
    """A small export's header line and body, as read for planning."""

    path: Path
    header: bytes
    body: bytes


def small_export(path: Path) -> Small | None:
    """``path`` as a batch member: a UTF-8 text file of at most ``MAX_CELL_CHARS`` bytes (so no cell is
    ever cut) with a header line and at least one more line; None otherwise."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        if path.stat().st_size > MAX_CELL_CHARS:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    header, newline, body = data.partition(b"\n")
    if not newline or not body.strip() or header.count(b'"') % 2:  # a header over several lines: alone
        return None
    return Small(path, header.rstrip(b"\r"), body)


def plan(paths: list[Path], score: Scorer) -> list[list[Path] | Path]:
    """``paths`` in order, with runs of batchable small exports of one header grouped (lists); a file read
    on its own stays a path."""
    out: list[list[Path] | Path] = []
    run: list[Small] = []
    good_headers: dict[bytes, bool] = {}

    def close() -> None:
        if len(run) > 1:
            out.append([s.path for s in run])
        else:
            out.extend(s.path for s in run)
        run.clear()

    for path in paths:
        small = small_export(path)
        if small is not None and small.header not in good_headers:
            good_headers[small.header] = _looks_like_header(small.header, score)
        if small is None or not good_headers[small.header]:
            close()
            out.append(path)
            continue
        size = sum(len(s.body) for s in run)
        if run and (run[0].header != small.header or len(run) >= BATCH_FILES or size >= BATCH_BYTES):
            close()
        run.append(small)
    close()
    return out


def _looks_like_header(header: bytes, score: Scorer) -> bool:
    text = header.decode("utf-8")
    cells = next(csv.reader([text], delimiter=sniff_delimiter([text])))
    return len(cells) >= 2 and score([c.strip()[:MAX_HEADER_CHARS] for c in cells if c.strip()]) >= 2


def batch_key(files: list[Path]) -> str:
    """The members' names and bytes, hashed (a batch is read again when any member changes)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.name}\0{content_hash(f)}\0".encode())
    return h.hexdigest()


def read_batch(files: list[Path]) -> tuple[Table, np.ndarray, np.ndarray] | None:
    """The batch as one table of text cells, as the reader makes one of a single file (``with_header``:
    blank rows and unnamed empty columns left out), each row's file name and its line in that file; None
    where a record has more cells than the header (each file is then read on its own, and the reader says
    what is wrong)."""
    smalls = [small_export(f) for f in files]
    header_text = smalls[0].header.decode("utf-8")  # type: ignore[union-attr]
    sep = sniff_delimiter([header_text])
    header = next(csv.reader([header_text], delimiter=sep))
    records, names, lines = [], [], []
    for small in smalls:
        reader = csv.reader(io.StringIO(small.body.decode("utf-8"), newline=""), delimiter=sep)  # type: ignore
        start = 2
        for record in reader:
            records.append(record)
            names.append(small.path.name)  # type: ignore[union-attr]
            lines.append(start)
            start = reader.line_num + 2
    width = len(header)
    if any(len(r) > width and any(c.strip() for c in r[width:]) for r in records):
        return None
    grid = pd.DataFrame([header, *((r + [""] * width)[:width] for r in records)], dtype=object)
    table = with_header(grid, 0, [])
    table.frame = table.frame.fillna("")
    at = table.frame.index.to_numpy() - 2  # the grid's rows: header first, then the records in order
    return table, np.asarray(names, dtype=object)[at], np.asarray(lines)[at]
