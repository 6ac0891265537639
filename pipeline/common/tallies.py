"""Tallies: rows per combination of values, which add up part by part.

A survey read in parts (or on several machines) is counted part by part and the parts' tallies added; what
is held is one number per distinct combination, never a row per respondent.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype


def tally(**columns: pd.Series) -> pd.Series:
    """Rows per combination of the columns' values (numbers as numbers, anything else as text; each keyword
    names an index level), counting only rows where every value is present; sorted."""
    frame = pd.DataFrame({name: values if is_numeric_dtype(values) and not is_bool_dtype(values)
                          else values.astype("string") for name, values in columns.items()})
    return frame.groupby(list(columns), observed=True, sort=True).size()


def add_tallies(parts: Iterable[pd.Series]) -> pd.Series:
    """Several tallies with the same index levels added up, sorted (a level's missing values kept)."""
    parts = list(parts)
    levels = list(range(parts[0].index.nlevels))
    return pd.concat(parts).groupby(level=levels, dropna=False, sort=True).sum()
