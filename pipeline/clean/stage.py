"""The clean stage: quality rules, privacy, reverse-coding; every input row ends kept or rejected.

The rules are in ``pipeline.clean.rules``, the audit in ``pipeline.clean.audit``, the masking in
``pipeline.common.privacy``. Here they are applied: the IP column is dropped, personal numbers, e-mail
and IP addresses are masked in every text the stage keeps (answers and the audit's own text), Likert
items are reverse-coded, and the kept table is checked against its contract before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.clean.audit import REJECTED, build_audit, write_audit
from pipeline.clean.rules import describe_rules, quality_flags
from pipeline.common.atomic import write_json, write_parquet
from pipeline.common.privacy import mask_answers
from pipeline.questionnaire import Questionnaire

PII_COLUMNS = ("ip",)


@dataclass
class CleanResult:
    kept: pd.DataFrame
    audit: pd.DataFrame
    rules: list[dict] = field(
        default_factory=list
    )  # each rule as applied to this export (``describe_rules``)
    unit_label: str = "单位"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows_in": len(self.audit),
            "kept": len(self.kept),
            "rejected": int((self.audit["status"] == REJECTED).sum()),
        }


def reverse_code(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Reverse-worded Likert items: code -> (k + 1 - code), so that higher is always better."""
    out = frame.copy()
    for q in questionnaire.likert_items:
        if q.reverse:
            out[q.id] = (len(q.options) + 1) - out[q.id]
    return out


def clean(frame: pd.DataFrame, questionnaire: Questionnaire) -> CleanResult:
    """Apply the quality rules, drop personal data, reverse-code; return kept rows and the audit."""
    from pipeline.clean.schema import validate_clean

    flags = quality_flags(frame, questionnaire)
    audit = build_audit(frame, flags, questionnaire.unit_question.id)
    kept = frame.loc[flags["rule"].isna()].drop(
        columns=[c for c in (*PII_COLUMNS, "_issue", "_note") if c in frame.columns]
    )
    kept = reverse_code(mask_answers(kept, questionnaire.questions), questionnaire).reset_index(drop=True)
    validate_clean(kept, questionnaire)
    return CleanResult(kept=kept, audit=audit, rules=describe_rules(frame, questionnaire),
                       unit_label=questionnaire.report.unit_label)


def write_clean(result: CleanResult, out_dir: str | Path) -> dict[str, Path]:
    """Write kept responses (Parquet), the audit (Parquet and Excel) and the rules as applied, atomically."""
    out_dir = Path(out_dir)
    return {"responses": write_parquet(out_dir / "responses.parquet", result.kept),
            **write_audit(result.audit, out_dir, result.unit_label),
            "rules": write_json(out_dir / "cleaning.json", result.rules)}
