"""The χ² test of a profile question by unit under a declared design: Rao and Scott's second-order correction
(the F test of R's ``svychisq(statistic = "F")`` and svy's ``tabulate(...).stats.f``), from the mergeable
design sums (``pipeline.stats.design``).

The Pearson X² of the weighted table (scaled to the n respondents) is divided by the trace of the generalised
design-effect matrix Δ = (C'D⁻¹C/n)⁻¹ (C'D⁻¹VD⁻¹C), where D holds the cell proportions, V is their
Taylor-linearised covariance under the design and C spans the interaction (independence) contrasts; F has
tr(Δ)²/tr(Δ²) and that times the design's degrees of freedom. Cells are unit × answer: PSUs are nested in
units, so a PSU's linearised vector is its own unit's answer totals minus its share of every cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.stats.design import C, DesignSums, N, S, V, W

MAX_CELLS = 2000  # the covariance of the cells is cells × cells: beyond this the test is not made


def rao_scott(ds: DesignSums, columns: list[str]) -> dict[str, float] | None:
    """Rao–Scott's F test of independence of unit and the answer whose 1/0 indicator columns (one per option,
    NaN where unanswered) are ``columns`` of ``ds``; None where a row or column of the table is empty, the
    table has fewer than two rows or columns, or it is too large.

    Returns
    -------
    dict
        ``chi2`` (Pearson's X² of the weighted table scaled to the respondents), ``F``, ``df1``, ``df2``,
        ``p``, ``deff`` (the mean generalised design effect, tr(Δ) / its size) and ``n`` (the respondents).
    """
    at = [ds.columns.index(c) for c in columns]
    sums = ds.sums[:, :, at]  # keys × quantities × options
    keys = ds.keys
    units = sorted(keys["unit"].unique())
    u_of = pd.Index(units).get_indexer(keys["unit"])
    r, k = len(units), len(at)
    if r < 2 or k < 2 or r * k > MAX_CELLS:
        return None
    answered_weight = sums[:, W, 0]  # Σw of the answering rows, the same for every option
    total = answered_weight.sum()
    n = sums[:, N, 0].sum()
    cell = np.zeros((r, k))
    np.add.at(cell, u_of, sums[:, S, :])
    p = (cell / total).reshape(-1)  # row-major: unit, then option
    if (cell.sum(axis=1) == 0).any() or (cell.sum(axis=0) == 0).any() or (p == 0).any():
        return None
    cov = _covariance(ds, sums, u_of, r, k, p, total)
    table = cell / total
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    chi2 = float(n * ((table - expected) ** 2 / expected).sum())
    delta = _delta(p, cov, r, k, n)
    trace, trace2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    df1 = trace**2 / trace2
    # the table is of those who answered (as svy's tabulate and R's svychisq): its PSUs and strata are
    # those holding an answer, in the covariance and in the degrees of freedom alike
    answered = sums[:, N, 0] > 0
    strata = keys.loc[answered, "stratum"].nunique()
    psus = answered.sum() if ds.clustered else n
    df2 = df1 * max(psus - strata, 1)
    f = chi2 / trace
    return {"chi2": chi2, "F": f, "df1": df1, "df2": df2, "p": float(stats.f.sf(f, df1, df2)),
            "deff": trace / delta.shape[0], "n": float(n)}


def _covariance(ds: DesignSums, sums: np.ndarray, u_of: np.ndarray, r: int, k: int, p: np.ndarray,
                total: float) -> np.ndarray:
    """The Taylor-linearised covariance of the cell proportions (cells × cells), with replacement at the
    first stage, strata added."""
    strata = pd.Index(sorted(ds.keys["stratum"].unique()))
    h_of = strata.get_indexer(ds.keys["stratum"])
    cells = r * k
    out = np.zeros((cells, cells))
    for h in range(len(strata)):
        mine = np.flatnonzero(h_of == h)
        if ds.clustered:  # one linearised vector per PSU
            z = -np.outer(sums[mine, W, 0], p) / total
            for row, key in enumerate(mine):
                start = u_of[key] * k
                z[row, start:start + k] += sums[key, S, :] / total
            n_h = float((sums[mine, N, 0] > 0).sum())
            cross, first = z.T @ z, z.sum(axis=0)
        else:  # every respondent a PSU: Σ z zᵀ from the squares (each answers one option)
            q = np.zeros(cells)  # Σ w² per cell
            t = np.zeros(cells)  # Σ w per cell
            for key in mine:
                start = u_of[key] * k
                q[start:start + k] += sums[key, C, :]
                t[start:start + k] += sums[key, S, :]
            squares = sums[mine, V, 0].sum()  # Σ w² of the answering rows
            weight = sums[mine, W, 0].sum()
            cross = (np.diag(q) - np.outer(q, p) - np.outer(p, q) + squares * np.outer(p, p)) / total**2
            first = (t - p * weight) / total
            n_h = float(sums[mine, N, 0].sum())
        if n_h > 1:
            out += n_h / (n_h - 1) * (cross - np.outer(first, first) / n_h)
    return out


def _delta(p: np.ndarray, cov: np.ndarray, r: int, k: int, n: float) -> np.ndarray:
    """The generalised design-effect matrix of the interaction contrasts (R's svychisq)."""
    rows = np.repeat(np.arange(r), k)
    cols = np.tile(np.arange(k), r)
    main = np.column_stack([np.ones(r * k)] + [(rows == i).astype(float) for i in range(1, r)]
                           + [(cols == j).astype(float) for j in range(1, k)])
    inter = np.column_stack([((rows == i) & (cols == j)).astype(float)
                             for j in range(1, k) for i in range(1, r)])
    contrast = inter - main @ np.linalg.lstsq(main, inter, rcond=None)[0]  # qr.resid(qr(X1), X2)
    inverse = np.diag(1 / p)
    denominator = contrast.T @ (inverse / n) @ contrast
    numerator = contrast.T @ inverse @ cov @ inverse @ contrast
    return np.linalg.solve(denominator, numerator)
