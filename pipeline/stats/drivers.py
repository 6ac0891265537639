"""Drivers of overall satisfaction and the importance–performance (IPA) quadrant of every unit.

Importance: overall satisfaction regressed on the dimension scores (district-wide, complete cases),
with each dimension's relative importance (LMG, ``pingouin.linear_regression(relimp=True)``), as a
share of the explained variance. Performance: the unit's mean on the dimension, read against the
district's mean on the same dimension (not the unit's own average, which would call something low that
is above the district). A dimension is "high importance" above the average importance. High importance
with a score significantly below the rest of the district is the unit's 重点改进区; high importance
below the district but not significantly so is a 关注区, never called a problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.rules import significantly_low, slightly_low
from pipeline.stats.moments import Moments

PRIORITY = "重点改进区"
QUADRANTS = {
    (True, False): "关注区",  # high importance, below the district, not significantly: PRIORITY when it is
    (True, True): "继续保持区",
    (False, False): "次要改进区",
    (False, True): "锦上添花区",
}
QUADRANT_ORDER = [PRIORITY, "关注区", "继续保持区", "次要改进区", "锦上添花区"]


def driver_table(scores: pd.DataFrame, overall: pd.Series, names: dict[str, str]) -> pd.DataFrame:
    """``driver_moments`` of respondent-level dimension scores and overall answers (their complete rows)."""
    data = scores.assign(_y=overall.astype(float)).dropna()
    return driver_moments(Moments.of(data), names)


def driver_moments(complete: Moments, names: dict[str, str]) -> pd.DataFrame:
    """Regression of the overall question on the dimension scores, with relative importance, from the sums
    of the complete rows (``complete``: one group; the dimensions, then the overall answer as the last
    column). Ordinary least squares from the centred cross-products; LMG shares from the correlation matrix
    (pingouin's ``linear_regression(relimp=True)``, the reference in the tests).

    Returns
    -------
    pandas.DataFrame
        One row per dimension: ``dimension``, ``dimension_name``, ``coef``, ``p``, ``relimp`` (LMG share of
        R²), ``importance`` (relimp as a share of the total), ``r2`` and ``n`` (complete rows). All NaN when
        there are too few complete rows.
    """
    from pingouin.regression import _relimp
    from scipy import stats

    cols = list(complete.columns[:-1])
    total = complete.total()
    n = int(total.rows.sum())
    out = pd.DataFrame({"dimension": cols, "dimension_name": [names[c] for c in cols], "coef": np.nan,
                        "p": np.nan, "relimp": np.nan, "importance": np.nan, "r2": np.nan, "n": n})
    if n < len(cols) + 10:  # too few complete answers, or no overall question at all
        return out
    cov = total.cov()[0]
    cxx, cxy, cyy = cov[:-1, :-1], cov[:-1, -1], cov[-1, -1]
    varies = np.diag(cxx) > 0
    inverse = np.zeros_like(cxx)
    inverse[np.ix_(varies, varies)] = np.linalg.pinv(cxx[np.ix_(varies, varies)])
    coef = inverse @ cxy
    rank = int(np.linalg.matrix_rank(cxx[np.ix_(varies, varies)])) if varies.any() else 0
    df_resid = n - rank - 1
    ss_res = (cyy - cxy @ coef) * (n - 1)
    r2 = 1 - ss_res / (cyy * (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(ss_res / df_resid * np.diag(inverse) / (n - 1))
        p = 2 * stats.t.sf(np.abs(coef / se), df_resid)
    corr = total.corr()[0]
    keep = [len(cols), *np.flatnonzero(varies)]  # the overall answer first, as pingouin's _relimp wants
    relimp = np.zeros(len(cols))
    relimp[varies] = _relimp(pd.DataFrame(corr[np.ix_(keep, keep)]))["relimp"]
    return out.assign(coef=coef, p=np.where(varies, p, np.nan), relimp=relimp,
                      importance=relimp / relimp.sum(), r2=float(r2))


def ipa_table(
    unit_dimensions: pd.DataFrame, drivers: pd.DataFrame, district_means: pd.Series
) -> pd.DataFrame:
    """Per unit × dimension: importance, performance against the district and the IPA quadrant.

    Parameters
    ----------
    unit_dimensions : one row per (unit, dimension) with ``mean``, ``suppressed`` and the comparison with the
        rest of the district (``significant``, ``tested``, ``diff``, ``hedges_g``).
    drivers : ``driver_table``'s output.
    district_means : dimension → the district's mean.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``dimension``, ``dimension_name``, ``suppressed``, ``importance``, ``performance`` (the
        unit's mean), ``district_mean``, ``gap`` (performance − district mean), ``significant_low`` and
        ``quadrant``: a dimension counts as below the district only where the comparison says so —
        significantly (with high importance: 重点改进区) or by at least a small effect (关注区); a gap of
        a few hundredths is at the district, never marked.
    """
    imp = drivers.set_index("dimension")["importance"]
    ud = unit_dimensions[["unit", "dimension", "dimension_name", "mean", "suppressed"]].copy()
    ud["importance"] = ud["dimension"].map(imp)
    ud["performance"] = ud["mean"]
    ud["district_mean"] = ud["dimension"].map(district_means).astype(float)
    ud["gap"] = ud["performance"] - ud["district_mean"]
    low = significantly_low(unit_dimensions).to_numpy()
    ud["significant_low"] = low
    high_imp = (ud["importance"] > imp.mean()).to_numpy()
    at_or_above = ~(low | slightly_low(unit_dimensions).to_numpy())
    quadrant = [QUADRANTS[(bool(a), bool(b))] for a, b in zip(high_imp, at_or_above, strict=True)]
    ud["quadrant"] = np.where(high_imp & low, PRIORITY, quadrant)
    ud.loc[ud["importance"].isna(), "quadrant"] = "无法判断"
    return ud.drop(columns=["mean"])
