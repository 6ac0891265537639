"""Fieldwork as findings: what 座谈、走访 were done (counts from the notes' headers), what a note recorded on
a problem's dimension (cited in 原因分析 as heard, never as a statistic), and the practices notes tagged."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.fieldwork.notes import KINDS
from pipeline.findings.model import FieldNote, FieldworkCount

CITED = 2  # notes cited per problem
QUOTED_CHARS = 120  # a cited paragraph longer than this is cut at a sentence's end, or here with "……"


def _notes(a: Analysis, unit: str | None) -> pd.DataFrame:
    f = a.fieldwork
    return f if unit is None else f.loc[f["unit"] == unit]


def fieldwork_counts(a: Analysis, unit: str | None = None) -> list[FieldworkCount]:
    """Per kind, in ``KINDS`` order: the notes, and the people and households their headers give."""
    notes = _notes(a, unit).drop_duplicates("note")
    out = []
    for kind in KINDS:
        mine = notes.loc[notes["kind"] == kind]
        if mine.empty:
            continue
        people, homes = mine["participants"].dropna(), mine["households"].dropna()
        out.append(FieldworkCount(kind=kind, notes=len(mine), participants=int(people.sum()) if len(people)
                                  else None, households=int(homes.sum()) if len(homes) else None))
    return out


def _cut(text: str) -> str:
    if len(text) <= QUOTED_CHARS:
        return text
    head = text[:QUOTED_CHARS]
    end = max(head.rfind(mark) for mark in "。；！？")
    return head[: end + 1] if end >= QUOTED_CHARS // 3 else head + "……"


def field_note(r: pd.Series) -> FieldNote:
    place = r["community"]
    return FieldNote(unit=str(r["unit"]), kind=str(r["kind"]), place=None if pd.isna(place) else str(place),
                     date=str(r["date"]), text=_cut(str(r["text"])))


def cited_notes(a: Analysis, unit: str, dimension: str) -> list[FieldNote]:
    """The unit's paragraphs on ``dimension`` (not those tagged as practices): explicitly tagged first, then
    the most recent; at most ``CITED``."""
    notes = _notes(a, unit)
    on = notes.loc[notes["dimensions"].str.split(",").map(lambda ds: dimension in ds) & ~notes["practice"]]
    on = on.sort_values(["tagged", "date", "note", "paragraph"], ascending=[False, False, True, True])
    return [field_note(r) for _, r in on.head(CITED).iterrows()]


def practices(a: Analysis, unit: str | None = None) -> list[FieldNote]:
    """The paragraphs tagged as practices (经验做法), in the notes' order."""
    notes = _notes(a, unit)
    return [field_note(r) for _, r in notes.loc[notes["practice"]].iterrows()]
