"""原因分析 in words: for each problem, its pieces of evidence in order — "一是……；二是……" — each kind said as
itself (a reason chosen, where the low score sits, what respondents wrote, an association)."""

from __future__ import annotations

from pipeline.findings.model import Cause, Causes, Group, Problems
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_fieldwork import heard
from pipeline.wording import Wording


def group_name(g: Group, wd: Wording) -> str:
    """How a sentence names a respondent group: a community by its name, others by question and option."""
    return wd.say("causes.group", label=g.label, group=g.group)


def cause_text(c: Cause, w: Words, wd: Wording) -> str:
    """One piece of evidence as a clause."""
    if c.kind == "reason":
        return wd.say(
            "causes.reason",
            cause=c.cause,
            share=c.share,
            question=w.multi[c.question],
            option=c.option,
            of=c.of,
            rank=c.rank,
            compared=wd.shares_compared(c.share, c.rest_share, bool(c.significant), w.rest),
        )
    if c.kind == "concentration" and not c.significant:
        g = c.groups[0]
        return wd.say("causes.concentration.spread", group=group_name(g, wd), mean=g.mean)
    if c.kind == "concentration":
        return wd.say(
            "causes.concentration.significant",
            groups=[
                wd.say(
                    "causes.concentration.group_score",
                    group=group_name(g, wd),
                    mean=g.mean,
                    rest_mean=g.rest_mean,
                )
                for g in c.groups
            ],
        )
    if c.kind == "theme":
        return wd.say(
            "causes.theme",
            theme=c.theme,
            count=c.count,
            share=c.share,
            area_share=c.area_share,
            quote=c.quote,
            significant=c.significant,
        )
    return wd.say("causes.association", overall=w.overall.label, of=c.of, rank=c.rank,
                  significant=c.significant)


def causes_text(f: Causes, problems: Problems, w: Words, wd: Wording) -> list[str]:
    """原因分析's paragraphs, one per problem in the problems' order: only the evidence a test supports
    (the rest are clues in the appendix, ``clue_rows``), or one sentence that the survey cannot explain it."""
    if not problems.items:
        return [wd.say("causes.withheld" if problems.withheld else "causes.none")]
    out = []
    for n, p in enumerate(problems.items, start=1):
        own = [c for c in f.items if c.dimension == p.dimension and c.significant]
        said = heard([c.note for c in f.items
                      if c.dimension == p.dimension and c.kind == "fieldwork" and c.note is not None], wd)
        if not own:
            clues = any(c.dimension == p.dimension and c.kind != "fieldwork" for c in f.items)
            out.append(wd.say("causes.no_evidence", n=n, name=p.name, clues=clues, heard=said))
            continue
        parts = [wd.say("causes.nth", n=i, text=cause_text(c, w, wd)) for i, c in enumerate(own, start=1)]
        out.append(wd.say("causes.problem", n=n, name=p.name, causes=parts, heard=said))
    return out


def clue_rows(f: Causes, problems: Problems, w: Words, wd: Wording) -> list[list[str]]:
    """The evidence on the problems that no test supports, for the appendix: problem and clue."""
    names = {p.dimension: p.name for p in problems.items}
    return [[names[c.dimension], cause_text(c, w, wd)] for c in f.items
            if not c.significant and c.dimension in names and c.kind != "fieldwork"]
