"""基本情况: who was surveyed in a unit — questionnaires issued, received and valid, who answered, the
satisfaction rate against the area, suggestions collected — every figure from the tables, as facts."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import small_units
from pipeline.analyze.tables import Analysis
from pipeline.clean import RULE_ORDER
from pipeline.common.rules import MIN_N_TEST, short_of
from pipeline.findings.fieldwork import fieldwork_counts
from pipeline.findings.model import Basic, FactValue, ProfileShare
from pipeline.questionnaire import Words


def in_rule_order(counts: pd.Series) -> dict[str, int]:
    """Rejection counts keyed by rule, in the order the clean stage applies the rules."""
    rank = {rule: i for i, rule in enumerate(RULE_ORDER)}
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: rank.get(kv[0], len(rank)))}


def count(value) -> int | None:
    """A stored count, or None where it was withheld (or never computed)."""
    return None if value is None or pd.isna(value) else int(value)


def number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def unit_row(a: Analysis, unit: str) -> pd.Series:
    return a.units.set_index("unit").loc[unit]


def _share(
    comp: pd.DataFrame, question: str, options: list[str], label: str | None, w: Words, option: str
) -> ProfileShare | None:
    """The share of the unit's respondents who chose any of ``options`` (None where no row is there)."""
    rows = comp.loc[(comp["question"] == question) & comp["option"].isin(options)]
    if rows.empty:
        return None
    share = None if rows["suppressed"].any() else float(rows["share"].sum())
    return ProfileShare(
        label=label, question=w.profile_labels.get(question, question), option=option, share=share
    )


def profile_shares(comp: pd.DataFrame, w: Words) -> list[ProfileShare]:
    """The profile shares the 基本情况 quotes: the report section's figures, or each question's largest
    option."""
    if w.profile_figures is not None:
        found = [_share(comp, f.question, f.options, f.label, w, f.options[0]) for f in w.profile_figures]
    else:
        found = []
        for qid in w.profile_labels:
            rows = comp.loc[(comp["question"] == qid) & ~comp["suppressed"]]
            if not rows.empty:
                top = rows.sort_values("share", ascending=False).iloc[0]
                found.append(_share(comp, qid, [top["option"]], None, w, str(top["option"])))
    return [x for x in found if x is not None]


def _rank(unit: str, a: Analysis) -> tuple[int | None, int | None, int | None, int]:
    """The unit's satisfaction rank among the units whose rate is shown, its 95% interval, and how many
    units are ranked (``pipeline.analyze.ranking``)."""
    if "satisfaction_rank" not in a.units:  # no overall question
        return None, None, None, 0
    columns = ["satisfaction_rank", "satisfaction_rank_low", "satisfaction_rank_high"]
    ranks = a.units.set_index("unit")[columns].dropna()
    if unit not in ranks.index or len(ranks) < 2:
        return None, None, None, 0
    rank, low, high = (int(v) for v in ranks.loc[unit])
    return rank, low, high, len(ranks)


def basic_section(unit: str, a: Analysis, w: Words) -> Basic:
    u = unit_row(a, unit)
    valid, small = int(u["valid"]), unit in small_units(a.units)
    rate = number(u.get("satisfaction_rate"))
    d = a.district.iloc[0] if not a.district.empty else None
    rank, rank_low, rank_high, ranked = _rank(unit, a)
    return Basic(
        received=int(u["received"]),
        valid=valid,
        rejected=int(u["rejected"]),
        rejected_by_rule=in_rule_order(
            a.rejections.loc[a.rejections["unit"] == unit].groupby("rule")["count"].sum()
        ),
        withheld=small,
        tested=valid >= MIN_N_TEST,
        issued=None if small else w.issued.get(unit),
        communities=count(u.get("communities")),
        suggestions=count(u.get("suggestions")),
        satisfaction_rate=rate,
        satisfaction_ci=None
        if rate is None
        else (float(u["satisfaction_ci_low"]), float(u["satisfaction_ci_high"])),
        area_rate=None if d is None else number(d.get("satisfaction_rate")),
        rate_standard=w.rate_standard,
        rate_missed=None if rate is None or w.rate_standard is None else short_of(rate, w.rate_standard, 3),
        rank=rank,
        rank_interval=None if rank is None else (rank_low, rank_high),
        ranked=ranked,
        small_area_rate=number(u.get("satisfaction_small_area")),
        profile=profile_shares(a.composition.loc[a.composition["unit"] == unit], w),
        fieldwork=fieldwork_counts(a, unit),
        facts=unit_facts(a, unit, w),
    )


def unit_facts(a: Analysis, unit: str, w: Words) -> list[FactValue]:
    """The unit's facts with a value, in the questionnaire's order."""
    mine = a.facts.loc[a.facts["unit"] == unit].set_index("fact")
    out = []
    for f in w.facts:
        if f.column not in mine.index or mine.loc[f.column, "text"] == "":
            continue
        value, text = mine.loc[f.column, "value"], str(mine.loc[f.column, "text"])
        out.append(FactValue(label=f.label, kind=f.kind, measure=f.measure, text=text,
                             value=None if pd.isna(value) else float(value)))
    return out
