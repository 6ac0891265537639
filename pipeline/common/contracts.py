"""The contract of every stored table, as pandera ``DataFrameModel`` classes a reader can scan: its columns,
their types, which may be missing, and one spelling of the unit column, ``unit``. A table is validated (and
its types made exact) when it is written and again when another stage reads it (``pipeline.common.tables``);
one that breaks its contract is a bug in the pipeline, reported with the table, column and check — never
the values, which could be personal data.

Types: ``Str`` text, ``Int`` whole numbers (``OptInt`` where a count may be withheld), ``Float`` numbers
(missing allowed: withheld, or not computable), ``Bool`` flags (``OptBool`` where withheld). ``Optional``
columns are those only some surveys have (weights, an overall question, a community question). p-values and
shares are checked to lie within [0, 1].
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DateTime, Series

from pipeline.common import contract_tables as tables
from pipeline.common.contract_base import Contract, Float, Int, Str, value
from pipeline.common.errors import SurveyError


class Audit(Contract):
    file: Str
    row: Int
    resp_id: Str
    unit: Series[pd.StringDtype] = value()
    status: Str
    rule: Series[pd.StringDtype] = value()
    detail: Series[pd.StringDtype] = value()
    hint: Series[pd.StringDtype] = value()


class Responses(pa.DataFrameModel):
    """The cleaned responses: the metadata every survey has; each question's column is checked by the schema
    built from the questionnaire (``pipeline.clean.schema``)."""

    source_file: Str = pa.Field(alias="_file")  # pandera skips attribute names that start with "_"
    source_row: Int = pa.Field(alias="_row", ge=2)
    resp_id: Str
    submitted_at: Series[DateTime] = value()
    duration_s: Float = value(ge=0)

    class Config:
        strict = False
        coerce = True


class Ingested(Responses):
    """An export as ingested (the per-file cache): the metadata, the quality notes and the answers."""


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "units": tables.Units,
    "district": tables.District,
    "unit_dimensions": tables.UnitDimensions,
    "unit_items": tables.UnitItems,
    "district_dimensions": tables.DistrictDimensions,
    "reliability": tables.Reliability,
    "item_reliability": tables.ItemReliability,
    "validity": tables.Validity,
    "item_kmo": tables.ItemKmo,
    "anova": tables.Anova,
    "games_howell": tables.GamesHowell,
    "chi2": tables.Chi2,
    "correlations": tables.Correlations,
    "drivers": tables.Drivers,
    "ipa": tables.Ipa,
    "rejections": tables.Rejections,
    "changes": tables.Changes,
    "trends": tables.Trends,
    "unit_problems": tables.UnitProblems,
    "subgroups": tables.Subgroups,
    "composition": tables.Composition,
    "problems": tables.Problems,
    "held": tables.Held,
    "themes": tables.Themes,
    "quotes": tables.Quotes,
    "keywords": tables.Keywords,
    "fieldwork": tables.Fieldwork,
    "facts": tables.Facts,
    "communities": tables.Communities,
    "problem_ledger": tables.ProblemLedger,
    "audit": Audit,
    "responses": Responses,
    "ingested": Ingested,
}


class ContractError(RuntimeError):
    """A stored table broke its contract: a bug in the pipeline (never a problem with the user's file)."""


# the questionnaire's section whose questions a table is made from (for a table left without any row)
SECTIONS = {
    "chi2": "profile（受访者构成的单选题）",
    "composition": "profile（受访者构成的单选题）",
    "subgroups": "profile（受访者构成的单选题）",
    "drivers": "outcomes（总体评价题，role: overall）",
    "ipa": "outcomes（总体评价题，role: overall）",
    "problems": "outcomes（多选题）",
    "themes": "themes",
    "quotes": "outcomes（意见建议题，role: open）",
    "keywords": "outcomes（意见建议题，role: open）",
    "communities": "profile（社区题，role: community）",
}


class EmptyTableError(SurveyError):
    """A table the questionnaire leaves without any row (it asks nothing the table is made from), where the
    reports need one: said in Chinese, naming the questionnaire's section."""


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` checked against its contract, with its column types made exact; raises ``ContractError``
    naming the table, columns and checks (not the values: they could be personal data)."""
    try:
        return CONTRACTS[name].validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if table.empty and cases["check"].isin(["column_in_dataframe"]).all():
            section = SECTIONS.get(name, "题目")
            raise EmptyTableError(
                f"按这份问卷定义，分析结果“{name}”一项没有任何内容（问卷中没有能生成它的"
                f"题目），报告无法使用；请检查问卷定义的 {section}一节"
            ) from None
        # Checks on the table's shape name the column in failure_case; elsewhere that holds a value.
        shape = cases["check"].isin(["column_in_dataframe", "column_in_schema"])
        column = cases["column"].astype(str).where(~shape, cases["failure_case"].astype(str))
        where = sorted({f"{c}（{k}）" for c, k in zip(column, cases["check"].astype(str), strict=True)})
        raise ContractError(f"表“{name}”不符合约定（程序错误，请报告）：{'；'.join(where)}") from None
