"""Ranks with their uncertainty: a 95% confidence interval for each unit's rank among units.

A unit's rank (1 = highest) is one plus the number of units above it. Its interval counts, among the other
units, those whose difference from it is significant at the Bonferroni level over the unit's K − 1
comparisons: rank ≥ 1 + (units significantly above), rank ≤ K − (units significantly below). All K − 1
intervals of the unit hold together with probability ≥ 95%, so the rank interval covers the unit's true rank
with at least that probability (the marginal rank sets of Mogstad, Romano, Shaikh and Wilhelm, *Inference for
ranks with applications to mobility across neighbourhoods and academic achievement across countries*, Review
of Economic Studies, 2024). Estimates and standard errors only: the intervals follow from any estimator's
(direct, weighted, shrunken).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


def rank_intervals(estimate: pd.Series, se: pd.Series, level: float = LEVEL) -> pd.DataFrame:
    """Each unit's rank (1 = highest estimate; ties share the better rank) and its ``level`` interval.

    Parameters
    ----------
    estimate, se : one value per unit (same index); units with a missing estimate or standard error are
        left out of the ranking.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``estimate`` (ranked units only): ``rank``, ``rank_low``, ``rank_high`` and ``ranked``
        (how many units were ranked).
    """
    ok = estimate.notna() & se.notna()
    x, s = estimate[ok].to_numpy(dtype=float), se[ok].to_numpy(dtype=float)
    k = len(x)
    out = pd.DataFrame(index=estimate.index[ok])
    if k == 0:
        return out.assign(rank=pd.Series(dtype=int), rank_low=pd.Series(dtype=int),
                          rank_high=pd.Series(dtype=int), ranked=pd.Series(dtype=int))
    diff = x[None, :] - x[:, None]  # row i, column j: unit j minus unit i
    spread = np.sqrt(s[None, :] ** 2 + s[:, None] ** 2)
    z = stats.norm.ppf(1 - (1 - level) / (2 * max(k - 1, 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        above = (diff - z * spread > 0) | ((spread == 0) & (diff > 0))
        below = (diff + z * spread < 0) | ((spread == 0) & (diff < 0))
    np.fill_diagonal(above, False)
    np.fill_diagonal(below, False)
    out["rank"] = (diff > 0).sum(axis=1) + 1
    out["rank_low"] = above.sum(axis=1) + 1
    out["rank_high"] = k - below.sum(axis=1)
    out["ranked"] = k
    return out.astype(int)
