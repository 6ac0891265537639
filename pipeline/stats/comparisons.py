"""Comparisons between units: each unit vs the rest (Welch t, Hedges' g, BH-FDR), Welch ANOVA with
Games–Howell, χ² with Cramér's V, and the correlation matrix of dimensions.

The unit-vs-rest tests are computed for every unit at once from group summary statistics (checked
against ``pingouin.ttest`` and ``pingouin.compute_effsize`` in the tests); the rest call pingouin.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from pipeline.common.rules import ALPHA
from pipeline.stats.descriptives import mean_ci

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
    values: pd.DataFrame, groups: pd.Series, by: str = "dimension", group: str = "unit"
) -> pd.DataFrame:
    """Each group vs the rest of the district, for every column of ``values``, all at once.

    One groupby gives every unit's n, mean and variance per column; the rest of the district's
    statistics follow from the totals, so the cost does not grow with the number of units.

    Parameters
    ----------
    values : pandas.DataFrame
        Wide: one column per dimension or item, one row per respondent.
    groups : pandas.Series
        Each row's unit; rows with no unit count only towards no group.
    by, group : str
        Names of the output's column and unit columns.

    Returns
    -------
    pandas.DataFrame
        One row per (column, unit): ``by``, ``group``, ``n``, ``mean``, ``sd``, ``rest_n``,
        ``rest_mean``, ``rest_sd``, ``t``, ``p`` (Welch, two-sided), ``df``, ``hedges_g``, ``diff``
        (unit minus rest), ``ci_low``, ``ci_high`` (95% CI of the unit mean) and ``note``.
        FDR is applied by the caller over the whole family.
    """
    ok = groups.notna().to_numpy()
    v = values.loc[ok].astype(float)
    keys = groups.loc[ok]
    grouped = v.groupby(keys, observed=True)
    n, mean, var = grouped.count(), grouped.mean(), grouped.var()
    tot_n, tot_s, tot_m = v.count(), v.sum(), v.mean()
    tot_ss = ((v - tot_m) ** 2).sum()

    def long(frame: pd.DataFrame, name: str) -> pd.Series:
        """unit × column table -> Series indexed by (unit, column)."""
        return (
            frame.rename_axis(index=group, columns=by)
            .melt(ignore_index=False, value_name=name)
            .set_index(by, append=True)[name]
        )

    g = pd.concat([long(n, "n"), long(mean, "mean"), long(var, "var")], axis=1).reset_index()
    g = g.loc[g["n"] > 0, [by, group, "n", "mean", "var"]].reset_index(drop=True)
    N, S, M, SS = (g[by].map(x).to_numpy(dtype=float) for x in (tot_n, tot_s, tot_m, tot_ss))
    n1, m1 = g["n"].to_numpy(dtype=float), g["mean"].to_numpy(dtype=float)
    v1 = g["var"].to_numpy(dtype=float)
    n2 = N - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        m2 = np.where(n2 > 0, (S - n1 * m1) / np.where(n2 > 0, n2, 1), np.nan)  # no rest: no mean (not ±inf)
        ss_unit = (n1 - 1) * np.nan_to_num(v1) + n1 * (m1 - M) ** 2
        ss_rest = SS - ss_unit - n2 * (m2 - M) ** 2
        s1, s2 = np.sqrt(v1), np.sqrt(np.clip(ss_rest, 0, None) / (n2 - 1))
        t, p = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        g = g.assign(
            sd=s1,
            rest_n=n2.astype(int),
            rest_mean=m2,
            rest_sd=s2,
            t=t,
            p=p,
            df=welch_df(s1, n1, s2, n2),
            hedges_g=hedges_g(m1, s1, n1, m2, s2, n2),
            diff=m1 - m2,
        )
    g["ci_low"], g["ci_high"] = mean_ci(m1, s1, n1)
    g["n"] = g["n"].astype(int)
    g["note"] = np.where((s1 == 0) & (s2 == 0), "得分无变异，无法检验", "")
    return g.drop(columns=["var"])


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


def welch_anova_table(
    scores: pd.DataFrame, unit: pd.Series, names: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per dimension: Welch's ANOVA across units, and Games–Howell pairs when there are not too many units.

    Returns
    -------
    aov : pandas.DataFrame
        One row per dimension: ``dimension``, ``F``, ``df1``, ``df2``, ``p``, ``np2`` (partial η²),
        ``note`` and ``dimension_name``.
    pairs : pandas.DataFrame
        Games–Howell pairs (pingouin): ``dimension``, ``A``, ``B``, ``diff``, ``T``, ``df``, ``pval``,
        ``hedges``.
    """
    aov_rows, gh = [], []
    grouped = scores.astype(float).groupby(unit.astype("string").to_numpy(), observed=True)
    n_all, mean_all, var_all = grouped.count(), grouped.mean(), grouped.var()  # one pass for every dimension
    for dim in scores.columns:
        keep = n_all[dim] >= 2
        if int(keep.sum()) < 2:
            aov_rows.append({"dimension": dim, "note": "可比较的单位不足两个"})
            continue
        n, m, v = (x.loc[keep, dim].to_numpy(dtype=float) for x in (n_all, mean_all, var_all))
        if (v == 0).any():
            aov_rows.append({"dimension": dim, "note": "有单位的得分没有差异，无法做Welch方差分析"})
            continue
        aov_rows.append({"dimension": dim, **welch_anova_from_summaries(n, m, v), "note": ""})
        if int(keep.sum()) <= MAX_UNITS_GAMES_HOWELL:
            data = pd.DataFrame({"score": scores[dim], "unit": unit.astype("string")}).dropna()
            data = data.loc[data["unit"].isin(keep.index[keep])]
            pairs = pg.pairwise_gameshowell(data=data, dv="score", between="unit")
            gh.append(
                pairs.assign(dimension=dim)[["dimension", "A", "B", "diff", "T", "df", "pval", "hedges"]]
            )
    aov = pd.DataFrame(aov_rows)
    aov["dimension_name"] = aov["dimension"].map(names)
    pairs = pd.concat(gh, ignore_index=True) if gh else pd.DataFrame(
        columns=["dimension", "A", "B", "diff", "T", "df", "pval", "hedges"])
    return aov, pairs


def chi2_by_unit(frame: pd.DataFrame, unit: pd.Series, questions: dict[str, str]) -> pd.DataFrame:
    """χ² test of independence (Pearson) of each profile question by unit, with Cramér's V.

    Returns
    -------
    pandas.DataFrame
        One row per question: ``question``, ``label``, ``chi2``, ``dof``, ``p``, ``cramer_v``,
        ``share_expected_below_5`` and ``note``.
    """
    rows = []
    for qid, label in questions.items():
        data = pd.DataFrame({"unit": unit.astype("string"), "answer": frame[qid].astype("string")}).dropna()
        if data["unit"].nunique() < 2 or data["answer"].nunique() < 2:
            rows.append({"question": qid, "label": label, "note": "类别不足，无法检验"})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected, _, st = pg.chi2_independence(data, x="unit", y="answer")
        r = st.loc[st["test"] == "pearson"].iloc[0]
        low = float((expected.to_numpy() < 5).mean())
        rows.append({"question": qid, "label": label, "chi2": r["chi2"], "dof": r["dof"], "p": r["pval"],
                     "cramer_v": r["cramer"], "share_expected_below_5": low,
                     "note": "超过20%的期望频数小于5，结果仅供参考" if low > 0.2 else ""})
    return pd.DataFrame(rows)


def correlation_long(scores: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between dimension scores (pairwise complete), as a long table."""
    corr = scores.corr()
    corr.index.name = "a"
    return corr.reset_index().melt(id_vars="a", var_name="b", value_name="r")
