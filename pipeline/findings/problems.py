"""存在的问题: every unit's problems with the evidence for each (``pipeline.analyze.evidence``), each kind in
its own honest wording — 显著 only where the test says so — then its items, what respondents chose as the
most pressing problems, and changes since an earlier wave. A unit that is good on everything is told so, with
its strengths and its relatively weakest area."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.ledger import problem_items
from pipeline.analyze.tables import Analysis
from pipeline.common.formatting import pct, score
from pipeline.common.rules import MIN_CELL, MIN_N_TEST, significantly_high, significantly_low, slightly_low
from pipeline.findings.basic import SMALL_SAMPLE, unit_row
from pipeline.findings.changes import unit_changes
from pipeline.findings.model import Choice, ItemGap, Problem, Problems
from pipeline.findings.wording import about, compared, quoted, scored
from pipeline.questionnaire import Words

ITEMS_NAMED = 2  # items quoted under a problem


def choose_problems(unit: str, a: Analysis) -> list[Problem]:
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
                rank=int(p["rank"]),
                dimensions=int(p["dimensions"]),
                diff=p["diff"],
                hedges_g=p["hedges_g"],
                p_fdr=p["p_fdr"],
                unfavourable=p["unfavourable"],
                area_unfavourable=p["area_unfavourable"],
                items=[
                    ItemGap(
                        item=r["item"],
                        text=r["item_text"],
                        mean=r["mean"],
                        rest_mean=r["rest_mean"],
                        significant=bool(r["significant"]),
                        unfavourable=r["unfavourable"],
                    )
                    for _, r in chosen.iterrows()
                ],
            )
        )
    return out


def _lead(p: Problem, w: Words, wave: str | None, previous: tuple[float, float] | None) -> str:
    """The problem stated by its strongest evidence, in that evidence's own words."""
    name, rest, area = quoted(p.name), w.rest, w.area
    first = p.evidence[0]
    if first == "significant":
        return (
            f"{name}得分{scored(p.mean, p.points)}，显著低于{rest}的{score(p.rest_mean)}分"
            f"（低{score(-p.diff)}分，差异经统计检验显著）"
        )
    if first == "persistent" and previous is not None:
        return (
            f"{name}在{wave}中已低于{area}平均（{score(previous[0])}分，{area}{score(previous[1])}分），"
            f"本次为{scored(p.mean, p.points)}，仍低于{area}的{score(p.area_mean)}分，未见改善"
        )
    if first == "district_wide":
        return (
            f"{name}是{area}普遍存在的薄弱方面（{area}平均{score(p.area_mean)}分），本单位为"
            f"{scored(p.mean, p.points)}{compared(p.mean, p.rest_mean, rest)}"
        )
    if first == "negative":
        return (
            f"{name}方面，本单位{negative(p, area)}，得分{scored(p.mean, p.points)}"
            f"{compared(p.mean, p.rest_mean, rest)}"
        )
    return f"{name}{scored(p.mean, p.points)}，{ranked(p)}{compared(p.mean, p.rest_mean, rest)}"


def negative(p: Problem, area: str) -> str:
    """"两成多（23.9%）的作答为负面评价，高于全区的18.2%"."""
    versus = f"，高于{area}的{pct(p.area_unfavourable)}" if p.area_unfavourable is not None else ""
    return f"{about(p.unfavourable)}的作答为负面评价{versus}"


def ranked(p: Problem) -> str:
    """ "在本单位9个方面中得分最低" or "…居倒数第2位" (scores as shares of their scales)."""
    return f"在本单位{p.dimensions}个方面中得分" + ("最低" if p.rank == 1 else f"居倒数第{p.rank}位")


def _more(p: Problem, w: Words) -> list[str]:
    """The other evidence for the same problem, each in its own words."""
    out = []
    for kind in p.evidence[1:]:
        if kind == "district_wide":
            out.append(f"这也是{w.area}普遍存在的问题（{w.area}平均{score(p.area_mean)}分）")
        elif kind == "negative" and p.unfavourable is not None:
            out.append(negative(p, w.area))
        elif kind == "weakest" and p.evidence[0] != "weakest":
            out.append(ranked(p))
        elif kind == "persistent":
            out.append("上次调查中已偏低，本次未见改善")
    if "significant" not in p.evidence and p.p_fdr is not None:
        out.append(f"与{w.rest}的差异未达到统计显著水平")
    return out


def _item(i: ItemGap, rest: str, reverse: set[str]) -> str:
    """An item as respondents answered it: a negatively worded item by the share who agreed with it."""
    mark = f"，显著低于{rest}" if i.significant else ""
    if i.item in reverse and i.unfavourable is not None:
        return f"认为{quoted(i.text)}的占{pct(i.unfavourable)}（反向计分后{score(i.mean)}分{mark}）"
    parts = [f"{rest}{score(i.rest_mean)}分" if i.rest_mean is not None else "", mark.lstrip("，"),
             f"{about(i.unfavourable)}给出负面评价" if i.unfavourable else ""]
    inner = "，".join(x for x in parts if x)
    return f"{quoted(i.text)}{score(i.mean)}分" + (f"（{inner}）" if inner else "")


def problem_text(
    p: Problem,
    w: Words,
    reverse: set[str],
    wave: str | None,
    previous: tuple[float, float] | None,
    tested: bool,
) -> str:
    """One problem as a paragraph: its lead, the rest of its evidence, the items behind it."""
    parts = [_lead(p, w, wave, previous), *_more(p, w)]
    text = "，".join(parts) + "。"
    if p.items:
        text += "具体看，" + "；".join(_item(i, w.rest, reverse) for i in p.items) + "。"
    return text if tested else text[:-1] + f"（{SMALL_SAMPLE}）。"


def _previous(unit: str, dimension: str, a: Analysis) -> tuple[str | None, tuple[float, float] | None]:
    row = a.unit_problems.loc[(a.unit_problems["unit"] == unit) & (a.unit_problems["dimension"] == dimension)]
    if row.empty or pd.isna(row["mean_prev"].iloc[0]) or a.changes.empty:
        return None, None
    return str(a.changes["wave_title"].iloc[0]), (
        float(row["mean_prev"].iloc[0]),
        float(row["area_mean_prev"].iloc[0]),
    )


def _top_choices(unit: str, a: Analysis, w: Words) -> tuple[list[Choice], list[str]]:
    """What the unit's respondents chose most often in each multi-select (not "其他")."""
    pr = a.problems.loc[
        (a.problems["unit"] == unit)
        & ~a.problems["suppressed"]
        & ~a.problems["option"].str.startswith("其他")
        & (a.problems["count"] > 0)
    ]
    top = pr.sort_values("share", ascending=False).groupby("question", sort=False).head(3)
    text = []
    for qid, label in w.multi.items():
        chosen = top.loc[top["question"] == qid]
        if not chosen.empty:
            text.append(
                f"在“{label}”（多选）中，本单位{w.respondents}选择最多的依次是："
                + "、".join(f"{quoted(r['option'])}（{pct(r['share'])}）" for _, r in chosen.iterrows())
                + "。"
            )
    choices = [
        Choice(
            question=r["question"],
            option=r["option"],
            share=r["share"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
        )
        for _, r in top.iterrows()
    ]
    return choices, text


def problems_section(unit: str, a: Analysis, w: Words, reverse: set[str]) -> Problems:
    n_valid = int(unit_row(a, unit)["valid"])
    tested = n_valid >= MIN_N_TEST
    ud = a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit]
    if n_valid < MIN_CELL:
        return Problems(text=[f"有效问卷不足{MIN_CELL}份，不分析存在的问题。"], items=[])
    problems = choose_problems(unit, a)
    text = []
    if not tested:
        text.append(
            f"{SMALL_SAMPLE}：有效问卷仅{n_valid}份，以下只描述本单位得分，不判断与{w.rest}的差异是否显著。"
        )
    elif not significantly_low(ud).any():
        text.append(
            f"与{w.rest}相比，各方面得分均未发现统计学意义上显著偏低；以下问题来自本单位自身得分和"
            f"{w.area}的共性情况。"
        )
    for i, p in enumerate(problems, start=1):
        wave, previous = _previous(unit, p.dimension, a)
        text.append(
            f"（{'一二三四五六七八九十'[i - 1]}）" + problem_text(p, w, reverse, wave, previous, tested)
        )
    slight = ud.loc[slightly_low(ud) & tested & ~ud["dimension"].isin([p.dimension for p in problems])]
    if not slight.empty:
        text.append(
            "“"
            + "”“".join(slight["dimension_name"])
            + f"”得分略低于{w.rest}，但差异未达到统计显著水平，宜持续关注。"
        )
    high = ud.loc[significantly_high(ud)].sort_values("diff", ascending=False)
    strengths = high["dimension_name"].tolist()
    if not high.empty and tested:
        text.append(
            "相对优势："
            + "、".join(
                f"“{r['dimension_name']}”（{score(r['mean'])}分，{w.rest}{score(r['rest_mean'])}分）"
                for _, r in high.iterrows()
            )
            + f"显著高于{w.rest}。"
        )
    elif problems and all(p.evidence == ["weakest"] and p.mean >= p.rest_mean for p in problems):
        best = ud.loc[~ud["suppressed"]].nlargest(2, "mean")
        strengths = best["dimension_name"].tolist()
        text.append(
            f"总体看，本单位各方面得分均不低于{w.rest}，得分较高的是"
            + "、".join(f"“{r['dimension_name']}”（{score(r['mean'])}分）" for _, r in best.iterrows())
            + "；上面列出的是相对薄弱、宜继续巩固的方面。"
        )
    choices, choice_text = _top_choices(unit, a, w)
    changes, change_text = unit_changes(unit, a)
    return Problems(
        text=text + choice_text + change_text,
        items=problems,
        strengths=strengths,
        changes=changes,
        top_choices=choices,
    )
