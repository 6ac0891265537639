"""Small-area estimates for units with few valid responses: the Fay–Herriot area-level model (Rao & Molina,
*Small Area Estimation*, 2nd ed., ch. 6), with the area mean as the only covariate.

Each unit's direct estimate y_i has sampling variance D_i; the true values vary around the area's β with
variance A. A is estimated by REML, β by weighted least squares, and each unit's EBLUP is
γ_i y_i + (1 − γ_i) β with γ_i = A / (A + D_i): a unit with few answers moves toward the area, a large unit
keeps (almost) its own figure. The MSE is Prasad–Rao's g1 + g2 + 2 g3 for REML. svy has no area-level model;
the tests check these estimates against samplics' ``EblupAreaModel``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize


def fay_herriot(direct: pd.Series, variance: pd.Series) -> pd.DataFrame:
    """EBLUP of every unit (``direct`` estimates with sampling ``variance``, same index; missing ones are
    left out).

    Returns
    -------
    pandas.DataFrame
        Indexed as the units estimated: ``eblup``, ``mse``, ``gamma`` (the weight on the direct estimate),
        and, the same in every row, ``beta`` (the area's level) and ``A`` (the between-unit variance).
    """
    ok = direct.notna() & variance.notna() & (variance > 0)
    y, d = direct[ok].to_numpy(dtype=float), variance[ok].to_numpy(dtype=float)
    if len(y) < 3:  # no between-unit variance to estimate: no small-area estimate
        return pd.DataFrame(columns=["eblup", "mse", "gamma", "beta", "A"], dtype=float)

    def beta_of(a: float) -> float:
        w = 1 / (a + d)
        return float((w * y).sum() / w.sum())

    def restricted(a: float) -> float:  # minus the REML log-likelihood (constants dropped)
        v = a + d
        return 0.5 * (np.log(v).sum() + np.log((1 / v).sum()) + (((y - beta_of(a)) ** 2) / v).sum())

    upper = max(float(np.var(y, ddof=1)), float(d.max())) * 10 + 1e-12
    a = float(optimize.minimize_scalar(restricted, bounds=(0.0, upper), method="bounded",
                                       options={"xatol": 1e-12}).x)
    if restricted(0.0) <= restricted(a):
        a = 0.0
    beta, v = beta_of(a), a + d
    gamma = a / v
    var_a = 2 / (1 / v**2).sum()
    g1, g2 = gamma * d, (1 - gamma) ** 2 / (1 / v).sum()
    g3 = d**2 / v**3 * var_a
    return pd.DataFrame({"eblup": gamma * y + (1 - gamma) * beta, "mse": g1 + g2 + 2 * g3, "gamma": gamma,
                         "beta": beta, "A": a}, index=direct.index[ok])
