"""Reading another stage's table: the only way a stage reads a stored table. Every read is checked against
the table's contract (``pipeline.common.contracts``), so a table that drifted is one clear message here
instead of a ``KeyError`` three modules later; a report reads only its own unit's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.common.contracts import conform
from pipeline.common.errors import SurveyError


def read_table(directory: str | Path, name: str, unit: str | None = None, *, file: str | None = None,
               contract: str | None = None) -> pd.DataFrame:
    """The table ``name`` stored in ``directory`` (``<name>.parquet``, or ``file``), only ``unit``'s rows when
    one is given, checked against the contract ``contract`` (default: its name)."""
    path = Path(directory) / (file or f"{name}.parquet")
    if not path.is_file():
        raise SurveyError(f"找不到 {path}，请先运行 survey run（或其中生成它的步骤）")
    table = pd.read_parquet(path, filters=[("unit", "==", unit)] if unit is not None else None)
    return conform(contract or name, table)


def read_table_parts(directory: str | Path, name: str, *, file: str | None = None,
                     columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table as ``read_table`` reads it, one row group at a time (a table written part by part is never
    read whole); only ``columns`` when given (then not checked: a contract describes whole rows)."""
    import pyarrow.parquet as pq

    path = Path(directory) / (file or f"{name}.parquet")
    if not path.is_file():
        raise SurveyError(f"找不到 {path}，请先运行 survey run（或其中生成它的步骤）")
    with pq.ParquetFile(path) as stored:
        for i in range(stored.num_row_groups):
            part = stored.read_row_group(i, columns=columns).to_pandas()
            yield part if columns is not None else conform(name, part)
