"""Which dimensions are a unit's problems, and on what evidence: only where the evidence says the unit is
worse — a unit may have none, and no dimension is a problem where the unit is significantly above the rest.

What makes a problem (``PRIMARY``), each worded its own way in the findings (only the first says 显著):

- ``significant``: significantly below the rest of the area (Welch t, FDR over all units × dimensions);
- ``standard``: short of the work target the questionnaire states for the dimension (``standard:``, a score
  at least, an unfavourable share at most);
- ``declined``: significantly lower than the unit's own score in the previous wave;
- ``persistent``: below the area in the previous wave and still below it now, not significantly improved;
- ``district_wide``: a weakness of the whole area — its lowest dimension(s) compared on one scale (as a
  share of each scale), any whose area-wide score is below ``district_below``, and any where the area
  misses its standard — named in a unit where the unit is not above the rest on it (at the precision
  reports print), worded as shared.

What only adds to such a problem, never one by itself: ``negative``, a share of unfavourable answers at or
above ``report.problems.negative_share`` and above the area's own share, and ``weakest``, the unit's own
lowest dimension(s) besides the area's weaknesses. A descriptive dimension (``direction: none``) is
reported and compared, never a problem.

Each unit's problems are ordered by priority (the order of ``KINDS``) and capped
(``report.problems.at_most``); units with fewer than ``MIN_CELL`` valid answers have none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.names import DISTRICT
from pipeline.common.rules import missed_standard, significantly_high, significantly_low
from pipeline.questionnaire import Questionnaire
from pipeline.questionnaire.words import scale_low

KINDS = ("significant", "standard", "declined", "persistent", "district_wide", "negative", "weakest")
# what makes a problem; the rest only supports it
PRIMARY = ("significant", "standard", "declined", "persistent", "district_wide")
EVIDENCE_COLUMNS = [
    "unit",
    "dimension",
    "dimension_name",
    "kinds",
    "priority",
    "mean",
    "rest_mean",
    "area_mean",
    "points",
    "low",
    "level",
    "rank",
    "dimensions",
    "unfavourable",
    "area_unfavourable",
    "diff",
    "hedges_g",
    "p_fdr",
    "significant",
    "mean_prev",
    "area_mean_prev",
    "standard_score",
    "standard_unfavourable",
]


def level(t: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """The scores of a table of dimension scores (``dimension``, ``mean``) as shares of their scales (0 the
    lowest option, 1 the highest): dimensions on scales of different length can be ranked together."""
    points = t["dimension"].map(scale_points(q))
    return (t["mean"] - t["dimension"].map(scale_lows(q))) / (points - 1)


def scale_lows(q: Questionnaire) -> dict[str, int]:
    """Each dimension's lowest score (1, or the number its scale's lowest option carries, as 0 of 0–10)."""
    return {d.id: scale_low(q.likert_scales[d.scale]) for d in q.dimensions}


def scale_points(q: Questionnaire) -> dict[str, int]:
    """Each dimension's number of scale points."""
    return {d.id: len(q.likert_scales[d.scale]) for d in q.dimensions}


def evaluated(q: Questionnaire) -> set[str]:
    """The dimensions a higher score is better on (not descriptive): those that can be problems or
    strengths."""
    return {d.id for d in q.dimensions if d.direction != "none"}


def standards(q: Questionnaire) -> dict:
    """Each dimension's stated work target (``standard:``), where it has one."""
    return {d.id: d.standard for d in q.dimensions if d.standard is not None}


def misses_standard(t: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """Rows of a table of dimension scores (``dimension``, ``mean``, ``unfavourable``) short of their
    dimension's stated work target (``common.rules.missed_standard``)."""
    targets = standards(q)
    return pd.Series([
        d in targets and bool(missed_standard(m, u, targets[d].score, targets[d].unfavourable))
        for d, m, u in zip(t["dimension"], t["mean"], t["unfavourable"], strict=True)
    ], index=t.index, dtype=bool)


def district_wide(dd: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The area's weaknesses: its lowest dimension(s) compared on one scale, any below the stated level and
    any short of its standard (descriptive dimensions never). Returns the rows of ``dd`` (with ``points``,
    ``low`` and ``level``), lowest first."""
    rules = q.report.problems
    d = dd.assign(points=dd["dimension"].map(scale_points(q)), low=dd["dimension"].map(scale_lows(q)),
                  level=level(dd, q)).sort_values("level")
    d = d.loc[d["dimension"].isin(evaluated(q))]
    weak = d.index.isin(d.index[: rules.district_lowest])
    if rules.district_below is not None:
        weak |= (d["level"] < rules.district_below).to_numpy()
    weak |= misses_standard(d, q).to_numpy()
    return d.loc[weak]


def _previous(changes: pd.DataFrame) -> pd.DataFrame:
    """Per unit and dimension, against the first earlier wave: the unit's and the area's earlier score, and
    whether it improved or declined significantly since."""
    if changes.empty:
        return pd.DataFrame(columns=["unit", "dimension", "mean_prev", "area_mean_prev", "improved",
                                     "declined"])
    c = changes.loc[changes["wave"] == changes["wave"].iloc[0]]
    area = c.loc[c["unit"] == DISTRICT].set_index("dimension")["mean_prev"]
    c = c.loc[c["unit"] != DISTRICT]
    return pd.DataFrame(
        {
            "unit": c["unit"],
            "dimension": c["dimension"],
            "mean_prev": c["mean_prev"],
            "area_mean_prev": c["dimension"].map(area),
            "improved": (c["significant"] & (c["diff"] > 0)).to_numpy(),
            "declined": (c["significant"] & (c["diff"] < 0)).to_numpy(),
        }
    )


def unit_problems(
    ud: pd.DataFrame, dd: pd.DataFrame, changes: pd.DataFrame, q: Questionnaire
) -> pd.DataFrame:
    """Every unit's problems with their evidence (``EVIDENCE_COLUMNS``; ``kinds`` comma-joined in ``KINDS``
    order, ``priority`` 1 first, ``rank`` 1 the unit's lowest dimension)."""
    rules = q.report.problems
    shown = ud.loc[~ud["suppressed"] & ud["mean"].notna() & ud["dimension"].isin(evaluated(q))].copy()
    if shown.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    points = shown["dimension"].map(scale_points(q))
    shown["points"] = points
    shown["low"] = shown["dimension"].map(scale_lows(q))
    shown["level"] = level(shown, q)
    shown["rank"] = shown.groupby("unit")["level"].rank(method="first").astype(int)
    shown["dimensions"] = shown.groupby("unit")["dimension"].transform("size")
    area = dd.set_index("dimension")
    shown["area_mean"] = shown["dimension"].map(area["mean"])
    shown["area_unfavourable"] = shown["dimension"].map(area["unfavourable"])
    shown = shown.merge(_previous(changes), on=["unit", "dimension"], how="left")
    wide = set(district_wide(dd, q)["dimension"])
    # the unit's own weakest: its lowest dimensions besides the area's weaknesses (which are named anyway)
    own = shown.loc[~shown["dimension"].isin(wide)].groupby("unit")["level"].rank(method="first")
    gap = rules.persistent_gap
    high = significantly_high(shown).to_numpy()  # never a problem where the unit is significantly above
    # at the precision reports print: a unit above the rest does not share the area's weakness
    above = (shown["mean"].round(2) > shown["rest_mean"].round(2)).fillna(False).to_numpy()
    targets = standards(q)
    shown["standard_score"] = shown["dimension"].map({k: v.score for k, v in targets.items()})
    shown["standard_unfavourable"] = shown["dimension"].map({k: v.unfavourable for k, v in targets.items()})
    flags = {
        "significant": significantly_low(shown).to_numpy(),
        "standard": misses_standard(shown, q).to_numpy() & ~high,
        "declined": shown["declined"].fillna(False).astype(bool).to_numpy() & ~high,
        "persistent": (
            (shown["mean_prev"] - shown["area_mean_prev"] <= -gap)
            & (shown["mean"] - shown["area_mean"] <= -gap)
            & ~shown["improved"].fillna(False).astype(bool)
        ).to_numpy() & ~high,
        "district_wide": shown["dimension"].isin(wide).to_numpy() & ~high & ~above,
        "negative": ((shown["unfavourable"] >= rules.negative_share)
                     & (shown["unfavourable"] > shown["area_unfavourable"])).fillna(False).to_numpy() & ~high,
        "weakest": (own.reindex(shown.index) <= rules.weakest).fillna(False).to_numpy() & ~high,
    }
    matrix = np.column_stack([flags[k] for k in KINDS])
    # a problem needs evidence that the unit is worse: a unit's own lowest dimension, or a negative share a
    # little above the area's, only adds to such evidence — never a problem by itself
    matrix &= matrix[:, [KINDS.index(k) for k in PRIMARY]].any(axis=1)[:, None]
    shown["kinds"] = [",".join(k for k, f in zip(KINDS, row, strict=True) if f) for row in matrix]
    first = np.where(matrix.any(axis=1), matrix.argmax(axis=1), len(KINDS))  # the strongest evidence
    shown = shown.assign(_first=first, _gap=shown["diff"].where(first == 0, 0)).loc[matrix.any(axis=1)]
    shown = shown.sort_values(["unit", "_first", "_gap", "level"])  # significant: the largest gap first
    shown["priority"] = shown.groupby("unit").cumcount() + 1
    shown = shown.loc[shown["priority"] <= rules.at_most]
    order = {u: i for i, u in enumerate(q.unit_question.options)}
    shown = shown.sort_values(["unit", "priority"], key=lambda s: s.map(order) if s.name == "unit" else s)
    return shown[EVIDENCE_COLUMNS].reset_index(drop=True)
