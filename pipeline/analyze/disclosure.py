"""Disclosure control: no figure from fewer than ``MIN_CELL`` respondents is stored, shown or written — nor
one that could be worked back by subtracting shown figures from a shown total.

Applied once to the analysis tables before they are stored, so every output (unit reports, the overview,
the index, the workbook) shows only what is safe and prints ``SUPPRESSED`` where a value was withheld.
``pipeline.explore`` applies the same rule (``complementary``) to every table it shows. The rules:

- a unit with fewer than ``MIN_CELL`` valid responses keeps only its counts of received and valid
  questionnaires; its respondents take no part in any statistic — not the area's, not the comparisons
  of other units with the rest of the area — since the area's figure minus the other units' would
  otherwise give theirs (the analyze stage leaves them out, and the texts say so);
- a figure from 1 to ``MIN_CELL``−1 respondents (a count in a table of counts, a mean from so few
  answers) is withheld — the primary suppression;
- complementary suppression (the rule of official statistics): wherever shown parts add up to a shown
  total (the options of a question within a unit; a unit's figure across the units, whose total the area's
  figure gives; the groups of a unit), the parts withheld in one such relation must be none, or at least
  two that together stand for at least ``MIN_CELL`` respondents — else the next smallest part is withheld
  too, until every relation holds (``complementary``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.common.names import DISTRICT
from pipeline.common.rules import MIN_CELL

SUPPRESSED = "样本不足，不予显示"
TEST_COLUMNS = ("mean", "sd", "ci_low", "ci_high", "rest_n", "rest_mean", "rest_sd", "diff", "t", "p", "df",
                "hedges_g", "p_fdr", "unfavourable", "rest_unfavourable", "mean_weighted", "n_effective",
                "se", "deff")
UNIT_FIGURES = ("satisfaction_mean", "satisfaction_n", "satisfaction_count", "satisfaction_rate",
                "satisfaction_ci_low", "satisfaction_ci_high", "satisfaction_se", "suggestions",
                "communities")
SATISFACTION = tuple(c for c in UNIT_FIGURES if c.startswith("satisfaction"))
SHARE_COLUMNS = ("count", "share", "ci_low", "ci_high", "rest_share", "p", "p_fdr")
SUBGROUP_FIGURES = ("mean", "rest_mean", "diff", "hedges_g", "p", "p_fdr")
CHANGE_FIGURES = ("mean", "mean_prev", "diff", "t", "p", "p_fdr", "hedges_g")


def small_units(units: pd.DataFrame) -> set[str]:
    """Units whose valid responses are too few to show any figure."""
    return set(units.loc[units["valid"] < MIN_CELL, "unit"])


def complementary(table: pd.DataFrame, hidden: pd.Series, weight: pd.Series,
                  relations: list[list[str]]) -> pd.Series:
    """``hidden`` extended until no withheld part can be worked back from a total.

    Parameters
    ----------
    table : the parts, one row each, with the columns that name their relations.
    hidden : per row, whether it is withheld already (the primary suppression).
    weight : per row, how many respondents the part stands for (a count, or the n behind a mean).
    relations : each a list of columns; the rows sharing their values are parts of one shown total.

    Returns
    -------
    pandas.Series
        Per row, whether it is withheld: in every relation none, or at least two parts standing together for
        at least ``MIN_CELL`` respondents (the smallest visible parts are added until that holds).

    Notes
    -----
    A relation whose parts are all withheld and still stand for fewer than ``MIN_CELL`` respondents cannot
    be protected by its parts: its total must not be shown either (``exposed_totals``).
    """
    hidden = hidden.fillna(False).astype(bool).copy()
    if table.empty or not hidden.any():
        return hidden
    weight = weight.astype(float).fillna(0)
    groups = [list(table.groupby(keys if len(keys) > 1 else keys[0], observed=True, dropna=False)
                   .indices.values()) for keys in relations]
    index = table.index
    changed = True
    while changed:
        changed = False
        for relation in groups:
            for rows in relation:
                h = hidden.to_numpy()[rows]
                if not h.any():
                    continue
                w = weight.to_numpy()[rows]
                if h.sum() >= 2 and w[h].sum() >= MIN_CELL:
                    continue
                candidates = np.flatnonzero(~h & (w > 0))
                if not len(candidates):
                    continue
                pick = rows[candidates[np.argsort(w[candidates], kind="stable")[0]]]
                hidden.loc[index[pick]] = True
                changed = True
    return hidden


def exposed_totals(table: pd.DataFrame, hidden: pd.Series, weight: pd.Series, keys: list[str]) -> pd.Series:
    """Per relation (rows sharing ``keys``): whether its withheld parts are one, or stand together for fewer
    than ``MIN_CELL`` respondents — so that its total, if shown, would give them away."""
    frame = pd.DataFrame({"h": hidden.astype(bool), "w": weight.astype(float).where(hidden, 0)},
                         index=table.index).join(table[keys])
    grouped = frame.groupby(keys, observed=True, dropna=False)
    n, w = grouped["h"].sum(), grouped["w"].sum()
    return (n > 0) & ((n < 2) | (w < MIN_CELL))


def _blank(df: pd.DataFrame, mask: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    out = df.copy()
    for col in (c for c in columns if c in out.columns):
        if pd.api.types.is_integer_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64" if pd.api.types.is_integer_dtype(out[col]) else "boolean")
        out.loc[mask.to_numpy(), col] = np.nan if out[col].dtype.kind == "f" else pd.NA
    return out


def suppress_counts(table: pd.DataFrame, small: set[str], within: list[str] | None,
                    across: list[str] | None) -> pd.DataFrame:
    """Withhold counts of 1..MIN_CELL−1 (the area's too, and every count of a small unit), then complementary
    counts until every relation holds: ``within`` a unit (e.g. ``["unit", "question"]``: its options add up to
    its respondents; the area's row is one such unit too) and ``across`` the units (e.g. ``["question",
    "option"]``: the units' counts add up to the area's). Where the units' counts of one total cannot be
    protected by withholding more of them, the area's count is withheld instead."""
    if table.empty:
        return table.assign(suppressed=pd.Series(dtype=bool))
    count = table["count"].astype(float)
    mask = count.between(1, MIN_CELL - 1) | table["unit"].isin(small)
    area = (table["unit"] == DISTRICT).to_numpy()
    while True:
        before = mask.copy()
        if within:
            mask = complementary(table, mask, count, [within])
        if across:
            parts = table[~area]
            mask[~area] = complementary(parts, mask[~area], count[~area], [across])
            exposed = exposed_totals(parts, mask[~area], count[~area], across)
            totals = pd.MultiIndex.from_frame(table.loc[area, across])
            mask[area] = mask[area].to_numpy() | totals.isin(exposed[exposed].index)
        if mask.equals(before):
            break
    return _blank(table, mask, SHARE_COLUMNS).assign(suppressed=mask.to_numpy())


def _tests(t: pd.DataFrame, small: set[str], by: str) -> pd.DataFrame:
    """Unit-vs-rest comparisons: a mean from fewer than ``MIN_CELL`` answers withheld with the rest figures
    compared with it, and complementary means across the units (the area's mean is their total)."""
    primary = (t["n"] < MIN_CELL) | t["unit"].isin(small)
    mask = complementary(t, primary, t["n"], [[by]])
    return _blank(t, mask, TEST_COLUMNS).assign(suppressed=mask.to_numpy())


def _units(units: pd.DataFrame, small: set[str]) -> pd.DataFrame:
    """Small units keep only their questionnaire counts; a satisfaction rate from fewer than ``MIN_CELL``
    answers is withheld, with complementary rates across the units (the area's rate is their total)."""
    out = units.assign(suppressed=units["unit"].isin(small))
    out = _blank(out, out["suppressed"], UNIT_FIGURES)
    if "satisfaction_n" in out:
        n = out["satisfaction_n"].astype(float).fillna(0)
        rest = ~out["suppressed"]
        primary = rest & n.between(1, MIN_CELL - 1)
        hidden = pd.Series(False, index=out.index)
        hidden[rest] = complementary(out[rest].assign(all=1), primary[rest], n[rest], [["all"]])
        out = _blank(out, hidden, SATISFACTION)
        out["satisfaction_suppressed"] = (hidden | out["suppressed"]).to_numpy()
    return out


def disclose_subgroups(sub: pd.DataFrame) -> pd.DataFrame:
    """A unit's groups: a group (or its rest) under ``MIN_CELL`` withheld, and complementary groups within
    each (unit, dimension, question), whose total is the unit's own mean."""
    if sub.empty:
        return sub
    primary = (sub["n"] < MIN_CELL) | (sub["rest_n"] < MIN_CELL)
    mask = complementary(sub, primary, sub["n"], [["unit", "dimension", "question"]])
    out = sub.copy()
    out.loc[mask, list(SUBGROUP_FIGURES)] = np.nan
    out["suppressed"] = mask.to_numpy()
    out.loc[mask, "significant"] = False
    return out


def _changes(c: pd.DataFrame) -> pd.DataFrame:
    """Wave over wave: a unit with fewer than ``MIN_CELL`` answers in either wave withheld, and complementary
    units per wave and dimension (the area's row is their total)."""
    if c.empty:
        return c
    parts = c["unit"] != DISTRICT
    n = np.minimum(c["n"].astype(float).fillna(0), c["n_prev"].astype(float).fillna(0))
    primary = parts & (n < MIN_CELL)
    mask = pd.Series(False, index=c.index)
    mask[parts] = complementary(c[parts], primary[parts], n[parts], [["wave", "dimension"]])
    out = c.copy()
    out.loc[mask, list(CHANGE_FIGURES)] = np.nan
    out.loc[mask, "significant"] = False
    out["suppressed"] = mask.to_numpy()
    return out


def _themes(themes: pd.DataFrame, small: set[str]) -> pd.DataFrame:
    """Suggestion themes: a count under ``MIN_CELL`` left out (the area's too), and complementary units'
    counts per theme (the area's count is their total); the area's count left out where they cannot protect
    it."""
    area = themes["unit"] == DISTRICT
    t = themes[~area]
    hidden = complementary(t, (t["count"] < MIN_CELL) | t["unit"].isin(small), t["count"], [["theme"]])
    exposed = exposed_totals(t, hidden, t["count"], ["theme"])
    whole = themes[area]
    whole = whole.loc[(whole["count"] >= MIN_CELL) & ~whole["theme"].isin(exposed[exposed].index)]
    return pd.concat([t.loc[~hidden], whole], ignore_index=True)


def apply_disclosure(a):  # an ``Analysis`` (not imported: analyze imports this module)
    """The analysis with every figure from too few respondents withheld (see the module's rules)."""
    small = small_units(a.units)
    ud, ui = _tests(a.unit_dimensions, small, "dimension"), _tests(a.unit_items, small, "item")
    ipa = a.ipa
    if not ipa.empty:
        hidden = ipa.merge(
            ud[["unit", "dimension", "suppressed"]], on=["unit", "dimension"], suffixes=("_", "")
        )["suppressed"]
        ipa = _blank(ipa.drop(columns=["suppressed"]), hidden, ("performance", "gap")).assign(
            suppressed=hidden.to_numpy()
        )
        ipa.loc[ipa["suppressed"], "quadrant"] = SUPPRESSED
    composition = suppress_counts(a.composition.drop(columns=["suppressed"], errors="ignore"), small,
                                  ["unit", "question"], ["question", "option"])
    problems = suppress_counts(a.problems.drop(columns=["suppressed"], errors="ignore"), small,
                               None, ["question", "option"])  # choices of a multi-select add up to no total
    communities = a.communities
    if not communities.empty:
        communities = communities.rename(columns={"valid": "count"})
        communities = suppress_counts(communities.drop(columns=["suppressed"]), small, ["unit"], None)
        communities = communities.rename(columns={"count": "valid"})
    themes = _themes(a.themes, small)
    shown_themes = set(zip(themes["unit"], themes["theme"], strict=True))
    quotes = a.quotes.loc[
        [(u, t) in shown_themes for u, t in zip(a.quotes["unit"], a.quotes["theme"], strict=True)]
    ]
    keywords = a.keywords.loc[~a.keywords["unit"].isin(small)]
    gh = a.games_howell.loc[~a.games_howell["A"].isin(small) & ~a.games_howell["B"].isin(small)]
    assert DISTRICT not in small
    return replace(a, units=_units(a.units, small), unit_dimensions=ud, unit_items=ui, ipa=ipa,
                   composition=composition, problems=problems, communities=communities,
                   themes=themes, quotes=quotes.reset_index(drop=True),
                   keywords=keywords.reset_index(drop=True), games_howell=gh.reset_index(drop=True),
                   subgroups=disclose_subgroups(a.subgroups), changes=_changes(a.changes))
