"""Work on distinct values, not cells: a million answers to a five-point item are five strings.

A column is factorised once (categorical columns already are: their codes and categories are used as
they are), a function runs once per distinct value, and the results are mapped back to the rows by
position with numpy. Every per-value rule of ingest and clean goes through here, so its cost follows the
number of distinct answers, not the number of rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.common.names import strip_invisible


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row the position of its value among the distinct values, and the distinct values in order of
    first appearance (object array; a missing value is one of them, as ``None``). The first distinct value
    that breaks a rule is therefore the first row that does."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat_codes = values.cat.codes.to_numpy()
        codes, order = pd.factorize(cat_codes)
        categories = np.append(values.cat.categories.to_numpy(dtype=object), None)
        return codes.astype(np.intp), categories[order]  # code -1 (missing) picks the appended None
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    uniques = np.asarray(uniques, dtype=object)
    uniques[pd.isna(uniques)] = None
    return codes.astype(np.intp), uniques


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return strip_invisible(unicodedata.normalize("NFKC", str(value)))


def cell_values(uniques: np.ndarray) -> np.ndarray:
    """Distinct values as comparable text: NFKC-folded, invisible characters and outer spaces dropped ("" for
    missing). ASCII strings (序号, times, codes: most distinct values of a large export) are done by arrow in
    one call; the rest one by one."""
    out = np.empty(len(uniques), dtype=object)
    is_str = np.fromiter((type(u) is str for u in uniques), dtype=bool, count=len(uniques))
    if is_str.any():
        strings = pa.array(uniques[is_str], type=pa.string())
        ascii_ = pc.string_is_ascii(strings).to_numpy(zero_copy_only=False)
        folded = pc.utf8_trim(
            pc.replace_substring_regex(strings.filter(pa.array(ascii_)), r"[\x00-\x1f\x7f]", ""), " "
        ).to_numpy(zero_copy_only=False)
        where = np.flatnonzero(is_str)
        out[where[ascii_]] = folded
        out[where[~ascii_]] = [_cell(u) for u in uniques[where[~ascii_]]]
    out[~is_str] = [_cell(u) for u in uniques[~is_str]]
    return out


def cells(values: pd.Series) -> pd.Series:
    """Every cell as comparable text (see ``cell_values``), computed once per distinct value."""
    codes, uniques = factorize(values)
    return pd.Series(cell_values(uniques)[codes], index=values.index, dtype=object)


def first_row(mask: np.ndarray) -> int:
    """The position of the first True."""
    return int(np.flatnonzero(mask)[0])


def map_values(values: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``fn`` of every value, once per distinct value; a categorical column stays categorical."""
    codes, uniques = factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    if isinstance(values.dtype, pd.CategoricalDtype):
        new_codes, categories = pd.factorize(mapped)
        return pd.Series(pd.Categorical.from_codes(new_codes[codes], categories), index=values.index)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a string ("" for empty); categorical columns keep their codes (the "" category added)."""
    out = df.copy()
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.cat.rename_categories([str(c) for c in s.cat.categories])
            if s.isna().any():
                if "" not in s.cat.categories:
                    s = s.cat.add_categories([""])
                s = s.fillna("")
        else:
            s = s.fillna("").astype(str)
        out.isetitem(i, s)
    return out


def hash_rows(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of every row's values: each column's distinct values hashed once (as objects, so a long
    answer costs its own length, never rows × the longest cell) and combined across columns in order.
    Equal rows hash equal in any frame, whatever the column's dtype (categorical or plain)."""
    acc = np.zeros(len(frame), dtype=np.uint64)
    for j in range(frame.shape[1]):
        codes, uniques = factorize(frame.iloc[:, j])
        keys = np.array(["\0" if u is None else f"{type(u).__name__}:{u}" for u in uniques], dtype=object)
        hashed = pd.util.hash_array(keys, categorize=False)
        with np.errstate(over="ignore"):
            acc = acc * np.uint64(1_000_003) ^ hashed[codes]
    return acc
