"""Descriptive estimates with intervals: t-based CIs for means, Wilson intervals for proportions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint


def mean_ci(mean, sd, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """t-based confidence interval for a mean from summary statistics (vectorised)."""
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
    return mean - half, mean + half


def wilson(count, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions (statsmodels), vectorised; NaN where n is 0."""
    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1)
    lo, hi = proportion_confint(count, safe, alpha=1 - level, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def add_wilson(df: pd.DataFrame, count: str = "count", n: str = "n") -> pd.DataFrame:
    lo, hi = wilson(df[count], df[n])
    return df.assign(ci_low=lo, ci_high=hi)
