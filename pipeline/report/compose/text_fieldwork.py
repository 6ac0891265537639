"""Fieldwork in words: what 座谈、走访 were done, and what a note recorded — said as heard, never as a
figure."""

from __future__ import annotations

from pipeline.fieldwork.notes import KINDS
from pipeline.findings.model import FieldNote, FieldworkCount
from pipeline.wording import Wording

KEYS = dict(zip(KINDS, ("forum", "visit", "inspection", "interview"), strict=True))


def fieldwork_parts(counts: list[FieldworkCount], wd: Wording) -> list[str]:
    """"召开座谈会3场（12人参加）", "走访30户" …, in the kinds' order."""
    return [wd.say(f"phrase.fieldwork.{KEYS[c.kind]}", **c.model_dump()) for c in counts]


def heard(note: FieldNote, wd: Wording) -> str:
    """"2026年10月12日在李家村召开座谈会时了解到：“……”"."""
    year, month, day = note.date.split("-")
    return wd.say("phrase.heard", year=int(year), month=int(month), day=int(day),
                  where=note.place or note.unit, act=wd.say(f"phrase.act.{KEYS[note.kind]}"),
                  text=note.text.rstrip("。"))
