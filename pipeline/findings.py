"""Findings: per-unit Chinese text in the shape of a 调研报告, every figure filled from the analysis.

Sections: 基本情况 (who was surveyed), 存在的问题 (what scores significantly low), 原因分析 (which
items drive the low dimensions), 对策建议 (what respondents suggest). Wording is honest: a dimension is
"显著低于" the rest of the district only when its FDR-adjusted p < 0.05 and the unit has at least
``MIN_N_TEST`` valid responses; otherwise no claim is made.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyze import ALPHA, DISTRICT, MIN_CELL, MIN_N_TEST, Analysis
from pipeline.atomic import write_json
from pipeline.clean import RULE_ORDER
from pipeline.questionnaire import Questionnaire

REST = "全区其他街道（乡镇）"
SMALL_SAMPLE = "样本量较小，结论仅供参考"


def fmt_p(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _share_phrase(comp: pd.DataFrame, question: str, option: str, label: str) -> str | None:
    row = comp.loc[(comp["question"] == question) & (comp["option"] == option)]
    if row.empty:
        return None
    count, share = int(row["count"].iloc[0]), float(row["share"].iloc[0])
    if 0 < count < MIN_CELL:
        return f"{label}不足{MIN_CELL}人"
    return f"{label}占{pct(share)}"


def _in_rule_order(counts: pd.Series) -> dict[str, int]:
    """Rejection counts keyed by rule, in the order the clean stage applies the rules."""
    rank = {rule: i for i, rule in enumerate(RULE_ORDER)}
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: rank.get(kv[0], len(rank)))}


def basic_section(unit: str, a: Analysis) -> dict:
    u = a.units.set_index("unit").loc[unit]
    rej = a.rejections.loc[a.rejections["unit"] == unit].groupby("rule")["count"].sum()
    by_rule = _in_rule_order(rej)
    received, valid, rejected = int(u["received"]), int(u["valid"]), int(u["rejected"])
    text = [f"本次调研在{unit}共回收问卷{received}份，其中有效问卷{valid}份"
            + (f"（有效率{pct(valid / received)}）" if received else "")
            + (f"，剔除无效问卷{rejected}份（" + "、".join(f"{k}{v}份" for k, v in by_rule.items()) + "）" if rejected else "")
            + "。"]
    comp = a.composition.loc[a.composition["unit"] == unit]
    parts = [p for p in (
        _share_phrase(comp, "identity", "党员", "党员"),
        _share_phrase(comp, "identity", "群众", "群众"),
        _share_phrase(comp, "age", "60岁以上", "60岁以上的"),
        _share_phrase(comp, "age", "35岁以下", "35岁以下的"),
    ) if p]
    communities = int(u.get("communities", 0) or 0)
    if valid >= MIN_CELL:
        text.append(f"有效问卷覆盖{communities}个社区（村）" + ("；受访者中" + "，".join(parts) if parts else "") + "。")
    suggestions = int(u.get("suggestions", 0) or 0)
    if "satisfaction_rate" in u and pd.notna(u["satisfaction_rate"]) and valid >= MIN_CELL:
        text.append(f"对基层党组织建设工作总体表示“比较满意”或“非常满意”的占{pct(float(u['satisfaction_rate']))}，"
                    f"共征集意见建议{suggestions}条。")
    if valid < MIN_N_TEST:
        text.append(f"{SMALL_SAMPLE}（有效问卷不足{MIN_N_TEST}份，不做统计显著性判断）。")
    return {"received": received, "valid": valid, "rejected": rejected, "rejected_by_rule": by_rule,
            "communities": communities, "suggestions": suggestions,
            "satisfaction_rate": None if pd.isna(u.get("satisfaction_rate")) else float(u["satisfaction_rate"]),
            "text": text}


def problems_section(unit: str, a: Analysis) -> dict:
    ud = a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit]
    low = ud.loc[ud["significant"] & (ud["diff"] < 0)].sort_values("diff")
    high = ud.loc[ud["significant"] & (ud["diff"] > 0)].sort_values("diff", ascending=False)
    n_valid = int(a.units.set_index("unit").loc[unit, "valid"])
    text: list[str] = []
    if n_valid < MIN_N_TEST:
        text.append(f"{SMALL_SAMPLE}：有效问卷仅{n_valid}份，以下各维度得分仅作描述，不判断与{REST}的差异是否显著。")
    elif low.empty:
        text.append(f"各维度得分与{REST}相比，均未发现统计学意义上显著偏低的方面（经FDR多重比较校正，α={ALPHA}）。")
    else:
        for _, r in low.iterrows():
            text.append(f"“{r['dimension_name']}”得分{r['mean']:.2f}分，显著低于{REST}的{r['rest_mean']:.2f}分"
                        f"（差距{-r['diff']:.2f}分，Hedges g={r['hedges_g']:.2f}，FDR校正后{fmt_p(r['p_fdr'])}）。")
    if not high.empty and n_valid >= MIN_N_TEST:
        text.append("相对优势：" + "、".join(f"“{r['dimension_name']}”（{r['mean']:.2f}分，{REST}{r['rest_mean']:.2f}分）"
                                        for _, r in high.iterrows()) + "显著高于" + REST + "。")
    pr = a.problems.loc[(a.problems["unit"] == unit) & ~a.problems["suppressed"] & (a.problems["option"] != "其他")]
    top = pr.sort_values("share", ascending=False).head(3)
    if not top.empty and n_valid >= MIN_CELL:
        text.append("在“最突出的问题”多选题中，选择最多的依次是："
                    + "、".join(f"“{r['option']}”（{pct(r['share'])}）" for _, r in top.iterrows()) + "。")
    dims = [{"dimension": r["dimension"], "name": r["dimension_name"], "mean": r["mean"], "rest_mean": r["rest_mean"],
             "diff": r["diff"], "hedges_g": r["hedges_g"], "p_fdr": r["p_fdr"]} for _, r in low.iterrows()]
    return {"significant_low": dims, "significant_high": [r["dimension_name"] for _, r in high.iterrows()],
            "top_choices": [{"option": r["option"], "share": r["share"]} for _, r in top.iterrows()], "text": text}


def causes_section(unit: str, a: Analysis, problems: dict) -> dict:
    ui = a.unit_items.loc[a.unit_items["unit"] == unit]
    text: list[str] = []
    items = []
    for dim in problems["significant_low"]:
        worst = ui.loc[(ui["dimension"] == dim["dimension"])].sort_values("diff").head(2)
        parts = []
        for _, r in worst.iterrows():
            mark = "（差异显著）" if r["significant"] else ""
            parts.append(f"“{r['item_text']}”（{r['mean']:.2f}分，{REST}{r['rest_mean']:.2f}分{mark}）")
            items.append({"item": r["item"], "text": r["item_text"], "mean": r["mean"], "rest_mean": r["rest_mean"],
                          "significant": bool(r["significant"])})
        text.append(f"“{dim['name']}”方面，与{REST}差距最大的题目是" + "和".join(parts) + "。")
    if not text:
        text.append("未发现显著偏低的维度，不作原因分析。")
    text.append("注：反向表述的题目已反向计分，分数越高表示情况越好。")
    return {"items": items, "text": text}


def suggestions_section(unit: str, a: Analysis) -> dict:
    th = a.themes.loc[(a.themes["unit"] == unit) & (a.themes["count"] >= MIN_CELL)].sort_values("count", ascending=False)
    quotes = a.quotes.loc[a.quotes["unit"] == unit]
    n = int(a.units.set_index("unit").loc[unit].get("suggestions", 0) or 0)
    themes = [{"theme": r["theme"], "count": int(r["count"]),
               "quotes": quotes.loc[quotes["theme"] == r["theme"], "quote"].tolist()} for _, r in th.iterrows()]
    if n == 0:
        text = ["本次调研未征集到意见建议。"]
    else:
        text = [f"共征集意见建议{n}条"
                + ("，主要集中在" + "、".join(f"{t['theme']}（{t['count']}条）" for t in themes[:5]) if themes else "")
                + "（一条意见可涉及多个主题）。"]
    return {"count": n, "themes": themes, "text": text}


def build_findings(unit: str, a: Analysis, questionnaire: Questionnaire) -> dict:
    """The findings object for one unit (plain JSON-serialisable data)."""
    problems = problems_section(unit, a)
    return {
        "unit": unit,
        "kind": str(a.units.set_index("unit").loc[unit, "kind"]),
        "survey_title": questionnaire.title,
        "district": questionnaire.district,
        "comparison": REST,
        "basic": basic_section(unit, a),
        "problems": problems,
        "causes": causes_section(unit, a, problems),
        "suggestions": suggestions_section(unit, a),
    }


def district_findings(a: Analysis, questionnaire: Questionnaire) -> dict:
    """District-level summary for the overview report."""
    u = a.units
    by_rule = _in_rule_order(a.rejections.groupby("rule")["count"].sum())
    text = [f"本次调研覆盖{questionnaire.district}{len(u)}个街道（乡镇）（街道{int((u['kind'] == '街道').sum())}个、"
            f"乡镇{int((u['kind'] == '乡镇').sum())}个），共回收问卷{int(u['received'].sum())}份，"
            f"有效问卷{int(u['valid'].sum())}份，剔除{int(u['rejected'].sum())}份（"
            + "、".join(f"{k}{v}份" for k, v in by_rule.items()) + "）。"]
    if "suggestions" in u:
        text.append(f"共征集意见建议{int(u['suggestions'].sum())}条。")
    sig = a.unit_dimensions.loc[a.unit_dimensions["significant"] & (a.unit_dimensions["diff"] < 0)]
    text.append(f"经FDR校正，共有{sig['unit'].nunique()}个街道（乡镇）的{len(sig)}项维度得分显著低于{REST}。")
    return {"district": questionnaire.district, "survey_title": questionnaire.title, "text": text,
            "units": u["unit"].tolist(), "received": int(u["received"].sum()), "valid": int(u["valid"].sum()),
            "rejected_by_rule": by_rule}


def write_findings(a: Analysis, questionnaire: Questionnaire, out_dir: str | Path) -> dict[str, Path]:
    out_dir = Path(out_dir) / "findings"
    paths = {unit: write_json(out_dir / f"{unit}.json", build_findings(unit, a, questionnaire)) for unit in a.units["unit"]}
    paths[DISTRICT] = write_json(out_dir / f"{DISTRICT}.json", district_findings(a, questionnaire))
    return paths
