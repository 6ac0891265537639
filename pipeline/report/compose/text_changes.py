"""Changes since earlier waves in words, for a unit and for the area (明显 only where the test says so)."""

from __future__ import annotations

from pipeline.common.rules import change_kind
from pipeline.findings.model import AreaWave, Trend, TrendPoint, UnitDimension, WaveChanges
from pipeline.wording import Wording


def verdict(wd: Wording, significant: bool, diff: float, tested: bool) -> str:
    """明显提高 / 明显下降 / 无明显变化 / 不检验."""
    return wd.say(f"changes.verdict.{change_kind(significant, diff, tested)}")


def partial_note(partial: dict[str, int], wd: Wording) -> str:
    if not partial:
        return ""
    return wd.say(
        "changes.partial", parts=[wd.say("changes.partial_part", name=n, items=k) for n, k in partial.items()]
    )


def unit_changes_text(waves: list[WaveChanges], wd: Wording) -> list[str]:
    """Each earlier wave's significant declines (the rises are 成效与亮点's), or that nothing changed."""
    out = []
    for w in waves:
        if not w.tested:
            out.append(wd.say("changes.untested", wave=w.wave))
            continue
        changes = [
            wd.say(
                "changes.change",
                name=c.name,
                verdict=verdict(wd, True, c.diff, True),
                mean_prev=c.mean_prev,
                mean=c.mean,
            )
            for c in w.changes
            if c.diff < 0
        ]
        out.append(wd.say("changes.unit", wave=w.wave, changes=changes,
                          rose=any(c.diff > 0 for c in w.changes), partial=partial_note(w.partial, wd)))
    return out


def area_changes_text(waves: list[AreaWave], wd: Wording) -> list[str]:
    out = []
    for w in waves:
        changes = [
            wd.say(
                "changes.area_change",
                name=c.name,
                mean_prev=c.mean_prev,
                mean=c.mean,
                direction=wd.say(f"changes.direction.{change_kind(True, c.diff, True)}"),
            )
            for c in w.area
        ]
        out.append(
            wd.say(
                "changes.area",
                wave=w.wave,
                changes=changes,
                up=[wd.say("changes.unit_dimension", unit=x.unit, name=x.name) for x in w.up],
                down=[wd.say("changes.unit_dimension", unit=x.unit, name=x.name) for x in w.down],
                partial=partial_note(w.partial, wd),
            )
        )
    return out


def wave_label(point: TrendPoint, wd: Wording) -> str:
    """How a trend's wave is named: its year ("2024年"), its title, or 本次 for this wave."""
    return wd.say("changes.wave_label", year=point.year, wave=point.wave)


def _direction(slope: float, wd: Wording) -> str:
    return wd.say(f"changes.direction.{'down' if slope < 0 else 'up'}")


def trends_text(trends: list[Trend], wd: Wording) -> list[str]:
    """Each significant trend over three or more waves ("连续2年下降" only where the run is there), or that
    there is none."""
    if not trends:
        return []
    points = max(len(t.series) for t in trends)
    out = [
        wd.say("changes.trend", points=len(t.series), name=t.name, run=t.run, annual=t.annual,
               direction=_direction(t.slope, wd), step=abs(t.slope),
               series=[wd.say("changes.trend_point", label=wave_label(p, wd), mean=p.mean) for p in t.series])
        for t in trends if t.direction
    ]
    return out or [wd.say("changes.trend_none", points=points)]


def area_trends_text(trends: list[Trend], trending: list[UnitDimension], area: str, wd: Wording) -> list[str]:
    """The area's and the units' significant trends over three or more waves, in one sentence."""
    if not trends:
        return []
    annual = all(p.year is not None for t in trends for p in t.series[:-1])
    items = [wd.say("changes.trend_area_item", unit=area, name=t.name, direction=_direction(t.slope, wd),
                    step=abs(t.slope), annual=annual) for t in trends if t.direction]
    items += [wd.say("changes.trend_area_item", unit=x.unit, name=x.name, direction=_direction(x.diff, wd),
                     step=abs(x.diff), annual=annual) for x in trending]
    return [wd.say("changes.trend_area", points=max(len(t.series) for t in trends), items=items)]
