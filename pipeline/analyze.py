"""Analyze: statistics for every unit in one vectorised pass, stored for the reports.

For each dimension: the score is the mean of its items (reverse-coded, at least half answered).
Each unit is compared with the rest of the district (all other units pooled) by Welch's t-test
computed from group summary statistics, with Hedges' g as the effect size and Benjamini–Hochberg
FDR control over the whole family of unit × dimension tests. Units with fewer than ``MIN_N_TEST``
valid responses are described but not tested; figures from fewer than ``MIN_CELL`` respondents are
suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from pipeline.atomic import write_json, write_parquet
from pipeline.clean import KEPT
from pipeline.open_answers import code_themes, is_suggestion
from pipeline.questionnaire import Questionnaire

MIN_N_TEST = 30
MIN_CELL = 5
ALPHA = 0.05
DISTRICT = "全区"


def unit_kind(name: str) -> str:
    """街道 or 乡镇, from the unit's name."""
    return "街道" if name.endswith(("街道", "街道办事处")) else "乡镇"


def dimension_scores(kept: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Respondent × dimension mean item score (NA when fewer than half the items are answered)."""
    out = {}
    for dim, items in questionnaire.dimension_items().items():
        block = kept[items].astype("Float64")
        enough = block.notna().sum(axis=1) >= np.ceil(len(items) / 2)
        out[dim] = block.mean(axis=1, skipna=True).where(enough)
    return pd.DataFrame(out, index=kept.index).astype(float)


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
        half = stats.t.ppf(0.975, n1 - 1) * s1 / np.sqrt(n1)
    g["ci_low"], g["ci_high"] = g["mean"] - half, g["mean"] + half
    g["diff"] = g["mean"] - g["rest_mean"]
    return g.drop(columns=["N", "S", "M", "SS", "var", "rest_var"])


def fdr(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p-values over the non-missing entries of ``p``."""
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        _, adj = pg.multicomp(p[ok].to_numpy(), alpha=ALPHA, method="fdr_bh")
        out[ok] = adj
    return out


def cronbach(items: pd.DataFrame) -> dict:
    """Cronbach's α with 95% CI (pingouin, pairwise deletion), or a reason why it cannot be computed."""
    items = items.astype(float)
    if items.shape[1] < 2 or len(items.dropna(how="all")) < 3:
        return {"alpha": np.nan, "alpha_ci_low": np.nan, "alpha_ci_high": np.nan, "alpha_note": "题目或样本太少，无法计算信度"}
    if (items.var() == 0).any():
        return {"alpha": np.nan, "alpha_ci_low": np.nan, "alpha_ci_high": np.nan, "alpha_note": "存在所有人答案相同的题目，无法计算信度"}
    a, ci = pg.cronbach_alpha(data=items)
    return {"alpha": float(a), "alpha_ci_low": float(ci[0]), "alpha_ci_high": float(ci[1]), "alpha_note": ""}


def reliability(kept: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """District-wide Cronbach's α per dimension."""
    return pd.DataFrame([{"dimension": d.id, **cronbach(kept[[i.id for i in d.items]])} for d in questionnaire.dimensions])


@dataclass
class Analysis:
    """All tables the reports read; each is a small aggregate, never respondent rows."""

    units: pd.DataFrame
    unit_dimensions: pd.DataFrame
    unit_items: pd.DataFrame
    district_dimensions: pd.DataFrame
    rejections: pd.DataFrame
    composition: pd.DataFrame
    problems: pd.DataFrame
    themes: pd.DataFrame
    quotes: pd.DataFrame


def _share_table(frame: pd.DataFrame, unit: str, column: str, options: list[str]) -> pd.DataFrame:
    """Counts and shares of a single-choice question per unit and for the district."""
    counts = frame.groupby(unit, observed=True)[column].value_counts().unstack(fill_value=0).reindex(columns=options, fill_value=0)
    counts.loc[DISTRICT] = counts.sum()
    long = counts.stack().rename("count").reset_index()
    long.columns = ["unit", "option", "count"]
    long["share"] = long["count"] / long.groupby("unit")["count"].transform("sum")
    return long


def analyze(kept: pd.DataFrame, audit: pd.DataFrame, questionnaire: Questionnaire) -> Analysis:
    """Compute every table the reports need, for all units at once."""
    q = questionnaire
    ucol = q.unit_question.id
    unit = kept[ucol].astype("string")
    scores = dimension_scores(kept, q)
    names = q.dimension_names()

    long = scores.assign(unit=unit).melt(id_vars="unit", var_name="dimension", value_name="score")
    ud = compare_units(long, "score", "dimension", "unit")
    testable = ud["n"] >= MIN_N_TEST
    ud["p_fdr"] = fdr(ud["p"].where(testable))
    ud["tested"] = testable
    ud["significant"] = testable & (ud["p_fdr"] < ALPHA)
    ud["suppressed"] = ud["n"] < MIN_CELL
    ud["dimension_name"] = ud["dimension"].map(names)

    item_ids = [it.id for it in q.likert_items]
    items_long = kept[item_ids].astype(float).assign(unit=unit).melt(id_vars="unit", var_name="item", value_name="score")
    ui = compare_units(items_long, "score", "item", "unit")
    item_testable = ui["n"] >= MIN_N_TEST
    ui["p_fdr"] = fdr(ui["p"].where(item_testable))
    ui["significant"] = item_testable & (ui["p_fdr"] < ALPHA)
    ui["suppressed"] = ui["n"] < MIN_CELL
    ui["item_text"] = ui["item"].map({it.id: it.text for it in q.likert_items})
    ui["dimension"] = ui["item"].map({it.id: it.dimension for it in q.likert_items})

    dd = long.dropna(subset=["score"]).groupby("dimension")["score"].agg(n="count", mean="mean", sd="std").reset_index()
    half = stats.t.ppf(0.975, dd["n"] - 1) * dd["sd"] / np.sqrt(dd["n"])
    dd["ci_low"], dd["ci_high"] = dd["mean"] - half, dd["mean"] + half
    dd = dd.merge(reliability(kept, q), on="dimension")
    dd["dimension_name"] = dd["dimension"].map(names)
    dd["n_items"] = dd["dimension"].map({d.id: len(d.items) for d in q.dimensions})
    order = {d.id: i for i, d in enumerate(q.dimensions)}
    dd = dd.sort_values("dimension", key=lambda s: s.map(order)).reset_index(drop=True)
    ud = ud.sort_values(["unit", "dimension"], key=lambda s: s.map(order) if s.name == "dimension" else s).reset_index(drop=True)

    rej = audit.loc[audit["状态"] != KEPT].groupby(["街道乡镇", "剔除规则"]).size().rename("count").reset_index()
    rej.columns = ["unit", "rule", "count"]

    received = audit.groupby("街道乡镇").size()
    valid = unit.value_counts()
    units = pd.DataFrame({"received": received}).join(valid.rename("valid")).fillna({"valid": 0}).astype(int)
    units["rejected"] = units["received"] - units["valid"]
    units.index.name = "unit"
    units = units.reset_index()
    rank = {name: i for i, name in enumerate(q.unit_question.options)}
    units = units.sort_values("unit", key=lambda s: s.map(rank).fillna(len(rank))).reset_index(drop=True)
    units["kind"] = units["unit"].map(unit_kind)
    community = q.role("community")
    if community is not None:
        units["communities"] = units["unit"].map(kept.groupby(unit)[community.id].nunique()).fillna(0).astype(int)
    overall = q.role("overall")
    if overall is not None:
        top = len(overall.options) - 1  # the two best options count as satisfied
        sat = kept[overall.id].astype(float)
        units["satisfaction_mean"] = units["unit"].map(sat.groupby(unit).mean())
        units["satisfaction_rate"] = units["unit"].map((sat >= top).where(sat.notna()).groupby(unit).mean())
    open_q = q.role("open")
    themes = pd.DataFrame(columns=["unit", "theme", "count"])
    quotes = pd.DataFrame(columns=["unit", "theme", "quote"])
    if open_q is not None:
        texts = kept[open_q.id]
        real = is_suggestion(texts)
        units["suggestions"] = units["unit"].map(real.groupby(unit).sum()).fillna(0).astype(int)
        coded = code_themes(texts.where(real), q.themes).assign(unit=unit)
        themes = coded.groupby("unit").sum().stack().rename("count").reset_index()
        themes.columns = ["unit", "theme", "count"]
        themes = themes.loc[themes["count"] > 0]
        qrows = []
        for theme in q.themes:
            hits = pd.DataFrame({"unit": unit, "quote": texts}).loc[coded[theme] & real]
            hits = hits.drop_duplicates()
            hits = hits.assign(_len=hits["quote"].str.len()).sort_values(["unit", "_len", "quote"])
            for u, grp in hits.groupby("unit"):
                qrows += [{"unit": u, "theme": theme, "quote": s} for s in grp["quote"].head(2)]
        quotes = pd.DataFrame(qrows, columns=["unit", "theme", "quote"])

    comp = []
    for qq in q.profile:
        if qq.type == "single" and qq.role != "unit":
            t = _share_table(kept.assign(_u=unit), "_u", qq.id, qq.options)
            t.insert(1, "question", qq.id)
            comp.append(t)
    composition = pd.concat(comp, ignore_index=True)
    composition["suppressed"] = composition["count"].between(1, MIN_CELL - 1)

    prob_rows = []
    for qq in q.questions:
        if qq.type != "multi":
            continue
        cols = [f"{qq.id}__{k}" for k in range(1, len(qq.options) + 1)]
        block = kept[cols].astype("Float64")
        answered = block.notna().any(axis=1)
        for key, mask in [(DISTRICT, answered)] + [(u, answered & (unit == u)) for u in unit.dropna().unique()]:
            n = int(mask.sum())
            chosen = block.loc[mask].sum()
            for opt, c in zip(qq.options, chosen, strict=True):
                prob_rows.append({"unit": key, "question": qq.id, "option": opt, "count": int(c), "n": n,
                                  "share": c / n if n else np.nan})
    problems = pd.DataFrame(prob_rows)
    problems["suppressed"] = problems["count"].between(1, MIN_CELL - 1)
    return Analysis(units=units, unit_dimensions=ud, unit_items=ui, district_dimensions=dd, rejections=rej,
                    composition=composition, problems=problems, themes=themes, quotes=quotes)


TABLES = ("units", "unit_dimensions", "unit_items", "district_dimensions", "rejections", "composition", "problems", "themes", "quotes")


def write_analysis(result: Analysis, out_dir: str | Path, manifest: dict) -> Path:
    """Store every table as Parquet plus a manifest (JSON) in ``out_dir``."""
    out_dir = Path(out_dir)
    for name in TABLES:
        write_parquet(out_dir / f"{name}.parquet", getattr(result, name))
    write_json(out_dir / "manifest.json", manifest)
    return out_dir


def read_analysis(out_dir: str | Path) -> Analysis:
    out_dir = Path(out_dir)
    return Analysis(**{name: pd.read_parquet(out_dir / f"{name}.parquet") for name in TABLES})
