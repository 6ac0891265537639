"""Numbers as reports print them: rounded once, from the exact value, half up (四舍五入: 91.25% → 91.3%), one
function per kind of figure, so HTML, Word, Excel and the findings text always agree.

"The exact value" is the number as Python prints it (its shortest round-trip form, ``repr``): 0.9125 is
0.9125, not the binary fraction just below it — which is also how Excel rounds what it displays, so a cell
formatted ``0.0%`` shows what the text says. Every column of a report's tables has a ``kind``
(``COLUMN_KINDS``) that says how it is written here and which number format Excel gives it.

Kept free of heavy imports: the report notebooks import it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator

DASH = "—"

ColumnKind = Literal["text", "count", "score", "signed", "share", "p", "stat1", "stat2", "stat3", "dof"]
DECIMALS = {"count": 0, "dof": 0, "score": 2, "signed": 2, "share": 1, "p": 3, "stat1": 1, "stat2": 2,
            "stat3": 3}
# Excel's number format for each kind of column: the same rounding, so a cell shows what the text says
EXCEL_FORMATS = {"count": "0", "dof": "0", "score": "0.00", "signed": "+0.00;-0.00;0.00", "share": "0.0%",
                 "p": '[<0.001]"<0.001";0.000', "stat1": "0.0", "stat2": "0.00", "stat3": "0.000"}


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "nan", "NaT")


# a figure a stored model holds: a number, or None where there is none (NaN and ±inf from a table become None,
# so the JSON written is read back as it was)
Number = Annotated[float | None, BeforeValidator(lambda x: None if missing(x) or (
    isinstance(x, float) and math.isinf(x)) else x)]


def rounded(x: float, digits: int) -> Decimal:
    """``x`` rounded half up to ``digits`` decimals, from its exact (shortest) decimal form."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fixed(x: float | None, digits: int) -> str:
    """``x`` with ``digits`` decimals, half up ("—" when missing; never "-0.00")."""
    if missing(x):
        return DASH
    r = rounded(x, digits)
    return f"{abs(r) if r == 0 else r:f}"


def p_text(p: float) -> str:
    """A p-value in a sentence: "p<0.001", "p=0.012"."""
    return "p<0.001" if p < 0.001 else f"p={fixed(p, 3)}"


def p_cell(p: float | None) -> str:
    """A p-value in a table cell: "<0.001", "0.012", "—"."""
    if missing(p):
        return DASH
    return "<0.001" if p < 0.001 else fixed(p, 3)


def pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage: "45.3%"."""
    if missing(x):
        return DASH
    r = (Decimal(repr(float(x))) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{abs(r) if r == 0 else r:f}%"


def score(x: float | None, digits: int = 2) -> str:
    """A mean score: "3.45"."""
    return fixed(x, digits)


def signed(x: float | None) -> str:
    """A difference: "+0.12" / "-0.12", never "-0.00"."""
    if missing(x):
        return DASH
    r = rounded(x, 2)
    return "0.00" if r == 0 else f"{r:+f}"


def count(x: float | None) -> str:
    """A count: "379" (never "379.0")."""
    return DASH if missing(x) else str(int(x))


def cell(value, kind: ColumnKind) -> str:
    """A table cell as every renderer writes it: text as it is, numbers by their column's kind."""
    if isinstance(value, str):
        return value
    if missing(value):
        return DASH
    if kind == "text":
        return str(value)
    if kind in ("count", "dof"):
        return count(value) if kind == "count" else fixed(value, 0)
    if kind == "share":
        return pct(value)
    if kind == "p":
        return p_cell(value)
    if kind == "signed":
        return signed(value)
    return fixed(value, DECIMALS[kind])
