"""The contract of every stored table: its columns, their types, which may be missing — and one spelling
of the unit column, ``unit``. Tables are validated (and their types made exact) when written; a table that
breaks its contract is a bug in the pipeline, reported with the table, column and check, never the values.

Types: ``str`` text, ``int`` whole numbers, ``float`` numbers, ``bool`` flags; ``?`` allows missing values
(withheld by disclosure control, or not computable); ``*`` marks a column only some surveys have (weights,
an overall question, a community question). p-values and shares are checked to lie within [0, 1].
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

TYPES = {
    "str": "string",
    "int": "int64",
    "int?": "Int64",
    "float": "float64",
    "float?": "float64",
    "bool": "bool",
    "str?": "string",
    "bool?": "boolean",
}
UNIT_RANGE = {"p", "p_fdr", "pval", "share", "satisfaction_rate", "unfavourable", "importance", "bartlett_p",
              "share_expected_below_5"}


def _table(name: str, **columns: str) -> pa.DataFrameSchema:
    cols = {}
    for col, spec in columns.items():
        optional = spec.endswith("*")
        kind = spec.rstrip("*")
        checks = [pa.Check.in_range(0, 1)] if col in UNIT_RANGE else []
        cols[col] = pa.Column(
            TYPES[kind],
            checks=checks,
            nullable=kind.endswith("?") or kind.startswith("float"),
            required=not optional,
            coerce=True,
        )
    return pa.DataFrameSchema(cols, strict=True, name=name, coerce=True)


_TEST = dict(
    unit="str",
    n="int",
    mean="float",
    sd="float",
    rest_n="int?",
    rest_mean="float",
    rest_sd="float",
    t="float",
    p="float",
    df="float",
    hedges_g="float",
    diff="float",
    ci_low="float",
    ci_high="float",
    note="str",
    tested="bool",
    p_fdr="float",
    significant="bool",
    suppressed="bool",
    unfavourable="float",
)
_SATISFACTION = dict(satisfaction_mean="float*", satisfaction_n="int?*", satisfaction_count="int?*",
                     satisfaction_rate="float*", satisfaction_ci_low="float*", satisfaction_ci_high="float*")
_WITHHELD = dict(satisfaction_suppressed="bool*")
_SHARES = dict(unit="str", question="str", option="str", count="int?", n="int", share="float", ci_low="float",
               ci_high="float", suppressed="bool")

CONTRACTS: dict[str, pa.DataFrameSchema] = {
    "units": _table(
        "units",
        unit="str",
        received="int",
        valid="int",
        rejected="int",
        kind="str",
        communities="int?*",
        suggestions="int?",
        suppressed="bool",
        **_SATISFACTION,
        **_WITHHELD,
    ),
    "district": _table(
        "district",
        unit="str",
        received="int",
        valid="int",
        rejected="int",
        communities="int*",
        suggestions="int",
        **_SATISFACTION,
    ),
    "unit_dimensions": _table(
        "unit_dimensions",
        dimension="str",
        dimension_name="str",
        mean_weighted="float*",
        n_effective="float*",
        **_TEST,
    ),
    "unit_items": _table(
        "unit_items", item="str", item_text="str", dimension="str", rest_unfavourable="float", **_TEST
    ),
    "district_dimensions": _table(
        "district_dimensions",
        dimension="str",
        dimension_name="str",
        n="int",
        mean="float",
        sd="float",
        ci_low="float",
        ci_high="float",
        unfavourable="float",
        n_items="int",
        alpha="float",
        alpha_ci_low="float*",
        alpha_ci_high="float*",
        std_alpha="float*",
        alpha_note="str",
    ),
    "reliability": _table(
        "reliability",
        unit="str",
        dimension="str",
        n="int",
        k="int",
        alpha="float",
        alpha_ci_low="float",
        alpha_ci_high="float",
        std_alpha="float",
        note="str",
    ),
    "item_reliability": _table(
        "item_reliability",
        unit="str",
        dimension="str",
        item="str",
        item_text="str",
        citc="float",
        alpha_if_deleted="float",
        low_citc="bool",
        drop_raises_alpha="bool",
    ),
    "validity": _table(
        "validity",
        n="int",
        items="int",
        kmo="float",
        bartlett_chi2="float",
        bartlett_df="float",
        bartlett_p="float",
        reading="str",
    ),
    "item_kmo": _table("item_kmo", item="str", kmo="float"),
    "anova": _table(
        "anova",
        dimension="str",
        dimension_name="str",
        F="float*",
        df1="float*",
        df2="float*",
        p="float*",
        np2="float*",
        note="str",
    ),
    "games_howell": _table(
        "games_howell",
        dimension="str",
        A="str",
        B="str",
        diff="float",
        T="float",
        df="float",
        pval="float",
        hedges="float",
    ),
    "chi2": _table(
        "chi2",
        question="str",
        label="str",
        chi2="float*",
        dof="float*",
        p="float*",
        cramer_v="float*",
        share_expected_below_5="float*",
        note="str",
    ),
    "correlations": _table("correlations", a="str", b="str", r="float"),
    "drivers": _table(
        "drivers",
        dimension="str",
        dimension_name="str",
        coef="float",
        p="float",
        relimp="float",
        importance="float",
        r2="float",
        n="int",
    ),
    "ipa": _table(
        "ipa",
        unit="str",
        dimension="str",
        dimension_name="str",
        importance="float",
        performance="float",
        district_mean="float",
        gap="float",
        significant_low="bool",
        quadrant="str",
        suppressed="bool",
    ),
    "rejections": _table("rejections", unit="str", rule="str", count="int"),
    "changes": _table(
        "changes",
        wave="str",
        unit="str",
        dimension="str",
        dimension_name="str",
        shared_items="int",
        items="int",
        n_prev="int?",
        mean_prev="float",
        n="int?",
        mean="float",
        diff="float",
        t="float",
        p="float",
        p_fdr="float",
        hedges_g="float",
        significant="bool",
        suppressed="bool",
        note="str?",
    ),
    "subgroups": _table(
        "subgroups",
        unit="str",
        dimension="str",
        question="str",
        label="str",
        group="str",
        n="int",
        mean="float",
        rest_n="int",
        rest_mean="float",
        diff="float",
        hedges_g="float",
        p="float",
        p_fdr="float",
        significant="bool",
        suppressed="bool",
    ),
    "composition": _table("composition", **_SHARES),
    "problems": _table("problems", rank="int", **_SHARES),
    "themes": _table("themes", unit="str", theme="str", count="int"),
    "quotes": _table("quotes", unit="str", theme="str", quote="str"),
    "keywords": _table("keywords", unit="str", keyword="str", weight="float", answers="int"),
    "communities": _table("communities", unit="str", community="str", valid="int?", suppressed="bool"),
    "problem_ledger": _table(
        "problem_ledger",
        unit="str",
        dimension_name="str",
        item_text="str?",
        mean="float",
        rest_mean="float",
        diff="float",
        p_fdr="float",
        hedges_g="float",
        unfavourable="float",
        themes="str",
        measures="str",
    ),
    "audit": _table(
        "audit",
        file="str",
        row="int",
        resp_id="str",
        unit="str?",
        status="str",
        rule="str?",
        detail="str?",
        hint="str?",
    ),
}


class ContractError(RuntimeError):
    """A stored table broke its contract: a bug in the pipeline (never a problem with the user's file)."""


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` checked against its contract, with its column types made exact; raises ``ContractError``
    naming the table, columns and checks (not the values: they could be personal data)."""
    try:
        return CONTRACTS[name].validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        # Checks on the table's shape name the column in failure_case; elsewhere that holds a value.
        shape = cases["check"].isin(["column_in_dataframe", "column_in_schema"])
        column = cases["column"].astype(str).where(~shape, cases["failure_case"].astype(str))
        where = sorted({f"{c}（{k}）" for c, k in zip(column, cases["check"].astype(str), strict=True)})
        raise ContractError(f"表“{name}”不符合约定（程序错误，请报告）：{'；'.join(where)}") from None
