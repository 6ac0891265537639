"""对策建议 in words: what the unit's respondents suggested, by theme, then a measure for every problem, its
head from the unit's own evidence and words."""

from __future__ import annotations

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.common.rules import MIN_CELL
from pipeline.findings.model import Measure, Suggestions
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_causes import group_name
from pipeline.wording import Wording

THEMES_NAMED = 5


def _item(m: Measure, wd: Wording) -> str:
    """The item a measure should answer first, as the unit answered it."""
    i = m.item
    if i is None:
        return ""
    if i.reverse and i.unfavourable is not None:
        return wd.say("suggestions.item.reverse", unfavourable=i.unfavourable, text=i.text)
    return wd.say("suggestions.item.plain", text=i.text, mean=i.mean)


def measure_text(n: int, m: Measure, wd: Wording) -> str:
    """ "（一）针对“X”（本单位…最低的）、重点关注…，结合受访者提出的“…”，建议：一是…；二是…。"."""
    return wd.say(
        "suggestions.measure",
        n=n,
        name=m.name,
        shared=m.shared,
        item=_item(m, wd),
        groups=[group_name(g, wd) for g in m.groups],
        quote=m.quotes[0] if m.quotes else None,
        measures=[wd.say("suggestions.nth", n=i, text=x, aim=a.aim if a else None,
                          target=a.target if a else None)
                  for i, (x, a) in enumerate(zip(m.measures, m.aims or [None] * len(m.measures), strict=True),
                                             start=1)],
    )


def suggestions_text(f: Suggestions, w: Words, wd: Wording) -> list[str]:
    """对策建议's paragraphs."""
    if f.withheld:
        return [wd.say("suggestions.withheld", suppressed=SUPPRESSED, min_cell=MIN_CELL)]
    if not w.has_open:
        text = [wd.say("suggestions.no_question")]
    elif not f.count:
        text = [wd.say("suggestions.none_received")]
    else:
        themes = [
            wd.say("suggestions.summary_theme", theme=t.theme, count=t.count, share=t.count / f.count)
            for t in f.themes[:THEMES_NAMED]
        ]
        text = [wd.say("suggestions.summary", count=f.count, themes=themes)]
        if f.keywords:
            text.append(wd.say("suggestions.keywords", keywords=f.keywords))
    return text + [measure_text(n, m, wd) for n, m in enumerate(f.measures, start=1)]
