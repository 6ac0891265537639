"""Stage 5, findings: each unit's facts in the shape of a 调研报告 (基本情况, 存在的问题, 原因分析,
对策建议) — what is a problem, its evidence, causes and measures, every figure from the analysis —
validated against the findings model; the wording layer (``pipeline.wording``) says them."""

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
