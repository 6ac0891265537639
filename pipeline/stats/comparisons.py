"""Comparisons between units: each unit vs the rest (Welch t, Hedges' g, BH-FDR), Welch ANOVA with
Games–Howell, χ² with Cramér's V, and the correlation matrix of dimensions.

The unit-vs-rest tests are computed for every unit at once from group summary statistics (checked
against ``pingouin.ttest`` and ``pingouin.compute_effsize`` in the tests); the rest call pingouin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from pipeline.common.rules import ALPHA, MIN_CELL, TRIM_FROM
from pipeline.common.tallies import tally
from pipeline.stats.descriptives import mean_ci
from pipeline.stats.moments import Moments

MAX_UNITS_GAMES_HOWELL = 60  # k(k-1)/2 pairs per dimension; beyond this the overview shows ANOVA only


def hedges_g(m1, s1, n1, m2, s2, n2):
    """Hedges' g from summary statistics (pooled SD; pingouin's small-sample correction)."""
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    d = (m1 - m2) / sp
    return d * (1 - 3 / (4 * (n1 + n2) - 9))


def welch_df(s1, n1, s2, n2):
    v1, v2 = s1**2 / n1, s2**2 / n2
    return (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))


def compare_units(
    values: pd.DataFrame, groups: pd.Series, by: str = "dimension", group: str = "unit",
    scale: list[int] | None = None,
) -> pd.DataFrame:
    """Each group vs the rest of the district, for every column of ``values`` (one row per respondent;
    rows with no group count towards none): ``compare_moments`` of their sums (exact with a ``scale`` that
    makes every value whole, see ``Moments``)."""
    return compare_moments(Moments.of(values, groups, scale), by, group)


def influential(count: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """Per group and column, the two other groups that move its rest the most: the one pulling the rest's mean
    up the most and the one pulling it down the most (``pull``: (groups, columns), n × (group mean − area
    mean), weighted or not); (groups, columns, 2) indices, -1 where fewer than ``TRIM_FROM`` other groups have
    ``MIN_CELL`` answers (``count``) in the column: nothing is left out. Only such groups are left out, so no
    withheld figure follows from the rests."""
    answered = count >= MIN_CELL
    size = len(count)
    up = np.argsort(-np.where(answered, pull, -np.inf), axis=0, kind="stable")[:2]  # two largest pulls
    down = np.argsort(np.where(answered, pull, np.inf), axis=0, kind="stable")[:2]  # two smallest
    own = np.arange(size)[:, None]
    out = np.full((size, count.shape[1], 2), -1, dtype=np.intp)
    if size < 2:
        return out
    out[:, :, 0] = np.where(up[0][None, :] == own, up[1][None, :], up[0][None, :])
    out[:, :, 1] = np.where(down[0][None, :] == own, down[1][None, :], down[0][None, :])
    others = answered.sum(axis=0)[None, :] - answered
    out[others < TRIM_FROM] = -1
    return out


def moments_influential(m: Moments) -> np.ndarray:
    """``influential`` of the groups of ``m``."""
    n = m.count().astype(float)
    with np.errstate(invalid="ignore"):
        return influential(n, n * (m.mean() - m.total().mean()[0]))


def compare_moments(m: Moments, by: str = "dimension", group: str = "unit",
                    robust: bool = False) -> pd.DataFrame:
    """Each group of ``m`` vs the rest (every other group), for every column, all at once: each side's n,
    mean and variance follow from the sums, so the cost does not grow with rows or units. ``robust``: the
    rest leaves out the group pulling its mean up the most and the one pulling it down the most
    (``influential``), so that no single extreme group tips the others' comparisons.

    Returns
    -------
    pandas.DataFrame
        One row per (column, group) with any answer: ``by``, ``group``, ``n``, ``mean``, ``sd``, ``rest_n``,
        ``rest_mean``, ``rest_sd``, ``t``, ``p`` (Welch, two-sided), ``df``, ``hedges_g``, ``diff`` (group
        minus rest), ``ci_low``, ``ci_high`` (95% CI of the group mean) and ``note``. FDR is applied by the
        caller over the whole family.
    """
    rest = m.rest(moments_influential(m)) if robust else m.rest()

    def flat(a: np.ndarray) -> np.ndarray:  # (groups, columns) → column by column, groups within
        return np.asarray(a).T.reshape(-1)

    k, size = len(m.columns), len(m.groups)
    n1, m1, s1 = flat(m.count()).astype(float), flat(m.mean()), np.sqrt(flat(m.var()))
    n2, m2, s2 = flat(rest.count()).astype(float), flat(rest.mean()), np.sqrt(flat(rest.var()))
    with np.errstate(divide="ignore", invalid="ignore"):
        t, p = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        g = pd.DataFrame({
            by: np.repeat(np.array(m.columns, dtype=object), size), group: np.tile(m.labels(), k),
            "n": n1.astype(int), "mean": m1, "sd": s1, "rest_n": n2.astype(int), "rest_mean": m2,
            "rest_sd": s2, "t": t, "p": p, "df": welch_df(s1, n1, s2, n2),
            "hedges_g": hedges_g(m1, s1, n1, m2, s2, n2), "diff": m1 - m2,
        })
    g["ci_low"], g["ci_high"] = mean_ci(m1, s1, n1)
    g["note"] = np.where((s1 == 0) & (s2 == 0), "得分无变异，无法检验", "")
    return g.loc[g["n"] > 0].reset_index(drop=True)


def fdr(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p-values over the non-missing entries of ``p``."""
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        _, adj = pg.multicomp(p[ok].to_numpy(), alpha=ALPHA, method="fdr_bh")
        out[ok] = adj
    return out


def welch_anova_from_summaries(n: np.ndarray, mean: np.ndarray, var: np.ndarray) -> dict[str, float]:
    """Welch's ANOVA from each group's n, mean and variance: pingouin's ``welch_anova`` formulas (the
    reference in the tests), without going back to the rows.

    Returns
    -------
    dict
        ``F``, ``df1``, ``df2``, ``p`` and ``np2`` (partial η²).
    """
    r = len(n)
    w = n / var
    adjusted = (w * mean).sum() / w.sum()
    lam = 3 * ((1 / (n - 1)) * (1 - w / w.sum()) ** 2).sum() / (r**2 - 1)
    f_value = ((w * (mean - adjusted) ** 2).sum() / (r - 1)) / (1 + 2 * lam * (r - 2) / 3)
    grand = (n * mean).sum() / n.sum()
    ss_bet, ss_res = (n * (mean - grand) ** 2).sum(), ((n - 1) * var).sum()
    df2 = 1 / lam
    return {"F": float(f_value), "df1": float(r - 1), "df2": float(df2),
            "p": float(stats.f.sf(f_value, r - 1, df2)), "np2": float(ss_bet / (ss_bet + ss_res))}


def games_howell(labels: np.ndarray, n: np.ndarray, mean: np.ndarray, var: np.ndarray) -> pd.DataFrame:
    """Games–Howell pairs from each group's n, mean and variance: pingouin's ``pairwise_gameshowell``
    (the reference in the tests), with Hedges' g from the pooled SD, without going back to the rows.

    Returns
    -------
    pandas.DataFrame
        ``A``, ``B``, ``diff``, ``T``, ``df``, ``pval`` and ``hedges``, one row per pair (i < j).
    """
    from scipy.stats import studentized_range

    g1, g2 = np.triu_indices(len(labels), k=1)
    v = var / n
    se = np.sqrt(v[g1] + v[g2])
    diff = mean[g1] - mean[g2]
    df = (v[g1] + v[g2]) ** 2 / (v[g1] ** 2 / (n[g1] - 1) + v[g2] ** 2 / (n[g2] - 1))
    pval = np.clip(studentized_range.sf(np.sqrt(2) * np.abs(diff / se), len(labels), df), 0, 1)
    sd = np.sqrt(var)
    return pd.DataFrame({"A": labels[g1], "B": labels[g2], "diff": diff, "T": diff / se, "df": df,
                         "pval": pval, "hedges": hedges_g(mean[g1], sd[g1], n[g1], mean[g2], sd[g2], n[g2])})


def welch_anova_table(
    scores: pd.DataFrame, unit: pd.Series, names: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``welch_anova_moments`` of respondent-level ``scores`` grouped by ``unit``."""
    return welch_anova_moments(Moments.of(scores, unit.astype("string")), names)


def welch_anova_moments(m: Moments, names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per column of ``m`` (a dimension): Welch's ANOVA across its groups (units), and Games–Howell pairs
    when there are not too many units — both from each unit's n, mean and variance.

    Returns
    -------
    aov : pandas.DataFrame
        One row per dimension: ``dimension``, ``F``, ``df1``, ``df2``, ``p``, ``np2`` (partial η²),
        ``note`` and ``dimension_name``.
    pairs : pandas.DataFrame
        Games–Howell pairs: ``dimension``, ``A``, ``B``, ``diff``, ``T``, ``df``, ``pval``, ``hedges``.
    """
    aov_rows, gh = [], []
    labels = m.labels()
    n_all, mean_all, var_all = m.count().astype(float), m.mean(), m.var()
    for j, dim in enumerate(m.columns):
        keep = n_all[:, j] >= 2
        if int(keep.sum()) < 2:
            aov_rows.append({"dimension": dim, "note": "可比较的单位不足两个"})
            continue
        n, mean, var = n_all[keep, j], mean_all[keep, j], var_all[keep, j]
        if (var == 0).any():
            aov_rows.append({"dimension": dim, "note": "有单位的得分没有差异，无法做Welch方差分析"})
            continue
        aov_rows.append({"dimension": dim, **welch_anova_from_summaries(n, mean, var), "note": ""})
        if int(keep.sum()) <= MAX_UNITS_GAMES_HOWELL:
            gh.append(games_howell(labels[keep], n, mean, var).assign(dimension=dim))
    aov = pd.DataFrame(aov_rows)
    aov["dimension_name"] = aov["dimension"].map(names)
    columns = ["dimension", "A", "B", "diff", "T", "df", "pval", "hedges"]
    pairs = pd.concat(gh, ignore_index=True)[columns] if gh else pd.DataFrame(columns=columns)
    return aov, pairs


def chi2_by_unit(frame: pd.DataFrame, unit: pd.Series, questions: dict[str, str]) -> pd.DataFrame:
    """``chi2_tables`` of each question's rows per (unit, answer) in ``frame``."""
    return chi2_tables({qid: tally(unit=unit, answer=frame[qid]) for qid in questions}, questions)


def chi2_tables(counts: dict[str, pd.Series], questions: dict[str, str]) -> pd.DataFrame:
    """χ² test of independence (Pearson, Yates' correction on a 2×2 table) of each profile question by unit,
    with Cramér's V: ``chi2_counts`` of each question's unit × answer table (``counts``: rows per unit and
    answer, by question id; ``questions``: id → label).

    Returns
    -------
    pandas.DataFrame
        One row per question: ``question``, ``label``, ``chi2``, ``dof``, ``p``, ``cramer_v``,
        ``share_expected_below_5`` and ``note``.
    """
    rows = []
    for qid, label in questions.items():
        cells = counts[qid].unstack(fill_value=0).to_numpy() if not counts[qid].empty else np.zeros((0, 0))
        observed = cells[cells.sum(axis=1) > 0][:, cells.sum(axis=0) > 0]
        if min(observed.shape) < 2:
            rows.append({"question": qid, "label": label, "note": "类别不足，无法检验"})
            continue
        rows.append({"question": qid, "label": label, **chi2_counts(observed)})
    columns = ["question", "label", "chi2", "dof", "p", "cramer_v", "share_expected_below_5", "note"]
    return pd.DataFrame(rows, columns=columns)  # a questionnaire without profile questions: no row


def chi2_counts(observed: np.ndarray) -> dict[str, object]:
    """Pearson's χ² of a contingency table of counts as ``pingouin.chi2_independence`` gives it (Yates'
    correction when dof is 1; the reference in the tests), with Cramér's V and the share of expected counts
    below 5: ``chi2``, ``dof``, ``p``, ``cramer_v``, ``share_expected_below_5``, ``note``."""
    from scipy.stats.contingency import expected_freq

    expected = expected_freq(observed)
    dof = float(expected.size - sum(expected.shape) + expected.ndim - 1)
    table = observed.astype(float)
    if dof == 1:
        diff = expected - table
        table = table + np.sign(diff) * np.minimum(0.5, np.abs(diff))
    chi2, p = stats.power_divergence(table, expected, ddof=table.size - 1 - dof, axis=None, lambda_=1.0)
    low = float((expected < 5).mean())
    note = "超过20%的期望频数小于5，结果仅供参考" if low > 0.2 else ""
    return {"chi2": float(chi2), "dof": dof, "p": float(p),
            "cramer_v": float(np.sqrt(chi2 / (observed.sum() * (min(expected.shape) - 1)))),
            "share_expected_below_5": low, "note": note}


def correlation_long(scores: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between dimension scores (pairwise complete), as a long table."""
    return correlation_moments(Moments.of(scores))


def correlation_moments(m: Moments) -> pd.DataFrame:
    """Pearson correlations between the columns of ``m`` over all its rows (pairwise complete, as
    ``DataFrame.corr``; 1 on the diagonal), as a long table: ``a``, ``b``, ``r``."""
    r = m.total().corr()[0]
    names = np.array(m.columns, dtype=object)
    return pd.DataFrame({"a": np.tile(names, len(names)), "b": np.repeat(names, len(names)),
                         "r": r.T.reshape(-1)})
