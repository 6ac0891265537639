"""The rules every stage and every report applies: disclosure and testing thresholds, and what
"significantly low" means. One home each, so an output can never apply a different rule.

Kept free of heavy imports: the report notebooks import it.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from pipeline.common.formatting import missing, rounded

MIN_CELL = 5  # figures from fewer respondents are suppressed
MIN_N_TEST = 30  # units with fewer valid responses are described, not tested
TRIM_FROM = 6  # with this many other units, a unit's reference leaves out the two that move it the most
ALPHA = 0.05  # significance level, after Benjamini–Hochberg FDR over each family of tests
SMALL_EFFECT = -0.2  # Hedges' g at or below which a tested, non-significant gap is worded "略低于"
CITC_MIN = 0.4  # corrected item-total correlation below this is flagged
DELETE_GAIN = 0.02  # α if item deleted more than this above α is flagged


def _flag(table: pd.DataFrame, column: str) -> pd.Series:
    return (
        table[column].fillna(False).astype(bool) if column in table else pd.Series(False, index=table.index)
    )


def significantly_low(table: pd.DataFrame) -> pd.Series:
    """Rows (unit × dimension or item) significantly below the rest of the area: tested, FDR-adjusted
    p < ALPHA, and lower."""
    return _flag(table, "significant") & (table["diff"] < 0)


def significantly_high(table: pd.DataFrame) -> pd.Series:
    """Rows significantly above the rest of the area."""
    return _flag(table, "significant") & (table["diff"] > 0)


def slightly_low(table: pd.DataFrame) -> pd.Series:
    """Rows tested, not significant, but lower by at least a small effect
    (worded "略低于…未达到统计显著水平")."""
    return _flag(table, "tested") & ~_flag(table, "significant") & (table["hedges_g"] <= SMALL_EFFECT)


def change_kind(significant: bool, diff: float, tested: bool) -> str:
    """What a change since an earlier wave is, everywhere: up or down only when significant ("same" when
    tested and not, "untested" else); the wording layer names each (明显提高 …)."""
    if significant:
        return "up" if diff > 0 else "down"
    return "same" if tested else "untested"


def short_of(x: float | None, target: float | None, digits: int) -> bool:
    """Whether ``x`` is below a work target at the precision reports print it (``digits`` decimals)."""
    return not missing(x) and not missing(target) and rounded(x, digits) < Decimal(repr(float(target)))


def missed_standard(mean: float | None, unfavourable: float | None, score: float | None,
                    share: float | None) -> list[str]:
    """Which parts of a work target a score misses, at the precision reports print it: ``"score"`` where
    the mean is below ``score``, ``"unfavourable"`` where the unfavourable share is above ``share``."""
    over = not missing(share) and not missing(unfavourable) and rounded(unfavourable, 3) > Decimal(
        repr(float(share)))
    return [k for k, hit in (("score", short_of(mean, score, 2)), ("unfavourable", over)) if hit]


def low_counts(unit_dimensions: pd.DataFrame) -> pd.Series:
    """Per unit, how many dimensions are significantly below the rest of the area (0 for none)."""
    low = unit_dimensions.loc[significantly_low(unit_dimensions)]
    units = unit_dimensions["unit"].drop_duplicates()
    return low.groupby("unit").size().reindex(units, fill_value=0).astype(int)
