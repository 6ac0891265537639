"""What findings say once worded (the tests read the facts through the wording layer, as reports do)."""

from __future__ import annotations

from pipeline.findings.model import Cause, DistrictFindings, Group
from pipeline.report.compose.text import district_texts, unit_texts
from pipeline.report.compose.text_causes import cause_text, group_name
from pipeline.wording import Wording


def said(f, q) -> dict[str, list[str]]:
    """A unit's (or the district's) paragraphs by section: basic, problems, causes, suggestions."""
    w = q.words()
    return district_texts(f, w) if isinstance(f, DistrictFindings) else unit_texts(f, w)


def cause(c: Cause, q) -> str:
    w = q.words()
    return cause_text(c, w, Wording.of(w))


def group(g: Group, q) -> str:
    return group_name(g, Wording.of(q.words()))
