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
import pingouin as pg

from pipeline.common.rules import significantly_low, slightly_low

PRIORITY = "重点改进区"
QUADRANTS = {
    (True, False): "关注区",  # high importance, below the district, not significantly: PRIORITY when it is
    (True, True): "继续保持区",
    (False, False): "次要改进区",
    (False, True): "锦上添花区",
}
QUADRANT_ORDER = [PRIORITY, "关注区", "继续保持区", "次要改进区", "锦上添花区"]


def driver_table(scores: pd.DataFrame, overall: pd.Series, names: dict[str, str]) -> pd.DataFrame:
    """Regression of the overall question on the dimension scores, with relative importance.

    Returns
    -------
    pandas.DataFrame
        One row per dimension: ``dimension``, ``dimension_name``, ``coef``, ``p``, ``relimp``
        (pingouin's LMG share of R²), ``importance`` (relimp as a share of the total), ``r2`` and
        ``n`` (complete rows). All NaN when there are too few complete rows.
    """
    data = scores.assign(_y=overall.astype(float)).dropna()
    cols = list(scores.columns)
    if len(data) < len(cols) + 10:  # too few complete answers, or no overall question at all
        return pd.DataFrame(
            {
                "dimension": cols,
                "dimension_name": [names[c] for c in cols],
                "coef": np.nan,
                "p": np.nan,
                "relimp": np.nan,
                "importance": np.nan,
                "r2": np.nan,
                "n": len(data),
            }
        )
    lm = pg.linear_regression(data[cols], data["_y"], relimp=True)
    lm = lm.loc[lm["names"] != "Intercept"]
    share = lm["relimp"].to_numpy() / lm["relimp"].sum()
    return pd.DataFrame(
        {
            "dimension": lm["names"].to_numpy(),
            "dimension_name": [names[c] for c in lm["names"]],
            "coef": lm["coef"].to_numpy(),
            "p": lm["pval"].to_numpy(),
            "relimp": lm["relimp"].to_numpy(),
            "importance": share,
            "r2": float(lm["r2"].iloc[0]),
            "n": len(data),
        }
    )


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
