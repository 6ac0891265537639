"""The overview's text: the district's facts in words, section by section."""

from __future__ import annotations

from pipeline.common.rules import MIN_CELL
from pipeline.findings.model import DistrictFindings
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_basic import rejected_by_rule, satisfied_options, withheld_figures
from pipeline.report.compose.text_causes import group_name
from pipeline.report.compose.text_changes import area_changes_text, area_trends_text
from pipeline.report.compose.text_fieldwork import fieldwork_parts, heard
from pipeline.report.compose.text_strengths import strength_parts
from pipeline.wording import Wording


def strengths_text(f: DistrictFindings, wd: Wording) -> list[str]:
    """成效与亮点 of the area: each unit's strengths on evidence, as 经验 to learn from, or that none
    leads."""
    practices = ([wd.say("district.strengths.practices", heard=heard(f.practices, wd, area=True))]
                 if f.practices else [])
    if not f.experience:
        return [wd.say("district.strengths.none"), *practices]
    return [wd.say("district.strengths.lead"),
            *[wd.say("district.strengths.unit", unit=x.unit, parts=strength_parts(x.strengths, wd))
              for x in f.experience], *practices]


def basic_text(f: DistrictFindings, w: Words, wd: Wording) -> list[str]:
    """基本情况 of the area: counts and shares only (no test statistic on the overview's first screen)."""
    kinds = (
        [wd.say("district.basic.kind_count", kind=k, count=v) for k, v in f.kinds.items()]
        if len(f.kinds) > 1
        else []
    )
    rules = rejected_by_rule(f.rejected_by_rule, wd)
    text = [
        wd.say(
            "district.basic.covered",
            district=f.district,
            units=len(f.units),
            kinds=kinds,
            issued=f.issued,
            received=f.received,
            valid=f.valid,
            rejected=f.rejected,
            rules=rules,
        )
    ]
    if f.fieldwork:
        text.append(wd.say("district.basic.fieldwork", units=f.fieldwork_units, notes=sum(
            c.notes for c in f.fieldwork), parts=fieldwork_parts(f.fieldwork, wd)))
    if f.no_unit is not None:
        text.append(wd.say("district.basic.no_unit", count=f.no_unit))
    if f.small:
        text.append(
            wd.say(
                "district.basic.small",
                units=f.small,
                min_cell=MIN_CELL,
                valid=f.small_valid,
                figures=withheld_figures(w, wd),
            )
        )
    if w.has_open:
        text.append(wd.say("district.basic.suggestions", count=f.suggestions, small=bool(f.small)))
    if w.overall is not None and f.satisfaction_rate is not None:
        text.append(
            wd.say(
                "district.basic.rate",
                overall=w.overall.label,
                satisfied=satisfied_options(w, wd),
                rate=f.satisfaction_rate,
            )
        )
    elif w.overall is None:
        text.append(wd.say("district.basic.no_overall"))
    return text


def _wide(f: DistrictFindings, wd: Wording) -> list[str]:
    """The area's weaknesses, each with its score and rank, negative answers, and units lowest on it."""
    out = []
    for n, r in enumerate(f.wide, start=1):
        parts = [wd.say("district.problems.wide_score", mean=r.mean, points=r.points, low=r.low,
                        dimensions=f.dimensions,
                        rank=r.rank)]
        if r.unfavourable is not None:
            parts.append(wd.say("district.problems.wide_negative", unfavourable=r.unfavourable))
        if r.lowest_in:
            parts.append(wd.say("district.problems.wide_lowest_in", units=f.shown_units, count=r.lowest_in))
        out.append(wd.say("district.problems.wide", n=n, name=r.name, parts=parts))
    return out


def _low(f: DistrictFindings, wd: Wording, n: int) -> str:
    """The units significantly below the rest, with those dimensions (or that there are none)."""
    if not f.low:
        return wd.say("district.problems.none_low")
    units = [
        wd.say("district.problems.low_unit", unit=u.unit,
               scores=[wd.say("district.problems.low_score", name=s.name, mean=s.mean) for s in u.scores])
        for u in f.low
    ]
    return wd.say("district.problems.low", n=n, units=units, count=sum(len(u.scores) for u in f.low))


def problems_text(f: DistrictFindings, w: Words, wd: Wording) -> list[str]:
    """存在的问题: the area's weaknesses, the units significantly below the rest, the persistent ones, the
    lowest dimensions, what respondents chose most, changes since earlier waves."""
    text = _wide(f, wd)
    n = len(text) + bool(f.low)
    text.append(_low(f, wd, n))
    if f.persistent:
        n += 1
        units = [wd.say("district.problems.persistent_unit", **p.model_dump()) for p in f.persistent]
        text.append(wd.say("district.problems.persistent", n=n, wave=f.persistent_wave, units=units))
    if f.lowest:
        scores = [wd.say("district.problems.lowest_score", name=s.name, mean=s.mean) for s in f.lowest]
        text.append(wd.say("district.problems.lowest", scores=scores))
    for qid, label in w.multi.items():
        chosen = [c for c in f.choices if c.question == qid]
        options = [wd.say("problems.choice", option=c.option, share=c.share) for c in chosen]
        if options:
            text.append(wd.say("district.problems.choices", question=label, options=options))
    return text + area_changes_text(f.waves, wd) + area_trends_text(f.trends, f.trending, w.area, wd)


def causes_text(f: DistrictFindings, w: Words, wd: Wording) -> list[str]:
    """原因分析 at the area's level."""
    out = []
    for r in f.reasons:
        if r.reasons:
            out.append(
                wd.say(
                    "district.causes.reasons",
                    name=r.name,
                    reasons=[
                        wd.say(
                            "district.causes.reason",
                            question=w.multi[c.question],
                            option=c.option,
                            share=c.share,
                            of=c.of,
                            rank=c.rank,
                        )
                        for c in r.reasons
                    ],
                )
            )
    if f.drivers:
        out.append(
            wd.say(
                "district.causes.drivers",
                overall=w.overall.label,
                drivers=[
                    wd.say("district.causes.driver", name=d.name, importance=d.importance) for d in f.drivers
                ],
            )
        )
    out += [
        wd.say(
            "district.causes.concentration",
            unit=c.unit,
            name=c.name,
            groups=[group_name(g, wd) for g in c.groups],
        )
        for c in f.concentrations
    ]
    return out or [wd.say("district.causes.none")]


def suggestions_text(f: DistrictFindings, wd: Wording) -> list[str]:
    """对策建议 at the area's level, then the single units' problems left to their own reports."""
    out = []
    for n, m in enumerate(f.measures, start=1):
        measures = [wd.say("suggestions.nth", n=i, text=x, aim=None, target=None)
                    for i, x in enumerate(m.measures, start=1)]
        out.append(
            wd.say(
                "district.suggestions." + ("wide" if m.wide else "shared"),
                n=n,
                name=m.name,
                measures=measures,
                units=m.units,
            )
        )
    if f.single:
        out.append(
            wd.say(
                "district.suggestions.single",
                units=[
                    wd.say("district.suggestions.single_unit", unit=x.unit, name=x.name) for x in f.single
                ],
            )
        )
    return out or [wd.say("district.suggestions.none")]


def open_answers_text(f: DistrictFindings, w: Words, wd: Wording) -> list[str]:
    """The open answers of the whole area by theme (a suggestion can touch several themes)."""
    if not w.has_open:
        return []
    total = f.suggestions or 0
    themes = (
        [
            wd.say("district.open_answers.theme", theme=t.theme, count=t.count, share=t.count / total)
            for t in f.themes
        ]
        if total
        else []
    )
    return [wd.say("district.open_answers.themes", count=total, themes=themes)]
