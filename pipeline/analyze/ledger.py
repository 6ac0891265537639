"""The problem ledger (问题清单): every problem of every unit (``pipeline.analyze.evidence``), one row for the
dimension and one for each item behind it — its significantly low items, or else its weakest item — with the
evidence in words, the suggestion themes tied to it and the measures proposed: the start of a research
group's 整改台账."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.rules import significantly_low
from pipeline.questionnaire import Questionnaire

LEDGER_COLUMNS = [
    "unit",
    "dimension",
    "dimension_name",
    "item",
    "item_text",
    "evidence",
    "mean",
    "rest_mean",
    "diff",
    "p_fdr",
    "hedges_g",
    "unfavourable",
    "themes",
    "measures",
]


def evidence_labels(kinds: str, rest: str, area: str) -> str:
    """The evidence of a problem as the ledger names it: "显著低于全区其他街道（乡镇）；全区普遍存在"."""
    labels = {
        "significant": f"显著低于{rest}",
        "persistent": f"上次调查已低于{area}平均、本次仍低",
        "district_wide": f"{area}普遍存在",
        "negative": "负面评价较多",
        "weakest": "在本单位各方面中得分较低",
    }
    return "；".join(labels[k] for k in kinds.split(",") if k)


def problem_items(ui: pd.DataFrame, unit: str, dimension: str) -> pd.DataFrame:
    """The items behind a unit's problem: those significantly below the rest of the area, or else the one the
    unit scores lowest on."""
    rows = ui.loc[(ui["unit"] == unit) & (ui["dimension"] == dimension) & ~ui["suppressed"]]
    low = rows.loc[significantly_low(rows)].sort_values("diff")
    return low if not low.empty else rows.nsmallest(1, "mean")


def problem_ledger(a: Analysis, questionnaire: Questionnaire) -> pd.DataFrame:
    """Every problem of every unit, a row for the dimension and for each item behind it (``item`` empty on the
    dimension's own row), with the evidence, the themes tied to it and the measures proposed."""
    themes_for = {
        d.id: [name for name, t in questionnaire.themes.items() if d.id in t.dimensions]
        for d in questionnaire.dimensions
    }
    dims = {d.id: d for d in questionnaire.dimensions}
    words = questionnaire.words()
    rows = []
    for _, p in a.unit_problems.iterrows():
        items = problem_items(a.unit_items, p["unit"], p["dimension"])
        measures = "；".join(dims[p["dimension"]].measures_for(items["item"].tolist()))
        common = {
            "unit": p["unit"],
            "dimension": p["dimension"],
            "dimension_name": p["dimension_name"],
            "evidence": evidence_labels(p["kinds"], words.rest, words.area),
            "themes": "、".join(themes_for.get(p["dimension"], [])) or "—",
        }
        rows.append(
            {
                **common,
                "item": None,
                "item_text": None,
                "measures": measures,
                **{k: p[k] for k in ("mean", "rest_mean", "diff", "p_fdr", "hedges_g", "unfavourable")},
            }
        )
        for _, r in items.iterrows():
            rows.append(
                {
                    **common,
                    "item": r["item"],
                    "item_text": r["item_text"],
                    "measures": "",
                    **{k: r[k] for k in ("mean", "rest_mean", "diff", "p_fdr", "hedges_g", "unfavourable")},
                }
            )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)
