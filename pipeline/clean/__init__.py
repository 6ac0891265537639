"""Stage 3, clean: quality rules, privacy masking, the audit of every row, the cleaned table's contract."""

from pipeline.clean.audit import KEPT, REJECTED, audit_counts
from pipeline.clean.rules import (
    RULE_ATTENTION,
    RULE_DUPLICATE,
    RULE_INVALID,
    RULE_MISSING,
    RULE_NO_UNIT,
    RULE_ORDER,
    RULE_SPEEDER,
    RULE_STRAIGHTLINE,
    applicable,
    describe_rules,
    quality_flags,
)
from pipeline.clean.stage import CleanResult, clean, clean_parts, reverse_code, write_clean

__all__ = [
    "KEPT",
    "REJECTED",
    "RULE_ATTENTION",
    "RULE_DUPLICATE",
    "RULE_INVALID",
    "RULE_MISSING",
    "RULE_NO_UNIT",
    "RULE_ORDER",
    "RULE_SPEEDER",
    "RULE_STRAIGHTLINE",
    "CleanResult",
    "applicable",
    "audit_counts",
    "clean",
    "clean_parts",
    "describe_rules",
    "quality_flags",
    "reverse_code",
    "write_clean",
]
