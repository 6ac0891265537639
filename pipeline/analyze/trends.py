"""Trends over three or more waves: has a unit's score fallen (or risen) over the last surveys?

Per unit (and the area) and dimension, the means of every wave (the earlier waves' from the changes table,
oldest first, and this wave's) are fitted with a straight line by inverse-variance weighted least squares
(each wave's mean weighted by n / s², the waves independent samples); the slope's z test is the test for a
linear trend in means, with FDR over every unit and dimension tested. A trend is tested only where every wave
has at least ``MIN_N_TEST`` answers and the dimension was compared on all its items; ``run`` counts the waves,
ending with this one, each significantly lower (higher) than the one before, so "连续X年下降" is said only
where the trend is significant and every one of those steps is too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.common.rules import ALPHA, MIN_N_TEST
from pipeline.stats.comparisons import fdr

TREND_COLUMNS = ["unit", "dimension", "dimension_name", "points", "slope", "se", "p", "p_fdr", "tested",
                 "significant", "direction", "run", "annual"]


def linear_trend(x: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> tuple[float, float, float]:
    """Slope, its standard error and two-sided p of the weighted least-squares line through ``mean`` at ``x``
    (weights 1 / ``variance``: each mean's sampling variance)."""
    w = 1 / variance
    centre = (w * x).sum() / w.sum()
    spread = (w * (x - centre) ** 2).sum()
    slope = float((w * (x - centre) * mean).sum() / spread)
    se = float(1 / np.sqrt(spread))
    return slope, se, float(2 * stats.norm.sf(abs(slope / se)))


def _run(means: np.ndarray, variances: np.ndarray, sign: int) -> int:
    """How many steps, ending with the last wave, each a significant move (two-sided z at ``ALPHA``, from the
    two waves' sampling variances) in ``sign``'s direction: "连续2年下降" is two significant declines."""
    z = np.diff(means) / np.sqrt(variances[1:] + variances[:-1])
    critical = stats.norm.isf(ALPHA / 2)
    run = 0
    for step in z[::-1]:
        if not sign * step > critical:
            break
        run += 1
    return run


def trend_table(changes: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Every (unit, dimension) with at least two earlier waves: its trend (``TREND_COLUMNS``); ``year``: the
    year this wave's data ran to."""
    rows = []
    if changes.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    usable = changes.loc[changes["mean_prev"].notna() & changes["mean"].notna()]
    for (unit, dim), c in usable.groupby(["unit", "dimension"], sort=False):
        if len(c) < 2:
            continue
        c = c.sort_values("wave_order")
        now = c.iloc[-1]
        means = [*c["mean_prev"], now["mean"]]
        n = np.array([*c["n_prev"], now["n"]], dtype=float)
        sd = np.array([*c["sd_prev"], now["sd"]], dtype=float)
        years = [*c["wave_year"], year]
        annual_x = all(y is not None and not pd.isna(y) for y in years)
        x = np.array(years if annual_x else range(len(means)), dtype=float)
        tested = bool((n >= MIN_N_TEST).all() and (c["shared_items"] == c["items"]).all() and (sd > 0).all())
        # each mean's sampling variance: its design-based SE² under a declared design, else SD² / n
        design = np.array([*c["se_prev"], now["se"]], dtype=float)
        variances = design**2 if np.isfinite(design).all() else sd**2 / n
        slope, se, p = linear_trend(x, np.array(means), variances) if tested else (np.nan, np.nan, np.nan)
        rows.append({"unit": unit, "dimension": dim, "dimension_name": now["dimension_name"],
                     "points": len(means), "slope": slope, "se": se, "p": p, "tested": tested,
                     "_means": np.array(means, dtype=float), "_variances": variances,
                     "_years": years if annual_x else None})
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    out["p_fdr"] = fdr(out["p"].where(out["tested"]))
    out["significant"] = (out["tested"] & (out["p_fdr"] < ALPHA)).astype(bool)
    out["direction"] = np.where(out["significant"], np.where(out["slope"] < 0, "down", "up"), "")
    runs, annual = [], []
    for _, r in out.iterrows():
        sign = -1 if r["direction"] == "down" else 1
        run = _run(r["_means"], r["_variances"], sign) if r["direction"] else 0
        runs.append(run)
        ys = r["_years"][-run - 1:] if run and r["_years"] is not None else []
        annual.append(bool(ys) and all(b - a == 1 for a, b in zip(ys[:-1], ys[1:], strict=True)))
    out["run"], out["annual"] = runs, annual
    return out[TREND_COLUMNS]
