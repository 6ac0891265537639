"""Analyze: every statistic the reports need, for all units in one pass, stored as small tables.

Dimension scores are item means (reverse-coded, at least half the items answered). Each unit is
compared with the rest of the district per dimension and per item (Welch t, Hedges' g; BH-FDR over
each whole family). Units with fewer than ``MIN_N_TEST`` valid responses are described but not
tested; figures from fewer than ``MIN_CELL`` respondents are suppressed. Reliability, validity,
Welch ANOVA/Games–Howell, χ², correlations, drivers/IPA, multi-select shares with Wilson intervals
and open-answer themes and keywords complete the set. No table holds respondent-level rows.

Every statistic of the Likert answers comes from their mergeable sums (``pipeline.analyze.sums``), so
a survey read part by part, or summed on Dask workers, needs only those and a few columns per row.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.counts import ANSWER, ANSWERED, UNIT, AnswerCounts
from pipeline.analyze.disclosure import apply_disclosure, disclose_subgroups
from pipeline.analyze.evidence import EVIDENCE_COLUMNS, unit_problems
from pipeline.analyze.sums import (
    LikertSums,
    SurveySums,
    group_questions,
    item_dimensions,
    split_within,
    survey_sums,
    unfavourable_shares,
)
from pipeline.analyze.waves import EarlierWave, changes
from pipeline.clean import KEPT
from pipeline.common.atomic import write_parquet
from pipeline.common.contracts import conform
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import ALPHA, MIN_CELL, MIN_N_TEST
from pipeline.common.tables import read_table
from pipeline.questionnaire import Questionnaire
from pipeline.stats.comparisons import (
    chi2_tables,
    compare_moments,
    correlation_moments,
    fdr,
    welch_anova_moments,
)
from pipeline.stats.descriptives import add_wilson, mean_ci
from pipeline.stats.drivers import driver_moments, ipa_table
from pipeline.stats.moments import Moments
from pipeline.stats.open_answers import (
    best_theme,
    code_themes,
    counted_keywords,
    distinctive_quotes,
    is_suggestion,
)
from pipeline.stats.reliability import reliability_moments
from pipeline.stats.validity import kmo_moments
from pipeline.stats.weights import Weighting, cell_weight_table, weighted_sums

__all__ = ["Analysis", "analyze", "read_analysis", "write_analysis"]


@dataclass
class Analysis:
    """All tables the reports read; each is a small aggregate, never respondent rows."""

    units: pd.DataFrame
    district: pd.DataFrame
    unit_dimensions: pd.DataFrame
    unit_items: pd.DataFrame
    district_dimensions: pd.DataFrame
    reliability: pd.DataFrame
    item_reliability: pd.DataFrame
    validity: pd.DataFrame
    item_kmo: pd.DataFrame
    anova: pd.DataFrame
    games_howell: pd.DataFrame
    chi2: pd.DataFrame
    correlations: pd.DataFrame
    drivers: pd.DataFrame
    ipa: pd.DataFrame
    rejections: pd.DataFrame
    composition: pd.DataFrame
    problems: pd.DataFrame
    themes: pd.DataFrame
    quotes: pd.DataFrame
    keywords: pd.DataFrame
    communities: pd.DataFrame
    subgroups: pd.DataFrame
    changes: pd.DataFrame  # against earlier waves (``pipeline.analyze.waves``); empty without any
    unit_problems: pd.DataFrame  # every unit's problems and their evidence (``pipeline.analyze.evidence``)


TABLES = tuple(f.name for f in fields(Analysis))


def unit_tests(sums: Moments, by: str) -> pd.DataFrame:
    """Unit-vs-rest comparisons (``compare_moments``) with the size guard, FDR over the family and
    suppression flags."""
    t = compare_moments(sums, by, "unit")
    t["tested"] = (t["n"] >= MIN_N_TEST) & t["p"].notna()
    t["p_fdr"] = fdr(t["p"].where(t["tested"]))
    t["significant"] = t["tested"] & (t["p_fdr"] < ALPHA)
    t["suppressed"] = t["n"] < MIN_CELL
    return t


def _shares(counts: pd.Series, options: list[str]) -> pd.DataFrame:
    """Counts, shares and Wilson CIs of a single-choice question per unit and for the district, from its
    rows per (unit, answer)."""
    counts = counts.unstack(ANSWER, fill_value=0).reindex(columns=options, fill_value=0)
    counts.loc[DISTRICT] = counts.sum()
    long = counts.stack().rename("count").reset_index()
    long.columns = ["unit", "option", "count"]
    long["n"] = long.groupby("unit")["count"].transform("sum")
    long["share"] = long["count"] / long["n"]
    return add_wilson(long)


def _multi_select(counts: AnswerCounts, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per unit and the area, each multiple choice's options: rows choosing it among the rows answering the
    question, with Wilson CIs, rank and the test against the rest of the area (``_against_the_rest``)."""
    rows = []
    for q in questionnaire.questions:
        if q.type != "multi":
            continue
        per_unit = counts.multi[q.id].copy()
        per_unit.loc[DISTRICT] = per_unit.sum()
        n = per_unit.pop(ANSWERED)
        per_unit.columns = q.options
        long = per_unit.stack().rename("count").reset_index()
        long.columns = ["unit", "option", "count"]
        long.insert(1, "question", q.id)
        long["n"] = long["unit"].map(n).astype(int)
        long["count"] = long["count"].astype(int)
        long["share"] = long["count"] / long["n"]
        rows.append(add_wilson(long))
    if not rows:
        return pd.DataFrame(
            columns=[
                "unit",
                "question",
                "option",
                "count",
                "n",
                "share",
                "ci_low",
                "ci_high",
                "rank",
                "suppressed",
                "rest_share",
                "p",
                "p_fdr",
                "significant",
            ]
        )
    out = pd.concat(rows, ignore_index=True)
    out["rank"] = out.groupby(["unit", "question"])["share"].rank(ascending=False, method="min").astype(int)
    out["suppressed"] = out["count"].between(1, MIN_CELL - 1)
    return _against_the_rest(out)


def _against_the_rest(t: pd.DataFrame) -> pd.DataFrame:
    """Each unit's share choosing an option against the rest of the area's: two-proportion z-test, FDR over
    every unit × option (the area's rows are not tested)."""
    from statsmodels.stats.proportion import proportions_ztest

    area = t.loc[t["unit"] == DISTRICT].set_index(["question", "option"])
    key = pd.MultiIndex.from_frame(t[["question", "option"]])
    rest_count = area["count"].reindex(key).to_numpy() - t["count"].to_numpy()
    rest_n = area["n"].reindex(key).to_numpy() - t["n"].to_numpy()
    t = t.assign(rest_share=np.where(rest_n > 0, rest_count / np.maximum(rest_n, 1), np.nan))
    p = np.full(len(t), np.nan)
    rows = zip(t["count"], t["n"], rest_count, rest_n, t["unit"], strict=True)
    for i, (c, n, rc, rn, u) in enumerate(rows):
        if u != DISTRICT and n >= MIN_CELL and rn >= MIN_CELL and 0 < c + rc < n + rn:
            with np.errstate(all="ignore"):
                p[i] = proportions_ztest([c, rc], [n, rn])[1]
    t["p"] = p
    t["p_fdr"] = fdr(pd.Series(p, index=t.index))
    t["significant"] = (t["p_fdr"] < ALPHA).fillna(False).astype(bool)
    return t


def _open_answers(counts: AnswerCounts, q: Questionnaire):
    """From the rows per (unit, open answer): real suggestions per unit, themes per unit and the area, each
    unit's distinctive quotes and keywords."""
    if q.role("open") is None or counts.texts.empty:
        return (
            pd.Series(0, index=counts.units.index),
            pd.DataFrame(columns=["unit", "theme", "count"]),
            pd.DataFrame(columns=["unit", "theme", "quote"]),
            pd.DataFrame(columns=["unit", "keyword", "weight", "answers"]),
        )
    said = pd.Series(counts.texts.index.get_level_values(ANSWER), dtype="string")
    texts = counts.texts.loc[is_suggestion(said).to_numpy()]
    answers = pd.Series(texts.index.get_level_values(ANSWER), dtype="string")
    units = pd.Series(texts.index.get_level_values(UNIT), dtype="string")
    suggestions = texts.groupby(level=UNIT).sum()
    coded = code_themes(answers, q.theme_keywords()).mul(texts.to_numpy(), axis=0)
    themes = coded.groupby(units.to_numpy()).sum()
    themes.loc[DISTRICT] = coded.sum()
    themes = themes.stack().rename("count").reset_index()
    themes.columns = ["unit", "theme", "count"]
    themes = themes.loc[themes["count"] > 0].reset_index(drop=True)
    theme_words = [w for t in q.themes.values() for w in t.keywords if len(w) > 1]
    terms = tuple(dict.fromkeys([*q.terms, *theme_words]))
    best = best_theme(answers, q.theme_keywords())
    quotes = distinctive_quotes(answers.where(best.notna()), units, best, terms)
    quotes = quotes[["unit", "theme", "quote"]]
    community = q.role("community")
    places = set(counts.units.index)
    if community is not None:
        places |= set(counts.answers[community.id].index.get_level_values(ANSWER))
    words = counted_keywords(texts, min_answers=MIN_CELL, terms=terms, stop_words=frozenset(q.stop_words),
                             places=tuple(sorted(places)))
    return suggestions, themes, quotes, words


def unit_comparisons(sums: LikertSums, q: Questionnaire,
                     weighted: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each unit against the rest of the area, per dimension and per item (see ``unit_tests``), with the share
    of unfavourable answers, and weighted dimension means where there are weights (``weighted``:
    ``weighted_dimensions``).

    Returns
    -------
    dimensions : one row per (unit, dimension): the columns of ``compare_moments`` plus ``tested``,
        ``p_fdr``, ``significant``, ``suppressed``, ``dimension_name``, ``unfavourable`` (and, with weights,
        ``mean_weighted``, ``n_effective``).
    items : one row per (unit, item): the same, plus ``item_text`` and ``dimension``.
    """
    names = q.dimension_names()
    order = {d.id: i for i, d in enumerate(q.dimensions)}
    ud = unit_tests(sums.scores, "dimension")
    ud["dimension_name"] = ud["dimension"].map(names)
    ui = unit_tests(sums.items, "item")
    ui["item_text"] = ui["item"].map({it.id: it.text for it in q.likert_items})
    ui["dimension"] = ui["item"].map(item_dimensions(q))
    ui = ui.merge(unfavourable_shares(sums).reset_index(), on=["unit", "item"], how="left")
    ud = ud.merge(
        ui.groupby(["unit", "dimension"])["unfavourable"].mean().reset_index(),
        on=["unit", "dimension"],
        how="left",
    )
    if weighted is not None:
        ud = ud.merge(weighted, on=["unit", "dimension"], how="left")
    ud = ud.sort_values(["unit", "dimension"], key=lambda s: s.map(order) if s.name == "dimension" else s)
    return ud.reset_index(drop=True), ui


SUBGROUP_COLUMNS = ["unit", "dimension", "question", "label", "group", "n", "mean", "rest_n", "rest_mean",
                    "diff", "hedges_g", "p", "p_fdr", "significant", "suppressed"]


def subgroup_gaps(sums: LikertSums, problems: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Where a unit's problem concentrates: within each unit, each of its problems (``evidence``) compared
    across respondent groups (each group against the rest of the unit: Welch t, Hedges g, from the sums by
    unit and group), with FDR over all these tests together and the same disclosure rule (a group or its
    rest under ``MIN_CELL`` is not tested and its mean not stored).

    Returns
    -------
    pandas.DataFrame
        One row per (unit, dimension, question, group): ``SUBGROUP_COLUMNS``.
    """
    questions = group_questions(q)
    parts = []
    for u, dims in problems[["unit", "dimension"]].groupby("unit", sort=False)["dimension"]:
        for qid, label in questions.items():
            by = sums.groups[qid]
            labels = [g for g in by.groups if split_within(g)[0] == u]
            if len(labels) < 2:
                continue
            t = compare_moments(by.take(labels).columns_of(list(dims)), "dimension", "group")
            t["group"] = [split_within(g)[1] for g in t["group"]]
            parts.append(t.assign(unit=u, question=qid, label=label))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUBGROUP_COLUMNS}).astype(
            {"n": int, "rest_n": int, "significant": bool, "suppressed": bool})
    out = pd.concat(parts, ignore_index=True)
    out["suppressed"] = (out["n"] < MIN_CELL) | (out["rest_n"] < MIN_CELL)
    tested = ~out["suppressed"] & out["p"].notna()
    out["p_fdr"] = fdr(out["p"].where(tested))
    out["significant"] = (out["p_fdr"] < ALPHA).fillna(False).astype(bool)
    for col in ("mean", "rest_mean", "diff", "hedges_g", "p", "p_fdr"):
        out.loc[out["suppressed"], col] = np.nan
    return out[SUBGROUP_COLUMNS]


def district_dimensions(sums: LikertSums,
                        q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The whole area per dimension (mean with its CI, unfavourable share, reliability), and the reliability
    tables of the area and of every unit with at least ``MIN_N_TEST`` responses (unit ``DISTRICT``: the
    area)."""
    names = q.dimension_names()
    order = {d.id: i for i, d in enumerate(q.dimensions)}
    area = sums.scores.total()
    dd = pd.DataFrame({"dimension": list(area.columns), "n": area.count()[0], "mean": area.mean()[0],
                       "sd": np.sqrt(area.var()[0])})
    dd["ci_low"], dd["ci_high"] = mean_ci(dd["mean"], dd["sd"], dd["n"])
    area_unfavourable = sums.unfavourable.total()  # the mean of 1/0 answers is their share
    per_item = pd.Series(area_unfavourable.mean()[0], index=list(area_unfavourable.columns))
    dd["unfavourable"] = dd["dimension"].map(per_item.groupby(item_dimensions(q)).mean())
    rel, item_rel = reliability_moments(sums.items.total(), sums.items, q.dimension_items(), MIN_N_TEST)
    district_rel = rel.loc[rel["unit"].isna()].drop(columns=["unit", "n"])
    dd = dd.merge(district_rel.rename(columns={"k": "n_items", "note": "alpha_note"}), on="dimension")
    dd["dimension_name"] = dd["dimension"].map(names)
    dd = dd.sort_values("dimension", key=lambda s: s.map(order)).reset_index(drop=True)
    rel["unit"] = rel["unit"].fillna(DISTRICT)
    item_rel["unit"] = item_rel["unit"].fillna(DISTRICT)
    item_rel["item_text"] = item_rel["item"].map({it.id: it.text for it in q.likert_items})
    return dd, rel, item_rel


def _satisfaction(table: pd.DataFrame, overall: pd.Series, q: Questionnaire) -> None:
    """Add the overall question's mean and satisfaction rate (the report's satisfied labels), with its
    Wilson CI, from its rows per (unit, option code)."""
    codes = overall.index.get_level_values(ANSWER).to_numpy(dtype=float)
    units = overall.index.get_level_values(UNIT)
    n = overall.groupby(units).sum()
    table["satisfaction_mean"] = table["unit"].map((overall * codes).groupby(units).sum() / n)
    table["satisfaction_n"] = table["unit"].map(n).fillna(0).astype(int)
    chosen = np.isin(codes, q.satisfied_codes())
    table["satisfaction_count"] = (table["unit"].map(overall.loc[chosen].groupby(units[chosen]).sum())
                                   .fillna(0).astype(int))
    table["satisfaction_rate"] = table["satisfaction_count"] / table["satisfaction_n"].where(
        table["satisfaction_n"] > 0
    )
    table["satisfaction_ci_low"], table["satisfaction_ci_high"] = add_wilson(
        table, "satisfaction_count", "satisfaction_n")[["ci_low", "ci_high"]].to_numpy().T


def unit_counts(counts: AnswerCounts, audit: pd.Series,
                q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Questionnaires received, valid (every kept row: ``counts.units``) and rejected, per unit (rows without
    a unit as ``NO_UNIT``) and for the whole area (over every row, not a sum of units); communities covered
    and satisfaction from the analysed units' counts (units of at least ``MIN_CELL``); valid answers per
    community. ``audit``: the rows per unit, status and rule (``audit_counts``)."""
    valid = counts.units
    rows = audit.rename("rows").reset_index()
    received = rows.groupby(rows["unit"].astype("string").fillna(NO_UNIT))["rows"].sum()
    units = (
        pd.DataFrame({"received": received})
        .join(valid.rename("valid"))
        .fillna({"valid": 0})
        .astype(int)
    )
    units["rejected"] = units["received"] - units["valid"]
    units = units.rename_axis("unit").reset_index()
    rank = {name: i for i, name in enumerate(q.unit_question.options)}
    units = units.sort_values("unit", key=lambda s: s.map(rank).fillna(len(rank))).reset_index(drop=True)
    units["kind"] = units["unit"].map(lambda u: "—" if u == NO_UNIT else q.unit_kind(u))
    district = pd.DataFrame({"unit": [DISTRICT], "received": [int(audit.sum())], "valid": [int(valid.sum())]})
    district["rejected"] = district["received"] - district["valid"]
    community = q.role("community")
    communities = pd.DataFrame({"unit": pd.Series(dtype="string"), "community": pd.Series(dtype="string"),
                                "valid": pd.Series(dtype=int), "suppressed": pd.Series(dtype=bool)})
    if community is not None:
        places = counts.answers[community.id]
        per_unit = places.groupby(level=UNIT).size()
        units["communities"] = units["unit"].map(per_unit).fillna(0).astype(int)
        district["communities"] = len(places)
        communities = places.rename("valid").rename_axis(["unit", "community"]).reset_index()
        communities["suppressed"] = communities["valid"] < MIN_CELL
    if q.overall is not None:
        _satisfaction(units, counts.overall, q)
        area = counts.overall.groupby(level=ANSWER).sum()
        _satisfaction(district, pd.concat({DISTRICT: area}, names=[UNIT]), q)
    return units, district, communities


def composition_table(counts: AnswerCounts, q: Questionnaire) -> pd.DataFrame:
    """Per unit and the area: count, share and Wilson CI of every option of every profile single choice."""
    parts = []
    for p in q.profile:
        if p.type == "single" and p.role != "unit":
            t = _shares(counts.answers[p.id], p.options)
            t.insert(1, "question", p.id)
            parts.append(t)
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in (
                    ("unit", "string"),
                    ("question", "string"),
                    ("option", "string"),
                    ("count", int),
                    ("n", int),
                    ("share", float),
                    ("ci_low", float),
                    ("ci_high", float),
                    ("suppressed", bool),
                )
            }
        )
    out = pd.concat(parts, ignore_index=True)
    out["suppressed"] = out["count"].between(1, MIN_CELL - 1)
    return out


def weighted_dimensions(sums: LikertSums, counts: AnswerCounts, weighting: Weighting) -> pd.DataFrame:
    """Weighted dimension means and effective n per unit (``weighted_sums``), post-stratified on the answers
    to ``weighting.by`` (a group question: its scores are summed by unit and answer) against the population
    table; the sample's cells are its respondents per (unit, answer)."""
    by = weighting.by
    weights = cell_weight_table(counts.answers[by], weighting.population, by, weighting.file)
    cells, units = sums.groups[by], sums.scores
    index = pd.MultiIndex.from_tuples([split_within(g) for g in cells.groups])

    def frame(values: np.ndarray, rows) -> pd.DataFrame:
        return pd.DataFrame(values, index=rows, columns=list(units.columns))

    return weighted_sums(frame(units.count(), list(units.groups)), frame(units.sum(), list(units.groups)),
                         frame(cells.count(), index), frame(cells.sum(), index), weights)


def analyze(kept: pd.DataFrame | None, audit: pd.Series, questionnaire: Questionnaire,
            weighting: Weighting | None = None,
            waves: list[EarlierWave] | None = None, sums: SurveySums | None = None) -> Analysis:
    """Compute every table the reports need, for all units at once, with disclosure control applied.

    Parameters
    ----------
    kept : the cleaned responses (reverse-coded); not read where there are ``sums``.
    audit : the input rows per unit, status and rule (``pipeline.clean.audit_counts`` of the audit).
    questionnaire : the survey's questionnaire.
    weighting : optional post-stratification (``pipeline.stats.weights``): weighted dimension means beside
        the unweighted ones.
    waves : earlier surveys to compare with (``pipeline.analyze.waves``).
    sums : the responses' sums and counts when they were read part by part (``read_sums``); else summed
        here from ``kept``.

    Returns
    -------
    Analysis : the stored tables; ``pipeline.common.contracts`` declares each one's columns.
    """
    q = questionnaire
    if sums is None:
        sums = survey_sums(kept, q, waves or [])
    # units too small to show leave no trace in any statistic (``disclosure``): the rest is analysed
    valid = sums.answers.units
    sums = sums.only(set(valid.index[valid >= MIN_CELL]))
    counts, names = sums.answers, q.dimension_names()
    likert = sums.likert
    weighted = weighted_dimensions(likert, counts, weighting) if weighting is not None else None
    ud, ui = unit_comparisons(likert, q, weighted)
    dd, rel, item_rel = district_dimensions(likert, q)
    validity, item_kmo = kmo_moments(likert.complete)
    anova, gh = welch_anova_moments(likert.scores, names)
    anova = anova.assign(significant=(anova.get("p", pd.Series(dtype=float)) < ALPHA).astype(bool))
    gh = gh.assign(significant=(gh.get("pval", pd.Series(dtype=float)) < ALPHA).astype(bool))  # judged here
    chi2 = chi2_tables(counts.answers,
                       {p.id: p.text for p in q.profile if p.type == "single" and p.role != "unit"})
    drivers = driver_moments(likert.drivers, names)  # without an overall question: every importance NaN
    units, district, communities = unit_counts(counts, audit, q)
    suggestions, themes, quotes, words = _open_answers(counts, q)
    units["suggestions"] = units["unit"].map(suggestions).fillna(0).astype(int)
    district["suggestions"] = int(suggestions.sum())
    rows = audit.rename("count").reset_index()
    rejections = rows.loc[rows["status"] != KEPT].groupby(["unit", "rule"])["count"].sum().reset_index()
    shown = apply_disclosure(
        Analysis(
            units=units,
            district=district,
            unit_dimensions=ud,
            unit_items=ui,
            district_dimensions=dd,
            reliability=rel,
            item_reliability=item_rel,
            validity=pd.DataFrame([validity]),
            item_kmo=item_kmo,
            anova=anova,
            games_howell=gh,
            chi2=chi2,
            correlations=correlation_moments(likert.scores),
            drivers=drivers,
            ipa=ipa_table(ud, drivers, dd.set_index("dimension")["mean"]),
            rejections=rejections,
            composition=composition_table(counts, q),
            problems=_multi_select(counts, q),
            themes=themes,
            quotes=quotes,
            keywords=words,
            communities=communities,
            subgroups=subgroup_gaps(likert, pd.DataFrame(columns=["unit", "dimension"]), q),
            changes=changes(likert.waves, q, waves or []),
            unit_problems=pd.DataFrame(columns=EVIDENCE_COLUMNS),
        )
    )
    # every unit's problems, from what disclosure control lets be shown; where each concentrates
    problems = unit_problems(shown.unit_dimensions, shown.district_dimensions, shown.changes, q)
    return replace(shown, unit_problems=problems,
                   subgroups=disclose_subgroups(subgroup_gaps(likert, problems, q)))


def write_analysis(result: Analysis, out_dir: str | Path) -> Path:
    """Store every table as Parquet in ``out_dir``, each checked against its contract first."""
    out_dir = Path(out_dir)
    for name in TABLES:
        write_parquet(out_dir / f"{name}.parquet", conform(name, getattr(result, name)))
    return out_dir


def read_analysis(out_dir: str | Path) -> Analysis:
    """Every stored table, each checked against its contract."""
    return Analysis(**{name: read_table(out_dir, name) for name in TABLES})
