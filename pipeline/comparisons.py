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

from pipeline.descriptives import mean_ci

ALPHA = 0.05
MAX_UNITS_GAMES_HOWELL = 60  # k(k-1)/2 pairs per dimension; beyond this the overview shows ANOVA only


def hedges_g(m1, s1, n1, m2, s2, n2):
    """Hedges' g from summary statistics (pooled SD; pingouin's small-sample correction)."""
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    d = (m1 - m2) / sp
    return d * (1 - 3 / (4 * (n1 + n2) - 9))


def welch_df(s1, n1, s2, n2):
    v1, v2 = s1**2 / n1, s2**2 / n2
    return (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))


def compare_units(long: pd.DataFrame, value: str, by: str, group: str) -> pd.DataFrame:
    """Each group vs the rest of the district, per ``by`` (dimension or item), all at once.

    ``long`` has columns ``by``, ``group`` and ``value``. Returns one row per (by, group) with the
    unit's and the rest's n, mean, SD, the difference, Welch t, df and p, Hedges' g and the unit
    mean's 95% CI. FDR is applied by the caller over the whole family.
    """
    long = long.dropna(subset=[value, group])
    grp = long.groupby([by, group], observed=True)[value].agg(n="count", mean="mean", var="var").reset_index()
    tot = long.groupby(by, observed=True)[value].agg(N="count", S="sum", M="mean")
    tot["SS"] = long.assign(_d=lambda d: (d[value] - d[by].map(tot["M"])) ** 2).groupby(by, observed=True)["_d"].sum()
    g = grp.join(tot, on=by)
    g["rest_n"] = g["N"] - g["n"]
    g["rest_mean"] = (g["S"] - g["n"] * g["mean"]) / g["rest_n"]
    ss_unit = (g["n"] - 1) * g["var"].fillna(0) + g["n"] * (g["mean"] - g["M"]) ** 2
    ss_rest = g["SS"] - ss_unit - g["rest_n"] * (g["rest_mean"] - g["M"]) ** 2
    g["rest_var"] = ss_rest.clip(lower=0) / (g["rest_n"] - 1)
    g["sd"], g["rest_sd"] = np.sqrt(g["var"]), np.sqrt(g["rest_var"])
    m1, s1, n1, m2, s2, n2 = (g[c].to_numpy(dtype=float) for c in ("mean", "sd", "n", "rest_mean", "rest_sd", "rest_n"))
    with np.errstate(divide="ignore", invalid="ignore"):
        g["t"], g["p"] = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        g["df"] = welch_df(s1, n1, s2, n2)
        g["hedges_g"] = hedges_g(m1, s1, n1, m2, s2, n2)
    g["ci_low"], g["ci_high"] = mean_ci(m1, s1, n1)
    g["diff"] = g["mean"] - g["rest_mean"]
    g["note"] = np.where((s1 == 0) & (s2 == 0), "得分无变异，无法检验", "")
    return g.drop(columns=["N", "S", "M", "SS", "var", "rest_var"])


def fdr(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p-values over the non-missing entries of ``p``."""
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        _, adj = pg.multicomp(p[ok].to_numpy(), alpha=ALPHA, method="fdr_bh")
        out[ok] = adj
    return out


def welch_anova_table(scores: pd.DataFrame, unit: pd.Series, names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per dimension: Welch's ANOVA across units, and Games–Howell pairs when there are not too many units."""
    aov_rows, gh = [], []
    for dim in scores.columns:
        data = pd.DataFrame({"score": scores[dim], "unit": unit.astype("string")}).dropna()
        counts = data["unit"].value_counts()
        data = data.loc[data["unit"].isin(counts.index[counts >= 2])]
        if data["unit"].nunique() < 2:
            aov_rows.append({"dimension": dim, "note": "可比较的单位不足两个"})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aov = pg.welch_anova(data=data, dv="score", between="unit").iloc[0]
        aov_rows.append({"dimension": dim, "F": aov["F"], "df1": aov["ddof1"], "df2": aov["ddof2"], "p": aov["p_unc"],
                         "np2": aov["np2"], "note": ""})
        if data["unit"].nunique() <= MAX_UNITS_GAMES_HOWELL:
            pairs = pg.pairwise_gameshowell(data=data, dv="score", between="unit")
            gh.append(pairs.assign(dimension=dim)[["dimension", "A", "B", "diff", "T", "df", "pval", "hedges"]])
    aov = pd.DataFrame(aov_rows)
    aov["dimension_name"] = aov["dimension"].map(names)
    pairs = pd.concat(gh, ignore_index=True) if gh else pd.DataFrame(
        columns=["dimension", "A", "B", "diff", "T", "df", "pval", "hedges"])
    return aov, pairs


def chi2_by_unit(frame: pd.DataFrame, unit: pd.Series, questions: dict[str, str]) -> pd.DataFrame:
    """χ² test of independence (Pearson) of each profile question by unit, with Cramér's V."""
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
