"""Measures aimed at where a problem was located: the significant evidence on a unit's problem — the
respondent groups and communities its low score concentrates in, the reason options chosen more than in the
rest of the area, the open-answer themes written about more — and the questionnaire's measures chosen for
it, those aimed at that evidence first (``for`` groups, ``reasons``, ``themes``), then those answering the
unit's weakest items, then those for the dimension as a whole. One home for the choice: the ledger and the
report's 对策建议 both ask here, so that they propose the same measures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.questionnaire import Questionnaire
from pipeline.questionnaire.model import Dimension

AIMS = ("group", "reason", "theme", "item", "general")  # the order measures are offered in
AT_MOST = 2  # measures proposed per problem


@dataclass(frozen=True)
class Located:
    """Where a unit's problem sits, on significant evidence only."""

    groups: list[tuple[str, str]] = field(default_factory=list)  # (profile question, option), lowest first
    communities: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # reason options chosen significantly more
    themes: list[str] = field(default_factory=list)  # themes written about significantly more


@dataclass(frozen=True)
class Chosen:
    """A measure proposed for a problem, and what it is aimed at (``aim`` in ``AIMS``; ``target``: the
    group's option, the reason, the theme or the item it answers)."""

    text: str
    aim: str
    target: str | None = None


def significant_groups(a, unit: str, dimension: str) -> pd.DataFrame:
    """The groups (``a.subgroups`` rows) of the unit significantly below the rest of the unit on the
    dimension, the largest gap first (``a``: an ``Analysis``)."""
    sub = a.subgroups
    rows = sub.loc[(sub["unit"] == unit) & (sub["dimension"] == dimension) & ~sub["suppressed"]
                   & sub["significant"] & (sub["diff"] < 0)]
    return rows.sort_values("diff")


def located(a, unit: str, dimension: str, q: Questionnaire) -> Located:
    """The significant evidence on where a unit's problem on ``dimension`` sits (``a``: an ``Analysis``)."""
    groups = significant_groups(a, unit, dimension)
    explains = {o: spec.dimensions for x in q.profile + q.outcomes for o, spec in x.explains.items()}
    pr = a.problems
    reasons = pr.loc[(pr["unit"] == unit) & pr["significant"] & ~pr["suppressed"]
                     & (pr["share"] > pr["rest_share"])]
    reasons = reasons.loc[reasons["option"].map(lambda o: dimension in explains.get(o, []))]
    themes = [t for t, spec in q.themes.items() if dimension in spec.dimensions]
    th = a.themes  # ``significant``: written about significantly more than in the rest of the area
    frequent = th.loc[(th["unit"] == unit) & th["theme"].isin(themes) & th["significant"].astype(bool)]
    community = q.role("community")
    cid = community.id if community is not None else None
    pairs = list(zip(groups["question"], groups["group"], strict=True))
    return Located(
        groups=[(x, g) for x, g in pairs if x != cid],
        communities=[g for x, g in pairs if x == cid],
        reasons=reasons.sort_values("share", ascending=False)["option"].tolist(),
        themes=frequent.sort_values("count", ascending=False)["theme"].tolist(),
    )


def choose(dimension: Dimension, items: list[str], where: Located | None = None,
           at_most: int = AT_MOST) -> list[Chosen]:
    """The measures proposed for a problem on ``dimension``: those aimed at the located groups, reasons and
    themes first, then those answering ``items`` (the unit's weakest, in order), then those for the
    dimension as a whole; a measure aimed elsewhere is not proposed. At most ``at_most``."""
    where = where or Located()
    found: list[tuple[int, int, Chosen]] = []
    for i, m in enumerate(dimension.measures):
        hits = [
            *[("group", o) for q, o in where.groups for x in m.groups.get(q, []) if x == o],
            *[("reason", r) for r in where.reasons if r in m.reasons],
            *[("theme", t) for t in where.themes if t in m.themes],
            *[("item", it) for it in items if it in m.items],
        ]
        if m.general:
            hits.append(("general", None))
        if hits:
            aim, target = min(hits, key=lambda h: AIMS.index(h[0]))
            order = items.index(target) if aim == "item" else i
            found.append((AIMS.index(aim), order, Chosen(m.text, aim, target)))
    found.sort(key=lambda f: (f[0], f[1]))
    return [c for _, _, c in found][:at_most]

