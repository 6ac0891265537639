"""Per respondent: answer codes, dimension scores and unfavourable answers (the inputs of every table)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.questionnaire import Questionnaire


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


def dimension_scores(kept: pd.DataFrame, questionnaire: Questionnaire,
                     items_of: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Respondent × dimension mean item score (NaN when fewer than half the items are answered); with
    ``items_of``, on those items of each dimension only (waves compare dimensions on their shared items)."""
    out = {}
    for dim, items in (items_of if items_of is not None else questionnaire.dimension_items()).items():
        block = kept[items].astype("Float64")
        enough = block.notna().sum(axis=1) >= np.ceil(len(items) / 2)
        out[dim] = block.mean(axis=1, skipna=True).where(enough)
    return pd.DataFrame(out, index=kept.index).astype(float)
