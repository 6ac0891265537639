"""The problem ledger (问题清单): every significantly low dimension and item of every unit, one row each,
with the suggestion themes tied to it — the start of a research group's 整改台账."""

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
    "mean",
    "rest_mean",
    "diff",
    "p_fdr",
    "hedges_g",
    "unfavourable",
    "themes",
    "measures",
]
def problem_ledger(a: Analysis, questionnaire: Questionnaire) -> pd.DataFrame:
    """Every significantly low dimension and item of every unit, with the suggestion themes tied to it
    (``item_text`` is empty on a dimension's own row)."""
    themes_for = {d.id: [name for name, t in questionnaire.themes.items() if d.id in t.dimensions]
                  for d in questionnaire.dimensions}
    names = questionnaire.dimension_names()
    measures = {d.id: "；".join(m.rstrip("。；;") for m in d.measures) for d in questionnaire.dimensions}
    rows = []
    ud = a.unit_dimensions.loc[significantly_low(a.unit_dimensions)]
    ui = a.unit_items.loc[significantly_low(a.unit_items)]
    for frame, item in ((ud, False), (ui, True)):
        for _, r in frame.iterrows():
            rows.append(
                {
                    "unit": r["unit"],
                    "dimension": r["dimension"],
                    "dimension_name": names[r["dimension"]],
                    "item": r["item"] if item else None,
                    "item_text": r["item_text"] if item else None,
                    # exact values: every output rounds them once, the same way (``common.formatting``)
                    **{k: r[k] for k in ("mean", "rest_mean", "diff", "p_fdr", "hedges_g", "unfavourable")},
                    "themes": "、".join(themes_for.get(r["dimension"], [])) or "—",
                    "measures": measures.get(r["dimension"], "") if not item else "",
                }
            )
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    order = {u: i for i, u in enumerate(a.units["unit"])}
    dims = {name: i for i, name in enumerate(names.values())}
    key = pd.DataFrame({"u": ledger["unit"].map(order), "d": ledger["dimension_name"].map(dims),
                        "item": ledger["item_text"].notna(), "gap": ledger["diff"]})
    return ledger.loc[key.sort_values(["u", "d", "item", "gap"]).index].reset_index(drop=True)
