"""Excel files written safely: every string is a text cell, never a formula, a link or a number.

Answers, file names and unit names come from outside; a cell reading ``=cmd|' /C calc'!A0`` must show
as that text in Excel, not run. xlsxwriter does this with its own options (``strings_to_formulas``,
``strings_to_urls`` and ``strings_to_numbers`` off), and streams rows to disk in ``constant_memory``
mode. Control characters, which the file format cannot hold, are dropped from strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@contextmanager
def excel_writer(path: Path, constant_memory: bool = False) -> Iterator[pd.ExcelWriter]:
    """A pandas ExcelWriter (xlsxwriter) that stores every string as text."""
    options = {**TEXT_ONLY, "constant_memory": constant_memory}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        yield writer


def clean_text(text: str) -> str:
    """A string the file format can hold (control characters dropped)."""
    return _CONTROL.sub("", text)


def text_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without control characters in its text cells and headers (the file format cannot hold them)."""
    out = df.copy()
    out.columns = [_CONTROL.sub("", str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype):
            out[col] = (
                s.astype("string").str.replace(_CONTROL, "", regex=True).astype(object).where(s.notna(), None)
            )
    return out


def sheet_name(name: str, used: set[str]) -> str:
    """An Excel-safe, unique sheet name (≤ 31 characters, none of []:*?/\\, not starting or ending with ')."""
    base = _CONTROL.sub("", _SHEET_CHARS.sub("_", str(name)))[:31].strip("'") or "sheet"
    if base.casefold() == "history":  # reserved by Excel
        base = "_" + base
    out, i = base, 2
    while out.casefold() in {u.casefold() for u in used}:
        out = f"{base[:28]}_{i}"
        i += 1
    used.add(out)
    return out


def write_frame(writer: pd.ExcelWriter, df: pd.DataFrame, sheet: str, startrow: int = 0) -> None:
    """Write ``df`` (text-safe) to ``sheet`` without the index."""
    text_safe(df).to_excel(writer, sheet_name=sheet, startrow=startrow, index=False)


def stream_frame(writer: pd.ExcelWriter, df: pd.DataFrame, sheet: str) -> list:
    """Write ``df`` (text-safe) to a new ``sheet`` row by row: the order a ``constant_memory`` writer needs
    (pandas writes column by column, which that mode would silently lose)."""
    return stream_frames(writer, [df], sheet)


SHEET_ROWS = 1_048_576  # an Excel sheet's rows, the header included


def stream_frames(writer: pd.ExcelWriter, parts: Iterable[pd.DataFrame], sheet: str) -> list:
    """Frames with the same columns written one after another to a new ``sheet``, row by row, under one
    header (the first frame's): a long sheet is never held whole. Rows beyond what a sheet holds go on to
    "<sheet>（续2）", "（续3）" … under the same header, never dropped. Returns the sheets written."""
    sheets, header, i = [], None, SHEET_ROWS
    for df in parts:
        safe = text_safe(df)
        header = header or [str(c) for c in safe.columns]
        for row in safe.astype(object).where(safe.notna(), None).to_numpy().tolist():
            if i == SHEET_ROWS:
                name = sheet if not sheets else f"{sheet[:26]}（续{len(sheets) + 1}）"
                sheets.append(writer.book.add_worksheet(name))
                sheets[-1].write_row(0, 0, header)
                i = 1
            sheets[-1].write_row(i, 0, row)
            i += 1
    if not sheets:  # no rows: the header alone
        sheets.append(writer.book.add_worksheet(sheet))
        if header:
            sheets[-1].write_row(0, 0, header)
    return sheets
