"""Wave over wave: is a unit better or worse than in an earlier survey analysed by this pipeline?

Questions are matched by id; an item renamed between waves is matched through the questionnaire's
``renamed:`` (current id → earlier id), and compared only where both waves used the same scale (length and
option labels). A dimension is compared only on the items both waves share (its score
recomputed on those items in both waves), and the comparison says how many that is. Units are matched by
name, or through ``renamed_units:`` (current name → earlier name), never silently dropped: a unit missing from
the earlier wave is listed as such. Per unit and dimension: Welch's t from the two waves' respondents,
Hedges' g, and FDR over the whole family; a change is called only when significant and the unit has at least
``MIN_N_TEST`` valid answers in both waves (cells under ``MIN_CELL`` are not shown).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyze.scores import dimension_scores, score_scales
from pipeline.common.matching import plain_key
from pipeline.common.names import DISTRICT
from pipeline.common.rules import ALPHA, MIN_CELL, MIN_N_TEST
from pipeline.questionnaire import Questionnaire
from pipeline.stats.comparisons import fdr, hedges_g
from pipeline.stats.design import DesignSums, Strata, domain_estimates, satterthwaite
from pipeline.stats.moments import Moments
from pipeline.stats.raking import RakeFactors

CHANGE_COLUMNS = [
    "wave",
    "wave_title",
    "unit",
    "dimension",
    "dimension_name",
    "shared_items",
    "items",
    "n_prev",
    "mean_prev",
    "n",
    "mean",
    "diff",
    "t",
    "p",
    "p_fdr",
    "hedges_g",
    "significant",
    "suppressed",
    "note",
    "sd_prev",
    "sd",
    "wave_order",
    "wave_year",
    "se_prev",
    "se",
]


def item_changes(current: Questionnaire, previous: Questionnaire) -> dict[str, list[str]]:
    """Items added, removed and renamed between the earlier wave and this one (by id)."""
    now = {it.id for it in current.likert_items}
    before = {it.id for it in previous.likert_items}
    renamed = {new: old for new, old in current.renamed.items() if new in now and old in before}
    return {
        "added": sorted(now - before - set(renamed)),
        "removed": sorted(before - now - set(renamed.values())),
        "renamed": [f"{old}→{new}" for new, old in sorted(renamed.items())],
        "other_scale": other_scale(current, previous),
    }


@dataclass(frozen=True)
class EarlierWave:
    """An earlier survey to compare with: its name (folder), how reports name it, its cleaned responses
    (a table, or a function giving them part by part) and the questionnaire it used."""

    name: str
    title: str
    responses: pd.DataFrame | Callable[[], Iterable[pd.DataFrame]]
    questionnaire: Questionnaire
    until: str = ""  # the date its data ran to (its manifest's), which orders the waves in time
    raking: RakeFactors | None = None  # its design's raking factors, as its analysis stored them

    def parts(self) -> Iterable[pd.DataFrame]:
        return [self.responses] if isinstance(self.responses, pd.DataFrame) else self.responses()


def _asked_in_both(current: Questionnaire, previous: Questionnaire) -> list[tuple[str, str]]:
    """(current id, earlier id) of the Likert items both waves asked (by id or through ``renamed:``)."""
    before = {it.id for it in previous.likert_items}
    return [(it.id, current.renamed.get(it.id, it.id)) for it in current.likert_items
            if current.renamed.get(it.id, it.id) in before]


def _scale(q: Questionnaire, item: str) -> list[str]:
    return [plain_key(o) for o in q.by_id[item].options]


def other_scale(current: Questionnaire, previous: Questionnaire) -> list[str]:
    """Items both waves asked on scales that differ in length or option labels (a 7-point scale last year, a
    5-point one now): their scores are not comparable, so they are left out of every comparison."""
    return [new for new, old in _asked_in_both(current, previous)
            if _scale(current, new) != _scale(previous, old)]


def shared_items(current: Questionnaire, previous: Questionnaire) -> list[str]:
    """The Likert items (current ids) both waves asked on the same scale, matched by id or through
    ``renamed:``."""
    differ = set(other_scale(current, previous))
    return [new for new, _ in _asked_in_both(current, previous) if new not in differ]


def shared_dimensions(q: Questionnaire, earlier: EarlierWave) -> dict[str, list[str]]:
    """Per dimension of this questionnaire, its items both waves asked (current ids; empty: none)."""
    common = set(shared_items(q, earlier.questionnaire))
    return {d.id: [it.id for it in d.items if it.id in common] for d in q.dimensions}


def _scores(part: pd.DataFrame, q: Questionnaire,
            usable: dict[str, list[str]]) -> tuple[pd.DataFrame, list[int] | None]:
    return dimension_scores(part, q, usable), _scales(q, usable)


def _scales(q: Questionnaire, usable: dict[str, list[str]]) -> list[int] | None:
    scales = score_scales(q, usable)
    return list(scales.values()) if scales is not None else None


def year_of(until: str) -> int | None:
    """The year a wave's data ran to ("2025-11-30" → 2025), or None."""
    return int(until[:4]) if len(until) >= 4 and until[:4].isdigit() else None


def in_time(previous: Iterable[EarlierWave]) -> list[EarlierWave]:
    """The earlier waves oldest first: by the date their data ran to, as given where it is not known."""
    waves = list(previous)
    return sorted(waves, key=lambda w: w.until) if all(w.until for w in waves) else waves


def wave_scores(part: pd.DataFrame, q: Questionnaire,
                previous: Iterable[EarlierWave]) -> dict[str, pd.DataFrame]:
    """Per earlier wave, this part's dimension scores on the items both waves asked."""
    return {earlier.name: _scores(part, q, _usable(q, earlier))[0] for earlier in previous}


def wave_sums(part: pd.DataFrame, unit: pd.Series, q: Questionnaire,
              previous: Iterable[EarlierWave]) -> dict[str, Moments]:
    """Per earlier wave, this part's dimension scores on the items both waves asked, summed by unit."""
    out = {}
    for earlier in previous:
        scores, scales = _scores(part, q, _usable(q, earlier))
        out[earlier.name] = Moments.of(scores, unit.astype("string"), scales)
    return out


def _usable(q: Questionnaire, earlier: EarlierWave) -> dict[str, list[str]]:
    return {d: ids for d, ids in shared_dimensions(q, earlier).items() if ids}


def earlier_scores(part: pd.DataFrame, earlier: EarlierWave,
                   q: Questionnaire) -> tuple[pd.Series, pd.DataFrame]:
    """A part of an earlier wave's rows: each row's unit under its current name, and the dimension scores on
    the items both waves asked (its items under their current ids)."""
    to_prev = {it.id: q.renamed.get(it.id, it.id) for it in q.likert_items}
    back = {old: new for new, old in q.renamed_units.items()}
    as_now = part.rename(columns={v: k for k, v in to_prev.items() if k != v})
    unit = part[earlier.questionnaire.unit_question.id].astype("string").replace(back)
    return unit, _scores(as_now, q, _usable(q, earlier))[0]


def earlier_sums(earlier: EarlierWave, q: Questionnaire) -> Moments:
    """The earlier wave's dimension scores on the items both waves asked (its items and units under their
    current ids and names), summed by unit, part by part."""
    scales = _scales(q, _usable(q, earlier))

    def summed(part: pd.DataFrame) -> Moments:
        unit, scores = earlier_scores(part, earlier, q)
        return Moments.of(scores, unit, scales)

    return added_up(map(summed, earlier.parts()))


def added_up(parts: Iterable):
    """The sum of parts' sums (Moments or design sums), one at a time."""
    return reduce(operator.add, parts)


def wave_changes(kept: pd.DataFrame, q: Questionnaire, previous: list[EarlierWave]) -> pd.DataFrame:
    """``changes`` of a survey held whole (``kept``)."""
    return changes(wave_sums(kept, kept[q.unit_question.id], q, previous), q, previous)


def _by_unit(m: Moments, dim: str) -> pd.DataFrame:
    """A dimension's count, mean and SD per unit and for the area (``DISTRICT``: every row with a unit)."""
    one = m.columns_of([dim])
    rows = [(g, n, mean, var) for g, n, mean, var in zip(one.groups, one.count()[:, 0], one.mean()[:, 0],
                                                          one.var()[:, 0], strict=True) if n > 0]
    area = one.total()
    rows.append((DISTRICT, area.count()[0, 0], area.mean()[0, 0], area.var()[0, 0]))
    out = pd.DataFrame(rows, columns=["unit", "count", "mean", "var"]).set_index("unit")
    return out.assign(std=np.sqrt(out.pop("var")))


def _by_unit_design(strata: Strata, dim: str) -> pd.DataFrame:
    """``_by_unit`` under a declared design: a dimension's answers, weighted mean and SD, and the mean's
    design-based SE and degrees of freedom, per unit and for the area."""
    one = strata.take([dim])
    rows = []
    sides = ((list(one.units), domain_estimates(one)), ([DISTRICT], domain_estimates(one, one.total())))
    for labels, e in sides:
        rows += [(u, e["n"][i, 0], e["mean"][i, 0], e["sd"][i, 0], e["se"][i, 0], e["df"][i, 0])
                 for i, u in enumerate(labels) if e["n"][i, 0] > 0]
    return pd.DataFrame(rows, columns=["unit", "count", "mean", "std", "se", "df"]).set_index("unit")


def _unit_change(base: dict, now: pd.Series, before: pd.Series) -> dict:
    """One unit's dimension against the earlier wave: Welch's t from both waves' moments, or under a declared
    design (``se`` given) the t test of two independent samples' design-based means on Satterthwaite's
    degrees of freedom; Hedges' g."""
    n1, m1, s1 = now["count"], now["mean"], now["std"]
    n0, m0, s0 = before["count"], before["mean"], before["std"]
    tested = min(n1, n0) >= MIN_N_TEST
    design = "se" in now
    extra = {"se": float(now["se"]), "se_prev": float(before["se"])} if design else {}
    if not tested:
        t, p = np.nan, np.nan
    elif design:
        v1, v0 = now["se"] ** 2, before["se"] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (m1 - m0) / np.sqrt(v1 + v0)
        p = 2 * stats.t.sf(abs(t), satterthwaite(v1, now["df"], v0, before["df"]))
    else:
        t, p = stats.ttest_ind_from_stats(m1, s1, n1, m0, s0, n0, equal_var=False)
    return {**base, "n_prev": int(n0), "mean_prev": float(m0), "diff": float(m1 - m0), "t": float(t),
            "p": float(p), "hedges_g": float(hedges_g(m1, s1, n1, m0, s0, n0)),
            "note": "" if tested else "样本不足，不检验", "sd_prev": float(s0), "sd": float(s1), **extra}


@dataclass(frozen=True)
class WaveDesign:
    """Under a declared design: this wave's weighted sums per PSU for each earlier wave (the scores both
    can compare) and how to sum an earlier wave's under its own design."""

    now: dict[str, DesignSums]
    before: Callable[[EarlierWave], DesignSums]


def _wave_rows(now: dict[str, Moments], q: Questionnaire, earlier: EarlierWave,
               design: WaveDesign | None = None) -> list[dict]:
    """Every unit's (and the area's) dimensions against one earlier wave."""
    rows = []
    wave, title = earlier.name, earlier.title
    shared = shared_dimensions(q, earlier)
    if design is None:
        by, current = _by_unit, now[wave]
        before = earlier_sums(earlier, q) if any(shared.values()) else None
    else:
        by, current = _by_unit_design, design.now[wave].by_stratum()
        before = design.before(earlier).by_stratum() if any(shared.values()) else None
    for d in q.dimensions:
        k = len(shared[d.id])
        head = {"wave": wave, "wave_title": title, "dimension": d.id, "dimension_name": d.name,
                "shared_items": k, "items": len(d.items)}
        if k == 0:
            rows.append({**head, "unit": DISTRICT, "note": "两次调查没有共同的题目，无法比较"})
            continue
        ga, gb = by(current, d.id), by(before, d.id)
        for unit in ga.index:
            now_n, now_mean = int(ga.loc[unit, "count"]), float(ga.loc[unit, "mean"])
            base = {**head, "unit": unit, "n": now_n, "mean": now_mean}
            if unit not in gb.index:
                rows.append({**base, "n_prev": 0, "note": f"{wave}没有该单位的数据"})
            else:
                rows.append(_unit_change(base, ga.loc[unit], gb.loc[unit]))
    return rows


def changes(now: dict[str, Moments], q: Questionnaire, previous: list[EarlierWave],
            design: WaveDesign | None = None) -> pd.DataFrame:
    """Per earlier wave (the most recent first), unit (and the whole area) and dimension: the change, with its
    test, from this wave's sums (``wave_sums``) and the earlier wave's (``earlier_sums``); under a declared
    ``design``, from both waves' weighted sums per PSU (``se``, ``se_prev``: each mean's design-based SE).

    Returns
    -------
    pandas.DataFrame
        ``CHANGE_COLUMNS``; ``diff`` is this wave minus the earlier one.
    """
    oldest_first = in_time(previous)
    # the most recent earlier wave first: "the previous survey" everywhere is the first wave's rows
    rows = [row for earlier in oldest_first[::-1] for row in _wave_rows(now, q, earlier, design)]
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    order = {w.name: i for i, w in enumerate(oldest_first)}
    out["wave_order"] = out["wave"].map(order)
    out["wave_year"] = out["wave"].map({w.name: year_of(w.until) for w in previous}).astype("Int64")
    if out.empty:
        return out.astype({"significant": bool, "suppressed": bool})
    out["p_fdr"] = fdr(out["p"].astype(float))
    out["significant"] = (out["p_fdr"] < ALPHA).fillna(False).astype(bool)
    out["suppressed"] = (out["n"].fillna(0) < MIN_CELL) | (out["n_prev"].fillna(0) < MIN_CELL)
    hidden = out["suppressed"] & (out["unit"] != DISTRICT)
    out.loc[hidden, ["mean", "mean_prev", "diff", "t", "p", "p_fdr", "hedges_g", "sd_prev", "sd", "se_prev",
                     "se"]] = np.nan
    out.loc[hidden, "significant"] = False
    return out
