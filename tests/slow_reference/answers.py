"""Answers coded as the questionnaire defines them: option texts or codes to 1-based codes, multi-selects
to one boolean column per option, numbers checked against their range (and for phone numbers), free
text kept as written, submit times and durations read in one order for the whole column, unit and
community names matched tolerantly. A wrong answer is an error naming file, row and column; an answer
that breaks its question's rule is a note the clean stage rejects the row for.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.names import shown, strip_invisible
from pipeline.common.privacy import holds_personal_data, redact_series
from pipeline.ingest.mapping import listed
from pipeline.questionnaire import Question
from slow_reference.formats import EMPTY_MARKERS, SKIP_MARKERS, normalize_text, split_multi

OTHER_RE = re.compile(r"^(?P<option>.*?)〖(?P<text>.*)〗$")
UNIT_SUFFIXES = ("街道办事处", "街道办", "人民政府", "办事处")
DAY_MONTH_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(.*)$")
DATE_ORDERS = {"dmy": "日/月/年", "mdy": "月/日/年"}


def cell(value: object) -> str:
    """A cell as a stripped, NFKC-folded string without invisible characters ("" for missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return strip_invisible(unicodedata.normalize("NFKC", str(value)))


@dataclass
class Source:
    """Where the rows came from: the file's name and each row's line in it, for error messages."""

    file: str
    rows: np.ndarray

    def error(self, message: str, position: int, column: str | None = None) -> SurveyError:
        return SurveyError(message, file=self.file, row=int(self.rows[position]), column=column)


def _bad_value(src: Source, i: int, col: str, value: str, q: Question) -> SurveyError:
    expected = "、".join(q.options) if q.options else "数字"
    return src.error(
        f"无法识别的答案“{shown(value)}”，应为以下之一：{expected}（或选项序号1–{len(q.options)}）", i, col
    )


def _unit_key(name: str) -> str:
    key = normalize_text(name)
    for suffix in UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            if suffix.startswith("街道"):
                key += "街道"
            break
    return key


def _lookup(q: Question) -> dict[str, int]:
    lookup = {normalize_text(o): k for k, o in enumerate(q.options, start=1)}
    if q.role == "unit":
        lookup.update({_unit_key(o): k for k, o in enumerate(q.options, start=1)})
    lookup.update({str(k): k for k in range(1, len(q.options) + 1)})
    return lookup


def code_choice(values: pd.Series, q: Question, src: Source, col: str) -> pd.Series:
    """Option text (or its 1-based code) -> 1-based code; missing/skip -> NA."""
    lookup = _lookup(q)
    cells = values.map(cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    codes = cells.map(
        lambda v: lookup.get(normalize_text(v), lookup.get(_unit_key(v)) if q.role == "unit" else None)
    )
    bad = ~blank & codes.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        value = cells.iloc[i]
        if q.role == "unit":
            close = difflib.get_close_matches(value, q.options, n=3, cutoff=0.3)
            hint = f"，最接近的是：{'、'.join(close)}" if close else ""
            raise src.error(
                f"不认识的{q.short}“{shown(value)}”，不在问卷定义的名单中{hint}（请核对名称，或把它加入问卷定义的选项）",
                i,
                col,
            )
        raise _bad_value(src, i, col, value, q)
    return codes.where(~blank).astype("Int64")


def code_multi(values: pd.Series, q: Question, src: Source, col: str) -> tuple[pd.DataFrame, pd.Series]:
    """One boolean column per option plus the "other" text; and a note where more were chosen than allowed."""
    lookup = _lookup(q)
    k = len(q.options)
    chosen = np.zeros((len(values), k), dtype=bool)
    answered = np.zeros(len(values), dtype=bool)
    other_text: list[str | None] = [None] * len(values)
    for i, raw in enumerate(values.map(cell)):
        if raw in SKIP_MARKERS | EMPTY_MARKERS:
            continue
        answered[i] = True
        for part in split_multi(raw):
            part = part.strip()
            m = OTHER_RE.match(part)
            if m:
                part, other_text[i] = m.group("option"), m.group("text").strip() or None
            code = lookup.get(normalize_text(part))
            if code is None:
                raise _bad_value(src, i, col, part, q)
            chosen[i, code - 1] = True
    out = pd.DataFrame(chosen, columns=[f"{q.id}__{j}" for j in range(1, k + 1)], index=values.index)
    out = out.astype("boolean").where(pd.Series(answered, index=values.index), other=pd.NA)
    out[f"{q.id}__other_text"] = pd.Series(other_text, index=values.index, dtype="string")
    issue = pd.Series(pd.NA, index=values.index, dtype="string")
    if q.max_choices is not None:
        n = chosen.sum(axis=1)
        over = n > q.max_choices
        issue[over] = [f"“{col}”最多选{q.max_choices}项，实际选了{c}项" for c in n[over]]
    return out, issue


def number_answers(values: pd.Series, q: Question, col: str) -> tuple[pd.Series, pd.Series]:
    """Numbers, and per row a Chinese note where the answer is unreadable, out of range or looks like a
    phone or ID number (value → NA). The note never repeats the answer."""
    cells = values.map(cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    nums = pd.to_numeric(cells.where(~blank), errors="coerce")
    lo = q.min if q.min is not None else -np.inf
    hi = q.max if q.max is not None else np.inf
    personal = ~blank & holds_personal_data(cells)
    bad = ~blank & (nums.isna() | (nums < lo) | (nums > hi))
    rng = f"{q.min:g}–{q.max:g}之间的数字" if q.min is not None and q.max is not None else "数字"
    issue = pd.Series(pd.NA, index=values.index, dtype="string")
    issue[bad] = f"“{col}”的答案不是{rng}（原答案不予保存）"
    issue[personal] = f"“{col}”的答案疑似电话、证件号等个人信息（原答案不予保存）"
    return nums.where(~(bad | personal)).astype("Float64"), issue


def text_answers(values: pd.Series) -> pd.Series:
    """Free text kept as written (no width folding: Chinese punctuation stays full-width)."""
    cells = values.map(cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    kept = values.astype("string").map(strip_invisible, na_action="ignore").astype("string")
    return kept.where(~blank)


def _parse_time(text: str) -> pd.Timestamp | None:
    """A submit time in any common form ("2024/3/5 9:07:03", "02-Feb-2021 20:26:58", ISO with zone);
    None when unreadable or implausible (before 1990 or after 2100)."""
    if not text:
        return None
    try:
        ts = pd.Timestamp(pd.to_datetime(text, format="mixed"))
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return ts if 1990 <= ts.year <= 2100 else None


def _day_month(cells: pd.Series, date_order: str | None, src: Source, column: str) -> pd.Series:
    """Dates written day and month first ("13/09/2026") rewritten year first, in one order for the whole
    column: the order is read from the data (a first part above 12 is a day), or given by ``date_order``;
    a column where it cannot be told is refused rather than half of it misread."""
    parts = cells.str.extract(DAY_MONTH_RE)
    has = parts[0].notna()
    if not has.any():
        return cells
    a, b = parts.loc[has, 0].astype(int), parts.loc[has, 1].astype(int)
    order = date_order
    if order is None:
        first, second = a > 12, b > 12
        if first.any() and second.any():
            i, j = (
                int(np.flatnonzero(has)[np.flatnonzero(first)[0]]),
                int(np.flatnonzero(has)[np.flatnonzero(second)[0]]),
            )
            raise src.error(
                f"提交时间的日、月顺序前后不一致（“{cells.iloc[i]}”与第{int(src.rows[j])}行的“{cells.iloc[j]}”）；"
                "请检查导出文件",
                i,
                column,
            )
        if not (first.any() or second.any()):
            i = int(np.flatnonzero(has)[0])
            raise src.error(
                f"提交时间“{cells.iloc[i]}”是“日/月/年”还是“月/日/年”无法确定（整列没有大于12的日或月）；"
                "请用 --date-order dmy（日/月/年）或 --date-order mdy（月/日/年）指定",
                i,
                column,
            )
        order = "dmy" if first.any() else "mdy"
    day, month = (a, b) if order == "dmy" else (b, a)
    rewritten = (parts.loc[has, 2] + "-" + month.astype(str).str.zfill(2) + "-" + day.astype(str).str.zfill(2)
                 + parts.loc[has, 3])
    return cells.where(~has, rewritten)


def _parse_times(cells: pd.Series) -> pd.Series:
    """Vectorised when the column is well-formed; cell by cell (``_parse_time``) when it is not."""
    try:
        times = pd.to_datetime(cells.replace("", None), format="mixed", errors="coerce", utc=False)
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        times = times.astype("datetime64[ns]")
        return times.where(times.dt.year.between(1990, 2100))
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
        return pd.to_datetime(cells.map(_parse_time)).astype("datetime64[ns]")


def metadata(df: pd.DataFrame, src: Source, date_order: str | None) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    if "序号" in df.columns:
        out["resp_id"] = redact_series(df["序号"].map(cell))
    else:
        out["resp_id"] = pd.Series([f"{src.file}#{r}" for r in src.rows], index=df.index, dtype="string")
    if "提交答卷时间" in df.columns:
        cells = _day_month(df["提交答卷时间"].map(cell), date_order, src, "提交答卷时间")
        times = _parse_times(cells)
        bad = times.isna() & (cells != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise src.error(
                f"提交时间“{shown(df['提交答卷时间'].iloc[i])}”无法识别，应形如 2024/3/5 9:07:03",
                i,
                "提交答卷时间",
            )
        out["submitted_at"] = times
    else:
        out["submitted_at"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    if "所用时间" in df.columns:
        cells = df["所用时间"].map(cell).str.replace("秒", "", regex=False)
        secs = pd.to_numeric(cells, errors="coerce")
        bad = (secs.isna() & (cells != "")) | (secs < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise src.error(
                f"答题用时“{shown(df['所用时间'].iloc[i])}”无法识别，应形如“125秒”", i, "所用时间"
            )
        out["duration_s"] = secs.astype(float)
    else:
        out["duration_s"] = np.nan
    for name, dst in (("来源", "channel"), ("来自IP", "ip")):
        out[dst] = (
            df[name].map(cell).astype("string")
            if name in df.columns
            else pd.Series(pd.NA, index=df.index, dtype="string")
        )
    out["channel"] = redact_series(out["channel"])
    return out


COMMUNITY_SUFFIXES = (("居民委员会", "社区"), ("居委会", "社区"), ("村民委员会", "村"), ("村委会", "村"))


def _community_key(name: str) -> str:
    key = normalize_text(name)
    for suffix, canonical in COMMUNITY_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)] + canonical
    return key


def normalise_communities(values: pd.Series, units: pd.Series, places: dict[str, list[str]], src: Source,
                          col: str, label: str = "社区（村）") -> pd.Series:
    """Community names as the reference list writes them; an unknown one is an error naming the closest."""
    out = values.copy()
    for i, (name, unit) in enumerate(zip(values, units, strict=True)):
        if pd.isna(name) or pd.isna(unit):
            continue
        known = places.get(str(unit), [])
        match = next((k for k in known if _community_key(k) == _community_key(str(name))), None)
        if match is None:
            close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.3)
            hint = (
                f"最接近的是：{'、'.join(close)}"
                if close
                else f"{unit}已知的{label}有：{listed(known) or '（无）'}"
            )
            raise src.error(f"不认识的{label}“{shown(name)}”（{unit}），不在地名参考表中；{hint}", i, col)
        out.iloc[i] = match
    return out
