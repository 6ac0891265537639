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

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import DateTime, Series

from pipeline.common.errors import SurveyError

Str = Series[pd.StringDtype]
Int = Series[np.int64]
OptInt = Series[pd.Int64Dtype]
Float = Series[np.float64]
Bool = Series[bool]
OptBool = Series[pd.BooleanDtype]

UNIT_RANGE = {"in_range": {"min_value": 0, "max_value": 1}}


def value(**checks) -> pa.Field:
    """A column that may be missing (withheld or not computable)."""
    return pa.Field(nullable=True, **checks)


def share() -> pa.Field:
    """A share or p-value: within [0, 1], or missing."""
    return pa.Field(nullable=True, **UNIT_RANGE)


class Contract(pa.DataFrameModel):
    """Every stored table: exactly its columns (``strict``), types made exact on the way (``coerce``)."""

    class Config:
        strict = True
        coerce = True


class Tested(Contract):
    """A comparison of each unit with the rest of the area (per dimension or per item)."""

    unit: Str
    n: Int
    mean: Float = value()
    sd: Float = value()
    rest_n: OptInt = value()
    rest_mean: Float = value()
    rest_sd: Float = value()
    t: Float = value()
    p: Float = share()
    df: Float = value()
    hedges_g: Float = value()
    diff: Float = value()
    ci_low: Float = value()
    ci_high: Float = value()
    note: Str
    tested: Bool
    p_fdr: Float = share()
    significant: Bool
    suppressed: Bool
    unfavourable: Float = share()


class Satisfaction(Contract):
    """The overall question's figures, where the questionnaire has one."""

    satisfaction_mean: Float | None = value()
    satisfaction_n: OptInt | None = value()
    satisfaction_count: OptInt | None = value()
    satisfaction_rate: Float | None = share()
    satisfaction_ci_low: Float | None = value()
    satisfaction_ci_high: Float | None = value()


class Units(Satisfaction):
    unit: Str
    received: Int
    valid: Int
    rejected: Int
    kind: Str
    communities: OptInt | None = value()
    suggestions: OptInt = value()
    suppressed: Bool
    satisfaction_suppressed: Bool | None


class District(Satisfaction):
    unit: Str
    received: Int
    valid: Int
    rejected: Int
    communities: Int | None
    suggestions: Int


class UnitDimensions(Tested):
    dimension: Str
    dimension_name: Str
    mean_weighted: Float | None = value()
    n_effective: Float | None = value()


class UnitItems(Tested):
    item: Str
    item_text: Str
    dimension: Str
    rest_unfavourable: Float = share()


class DistrictDimensions(Contract):
    dimension: Str
    dimension_name: Str
    n: Int
    mean: Float = value()
    sd: Float = value()
    ci_low: Float = value()
    ci_high: Float = value()
    unfavourable: Float = share()
    n_items: Int
    alpha: Float = value()
    alpha_ci_low: Float | None = value()
    alpha_ci_high: Float | None = value()
    std_alpha: Float | None = value()
    alpha_note: Str


class Reliability(Contract):
    unit: Str
    dimension: Str
    n: Int
    k: Int
    alpha: Float = value()
    alpha_ci_low: Float = value()
    alpha_ci_high: Float = value()
    std_alpha: Float = value()
    note: Str


class ItemReliability(Contract):
    unit: Str
    dimension: Str
    item: Str
    item_text: Str
    citc: Float = value()
    alpha_if_deleted: Float = value()
    low_citc: Bool
    drop_raises_alpha: Bool


class Validity(Contract):
    n: Int
    items: Int
    kmo: Float = value()
    bartlett_chi2: Float = value()
    bartlett_df: Float = value()
    bartlett_p: Float = share()
    reading: Str


class ItemKmo(Contract):
    item: Str
    kmo: Float = value()


class Anova(Contract):
    dimension: Str
    dimension_name: Str
    F: Float | None = value()
    df1: Float | None = value()
    df2: Float | None = value()
    p: Float | None = share()
    np2: Float | None = value()
    note: Str
    significant: Bool


class GamesHowell(Contract):
    dimension: Str
    A: Str
    B: Str
    diff: Float = value()
    T: Float = value()
    df: Float = value()
    pval: Float = share()
    hedges: Float = value()
    significant: Bool


class Chi2(Contract):
    question: Str
    label: Str
    chi2: Float | None = value()
    dof: Float | None = value()
    p: Float | None = share()
    cramer_v: Float | None = value()
    share_expected_below_5: Float | None = share()
    note: Str


class Correlations(Contract):
    a: Str
    b: Str
    r: Float = value()


class Drivers(Contract):
    dimension: Str
    dimension_name: Str
    coef: Float = value()
    p: Float = share()
    relimp: Float = value()
    importance: Float = share()
    r2: Float = value()
    n: Int


class Ipa(Contract):
    unit: Str
    dimension: Str
    dimension_name: Str
    importance: Float = share()
    performance: Float = value()
    district_mean: Float = value()
    gap: Float = value()
    significant_low: Bool
    quadrant: Str
    suppressed: Bool


class Rejections(Contract):
    unit: Str
    rule: Str
    count: Int


class Held(Contract):
    """Per unit held back from publication (``pipeline.clean.release``): its counts as last published."""

    unit: Str
    status: Str
    rule: Str
    count: Int


class Changes(Contract):
    wave: Str
    wave_title: Str
    unit: Str
    dimension: Str
    dimension_name: Str
    shared_items: Int
    items: Int
    n_prev: OptInt = value()
    mean_prev: Float = value()
    n: OptInt = value()
    mean: Float = value()
    diff: Float = value()
    t: Float = value()
    p: Float = share()
    p_fdr: Float = share()
    hedges_g: Float = value()
    significant: Bool
    suppressed: Bool
    note: Series[pd.StringDtype] = value()


class Subgroups(Contract):
    unit: Str
    dimension: Str
    question: Str
    label: Str
    group: Str
    n: Int
    mean: Float = value()
    rest_n: Int
    rest_mean: Float = value()
    diff: Float = value()
    hedges_g: Float = value()
    p: Float = share()
    p_fdr: Float = share()
    significant: Bool
    suppressed: Bool


class Shares(Contract):
    """Counts and shares of the options of a question, per unit and for the area."""

    unit: Str
    question: Str
    option: Str
    count: OptInt = value()
    n: Int
    share: Float = share()
    ci_low: Float = value()
    ci_high: Float = value()
    suppressed: Bool


class Composition(Shares):
    pass


class Problems(Shares):
    """Each multi-select option's share per unit, and against the rest of the area (two-proportion z-test)."""

    rank: Int
    rest_share: Float = share()
    p: Float = share()
    p_fdr: Float = share()
    significant: Bool


class UnitProblems(Contract):
    """Every unit's problems and the evidence for each (``pipeline.analyze.evidence``)."""

    unit: Str
    dimension: Str
    dimension_name: Str
    kinds: Str
    priority: Int
    mean: Float = value()
    rest_mean: Float = value()
    area_mean: Float = value()
    points: Int
    level: Float = value()
    rank: Int
    dimensions: Int
    unfavourable: Float = share()
    area_unfavourable: Float = share()
    diff: Float = value()
    hedges_g: Float = value()
    p_fdr: Float = share()
    significant: Bool
    mean_prev: Float = value()
    area_mean_prev: Float = value()


class Themes(Contract):
    unit: Str
    theme: Str
    count: Int


class Quotes(Contract):
    unit: Str
    theme: Str
    quote: Str


class Keywords(Contract):
    unit: Str
    keyword: Str
    weight: Float = value()
    answers: Int


class Communities(Contract):
    unit: Str
    community: Str
    valid: OptInt = value()
    suppressed: Bool


class ProblemLedger(Contract):
    unit: Str
    dimension: Str
    dimension_name: Str
    item: Series[pd.StringDtype] = value()
    item_text: Series[pd.StringDtype] = value()
    evidence: Str
    mean: Float = value()
    rest_mean: Float = value()
    diff: Float = value()
    p_fdr: Float = share()
    hedges_g: Float = value()
    unfavourable: Float = share()
    themes: Str
    measures: Str


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
    "units": Units, "district": District, "unit_dimensions": UnitDimensions, "unit_items": UnitItems,
    "district_dimensions": DistrictDimensions, "reliability": Reliability,
    "item_reliability": ItemReliability,
    "validity": Validity, "item_kmo": ItemKmo, "anova": Anova, "games_howell": GamesHowell, "chi2": Chi2,
    "correlations": Correlations, "drivers": Drivers, "ipa": Ipa, "rejections": Rejections,
    "changes": Changes, "unit_problems": UnitProblems, "subgroups": Subgroups, "composition": Composition,
    "problems": Problems, "held": Held,
    "themes": Themes, "quotes": Quotes, "keywords": Keywords, "communities": Communities,
    "problem_ledger": ProblemLedger, "audit": Audit, "responses": Responses, "ingested": Ingested,
}


class ContractError(RuntimeError):
    """A stored table broke its contract: a bug in the pipeline (never a problem with the user's file)."""


# the questionnaire's section whose questions a table is made from (for a table left without any row)
SECTIONS = {
    "chi2": "profile（受访者构成的单选题）", "composition": "profile（受访者构成的单选题）",
    "subgroups": "profile（受访者构成的单选题）", "drivers": "outcomes（总体评价题，role: overall）",
    "ipa": "outcomes（总体评价题，role: overall）", "problems": "outcomes（多选题）",
    "themes": "themes", "quotes": "outcomes（意见建议题，role: open）",
    "keywords": "outcomes（意见建议题，role: open）", "communities": "profile（社区题，role: community）",
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
            raise EmptyTableError(f"按这份问卷定义，分析结果“{name}”一项没有任何内容（问卷中没有能生成它的"
                                  f"题目），报告无法使用；请检查问卷定义的 {section}一节") from None
        # Checks on the table's shape name the column in failure_case; elsewhere that holds a value.
        shape = cases["check"].isin(["column_in_dataframe", "column_in_schema"])
        column = cases["column"].astype(str).where(~shape, cases["failure_case"].astype(str))
        where = sorted({f"{c}（{k}）" for c, k in zip(column, cases["check"].astype(str), strict=True)})
        raise ContractError(f"表“{name}”不符合约定（程序错误，请报告）：{'；'.join(where)}") from None
