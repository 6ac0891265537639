"""基本情况: who was surveyed in a unit — questionnaires issued, received and valid, who answered, the
satisfaction rate against the area, suggestions collected — every figure from the tables."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.tables import Analysis
from pipeline.clean import RULE_ORDER
from pipeline.common.formatting import pct
from pipeline.common.rules import MIN_CELL, MIN_N_TEST
from pipeline.findings.model import Basic
from pipeline.questionnaire import Words
from pipeline.questionnaire.words import Figure as WordsFigure

SMALL_SAMPLE = "样本量较小，结论仅供参考"


def in_rule_order(counts: pd.Series) -> dict[str, int]:
    """Rejection counts keyed by rule, in the order the clean stage applies the rules."""
    rank = {rule: i for i, rule in enumerate(RULE_ORDER)}
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: rank.get(kv[0], len(rank)))}


def count(value) -> int | None:
    """A stored count, or None where it was withheld (or never computed)."""
    return None if value is None or pd.isna(value) else int(value)


def unit_row(a: Analysis, unit: str) -> pd.Series:
    return a.units.set_index("unit").loc[unit]


def either(labels: list[str]) -> str:
    return "“" + "”或“".join(labels) + "”"


def withheld_figures(w: Words) -> str:
    """What a unit too small to show keeps to itself: "构成、得分、满意率和意见建议"."""
    parts = ["构成", "得分"] + ([w.rate_name] if w.overall is not None else [])
    parts += ["意见建议"] if w.has_open else []
    return "、".join(parts[:-1]) + "和" + parts[-1]


def _figure_phrase(comp: pd.DataFrame, question: str, options: list[str], label: str) -> str | None:
    """ "党员占45.0%": the share of the unit's respondents who chose any of ``options``."""
    rows = comp.loc[(comp["question"] == question) & comp["option"].isin(options)]
    if rows.empty:
        return None
    if rows["suppressed"].any():
        return f"{label}人数不予显示（避免推算出个别受访者的情况）"
    return f"{label}占{pct(float(rows['share'].sum()))}"


def _profile_phrases(comp: pd.DataFrame, w: Words) -> list[str]:
    """The profile shares the 基本情况 quotes: the report section's figures, or each question's largest
    option."""
    figures = list(w.profile_figures) if w.profile_figures is not None else []
    if w.profile_figures is None:
        for qid, label in w.profile_labels.items():
            rows = comp.loc[(comp["question"] == qid) & ~comp["suppressed"]]
            if not rows.empty:
                top = rows.sort_values("share", ascending=False).iloc[0]
                figures.append(
                    WordsFigure(question=qid, options=[top["option"]], label=f"{label}为“{top['option']}”的")
                )
    return [p for f in figures if (p := _figure_phrase(comp, f.question, f.options, f.label))]


def _against_district(unit: str, a: Analysis, w: Words) -> str:
    """ "，全区为78.2%，在10个街道（乡镇）中排第3位" (ranks among the units whose rate is shown)."""
    out = ""
    d = a.district.iloc[0] if not a.district.empty else None
    if d is not None and pd.notna(d.get("satisfaction_rate")):
        out += f"，{w.area}为{pct(float(d['satisfaction_rate']))}"
    rates = a.units.loc[a.units["valid"] > 0].set_index("unit")["satisfaction_rate"].dropna()
    if unit in rates.index and len(rates) >= 2:
        rank = int((rates > rates[unit]).sum()) + 1
        out += f"，在{len(rates)}个{w.unit_label}中排第{rank}位"
    return out


def basic_section(unit: str, a: Analysis, w: Words) -> Basic:
    u = unit_row(a, unit)
    by_rule = in_rule_order(a.rejections.loc[a.rejections["unit"] == unit].groupby("rule")["count"].sum())
    received, valid, rejected = int(u["received"]), int(u["valid"]), int(u["rejected"])
    issued = w.issued.get(unit) if valid >= MIN_CELL else None
    handed = f"发放问卷{issued}份，回收{received}份（回收率{pct(received / issued)}），" if issued else ""
    text = [
        (
            f"本次调研在{unit}{handed}其中有效问卷{valid}份"
            if handed
            else f"本次调研在{unit}共回收问卷{received}份，其中有效问卷{valid}份"
        )
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
    communities, suggestions = count(u.get("communities")), count(u.get("suggestions"))
    rate = u.get("satisfaction_rate")
    if valid >= MIN_CELL:
        covered = f"有效问卷覆盖{communities}个{w.community_label}" if w.has_community and communities else ""
        who = f"{w.respondents}中" + "，".join(parts) if parts else ""
        if covered or who:
            text.append("；".join(x for x in (covered, who) if x) + "。")
        overall = w.overall
        if overall is not None and rate is not None and pd.notna(rate):
            text.append(
                f"{w.rate_name}为{pct(float(rate))}（“{overall.label}”选择{either(overall.satisfied)}的比例，"
                f"95%置信区间{pct(float(u['satisfaction_ci_low']))}–{pct(float(u['satisfaction_ci_high']))}）"
                + _against_district(unit, a, w)
                + "。"
            )
        if w.has_open:
            text.append(f"共征集意见建议{suggestions or 0}条。")
    else:
        text.append(
            f"有效问卷不足{MIN_CELL}份，为保护{w.respondents}，{withheld_figures(w)}均{SUPPRESSED}，"
            f"这些答卷也不计入{w.area}的各项统计。"
        )
    if valid < MIN_N_TEST:
        text.append(f"{SMALL_SAMPLE}（有效问卷不足{MIN_N_TEST}份，不做统计显著性判断）。")
    return Basic(
        received=received,
        valid=valid,
        rejected=rejected,
        rejected_by_rule=by_rule,
        communities=communities,
        suggestions=suggestions,
        satisfaction_rate=None if rate is None or pd.isna(rate) else float(rate),
        text=text,
    )
