"""The cleaned table's contract, as a pandera schema built from the questionnaire.

It is checked at the end of the clean stage, before anything is written: Likert codes within the
scale, choices among the options, numbers within their range, no IP column and no personal data left
in any text column (checked with the masking's own rules, so it cannot disagree with the masking). A
failure here is a bug in the pipeline, not a problem with the user's file.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.common.contracts import ContractError
from pipeline.common.privacy import as_number_text, holds_personal_data
from pipeline.questionnaire import Questionnaire


def _no_pii(s: pd.Series) -> pd.Series:
    """The masking's own rules: a value is clean when masking would not change it."""
    return ~holds_personal_data(s)


def _no_pii_number(s: pd.Series) -> pd.Series:
    """A number is clean when, written out, masking would not change it (no phone or ID number); each
    distinct number is written out once."""
    distinct = pd.Series(s.dropna().unique())
    flagged = distinct[holds_personal_data(as_number_text(distinct)).to_numpy()]
    return ~s.isin(flagged)


def clean_schema(questionnaire: Questionnaire) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {
        "_file": pa.Column(str, nullable=False, coerce=True),
        "_row": pa.Column(int, pa.Check.ge(2)),
        "resp_id": pa.Column("string", nullable=False),
        "duration_s": pa.Column(float, [pa.Check.ge(0), pa.Check(_no_pii_number, element_wise=False)],
                                nullable=True),
    }
    for q in questionnaire.questions:
        if q.type == "likert":
            columns[q.id] = pa.Column("Int64", pa.Check.in_range(1, len(q.options)), nullable=True)
        elif q.type == "single":
            columns[q.id] = pa.Column(nullable=q.role != "unit", checks=pa.Check.isin(q.options))
        elif q.type == "number":
            lo = q.min if q.min is not None else float("-inf")
            hi = q.max if q.max is not None else float("inf")
            checks = [pa.Check.in_range(lo, hi), pa.Check(_no_pii_number, element_wise=False)]
            columns[q.id] = pa.Column("Float64", checks, nullable=True)
        elif q.type == "text":
            columns[q.id] = pa.Column(
                "string", pa.Check(_no_pii, element_wise=False, error="个人信息未隐去"), nullable=True
            )
        else:
            for k in range(1, len(q.options) + 1):
                columns[f"{q.id}__{k}"] = pa.Column("boolean", nullable=True)
            columns[f"{q.id}__other_text"] = pa.Column(
                "string", pa.Check(_no_pii, element_wise=False), nullable=True
            )
    return pa.DataFrameSchema(
        columns,
        checks=pa.Check(
            lambda df: "ip" not in df.columns and "_issue" not in df.columns, error="IP列不应保留"
        ),
        strict=False,
    )


def validate_clean(kept: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    try:
        return clean_schema(questionnaire).validate(kept, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        where = sorted(
            {
                f"{c}（{k}）"
                for c, k in zip(cases["column"].astype(str), cases["check"].astype(str), strict=True)
            }
        )
        raise ContractError(
            f"清洗结果未通过内部检查（程序错误，请报告）：{'；'.join(where)}，共{len(cases)}处"
        ) from None
