"""Reliability per dimension (the SPSSAU-style table): α, its CI, standardised α, CITC, α if item deleted.

Everything is computed from each group's item covariance matrix (pairwise deletion, as
``pingouin.cronbach_alpha`` and R psych with ``use="pairwise"``), itself from the mergeable sums of
``pipeline.stats.moments``: all units at once. The tests check the results against pingouin.

Readings flagged (as Chinese researchers expect): CITC below ``CITC_MIN``; α if item deleted clearly
above α (by more than ``DELETE_GAIN``); both rules live in ``pipeline.common.rules``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist

from pipeline.common.rules import CITC_MIN, DELETE_GAIN
from pipeline.stats.moments import Moments

CI = 0.95


def alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    return float((k / (k - 1)) * (1 - np.trace(cov) / total)) if total > 0 else np.nan


def alpha_ci(alpha: float, n: int, k: int, ci: float = CI) -> tuple[float, float]:
    """Feldt's F-based interval, as pingouin computes it (unrounded)."""
    df1 = n - 1
    df2 = df1 * (k - 1)
    a = 1 - ci
    return (1 - (1 - alpha) * f_dist.isf(a / 2, df1, df2), 1 - (1 - alpha) * f_dist.isf(1 - a / 2, df1, df2))


def standardised_alpha(cov: np.ndarray) -> float:
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    k = corr.shape[0]
    r = corr[np.triu_indices(k, 1)].mean()
    return float(k * r / (1 + (k - 1) * r))


def item_statistics(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrected item-total correlation and α if item deleted, per item, from the covariance matrix."""
    k = cov.shape[0]
    row = cov.sum(axis=1)
    total = cov.sum()
    cov_rest = row - np.diag(cov)  # cov(item, sum of the other items)
    var_rest = total - 2 * row + np.diag(cov)
    citc = cov_rest / np.sqrt(np.diag(cov) * var_rest)
    deleted = np.array(
        [alpha_from_cov(np.delete(np.delete(cov, i, 0), i, 1)) if k > 2 else np.nan for i in range(k)]
    )
    return citc, deleted


def reliability_tables(items: pd.DataFrame, groups: pd.Series | None, dimensions: dict[str, list[str]],
                       min_n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``reliability_moments`` of respondent × item scores (reverse-coded): all rows, and each group of
    ``groups`` (None: all rows only) with at least ``min_n`` rows."""
    by = Moments.of(items, groups) if groups is not None else None
    return reliability_moments(Moments.of(items), by, dimensions, min_n)


def reliability_moments(total: Moments, by: Moments | None, dimensions: dict[str, list[str]],
                        min_n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scale and item tables for all rows (``total``, one group) and every group of ``by`` (units) with at
    least ``min_n`` rows, each from its pairwise covariance matrix.

    Returns
    -------
    scales : one row per (unit, dimension): ``unit`` (NA for all rows), ``dimension``, ``n``, ``k``,
        ``alpha``, ``alpha_ci_low``, ``alpha_ci_high`` (Feldt), ``std_alpha``, ``note`` (why it cannot be
        computed).
    items : one row per (unit, dimension, item): ``citc``, ``alpha_if_deleted``, ``low_citc``,
        ``drop_raises_alpha``.
    """
    scale_rows, item_rows = [], []

    def matrices(sums: Moments) -> dict[str, np.ndarray]:  # per dimension, every group's at once
        return {dim: sums.columns_of(cols).cov() for dim, cols in dimensions.items()}

    scopes: list[tuple[str | None, int, dict[str, np.ndarray], int]] = [
        (None, int(total.rows.sum()), matrices(total), 0)]
    if by is not None:
        per_unit = matrices(by)
        sizes = zip(by.groups, by.rows, strict=True)
        scopes += [(g, int(size), per_unit, i) for i, (g, size) in enumerate(sizes) if size >= min_n]
    for scope, n, covs, at in scopes:
        for dim, cols in dimensions.items():
            cov = covs[dim][at]
            k = len(cols)
            base = {"unit": scope, "dimension": dim, "n": n, "k": k}
            if k < 2 or n < 3:
                scale_rows.append({**base, "alpha": np.nan, "note": "题目或样本太少，无法计算信度"})
                continue
            if np.isnan(cov).any() or (np.diag(cov) == 0).any():
                scale_rows.append(
                    {**base, "alpha": np.nan, "note": "存在所有人答案相同或无人作答的题目，无法计算信度"}
                )
                continue
            a = alpha_from_cov(cov)
            lo, hi = alpha_ci(a, n, k)
            scale_rows.append({**base, "alpha": a, "alpha_ci_low": lo, "alpha_ci_high": hi,
                               "std_alpha": standardised_alpha(cov), "note": ""})
            citc, deleted = item_statistics(cov)
            for item, c, d in zip(cols, citc, deleted, strict=True):
                item_rows.append(
                    {
                        "unit": scope,
                        "dimension": dim,
                        "item": item,
                        "citc": c,
                        "alpha_if_deleted": d,
                        "low_citc": bool(c < CITC_MIN),
                        "drop_raises_alpha": bool(d > a + DELETE_GAIN),
                    }
                )
    scales = pd.DataFrame(
        scale_rows,
        columns=[
            "unit",
            "dimension",
            "n",
            "k",
            "alpha",
            "alpha_ci_low",
            "alpha_ci_high",
            "std_alpha",
            "note",
        ],
    )
    return scales, pd.DataFrame(item_rows, columns=["unit", "dimension", "item", "citc", "alpha_if_deleted",
                                                    "low_citc", "drop_raises_alpha"])


def reading(alpha: float) -> str:
    """The usual plain-language reading of α."""
    if np.isnan(alpha):
        return "无法计算"
    if alpha >= 0.9:
        return "信度很好"
    if alpha >= 0.8:
        return "信度较好"
    if alpha >= 0.7:
        return "信度可以接受"
    if alpha >= 0.6:
        return "信度一般，结论需谨慎"
    return "信度较差，该维度题目需要修改"
