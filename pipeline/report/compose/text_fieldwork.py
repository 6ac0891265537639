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


def heard(notes: list[FieldNote], wd: Wording, area: bool = False) -> list[str]:
    """"2026年10月12日在李家村召开座谈会时了解到：“……”；“……”": the paragraphs of one visit cited
    together, in the order given (in the overview, ``area``: the place with its unit, "新华街道幸福社区")."""
    visits: dict[tuple[str, str, str], list[str]] = {}
    for n in notes:
        text = n.text.rstrip("。").replace("“", "‘").replace("”", "’")  # quotes within a quote
        where = n.unit + (n.place or "") if area else n.place or n.unit
        visits.setdefault((n.date, where, n.kind), []).append(text)
    out = []
    for (date, where, kind), texts in visits.items():
        year, month, day = date.split("-")
        out.append(wd.say("phrase.heard", year=int(year), month=int(month), day=int(day), where=where,
                          act=wd.say(f"phrase.act.{KEYS[kind]}"), texts=texts))
    return out
