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
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.answer_tables import (
    _multi_select,
    _open_answers,
    composition_table,
    judge_shares,
    unit_counts,
)
from pipeline.analyze.counts import AnswerCounts
from pipeline.analyze.design_tables import (
    area_design,
    chi2_design,
    design_summary,
    design_tests,
    multi_design,
    satisfaction_design,
    subgroup_design,
    unfavourable_design,
)
from pipeline.analyze.disclosure import apply_disclosure, disclose_subgroups
from pipeline.analyze.evidence import EVIDENCE_COLUMNS, evaluated, unit_problems
from pipeline.analyze.ranking import dimension_small_area, satisfaction_ranks
from pipeline.analyze.sums import (
    DIMENSION,
    ITEM,
    LikertSums,
    SurveySums,
    earlier_design_sums,
    group_questions,
    item_dimensions,
    split_within,
    survey_sums,
    unfavourable_shares,
)
from pipeline.analyze.trends import TREND_COLUMNS, trend_table
from pipeline.analyze.waves import EarlierWave, WaveDesign, changes
from pipeline.clean import KEPT
from pipeline.common.atomic import write_parquet
from pipeline.common.contracts import conform
from pipeline.common.errors import SurveyError
from pipeline.common.names import DISTRICT
from pipeline.common.rules import ALPHA, MIN_CELL, MIN_N_TEST
from pipeline.common.tables import read_table
from pipeline.fieldwork.facts import FACT_COLUMNS
from pipeline.fieldwork.notes import Notes, fieldwork_table
from pipeline.questionnaire import Questionnaire
from pipeline.stats.comparisons import (
    chi2_tables,
    compare_moments,
    correlation_moments,
    fdr,
    welch_anova_moments,
)
from pipeline.stats.descriptives import mean_ci
from pipeline.stats.design import DesignSums, Strata
from pipeline.stats.drivers import driver_moments, ipa_table
from pipeline.stats.moments import Moments
from pipeline.stats.raking import RakeFactors
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
    trends: pd.DataFrame  # over three or more waves (``pipeline.analyze.trends``); empty with fewer
    fieldwork: pd.DataFrame  # 座谈、走访 notes' paragraphs (``pipeline.fieldwork``); empty without any
    facts: pd.DataFrame  # facts about each unit (``pipeline.fieldwork.facts``); empty without any


TABLES = tuple(f.name for f in fields(Analysis))


def unit_tests(sums: Moments, by: str) -> pd.DataFrame:
    """Unit-vs-rest comparisons (``compare_moments``, against the rest without its two most influential
    units) with the size guard, FDR over the family and suppression flags."""
    return judged(compare_moments(sums, by, "unit", robust=True))


def judged(t: pd.DataFrame) -> pd.DataFrame:
    """Comparisons with the size guard, FDR over the family and suppression flags."""
    t["tested"] = (t["n"] >= MIN_N_TEST) & t["p"].notna()
    t["p_fdr"] = fdr(t["p"].where(t["tested"]))
    t["significant"] = t["tested"] & (t["p_fdr"] < ALPHA)
    t["suppressed"] = t["n"] < MIN_CELL
    return t


def unit_comparisons(sums: LikertSums, q: Questionnaire, weighted: pd.DataFrame | None = None,
                     strata: Strata | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each unit against the rest of the area, per dimension and per item (see ``unit_tests``), with the share
    of unfavourable answers, and weighted dimension means where there are weights (``weighted``:
    ``weighted_dimensions``); under a declared design (``strata``) every figure and test from the design
    (``pipeline.analyze.design_tables``).

    Returns
    -------
    dimensions : one row per (unit, dimension): the columns of ``compare_moments`` plus ``tested``,
        ``p_fdr``, ``significant``, ``suppressed``, ``dimension_name``, ``unfavourable`` (and, with weights,
        ``mean_weighted``, ``n_effective``).
    items : one row per (unit, item): the same, plus ``item_text`` and ``dimension``.
    """
    names = q.dimension_names()
    order = {d.id: i for i, d in enumerate(q.dimensions)}
    if strata is None:
        ud, ui = unit_tests(sums.scores, "dimension"), unit_tests(sums.items, "item")
        unfavourable = unfavourable_shares(sums)
    else:
        ud = judged(design_tests(strata, DIMENSION, "dimension"))
        ui = judged(design_tests(strata, ITEM, "item"))
        unfavourable = unfavourable_design(strata)
    ud["dimension_name"] = ud["dimension"].map(names)
    ui["item_text"] = ui["item"].map({it.id: it.text for it in q.likert_items})
    ui["dimension"] = ui["item"].map(item_dimensions(q))
    ui = ui.merge(unfavourable.reset_index(), on=["unit", "item"], how="left")
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


def subgroup_gaps(sums: LikertSums, problems: pd.DataFrame, q: Questionnaire,
                  design: tuple[dict[str, DesignSums], Strata] | None = None) -> pd.DataFrame:
    """Where a unit's problem concentrates: within each unit, each of its problems (``evidence``) compared
    across respondent groups (each group against the rest of the unit: Welch t, Hedges g, from the sums by
    unit and group; under a declared ``design``, the design-based t test of weighted means from its sums by
    unit and group, ``subgroup_design``), with FDR over all these tests together and the same disclosure rule
    (a group or its rest under ``MIN_CELL`` is not tested and its mean not stored).

    Returns
    -------
    pandas.DataFrame
        One row per (unit, dimension, question, group): ``SUBGROUP_COLUMNS``.
    """
    questions = group_questions(q)
    if design is not None and not problems.empty:
        cells, strata = design
        by_design = {qid: subgroup_design(cells[qid], strata) for qid in questions}
    parts = []
    for u, dims in problems[["unit", "dimension"]].groupby("unit", sort=False)["dimension"]:
        for qid, label in questions.items():
            by = sums.groups[qid]
            labels = [g for g in by.groups if split_within(g)[0] == u]
            if len(labels) < 2:
                continue
            if design is None:
                t = compare_moments(by.take(labels).columns_of(list(dims)), "dimension", "group")
            else:
                t = by_design[qid]
                t = t.loc[t["group"].isin(labels) & t["dimension"].isin(list(dims))]
            t = t.assign(group=[split_within(g)[1] for g in t["group"]])
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


def _between_units(likert: LikertSums, names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Welch's ANOVA per dimension and the Games–Howell pairs, each judged significant here, once."""
    anova, gh = welch_anova_moments(likert.scores, names)
    anova = anova.assign(significant=(anova.get("p", pd.Series(dtype=float)) < ALPHA).astype(bool))
    return anova, gh.assign(significant=(gh.get("pval", pd.Series(dtype=float)) < ALPHA).astype(bool))


def _who_answered(counts: AnswerCounts, audit: pd.Series, q: Questionnaire) -> dict[str, pd.DataFrame]:
    """The units, the area and the communities with their counts and suggestions; the rejected rows by unit
    and rule; the open answers' themes, quotes and words."""
    units, district, communities = unit_counts(counts, audit, q)
    suggestions, themes, quotes, words = _open_answers(counts, q)
    units["suggestions"] = units["unit"].map(suggestions).fillna(0).astype(int)
    district["suggestions"] = int(suggestions.sum())
    rows = audit.rename("count").reset_index()
    rejections = rows.loc[rows["status"] != KEPT].groupby(["unit", "rule"])["count"].sum().reset_index()
    return dict(units=units, district=district, communities=communities, rejections=rejections, themes=themes,
                quotes=quotes, keywords=words)


def analyze(kept: pd.DataFrame | None, audit: pd.Series, questionnaire: Questionnaire,
            weighting: Weighting | None = None,
            waves: list[EarlierWave] | None = None, sums: SurveySums | None = None,
            raking: RakeFactors | None = None, notes: Notes | None = None,
            facts: pd.DataFrame | None = None) -> Analysis:
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
    raking : the design's raking factors (``pipeline.stats.raking``), where it rakes to population margins.
    notes : the survey's fieldwork notes (``pipeline.fieldwork``), where it has any.
    facts : the declared facts about each unit (``pipeline.fieldwork.facts.read_facts``).

    Returns
    -------
    Analysis : the stored tables; ``pipeline.common.contracts`` declares each one's columns.
    """
    q = questionnaire
    if sums is None:
        sums = survey_sums(kept, q, waves or [], raking=raking)
    # units too small to show leave no trace in any statistic (``disclosure``): the rest is analysed
    valid = sums.answers.units
    sums = sums.only(set(valid.index[valid >= MIN_CELL]))
    counts, names = sums.answers, q.dimension_names()
    likert = sums.likert
    strata = sums.design.whole.by_stratum() if sums.design is not None else None
    if strata is not None and weighting is not None:
        raise SurveyError("问卷已声明抽样设计（design），不能再用 --population 做事后加权；"
                          "请把权重放进数据的权重题，或在 design 的 rake 中列出加权题"
                          "（--population 即为其人口边际表），"
                          "或去掉问卷的 design")
    weighted = weighted_dimensions(likert, counts, weighting) if weighting is not None else None
    ud, ui = unit_comparisons(likert, q, weighted, strata)
    dd, rel, item_rel = district_dimensions(likert, q)
    who = _who_answered(counts, audit, q)
    if strata is not None:  # suggestions are counted, not weighted: no test of their themes under a design
        who["themes"] = who["themes"].assign(p_fdr=np.nan, significant=False)
        dd = area_design(strata, dd, q)
        if q.overall is not None:
            who["units"] = satisfaction_design(strata, who["units"], area=False)
            who["district"] = satisfaction_design(strata, who["district"], area=True)
        who["district"]["n_effective"] = design_summary(strata)["n_effective"]
    validity, item_kmo = kmo_moments(likert.complete)
    anova, gh = _between_units(likert, names)
    chi2 = chi2_tables(counts.answers,
                       {p.id: p.text for p in q.profile if p.type == "single" and p.role != "unit"})
    if sums.design is not None:
        chi2 = chi2_design(sums.design.whole, chi2, q)
    drivers = driver_moments(likert.drivers, names)  # without an overall question: every importance NaN
    shown = apply_disclosure(
        Analysis(
            **who,
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
            # quadrants judge (重点改进区): for the dimensions a higher score is better on only
            ipa=ipa_table(ud.loc[ud["dimension"].isin(evaluated(q))], drivers,
                          dd.set_index("dimension")["mean"]),
            composition=composition_table(counts, q),
            problems=_multi_select(counts, q) if strata is None else judge_shares(
                multi_design(strata, _multi_select(counts, q), q)),
            subgroups=subgroup_gaps(likert, pd.DataFrame(columns=["unit", "dimension"]), q),
            changes=changes(likert.waves, q, waves or [], None if sums.design is None else WaveDesign(
                sums.design.waves, partial(earlier_design_sums, q=q))),
            unit_problems=pd.DataFrame(columns=EVIDENCE_COLUMNS),
            trends=pd.DataFrame(columns=TREND_COLUMNS),
            fieldwork=fieldwork_table(notes),
            facts=facts if facts is not None else pd.DataFrame(columns=FACT_COLUMNS),
        )
    )
    # every unit's problems, from what disclosure control lets be shown; where each concentrates
    problems = unit_problems(shown.unit_dimensions, shown.district_dimensions, shown.changes, q)
    area_rate = shown.district["satisfaction_rate"].iloc[0] if "satisfaction_rate" in shown.district else None
    latest = sums.answers.latest
    year = None if latest is None or pd.isna(latest) else int(pd.Timestamp(latest).year)
    return replace(shown, unit_problems=problems, units=satisfaction_ranks(shown.units, area_rate),
                   unit_dimensions=dimension_small_area(shown.unit_dimensions),
                   trends=trend_table(shown.changes, year),
                   subgroups=disclose_subgroups(subgroup_gaps(
                       likert, problems, q, (sums.design.groups, strata) if strata is not None else None)))


def write_analysis(result: Analysis, out_dir: str | Path) -> Path:
    """Store every table as Parquet in ``out_dir``, each checked against its contract first."""
    out_dir = Path(out_dir)
    for name in TABLES:
        write_parquet(out_dir / f"{name}.parquet", conform(name, getattr(result, name)))
    return out_dir


def read_analysis(out_dir: str | Path) -> Analysis:
    """Every stored table, each checked against its contract."""
    return Analysis(**{name: read_table(out_dir, name) for name in TABLES})
