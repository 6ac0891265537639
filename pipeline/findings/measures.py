"""对策建议: what the unit's respondents suggested, by theme, then measures for every problem named in
存在的问题 — from the questionnaire's measures library, those answering the unit's weakest items first —
ordered by priority (a significant gap first, then dimensions that go most with overall satisfaction), each
with a suggestion of the unit's own respondents on it. A problem the whole area shares is also marked for
the area's level."""

from __future__ import annotations

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.tables import Analysis
from pipeline.common.formatting import pct, score
from pipeline.common.rules import MIN_CELL
from pipeline.findings.basic import count, unit_row
from pipeline.findings.causes import QuotePicker
from pipeline.findings.model import Measure, Problem, Problems, Suggestions, Theme
from pipeline.findings.wording import about, ordinal, quoted, words_of
from pipeline.questionnaire import Questionnaire, Words

THEMES_NAMED = 5
KEYWORDS_NAMED = 8
MEASURES_PER_PROBLEM = 2


def important(a: Analysis) -> set[str]:
    """The dimensions going with overall satisfaction more than the average dimension does."""
    d = a.drivers.dropna(subset=["importance"]) if not a.drivers.empty else a.drivers
    return set(d.loc[d["importance"] > d["importance"].mean(), "dimension"]) if not d.empty else set()


def by_priority(problems: list[Problem], a: Analysis) -> list[Problem]:
    """Significant gaps first, then the dimensions most important for overall satisfaction, else as named."""
    key = important(a)
    return sorted(problems, key=lambda p: ("significant" not in p.evidence, p.dimension not in key))


def weakest_item(p: Problem, w: Words, reverse: set[str]) -> str:
    """The item a measure should answer first, as the unit answered it."""
    if not p.items:
        return ""
    i = p.items[0]
    if i.item in reverse and i.unfavourable is not None:
        return f"（本单位{about(i.unfavourable)}的{w.respondents}认为{quoted(i.text)}）"
    return f"（本单位{quoted(i.text)}一项得分{score(i.mean)}分，是这一方面最低的）"


def measure_text(n: int, p: Problem, m: Measure, w: Words, reverse: set[str], groups: list[str]) -> str:
    """"（一）针对“X”（本单位…最低的）、重点关注…，结合受访者提出的“…”，建议：一是…；二是…。" — one sentence,
    its head from the unit's own evidence and words."""
    shared = "这一" + w.area + "共性问题" if "district_wide" in p.evidence else ""
    head = f"（{ordinal(n)}）针对{quoted(p.name)}{shared}" + weakest_item(p, w, reverse)
    if groups:
        head += "，重点关注" + "和".join(groups)
    if m.quotes:
        head += f"，结合{w.respondents}提出的{words_of(m.quotes[0])}"
    if not m.measures:
        return head + "，问卷的对策库中还没有这一方面的措施，建议结合走访座谈研究具体整改办法。"
    body = "；".join(f"{ordinal(i + 1)}是{x.rstrip('。；;')}" for i, x in enumerate(m.measures))
    area = f"（{w.area}层面的统筹措施见{w.area}总体报告）" if shared else ""
    return head + "，建议：" + body + area + "。"


def _themes(unit: str, a: Analysis, q: Questionnaire, problems: Problems) -> list[Theme]:
    """The unit's suggestion themes (those with at least ``MIN_CELL`` answers), most written first, each with
    the unit's problems it bears on."""
    th = a.themes.loc[(a.themes["unit"] == unit) & (a.themes["count"] >= MIN_CELL)]
    names = {p.dimension: p.name for p in problems.items}
    out = []
    for _, r in th.sort_values(["count", "theme"], ascending=[False, True]).iterrows():
        spec = q.themes.get(r["theme"])
        linked = [names[d] for d in (spec.dimensions if spec else []) if d in names]
        out.append(Theme(theme=r["theme"], count=int(r["count"]), problems=linked, quotes=[]))
    return out


def _summary(unit: str, a: Analysis, themes: list[Theme], total: int) -> list[str]:
    text = [
        f"共征集意见建议{total}条"
        + (
            "，主要集中在"
            + "、".join(f"{t.theme}（{t.count}条，占{pct(t.count / total)}）" for t in themes[:THEMES_NAMED])
            + "（一条意见可涉及多个主题）"
            if themes
            else ""
        )
        + "。"
    ]
    kw = a.keywords.loc[a.keywords["unit"] == unit, "keyword"].head(KEYWORDS_NAMED).tolist()
    if kw:
        text.append("意见建议中本单位较有特点的词语有：" + "、".join(kw) + "。")
    return text


def suggestions_section(
    unit: str, a: Analysis, problems: Problems, q: Questionnaire, w: Words, quotes: QuotePicker,
    concentrated: dict[str, list[str]],
) -> Suggestions:
    """对策建议: respondents' suggestions summarised, then a measure for every problem, by priority."""
    valid = int(unit_row(a, unit)["valid"])
    total = count(unit_row(a, unit).get("suggestions"))
    if valid < MIN_CELL:
        return Suggestions(
            count=None,
            themes=[],
            text=[f"意见建议：{SUPPRESSED}（有效问卷不足{MIN_CELL}份，意见建议的条数和内容均不显示）。"],
        )
    themes = _themes(unit, a, q, problems)
    if not w.has_open:
        text = ["本次问卷没有意见建议题，以下措施来自问卷的对策库。"]
    elif not total:
        text = ["本次调研未征集到意见建议，以下措施来自问卷的对策库。"]
    else:
        text = _summary(unit, a, themes, total)
    reverse = {it.id for it in q.likert_items if it.reverse}
    dims = {d.id: d for d in q.dimensions}
    measures = []
    for n, p in enumerate(by_priority(problems.items, a), start=1):
        picked = dims[p.dimension].measures_for([i.item for i in p.items], at_most=MEASURES_PER_PROBLEM)
        quote = quotes.take(p.dimension)
        m = Measure(dimension=p.dimension, name=p.name, measures=picked, quotes=[quote] if quote else [])
        measures.append(m)
        text.append(measure_text(n, p, m, w, reverse, concentrated.get(p.dimension, [])))
    for t in themes:  # the rest of what respondents wrote, each quote once in the report
        t.quotes = [x for x in [quotes.take(theme=t.theme)] if x]
    return Suggestions(count=total, themes=themes, measures=measures, text=text)
