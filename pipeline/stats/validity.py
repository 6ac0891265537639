"""Construct validity of the whole instrument: KMO (overall and per item) and Bartlett's sphericity test.

factor_analyzer needs complete rows, so both use listwise deletion (R psych uses pairwise
correlations; per-item KMO can differ in the second decimal where data are missing).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


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


def kmo_bartlett(items: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Overall KMO, Bartlett's test of sphericity and per-item KMO (listwise complete rows).

    Returns
    -------
    summary : dict
        ``n``, ``items``, ``kmo``, ``bartlett_chi2``, ``bartlett_df``, ``bartlett_p`` and ``reading``.
    per_item : pandas.DataFrame
        ``item`` and ``kmo``.
    """
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    complete = items.astype(float).dropna()
    p = complete.shape[1]
    if len(complete) <= p or (complete.var() == 0).any():
        summary = {
            "n": len(complete),
            "items": p,
            "kmo": np.nan,
            "bartlett_chi2": np.nan,
            "bartlett_df": np.nan,
            "bartlett_p": np.nan,
            "reading": "完整作答的样本太少或存在无变异的题目，无法计算",
        }
        return summary, pd.DataFrame({"item": items.columns, "kmo": np.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_item, overall = calculate_kmo(complete)
        chi2, pval = calculate_bartlett_sphericity(complete)
    summary = {
        "n": len(complete),
        "items": p,
        "kmo": float(overall),
        "bartlett_chi2": float(chi2),
        "bartlett_df": p * (p - 1) // 2,
        "bartlett_p": float(pval),
        "reading": kmo_reading(float(overall)),
    }
    return summary, pd.DataFrame({"item": complete.columns, "kmo": per_item})
