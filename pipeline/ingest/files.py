"""Ingest: read an export (any supported platform and file type) and map it onto the questionnaire.

Output is one row per input row with the source file and row number, metadata (序号, submit time,
duration, an IP column that the clean stage consumes and drops) and one column per question:

- single choice: an ordered categorical of option texts (unit names normalised against the
  questionnaire's list: "XX街道办事处" is "XX街道"; an unknown unit is an error naming the closest ones);
- Likert items and Likert outcomes: the raw option code 1..k (not yet reverse-coded);
- multi-select: one boolean column per option (``problems__1`` …) and ``problems__other_text``;
- number: float; text: string (kept as written, after traditional → simplified conversion).

"(跳过)"/−3 (hidden by skip logic) and "(空)"/−2 become missing; the clean stage decides from
``show_if`` whether a missing answer was applicable. An answer that breaks a rule of its question (a
number out of range or unreadable, or looking like a phone number; more choices than ``max_choices``)
is not a file error: the row is kept for the clean stage to reject, with the reason in ``_issue`` —
which never repeats the answer itself. Invisible characters (zero-width spaces, BOMs) are dropped from
every cell, and the 序号 is masked like any text (a phone number typed there is not kept).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline.clean.privacy import holds_personal_data, redact, redact_series
from pipeline.common.errors import SurveyError
from pipeline.common.names import shown, strip_invisible
from pipeline.ingest.formats import (
    EMPTY_MARKERS,
    HEADER_RE,
    KOBO,
    MATRIX_RE,
    PLATFORM_META,
    SKIP_MARKERS,
    TENCENT,
    export_header,
    normalise,
    normalize_text,
    simplified,
    split_multi,
)
from pipeline.ingest.readers import read_table
from pipeline.questionnaire import Question, Questionnaire

OTHER_RE = re.compile(r"^(?P<option>.*?)〖(?P<text>.*)〗$")
META_COLUMNS = {"序号": "resp_id", "提交答卷时间": "submitted_at", "所用时间": "duration_s", "来源": "channel", "来自IP": "ip"}
REQUIRED_META_WJX = ("序号", "提交答卷时间", "所用时间")
UNIT_SUFFIXES = ("街道办事处", "街道办", "人民政府", "办事处")
DAY_MONTH_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(.*)$")
DATE_ORDERS = {"dmy": "日/月/年", "mdy": "月/日/年"}
LISTED_AT_MOST = 12  # names listed in one message; the rest are counted


def _cell(value: object) -> str:
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


@dataclass
class Ingested:
    """The result of reading one export."""

    frame: pd.DataFrame
    file: str
    format: str = "wjx"
    mapping: dict[str, str] = field(default_factory=dict)  # header -> question id
    unmapped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader worked out (sheet, header row, encoding)


def read_mapping(path: str | Path | None) -> dict[str, str]:
    """A user-editable YAML file ``{表头: 题目id}`` that overrides automatic header matching."""
    if path is None:
        return {}
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SurveyError(f"列对应文件无法读取：{exc}", file=str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise SurveyError("列对应文件应为“表头: 题目id”的键值对", file=str(path))
    return data


def _listed(names: list[str]) -> str:
    more = len(names) - LISTED_AT_MOST
    return "、".join(names[:LISTED_AT_MOST]) + (f"等{len(names)}项" if more > 0 else "")


def match_headers(columns: list[str], questionnaire: Questionnaire,
                  overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Header → question id (the mapping file first, then id, stem text, question number), and the
    headers left unmatched. Never raises: ``map_headers`` judges the result."""
    overrides = overrides or {}
    by_stem = {normalize_text(q.text): q for q in questionnaire.questions}
    numbers = pd.Series([q.number for q in questionnaire.questions if q.number is not None], dtype="Int64")
    shared = set(numbers[numbers.duplicated()])  # a matrix's rows share its number: only the text can tell them
    by_number = {q.number: q for q in questionnaire.questions if q.number is not None and q.number not in shared}
    mapping: dict[str, str] = {}
    unmapped: list[str] = []
    for col in columns:
        if col in META_COLUMNS:
            continue
        q = questionnaire.by_id.get(overrides[col]) if col in overrides else questionnaire.by_id.get(col)
        m = HEADER_RE.match(col)
        if q is None:
            q = by_stem.get(normalize_text(m.group("stem") if m else col))
        if q is None and m:
            q = by_number.get(int(m.group("num")))
        if q is None:
            unmapped.append(col)
        else:
            mapping[col] = q.id
    return mapping, unmapped


def header_scorer(questionnaire: Questionnaire, overrides: dict[str, str] | None = None):
    """A reader's scorer: how many cells of a row name a question of this questionnaire or export metadata."""
    def score(cells: list[str]) -> float:
        cells = [simplified(c) for c in cells]
        mapping, _ = match_headers(cells, questionnaire, overrides)
        meta = sum(c in PLATFORM_META or c in TENCENT or c in KOBO for c in cells)
        matrix = sum(bool(MATRIX_RE.match(c)) for c in cells if c not in mapping)
        return len(set(mapping.values())) + meta + 0.5 * matrix

    return score


def map_headers(columns: list[str], questionnaire: Questionnaire, file: str, fmt: str = "wjx",
                overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map headers to question ids; a Chinese error saying what does not match (and what likely went wrong)."""
    overrides = overrides or {}
    unknown = [f"“{h}”→“{q}”" for h, q in overrides.items() if q not in questionnaire.by_id]
    if unknown:
        raise SurveyError("列对应文件中有不存在的题目id：" + _listed(unknown), file=file)
    mapping, unmapped = match_headers(columns, questionnaire, overrides)
    seen: dict[str, str] = {}
    for col, qid in mapping.items():
        if qid in seen:
            raise SurveyError(f"列“{col}”和列“{seen[qid]}”都对应题目“{qid}”，无法确定使用哪一列（可用列对应文件指定）", file=file)
        seen[qid] = col
    missing_meta = [c for c in REQUIRED_META_WJX if c not in columns] if fmt == "wjx" else []
    missing_q = [q for q in questionnaire.questions if q.id not in seen]
    if not (missing_meta or missing_q):
        return mapping, unmapped
    total = len(questionnaire.questions)
    if len(seen) < max(1, total // 3):
        raise SurveyError(
            f"表头与问卷定义几乎对不上（问卷定义有{total}道题，表头中只找到{len(seen)}道）。可能的原因：用错了问卷定义文件；"
            "导出时选了其他格式；表头不在前10行；或文件的列分隔符不对。文件的表头是：" + _listed([f"“{c}”" for c in columns])
            + "。可以用 --mapping 指定列对应文件", file=file)
    parts = []
    if missing_meta:
        parts.append("缺少问卷星元数据列：" + "、".join(missing_meta))
    if missing_q:
        parts.append("以下题目在表头中找不到：" + _listed([f"{export_header(q)}（{q.id}）" for q in missing_q]))
    if unmapped:
        parts.append("无法识别的列：" + _listed(unmapped))
    raise SurveyError("表头与问卷定义不一致。" + "。".join(parts) + "。可以用 --mapping 指定列对应文件", file=file)


def _bad_value(src: Source, i: int, col: str, value: str, q: Question) -> SurveyError:
    expected = "、".join(q.options) if q.options else "数字"
    return src.error(f"无法识别的答案“{shown(value)}”，应为以下之一：{expected}（或选项序号1–{len(q.options)}）", i, col)


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


def _code_choice(values: pd.Series, q: Question, src: Source, col: str) -> pd.Series:
    """Option text (or its 1-based code) -> 1-based code; missing/skip -> NA."""
    lookup = _lookup(q)
    cells = values.map(_cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    codes = cells.map(lambda v: lookup.get(normalize_text(v), lookup.get(_unit_key(v)) if q.role == "unit" else None))
    bad = ~blank & codes.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        value = cells.iloc[i]
        if q.role == "unit":
            close = difflib.get_close_matches(value, q.options, n=3, cutoff=0.3)
            hint = f"，最接近的是：{'、'.join(close)}" if close else ""
            raise src.error(f"不认识的{q.short}“{shown(value)}”，不在问卷定义的名单中{hint}（请核对名称，或把它加入问卷定义的选项）",
                            i, col)
        raise _bad_value(src, i, col, value, q)
    return codes.where(~blank).astype("Int64")


def _code_multi(values: pd.Series, q: Question, src: Source, col: str) -> tuple[pd.DataFrame, pd.Series]:
    """One boolean column per option plus the "other" text; and a note where more were chosen than allowed."""
    lookup = _lookup(q)
    k = len(q.options)
    chosen = np.zeros((len(values), k), dtype=bool)
    answered = np.zeros(len(values), dtype=bool)
    other_text: list[str | None] = [None] * len(values)
    for i, raw in enumerate(values.map(_cell)):
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


def _number(values: pd.Series, q: Question, col: str) -> tuple[pd.Series, pd.Series]:
    """Numbers, and per row a Chinese note where the answer is unreadable, out of range or looks like a
    phone or ID number (value → NA). The note never repeats the answer."""
    cells = values.map(_cell)
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


def _text(values: pd.Series) -> pd.Series:
    """Free text kept as written (no width folding: Chinese punctuation stays full-width)."""
    cells = values.map(_cell)
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
            i, j = int(np.flatnonzero(has)[np.flatnonzero(first)[0]]), int(np.flatnonzero(has)[np.flatnonzero(second)[0]])
            raise src.error(f"提交时间的日、月顺序前后不一致（“{cells.iloc[i]}”与第{int(src.rows[j])}行的“{cells.iloc[j]}”）；"
                            "请检查导出文件", i, column)
        if not (first.any() or second.any()):
            i = int(np.flatnonzero(has)[0])
            raise src.error(f"提交时间“{cells.iloc[i]}”是“日/月/年”还是“月/日/年”无法确定（整列没有大于12的日或月）；"
                            "请用 --date-order dmy（日/月/年）或 --date-order mdy（月/日/年）指定", i, column)
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


def _metadata(df: pd.DataFrame, src: Source, date_order: str | None) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    if "序号" in df.columns:
        out["resp_id"] = redact_series(df["序号"].map(_cell))
    else:
        out["resp_id"] = pd.Series([f"{src.file}#{r}" for r in src.rows], index=df.index, dtype="string")
    if "提交答卷时间" in df.columns:
        cells = _day_month(df["提交答卷时间"].map(_cell), date_order, src, "提交答卷时间")
        times = _parse_times(cells)
        bad = times.isna() & (cells != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise src.error(f"提交时间“{shown(df['提交答卷时间'].iloc[i])}”无法识别，应形如 2024/3/5 9:07:03", i, "提交答卷时间")
        out["submitted_at"] = times
    else:
        out["submitted_at"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    if "所用时间" in df.columns:
        cells = df["所用时间"].map(_cell).str.replace("秒", "", regex=False)
        secs = pd.to_numeric(cells, errors="coerce")
        bad = (secs.isna() & (cells != "")) | (secs < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise src.error(f"答题用时“{shown(df['所用时间'].iloc[i])}”无法识别，应形如“125秒”", i, "所用时间")
        out["duration_s"] = secs.astype(float)
    else:
        out["duration_s"] = np.nan
    for name, dst in (("来源", "channel"), ("来自IP", "ip")):
        out[dst] = df[name].map(_cell).astype("string") if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
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
            hint = f"最接近的是：{'、'.join(close)}" if close else f"{unit}已知的{label}有：{_listed(known) or '（无）'}"
            raise src.error(f"不认识的{label}“{shown(name)}”（{unit}），不在地名参考表中；{hint}", i, col)
        out.iloc[i] = match
    return out


def ingest_frame(raw: pd.DataFrame, questionnaire: Questionnaire, file: str,
                 overrides: dict[str, str] | None = None, *, rows: np.ndarray | None = None,
                 date_order: str | None = None) -> Ingested:
    """Map an export already read as text cells onto the questionnaire.

    ``rows`` are the file's line numbers of the rows (default: a header on line 1, then 2, 3, …).
    """
    src = Source(file, np.asarray(rows) if rows is not None else np.arange(2, len(raw) + 2))
    raw = raw.reset_index(drop=True)
    raw.columns = [strip_invisible(c) for c in raw.columns]
    twice = raw.columns[raw.columns.duplicated()].unique().tolist()
    if twice:
        raise SurveyError("、".join(f"表头“{c}”出现了{int((raw.columns == c).sum())}次" for c in twice)
                          + "；每一列的表头应不同（请检查导出文件，或用列对应文件区分）", file=file)
    df, fmt = normalise(raw.fillna("").astype(str), questionnaire)
    mapping, unmapped = map_headers(list(df.columns), questionnaire, file, fmt, overrides)
    parts: list[pd.DataFrame | pd.Series] = [
        pd.DataFrame({"_file": redact(file), "_row": src.rows}, index=df.index),
        _metadata(df, src, date_order),
    ]
    issues = pd.Series(pd.NA, index=df.index, dtype="string")
    for col, qid in mapping.items():
        q = questionnaire.by_id[qid]
        if q.type == "single":
            codes = _code_choice(df[col], q, src, col)
            cat = pd.Categorical.from_codes((codes.fillna(0).astype(int) - 1).to_numpy(), categories=q.options, ordered=True)
            parts.append(pd.Series(cat, index=df.index, name=qid))
        elif q.type == "likert":
            parts.append(_code_choice(df[col], q, src, col).rename(qid))
        elif q.type == "multi":
            block, issue = _code_multi(df[col], q, src, col)
            parts.append(block)
            issues = issues.fillna(issue)
        elif q.type == "number":
            nums, issue = _number(df[col], q, col)
            parts.append(nums.rename(qid))
            issues = issues.fillna(issue)
        else:
            parts.append(_text(df[col]).rename(qid))
    parts.append(issues.rename("_issue"))
    frame = pd.concat(parts, axis=1)
    community = questionnaire.role("community")
    places = questionnaire.known_places()
    if community is not None and places is not None:
        col = next(c for c, i in mapping.items() if i == community.id)
        frame[community.id] = normalise_communities(frame[community.id], frame[questionnaire.unit_question.id], places, src, col,
                                                    community.short)
    dup = frame["resp_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise src.error(f"序号“{frame['resp_id'].iloc[i]}”重复出现，每份答卷的序号应唯一", i, "序号")
    return Ingested(frame=frame, file=file, format=fmt, mapping=mapping, unmapped=unmapped)


def header_report(path: str | Path, questionnaire: Questionnaire,
                  overrides: dict[str, str] | None = None) -> tuple[list[tuple[Question, list[str]]], list[str], Ingested]:
    """Per question, the export's columns matched to it (none: not found); the columns matched to nothing;
    and what the reader worked out. Never raises on headers: this is the report ``survey ingest`` prints."""
    path = Path(path)
    table = read_table(path, header_scorer(questionnaire, overrides))
    raw = table.frame.reset_index(drop=True)
    raw.columns = [strip_invisible(c) for c in raw.columns]
    df, fmt = normalise(raw.fillna("").astype(str), questionnaire)
    mapping, unmapped = match_headers(list(df.columns), questionnaire, overrides)
    origin = df.attrs.get("origin", {})
    rows = [(q, [o for c, qid in mapping.items() if qid == q.id for o in origin.get(c, [c])]) for q in questionnaire.questions]
    return rows, unmapped, Ingested(frame=raw.head(0), file=path.name, format=fmt, mapping=mapping, notes=table.notes)


def ingest_file(path: str | Path, questionnaire: Questionnaire, overrides: dict[str, str] | None = None,
                date_order: str | None = None) -> Ingested:
    """Read one export file and return it mapped onto the questionnaire."""
    path = Path(path)
    table = read_table(path, header_scorer(questionnaire, overrides))
    out = ingest_frame(table.frame, questionnaire, path.name, overrides, rows=table.frame.index.to_numpy(),
                       date_order=date_order)
    out.notes = table.notes
    return out


def expand_inputs(paths: list[str | Path]) -> list[Path]:
    """Input paths with folders replaced by the export files in them (xlsx, xls, csv, txt, sav)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith((".", "~$"))
                           and f.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".sav"))
            if not found:
                raise SurveyError("文件夹中没有导出文件（.xlsx、.xls、.csv、.sav）", file=str(p))
            out += found
        elif not p.exists():
            raise SurveyError("文件不存在", file=str(p))
        else:
            out.append(p)
    return out


def ingest_files(paths: list[str | Path], questionnaire: Questionnaire, overrides: dict[str, str] | None = None,
                 date_order: str | None = None) -> pd.DataFrame:
    """Ingest several exports of one survey (one per street, web + paper …), source file recorded per row."""
    if not paths:
        raise SurveyError("没有指定要导入的问卷导出文件")
    paths = expand_inputs(paths)
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise SurveyError("有重名的导出文件：" + "、".join(sorted({n for n in names if names.count(n) > 1})) + "，请改名以便区分来源")
    return pd.concat([ingest_file(p, questionnaire, overrides, date_order).frame for p in paths], ignore_index=True)
