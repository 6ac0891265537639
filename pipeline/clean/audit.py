"""The audit: every input row, kept or rejected, with its rule and a Chinese explanation.

Stored with plain column names (``AUDIT_COLUMNS``); every Excel sheet that shows it (``audit.xlsx`` and
the workbook's 剔除记录) takes its Chinese headers from ``audit_sheet``, the one place they are written.
Text cells are masked like any answer: a phone number typed as a 序号 is not kept here either.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import write_parquet, write_with
from pipeline.common.contracts import conform
from pipeline.common.excel import excel_writer, stream_frame, stream_frames
from pipeline.common.privacy import redact_series

KEPT = "保留"
REJECTED = "剔除"
AUDIT_COLUMNS = {"file": "来源文件", "row": "行号", "resp_id": "序号", "unit": None, "status": "状态",
                 "rule": "剔除规则", "detail": "说明", "hint": "提示"}  # None: the unit's own label
TEXT = ("file", "resp_id", "detail", "hint")


def build_audit(frame: pd.DataFrame, flags: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """One row per input row.

    Returns
    -------
    DataFrame with columns ``file``, ``row`` (the file's line), ``resp_id``, ``unit`` (NA where none),
    ``status`` (保留/剔除), ``rule``, ``detail``, ``hint`` (NA where none).
    """
    audit = pd.DataFrame(
        {
            "file": frame["_file"],
            "row": frame["_row"],
            "resp_id": frame["resp_id"],
            "unit": frame[unit_id].astype("string"),
            "status": np.where(flags["rule"].isna(), KEPT, REJECTED),
            "rule": flags["rule"],
            "detail": flags["detail"],
            "hint": flags["hint"],
        }
    )
    for col in TEXT:
        audit[col] = redact_series(audit[col])
    return audit.reset_index(drop=True)


def audit_sheet(audit: pd.DataFrame, unit_label: str) -> pd.DataFrame:
    """The audit with the Chinese headers people read."""
    return audit.rename(columns={k: v or unit_label for k, v in AUDIT_COLUMNS.items()})


def audit_counts(audit: pd.DataFrame) -> pd.Series:
    """Rows per unit, status and rule (kept rows under the rule “（保留）”); parts' counts add up with
    ``add_tallies``."""
    return audit.fillna({"rule": "（保留）"}).groupby(["unit", "status", "rule"], dropna=False).size()


def audit_summary(counts: pd.Series, unit_label: str) -> pd.DataFrame:
    """The counts per unit, status and rule as the audit workbook's first sheet."""
    return audit_sheet(counts.rename("份数").reset_index(), unit_label)


def rejected_sheet(audit: pd.DataFrame, unit_label: str) -> pd.DataFrame:
    """The rejected rows only, with the Chinese headers (what people check; kept rows are counted in 汇总)."""
    return audit_sheet(audit.loc[audit["status"] == REJECTED].drop(columns="status"), unit_label)


def write_audit_workbook(out_dir: Path, counts: pd.Series, rejected: Iterable[pd.DataFrame],
                         unit_label: str) -> Path:
    """audit.xlsx for people: the counts per unit and rule, then the rejected rows, written row by row from
    ``rejected`` (``rejected_sheet`` parts) — never the whole audit in memory."""

    def _excel(p: Path) -> None:
        with excel_writer(p, constant_memory=True) as xw:
            stream_frame(xw, audit_summary(counts, unit_label), "汇总")
            stream_frames(xw, rejected, "剔除记录")

    return write_with(out_dir / "audit.xlsx", _excel)


def write_audit(audit: pd.DataFrame, out_dir: Path, unit_label: str) -> dict[str, Path]:
    """The audit as Parquet, every row (for the pipeline and for anyone who wants all of it), and as an Excel
    workbook for people: counts per unit and rule, and the rejected rows (written row by row)."""
    rejected = [rejected_sheet(audit, unit_label)]
    return {"audit": write_parquet(out_dir / "audit.parquet", conform("audit", audit)),
            "audit_xlsx": write_audit_workbook(out_dir, audit_counts(audit), rejected, unit_label)}
