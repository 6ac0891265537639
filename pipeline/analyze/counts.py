"""The mergeable counts of a survey's answers other than its Likert items, per unit.

Composition, χ² of profile by unit, communities covered, satisfaction, multiple-choice shares and the open
answers' themes, quotes and keywords are all computed from how many rows gave each (unit, answer): a survey
read part by part (or on Dask workers) is counted part by part and the counts added (``tally``). What is held
grows with the distinct answers, never with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import pandas as pd

from pipeline.analyze.scores import answer_codes
from pipeline.common.tallies import add_tallies, tally
from pipeline.questionnaire import Questionnaire

UNIT, ANSWER = "unit", "answer"  # the counts' index levels
ANSWERED = "answered"  # a multiple choice's column of rows answering it


@dataclass(frozen=True)
class AnswerCounts:
    """Rows per unit (every unit, however small: ``units``); per (unit, answer) of each single-choice group
    question and the community (``answers``, by question id), of the overall question's option codes
    (``overall``) and of the open answer's texts (``texts``); per unit, the rows answering each multiple
    choice and choosing each of its options (``multi``: columns ``ANSWERED`` and the option numbers); the
    rows counted and the last submit time."""

    units: pd.Series
    answers: dict[str, pd.Series]
    overall: pd.Series
    texts: pd.Series
    multi: dict[str, pd.DataFrame]
    rows: int
    latest: pd.Timestamp

    def __add__(self, other: AnswerCounts) -> AnswerCounts:
        def add(a, b):
            if isinstance(a, dict):
                return {k: add(v, b[k]) for k, v in a.items()}
            if isinstance(a, pd.DataFrame):
                return pd.concat([a, b]).groupby(level=0, sort=True).sum()
            if isinstance(a, pd.Series):
                return add_tallies([a, b])
            if isinstance(a, int):
                return a + b
            return max((x for x in (a, b) if not pd.isna(x)), default=pd.NaT)

        return AnswerCounts(*(add(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)))

    def only(self, units: set[str]) -> AnswerCounts:
        """The counts of these units' rows only (``units`` and ``rows`` keep every unit's)."""

        def keep(counts):
            if isinstance(counts, dict):
                return {k: keep(v) for k, v in counts.items()}
            names = counts.index.get_level_values(UNIT) if counts.index.nlevels > 1 else counts.index
            return counts.loc[names.isin(list(units))]

        return replace(self, answers=keep(self.answers), overall=keep(self.overall), texts=keep(self.texts),
                       multi=keep(self.multi))


def answer_counts(part: pd.DataFrame, unit: pd.Series, questionnaire: Questionnaire,
                  questions: list[str]) -> AnswerCounts:
    """The counts of one part of the cleaned responses (``unit``: each row's unit; ``questions``: the single
    choices counted per answer)."""
    q = questionnaire
    overall, text = q.overall, q.role("open")
    empty = tally(unit=unit.iloc[:0], answer=unit.iloc[:0])
    multi = {}
    for m in q.questions:
        if m.type == "multi":
            options = range(1, len(m.options) + 1)
            chosen = part[[f"{m.id}__{k}" for k in options]].astype("Float64").set_axis(options, axis=1)
            answered = chosen.notna().any(axis=1)
            block = chosen.loc[answered].fillna(0).astype("int64")
            block.insert(0, ANSWERED, 1)
            multi[m.id] = block.groupby(unit.loc[answered].astype("string").rename(UNIT), sort=True).sum()
    last = part["submitted_at"].max() if "submitted_at" in part else pd.NaT
    return AnswerCounts(
        units=tally(unit=unit),
        answers={qid: tally(unit=unit, answer=part[qid]) for qid in questions},
        overall=tally(unit=unit, answer=answer_codes(part[overall.id])) if overall is not None else empty,
        texts=tally(unit=unit, answer=part[text.id]) if text is not None else empty,
        multi=multi,
        rows=len(part),
        latest=pd.NaT if pd.isna(last) else last,
    )
