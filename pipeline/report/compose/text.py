"""Every paragraph a report's sections say, from its findings through the wording layer — what the
documents show and what a notebook or a test reads."""

from __future__ import annotations

from pipeline.findings.model import DistrictFindings, UnitFindings
from pipeline.questionnaire.words import Words
from pipeline.report.compose import text_district
from pipeline.report.compose.text_basic import basic_text
from pipeline.report.compose.text_causes import causes_text
from pipeline.report.compose.text_problems import problems_text
from pipeline.report.compose.text_strengths import strengths_text
from pipeline.report.compose.text_suggestions import suggestions_text
from pipeline.wording import Wording

SECTION_KEYS = ("basic", "strengths", "problems", "causes", "suggestions")


def unit_texts(f: UnitFindings, w: Words, wd: Wording | None = None) -> dict[str, list[str]]:
    """A unit's paragraphs, by section."""
    wd = wd or Wording.of(w)
    return {
        "basic": basic_text(f.unit, f.basic, w, wd),
        "strengths": strengths_text(f.strengths, wd),
        "problems": problems_text(f.problems, w, wd),
        "causes": causes_text(f.causes, f.problems, w, wd),
        "suggestions": suggestions_text(f.suggestions, w, wd),
    }


def district_texts(f: DistrictFindings, w: Words, wd: Wording | None = None) -> dict[str, list[str]]:
    """The overview's paragraphs, by section (对策建议 followed by the open answers by theme)."""
    wd = wd or Wording.of(w)
    return {
        "basic": text_district.basic_text(f, w, wd),
        "strengths": text_district.strengths_text(f, wd),
        "problems": text_district.problems_text(f, w, wd),
        "causes": text_district.causes_text(f, w, wd),
        "suggestions": text_district.suggestions_text(f, wd) + text_district.open_answers_text(f, w, wd),
    }
