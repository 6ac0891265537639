"""对策建议: what the unit's respondents suggested, by theme, then measures for every problem named in
存在的问题 — from the questionnaire's measures library, those aimed at where the problem was located first
(``analyze.measures``, as the ledger) —
ordered by priority (a significant gap first, then dimensions that go most with overall satisfaction), each
with a suggestion of the unit's own respondents on it. A problem the whole area shares is also marked for
the area's level."""

from __future__ import annotations

from pipeline.analyze.disclosure import small_units
from pipeline.analyze.ledger import problem_items
from pipeline.analyze.measures import choose, located
from pipeline.analyze.tables import Analysis
from pipeline.findings.basic import count, unit_row
from pipeline.findings.causes import QuotePicker
from pipeline.findings.model import Aim, Group, Measure, Problem, Problems, Suggestions, Theme
from pipeline.questionnaire import Questionnaire, Words

KEYWORDS_NAMED = 8


def important(a: Analysis) -> set[str]:
    """The dimensions going with overall satisfaction more than the average dimension does."""
    d = a.drivers.dropna(subset=["importance"]) if not a.drivers.empty else a.drivers
    return set(d.loc[d["importance"] > d["importance"].mean(), "dimension"]) if not d.empty else set()


def by_priority(problems: list[Problem], a: Analysis) -> list[Problem]:
    """Significant gaps first, then the dimensions most important for overall satisfaction, else as named."""
    key = important(a)
    return sorted(problems, key=lambda p: ("significant" not in p.evidence, p.dimension not in key))


def _themes(unit: str, a: Analysis, q: Questionnaire, problems: Problems) -> list[Theme]:
    """The unit's suggestion themes (those disclosure control shows), most written first, each with
    the unit's problems it bears on."""
    th = a.themes.loc[a.themes["unit"] == unit]
    names = {p.dimension: p.name for p in problems.items}
    out = []
    for _, r in th.sort_values(["count", "theme"], ascending=[False, True]).iterrows():
        spec = q.themes.get(r["theme"])
        linked = [names[d] for d in (spec.dimensions if spec else []) if d in names]
        out.append(Theme(theme=r["theme"], count=int(r["count"]), problems=linked, quotes=[]))
    return out


def suggestions_section(
    unit: str,
    a: Analysis,
    problems: Problems,
    q: Questionnaire,
    w: Words,
    quotes: QuotePicker,
    concentrated: dict[str, list[Group]],
) -> Suggestions:
    """对策建议: respondents' suggestions by theme, then a measure for every problem, by priority."""
    total = count(unit_row(a, unit).get("suggestions"))
    if unit in small_units(a.units):
        return Suggestions(count=None, themes=[], withheld=True)
    themes = _themes(unit, a, q, problems)
    keywords = (
        a.keywords.loc[a.keywords["unit"] == unit, "keyword"].head(KEYWORDS_NAMED).tolist()
        if w.has_open and total
        else []
    )
    dims = {d.id: d for d in q.dimensions}
    measures = []
    for p in by_priority(problems.items, a):
        items = problem_items(a.unit_items, unit, p.dimension)["item"].tolist()
        picked = choose(dims[p.dimension], items, located(a, unit, p.dimension, q))
        quote = quotes.take(p.dimension)
        measures.append(
            Measure(
                dimension=p.dimension,
                name=p.name,
                measures=[c.text for c in picked],
                aims=[Aim(aim=c.aim, target=c.target) for c in picked],
                quotes=[quote] if quote else [],
                shared="district_wide" in p.evidence,
                item=p.items[0] if p.items else None,
                groups=concentrated.get(p.dimension, []),
            )
        )
    for t in themes:  # the rest of what respondents wrote, each quote once in the report
        t.quotes = [x for x in [quotes.take(theme=t.theme)] if x]
    return Suggestions(count=total, themes=themes, measures=measures, keywords=keywords)
