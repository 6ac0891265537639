"""The analysis's tables under a declared sampling design (``Questionnaire.design``): every unit's and the
area's dimension and item means, unfavourable shares and 满意率 weighted, their intervals and the tests behind
"显著" from Taylor-linearised variances (``pipeline.stats.design``), with the design effect and Kish's
effective sample size beside them. The tables keep the columns they have without a design, so everything
downstream reads them unchanged; without a declared design none of this runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyze.sums import (
    DIMENSION,
    EVERYONE,
    SATISFIED,
    UNFAVOURABLE,
    choice_columns,
    item_dimensions,
    multi_columns,
    split_within,
)
from pipeline.common.names import DISTRICT
from pipeline.questionnaire import Questionnaire
from pipeline.stats.comparisons import hedges_g, influential
from pipeline.stats.descriptives import wilson
from pipeline.stats.design import DesignSums, Strata, compare_design, compare_within, domain_estimates
from pipeline.stats.rao_scott import rao_scott

DESIGN_COLUMNS = ("se", "deff", "n_effective")  # added to the tables of means under a design


def _drop(strata: Strata) -> np.ndarray:
    """The two other units each unit's reference leaves out (``influential``, on weighted pulls)."""
    s = strata.sums
    count, weight, total = s[:, :, 0].sum(axis=1), s[:, :, 1].sum(axis=1), s[:, :, 2].sum(axis=1)
    area = total.sum(axis=0) / weight.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return influential(count, np.where(weight > 0, total - area * weight, np.nan))


def design_tests(strata: Strata, prefix: str, by: str) -> pd.DataFrame:
    """Each unit against the rest of the area (without its two most influential other units), per column
    of one kind: the columns of ``compare_moments`` from the design, plus ``DESIGN_COLUMNS``."""
    part, ids = strata.columns_of(prefix)
    r = compare_design(part, _drop(part))
    k, size = len(ids), len(part.units)

    def flat(a: np.ndarray) -> np.ndarray:
        return np.asarray(a).T.reshape(-1)

    n1, n2 = flat(r["n"]), flat(r["rest_n"])
    m1, m2, s1, s2 = flat(r["mean"]), flat(r["rest_mean"]), flat(r["sd"]), flat(r["rest_sd"])
    se, df = flat(r["se"]), flat(r["df"])
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(0.975, df) * se
        g = pd.DataFrame({
            by: np.repeat(np.array(ids, dtype=object), size),
            "unit": np.tile(np.array(part.units, dtype=object), k),
            "n": n1.astype(int), "mean": m1, "sd": s1,
            "rest_n": n2.astype(int), "rest_mean": m2, "rest_sd": s2,
            "t": flat(r["t"]), "p": flat(r["p"]), "df": flat(r["test_df"]),
            "hedges_g": hedges_g(m1, s1, n1, m2, s2, n2), "diff": m1 - m2,
            "ci_low": m1 - half, "ci_high": m1 + half,
            "se": se, "deff": flat(r["deff"]), "n_effective": flat(r["n_effective"]),
        })
    g["note"] = np.where((s1 == 0) & (s2 == 0), "得分无变异，无法检验", "")
    return g.loc[g["n"] > 0].reset_index(drop=True)


def unfavourable_design(strata: Strata) -> pd.DataFrame:
    """Per (unit, item): the weighted share of unfavourable answers, and the rest of the area's."""
    part, ids = strata.columns_of(UNFAVOURABLE)
    own = domain_estimates(part)["mean"]
    rest = domain_estimates(part, part.rest())["mean"]
    index = pd.MultiIndex.from_product([list(part.units), ids], names=["unit", "item"])
    return pd.DataFrame({"unfavourable": own.reshape(-1), "rest_unfavourable": rest.reshape(-1)}, index=index)


def area_design(strata: Strata, dd: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The area's dimension rows with weighted means, SDs, intervals and unfavourable shares, and
    ``DESIGN_COLUMNS``."""
    part, ids = strata.columns_of(DIMENSION)
    e = {k: pd.Series(v[0], index=ids) for k, v in domain_estimates(part, part.total()).items()}
    out = dd.copy()
    at = out["dimension"]
    mean, half = at.map(e["mean"]), stats.t.ppf(0.975, at.map(e["df"])) * at.map(e["se"])
    out["mean"], out["sd"] = mean.to_numpy(), at.map(e["sd"]).to_numpy()
    out["ci_low"], out["ci_high"] = (mean - half).to_numpy(), (mean + half).to_numpy()
    for c in DESIGN_COLUMNS:
        out[c] = at.map(e[c]).to_numpy()
    unfav, items = strata.columns_of(UNFAVOURABLE)
    share = pd.Series(domain_estimates(unfav, unfav.total())["mean"][0], index=items)
    out["unfavourable"] = at.map(share.groupby(item_dimensions(q)).mean()).to_numpy()
    return out


def design_wilson(share: pd.Series, se: pd.Series, answered: pd.Series) -> tuple:
    """A weighted share's 95% Wilson interval on the design's effective sample size (p(1 − p) / V; the rows
    answering where the variance is nil)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = share * (1 - share) / se**2
    effective = effective.where(np.isfinite(effective) & (effective > 0), answered)
    return wilson(share * effective, effective)


def satisfaction_design(strata: Strata, table: pd.DataFrame, area: bool) -> pd.DataFrame:
    """The units' (or, ``area``, the area's) 满意率 weighted, with a Wilson interval on the design's effective
    sample size (p(1 − p) / V), and its standard error (``satisfaction_se``)."""
    part, ids = strata.columns_of("")
    j = ids.index(SATISFIED)
    sums = part.total() if area else part.sums
    e = domain_estimates(part, sums)
    labels = list(table["unit"]) if area else list(part.units)
    rate = pd.Series(e["mean"][:, j], index=labels)
    se = pd.Series(e["se"][:, j], index=labels)
    out = table.copy()
    at = out["unit"]
    out["satisfaction_rate"] = at.map(rate).to_numpy()
    low, high = design_wilson(rate, se, pd.Series(e["n"][:, j], index=labels))
    out["satisfaction_ci_low"] = at.map(pd.Series(np.asarray(low), index=labels)).to_numpy()
    out["satisfaction_ci_high"] = at.map(pd.Series(np.asarray(high), index=labels)).to_numpy()
    out["satisfaction_se"] = at.map(se).to_numpy()
    return out


def chi2_design(ds: DesignSums, chi2: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The χ² table with each profile question by unit tested by Rao–Scott's F (``pipeline.stats.rao_scott``):
    ``chi2`` the weighted table's Pearson X², ``p`` the F test's, ``cramer_v`` from the weighted X², and
    ``rs_f``, ``rs_df1``, ``rs_df2``."""
    out = chi2.copy()
    for c in ("rs_f", "rs_df1", "rs_df2"):
        out[c] = np.nan
    for qid, columns in choice_columns(q).items():
        at = out.index[out["question"] == qid]
        test = rao_scott(ds, columns)
        if len(at) == 0 or test is None:
            continue
        units, options = ds.keys["unit"].nunique(), len(columns)
        out.loc[at, ["chi2", "p", "rs_f", "rs_df1", "rs_df2"]] = [test["chi2"], test["p"], test["F"],
                                                                  test["df1"], test["df2"]]
        out.loc[at, "cramer_v"] = np.sqrt(test["chi2"] / (test["n"] * (min(units, options) - 1)))
    return out


def design_summary(strata: Strata) -> dict[str, float]:
    """Kish's effective sample size of the whole area and the mean design effect of its dimension means."""
    part, ids = strata.columns_of("")
    e = domain_estimates(part, part.total())
    everyone = ids.index(EVERYONE)
    dims = [j for j, c in enumerate(ids) if c.startswith(DIMENSION)]
    return {"n_effective": float(e["n_effective"][0, everyone]),
            "deff": float(np.nanmean(e["deff"][0, dims])) if dims else float("nan")}


def subgroup_design(cells: DesignSums, strata: Strata) -> pd.DataFrame:
    """Each (unit, group) of one group question against the rest of its unit, per dimension, from the design
    (``compare_within``): the columns ``compare_moments`` gives with ``dimension`` and ``group`` (the
    ``within`` label), weighted means and the design-based t test."""
    labels = cells.keys["unit"].unique()
    parent = pd.Series([split_within(x)[0] for x in labels], index=labels)
    r = compare_within(cells, parent, pd.Series(strata.psus, index=list(strata.strata)))
    k, size = len(cells.columns), len(r["cells"])

    def flat(a: np.ndarray) -> np.ndarray:
        return np.asarray(a).T.reshape(-1)

    n1, n2 = flat(r["n"]), flat(r["rest_n"])
    m1, m2, s1, s2 = flat(r["mean"]), flat(r["rest_mean"]), flat(r["sd"]), flat(r["rest_sd"])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = pd.DataFrame({
            "dimension": np.repeat(np.array(cells.columns, dtype=object), size),
            "group": np.tile(r["cells"], k), "n": n1.astype(int), "mean": m1, "sd": s1,
            "rest_n": n2.astype(int), "rest_mean": m2, "rest_sd": s2, "t": flat(r["t"]), "p": flat(r["p"]),
            "df": flat(r["test_df"]), "hedges_g": hedges_g(m1, s1, n1, m2, s2, n2), "diff": m1 - m2,
        })
    return g.loc[g["n"] > 0].reset_index(drop=True)


def multi_design(strata: Strata, table: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The multiple choices' table (``answer_tables``) with each unit's and the area's share weighted, its
    interval on the design's effective sample, and the unit against the rest of the area by the design-based
    t test (``p``; the caller applies FDR); counts stay the rows answering and choosing."""
    out = table.copy()
    for qid, columns in multi_columns(q).items():
        sub = strata.take(columns)
        own, area, test = domain_estimates(sub), domain_estimates(sub, sub.total()), compare_design(sub)
        for est, labels in ((own, list(sub.units)), (area, [DISTRICT])):
            for j, option in enumerate(q.by_id[qid].options):
                rows = (out["question"] == qid) & (out["option"] == option) & out["unit"].isin(labels)
                unit = out.loc[rows, "unit"]
                share, se = est["mean"][:, j], est["se"][:, j]
                low, high = design_wilson(pd.Series(share), pd.Series(se), pd.Series(est["n"][:, j]))
                for column, values in (("share", share), ("ci_low", low), ("ci_high", high)):
                    out.loc[rows, column] = _of(values, labels, unit)
                if est is own:  # a unit against the rest (tested where the counts allowed it before)
                    out.loc[rows, "rest_share"] = _of(test["rest_mean"][:, j], labels, unit)
                    tested = out.loc[rows, "p"].notna()
                    out.loc[rows, "p"] = np.where(tested, _of(test["p"][:, j], labels, unit), np.nan)
    out["rank"] = out.groupby(["unit", "question"])["share"].rank(ascending=False, method="min").astype(int)
    return out


def _of(values, labels: list[str], unit: pd.Series) -> np.ndarray:
    """Per-label ``values`` read for each row's ``unit``."""
    return unit.map(pd.Series(np.asarray(values), index=labels)).to_numpy()
