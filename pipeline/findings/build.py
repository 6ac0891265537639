"""Findings: per-unit Chinese text in the shape of a 调研报告, every figure filled from the analysis.

Sections: 基本情况 (who was surveyed), 存在的问题 (what is significantly low), 原因分析 (which low
dimensions matter most for satisfaction, and which items drive them), 对策建议 (what respondents
suggest, tied to the problems). Wording is honest: "显著低于" only when the FDR-adjusted p < 0.05 and
the unit has at least ``MIN_N_TEST`` valid responses; "略低于" for a tested, non-significant gap of at
least a small effect (g ≤ −0.2), always saying it is not significant; otherwise nothing.
"""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.tables import Analysis
from pipeline.clean import RULE_ORDER
from pipeline.common.formatting import p_text, pct, score
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import (
    ALPHA,
    MIN_CELL,
    MIN_N_TEST,
    significantly_high,
    significantly_low,
    slightly_low,
)
from pipeline.findings.model import DistrictFindings, UnitFindings
from pipeline.questionnaire import Questionnaire, Words
from pipeline.questionnaire.words import Figure as WordsFigure
from pipeline.stats.drivers import PRIORITY

SMALL_SAMPLE = "样本量较小，结论仅供参考"


def _in_rule_order(counts: pd.Series) -> dict[str, int]:
    """Rejection counts keyed by rule, in the order the clean stage applies the rules."""
    rank = {rule: i for i, rule in enumerate(RULE_ORDER)}
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: rank.get(kv[0], len(rank)))}


def _figure_phrase(comp: pd.DataFrame, question: str, options: list[str], label: str) -> str | None:
    """"党员占45.0%": the share of the unit's respondents who chose any of ``options``."""
    rows = comp.loc[(comp["question"] == question) & comp["option"].isin(options)]
    if rows.empty:
        return None
    if rows["suppressed"].any():
        return f"{label}人数不予显示（避免推算出个别受访者的情况）"
    return f"{label}占{pct(float(rows['share'].sum()))}"


def _profile_phrases(comp: pd.DataFrame, w: Words) -> list[str]:
    """The profile shares the 基本情况 quotes: the report section's figures, or each question's largest
    option."""
    figures = list(w.profile_figures) if w.profile_figures is not None else None
    if figures is None:
        figures = []
        for qid, label in w.profile_labels.items():
            rows = comp.loc[(comp["question"] == qid) & ~comp["suppressed"]]
            if not rows.empty:
                top = rows.sort_values("share", ascending=False).iloc[0]
                figures.append(WordsFigure(question=qid, options=[top["option"]],
                                           label=f"{label}为“{top['option']}”的"))
    return [p for f in figures if (p := _figure_phrase(comp, f.question, f.options, f.label))]


def _withheld_figures(w: Words) -> str:
    """What a unit too small to show keeps to itself: "构成、得分、满意率和意见建议"."""
    parts = ["构成", "得分"] + ([w.rate_name] if w.overall is not None else [])
    parts += ["意见建议"] if w.has_open else []
    return "、".join(parts[:-1]) + "和" + parts[-1]


def _quoted(labels: list[str]) -> str:
    return "“" + "”或“".join(labels) + "”"


def _count(value) -> int | None:
    """A stored count, or None where it was withheld (or never computed)."""
    return None if value is None or pd.isna(value) else int(value)


def _unit_row(a: Analysis, unit: str) -> pd.Series:
    return a.units.set_index("unit").loc[unit]


def basic_section(unit: str, a: Analysis, w: Words) -> dict:
    u = _unit_row(a, unit)
    by_rule = _in_rule_order(a.rejections.loc[a.rejections["unit"] == unit].groupby("rule")["count"].sum())
    received, valid, rejected = int(u["received"]), int(u["valid"]), int(u["rejected"])
    issued = w.issued.get(unit) if valid >= MIN_CELL else None
    handed = f"发放问卷{issued}份，回收{received}份（回收率{pct(received / issued)}），" if issued else ""
    text = [
        (f"本次调研在{unit}{handed}其中有效问卷{valid}份" if handed else
         f"本次调研在{unit}共回收问卷{received}份，其中有效问卷{valid}份")
        + (f"（有效率{pct(valid / received)}）" if received else "")
        + (
            f"，剔除无效问卷{rejected}份（" + "、".join(f"{k}{v}份" for k, v in by_rule.items()) + "）"
            if rejected
            else ""
        )
        + "。"
    ]
    comp = a.composition.loc[a.composition["unit"] == unit]
    parts = _profile_phrases(comp, w)
    communities = _count(u.get("communities"))
    suggestions = _count(u.get("suggestions"))
    rate = u.get("satisfaction_rate")
    if valid >= MIN_CELL:
        covered = (
            f"有效问卷覆盖{communities}个{w.community_label}" if w.has_community and communities else ""
        )
        who = f"{w.respondents}中" + "，".join(parts) if parts else ""
        if covered or who:
            text.append("；".join(x for x in (covered, who) if x) + "。")
        overall = w.overall
        if overall is not None and rate is not None and pd.notna(rate):
            text.append(f"{w.rate_name}为{pct(float(rate))}（“{overall.label}”选择{_quoted(overall.satisfied)}的比例，"
                        f"95%置信区间{pct(float(u['satisfaction_ci_low']))}–{pct(float(u['satisfaction_ci_high']))}）"
                        + _against_district(unit, a, w) + "。")
        if w.has_open:
            text.append(f"共征集意见建议{suggestions or 0}条。")
    else:
        text.append(f"有效问卷不足{MIN_CELL}份，为保护{w.respondents}，{_withheld_figures(w)}均{SUPPRESSED}，"
                    f"这些答卷也不计入{w.area}的各项统计。")
    if valid < MIN_N_TEST:
        text.append(f"{SMALL_SAMPLE}（有效问卷不足{MIN_N_TEST}份，不做统计显著性判断）。")
    return {"received": received, "valid": valid, "rejected": rejected, "rejected_by_rule": by_rule,
            "communities": communities, "suggestions": suggestions,
            "satisfaction_rate": None if rate is None or pd.isna(rate) else float(rate), "text": text}


def _against_district(unit: str, a: Analysis, w: Words) -> str:
    """"，全区为78.2%，在10个街道（乡镇）中排第3位" (ranks among the units whose rate is shown)."""
    out = ""
    d = a.district.iloc[0] if not a.district.empty else None
    if d is not None and pd.notna(d.get("satisfaction_rate")):
        out += f"，{w.area}为{pct(float(d['satisfaction_rate']))}"
    rates = a.units.loc[a.units["valid"] > 0].set_index("unit")["satisfaction_rate"].dropna()
    if unit in rates.index and len(rates) >= 2:
        rank = int((rates > rates[unit]).sum()) + 1
        out += f"，在{len(rates)}个{w.unit_label}中排第{rank}位"
    return out


def _item_phrase(r: pd.Series, rest: str, reverse: set[str]) -> str:
    """An item as respondents answered it: a negatively worded item by the share who agreed with it."""
    if r["item"] in reverse and pd.notna(r.get("unfavourable")) and pd.notna(r.get("rest_unfavourable")):
        more = "高于" if r["unfavourable"] > r["rest_unfavourable"] else "不高于"
        return (f"认为“{r['item_text']}”的占{pct(r['unfavourable'])}，"
                f"{more}{rest}的{pct(r['rest_unfavourable'])}"
                f"（反向计分后{score(r['mean'])}分，{rest}{score(r['rest_mean'])}分）")
    return f"“{r['item_text']}”（{score(r['mean'])}分，{rest}{score(r['rest_mean'])}分）"


def _group_name(r: pd.Series, w: Words) -> str:
    """How a sentence names a respondent group: a community by its name, others by question and option."""
    return str(r["group"]) if not r["label"] else f"{r['label']}为“{r['group']}”的{w.respondents}"


def _partial_note(c: pd.DataFrame) -> str:
    """Which dimensions were compared on fewer items than they have (the questionnaire changed)."""
    part = c.loc[c["shared_items"] < c["items"]].drop_duplicates("dimension")
    listed = "、".join(f"“{r['dimension_name']}”只比较了两次都有的{int(r['shared_items'])}道题"
                      for _, r in part.iterrows())
    return f"（问卷有调整，{listed}）" if listed else ""


def _unit_changes(unit: str, a: Analysis) -> tuple[list[dict], list[str]]:
    """The unit against each earlier wave: significant changes only, named as 明显提高/下降."""
    records, text = [], []
    if a.changes.empty:
        return records, text
    for wave, c in a.changes.loc[a.changes["unit"] == unit].groupby("wave", sort=False):
        tested = c.loc[c["p_fdr"].notna()]
        if tested.empty:
            text.append(f"与{wave}相比：样本不足，不判断变化。")
            continue
        sig = tested.loc[tested["significant"]].sort_values("diff")
        parts = []
        for _, r in sig.iterrows():
            direction = "提高" if r["diff"] > 0 else "下降"
            records.append({"wave": wave, "dimension": r["dimension"], "name": r["dimension_name"],
                            "mean_prev": float(r["mean_prev"]), "mean": float(r["mean"]),
                            "direction": direction})
            parts.append(f"“{r['dimension_name']}”得分较{wave}明显{direction}"
                         f"（{score(r['mean_prev'])}→{score(r['mean'])}分）")
        text.append(("与" + wave + "相比，" + "；".join(parts) + "，变化经FDR校正后显著" if parts
                     else f"与{wave}相比，各维度得分没有统计学意义上的明显变化") + _partial_note(c) + "。")
    return records, text


def _dim_record(r: pd.Series) -> dict:
    return {"dimension": r["dimension"], "name": r["dimension_name"], "mean": float(r["mean"]),
            "rest_mean": float(r["rest_mean"]), "diff": float(r["diff"]), "hedges_g": float(r["hedges_g"]),
            "p_fdr": None if pd.isna(r["p_fdr"]) else float(r["p_fdr"]),
            "unfavourable": None if pd.isna(r.get("unfavourable")) else float(r["unfavourable"])}


def problems_section(unit: str, a: Analysis, w: Words, reverse: set[str] = frozenset()) -> dict:
    ud = a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit]
    n_valid = int(_unit_row(a, unit)["valid"])
    tested = n_valid >= MIN_N_TEST
    low = ud.loc[significantly_low(ud)].sort_values("diff")
    slight = ud.loc[slightly_low(ud) & tested].sort_values("diff")
    high = ud.loc[significantly_high(ud)].sort_values("diff", ascending=False)
    rest = w.rest
    text: list[str] = []
    if n_valid < MIN_CELL:
        text.append(f"有效问卷不足{MIN_CELL}份，不分析存在的问题。")
    elif not tested:
        text.append(f"{SMALL_SAMPLE}：有效问卷仅{n_valid}份，各维度得分仅作描述，不判断与{rest}的差异是否显著。")
    elif low.empty:
        text.append(f"各维度得分与{rest}相比，均未发现统计学意义上显著偏低的方面（经FDR多重比较校正，α={ALPHA}）。")
    else:
        for _, r in low.iterrows():
            neg = f"，{pct(r['unfavourable'])}的作答为负面评价" if pd.notna(r.get("unfavourable")) else ""
            text.append(
                f"“{r['dimension_name']}”得分{score(r['mean'])}分，显著低于{rest}的{score(r['rest_mean'])}分"
                f"（差距{score(-r['diff'])}分，Hedges g={score(r['hedges_g'])}，"
                f"FDR校正后{p_text(r['p_fdr'])}{neg}）。"
            )
    if tested and not slight.empty:
        text.append(
            "“"
            + "”“".join(slight["dimension_name"])
            + f"”得分略低于{rest}，但差异未达到统计显著水平，宜持续关注。"
        )
    ui = a.unit_items.loc[(a.unit_items["unit"] == unit) & significantly_low(a.unit_items)]
    low_items = ui.sort_values("diff")
    if tested and not low_items.empty:
        text.append(f"具体题目中，显著低于{rest}的共{len(low_items)}项："
                    + "；".join(_item_phrase(r, rest, reverse) for _, r in low_items.iterrows()) + "。")
    if tested and not high.empty:
        text.append(
            "相对优势："
            + "、".join(
                f"“{r['dimension_name']}”（{score(r['mean'])}分，{rest}{score(r['rest_mean'])}分）"
                for _, r in high.iterrows()
            )
            + "显著高于"
            + rest
            + "。"
        )
    pr = a.problems.loc[
        (a.problems["unit"] == unit)
        & ~a.problems["suppressed"]
        & ~a.problems["option"].str.startswith("其他")
        & (a.problems["count"] > 0)
    ]
    top = pr.sort_values("share", ascending=False).groupby("question", sort=False).head(3)
    if n_valid >= MIN_CELL:
        for qid, label in w.multi.items():
            chosen = top.loc[top["question"] == qid]
            if not chosen.empty:
                text.append(
                    f"在“{label}”（多选）中，选择最多的依次是："
                    + "、".join(f"“{r['option']}”（{pct(r['share'])}）" for _, r in chosen.iterrows())
                    + "。"
                )
    changes, change_text = _unit_changes(unit, a)
    text += change_text
    return {
        "changes": changes,
        "significant_low": [_dim_record(r) for _, r in low.iterrows()],
        "slightly_low": slight["dimension_name"].tolist() if tested else [],
        "significant_high": [r["dimension_name"] for _, r in high.iterrows()],
        "low_items": [
            {
                "item": r["item"],
                "text": r["item_text"],
                "mean": float(r["mean"]),
                "rest_mean": float(r["rest_mean"]),
            }
            for _, r in low_items.iterrows()
        ]
        if tested
        else [],
        "top_choices": [
            {
                "question": r["question"],
                "option": r["option"],
                "share": float(r["share"]),
                "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]),
            }
            for _, r in top.iterrows()
        ],
        "text": text,
    }


def _concentration(unit: str, a: Analysis, dim: dict, w: Words) -> tuple[str | None, list[str]]:
    """Where a low dimension concentrates within the unit (significant groups, largest gap first)."""
    sub = a.subgroups.loc[(a.subgroups["unit"] == unit) & (a.subgroups["dimension"] == dim["dimension"])
                          & ~a.subgroups["suppressed"]]
    if sub.empty:
        return None, []
    hit = sub.loc[sub["significant"] & (sub["diff"] < 0)].sort_values("diff").head(2)
    if hit.empty:
        labels = list(dict.fromkeys(x or w.community_label for x in sub["label"]))
        return (f"“{dim['name']}”得分偏低在不同{'、'.join(labels)}的{w.respondents}之间没有显著差别，"
                "是本单位较普遍的问题。"), []
    names = [_group_name(r, w) for _, r in hit.iterrows()]
    parts = [f"{n}（{score(r['mean'])}分，本单位其他{w.respondents}{score(r['rest_mean'])}分）"
             for n, (_, r) in zip(names, hit.iterrows(), strict=True)]
    return f"“{dim['name']}”得分偏低主要集中在" + "和".join(parts) + "，差异经FDR校正后显著。", names


def causes_section(unit: str, a: Analysis, problems: dict, w: Words, reverse: set[str] = frozenset()) -> dict:
    text: list[str] = []
    priority: list[str] = []
    concentrated: list[dict] = []
    for dim in problems["significant_low"]:
        sentence, groups = _concentration(unit, a, dim, w)
        if sentence:
            text.append(sentence)
        if groups:
            concentrated.append({"dimension": dim["dimension"], "groups": groups})
    if w.overall is not None and not a.ipa.empty and problems["significant_low"]:
        ipa = a.ipa.loc[a.ipa["unit"] == unit].set_index("dimension")
        for dim in problems["significant_low"]:
            if dim["dimension"] in ipa.index and pd.notna(ipa.loc[dim["dimension"], "importance"]):
                r = ipa.loc[dim["dimension"]]
                if r["quadrant"] == PRIORITY:
                    priority.append(dim["name"])
                    text.append(f"“{dim['name']}”与“{w.overall.label}”的关联较强（相对重要性{pct(r['importance'])}），"
                                "且本单位得分显著偏低，属于需要优先改进的“重点改进区”。")
                else:
                    text.append(f"“{dim['name']}”与“{w.overall.label}”关联的相对重要性为{pct(r['importance'])}"
                                "（低于各维度的平均水平），改进的优先程度次之。")
    items = []
    ui = a.unit_items.loc[a.unit_items["unit"] == unit]
    for dim in problems["significant_low"]:
        worst = ui.loc[ui["dimension"] == dim["dimension"]].sort_values("diff").head(2)
        parts = []
        for _, r in worst.iterrows():
            mark = "，差异显著" if r["significant"] else ""
            neg = (f"，{pct(r['unfavourable'])}的{w.respondents}给出负面评价"
                   if pd.notna(r.get("unfavourable")) else "")
            plain = (f"“{r['item_text']}”（{score(r['mean'])}分，{w.rest}{score(r['rest_mean'])}分"
                     f"{mark}{neg}）")
            parts.append(_item_phrase(r, w.rest, reverse) + mark if r["item"] in reverse else plain)
            items.append({"item": r["item"], "text": r["item_text"], "mean": float(r["mean"]),
                          "rest_mean": float(r["rest_mean"]), "significant": bool(r["significant"])})
        text.append(f"从具体题目看，“{dim['name']}”方面差距最大的是" + "和".join(parts) + "。")
    if not problems["significant_low"]:
        slight = problems["slightly_low"]
        text.append("各维度得分均未发现显著偏低，没有需要分析原因的突出问题"
                    + (f"；得分略低的“{'”“'.join(slight)}”宜在下次调研中继续观察" if slight else "") + "。")
    elif w.overall is not None:
        text.append("以上“关联”指横断面数据中的统计关联，不代表因果关系。")
    text.append(scoring_note(w))
    return {"priority": priority, "items": items, "concentrated": concentrated, "text": text}


def scoring_note(w: Words) -> str:
    """What scores and "负面评价" mean, from the scales the dimensions use."""
    used = list(dict.fromkeys(w.dimension_scales.values()))
    parts = [
        f"“{'/'.join(w.scales[s].unfavourable)}”（反向题为“{'/'.join(w.scales[s].favourable)}”）"
        for s in used
    ]
    return "注：反向表述的题目已反向计分，分数越高表示情况越好；负面评价指选择" + "或".join(parts) + "。"


def suggestions_section(
    unit: str, a: Analysis, questionnaire: Questionnaire, problems: dict, w: dict
) -> dict:
    th = a.themes.loc[(a.themes["unit"] == unit) & (a.themes["count"] >= MIN_CELL)].sort_values(
        "count", ascending=False
    )
    quotes = a.quotes.loc[a.quotes["unit"] == unit]
    n = _count(_unit_row(a, unit).get("suggestions")) or 0
    problem_dims = {d["dimension"]: d["name"] for d in problems["significant_low"]}
    themes = []
    for _, r in th.iterrows():
        spec = questionnaire.themes.get(r["theme"])
        linked = [problem_dims[d] for d in (spec.dimensions if spec else []) if d in problem_dims]
        themes.append({"theme": r["theme"], "count": int(r["count"]), "problems": linked,
                       "quotes": quotes.loc[quotes["theme"] == r["theme"], "quote"].tolist()})
    themes.sort(key=lambda t: (not t["problems"], -t["count"]))
    shown: set[str] = set()
    for t in themes:  # a quote is shown once, under its first (best linked) theme
        t["quotes"] = [q for q in dict.fromkeys(t["quotes"]) if q not in shown][:3]
        shown.update(t["quotes"])
    library = {d.id: d.measures for d in questionnaire.dimensions}
    measures = []
    for dim in problems["significant_low"]:
        if not library.get(dim["dimension"]):
            continue
        linked = [t for t in themes if dim["name"] in t["problems"]]
        measures.append({"dimension": dim["dimension"], "name": dim["name"],
                         "measures": library[dim["dimension"]],
                         "quotes": [q for t in linked for q in t["quotes"]][:3]})
    if not w.has_open:
        text = ["本次问卷没有意见建议题。"]
    elif int(_unit_row(a, unit)["valid"]) < MIN_CELL:
        text = [f"意见建议：{SUPPRESSED}（有效问卷不足{MIN_CELL}份，意见建议的条数和内容均不显示）。"]
    elif n == 0:
        text = ["本次调研未征集到意见建议。"]
    else:
        text = [
            f"共征集意见建议{n}条"
            + (
                "，主要集中在"
                + "、".join(
                    f"{t['theme']}（{t['count']}条）" for t in sorted(themes, key=lambda t: -t["count"])[:5]
                )
                if themes
                else ""
            )
            + "（一条意见可涉及多个主题）。"
        ]
        for t in themes:
            if t["problems"]:
                text.append(f"针对“{'、'.join(t['problems'])}”方面的问题，{w.respondents}提出{t['theme']}方面的意见建议"
                            f"{t['count']}条。")
        kw = a.keywords.loc[a.keywords["unit"] == unit, "keyword"].head(8).tolist()
        if kw:
            text.append("意见建议中的高频词：" + "、".join(kw) + "。")
    for i, m in enumerate(measures, start=1):
        d = next(x for x in problems["significant_low"] if x["dimension"] == m["dimension"])
        text.append(f"（{i}）针对“{m['name']}”得分偏低（{score(d['mean'])}分，{w.rest}{score(d['rest_mean'])}分），建议："
                    + "；".join(x.rstrip("。；;") for x in m["measures"]) + "。")
    return {"count": n, "themes": themes, "measures": measures, "text": text}


def build_findings(unit: str, a: Analysis, questionnaire: Questionnaire) -> UnitFindings:
    """One unit's findings (validated against the findings model)."""
    w = questionnaire.words()
    reverse = {it.id for it in questionnaire.likert_items if it.reverse}
    problems = problems_section(unit, a, w, reverse)
    return UnitFindings.model_validate({
        "unit": unit,
        "kind": str(_unit_row(a, unit)["kind"]),
        "survey_title": questionnaire.title,
        "district": questionnaire.district,
        "comparison": w.rest,
        "basic": basic_section(unit, a, w),
        "problems": problems,
        "causes": causes_section(unit, a, problems, w, reverse),
        "suggestions": suggestions_section(unit, a, questionnaire, problems, w),
    })


def district_findings(a: Analysis, questionnaire: Questionnaire) -> DistrictFindings:
    """District-level summary for the overview report (totals over every respondent, not sums of units)."""
    w = questionnaire.words()
    u, d = a.units.loc[a.units["valid"] > 0], a.district.iloc[0]
    by_rule = _in_rule_order(a.rejections.groupby("rule")["count"].sum())
    kinds = u["kind"].value_counts()
    text = [
        f"本次调研覆盖{questionnaire.district}{len(u)}个{w.unit_label}"
        + ("（" + "、".join(f"{k}{int(kinds[k])}个" for k in kinds.index) + "）" if len(kinds) > 1 else "")
        + _district_issued(u, d, w)
        + f"，共回收问卷{int(d['received'])}份，有效问卷{int(d['valid'])}份，剔除{int(d['rejected'])}份（"
        + "、".join(f"{k}{v}份" for k, v in by_rule.items())
        + "）。"
    ]
    no_unit = a.units.loc[a.units["unit"] == NO_UNIT, "received"]
    if not no_unit.empty:
        text.append(f"其中{int(no_unit.iloc[0])}份问卷未填写所在{w.unit_label}，计入回收总数后剔除。")
    small = u.loc[u["valid"] < MIN_CELL]
    if not small.empty:
        text.append(f"{'、'.join(small['unit'])}的有效问卷不足{MIN_CELL}份（共{int(small['valid'].sum())}份）："
                    f"为保护{w.respondents}，这些答卷只计入问卷份数，不计入{w.area}的"
                    f"{_withheld_figures(w)}等各项统计（否则可由{w.area}合计减去其他单位推算出来）。")
    if w.has_open:
        besides = "（不含上述单位）" if not small.empty else ""
        text.append(f"共征集意见建议{int(d['suggestions'])}条{besides}。")
    if w.overall is not None and pd.notna(d.get("satisfaction_rate")):
        text.append(f"{w.area}{w.rate_name}（“{w.overall.label}”选择{_quoted(w.overall.satisfied)}的比例）"
                    f"为{pct(float(d['satisfaction_rate']))}。")
    elif w.overall is None:
        text.append(f"本次问卷没有总体评价题，不计算{w.rate_name}，也不做驱动因素和重要性—表现分析。")
    dd = a.district_dimensions
    problems, causes, suggestions, units_low = _district_problems(a, questionnaire, w)
    lowest = dd.sort_values("mean").head(3)
    problems.append(
        f"从{w.area}整体看，得分最低的三个维度是："
        + "、".join(f"“{r['dimension_name']}”（{score(r['mean'])}分）" for _, r in lowest.iterrows())
        + "。"
    )
    if not a.drivers.empty and a.drivers["importance"].notna().any():
        top = a.drivers.sort_values("importance", ascending=False).head(3)
        causes.insert(
            0,
            f"与“{w.overall.label}”关联最强的维度依次是："
            + "、".join(
                f"“{r['dimension_name']}”（相对重要性{pct(r['importance'])}）" for _, r in top.iterrows()
            )
            + "。这是横断面数据中的统计关联，不代表因果关系。",
        )
    sig = a.unit_dimensions.loc[significantly_low(a.unit_dimensions)]
    return DistrictFindings.model_validate(
        {
            "district": questionnaire.district,
            "survey_title": questionnaire.title,
            "text": text,
            "units": u["unit"].tolist(),
            "received": int(d["received"]),
            "valid": int(d["valid"]),
            "rejected_by_rule": by_rule,
            "significant_low": int(len(sig)),
            "problems": problems,
            "causes": causes,
            "suggestions": suggestions,
            "open_answers": _district_open_answers(a, questionnaire, w),
            "changes": _district_changes(a, w),
            "units_with_problems": units_low,
        }
    )


def _district_issued(units: pd.DataFrame, d: pd.Series, w: Words) -> str:
    """"，发放问卷3,500份、回收率91.0%" when every unit's 发放 count is known."""
    issued = w.issued
    if not issued or not set(units["unit"]) <= set(issued):
        return ""
    total = sum(issued[x] for x in units["unit"])
    return f"，发放问卷{total}份、回收率{pct(float(d['received']) / total)}" if total else ""


def _district_problems(
    a: Analysis, questionnaire: Questionnaire, w: dict
) -> tuple[list[str], list[str], list[str], list[str]]:
    """存在的问题 naming every unit and dimension significantly low; 原因分析 from where the problems
    concentrate; 对策建议: the measures library for problems shared by several units, the rest by unit."""
    ud = a.unit_dimensions
    sig = ud.loc[significantly_low(ud)].sort_values("diff")
    order = [d.id for d in questionnaire.dimensions]
    units_low = list(dict.fromkeys(sig["unit"]))
    if sig.empty:
        return (
            [f"经统计检验（FDR多重比较校正），没有{w.unit_label}在任何维度上显著低于{w.rest}。"],
            [],
            [],
            [],
        )
    problems = [
        f"经统计检验（FDR多重比较校正），共有{len(units_low)}个{w.unit_label}的{len(sig)}项维度得分"
        f"显著低于{w.rest}："
        + "；".join(
            f"{u}（" + "、".join(f"“{r['dimension_name']}”{score(r['mean'])}分" for _, r in g.iterrows())
            + "）"
            for u, g in sig.groupby("unit", sort=False)
        )
        + "。"
    ]
    causes = []
    sub = a.subgroups.loc[a.subgroups["significant"] & (a.subgroups["diff"] < 0) & ~a.subgroups["suppressed"]]
    names = questionnaire.dimension_names()
    for (u, dim), g in sub.sort_values("diff").groupby(["unit", "dimension"], sort=False):
        name = names[dim]
        groups = "和".join(_group_name(r, w) for _, r in g.head(2).iterrows())
        causes.append(f"{u}“{name}”得分偏低主要集中在{groups}。")
    library = {d.id: d for d in questionnaire.dimensions}
    counts = sig.groupby("dimension")["unit"].agg(list)
    suggestions = []
    shared = [d for d in order if d in counts and len(counts[d]) >= 2]
    for i, dim in enumerate(shared, start=1):
        spec = library[dim]
        where = f"{'、'.join(counts[dim])}等{len(counts[dim])}个{w.unit_label}"
        line = f"（{i}）“{spec.name}”在{where}显著偏低，宜在{w.area}层面统筹解决"
        suggestions.append(
            line
            + ("：" + "；".join(x.rstrip("。；;") for x in spec.measures) if spec.measures else "")
            + "。"
        )
    single = [d for d in order if d in counts and len(counts[d]) == 1]
    if single:
        suggestions.append(
            "其余问题集中在个别"
            + w.unit_label
            + "，由所在单位对照本单位报告中的对策建议整改："
            + "；".join(f"{counts[d][0]}“{library[d].name}”" for d in single)
            + "。"
        )
    return problems, causes, suggestions, units_low


def _district_changes(a: Analysis, w: Words) -> list[str]:
    """Since each earlier wave: the area as a whole, and the units that improved or declined."""
    out = []
    for wave, c in a.changes.groupby("wave", sort=False):
        sig = c.loc[c["significant"] & (c["unit"] != DISTRICT)].sort_values("diff")
        up = [f"{r['unit']}“{r['dimension_name']}”" for _, r in sig.iloc[::-1].iterrows() if r["diff"] > 0]
        down = [f"{r['unit']}“{r['dimension_name']}”" for _, r in sig.iterrows() if r["diff"] < 0]
        whole = c.loc[(c["unit"] == DISTRICT) & c["significant"]]
        area = "；".join(f"“{r['dimension_name']}”{'提高' if r['diff'] > 0 else '下降'}"
                        f"（{score(r['mean_prev'])}→{score(r['mean'])}分）" for _, r in whole.iterrows())
        out.append(f"与{wave}相比，{w.area}整体"
                   + (f"明显变化的维度有：{area}" if area else "各维度没有明显变化")
                   + "；" + (f"明显提高的有{'、'.join(up)}" if up else "没有明显提高的单位和维度") + "；"
                   + (f"明显下降的有{'、'.join(down)}" if down else "没有明显下降的单位和维度")
                   + _partial_note(c) + "（变化均经FDR校正后显著）。")
    return out


def _district_open_answers(a: Analysis, questionnaire: Questionnaire, w: Words) -> list[str]:
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
