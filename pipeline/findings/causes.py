"""原因分析: for each of a unit's problems, the evidence on why it is there, in the order the reference
reports move from a problem to its causes — what respondents chose as its reasons (the multi-select
options the questionnaire says explain the dimension, grouped by their kind of cause: 思想认识, 工作机制,
队伍建设 …, each set against the rest of the area with a two-proportion test), where the low score
concentrates within the unit, what the unit's own open answers say about it, and how strongly it goes with
overall satisfaction (as an association only). Each cause is a fact with its figures, flagged significant
only where its test says so (the body says only those; the rest are clues in the appendix) and, where there
is one, a respondent's own words, never quoted twice in a report (``report.compose.text_causes`` words
them)."""

from __future__ import annotations

from difflib import SequenceMatcher

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.names import DISTRICT
from pipeline.common.rules import ALPHA
from pipeline.findings.fieldwork import cited_notes
from pipeline.findings.model import Cause, Causes, Group, Problem, Problems
from pipeline.questionnaire import Questionnaire, Words

REASONS_NAMED = 2  # reasons quoted per problem
GROUPS_NAMED = 2  # groups a low score concentrates in
SIMILAR = 0.6  # quotes this alike (difflib ratio) are one quote


def group(r: pd.Series) -> Group:
    """A respondent group of the subgroup table: a community (no label) or a profile question's option."""
    return Group(
        label=str(r["label"] or ""), group=str(r["group"]), mean=r["mean"], rest_mean=r.get("rest_mean")
    )


class QuotePicker:
    """A unit's respondents' words, handed out per problem so that no quote appears twice in its report:
    the unit's most distinctive answers (``quotes``) on the themes the questionnaire ties to a dimension,
    the themes the unit wrote most about first."""

    def __init__(self, unit: str, a: Analysis, q: Questionnaire):
        self.quotes = a.quotes.loc[a.quotes["unit"] == unit]
        counts = a.themes.loc[a.themes["unit"] == unit].set_index("theme")["count"]
        self.themes = {
            d.id: sorted(
                (t for t, spec in q.themes.items() if d.id in spec.dimensions),
                key=lambda t: -int(counts.get(t, 0)),
            )
            for d in q.dimensions
        }
        self.used: set[str] = set()

    def take(self, dimension: str | None = None, theme: str | None = None) -> str | None:
        """The next quote on ``theme``, or on any theme of ``dimension``, unlike any quoted before (answers
        copied with a word changed are one answer)."""
        themes = [theme] if theme is not None else self.themes.get(dimension or "", [])
        for t in themes:
            for quote in self.quotes.loc[self.quotes["theme"] == t, "quote"]:
                if not any(SequenceMatcher(None, quote, u).ratio() >= SIMILAR for u in self.used):
                    self.used.add(quote)
                    return str(quote)
        return None


def _reasons(
    unit: str, p: Problem, a: Analysis, q: Questionnaire, cited: set[tuple[str, str]]
) -> list[Cause]:
    """The options of the questionnaire's reason questions that explain ``p``, as the unit's respondents chose
    them: the most chosen first, each against the rest of the area; an option already ``cited`` under an
    earlier problem of the report is not cited again."""
    out = []
    rows = a.problems.loc[
        (a.problems["unit"] == unit) & ~a.problems["suppressed"] & (a.problems["count"] > 0)
    ]
    for question in q.profile + q.outcomes:
        options = [o for o, spec in question.explains.items() if p.dimension in spec.dimensions]
        options = [o for o in options if (question.id, o) not in cited]
        chosen = rows.loc[(rows["question"] == question.id) & rows["option"].isin(options)]
        for _, r in chosen.sort_values("share", ascending=False).head(REASONS_NAMED).iterrows():
            out.append(
                Cause(
                    dimension=p.dimension,
                    kind="reason",
                    question=question.id,
                    option=r["option"],
                    cause=question.explains[r["option"]].cause,
                    share=r["share"],
                    rest_share=r["rest_share"],
                    significant=bool(r["significant"]) and r["share"] > r["rest_share"],
                    rank=int(r["rank"]),
                    of=len(question.options),
                )
            )
            cited.add((question.id, r["option"]))
    return out


def _concentration(unit: str, p: Problem, a: Analysis) -> tuple[Cause | None, list[Group]]:
    """Where the problem's low score sits within the unit: groups significantly below the rest of the unit,
    or else (said as no significant difference) the group scoring lowest."""
    sub = a.subgroups.loc[
        (a.subgroups["unit"] == unit)
        & (a.subgroups["dimension"] == p.dimension)
        & ~a.subgroups["suppressed"]
        & a.subgroups["mean"].notna()
    ]
    if sub.empty:
        return None, []
    hit = sub.loc[sub["significant"] & (sub["diff"] < 0)].sort_values("diff").head(GROUPS_NAMED)
    if hit.empty:
        low = group(sub.sort_values("mean").iloc[0])
        return Cause(dimension=p.dimension, kind="concentration", significant=False, groups=[low]), []
    groups = [group(r) for _, r in hit.iterrows()]
    return Cause(dimension=p.dimension, kind="concentration", significant=True, groups=groups), groups


def _themes(unit: str, p: Problem, a: Analysis, w: Words, quotes: QuotePicker) -> list[Cause]:
    """The unit's open answers on the problem's themes: how many, against the area's share, with one of
    them."""
    if not w.has_open:
        return []
    units = a.units.set_index("unit")
    total = units.at[unit, "suggestions"] if unit in units.index else None
    area_total = a.district.iloc[0]["suggestions"] if not a.district.empty else None
    if total is None or pd.isna(total) or int(total) == 0:
        return []
    th = a.themes.loc[a.themes["theme"].isin(quotes.themes.get(p.dimension, []))]
    own = th.loc[th["unit"] == unit].sort_values(["significant", "count"], ascending=False)  # small: withheld
    area = th.loc[th["unit"] == DISTRICT].set_index("theme")["count"]
    out = []
    for _, r in own.head(1).iterrows():
        significant = bool(r["significant"])
        out.append(
            Cause(
                dimension=p.dimension,
                kind="theme",
                quote=quotes.take(theme=r["theme"]) if significant else None,
                theme=r["theme"],
                count=int(r["count"]),
                share=r["count"] / int(total),
                area_share=area[r["theme"]] / area_total if r["theme"] in area.index and area_total else None,
                significant=significant,
            )
        )
    return out


def _association(p: Problem, a: Analysis, w: Words) -> Cause | None:
    """How closely the dimension goes with overall satisfaction across the area, where it is among the closest
    (an association in cross-sectional data, as the 方法说明 says; never a cause)."""
    if w.overall is None or a.drivers.empty or a.drivers["importance"].isna().all():
        return None
    if "district_wide" in p.evidence and "significant" not in p.evidence:
        return None  # an area-wide weakness: the overview says how it goes with satisfaction, once
    ranked = a.drivers.dropna(subset=["importance"]).sort_values("importance", ascending=False)
    ranks = {d: i for i, d in enumerate(ranked["dimension"], start=1)}
    rank = ranks.get(p.dimension)
    if rank is None or rank > max(1, len(ranks) // 3):
        return None
    d = ranked.set_index("dimension").loc[p.dimension]
    return Cause(dimension=p.dimension, kind="association", rank=rank, of=len(ranks),
                 significant=bool(d["p"] < ALPHA and d["coef"] > 0))


def problem_causes(
    unit: str,
    p: Problem,
    a: Analysis,
    q: Questionnaire,
    w: Words,
    quotes: QuotePicker,
    cited: set[tuple[str, str]],
) -> tuple[list[Cause], list[Group]]:
    """Every piece of evidence on one problem, and the groups its low score concentrates in (``cited``: the
    reasons already given in the report)."""
    concentration, groups = _concentration(unit, p, a)
    causes = [
        *_reasons(unit, p, a, q, cited),
        *filter(None, [concentration]),
        *_themes(unit, p, a, w, quotes),
        *filter(None, [_association(p, a, w)]),
    ]
    return causes, groups


def causes_section(
    unit: str, a: Analysis, problems: Problems, q: Questionnaire, w: Words, quotes: QuotePicker
) -> Causes:
    """原因分析 for every problem the unit has, in the problems' order."""
    items, concentrated, cited = [], {}, set()
    for p in problems.items:
        causes, groups = problem_causes(unit, p, a, q, w, quotes, cited)
        items += causes
        heard = cited_notes(a, unit, p.dimension)  # what 座谈、走访 recorded on it: heard, not tested
        items += [Cause(dimension=p.dimension, kind="fieldwork", note=n) for n in heard]
        if groups:
            concentrated[p.dimension] = groups
    return Causes(items=items, concentrated=concentrated)
