"""The mergeable sums of a survey's Likert answers, per unit (``pipeline.stats.moments``).

Every unit-vs-rest test, the area's dimension means, the unfavourable shares, reliability, KMO and Bartlett,
Welch's ANOVA with Games–Howell and the correlations of dimensions are computed from these sums, never from a
respondent × item matrix: a survey is summarised ``PART_ROWS`` rows at a time (or part by part wherever its
parts come from) and the parts' sums added. Items are option codes and a dimension score is the mean of
between half and all of its items, so both are summed exactly (``score_scales``): any partition gives the
same statistics, bit for bit (scores of a dimension with very many items are summed in floating point).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.counts import AnswerCounts, answer_counts
from pipeline.analyze.scores import (
    answer_codes,
    dimension_scores,
    item_scores,
    scales_of,
    unfavourable_answers,
)
from pipeline.analyze.waves import EarlierWave, added_up, earlier_scores, wave_scores, wave_sums
from pipeline.common.errors import SurveyError
from pipeline.questionnaire import Questionnaire
from pipeline.stats.design import DesignSums
from pipeline.stats.moments import Moments
from pipeline.stats.raking import RakeCells, RakeFactors

PART_ROWS = 1 << 16  # rows summarised at a time: memory holds this many rows' items as floats
SEP = "\0"  # between a unit and a group in one label (no option text holds it)
OVERALL = "\0overall"  # the overall answer's column among the drivers' (no dimension id can be this)


@dataclass(frozen=True)
class LikertSums:
    """All by unit: item scores, dimension scores and unfavourable answers (1/0); the items of the rows that
    answered every item (KMO and Bartlett use those only); the dimension scores with the overall answer
    (last column) of the rows that have all of them (the drivers); per group question, the dimension scores
    by unit and group (``within``); per earlier wave, the dimension scores on the items both waves asked."""

    items: Moments
    scores: Moments
    unfavourable: Moments
    complete: Moments
    drivers: Moments
    groups: dict[str, Moments]
    waves: dict[str, Moments]

    def __add__(self, other: LikertSums) -> LikertSums:
        return LikertSums(*(_add(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)))

    def only(self, units: set[str]) -> LikertSums:
        """The sums of these units' rows only (units too small to show leave no trace in any statistic)."""

        def keep(m: Moments, unit_of=lambda g: g) -> Moments:
            return m.take([g for g in m.groups if unit_of(g) in units])

        def grouped(m: Moments) -> Moments:
            return keep(m, lambda g: split_within(g)[0])

        return LikertSums(keep(self.items), keep(self.scores), keep(self.unfavourable), keep(self.complete),
                          keep(self.drivers), {k: grouped(v) for k, v in self.groups.items()},
                          {k: keep(v) for k, v in self.waves.items()})


def _add(a: Moments | dict[str, Moments], b: Moments | dict[str, Moments]) -> Moments | dict[str, Moments]:
    return {k: v + b[k] for k, v in a.items()} if isinstance(a, dict) else a + b


@dataclass(frozen=True)
class Answers:
    """One part's Likert answers as the sums need them, worked out once: item scores, dimension scores and
    unfavourable answers (1/0), per row."""

    items: pd.DataFrame
    scores: pd.DataFrame
    unfavourable: pd.DataFrame

    @classmethod
    def of(cls, part: pd.DataFrame, q: Questionnaire) -> Answers:
        ids = [it.id for it in q.likert_items]
        return cls(item_scores(part, q, ids), dimension_scores(part, q),
                   unfavourable_answers(part[ids].astype(float), q))


def likert_sums(part: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire,
                previous: Iterable[EarlierWave] = (), answers: Answers | None = None,
                cells: dict[str, pd.Series] | None = None) -> LikertSums:
    """The sums of one part of the cleaned responses (``unit``: each row's unit; ``previous``: the earlier
    waves compared with; ``answers``: the part's ``Answers`` and ``cells`` its (unit, group) labels per group
    question, where already worked out)."""
    q = questionnaire
    answers = answers or Answers.of(part, q)
    ids = [it.id for it in q.likert_items]
    items, scores = answers.items, answers.scores
    scales = scales_of(q, list(scores.columns))
    overall = (answer_codes(part[q.overall.id]).to_numpy(dtype=float) + q.score_shifts[q.overall.id]
               if q.overall is not None else np.nan)
    drivers = scores.assign(**{OVERALL: overall})
    ones = [1] * len(ids)
    complete = items.notna().all(axis=1).to_numpy()
    answered = drivers.notna().all(axis=1).to_numpy()
    return LikertSums(
        items=Moments.of(items, unit, ones),
        scores=Moments.of(scores, unit, scales),
        unfavourable=Moments.of(answers.unfavourable, unit, ones, pairs=False),
        complete=Moments.of(items.loc[complete], unit.loc[complete], ones),
        drivers=Moments.of(drivers.loc[answered], unit.loc[answered],
                           [*scales, 1] if scales is not None else None),
        groups={qid: Moments.of(scores, label, scales)
                for qid, label in (cells or group_cells(part, unit, q)).items()},
        waves=wave_sums(part, unit, q, previous),
    )


@dataclass(frozen=True)
class DesignedSums:
    """Under a declared design, the weighted sums per PSU (``pipeline.stats.design``): of every column the
    design tables read (``whole``), per group question of the dimension scores by (unit, group) (``within``
    labels: ``groups``), and per earlier wave of the dimension scores on the items both waves asked
    (``waves``); parts' sums add up."""

    whole: DesignSums
    groups: dict[str, DesignSums]
    waves: dict[str, DesignSums]

    def __add__(self, other: DesignedSums) -> DesignedSums:
        return DesignedSums(self.whole + other.whole, _add(self.groups, other.groups),
                            _add(self.waves, other.waves))

    def only(self, units: set[str]) -> DesignedSums:
        cells = {label for g in self.groups.values() for label in g.keys["unit"].unique()
                 if split_within(label)[0] in units}
        return DesignedSums(self.whole.only(units), {k: v.only(cells) for k, v in self.groups.items()},
                            {k: v.only(units) for k, v in self.waves.items()})


@dataclass(frozen=True)
class SurveySums:
    """All the analysis reads of a survey's rows: its Likert answers' sums and its other answers' counts, per
    unit, and with a declared design its weighted sums per PSU (``design_sums``); parts' sums add up."""

    likert: LikertSums
    answers: AnswerCounts
    design: DesignedSums | None = None

    def __add__(self, other: SurveySums) -> SurveySums:
        design = self.design + other.design if self.design is not None else None
        return SurveySums(self.likert + other.likert, self.answers + other.answers, design)

    def only(self, units: set[str]) -> SurveySums:
        """These units' sums only (``answers.units`` keeps every unit's rows)."""
        return SurveySums(self.likert.only(units), self.answers.only(units),
                          self.design.only(units) if self.design is not None else None)


# the design sums' columns: dimension scores, item scores, unfavourable answers (1/0), satisfied (1/0), and a
# column of ones (its effective sample is Kish's for every respondent)
DIMENSION, ITEM, UNFAVOURABLE, SATISFIED, EVERYONE = "d:", "i:", "u:", "satisfied", "everyone"
CHOICE = "c:"  # a profile question's option chosen (1/0): "c:<question>=<code>", for Rao–Scott's test
MULTI = "m:"  # a multiple choice's option chosen (1/0) by the rows answering it: "m:<question>=<code>"


def choice_columns(q: Questionnaire) -> dict[str, list[str]]:
    """Per single-choice profile question (not the unit): its options' indicators in the design sums."""
    return {p.id: [f"{CHOICE}{p.id}={k}" for k in range(1, len(p.options) + 1)]
            for p in q.profile if p.type == "single" and p.role != "unit"}


def multi_columns(q: Questionnaire) -> dict[str, list[str]]:
    """Per multiple-choice question: its options' indicators in the design sums."""
    return {m.id: [f"{MULTI}{m.id}={k}" for k in range(1, len(m.options) + 1)]
            for m in q.questions if m.type == "multi"}


def base_weights(part: pd.DataFrame, questionnaire: Questionnaire) -> pd.Series:
    """Each row's weight from the design's weight question (1 without one). A row without a positive weight
    is an error naming how many there are (a silent weight would misstate every estimate)."""
    weight_id = questionnaire.design_columns()[0]
    if weight_id is None:  # no declared weight (or no design): every row weighs 1
        return pd.Series(1.0, index=part.index)
    weight = pd.to_numeric(part[weight_id], errors="coerce")
    bad = int((~(weight > 0)).sum())
    if bad:
        raise SurveyError(f"抽样设计的权重题“{weight_id}”有{bad}份有效答卷的权重缺失或不是正数；"
                          "请在原始数据中补齐权重，或从问卷的 design 中去掉 weight")
    return weight


def rake_cells(part: pd.DataFrame, questionnaire: Questionnaire) -> RakeCells:
    """A part's base weight per unit and combination of answers to the design's raking questions."""
    q = questionnaire
    assert q.design is not None
    return RakeCells.of(part, part[q.unit_question.id], tuple(q.design.rake), base_weights(part, q))


def row_design(part: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire,
               raking: RakeFactors | None = None) -> tuple[pd.Series, pd.Series | None, pd.Series | None]:
    """Each row's weight (its base weight, times its cell's raking factor with ``raking``), stratum and PSU
    under the questionnaire's design (None: one stratum; each respondent a PSU); without a declared design,
    weights of 1, one stratum and each respondent a PSU."""
    _, strata_id, cluster_id = questionnaire.design_columns()
    weight = base_weights(part, questionnaire)
    if raking is not None:
        weight = raking.weights(part, unit, weight)
    stratum = unit if strata_id == "unit" else (part[strata_id] if strata_id is not None else None)
    return weight, stratum, part[cluster_id] if cluster_id is not None else None


def design_sums(part: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire,
                answers: Answers | None = None, raking: RakeFactors | None = None,
                cells: dict[str, pd.Series] | None = None,
                previous: Iterable[EarlierWave] = ()) -> DesignedSums | None:
    """The weighted sums per PSU of one part, where the questionnaire declares a design (else None): of every
    column the design tables read, per group question (``cells``: its rows' ``within`` labels) of the
    dimension scores by (unit, group), and per earlier wave of the scores both waves can compare; with
    ``raking``, each row's base weight times its cell's raking factor."""
    q = questionnaire
    if q.design is None:
        return None
    weight, stratum, psu = row_design(part, unit, q, raking)
    answers = answers or Answers.of(part, q)
    values = pd.concat([answers.scores.add_prefix(DIMENSION), answers.items.add_prefix(ITEM),
                        answers.unfavourable.add_prefix(UNFAVOURABLE)], axis=1)
    if q.overall is not None:
        codes = answer_codes(part[q.overall.id])
        values[SATISFIED] = codes.isin(q.satisfied_codes()).astype(float).where(codes.notna())
    for qid, columns in choice_columns(q).items():
        codes = answer_codes(part[qid])
        for k, column in enumerate(columns, start=1):
            values[column] = (codes == k).astype(float).where(codes.notna())
    for qid, columns in multi_columns(q).items():
        chosen = part[[f"{qid}__{k}" for k in range(1, len(columns) + 1)]].astype("Float64")
        answered = chosen.notna().any(axis=1)
        values[columns] = chosen.fillna(0).where(answered, np.nan).astype(float).to_numpy()
    values[EVERYONE] = 1.0
    cells = cells or group_cells(part, unit, q)
    return DesignedSums(
        DesignSums.of(values, weight, unit, stratum, psu),
        {qid: DesignSums.of(answers.scores, weight, label, stratum, psu) for qid, label in cells.items()},
        {name: DesignSums.of(scores, weight, unit, stratum, psu)
         for name, scores in wave_scores(part, q, previous).items()},
    )


def earlier_design_sums(earlier: EarlierWave, q: Questionnaire) -> DesignSums:
    """An earlier wave's weighted sums per PSU of the scores both waves can compare, under its own
    questionnaire's design (its raking factors as its analysis stored them); an earlier wave without a
    declared design counts as a simple random sample (weights of 1, each respondent a PSU)."""
    eq = earlier.questionnaire

    def summed(part: pd.DataFrame) -> DesignSums:
        own = part[eq.unit_question.id].astype("string")
        try:
            weight, stratum, psu = row_design(part, own, eq, earlier.raking)
        except SurveyError as e:
            raise SurveyError(f"往次调查“{earlier.title}”：{e}") from e
        unit, scores = earlier_scores(part, earlier, q)
        return DesignSums.of(scores, weight, unit, unit if stratum is own else stratum, psu)

    return added_up(map(summed, earlier.parts()))


def part_sums(part: pd.DataFrame, questionnaire: Questionnaire,
              previous: Iterable[EarlierWave] = (), raking: RakeFactors | None = None) -> SurveySums:
    """The sums and counts of one part of the cleaned responses (``raking``: the design's raking factors)."""
    q = questionnaire
    previous = list(previous)
    unit = part[q.unit_question.id].astype("string")
    answers = Answers.of(part, q)
    cells = group_cells(part, unit, q)
    return SurveySums(likert_sums(part, unit, q, previous, answers, cells),
                      answer_counts(part, unit, q, list(group_questions(q))),
                      design_sums(part, unit, q, answers, raking, cells, previous))


def survey_sums(kept: pd.DataFrame, questionnaire: Questionnaire, previous: Iterable[EarlierWave] = (),
                rows: int | None = None, raking: RakeFactors | None = None) -> SurveySums:
    """``part_sums`` of ``kept``, ``rows`` (default ``PART_ROWS``) rows at a time, added."""
    rows = rows or PART_ROWS
    return read_sums((kept.iloc[start:start + rows] for start in range(0, max(len(kept), 1), rows)),
                     questionnaire, previous, raking)


def read_sums(parts: Iterable[pd.DataFrame], questionnaire: Questionnaire,
              previous: Iterable[EarlierWave] = (), raking: RakeFactors | None = None) -> SurveySums:
    """The sums (``part_sums``) of the cleaned responses read part by part, added as they come."""
    previous = list(previous)
    return added(part_sums(part, questionnaire, previous, raking) for part in parts)


def row_group_sums(directory: Path, index: int, questionnaire: Questionnaire,
                   previous: list[EarlierWave], raking: RakeFactors | None = None) -> SurveySums:
    """``read_sums`` of one row group of the stored responses (a task on a Dask worker, which reads it from
    the file system the workers share)."""
    from pipeline.common.tables import read_row_group

    part = read_row_group(directory, "responses", index, columns=analysis_columns(questionnaire))
    return read_sums([part], questionnaire, previous, raking)


def added(sums: Iterable[SurveySums]) -> SurveySums:
    """The sums of several parts, added one at a time (never all held)."""
    total = None
    for part in sums:
        total = part if total is None else total + part
    if total is None:
        raise SurveyError("清洗后的数据中没有答卷，无法分析；请先运行 survey clean")
    return total


def analysis_columns(questionnaire: Questionnaire) -> list[str]:
    """The columns of the cleaned responses the analysis reads: the submit time and every question's (a
    multiple choice's one per option)."""
    out = ["submitted_at"]
    for question in questionnaire.questions:
        if question.type == "multi":
            out += [f"{question.id}__{k}" for k in range(1, len(question.options) + 1)]
        else:
            out.append(question.id)
    return out


def within(unit: pd.Series, group: pd.Series) -> pd.Series:
    """Each row's (unit, group) as one label (``split_within`` takes it apart); missing where either is."""
    return (unit.astype("string") + SEP + group.astype("string")).astype(object)


def group_cells(part: pd.DataFrame, unit: pd.Series, q: Questionnaire) -> dict[str, pd.Series]:
    """Per group question, each row's (unit, group) label (``within``)."""
    return {qid: within(unit, part[qid]) for qid in group_questions(q)}


def split_within(label: str) -> tuple[str, str]:
    unit, group = label.split(SEP, 1)
    return unit, group


def group_questions(q: Questionnaire) -> dict[str, str]:
    """The respondent groups a problem is looked for in: single-choice profile questions (not the unit) and
    the community question; id → how a sentence names the group's question ("" for communities)."""
    out = {p.id: p.short for p in q.profile if p.type == "single" and p.role != "unit"}
    community = q.role("community")
    if community is not None:
        out[community.id] = ""
    return out


def item_dimensions(questionnaire: Questionnaire) -> pd.Series:
    """Item id → its dimension id."""
    return pd.Series({it.id: it.dimension for it in questionnaire.likert_items})


def unfavourable_shares(sums: LikertSums) -> pd.DataFrame:
    """Per (unit, item): the share of unfavourable answers among the unit's answers, and the rest of the
    area's (``unfavourable``, ``rest_unfavourable``)."""
    m = sums.unfavourable  # the mean of 1/0 answers is their share
    share, rest_share = m.mean(), m.rest().mean()
    index = pd.MultiIndex.from_product([list(m.groups), list(m.columns)], names=["unit", "item"])
    return pd.DataFrame({"unfavourable": share.reshape(-1), "rest_unfavourable": rest_share.reshape(-1)},
                        index=index)

