"""存在的问题 in words: each problem stated by its strongest evidence in that evidence's own words — 显著 only
where the test says so — then the rest of its evidence and the items behind it; the dimensions a little low,
what respondents chose most, and changes since earlier waves (the strengths have their own section)."""

from __future__ import annotations

from pipeline.common.rules import MIN_CELL
from pipeline.findings.model import ItemGap, Problem, Problems
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_changes import trends_text, unit_changes_text
from pipeline.wording import Wording


def negative(p: Problem, wd: Wording) -> str:
    """ "两成多（23.9%）的作答为负面评价，高于全区的18.2%"."""
    return wd.say("problems.negative", unfavourable=p.unfavourable, area_unfavourable=p.area_unfavourable)


def rose(p: Problem) -> bool:
    """Whether the score rose since the earlier wave (not significantly: a persistent problem): never said
    "未见改善" then."""
    return p.mean_prev is not None and p.mean > p.mean_prev


def ranked(p: Problem, wd: Wording) -> str:
    """ "在本单位9个方面中得分最低" or "…居倒数第2位" (scores as shares of their scales)."""
    return wd.say("problems.ranked", dimensions=p.dimensions, rank=p.rank)


def _lead(p: Problem, w: Words, wd: Wording) -> str:
    """The problem stated by its strongest evidence, in that evidence's own words."""
    first = p.evidence[0]
    if first == "persistent" and p.mean_prev is None:
        first = "weakest"
    values = dict(
        p.model_dump(
            include={
                "name",
                "mean",
                "points",
                "low",
                "rest_mean",
                "diff",
                "area_mean",
                "wave",
                "mean_prev",
                "area_mean_prev",
                "unfavourable",
            }
        )
    )
    values["compared"] = wd.compared(p.mean, p.rest_mean, w.rest)
    values["rose"] = rose(p)
    if first == "standard":
        values["missed"] = standard(p, wd)
    if first == "negative":
        values["negative"] = negative(p, wd)
    elif first == "weakest":
        values["ranked"] = ranked(p, wd)
    return wd.say(f"problems.lead.{first}", **values)


def standard(p: Problem, wd: Wording) -> str:
    """ "未达到3.50分以上的工作目标" (and/or the unfavourable share's target)."""
    return wd.say("problems.standard", missed=p.missed, score=p.standard_score, unfavourable=p.unfavourable,
                  share=p.standard_unfavourable)


def _more(p: Problem, wd: Wording) -> list[str]:
    """The other evidence for the same problem, each in its own words."""
    out = []
    for kind in p.evidence[1:]:
        if kind == "standard":
            out.append(standard(p, wd))
        elif kind == "declined" and p.mean_prev is not None:
            out.append(wd.say("problems.more.declined", wave=p.wave, mean_prev=p.mean_prev))
        elif kind == "district_wide":
            out.append(wd.say("problems.more.district_wide", area_mean=p.area_mean))
        elif kind == "negative" and p.unfavourable is not None:
            out.append(negative(p, wd))
        elif kind == "weakest" and p.evidence[0] != "weakest":
            out.append(ranked(p, wd))
        elif kind == "persistent":
            out.append(wd.say("problems.more.persistent", rose=rose(p)))
    if "significant" not in p.evidence and p.p_fdr is not None:
        out.append(wd.say("problems.more.not_significant"))
    return out


def _item(i: ItemGap, wd: Wording) -> str:
    """An item as respondents answered it: a negatively worded item by the share who agreed with it."""
    if i.reverse and i.unfavourable is not None:
        return wd.say(
            "problems.item.reverse",
            text=i.text,
            unfavourable=i.unfavourable,
            mean=i.mean,
            significant=i.significant,
        )
    notes = [
        wd.say("problems.item.rest_score", rest_mean=i.rest_mean) if i.rest_mean is not None else "",
        wd.say("problems.item.significant") if i.significant else "",
        wd.say("problems.item.negative", unfavourable=i.unfavourable) if i.unfavourable else "",
    ]
    return wd.say("problems.item.plain", text=i.text, mean=i.mean, notes=[x for x in notes if x])


def problem_text(n: int, p: Problem, w: Words, wd: Wording, tested: bool) -> str:
    """One problem as a paragraph: its lead, the rest of its evidence, the items behind it."""
    return wd.say(
        "problems.problem",
        n=n,
        parts=[_lead(p, w, wd), *_more(p, wd)],
        items=[_item(i, wd) for i in p.items],
        tested=tested,
        small_sample=wd.say("phrase.small_sample"),
    )


def _choices(f: Problems, w: Words, wd: Wording) -> list[str]:
    out = []
    for qid, label in w.multi.items():
        chosen = [c for c in f.top_choices if c.question == qid]
        if chosen:
            out.append(
                wd.say(
                    "problems.choices",
                    question=label,
                    options=[wd.say("problems.choice", option=c.option, share=c.share) for c in chosen],
                )
            )
    return out


def problems_text(f: Problems, w: Words, wd: Wording) -> list[str]:
    """存在的问题's paragraphs."""
    if f.withheld:
        return [wd.say("problems.withheld", min_cell=MIN_CELL)]
    text = []
    if not f.tested:
        text.append(
            wd.say("problems.small_sample", small_sample=wd.say("phrase.small_sample"), valid=f.valid)
        )
    elif not f.items:
        text.append(wd.say("problems.none"))
    elif not f.any_significant_low:
        kinds = [wd.say(f"problems.kind.{k}") for k in dict.fromkeys(p.evidence[0] for p in f.items)]
        text.append(wd.say("problems.none_significant", kinds=kinds))
    text += [problem_text(n, p, w, wd, f.tested) for n, p in enumerate(f.items, start=1)]
    if f.slight:
        text.append(wd.say("problems.slight", names=f.slight))
    return text + _choices(f, w, wd) + unit_changes_text(f.waves, wd) + trends_text(f.trends, wd)
