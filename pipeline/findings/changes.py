"""Wave over wave: which dimensions changed significantly since an earlier survey, for a unit and for the
area, as facts (the wave named by its title)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.names import DISTRICT
from pipeline.findings.model import AreaWave, Change, Trend, TrendPoint, UnitDimension, WaveChanges


def partial(c: pd.DataFrame) -> dict[str, int]:
    """Which dimensions were compared on fewer items than they have (the questionnaire changed)."""
    part = c.loc[c["shared_items"] < c["items"]].drop_duplicates("dimension")
    return {r["dimension_name"]: int(r["shared_items"]) for _, r in part.iterrows()}


def _change(title: str, r: pd.Series) -> Change:
    return Change(
        wave=title,
        dimension=r["dimension"],
        name=r["dimension_name"],
        mean_prev=float(r["mean_prev"]),
        mean=float(r["mean"]),
        diff=float(r["diff"]),
    )


def latest(changes: pd.DataFrame) -> pd.DataFrame:
    """The rows against the most recent earlier wave (older waves speak through the trends)."""
    return changes.loc[changes["wave"] == changes["wave"].iloc[0]] if not changes.empty else changes


def unit_changes(unit: str, a: Analysis) -> tuple[list[Change], list[WaveChanges]]:
    """The unit against the most recent earlier wave: significant changes only."""
    records, waves = [], []
    if a.changes.empty:
        return records, waves
    recent = latest(a.changes)
    for title, c in recent.loc[recent["unit"] == unit].groupby("wave_title", sort=False):
        tested = c.loc[c["p_fdr"].notna()]
        found = [
            _change(title, r) for _, r in tested.loc[tested["significant"]].sort_values("diff").iterrows()
        ]
        records += found
        waves.append(WaveChanges(wave=title, tested=not tested.empty, changes=found, partial=partial(c)))
    return records, waves


def district_changes(a: Analysis) -> list[AreaWave]:
    """Since the most recent earlier wave: the area as a whole, and the units that improved or declined."""
    out = []
    for title, c in latest(a.changes).groupby("wave_title", sort=False):
        sig = c.loc[c["significant"] & (c["unit"] != DISTRICT)].sort_values("diff")

        def named(rows: pd.DataFrame) -> list[UnitDimension]:
            return [
                UnitDimension(unit=r["unit"], name=r["dimension_name"], diff=r["diff"])
                for _, r in rows.iterrows()
            ]

        whole = c.loc[(c["unit"] == DISTRICT) & c["significant"]]
        out.append(
            AreaWave(
                wave=title,
                area=[_change(title, r) for _, r in whole.iterrows()],
                up=named(sig.iloc[::-1].loc[lambda x: x["diff"] > 0]),
                down=named(sig.loc[sig["diff"] < 0]),
                partial=partial(c),
            )
        )
    return out


def _series(c: pd.DataFrame) -> list[TrendPoint]:
    """A unit's (or the area's) means per wave, oldest first, this wave last (``wave`` "")."""
    c = c.sort_values("wave_order")
    points = [TrendPoint(wave=str(t), year=None if pd.isna(y) else int(y), mean=float(m))
              for y, t, m in zip(c["wave_year"], c["wave_title"], c["mean_prev"], strict=True)]
    return [*points, TrendPoint(wave="", mean=float(c["mean"].iloc[-1]))]


def trends(unit: str, a: Analysis) -> list[Trend]:
    """The unit's dimensions over three or more waves, with the area's series beside, and their trends."""
    if a.trends.empty:
        return []
    out = []
    rows = a.changes.loc[a.changes["mean_prev"].notna() & a.changes["mean"].notna()]
    for _, r in a.trends.loc[a.trends["unit"] == unit].iterrows():
        own = rows.loc[(rows["unit"] == unit) & (rows["dimension"] == r["dimension"])]
        area = rows.loc[(rows["unit"] == DISTRICT) & (rows["dimension"] == r["dimension"])]
        out.append(Trend(dimension=r["dimension"], name=r["dimension_name"], series=_series(own),
                         area=_series(area) if len(area) == len(own) else [], direction=r["direction"],
                         run=int(r["run"]), annual=bool(r["annual"]),
                         slope=None if pd.isna(r["slope"]) else float(r["slope"])))
    return out


def trending_units(a: Analysis) -> list[UnitDimension]:
    """Units with a significant trend on a dimension, steepest decline first."""
    if a.trends.empty:
        return []
    sig = a.trends.loc[a.trends["significant"] & (a.trends["unit"] != DISTRICT)].sort_values("slope")
    return [UnitDimension(unit=r["unit"], name=r["dimension_name"], diff=float(r["slope"]))
            for _, r in sig.iterrows()]
