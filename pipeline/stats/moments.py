"""Mergeable sums behind the statistics of answers: per group, pairwise counts, sums and cross-products.

Every mean, variance, covariance and correlation the reports use follows from, per group and per pair of
columns (i, j), over the rows where both are answered: the count ``n``, the sum of column i ``s``, the sum of
its squares ``r`` and the sum of products ``q``. These add up: the sums of a survey's parts are the sums of
the survey, so it can be summarised part by part (a file, a row group, a Dask task) and merged.

Answers are small integers (option codes) and a dimension score is the mean of a few of them, so each value
times its column's ``scale`` is an integer: such columns are summed as exact integers (matrix products in
floating point over row blocks short enough to stay below 2⁵³, then added as int64, or as Python integers
where int64 could overflow), and every statistic is computed from the exact sums with one rounding. Sums of
parts then equal the sums of the whole in any order and any partition, and a survey summarised in parts gives
bit for bit the statistics of one pass. Columns without a scale (any real values) are summed in floating
point: still mergeable, exact only up to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

EXACT_FLOAT = 2**53  # every integer below this is a float: products summed in float stay exact below it
INT64_SAFE = 2**62


@dataclass(frozen=True)
class Moments:
    """Per group (sorted labels): ``rows``; and per pair of columns, ``n`` rows with both answered, ``s``
    the sum of column i, ``r`` the sum of its squares and ``q`` the sum of x_i·x_j over those rows, all of
    values × ``scale`` (None: real values, float sums). ``bound`` is an upper bound of any sum so far (when
    it could overflow int64, the sums become Python integers)."""

    columns: tuple[str, ...]
    groups: tuple
    rows: np.ndarray
    n: np.ndarray
    s: np.ndarray
    r: np.ndarray
    q: np.ndarray
    scale: tuple[int, ...] | None
    bound: int = 0
    paired: bool = True  # False: the sums of each column alone (the diagonals), no cross-products

    @classmethod
    def of(cls, values: pd.DataFrame, groups: pd.Series | None = None,
           scale: Sequence[int] | None = None, pairs: bool = True) -> Moments:
        """The sums of ``values`` (NaN: unanswered) per group of ``groups`` (None: one group, ``None``;
        rows without a group count in none). With ``scale``, each column times its scale must be whole.
        ``pairs=False`` sums each column alone (counts, means and variances only: no matrix products)."""
        columns = tuple(values.columns)
        x = values.to_numpy(dtype=float, na_value=np.nan) if len(columns) else np.empty((len(values), 0))
        if scale is not None:
            x = x * np.asarray(scale, dtype=float)
            whole = np.rint(x)
            if not np.allclose(x, whole, rtol=0, atol=1e-6, equal_nan=True):
                raise ValueError("values × scale are not whole numbers")
            x = whole
        if groups is None:
            codes, labels = np.zeros(len(values), dtype=np.intp), np.array([None], dtype=object)
        else:
            codes, labels = pd.factorize(groups.to_numpy(dtype=object, na_value=None), sort=True)
        k, g = len(columns), len(labels)
        exact = scale is not None
        dtype = np.int64 if exact else float
        n, s, r, q = (np.zeros((g, k, k), dtype=dtype) for _ in range(4))
        peak = float(np.nanmax(np.abs(x))) if exact and (~np.isnan(x)).any() else 0.0
        if peak * peak >= EXACT_FLOAT:
            raise ValueError("values × scale too large to be summed exactly")
        step = max(1, int(EXACT_FLOAT // max(peak * peak, 1.0))) if exact else len(values) or 1
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(g + 1))
        for i in range(g):
            rows = order[starts[i]:starts[i + 1]]
            for at in range(0, len(rows), step):
                for total, product in zip((n, s, r, q), _products(x[rows[at:at + step]], pairs), strict=True):
                    total[i] += np.rint(product).astype(np.int64) if exact else product
        bound = int(peak * peak) * len(values) if exact else 0
        return cls(columns, tuple(labels), np.diff(starts).astype(np.int64), n, s, r, q,
                   tuple(int(v) for v in scale) if exact else None, bound, pairs)

    def __add__(self, other: Moments) -> Moments:
        """The sums of both (groups united)."""
        if (self.columns, self.scale, self.paired) != (other.columns, other.scale, other.paired):
            raise ValueError("moments of different columns or scales")
        labels = sorted(set(self.groups) | set(other.groups), key=_sort_key)
        bound = self.bound + other.bound
        wide = self.scale is not None and (bound >= INT64_SAFE or self.n.dtype == object
                                           or other.n.dtype == object)
        position = {g: i for i, g in enumerate(labels)}
        out = []
        for a, b in zip(self._sums(), other._sums(), strict=True):
            total = np.zeros((len(labels), *a.shape[1:]), dtype=object if wide and a.ndim > 1 else a.dtype)
            for sums, groups in ((a, self.groups), (b, other.groups)):
                at = [position[g] for g in groups]
                total[at] = total[at] + (sums.astype(object) if wide and a.ndim > 1 else sums)
            out.append(total)
        return replace(self._with(tuple(labels), *out), bound=bound)

    def total(self) -> Moments:
        """Every group's sums added into one group (``None``)."""
        return self._with((None,), *(a.sum(axis=0, keepdims=True) for a in self._sums()))

    def rest(self, drop: np.ndarray | None = None) -> Moments:
        """Per group, the sums of every other group (the rest of the area). ``drop``: (groups, columns, d)
        indices of groups also left out of each group's rest in each column (-1: none); the result then holds
        each column's own sums only (no cross-products)."""
        out = self._with(self.groups, *(a.sum(axis=0, keepdims=True) - a for a in self._sums()))
        if drop is None:
            return out
        k = len(self.columns)
        columns = np.arange(k)
        sums = []
        for total, own in zip((out.n, out.s, out.r), (self.n, self.s, self.r), strict=True):
            left, each = _diagonal(total), _diagonal(own)
            for d in range(drop.shape[2]):
                at = drop[:, :, d]
                taken = each[np.maximum(at, 0), columns[None, :]]
                left = left - np.where(at >= 0, taken, 0)
            diagonal = np.zeros((len(self.groups), k, k), dtype=left.dtype)
            diagonal[:, columns, columns] = left
            sums.append(diagonal)
        return replace(out, n=sums[0], s=sums[1], r=sums[2], q=sums[2], paired=False)

    def take(self, groups: Sequence) -> Moments:
        """Only ``groups`` (each must be present)."""
        position = {g: i for i, g in enumerate(self.groups)}
        at = [position[g] for g in groups]
        return self._with(tuple(groups), *(a[at] for a in self._sums()))

    def columns_of(self, columns: Sequence[str]) -> Moments:
        """Only ``columns``."""
        at = [self.columns.index(c) for c in columns]
        ix = np.ix_(range(len(self.groups)), at, at)
        scale = tuple(self.scale[i] for i in at) if self.scale is not None else None
        n, s, r, q = (a[ix] for a in (self.n, self.s, self.r, self.q))
        return replace(self, columns=tuple(columns), n=n, s=s, r=r, q=q, scale=scale)

    def _sums(self) -> tuple[np.ndarray, ...]:
        return self.rows, self.n, self.s, self.r, self.q

    def _with(self, groups: tuple, rows: np.ndarray, n: np.ndarray, s: np.ndarray, r: np.ndarray,
              q: np.ndarray) -> Moments:
        return replace(self, groups=groups, rows=rows, n=n, s=s, r=r, q=q)

    def _paired(self) -> None:
        if not self.paired:
            raise ValueError("these sums have no cross-products (Moments.of(..., pairs=False))")

    def _scales(self) -> np.ndarray:
        return np.array(self.scale if self.scale is not None else [1] * len(self.columns), dtype=object)

    # --- statistics per group and column (exact sums: Python integers, one rounding at the end) -----------
    def count(self) -> np.ndarray:
        """(groups, columns) answered rows."""
        return _diagonal(self.n).astype(np.int64)

    def sum(self) -> np.ndarray:
        """(groups, columns) sums of the values."""
        return _diagonal(self.s).astype(float) / np.asarray(self.scale or 1, dtype=float)

    def mean(self) -> np.ndarray:
        """(groups, columns) means (NaN where none answered)."""
        n, s = _diagonal(self.n), _diagonal(self.s)
        if self.scale is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(n > 0, s / n, np.nan)
        return _ratio(_big(s), _big(n) * self._scales())

    def var(self) -> np.ndarray:
        """(groups, columns) sample variances (ddof 1; NaN below two answers)."""
        n, s, r = _diagonal(self.n), _diagonal(self.s), _diagonal(self.r)
        if self.scale is None:  # rounding can leave a tiny negative where every value is the same
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(n >= 2, np.maximum((r - s * s / n) / (n - 1), 0.0), np.nan)
        n, s, r = _big(n), _big(s), _big(r)
        return _ratio(n * r - s * s, n * (n - 1) * self._scales() ** 2)

    def cov(self) -> np.ndarray:
        """(groups, columns, columns) covariances over the rows where both columns are answered (pairwise, as
        ``DataFrame.cov``); NaN where fewer than two such rows."""
        self._paired()
        if self.scale is None:
            n, s, q = self.n, self.s, self.q
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(n >= 2, (q - s * np.swapaxes(s, 1, 2) / n) / (n - 1), np.nan)
        n, s, q = _big(self.n), _big(self.s), _big(self.q)
        scales = self._scales()
        return _ratio(n * q - s * np.swapaxes(s, 1, 2), n * (n - 1) * np.multiply.outer(scales, scales))

    def corr(self) -> np.ndarray:
        """(groups, columns, columns) Pearson correlations over the rows where both columns are answered
        (pairwise, as ``DataFrame.corr``; a column with itself exactly 1); NaN where undefined."""
        self._paired()
        exact = self.scale is not None
        n, s, r, q = (_big(a) if exact else a for a in (self.n, self.s, self.r, self.q))
        st, rt = np.swapaxes(s, 1, 2), np.swapaxes(r, 1, 2)
        cross, spread = n * q - s * st, (n * r - s * s) * (n * rt - st * st)
        to_float = _float if exact else np.asarray
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(self.n >= 2, to_float(cross) / np.sqrt(to_float(spread)), np.nan)
        diagonal = np.arange(len(self.columns))
        out[:, diagonal, diagonal] = np.where(np.isnan(out[:, diagonal, diagonal]), np.nan, 1.0)
        return out

    def labels(self) -> np.ndarray:
        """The group labels as an object array (for indexing alongside the statistics)."""
        out = np.empty(len(self.groups), dtype=object)
        out[:] = list(self.groups)
        return out


def _products(block: np.ndarray, pairs: bool) -> tuple[np.ndarray, ...]:
    """A block's pairwise counts, sums, sums of squares and cross-products (only their diagonals without
    ``pairs``). Where every value is present, three of the four products are column sums."""
    present = ~np.isnan(block)
    x0 = np.where(present, block, 0.0)
    k = block.shape[1]
    if not pairs:
        count, total, squares = present.sum(axis=0), x0.sum(axis=0), (x0 * x0).sum(axis=0)
        return tuple(np.diag(v).astype(float) for v in (count, total, squares, squares))
    if present.all():
        total, squares = x0.sum(axis=0), (x0 * x0).sum(axis=0)
        return (np.full((k, k), float(len(block))), np.repeat(total[:, None], k, axis=1),
                np.repeat(squares[:, None], k, axis=1), x0.T @ x0)
    m = present.astype(float)
    return m.T @ m, x0.T @ m, (x0 * x0).T @ m, x0.T @ x0


def _big(a: np.ndarray) -> np.ndarray:
    """Exact integers that cannot overflow (Python ints in an object array)."""
    return np.asarray(a).astype(object)


def _float(a: np.ndarray) -> np.ndarray:
    """Exact integers as floats, each correctly rounded."""
    return _ratio(a, np.ones(a.shape, dtype=object))


def _diagonal(a: np.ndarray) -> np.ndarray:
    return np.diagonal(a, axis1=1, axis2=2).copy()


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den of exact integers as floats, correctly rounded (Python's integer division); NaN where den
    is 0 or less."""
    out = np.full(num.shape, np.nan)
    ok = (den > 0).astype(bool)
    out[ok] = [a / b for a, b in zip(num[ok].tolist(), den[ok].tolist(), strict=True)]
    return out


def _sort_key(label: object) -> tuple[int, str]:
    return (label is None, str(label))
