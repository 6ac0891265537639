"""The clean stage: quality rules, privacy, reverse-coding; every input row ends kept or rejected.

The rules are in ``pipeline.clean.rules``, the audit in ``pipeline.clean.audit``, the masking in
``pipeline.common.privacy``. Here they are applied: the IP column is dropped, personal numbers, e-mail
and IP addresses are masked in every text the stage keeps (answers and the audit's own text), Likert
items are reverse-coded, and the kept table is checked against its contract before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.clean.audit import (
    REJECTED,
    audit_counts,
    build_audit,
    rejected_sheet,
    write_audit,
    write_audit_workbook,
)
from pipeline.clean.rules import RowColumns, SurveyWide, describe_rules, quality_flags, survey_wide
from pipeline.common.atomic import parquet_parts, write_json, write_parquet
from pipeline.common.contracts import conform
from pipeline.common.privacy import mask_answers
from pipeline.common.tables import read_table_parts
from pipeline.common.tallies import add_tallies
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


def clean_part(part: pd.DataFrame, questionnaire: Questionnaire, wide: SurveyWide) -> tuple[pd.DataFrame,
                                                                                              pd.DataFrame]:
    """One part of the survey (indexed by its rows' positions in the survey) through the rules: its kept rows
    (personal data dropped and masked, reverse-coded, checked against the cleaned table's contract) and its
    audit rows."""
    from pipeline.clean.schema import validate_clean

    flags = quality_flags(part, questionnaire, wide)
    audit = build_audit(part, flags, questionnaire.unit_question.id)
    kept = part.loc[flags["rule"].isna().to_numpy()].drop(
        columns=[c for c in (*PII_COLUMNS, "_issue", "_note") if c in part.columns]
    )
    kept = reverse_code(mask_answers(kept, questionnaire.questions), questionnaire).reset_index(drop=True)
    validate_clean(kept, questionnaire)
    return kept, audit


def clean(frame: pd.DataFrame, questionnaire: Questionnaire) -> CleanResult:
    """Apply the quality rules, drop personal data, reverse-code; return kept rows and the audit."""
    frame = frame.reset_index(drop=True)
    wide = survey_wide(frame, questionnaire)
    kept, audit = clean_part(frame, questionnaire, wide)
    return CleanResult(kept=kept, audit=audit, rules=describe_rules(questionnaire, wide),
                       unit_label=questionnaire.report.unit_label)


def write_clean(result: CleanResult, out_dir: str | Path) -> dict[str, Path]:
    """Write kept responses (Parquet), the audit (Parquet and Excel) and the rules as applied, atomically."""
    out_dir = Path(out_dir)
    return {"responses": write_parquet(out_dir / "responses.parquet", result.kept),
            **write_audit(result.audit, out_dir, result.unit_label),
            "rules": write_json(out_dir / "cleaning.json", result.rules)}


Parts = Callable[[list[str] | None], Iterator[pd.DataFrame]]


def clean_parts(parts: Parts, questionnaire: Questionnaire, out_dir: Path) -> pd.Series:
    """The survey read part by part (``parts(columns)`` gives a fresh pass over it, only ``columns`` when
    given) cleaned into ``out_dir`` as ``write_clean`` writes it, with one part in memory at a time.

    Three passes: the compact per-row columns the survey-wide rules need (``RowColumns``); the ids of the
    rows that may be duplicates; then each part through the rules, its kept rows and audit rows appended to
    ``responses.parquet`` and ``audit.parquet``. Returns the rows per unit, status and rule (the audit's
    summary). The cleaned table is the same as ``clean`` makes of the whole survey."""
    columns = RowColumns()
    for part in parts(None):
        columns.add(part)

    def who(at: np.ndarray) -> pd.DataFrame:  # only the few rows whose answers occur more than once
        found, start = [], 0
        for part in parts(["resp_id", "_file"]) if len(at) else ():  # (``at`` is in ascending order)
            inside = at[(at >= start) & (at < start + len(part))]
            found.append(part.iloc[inside - start])
            start += len(part)
            if start > at[-1]:  # past the last row asked for: the rest of the cache is not read
                break
        return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["resp_id", "_file"])

    wide = columns.survey_wide(questionnaire, who)
    summary = []
    with parquet_parts(out_dir / "responses.parquet") as responses, \
            parquet_parts(out_dir / "audit.parquet") as audit:
        start = 0
        for part in parts(None):
            part.index = pd.RangeIndex(start, start + len(part))
            start += len(part)
            kept, rows = clean_part(part, questionnaire, wide)
            responses.write(kept)
            audit.write(conform("audit", rows))
            summary.append(audit_counts(rows))
    counts = add_tallies(summary)
    label = questionnaire.report.unit_label
    rejected = (rejected_sheet(a, label) for a in read_table_parts(out_dir, "audit"))
    write_audit_workbook(out_dir, counts, rejected, label)
    write_json(out_dir / "cleaning.json", describe_rules(questionnaire, wide))
    return counts
