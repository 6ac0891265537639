"""The problem ledger (问题清单): every problem of every unit (``pipeline.analyze.evidence``), one row for the
dimension and one for each item behind it — its significantly low items, or else its weakest item — with the
kinds of its evidence, the suggestion themes tied to it, the measures proposed, its owner and its quantified
target: the start of a research group's 整改台账 (the wording layer says each in words)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.measures import choose, located
from pipeline.analyze.tables import Analysis
from pipeline.common.rules import significantly_low
from pipeline.questionnaire import Questionnaire

LEDGER_COLUMNS = [
    "unit",
    "dimension",
    "dimension_name",
    "item",
    "item_text",
    "kinds",
    "mean",
    "rest_mean",
    "diff",
    "p_fdr",
    "hedges_g",
    "unfavourable",
    "themes",
    "measures",
    "owner",
    "target",
    "target_score",
    "target_unfavourable",
]
TARGETS = ("standard", "previous", "benchmark", "rest")  # what a row's 目标 is measured against
BENCHMARK = 0.75  # an area-wide weakness's target: the score of the area's best quarter of units


def problem_items(ui: pd.DataFrame, unit: str, dimension: str) -> pd.DataFrame:
    """The items behind a unit's problem: those significantly below the rest of the area, or else the one the
    unit scores lowest on."""
    rows = ui.loc[(ui["unit"] == unit) & (ui["dimension"] == dimension) & ~ui["suppressed"]]
    low = rows.loc[significantly_low(rows)].sort_values("diff")
    return low if not low.empty else rows.nsmallest(1, "mean")


def _target(p: pd.Series, benchmark: pd.Series) -> dict:
    """A problem's quantified target (目标): its work target where it misses one; the score before it
    declined; for an area-wide weakness, the score of the area's best quarter of units; else the rest of the
    area's score — and the unfavourable share down to the area's where it is above it."""
    kinds = p["kinds"].split(",")
    unfavourable = p["area_unfavourable"] if p["unfavourable"] > p["area_unfavourable"] else None
    if "standard" in kinds:
        return dict(target="standard", target_score=p["standard_score"],
                    target_unfavourable=p["standard_unfavourable"])
    if "declined" in kinds:
        return dict(target="previous", target_score=p["mean_prev"], target_unfavourable=unfavourable)
    if "significant" not in kinds and "district_wide" in kinds:
        return dict(target="benchmark", target_score=benchmark.get(p["dimension"]),
                    target_unfavourable=unfavourable)
    return dict(target="rest", target_score=p["rest_mean"], target_unfavourable=unfavourable)


def problem_ledger(a: Analysis, questionnaire: Questionnaire) -> pd.DataFrame:
    """Every problem of every unit, a row for the dimension and for each item behind it (``item`` empty on the
    dimension's own row), with the kinds of its evidence (``analyze.evidence.KINDS``), the themes tied to it,
    the measures proposed for where it was located (``analyze.measures``), its owner (the dimension's
    ``owner``, else the unit) and its quantified target (``target`` in ``TARGETS``; an item's: the rest of
    the area's score and unfavourable share)."""
    themes_for = {
        d.id: [name for name, t in questionnaire.themes.items() if d.id in t.dimensions]
        for d in questionnaire.dimensions
    }
    dims = {d.id: d for d in questionnaire.dimensions}
    shown = a.unit_dimensions.loc[~a.unit_dimensions["suppressed"]]
    benchmark = shown.groupby("dimension")["mean"].quantile(BENCHMARK)
    rows = []
    for _, p in a.unit_problems.iterrows():
        items = problem_items(a.unit_items, p["unit"], p["dimension"])
        where = located(a, p["unit"], p["dimension"], questionnaire)
        measures = "；".join(c.text for c in choose(dims[p["dimension"]], items["item"].tolist(), where))
        common = {
            "unit": p["unit"],
            "dimension": p["dimension"],
            "dimension_name": p["dimension_name"],
            "kinds": p["kinds"],
            "themes": "、".join(themes_for.get(p["dimension"], [])),
            "owner": dims[p["dimension"]].owner or p["unit"],
        }
        rows.append(
            {
                **common,
                "item": None,
                "item_text": None,
                "measures": measures,
                **{k: p[k] for k in ("mean", "rest_mean", "diff", "p_fdr", "hedges_g", "unfavourable")},
                **_target(p, benchmark),
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
                    "target": "rest",
                    "target_score": r["rest_mean"] if r["mean"] < r["rest_mean"] else None,
                    "target_unfavourable": r["rest_unfavourable"]
                    if r["unfavourable"] > r["rest_unfavourable"] else None,
                }
            )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)
