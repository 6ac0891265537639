"""Wave over wave: which dimensions changed significantly since an earlier survey, for a unit and for the
area, as facts (the wave named by its title)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.names import DISTRICT
from pipeline.findings.model import AreaWave, Change, UnitDimension, WaveChanges


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


def unit_changes(unit: str, a: Analysis) -> tuple[list[Change], list[WaveChanges]]:
    """The unit against each earlier wave: significant changes only."""
    records, waves = [], []
    if a.changes.empty:
        return records, waves
    for title, c in a.changes.loc[a.changes["unit"] == unit].groupby("wave_title", sort=False):
        tested = c.loc[c["p_fdr"].notna()]
        found = [
            _change(title, r) for _, r in tested.loc[tested["significant"]].sort_values("diff").iterrows()
        ]
        records += found
        waves.append(WaveChanges(wave=title, tested=not tested.empty, changes=found, partial=partial(c)))
    return records, waves


def district_changes(a: Analysis) -> list[AreaWave]:
    """Since each earlier wave: the area as a whole, and the units that improved or declined."""
    out = []
    for title, c in a.changes.groupby("wave_title", sort=False):
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
