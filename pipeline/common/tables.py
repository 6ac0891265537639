"""Reading another stage's table: the only way a stage reads a stored table. Every read is checked against
the table's contract (``pipeline.common.contracts``), so a table that drifted is one clear message here
instead of a ``KeyError`` three modules later; a report reads only its own unit's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from pipeline.common.contracts import conform
from pipeline.common.errors import SurveyError


def read_table(directory: str | Path, name: str, unit: str | None = None, *, file: str | None = None,
               contract: str | None = None) -> pd.DataFrame:
    """The table ``name`` stored in ``directory`` (``<name>.parquet``, or ``file``), only ``unit``'s rows when
    one is given, checked against the contract ``contract`` (default: its name)."""
    path = _stored(directory, name, file)
    table = pd.read_parquet(path, filters=[("unit", "==", unit)] if unit is not None else None)
    return conform(contract or name, table)


def read_table_parts(directory: str | Path, name: str, *, file: str | None = None,
                     columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table as ``read_table`` reads it, one row group at a time (a table written part by part is never
    read whole); only ``columns`` when given (then not checked: a contract describes whole rows)."""
    for i in range(row_groups(directory, name, file=file)):
        yield read_row_group(directory, name, i, file=file, columns=columns)


def row_groups(directory: str | Path, name: str, *, file: str | None = None) -> int:
    """How many row groups the stored table has (each can be read alone: ``read_row_group``)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(_stored(directory, name, file)) as stored:
        return stored.num_row_groups


def stored_columns(directory: str | Path, name: str, *, file: str | None = None) -> list[str]:
    """The names of the stored table's columns (read from its schema, not its data)."""
    import pyarrow.parquet as pq

    return pq.read_schema(_stored(directory, name, file)).names


def read_row_group(directory: str | Path, name: str, index: int, *, file: str | None = None,
                   columns: list[str] | None = None) -> pd.DataFrame:
    """Row group ``index`` of the stored table, checked against its contract (unless only ``columns``)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(_stored(directory, name, file)) as stored:
        part = stored.read_row_group(index, columns=columns).to_pandas()
    return part if columns is not None else conform(name, part)


def _stored(directory: str | Path, name: str, file: str | None) -> Path:
    path = Path(directory) / (file or f"{name}.parquet")
    if not path.is_file():
        raise SurveyError(f"找不到 {path}，请先运行 survey run（或其中生成它的步骤）")
    return path


def coalesced(parts: Iterable[pd.DataFrame], rows: int = 1 << 13) -> Iterator[pd.DataFrame]:
    """Consecutive small parts joined until each holds at least ``rows`` rows (a part that large already
    passes as it is; the last may hold fewer): thousands of one-row exports cost what a few parts of their
    rows cost downstream, and a large export's parts are untouched (memory stays one part)."""
    pending: list[pd.DataFrame] = []
    size = 0
    for part in parts:
        pending.append(part)
        size += len(part)
        if size >= rows:
            out = pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
            pending, size = [], 0  # not kept while the caller works on the joined part
            yield out
    if pending:
        yield pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
