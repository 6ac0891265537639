"""The units' satisfaction ranks with 95% intervals, and small-area estimates for units with few answers (of
their 满意率, which ranks them, and of their dimension means, shown beside the direct ones).

Only the rates a report may show are ranked (after disclosure control). A unit with at least ``MIN_CELL``
and fewer than ``MIN_N_TEST`` answers to the overall question is ranked by its Fay–Herriot EBLUP
(``pipeline.stats.small_area``: its rate moved toward the area's in proportion to its sampling error) and
that estimate's MSE; every other unit by its direct rate, with the Agresti–Coull standard error (never zero at
0% or 100%), or under a declared design the rate's design-based one. The interval of each rank is
``pipeline.stats.ranks``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.rules import MIN_CELL, MIN_N_TEST
from pipeline.stats.ranks import rank_intervals
from pipeline.stats.small_area import fay_herriot

RANK_COLUMNS = ("satisfaction_small_area", "satisfaction_rank", "satisfaction_rank_low",
                "satisfaction_rank_high")


def satisfaction_ranks(units: pd.DataFrame, area_rate: float | None) -> pd.DataFrame:
    """``units`` (the disclosed units table) with ``RANK_COLUMNS``: the small-area rate where the unit has
    few answers, and every shown rate's rank (1 = highest) and its 95% interval."""
    out = units.copy()
    for c in RANK_COLUMNS:
        out[c] = np.nan
    if "satisfaction_rate" not in out or area_rate is None or pd.isna(area_rate):
        return out
    shown = out["satisfaction_rate"].notna() & ~out["suppressed"]
    if "satisfaction_suppressed" in out:
        shown &= ~out["satisfaction_suppressed"].fillna(False).astype(bool)
    n = out["satisfaction_n"].astype(float)
    rate = out["satisfaction_rate"].where(shown)
    adjusted = (out["satisfaction_count"].astype(float) + 2) / (n + 4)
    direct = np.sqrt(adjusted * (1 - adjusted) / n)
    sampling = area_rate * (1 - area_rate) / n
    if "satisfaction_se" in out:  # a declared design: the rate's own design-based standard error
        design = out["satisfaction_se"].astype(float)
        direct = design.where(design > 0, direct)
        sampling = (design**2).where(design > 0, sampling)
    fitted = fay_herriot(rate, sampling)
    small = shown & n.between(MIN_CELL, MIN_N_TEST - 1) & out.index.isin(fitted.index)
    out["satisfaction_small_area"] = fitted["eblup"].reindex(out.index).where(small)
    estimate = rate.where(~small, out["satisfaction_small_area"])
    se = direct.where(~small, np.sqrt(fitted["mse"].reindex(out.index)))
    ranks = rank_intervals(estimate.where(shown), se.where(shown))
    for c in ("rank", "rank_low", "rank_high"):
        out[f"satisfaction_{c}"] = ranks[c].reindex(out.index)
    return out


def dimension_small_area(dimensions: pd.DataFrame) -> pd.DataFrame:
    """``dimensions`` (the disclosed unit × dimension table) with ``small_area``: per dimension, the
    Fay–Herriot EBLUP of each unit with ``MIN_CELL`` to ``MIN_N_TEST`` − 1 answers, fitted over every shown
    unit (sampling variance: the mean's design-based SE², or SD²/n); NaN for the other units."""
    out = dimensions.copy()
    out["small_area"] = np.nan
    shown = ~out["suppressed"].astype(bool) & out["mean"].notna()
    n = out["n"].astype(float)
    variance = out["sd"].astype(float) ** 2 / n
    if "se" in out:
        variance = (out["se"].astype(float) ** 2).where(out["se"] > 0, variance)
    for _, rows in out.loc[shown].groupby("dimension", sort=False):
        small = rows.index[n.loc[rows.index].between(MIN_CELL, MIN_N_TEST - 1)]
        if len(small) == 0:
            continue
        fitted = fay_herriot(rows["mean"].astype(float), variance.loc[rows.index])
        out.loc[small, "small_area"] = fitted["eblup"].reindex(small)
    return out
