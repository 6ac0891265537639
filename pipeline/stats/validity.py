"""Construct validity of the whole instrument: KMO (overall and per item) and Bartlett's sphericity test.

Both use listwise deletion (R psych uses pairwise correlations; per-item KMO can differ in the second
decimal where data are missing). The formulas are factor_analyzer's (``calculate_kmo``,
``calculate_bartlett_sphericity``, the reference in the tests), computed from one correlation matrix, itself
from the mergeable sums of the complete rows (``pipeline.stats.moments``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pipeline.stats.moments import Moments


def kmo_reading(kmo: float) -> str:
    """The SPSSAU-style reading of the overall KMO."""
    if np.isnan(kmo):
        return "无法计算"
    if kmo > 0.8:
        return "非常适合做因子分析"
    if kmo > 0.7:
        return "适合做因子分析"
    if kmo > 0.6:
        return "勉强适合做因子分析"
    return "不适合做因子分析"


def _kmo_bartlett(corr: np.ndarray, n: int) -> tuple[np.ndarray, float, float, float]:
    """Per-item KMO, overall KMO, Bartlett's χ² and p from a correlation matrix of ``n`` complete rows."""
    from scipy import stats

    p = corr.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            inverse = np.linalg.inv(corr)
        except np.linalg.LinAlgError:
            inverse = np.linalg.pinv(corr)
        partial = -inverse / np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
        r2, p2 = corr**2, partial**2
        np.fill_diagonal(r2, 0)
        np.fill_diagonal(p2, 0)
        per_item = r2.sum(axis=0) / (r2.sum(axis=0) + p2.sum(axis=0))
        overall = r2.sum() / (r2.sum() + p2.sum())
        chi2 = -np.log(np.linalg.det(corr)) * (n - 1 - (2 * p + 5) / 6)
    return per_item, float(overall), float(chi2), float(stats.chi2.sf(chi2, p * (p - 1) / 2))


def kmo_bartlett(items: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """``kmo_moments`` of the listwise complete rows of respondent × item scores."""
    return kmo_moments(Moments.of(items.astype(float).dropna()))


def kmo_moments(complete: Moments) -> tuple[dict, pd.DataFrame]:
    """Overall KMO, Bartlett's test of sphericity and per-item KMO from the sums of the complete rows (every
    item answered; one group).

    Returns
    -------
    summary : dict
        ``n``, ``items``, ``kmo``, ``bartlett_chi2``, ``bartlett_df``, ``bartlett_p`` and ``reading``.
    per_item : pandas.DataFrame
        ``item`` and ``kmo``.
    """
    n, p = int(complete.rows.sum()), len(complete.columns)
    total = complete.total()
    if n <= p or (total.var()[0] == 0).any():
        summary = {
            "n": n,
            "items": p,
            "kmo": np.nan,
            "bartlett_chi2": np.nan,
            "bartlett_df": np.nan,
            "bartlett_p": np.nan,
            "reading": "完整作答的样本太少或存在无变异的题目，无法计算",
        }
        return summary, pd.DataFrame({"item": list(complete.columns), "kmo": np.nan})
    corr = total.corr()[0]
    per_item, overall, chi2, pval = _kmo_bartlett(corr, n)
    summary = {
        "n": n,
        "items": p,
        "kmo": float(overall),
        "bartlett_chi2": float(chi2),
        "bartlett_df": p * (p - 1) // 2,
        "bartlett_p": float(pval),
        "reading": kmo_reading(float(overall)),
    }
    return summary, pd.DataFrame({"item": list(complete.columns), "kmo": per_item})
