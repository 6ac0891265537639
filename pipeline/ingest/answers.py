"""Answers coded as the questionnaire defines them, each distinct value once (``common.distinct``): option
texts or codes to 1-based codes, multi-selects to one boolean column per option, numbers checked against
their range (and for phone numbers), free text kept as written, submit times and durations read in one
order for the whole column, unit and community names matched tolerantly. A wrong answer is an error
naming file, row and column; an answer that breaks its question's rule is a note the clean stage rejects
the row for.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.common.distinct import cell_values, cells, factorize, first_row
from pipeline.common.errors import SurveyError
from pipeline.common.limits import MAX_SHOWN_CHARS
from pipeline.common.matching import Names, community_key, fold, plain_key, unit_key
from pipeline.common.names import shown, strip_invisible
from pipeline.common.privacy import holds_personal_data, redact_series
from pipeline.ingest.formats import EMPTY_MARKERS, SKIP_MARKERS, split_multi
from pipeline.ingest.mapping import listed
from pipeline.questionnaire import Question

OTHER_RE = re.compile(r"^(?P<option>.*?)〖(?P<text>.*)〗$")
DAY_MONTH_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(.*)$")
DATE_ORDERS = {"dmy": "日/月/年", "mdy": "月/日/年"}


MARKERS = SKIP_MARKERS | EMPTY_MARKERS


@dataclass
class Source:
    """Where the rows came from: the file's name and each row's line in it, for error messages."""

    file: str
    rows: np.ndarray
    files: np.ndarray | None = None  # each row's file, where the rows come from several (a batch)

    def file_of(self, position: int) -> str:
        return self.file if self.files is None else str(self.files[position])

    def error(self, message: str, position: int, column: str | None = None) -> SurveyError:
        return SurveyError(message, file=self.file_of(position), row=int(self.rows[position]), column=column)

    def of_distinct(self, codes: np.ndarray) -> Source:
        """The same file seen through a column's distinct values (in order of first appearance): position k
        is where distinct value k first appears, so errors found among distinct values name the first row."""
        first = np.unique(codes, return_index=True)[1]
        return Source(self.file, self.rows[first], None if self.files is None else self.files[first])


def _bad_value(src: Source, i: int, col: str, value: str, q: Question) -> SurveyError:
    expected = "、".join(q.options) if q.options else "数字"
    return src.error(
        f"无法识别的答案“{shown(value)}”，应为以下之一：{expected}（或选项序号1–{len(q.options)}）", i, col
    )


def names_of(q: Question) -> Names:
    """How answers to ``q`` are matched to its options (a unit's options with the unit suffixes too)."""
    return Names(q.options, unit_key if q.role == "unit" else plain_key)


def _coded(names: Names, value: str, k: int) -> int | None:
    """The 1-based code an answer stands for: an option's own text first (on a 0–10 scale "1" is the option
    "1"), then its option code ("1"…"k"), then an option by its tolerant name."""
    exact = names.exact_match(value)
    if exact is not None:
        return exact + 1
    key = fold(value)
    if key.isdigit() and str(int(key)) == key and 1 <= int(key) <= k:
        return int(key)
    found = names.match(value)
    return None if found is None else found + 1


def _ambiguous(src: Source, i: int, col: str, value: str, names: Names) -> SurveyError | None:
    """An answer whose tolerant form two options share: an error naming both (never one of them)."""
    both = names.candidates(value)
    if len(both) < 2:
        return None
    return src.error(f"答案“{shown(value)}”无法确定是“{both[0]}”还是“{both[1]}”"
                     "（两者只差空格、标点、全半角或繁简体）；请在问卷定义中把名称改得更易区分", i, col)


def code_choice(values: pd.Series, q: Question, src: Source, col: str) -> pd.Series:
    """Option text (or its 1-based code) -> 1-based code; missing/skip -> NA. An option's exact text comes
    first; a tolerant match only when exactly one option has that form."""
    names = names_of(q)
    codes, uniques = factorize(values)
    texts = cell_values(uniques)
    blank = np.isin(texts, list(MARKERS))
    coded = np.array([np.nan if b else (_coded(names, v, len(q.options)) or np.nan)
                      for v, b in zip(texts, blank, strict=True)], dtype=float)
    bad = (~blank & np.isnan(coded))[codes]
    if bad.any():
        i = first_row(bad)
        value = texts[codes[i]]
        error = _ambiguous(src, i, col, value, names)
        if error is not None:
            raise error
        if q.role == "unit":
            close = difflib.get_close_matches(value[:MAX_SHOWN_CHARS], q.options, n=3, cutoff=0.3)
            hint = f"，最接近的是：{'、'.join(close)}" if close else ""
            raise src.error(
                f"不认识的{q.short}“{shown(value)}”，不在问卷定义的名单中{hint}（请核对名称，或把它加入问卷定义的选项）",
                i,
                col,
            )
        raise _bad_value(src, i, col, value, q)
    return pd.Series(pd.array(np.where(blank, np.nan, coded)[codes], dtype="Int64"), index=values.index)


def code_multi(values: pd.Series, q: Question, src: Source, col: str) -> tuple[pd.DataFrame, pd.Series]:
    """One boolean column per option plus the "other" text; and a note where more were chosen than allowed."""
    names = names_of(q)
    k = len(q.options)
    codes, uniques = factorize(values)
    texts = cell_values(uniques)
    chosen_u = np.zeros((len(texts), k), dtype=bool)
    answered_u = np.zeros(len(texts), dtype=bool)
    other_u: list[str | None] = [None] * len(texts)
    wrong_u: dict[int, str] = {}  # distinct value -> the part that is not an option
    for j, raw in enumerate(texts):
        if raw in MARKERS:
            continue
        answered_u[j] = True
        for part in split_multi(raw):
            part = part.strip()
            m = OTHER_RE.match(part)
            if m:
                part, other_u[j] = m.group("option"), m.group("text").strip() or None
            code = _coded(names, part, k)
            if code is None:
                wrong_u.setdefault(j, part)
                continue
            chosen_u[j, code - 1] = True
    if wrong_u:
        i = first_row(np.isin(codes, list(wrong_u)))
        raise _bad_value(src, i, col, wrong_u[int(codes[i])], q)
    answered = pd.Series(answered_u[codes], index=values.index)
    chosen = chosen_u[codes]
    out = pd.DataFrame(chosen, columns=[f"{q.id}__{j}" for j in range(1, k + 1)], index=values.index)
    out = out.astype("boolean").where(answered, other=pd.NA)
    out[f"{q.id}__other_text"] = pd.Series(np.array(other_u, dtype=object)[codes], index=values.index,
                                           dtype="string")
    issue = pd.Series(pd.NA, index=values.index, dtype="string")
    if q.max_choices is not None:
        n = chosen.sum(axis=1)
        over = n > q.max_choices
        issue[over] = [f"“{col}”最多选{q.max_choices}项，实际选了{c}项" for c in n[over]]
    return out, issue


def number_answers(values: pd.Series, q: Question, col: str) -> tuple[pd.Series, pd.Series]:
    """Numbers, and per row a Chinese note where the answer is unreadable, out of range or looks like a
    phone or ID number (value → NA). The note never repeats the answer."""
    codes, uniques = factorize(values)
    texts = pd.Series(cell_values(uniques), dtype=object)
    blank_u = texts.isin(MARKERS).to_numpy()
    nums_u = pd.to_numeric(texts.where(~blank_u), errors="coerce").to_numpy(dtype=float)
    lo = q.min if q.min is not None else -np.inf
    hi = q.max if q.max is not None else np.inf
    personal_u = ~blank_u & holds_personal_data(texts).to_numpy()
    with np.errstate(invalid="ignore"):
        bad_u = ~blank_u & (np.isnan(nums_u) | (nums_u < lo) | (nums_u > hi))
    rng = f"{q.min:g}–{q.max:g}之间的数字" if q.min is not None and q.max is not None else "数字"
    issue_u = np.where(personal_u, f"“{col}”的答案疑似电话、证件号等个人信息（原答案不予保存）",
                       np.where(bad_u, f"“{col}”的答案不是{rng}（原答案不予保存）", None))
    issue = pd.Series(issue_u[codes], index=values.index, dtype="string")
    nums = np.where(bad_u | personal_u, np.nan, nums_u)[codes]
    return pd.Series(pd.array(nums, dtype="Float64"), index=values.index), issue


def text_answers(values: pd.Series) -> pd.Series:
    """Free text kept as written (no width folding: Chinese punctuation stays full-width)."""
    codes, uniques = factorize(values)
    blank = np.isin(cell_values(uniques), list(MARKERS))
    kept = np.array(
        [None if b or u is None else strip_invisible(str(u)) for u, b in zip(uniques, blank, strict=True)],
        dtype=object,
    )
    return pd.Series(kept[codes], index=values.index, dtype="string")


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


def _day_month(cells: pd.Series, date_order: str | None, src: Source, column: str) -> tuple[pd.Series,
                                                                                          str | None]:
    """Dates written day and month first ("13/09/2026") rewritten year first, in one order for the whole
    column: the order is read from the data (a first part above 12 is a day), or given by ``date_order``;
    a column where it cannot be told is refused rather than half of it misread. Returns the cells and the
    order used (None where no date was written day and month first)."""
    parts = cells.str.extract(DAY_MONTH_RE)
    has = parts[0].notna()
    if not has.any():
        return cells, date_order
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
    return cells.where(~has, rewritten), order


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


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    codes, uniques = factorize(values)
    return codes, pd.Series(cell_values(uniques), dtype=object)


def _submit_times(values: pd.Series, src: Source, date_order: str | None) -> tuple[np.ndarray, str | None]:
    codes, texts = _distinct_text(values)
    sub = src.of_distinct(codes)
    texts, date_order = _day_month(texts, date_order, sub, "提交答卷时间")
    times = _parse_times(texts)
    bad = times.isna() & (texts != "")
    if bad.any():
        k = first_row(bad.to_numpy())
        raw = values.iloc[first_row(codes == k)]
        raise sub.error(f"提交时间“{shown(raw)}”无法识别，应形如 2024/3/5 9:07:03", k, "提交答卷时间")
    return times.to_numpy()[codes], date_order


def _durations(values: pd.Series, src: Source) -> tuple[np.ndarray, pd.Series]:
    """Seconds per row, and a note where the cell looks like a phone or ID number (its value not kept)."""
    codes, texts = _distinct_text(values)
    texts = texts.str.replace("秒", "", regex=False)
    secs = pd.to_numeric(texts, errors="coerce")
    bad = ((secs.isna() & (texts != "")) | (secs < 0)).to_numpy()
    personal = holds_personal_data(texts).to_numpy()
    if (bad & ~personal).any():
        i = first_row((bad & ~personal)[codes])
        raise src.error(f"答题用时“{shown(values.iloc[i])}”无法识别，应形如“125秒”", i, "所用时间")
    issue = np.where(personal, "“所用时间”疑似电话、证件号等个人信息（原值不予保存）", None)
    seconds = np.where(personal, np.nan, secs.to_numpy(dtype=float))
    return seconds[codes], pd.Series(issue[codes], index=values.index, dtype="string")


def metadata(df: pd.DataFrame, src: Source, date_order: str | None) -> tuple[pd.DataFrame, pd.Series,
                                                                            str | None]:
    """序号, submit time, duration, channel and IP per row; a note where a value had to be left out; and the
    order of day and month the submit times were read in (given, or read from them)."""
    out = pd.DataFrame(index=df.index)
    issue = pd.Series(pd.NA, index=df.index, dtype="string")
    if "序号" in df.columns:
        out["resp_id"] = redact_series(cells(df["序号"]))
    else:
        out["resp_id"] = pd.Series([f"{src.file_of(i)}#{r}" for i, r in enumerate(src.rows)], index=df.index,
                                   dtype="string")
    if "提交答卷时间" in df.columns:
        out["submitted_at"], date_order = _submit_times(df["提交答卷时间"], src, date_order)
    else:
        out["submitted_at"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    out["duration_s"] = np.nan
    if "所用时间" in df.columns:
        out["duration_s"], issue = _durations(df["所用时间"], src)
    for name, dst in (("来源", "channel"), ("来自IP", "ip")):
        out[dst] = (
            cells(df[name]).astype("string")
            if name in df.columns
            else pd.Series(pd.NA, index=df.index, dtype="string")
        )
    out["channel"] = redact_series(out["channel"])
    return out, issue, date_order


def normalise_communities(values: pd.Series, units: pd.Series, places: dict[str, list[str]], src: Source,
                          col: str, label: str = "社区（村）") -> pd.Series:
    """Community names as the reference list writes them; an unknown one is an error naming the closest."""
    pairs = pd.MultiIndex.from_arrays([values.astype(object), units.astype(object)])
    codes, uniques = pd.factorize(pairs, use_na_sentinel=False)
    matched = np.empty(len(uniques), dtype=object)
    lookups = {unit: Names(known, community_key) for unit, known in places.items()}
    for k, (name, unit) in enumerate(uniques):
        matched[k] = name
        if pd.isna(name) or pd.isna(unit):
            continue
        known = places.get(str(unit), [])
        names = lookups.get(str(unit), Names([], community_key))
        found = names.match(str(name))
        match = None if found is None else known[found]
        if match is None:
            error = _ambiguous(src, first_row(codes == k), col, str(name), names)
            if error is not None:
                raise error
            close = difflib.get_close_matches(str(name)[:MAX_SHOWN_CHARS], known, n=3, cutoff=0.3)
            hint = (
                f"最接近的是：{'、'.join(close)}"
                if close
                else f"{unit}已知的{label}有：{listed(known) or '（无）'}"
            )
            i = first_row(codes == k)
            raise src.error(f"不认识的{label}“{shown(name)}”（{unit}），不在地名参考表中；{hint}", i, col)
        matched[k] = match
    return pd.Series(matched[codes], index=values.index).astype(values.dtype)
