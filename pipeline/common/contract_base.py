"""What every table contract is made of: the column types (``Str`` text, ``Int`` whole numbers, ``OptInt``
where a count may be withheld, ``Float`` numbers, ``Bool`` flags, ``OptBool`` where withheld), a column that
may be missing (``value``), a share or p-value within [0, 1] (``share``), and the base ``Contract``: exactly
its columns, types made exact on the way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import DateTime, Series  # noqa: F401 - DateTime for the contracts that use it

Str = Series[pd.StringDtype]
Int = Series[np.int64]
OptInt = Series[pd.Int64Dtype]
Float = Series[np.float64]
Bool = Series[bool]
OptBool = Series[pd.BooleanDtype]

UNIT_RANGE = {"in_range": {"min_value": 0, "max_value": 1}}


def value(**checks) -> pa.Field:
    """A column that may be missing (withheld or not computable)."""
    return pa.Field(nullable=True, **checks)


def share() -> pa.Field:
    """A share or p-value: within [0, 1], or missing."""
    return pa.Field(nullable=True, **UNIT_RANGE)


class Contract(pa.DataFrameModel):
    """Every stored table: exactly its columns (``strict``), types made exact on the way (``coerce``)."""

    class Config:
        strict = True
        coerce = True
