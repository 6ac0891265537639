"""Numbers as reports print them: one function per kind of figure, so every output writes it the same way."""

from __future__ import annotations

import math

DASH = "—"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "nan", "NaT")


def p_text(p: float) -> str:
    """A p-value in a sentence: "p<0.001", "p=0.012"."""
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def p_cell(p: float | None) -> str:
    """A p-value in a table cell: "<0.001", "0.012", "—"."""
    if _missing(p):
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage: "45.3%"."""
    return DASH if _missing(x) else f"{x * 100:.{digits}f}%"


def score(x: float | None, digits: int = 2) -> str:
    """A mean score: "3.45"."""
    return DASH if _missing(x) else f"{x:.{digits}f}"


def signed(x: float | None) -> str:
    """A difference: "+0.12" / "-0.12", never "-0.00"."""
    if _missing(x):
        return DASH
    return f"{x:+.2f}" if round(x, 2) != 0 else "0.00"
