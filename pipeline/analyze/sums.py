"""The mergeable sums of a survey's Likert answers, per unit (``pipeline.stats.moments``).

Every unit-vs-rest test, the area's dimension means, the unfavourable shares, reliability, KMO and Bartlett,
Welch's ANOVA with Games–Howell and the correlations of dimensions are computed from these sums, never from a
respondent × item matrix: a survey is summarised ``PART_ROWS`` rows at a time (or part by part wherever its
parts come from) and the parts' sums added. Items are option codes and a dimension score is the mean of
between half and all of its items, so both are summed exactly (``score_scales``): any partition gives the
same statistics, bit for bit (scores of a dimension with very many items are summed in floating point).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from math import ceil, lcm

import numpy as np
import pandas as pd

from pipeline.analyze.scores import answer_codes, dimension_scores, unfavourable_answers
from pipeline.questionnaire import Questionnaire
from pipeline.stats.moments import Moments

PART_ROWS = 1 << 16  # rows summarised at a time: memory holds this many rows' items as floats
SEP = "\0"  # between a unit and a group in one label (no option text holds it)
OVERALL = "\0overall"  # the overall answer's column among the drivers' (no dimension id can be this)
EXACT_SCORE_LIMIT = 1 << 26  # a scaled score below this has a square below 2⁵³ (``Moments``: exact sums)


@dataclass(frozen=True)
class LikertSums:
    """Per unit: item scores, dimension scores and unfavourable answers (1/0). Over all units as one group:
    the items of the rows that answered every item (KMO and Bartlett use those only), and the dimension
    scores with the overall answer (last column) of the rows that have all of them (the drivers)."""

    items: Moments
    scores: Moments
    unfavourable: Moments
    complete: Moments
    drivers: Moments
    groups: dict[str, Moments]  # per group question: dimension scores by unit and group (``within``)

    def __add__(self, other: LikertSums) -> LikertSums:
        added = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)
                 if f.name != "groups"}
        return LikertSums(**added, groups={k: v + other.groups[k] for k, v in self.groups.items()})


def score_scales(questionnaire: Questionnaire) -> dict[str, int] | None:
    """Per dimension, a number that makes every possible score whole: a score is a sum of codes divided by
    the number of items answered, at least half of them (``dimension_scores``). None where a scaled score
    would be too large to sum exactly (a dimension of very many items, e.g. a draft's): the scores are then
    summed in floating point (mergeable, exact up to rounding)."""
    scales = {dim: lcm(*range(ceil(len(items) / 2) or 1, len(items) + 1))
              for dim, items in questionnaire.dimension_items().items()}
    top = max((len(options) for options in questionnaire.likert_scales.values()), default=1)
    return scales if max(scales.values(), default=1) * top < EXACT_SCORE_LIMIT else None


def scales_of(questionnaire: Questionnaire, dimensions: list[str]) -> list[int] | None:
    """``score_scales`` of these dimensions, in this order (None: summed in floating point)."""
    scales = score_scales(questionnaire)
    return [scales[d] for d in dimensions] if scales is not None else None


def likert_sums(part: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire) -> LikertSums:
    """The sums of one part of the cleaned responses (``unit``: each row's unit)."""
    q = questionnaire
    ids = [it.id for it in q.likert_items]
    items = part[ids].astype(float)
    scores = dimension_scores(part, q)
    scales = scales_of(q, list(scores.columns))
    overall = answer_codes(part[q.overall.id]).to_numpy(dtype=float) if q.overall is not None else np.nan
    drivers = scores.assign(**{OVERALL: overall})
    ones = [1] * len(ids)
    return LikertSums(
        items=Moments.of(items, unit, ones),
        scores=Moments.of(scores, unit, scales),
        unfavourable=Moments.of(unfavourable_answers(items, q), unit, ones, pairs=False),
        complete=Moments.of(items.loc[items.notna().all(axis=1).to_numpy()], None, ones),
        drivers=Moments.of(drivers.loc[drivers.notna().all(axis=1).to_numpy()], None,
                           [*scales, 1] if scales is not None else None),
        groups={qid: Moments.of(scores, within(unit, part[qid]), scales) for qid in group_questions(q)},
    )


def within(unit: pd.Series, group: pd.Series) -> pd.Series:
    """Each row's (unit, group) as one label (``split_within`` takes it apart); missing where either is."""
    return (unit.astype("string") + SEP + group.astype("string")).astype(object)


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


def survey_sums(kept: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire,
                rows: int | None = None) -> LikertSums:
    """``likert_sums`` of ``kept``, ``rows`` (default ``PART_ROWS``) rows at a time, added."""
    rows = rows or PART_ROWS
    total = None
    for start in range(0, max(len(kept), 1), rows):
        part = likert_sums(kept.iloc[start:start + rows], unit.iloc[start:start + rows], questionnaire)
        total = part if total is None else total + part
    return total


def item_dimensions(questionnaire: Questionnaire) -> pd.Series:
    """Item id → its dimension id."""
    return pd.Series({it.id: it.dimension for it in questionnaire.likert_items})


def unfavourable_shares(sums: LikertSums) -> pd.DataFrame:
    """Per (unit, item): the share of unfavourable answers among the unit's answers, and the rest of the
    area's (``unfavourable``, ``rest_unfavourable``)."""
    m, rest = sums.unfavourable, sums.unfavourable.rest()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = m.sum() / m.count()
        rest_share = rest.sum() / rest.count()
    index = pd.MultiIndex.from_product([list(m.groups), list(m.columns)], names=["unit", "item"])
    return pd.DataFrame({"unfavourable": share.reshape(-1), "rest_unfavourable": rest_share.reshape(-1)},
                        index=index)

