"""存在的问题: every unit's problems with the evidence for each (``pipeline.analyze.evidence``) and the items
behind them, its dimensions a little low and significantly high, what respondents chose as the most pressing
problems, and changes since an earlier wave — as facts (``report.compose.text_problems`` words them)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import small_units
from pipeline.analyze.ledger import problem_items
from pipeline.analyze.tables import Analysis
from pipeline.common.names import OTHER_OPTION
from pipeline.common.rules import (
    MIN_N_TEST,
    missed_standard,
    significantly_low,
    slightly_low,
)
from pipeline.findings.basic import unit_row
from pipeline.findings.changes import trends, unit_changes
from pipeline.findings.model import Choice, ItemGap, Problem, Problems

ITEMS_NAMED = 2  # items quoted under a problem


def choose_problems(unit: str, a: Analysis, reverse: set[str]) -> list[Problem]:
    """The unit's problems in priority order, each with the items behind it."""
    rows = a.unit_problems.loc[a.unit_problems["unit"] == unit]
    out = []
    for _, p in rows.iterrows():
        items = problem_items(a.unit_items, unit, p["dimension"])
        worst = a.unit_items.loc[
            (a.unit_items["unit"] == unit)
            & (a.unit_items["dimension"] == p["dimension"])
            & ~a.unit_items["suppressed"]
        ].nsmallest(ITEMS_NAMED, "mean")
        chosen = pd.concat([items, worst]).drop_duplicates("item").head(ITEMS_NAMED)
        out.append(
            Problem(
                dimension=p["dimension"],
                name=p["dimension_name"],
                evidence=p["kinds"].split(","),
                mean=p["mean"],
                rest_mean=p["rest_mean"],
                area_mean=p["area_mean"],
                points=int(p["points"]),
                low=int(p["low"]),
                rank=int(p["rank"]),
                dimensions=int(p["dimensions"]),
                diff=p["diff"],
                hedges_g=p["hedges_g"],
                p_fdr=p["p_fdr"],
                unfavourable=p["unfavourable"],
                area_unfavourable=p["area_unfavourable"],
                standard_score=p["standard_score"],
                standard_unfavourable=p["standard_unfavourable"],
                missed=missed_standard(p["mean"], p["unfavourable"], p["standard_score"],
                                       p["standard_unfavourable"]),
                items=[
                    ItemGap(
                        item=r["item"],
                        text=r["item_text"],
                        mean=r["mean"],
                        rest_mean=r["rest_mean"],
                        significant=bool(r["significant"]),
                        unfavourable=r["unfavourable"],
                        reverse=r["item"] in reverse,
                    )
                    for _, r in chosen.iterrows()
                ],
            )
        )
    return out


def _previous(unit: str, dimension: str, a: Analysis) -> tuple[str | None, tuple[float, float] | None]:
    row = a.unit_problems.loc[(a.unit_problems["unit"] == unit) & (a.unit_problems["dimension"] == dimension)]
    if row.empty or pd.isna(row["mean_prev"].iloc[0]) or a.changes.empty:
        return None, None
    return str(a.changes["wave_title"].iloc[0]), (
        float(row["mean_prev"].iloc[0]),
        float(row["area_mean_prev"].iloc[0]),
    )


def top_choices(rows: pd.DataFrame) -> list[Choice]:
    """What respondents chose most often in each multi-select (``rows``: a unit's or the area's rows of the
    choices table), three per question, never "其他" or an option nobody chose."""
    pr = rows.loc[~rows["option"].str.startswith(OTHER_OPTION) & (rows["count"] > 0)]
    top = pr.sort_values("share", ascending=False).groupby("question", sort=False).head(3)
    return [
        Choice(question=r["question"], option=r["option"], share=r["share"], ci_low=r["ci_low"],
               ci_high=r["ci_high"])
        for _, r in top.iterrows()
    ]


def problems_section(unit: str, a: Analysis, reverse: set[str], evaluated: set[str]) -> Problems:
    """存在的问题 (``evaluated``: the dimensions that can be problems, not descriptive)."""
    n_valid = int(unit_row(a, unit)["valid"])
    tested = n_valid >= MIN_N_TEST
    ud = a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit]
    if unit in small_units(a.units):
        return Problems(items=[], withheld=True, tested=tested, valid=n_valid)
    problems = choose_problems(unit, a, reverse)
    for p in problems:
        p.wave, previous = _previous(unit, p.dimension, a)
        if previous is not None:
            p.mean_prev, p.area_mean_prev = previous
    slight = ud.loc[slightly_low(ud) & tested & ud["dimension"].isin(evaluated)
                    & ~ud["dimension"].isin([p.dimension for p in problems])]
    changes, waves = unit_changes(unit, a)
    return Problems(
        items=problems,
        tested=tested,
        valid=n_valid,
        any_significant_low=bool(significantly_low(ud.loc[ud["dimension"].isin(evaluated)]).any()),
        slight=slight["dimension_name"].tolist(),
        changes=changes,
        waves=waves,
        trends=trends(unit, a),
        top_choices=top_choices(a.problems.loc[(a.problems["unit"] == unit) & ~a.problems["suppressed"]]),
    )
