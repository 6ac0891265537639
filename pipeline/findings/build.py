"""A unit's findings in the shape of a 调研报告 — 基本情况, 成效与亮点, 存在的问题, 原因分析, 对策建议 — each
section's facts chosen by its own module from the unit's slice of the analysis, validated against the
findings model."""

from __future__ import annotations

from pipeline.analyze.evidence import evaluated
from pipeline.analyze.tables import Analysis
from pipeline.findings.basic import basic_section, unit_row
from pipeline.findings.causes import QuotePicker, causes_section
from pipeline.findings.district import district_findings
from pipeline.findings.measures import suggestions_section
from pipeline.findings.model import UnitFindings
from pipeline.findings.problems import problems_section
from pipeline.findings.strengths import strengths_section
from pipeline.questionnaire import Questionnaire


def build_findings(unit: str, a: Analysis, questionnaire: Questionnaire) -> UnitFindings:
    """One unit's findings."""
    w = questionnaire.words()
    reverse = {it.id for it in questionnaire.likert_items if it.reverse}
    problems = problems_section(unit, a, reverse, evaluated(questionnaire))
    basic = basic_section(unit, a, w)
    quotes = QuotePicker(unit, a, questionnaire)  # each respondent's words quoted once in the report
    causes = causes_section(unit, a, problems, questionnaire, w, quotes)
    return UnitFindings(
        unit=unit,
        kind=str(unit_row(a, unit)["kind"]),
        survey_title=questionnaire.title,
        district=questionnaire.district,
        comparison=w.rest,
        basic=basic,
        strengths=strengths_section(unit, a, questionnaire, basic, problems),
        problems=problems,
        causes=causes,
        suggestions=suggestions_section(unit, a, problems, questionnaire, w, quotes, causes.concentrated),
    )


__all__ = ["build_findings", "district_findings"]
