"""Reading another stage's table: the only way a stage reads a stored table. Every read is checked against
the table's contract (``pipeline.common.contracts``), so a table that drifted is one clear message here
instead of a ``KeyError`` three modules later; a report reads only its own unit's rows.
"""

from __future__ import annotations

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
