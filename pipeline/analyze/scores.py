"""Per respondent: answer codes, dimension scores and unfavourable answers (the inputs of every table); the
scale that makes every possible dimension score a whole number (``score_scales``: exact sums)."""

from __future__ import annotations

from math import ceil, lcm

import numpy as np
import pandas as pd

from pipeline.questionnaire import Questionnaire

EXACT_SCORE_LIMIT = 1 << 26  # a scaled score below this has a square below 2⁵³ (``Moments``: exact sums)


def answer_codes(values: pd.Series) -> pd.Series:
    """1-based option codes of a Likert or single-choice answer column (NaN where unanswered)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.astype(float) + 1
        return codes.where(codes > 0)
    return values.astype(float)


def unfavourable_answers(items: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per respondent and (reverse-coded) item: 1.0 where the answer is among its scale's unfavourable
    options, 0.0 where it is not, NaN where unanswered."""
    out = {}
    for it in questionnaire.likert_items:
        codes = questionnaire.scale_codes(it.scale or "", "unfavourable")
        out[it.id] = items[it.id].isin(codes).astype(float).where(items[it.id].notna())
    return pd.DataFrame(out, index=items.index)


def item_scores(kept: pd.DataFrame, questionnaire: Questionnaire, ids: list[str]) -> pd.DataFrame:
    """Respondent × item score: the option code, shifted where the options carry their own numbers (a 0–10
    item's "0" scores 0, not 1; ``Questionnaire.score_shifts``)."""
    shifts = questionnaire.score_shifts
    return kept[ids].astype(float).add(pd.Series({i: shifts.get(i, 0) for i in ids}, dtype=float))


def dimension_scores(kept: pd.DataFrame, questionnaire: Questionnaire,
                     items_of: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Respondent × dimension mean item score (NaN when fewer than half the items are answered; scored as the
    options' numbers where they carry them); with ``items_of``, on those items of each dimension only (waves
    compare dimensions on their shared items)."""
    out = {}
    shifts = questionnaire.score_shifts
    for dim, items in (items_of if items_of is not None else questionnaire.dimension_items()).items():
        block = kept[items].astype("Float64")
        enough = block.notna().sum(axis=1) >= np.ceil(len(items) / 2)
        out[dim] = block.mean(axis=1, skipna=True).where(enough) + shifts.get(dim, 0)
    return pd.DataFrame(out, index=kept.index).astype(float)


def score_scales(questionnaire: Questionnaire,
                 items_of: dict[str, list[str]] | None = None) -> dict[str, int] | None:
    """Per dimension (on ``items_of`` where given, as ``dimension_scores``), a number that makes every
    possible score whole: a score is a sum of codes divided by the number of items answered, at least half
    of them. None where a scaled score would be too large to sum exactly (a dimension of very many items,
    e.g. a draft's): the scores are then summed in floating point (mergeable, exact up to rounding)."""
    items_of = items_of if items_of is not None else questionnaire.dimension_items()
    scales = {dim: lcm(*range(ceil(len(items) / 2) or 1, len(items) + 1)) for dim, items in items_of.items()}
    shifts = questionnaire.score_shifts.values()
    top = max((len(options) for options in questionnaire.likert_scales.values()), default=1) + max(
        [0, *(abs(s) for s in shifts)])
    return scales if max(scales.values(), default=1) * top < EXACT_SCORE_LIMIT else None


def scales_of(questionnaire: Questionnaire, dimensions: list[str]) -> list[int] | None:
    """``score_scales`` of these dimensions, in this order (None: summed in floating point)."""
    scales = score_scales(questionnaire)
    return [scales[d] for d in dimensions] if scales is not None else None
