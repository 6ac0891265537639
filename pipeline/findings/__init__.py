"""Stage 5, findings: each unit's text in the shape of a 调研报告 (基本情况, 存在的问题, 原因分析, 对策建议),
every figure filled from the analysis, validated against the findings model the report views read."""

from pipeline.findings.build import build_findings, district_findings
from pipeline.findings.model import DistrictFindings, UnitFindings
from pipeline.findings.write import all_findings, unit_slices, write_findings

__all__ = [
    "DistrictFindings",
    "all_findings",
    "UnitFindings",
    "build_findings",
    "district_findings",
    "unit_slices",
    "write_findings",
]
