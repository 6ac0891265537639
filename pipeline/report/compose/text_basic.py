"""基本情况 in words: a unit's counts, who answered, its satisfaction rate against the area, suggestions —
or what a unit too small to show keeps to itself."""

from __future__ import annotations

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.common.rules import MIN_CELL, MIN_N_TEST
from pipeline.findings.model import Basic, FactValue, ProfileShare
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_fieldwork import fieldwork_parts
from pipeline.wording import Wording


def withheld_figures(w: Words, wd: Wording) -> str:
    """What a unit too small to show keeps to itself: "构成、得分、满意率和意见建议"."""
    parts = [wd.say("basic.withheld_figures.composition"), wd.say("basic.withheld_figures.scores")]
    parts += [w.rate_name] if w.overall is not None else []
    parts += [wd.say("basic.withheld_figures.suggestions")] if w.has_open else []
    return wd.listed(parts)


def satisfied_options(w: Words, wd: Wording) -> str:
    """“比较满意”或“非常满意”."""
    return wd.say("basic.satisfied_options", options=w.overall.satisfied)


def _share(s: ProfileShare, wd: Wording) -> str:
    label = (
        s.label
        if s.label is not None
        else wd.say("basic.profile.top_label", question=s.question, option=s.option)
    )
    if s.share is None:
        return wd.say("basic.profile.withheld", label=label)
    return wd.say("basic.profile.share", label=label, share=s.share)


def rejected_by_rule(counts: dict[str, int], wd: Wording) -> str:
    """ "答题过快9份、直线作答3份" (the unit's or the area's)."""
    return "、".join(wd.say("basic.rule_count", rule=k, count=v) for k, v in counts.items())


def received_text(unit: str, b: Basic, wd: Wording) -> str:
    rules = rejected_by_rule(b.rejected_by_rule, wd)
    return wd.say(
        "basic.received",
        unit=unit,
        issued=b.issued,
        received=b.received,
        valid=b.valid,
        rejected=b.rejected,
        rules=rules,
    )


def _place(b: Basic, wd: Wording) -> str:
    """"Among the highest (lowest) quarter" only where the rank's whole 95% interval lies there."""
    if b.rank_interval is None:
        return ""
    quarter = max(1, b.ranked // 4)
    if b.rank_interval[1] <= quarter:
        return wd.say("basic.place.top")
    if b.rank_interval[0] > b.ranked - quarter:
        return wd.say("basic.place.bottom")
    return ""


def fact_text(f: FactValue, wd: Wording) -> str:
    """"党员1234名", "35岁以下党员占18.5%": a whole number without decimals, a number as written."""
    value = f.value
    if f.kind == "count" and value is not None:
        value = int(value)
    elif f.kind == "number":
        value = f.text.replace(",", "")
    return wd.say(f"basic.fact.{f.kind}", label=f.label, value=value, measure=f.measure, text=f.text)


def basic_text(unit: str, b: Basic, w: Words, wd: Wording) -> list[str]:
    """基本情况's paragraphs."""
    text = [received_text(unit, b, wd)]
    if b.facts:
        text.insert(0, wd.say("basic.facts", unit=unit, facts=[fact_text(f, wd) for f in b.facts]))
    if b.fieldwork:
        text.append(wd.say("basic.fieldwork", unit=unit, parts=fieldwork_parts(b.fieldwork, wd)))
    if b.withheld:
        text.append(
            wd.say(
                "basic.withheld", min_cell=MIN_CELL, figures=withheld_figures(w, wd), suppressed=SUPPRESSED
            )
        )
    else:
        covered = (
            wd.say("basic.covered", communities=b.communities) if w.has_community and b.communities else ""
        )
        shares = [_share(s, wd) for s in b.profile]
        who = wd.say("basic.who", shares="，".join(shares)) if shares else ""
        if covered or who:
            text.append("；".join(x for x in (covered, who) if x) + "。")
        if w.overall is not None and b.satisfaction_rate is not None:
            text.append(
                wd.say(
                    "basic.rate",
                    rate=b.satisfaction_rate,
                    overall=w.overall.label,
                    satisfied=satisfied_options(w, wd),
                    low=b.satisfaction_ci[0],
                    high=b.satisfaction_ci[1],
                    area_rate=b.area_rate,
                    rank=b.rank,
                    rank_low=b.rank_interval[0] if b.rank_interval else None,
                    rank_high=b.rank_interval[1] if b.rank_interval else None,
                    place=_place(b, wd),
                    small_area=b.small_area_rate,
                    ranked=b.ranked,
                    standard=b.rate_standard,
                    missed=b.rate_missed,
                )
            )
        if w.has_open:
            text.append(wd.say("basic.suggestions", count=b.suggestions or 0))
    if not b.tested:
        text.append(
            wd.say("basic.small_sample", small_sample=wd.say("phrase.small_sample"), min_n_test=MIN_N_TEST)
        )
    return text
