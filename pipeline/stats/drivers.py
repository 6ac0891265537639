"""Drivers of overall satisfaction and the importance–performance (IPA) quadrant of every unit.

Importance: overall satisfaction regressed on the dimension scores (district-wide, complete cases),
with each dimension's relative importance (LMG, ``pingouin.linear_regression(relimp=True)``), as a
share of the explained variance. Performance: the unit's mean on the dimension. A dimension is
"high importance" above the average importance, and "low performance" below the unit's own average
over its dimensions; high importance with low performance is the unit's 重点改进区.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg

QUADRANTS = {
    (True, False): "重点改进区",
    (True, True): "继续保持区",
    (False, False): "次要改进区",
    (False, True): "锦上添花区",
}


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


def ipa_table(unit_dimensions: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """Per unit × dimension: importance, performance and the IPA quadrant."""
    imp = drivers.set_index("dimension")["importance"]
    ud = unit_dimensions[["unit", "dimension", "dimension_name", "mean", "suppressed"]].copy()
    ud["importance"] = ud["dimension"].map(imp)
    ud["performance"] = ud["mean"]
    unit_avg = ud.groupby("unit")["performance"].transform("mean")
    high_imp = ud["importance"] > imp.mean()
    high_perf = ud["performance"] >= unit_avg
    ud["quadrant"] = [QUADRANTS[(bool(a), bool(b))] if not np.isnan(i) else "无法判断"
                      for a, b, i in zip(high_imp, high_perf, ud["importance"].fillna(np.nan), strict=True)]
    return ud.drop(columns=["mean"])
