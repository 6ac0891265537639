"""An export as a table of text cells (``Table``) and how its header is found: each of the first rows scored
as a header (by the caller's ``Scorer``, by default how many cells look like export headers), the rows under
it kept with their file row numbers, blank rows and unnamed empty columns left out, long cells cut."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.common.limits import (
    MAX_CELL_CHARS,
    MAX_HEADER_CHARS,
    clip,
)

HEADER_SEARCH_ROWS = 10  # a header is looked for in the first rows (title rows above it are common)
Scorer = Callable[[list[str]], float]


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
    notes.extend(header_note(row))
    return _body(grid.iloc[row + 1:].replace("", pd.NA), header, keep, notes)


def header_note(row: int) -> list[str]:
    """What a reader says of rows above the header (0-based ``row``): that they were skipped; none if none."""
    return [f"表头在第{row + 1}行，上面的{row}行（标题、说明等）已跳过"] if row > 0 else []


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


