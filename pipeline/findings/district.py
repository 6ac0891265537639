"""The whole area's findings for the overview: who was surveyed (counts and shares only on its first screen),
the area's own weaknesses — shared by most units — before the units significantly below the rest and the
problems persisting since an earlier wave, what respondents chose as their reasons and where problems
concentrate, then measures at the area's level for the area-wide weaknesses, before those left to single
units."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.evidence import district_wide, level, scale_points
from pipeline.analyze.tables import Analysis
from pipeline.common.formatting import pct, score
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import MIN_CELL, significantly_low
from pipeline.findings.basic import either, in_rule_order, withheld_figures
from pipeline.findings.causes import group_name
from pipeline.findings.changes import district_changes
from pipeline.findings.model import DistrictFindings
from pipeline.findings.wording import about, ordinal, quoted, scored
from pipeline.questionnaire import Questionnaire, Words

AREA_MEASURES = 3  # measures proposed for an area-wide weakness
REASONS_NAMED = 2


def _issued(units: pd.DataFrame, d: pd.Series, w: Words) -> str:
    """ "，发放问卷3,500份、回收率91.0%" when every unit's 发放 count is known."""
    issued = w.issued
    if not issued or not set(units["unit"]) <= set(issued):
        return ""
    total = sum(issued[x] for x in units["unit"])
    return f"，发放问卷{total}份、回收率{pct(float(d['received']) / total)}" if total else ""


def basic_text(a: Analysis, q: Questionnaire, w: Words) -> list[str]:
    """基本情况 of the area: counts and shares only (no test statistic on the overview's first screen)."""
    u, d = a.units.loc[a.units["valid"] > 0], a.district.iloc[0]
    by_rule = in_rule_order(a.rejections.groupby("rule")["count"].sum())
    kinds = u["kind"].value_counts()
    text = [
        f"本次调研覆盖{q.district}{len(u)}个{w.unit_label}"
        + ("（" + "、".join(f"{k}{int(kinds[k])}个" for k in kinds.index) + "）" if len(kinds) > 1 else "")
        + _issued(u, d, w)
        + f"，共回收问卷{int(d['received'])}份，有效问卷{int(d['valid'])}份，剔除{int(d['rejected'])}份"
        + ("（" + "、".join(f"{k}{v}份" for k, v in by_rule.items()) + "）" if by_rule else "")
        + "。"
    ]
    no_unit = a.units.loc[a.units["unit"] == NO_UNIT, "received"]
    if not no_unit.empty:
        text.append(f"其中{int(no_unit.iloc[0])}份问卷未填写所在{w.unit_label}，计入回收总数后剔除。")
    small = u.loc[u["valid"] < MIN_CELL]
    if not small.empty:
        text.append(
            f"{'、'.join(small['unit'])}的有效问卷不足{MIN_CELL}份（共{int(small['valid'].sum())}份）："
            f"为保护{w.respondents}，这些答卷只计入问卷份数，不计入{w.area}的"
            f"{withheld_figures(w)}等各项统计（否则可由{w.area}合计减去其他单位推算出来）。"
        )
    if w.has_open:
        besides = "（不含上述单位）" if not small.empty else ""
        text.append(f"共征集意见建议{int(d['suggestions'])}条{besides}。")
    if w.overall is not None and pd.notna(d.get("satisfaction_rate")):
        text.append(
            f"{w.area}{w.rate_name}（“{w.overall.label}”选择{either(w.overall.satisfied)}的比例）"
            f"为{pct(float(d['satisfaction_rate']))}。"
        )
    elif w.overall is None:
        text.append(f"本次问卷没有总体评价题，不计算{w.rate_name}，也不分析各方面与总体评价的关联。")
    return text


def _area_items(a: Analysis, dimension: str) -> list[str]:
    """A dimension's items, the area's weakest first (means over the units shown, weighted by their
    answers)."""
    ui = a.unit_items.loc[(a.unit_items["dimension"] == dimension) & a.unit_items["mean"].notna()]
    if ui.empty:
        return []
    means = (ui["mean"] * ui["n"]).groupby(ui["item"]).sum() / ui["n"].groupby(ui["item"]).sum()
    return means.sort_values().index.tolist()


def _own_lowest(a: Analysis, q: Questionnaire) -> pd.Series:
    """Per dimension, how many units score lowest on it among their own dimensions (scales of any length)."""
    ud = a.unit_dimensions.loc[~a.unit_dimensions["suppressed"] & a.unit_dimensions["mean"].notna()]
    lowest = ud.assign(level=level(ud["mean"], ud["dimension"].map(scale_points(q)))).sort_values("level")
    return lowest.drop_duplicates("unit")["dimension"].value_counts()


def _area_reasons(dimension: str, a: Analysis, q: Questionnaire, w: Words) -> str:
    """What the area's respondents chose as the reasons explaining ``dimension``."""
    area = a.problems.loc[(a.problems["unit"] == DISTRICT) & (a.problems["count"] > 0)]
    parts = []
    for question in q.profile + q.outcomes:
        options = [o for o, spec in question.explains.items() if dimension in spec.dimensions]
        rows = area.loc[(area["question"] == question.id) & area["option"].isin(options)]
        for _, r in rows.sort_values("share", ascending=False).head(REASONS_NAMED).iterrows():
            parts.append(
                f"在“{w.multi[question.id]}”中选择{quoted(r['option'])}的占{pct(r['share'])}"
                f"（{len(question.options)}个选项中居第{int(r['rank'])}位）"
            )
    return "；".join(parts)


def _wide(a: Analysis, q: Questionnaire) -> pd.DataFrame:
    return district_wide(a.district_dimensions, q)


def problems_text(a: Analysis, q: Questionnaire, w: Words) -> tuple[list[str], list[str], list[str]]:
    """存在的问题: the area's weaknesses, the units significantly below the rest, the persistent ones; with
    the area-wide dimensions and the units significantly low."""
    wide = _wide(a, q)
    n_dims, n_units = len(a.district_dimensions), int((a.units["valid"] >= MIN_CELL).sum())
    own_lowest = _own_lowest(a, q)
    dd = a.district_dimensions
    from_bottom = (
        dd.assign(level=level(dd["mean"], dd["dimension"].map(scale_points(q))))
        .sort_values("level")["dimension"]
        .tolist()
    )
    text, n = [], 0
    for _, r in wide.iterrows():
        n += 1
        rank = from_bottom.index(r["dimension"]) + 1
        parts = [
            f"{w.area}平均{scored(r['mean'], int(r['points']))}，在{n_dims}个方面中"
            + ("得分最低" if rank == 1 else f"居倒数第{rank}位")
        ]
        if pd.notna(r.get("unfavourable")):
            parts.append(f"{about(r['unfavourable'])}的作答为负面评价")
        lowest_in = int(own_lowest.get(r["dimension"], 0))
        if lowest_in:
            parts.append(f"{n_units}个{w.unit_label}中有{lowest_in}个在这一方面的得分是本单位各方面中最低的")
        text.append(
            f"（{ordinal(n)}）{quoted(r['dimension_name'])}是{w.area}普遍存在的薄弱方面："
            + "，".join(parts)
            + "。"
        )
    ud = a.unit_dimensions
    sig = ud.loc[significantly_low(ud)].sort_values("diff")
    units_low = list(dict.fromkeys(sig["unit"]))
    if not sig.empty:
        n += 1
        text.append(
            f"（{ordinal(n)}）个别{w.unit_label}的突出问题：经统计检验，"
            f"共有{len(units_low)}个{w.unit_label}的{len(sig)}项得分显著低于{w.rest}："
            + "；".join(
                f"{u}（"
                + "、".join(f"“{r['dimension_name']}”{score(r['mean'])}分" for _, r in g.iterrows())
                + "）"
                for u, g in sig.groupby("unit", sort=False)
            )
            + "。"
        )
    else:
        text.append(f"经统计检验，没有{w.unit_label}在任何方面显著低于{w.rest}。")
    persistent = a.unit_problems.loc[a.unit_problems["kinds"].str.contains("persistent")]
    if not persistent.empty and not a.changes.empty:
        n += 1
        title = a.changes["wave_title"].iloc[0]
        text.append(
            f"（{ordinal(n)}）持续存在的问题：与{title}相比仍低于{w.area}平均、未见改善的有"
            + "；".join(
                f"{r['unit']}“{r['dimension_name']}”（{score(r['mean_prev'])}→{score(r['mean'])}分）"
                for _, r in persistent.iterrows()
            )
            + "。"
        )
    lowest = a.district_dimensions.sort_values("mean").head(3)
    if len(a.district_dimensions) > 3:
        text.append(
            f"从{w.area}整体看，得分最低的三个方面依次是："
            + "、".join(f"“{r['dimension_name']}”（{score(r['mean'])}分）" for _, r in lowest.iterrows())
            + "。"
        )
    text += _area_choices(a, w)
    return text, wide["dimension_name"].tolist(), units_low


def _area_choices(a: Analysis, w: Words) -> list[str]:
    area = a.problems.loc[
        (a.problems["unit"] == DISTRICT)
        & (a.problems["count"] > 0)
        & ~a.problems["option"].str.startswith("其他")
    ]
    out = []
    for qid, label in w.multi.items():
        top = area.loc[area["question"] == qid].sort_values("share", ascending=False).head(3)
        if not top.empty:
            out.append(
                f"在“{label}”（多选）中，{w.area}{w.respondents}选择最多的依次是："
                + "、".join(f"{quoted(r['option'])}（{pct(r['share'])}）" for _, r in top.iterrows())
                + "。"
            )
    return out


def causes_text(a: Analysis, q: Questionnaire, w: Words) -> list[str]:
    """原因分析 at the area's level: reasons respondents chose for each area-wide weakness, how closely each
    dimension goes with overall satisfaction, and where single units' problems concentrate."""
    out = []
    for _, r in _wide(a, q).iterrows():
        reasons = _area_reasons(r["dimension"], a, q, w)
        if reasons:
            out.append(f"关于{quoted(r['dimension_name'])}：{w.area}{w.respondents}" + reasons + "。")
    if w.overall is not None and not a.drivers.empty and a.drivers["importance"].notna().any():
        top = a.drivers.sort_values("importance", ascending=False).head(3)
        out.append(
            f"与“{w.overall.label}”关联最密切的方面依次是："
            + "、".join(
                f"“{r['dimension_name']}”（相对重要性{pct(r['importance'])}）" for _, r in top.iterrows()
            )
            + "（统计关联，不代表因果关系）。"
        )
    sub = a.subgroups.loc[a.subgroups["significant"] & (a.subgroups["diff"] < 0) & ~a.subgroups["suppressed"]]
    dim_names = q.dimension_names()
    for (u, dim), g in sub.sort_values("diff").groupby(["unit", "dimension"], sort=False):
        groups = "和".join(group_name(r, w) for _, r in g.head(2).iterrows())
        out.append(f"{u}“{dim_names[dim]}”得分偏低主要集中在{groups}。")
    return out


def suggestions_text(a: Analysis, q: Questionnaire, w: Words, units_low: list[str]) -> list[str]:
    """对策建议: measures at the area's level for its weaknesses and for problems several units share, then
    the
    single units' problems left to their own reports."""
    dims = {d.id: d for d in q.dimensions}
    wide = _wide(a, q)
    out = []
    for _, r in wide.iterrows():
        measures = dims[r["dimension"]].measures_for(_area_items(a, r["dimension"]), at_most=AREA_MEASURES)
        body = (
            "：" + "；".join(f"{ordinal(i + 1)}是{m.rstrip('。；;')}" for i, m in enumerate(measures))
            if measures
            else "，研究制定具体措施"
        )
        low = significantly_low(a.unit_dimensions) & (a.unit_dimensions["dimension"] == r["dimension"])
        worst = a.unit_dimensions.loc[low, "unit"].tolist()
        focus = f"{'、'.join(worst)}显著低于{w.rest}，应作为重点" if worst else ""
        out.append(
            f"（{ordinal(len(out) + 1)}）针对{w.area}普遍存在的{quoted(r['dimension_name'])}问题，"
            f"建议在{w.area}层面统筹"
            + body
            + "。"
            + (focus + "。" if focus else "")
        )
    sig = a.unit_dimensions.loc[
        significantly_low(a.unit_dimensions) & ~a.unit_dimensions["dimension"].isin(wide["dimension"])
    ]
    counts = sig.groupby("dimension", sort=False)["unit"].agg(list)
    for dim in [d.id for d in q.dimensions if d.id in counts and len(counts[d.id]) >= 2]:
        measures = dims[dim].measures_for(_area_items(a, dim), at_most=AREA_MEASURES)
        out.append(
            f"（{ordinal(len(out) + 1)}）{quoted(dims[dim].name)}在{'、'.join(counts[dim])}"
            f"等{len(counts[dim])}个"
            f"{w.unit_label}显著偏低，宜在{w.area}层面统筹解决"
            + (
                "：" + "；".join(f"{ordinal(i + 1)}是{m.rstrip('。；;')}" for i, m in enumerate(measures))
                if measures
                else ""
            )
            + "。"
        )
    single = [(units[0], dims[d].name) for d, units in counts.items() if len(units) == 1]
    if single:
        out.append(
            f"针对个别{w.unit_label}的突出问题，由所在单位对照本单位报告中的对策建议整改，{w.area}跟踪督促："
            + "；".join(f"{u}“{name}”" for u, name in single)
            + "。"
        )
    if not out:
        out.append(f"各{w.unit_label}对照本单位报告中的问题和对策建议整改，{w.area}跟踪督促。")
    return out


def open_answers_text(a: Analysis, w: Words) -> list[str]:
    """The open answers of the whole area by theme (a suggestion can touch several themes)."""
    if not w.has_open:
        return []
    total = int(a.district.iloc[0]["suggestions"])
    th = a.themes.loc[(a.themes["unit"] == DISTRICT) & (a.themes["count"] >= MIN_CELL)].sort_values(
        "count", ascending=False
    )
    if total == 0 or th.empty:
        return [f"共征集意见建议{total}条。"]
    return [
        f"共征集意见建议{total}条，按主题归类（一条意见可涉及多个主题）："
        + "；".join(f"{r['theme']}{int(r['count'])}条（{pct(r['count'] / total)}）" for _, r in th.iterrows())
        + "。"
    ]


def district_findings(a: Analysis, q: Questionnaire) -> DistrictFindings:
    """The overview's findings (totals over every respondent, not sums of units)."""
    w = q.words()
    u, d = a.units.loc[a.units["valid"] > 0], a.district.iloc[0]
    problems, wide, units_low = problems_text(a, q, w)
    return DistrictFindings(
        district=q.district,
        survey_title=q.title,
        text=basic_text(a, q, w),
        units=u["unit"].tolist(),
        received=int(d["received"]),
        valid=int(d["valid"]),
        rejected_by_rule=in_rule_order(a.rejections.groupby("rule")["count"].sum()),
        significant_low=int(significantly_low(a.unit_dimensions).sum()),
        district_wide=wide,
        problems=problems,
        causes=causes_text(a, q, w),
        suggestions=suggestions_text(a, q, w, units_low),
        open_answers=open_answers_text(a, w),
        changes=district_changes(a, w),
        units_with_problems=units_low,
    )
