"""The whole area's findings for the overview, as facts: who was surveyed, the area's own weaknesses —
shared by most units — before the units significantly below the rest and the problems persisting since an
earlier wave, the units' strengths as 经验 to learn from, what respondents chose as their reasons and where
problems concentrate, then measures at the area's level for the area-wide weaknesses, before those left to
single units."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import small_units
from pipeline.analyze.evidence import district_wide, evaluated, level
from pipeline.analyze.measures import choose
from pipeline.analyze.tables import Analysis
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import significantly_low
from pipeline.findings.basic import count, in_rule_order, number
from pipeline.findings.causes import group
from pipeline.findings.changes import district_changes, trending_units, trends
from pipeline.findings.fieldwork import fieldwork_counts, practices
from pipeline.findings.model import (
    AreaMeasure,
    AreaReasons,
    AreaWeakness,
    Cause,
    Concentration,
    DimensionScore,
    DistrictFindings,
    Driver,
    Theme,
    UnitDimension,
    UnitFindings,
    UnitScores,
    UnitStrengths,
)
from pipeline.findings.problems import top_choices
from pipeline.questionnaire import Questionnaire

AREA_MEASURES = 3  # measures proposed for an area-wide weakness
REASONS_NAMED = 2


def _issued(units: pd.DataFrame, q: Questionnaire) -> int | None:
    """Questionnaires handed out, when every unit's 发放 count is known."""
    issued = q.issued
    if not issued or not set(units["unit"]) <= set(issued):
        return None
    return sum(issued[x] for x in units["unit"]) or None


def _area_items(a: Analysis, dimension: str) -> list[str]:
    """A dimension's items, the area's weakest first (means over the units shown, weighted by their
    answers)."""
    ui = a.unit_items.loc[(a.unit_items["dimension"] == dimension) & a.unit_items["mean"].notna()]
    if ui.empty:
        return []
    means = (ui["mean"] * ui["n"]).groupby(ui["item"]).sum() / ui["n"].groupby(ui["item"]).sum()
    return means.sort_values().index.tolist()


def _own_lowest(a: Analysis, q: Questionnaire) -> pd.Series:
    """Per dimension, how many units score lowest on it among their own dimensions (scales of any length)."""
    ud = a.unit_dimensions.loc[~a.unit_dimensions["suppressed"] & a.unit_dimensions["mean"].notna()]
    lowest = ud.assign(level=level(ud, q)).sort_values("level")
    return lowest.drop_duplicates("unit")["dimension"].value_counts()


def _weaknesses(a: Analysis, q: Questionnaire, wide: pd.DataFrame) -> list[AreaWeakness]:
    dd = a.district_dimensions
    from_bottom = (
        dd.assign(level=level(dd, q))
        .sort_values("level")["dimension"]
        .tolist()
    )
    own_lowest = _own_lowest(a, q)
    return [
        AreaWeakness(
            dimension=r["dimension"],
            name=r["dimension_name"],
            mean=r["mean"],
            points=int(r["points"]),
            low=int(r["low"]),
            rank=from_bottom.index(r["dimension"]) + 1,
            unfavourable=r.get("unfavourable"),
            lowest_in=int(own_lowest.get(r["dimension"], 0)),
        )
        for _, r in wide.iterrows()
    ]


def _area_reasons(dimension: str, a: Analysis, q: Questionnaire) -> list[Cause]:
    """What the area's respondents chose as the reasons explaining ``dimension``."""
    area = a.problems.loc[(a.problems["unit"] == DISTRICT) & (a.problems["count"] > 0)]
    out = []
    for question in q.profile + q.outcomes:
        options = [o for o, spec in question.explains.items() if dimension in spec.dimensions]
        rows = area.loc[(area["question"] == question.id) & area["option"].isin(options)]
        for _, r in rows.sort_values("share", ascending=False).head(REASONS_NAMED).iterrows():
            out.append(
                Cause(
                    dimension=dimension,
                    kind="reason",
                    question=question.id,
                    option=r["option"],
                    share=r["share"],
                    rank=int(r["rank"]),
                    of=len(question.options),
                )
            )
    return out


def _drivers(a: Analysis, q: Questionnaire) -> list[Driver]:
    if q.overall is None or a.drivers.empty or a.drivers["importance"].isna().all():
        return []
    top = a.drivers.sort_values("importance", ascending=False).head(3)
    return [Driver(name=r["dimension_name"], importance=r["importance"]) for _, r in top.iterrows()]


def _concentrations(a: Analysis, q: Questionnaire) -> list[Concentration]:
    sub = a.subgroups.loc[a.subgroups["significant"] & (a.subgroups["diff"] < 0) & ~a.subgroups["suppressed"]]
    names = q.dimension_names()
    return [
        Concentration(unit=u, name=names[dim], groups=[group(r) for _, r in g.head(2).iterrows()])
        for (u, dim), g in sub.sort_values("diff").groupby(["unit", "dimension"], sort=False)
    ]


def _measures(
    a: Analysis, q: Questionnaire, wide: pd.DataFrame
) -> tuple[list[AreaMeasure], list[UnitDimension]]:
    """Measures at the area's level for its weaknesses and for problems several units share; the single
    units' problems left to their own reports."""
    dims = {d.id: d for d in q.dimensions}
    ud = a.unit_dimensions.loc[a.unit_dimensions["dimension"].isin(evaluated(q))]
    out = []
    for _, r in wide.iterrows():
        low = significantly_low(ud) & (ud["dimension"] == r["dimension"])
        out.append(
            AreaMeasure(
                name=r["dimension_name"],
                wide=True,
                units=ud.loc[low, "unit"].tolist(),
                measures=[c.text for c in choose(dims[r["dimension"]], _area_items(a, r["dimension"]),
                                                 at_most=AREA_MEASURES)],
            )
        )
    sig = ud.loc[significantly_low(ud) & ~ud["dimension"].isin(wide["dimension"])]
    counts = sig.groupby("dimension", sort=False)["unit"].agg(list)
    for dim in [d.id for d in q.dimensions if d.id in counts and len(counts[d.id]) >= 2]:
        out.append(
            AreaMeasure(
                name=dims[dim].name,
                wide=False,
                units=counts[dim],
                measures=[c.text for c in choose(dims[dim], _area_items(a, dim), at_most=AREA_MEASURES)],
            )
        )
    single = [
        UnitDimension(unit=units[0], name=dims[d].name) for d, units in counts.items() if len(units) == 1
    ]
    return out, single


def _persistent(a: Analysis) -> tuple[str | None, list[UnitDimension]]:
    """The earlier wave and the units' dimensions still below the area since it."""
    persistent = a.unit_problems.loc[a.unit_problems["kinds"].str.contains("persistent")]
    if persistent.empty or a.changes.empty:
        return None, []
    return str(a.changes["wave_title"].iloc[0]), [
        UnitDimension(unit=r["unit"], name=r["dimension_name"], mean_prev=r["mean_prev"], mean=r["mean"])
        for _, r in persistent.iterrows()
    ]


def _scores(rows: pd.DataFrame) -> list[DimensionScore]:
    return [DimensionScore(name=r["dimension_name"], mean=r["mean"]) for _, r in rows.iterrows()]


def _who(a: Analysis, q: Questionnaire) -> dict:
    """基本情况's facts: units by kind, questionnaires issued, received, valid and rejected, the units too
    small to show, suggestions and the satisfaction rate (totals over every respondent, not sums of
    units)."""
    u, d = a.units.loc[a.units["valid"] > 0], a.district.iloc[0]
    withheld = small_units(a.units)
    small = u.loc[u["unit"].isin(withheld)]
    no_unit = a.units.loc[a.units["unit"] == NO_UNIT, "received"]
    return dict(
        units=u["unit"].tolist(), kinds={str(k): int(v) for k, v in u["kind"].value_counts().items()},
        issued=_issued(u, q), received=int(d["received"]), valid=int(d["valid"]),
        rejected=int(d["rejected"]),
        rejected_by_rule=in_rule_order(a.rejections.groupby("rule")["count"].sum()),
        no_unit=None if no_unit.empty else int(no_unit.iloc[0]), small=small["unit"].tolist(),
        small_valid=int(small["valid"].sum()), suggestions=count(d.get("suggestions")),
        satisfaction_rate=number(d.get("satisfaction_rate")),
        shown_units=int((~a.units["unit"].isin(withheld)).sum()),
    )


def district_findings(a: Analysis, q: Questionnaire,
                      units: dict[str, UnitFindings] | None = None) -> DistrictFindings:
    """The overview's findings (``units``: the units' findings, whose strengths are the area's 经验)."""
    wide = district_wide(a.district_dimensions, q)
    ud = a.unit_dimensions.loc[a.unit_dimensions["dimension"].isin(evaluated(q))]
    sig = ud.loc[significantly_low(ud)].sort_values("diff")
    measures, single = _measures(a, q, wide)
    themes = a.themes.loc[a.themes["unit"] == DISTRICT].sort_values("count", ascending=False)
    wave, persistent = _persistent(a)
    dd = a.district_dimensions
    return DistrictFindings(
        district=q.district, survey_title=q.title, **_who(a, q),
        significant_low=int(significantly_low(ud).sum()), dimensions=len(dd),
        wide=_weaknesses(a, q, wide), district_wide=wide["dimension_name"].tolist(),
        low=[UnitScores(unit=unit, scores=_scores(g)) for unit, g in sig.groupby("unit", sort=False)],
        persistent_wave=wave, persistent=persistent,
        lowest=_scores(dd.sort_values("mean").head(3)) if len(dd) > 3 else [],
        choices=top_choices(a.problems.loc[a.problems["unit"] == DISTRICT]),
        reasons=[AreaReasons(name=r["dimension_name"], reasons=_area_reasons(r["dimension"], a, q))
                 for _, r in wide.iterrows()],
        drivers=_drivers(a, q), concentrations=_concentrations(a, q), measures=measures, single=single,
        themes=[Theme(theme=r["theme"], count=int(r["count"]), problems=[], quotes=[])
                for _, r in themes.iterrows()],  # a small count is withheld already
        waves=district_changes(a),
        trends=trends(DISTRICT, a),
        trending=trending_units(a),
        units_with_problems=list(dict.fromkeys(sig["unit"])),
        experience=[UnitStrengths(unit=u, strengths=f.strengths) for u, f in (units or {}).items()
                    if f.strengths.high or f.strengths.improved or f.strengths.rate_above],
        fieldwork=fieldwork_counts(a), fieldwork_units=int(a.fieldwork["unit"].nunique()),
        practices=practices(a),
    )
