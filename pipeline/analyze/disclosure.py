"""Disclosure control: no figure from fewer than ``MIN_CELL`` respondents is stored, shown or written.

Applied once to the analysis tables before they are stored, so every output (unit reports, the
overview, the index, the workbook) shows only what is safe and the views print ``SUPPRESSED`` where a
value was withheld. The rules:

- a unit with fewer than ``MIN_CELL`` valid responses keeps only its counts of received and valid
  questionnaires: every mean, rate and count of answers is withheld, its suggestions are not quoted,
  and it takes no part in pairwise comparisons;
- in a table of counts (respondent profile, multi-select choices, communities, suggestion themes) a
  count of 1 to ``MIN_CELL``−1 is withheld; where that leaves a single withheld count in a question,
  the next smallest is withheld too (otherwise the total gives it away);
- a unit's mean on a dimension or item from fewer than ``MIN_CELL`` answers is withheld together with
  the rest-of-district figures compared with it (from which it could be worked back).

Not covered: differencing across published tables (a district total minus every other unit's count).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.common.names import DISTRICT
from pipeline.common.rules import MIN_CELL

SUPPRESSED = "样本不足"
TEST_COLUMNS = ("mean", "sd", "ci_low", "ci_high", "rest_n", "rest_mean", "rest_sd", "diff", "t", "p", "df",
                "hedges_g", "p_fdr", "unfavourable", "rest_unfavourable", "mean_weighted", "n_effective")
UNIT_FIGURES = ("satisfaction_mean", "satisfaction_n", "satisfaction_count", "satisfaction_rate",
                "satisfaction_ci_low", "satisfaction_ci_high", "suggestions", "communities")
SHARE_COLUMNS = ("count", "share", "ci_low", "ci_high")


def small_units(units: pd.DataFrame) -> set[str]:
    """Units whose valid responses are too few to show any figure."""
    return set(units.loc[units["valid"] < MIN_CELL, "unit"])


def _blank(df: pd.DataFrame, mask: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    out = df.copy()
    for col in (c for c in columns if c in out.columns):
        if pd.api.types.is_integer_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64" if pd.api.types.is_integer_dtype(out[col]) else "boolean")
        out.loc[mask.to_numpy(), col] = np.nan if out[col].dtype.kind == "f" else pd.NA
    return out


def suppress_counts(
    table: pd.DataFrame, small: set[str], group: list[str], secondary: bool = True
) -> pd.DataFrame:
    """Withhold counts of 1..MIN_CELL−1 (and every count of a small unit), with secondary suppression
    within each ``group`` (e.g. unit × question), so that a lone withheld count cannot be worked back from
    the total."""
    if table.empty:
        return table.assign(suppressed=pd.Series(dtype=bool))
    count = table["count"].astype(float)
    primary = count.between(1, MIN_CELL - 1) | table["unit"].isin(small)
    mask = primary.copy()
    if secondary:
        for _, idx in table.groupby(group if len(group) > 1 else group[0], observed=True).groups.items():
            hidden = mask.loc[idx]
            if hidden.sum() == 1:
                visible = count.loc[idx][~hidden & (count.loc[idx] > 0)]
                if not visible.empty:
                    mask.loc[visible.idxmin()] = True
    return _blank(table, mask, SHARE_COLUMNS).assign(suppressed=mask.to_numpy())


def apply_disclosure(a):  # an ``Analysis`` (not imported: analyze imports this module)
    """The analysis with every figure from too few respondents withheld (see the module's rules)."""
    small = small_units(a.units)
    units = a.units.assign(suppressed=a.units["unit"].isin(small))
    units = _blank(units, units["suppressed"], UNIT_FIGURES)

    def tests(t: pd.DataFrame) -> pd.DataFrame:
        mask = (t["n"] < MIN_CELL) | t["unit"].isin(small)
        return _blank(t, mask, TEST_COLUMNS).assign(suppressed=mask.to_numpy())

    ud, ui = tests(a.unit_dimensions), tests(a.unit_items)
    ipa = a.ipa
    if not ipa.empty:
        hidden = ipa.merge(
            ud[["unit", "dimension", "suppressed"]], on=["unit", "dimension"], suffixes=("_", "")
        )["suppressed"]
        ipa = _blank(ipa.drop(columns=["suppressed"]), hidden, ("performance", "gap")).assign(
            suppressed=hidden.to_numpy()
        )
        ipa.loc[ipa["suppressed"], "quadrant"] = SUPPRESSED
    composition = suppress_counts(
        a.composition.drop(columns=["suppressed"], errors="ignore"), small, ["unit", "question"]
    )
    problems = suppress_counts(
        a.problems.drop(columns=["suppressed"], errors="ignore"), small, ["unit", "question"], secondary=False
    )  # choices of a multi-select do not add up to a total
    communities = a.communities
    if not communities.empty:
        communities = communities.rename(columns={"valid": "count"})
        communities = suppress_counts(communities.drop(columns=["suppressed"]), small, ["unit"])
        communities = communities.rename(columns={"count": "valid"})
    themes = a.themes.loc[(a.themes["count"] >= MIN_CELL) & ~a.themes["unit"].isin(small)]
    shown_themes = set(zip(themes["unit"], themes["theme"], strict=True))
    quotes = a.quotes.loc[
        [(u, t) in shown_themes for u, t in zip(a.quotes["unit"], a.quotes["theme"], strict=True)]
    ]
    keywords = a.keywords.loc[~a.keywords["unit"].isin(small)]
    gh = a.games_howell.loc[~a.games_howell["A"].isin(small) & ~a.games_howell["B"].isin(small)]
    assert DISTRICT not in small
    return replace(a, units=units, unit_dimensions=ud, unit_items=ui, ipa=ipa, composition=composition,
                   problems=problems, communities=communities, themes=themes.reset_index(drop=True),
                   quotes=quotes.reset_index(drop=True), keywords=keywords.reset_index(drop=True),
                   games_howell=gh.reset_index(drop=True))
