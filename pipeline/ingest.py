"""Ingest: read a 问卷星 "按文本" export and map it onto the questionnaire.

Output is one row per input row with the source file and row number, the metadata (序号, submit time,
duration, IP — the IP is consumed and dropped by the clean stage), and one column per question:

- single choice: an ordered categorical of option texts;
- Likert items and Likert outcomes: the raw option code 1..k (not yet reverse-coded);
- multi-select: one boolean column per option (``problems__1`` …) and ``problems__other_text``;
- number: float; text: string.

"(跳过)" (hidden by skip logic) and "(空)" (left empty) both become missing here; the clean stage
decides from the questionnaire's ``show_if`` whether a missing answer was applicable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import SurveyError
from pipeline.questionnaire import Question, Questionnaire

MULTI_SEP = "┋"
SKIP_MARKERS = {"(跳过)"}
EMPTY_MARKERS = {"(空)", "", "nan", "None"}
OTHER_RE = re.compile(r"^(?P<option>.*?)〖(?P<text>.*)〗$")
HEADER_RE = re.compile(r"^\s*(?P<num>\d+)\s*[、.．]\s*(?P<stem>.*?)\s*$")
META_COLUMNS = {
    "序号": "resp_id",
    "提交答卷时间": "submitted_at",
    "所用时间": "duration_s",
    "来源": "channel",
    "来源详情": "channel_detail",
    "来自IP": "ip",
    "总分": "total_score",
}
REQUIRED_META = ("序号", "提交答卷时间", "所用时间")


def normalize_text(text: str) -> str:
    """Fold full-width forms (NFKC), drop whitespace and punctuation, for tolerant matching."""
    text = unicodedata.normalize("NFKC", str(text))
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PZS"))


def _cell(value: object) -> str:
    """A cell as a stripped, NFKC-folded string ("" for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass
class Ingested:
    """The result of reading one export."""

    frame: pd.DataFrame
    file: str
    mapping: dict[str, str] = field(default_factory=dict)  # header -> question id
    unmapped: list[str] = field(default_factory=list)


def read_table(path: Path) -> pd.DataFrame:
    """Read an xlsx/xls/csv export with every cell as text."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise SurveyError("文件不存在", file=str(path))
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path, dtype=str, sheet_name=0)
        elif suffix == ".csv":
            df = _read_csv(path)
        else:
            raise SurveyError("不支持的文件类型，应为 .xlsx、.xls 或 .csv", file=str(path))
    except SurveyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise SurveyError(f"文件无法读取（{type(exc).__name__}: {exc}）", file=str(path)) from None
    if df.shape[1] == 0:
        raise SurveyError("文件是空的，没有表头", file=str(path))
    if len(df) == 0:
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))
    return df


def _read_csv(path: Path) -> pd.DataFrame:
    last: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
        except UnicodeDecodeError as exc:
            last = exc
        except pd.errors.EmptyDataError:
            raise SurveyError("文件是空的，没有表头", file=str(path)) from None
    raise SurveyError(f"无法识别文件编码（已尝试 UTF-8、GB18030）：{last}", file=str(path))


def map_headers(columns: list[str], questionnaire: Questionnaire, file: str) -> tuple[dict[str, str], list[str]]:
    """Map export headers to question ids by stem text, falling back to the question number."""
    by_stem = {normalize_text(q.text): q for q in questionnaire.questions}
    by_number = {q.number: q for q in questionnaire.questions if q.number is not None}
    mapping: dict[str, str] = {}
    unmapped: list[str] = []
    for col in columns:
        if col in META_COLUMNS:
            continue
        m = HEADER_RE.match(col)
        stem = m.group("stem") if m else col
        q = by_stem.get(normalize_text(stem))
        if q is None and m:
            q = by_number.get(int(m.group("num")))
        if q is None:
            unmapped.append(col)
            continue
        if q.id in mapping.values():
            other = next(c for c, i in mapping.items() if i == q.id)
            raise SurveyError(f"列“{col}”和列“{other}”都对应题目“{q.id}”，无法确定使用哪一列", file=file)
        mapping[col] = q.id
    missing_meta = [c for c in REQUIRED_META if c not in columns]
    mapped = set(mapping.values())
    missing_q = [q for q in questionnaire.questions if q.id not in mapped]
    if missing_meta or missing_q:
        parts = []
        if missing_meta:
            parts.append("缺少问卷星元数据列：" + "、".join(missing_meta))
        if missing_q:
            parts.append("以下题目在表头中找不到：" + "；".join(f"{q.number}、{q.text}（{q.id}）" for q in missing_q))
        if unmapped:
            parts.append("无法识别的列：" + "、".join(unmapped))
        raise SurveyError("表头与问卷定义不一致。" + "。".join(parts), file=file)
    return mapping, unmapped


def _bad_value(file: str, idx: int, col: str, value: str, q: Question) -> SurveyError:
    expected = "、".join(q.options) if q.options else "数字"
    return SurveyError(f"无法识别的答案“{value}”，应为以下之一：{expected}", file=file, row=idx + 2, column=col)


def _code_choice(values: pd.Series, q: Question, file: str, col: str) -> pd.Series:
    """Option text (or its 1-based code) -> 1-based code; missing/skip -> NA."""
    lookup = {normalize_text(o): k for k, o in enumerate(q.options, start=1)}
    lookup.update({str(k): k for k in range(1, len(q.options) + 1)})
    cells = values.map(_cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    codes = cells.map(lambda v: lookup.get(normalize_text(v)))
    bad = ~blank & codes.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad_value(file, i, col, cells.iloc[i], q)
    return codes.where(~blank).astype("Int64")


def _code_multi(values: pd.Series, q: Question, file: str, col: str) -> pd.DataFrame:
    lookup = {normalize_text(o): k for k, o in enumerate(q.options, start=1)}
    k = len(q.options)
    chosen = np.zeros((len(values), k), dtype=bool)
    answered = np.zeros(len(values), dtype=bool)
    other_text: list[str | None] = [None] * len(values)
    for i, raw in enumerate(values.map(_cell)):
        if raw in SKIP_MARKERS | EMPTY_MARKERS:
            continue
        answered[i] = True
        for part in raw.split(MULTI_SEP):
            part = part.strip()
            m = OTHER_RE.match(part)
            if m:
                part, other_text[i] = m.group("option"), m.group("text").strip() or None
            code = lookup.get(normalize_text(part))
            if code is None:
                raise _bad_value(file, i, col, part, q)
            chosen[i, code - 1] = True
    out = pd.DataFrame(chosen, columns=[f"{q.id}__{j}" for j in range(1, k + 1)], index=values.index)
    out = out.astype("boolean").where(pd.Series(answered, index=values.index), other=pd.NA)
    out[f"{q.id}__other_text"] = pd.Series(other_text, index=values.index, dtype="string")
    return out


def _number(values: pd.Series, q: Question, file: str, col: str) -> pd.Series:
    cells = values.map(_cell)
    blank = cells.isin(SKIP_MARKERS | EMPTY_MARKERS)
    nums = pd.to_numeric(cells.where(~blank), errors="coerce")
    lo = q.min if q.min is not None else -np.inf
    hi = q.max if q.max is not None else np.inf
    bad = ~blank & (nums.isna() | (nums < lo) | (nums > hi))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        rng = f"{q.min:g}–{q.max:g} 之间的数字" if q.min is not None and q.max is not None else "数字"
        raise SurveyError(f"无法识别的数值“{cells.iloc[i]}”，应为{rng}", file=file, row=i + 2, column=col)
    return nums.astype("Float64")


def _text(values: pd.Series) -> pd.Series:
    """Free text kept as written (no width folding: Chinese punctuation stays full-width)."""
    blank = values.map(_cell).isin(SKIP_MARKERS | EMPTY_MARKERS)
    return values.astype("string").str.strip().where(~blank)


def _metadata(df: pd.DataFrame, file: str) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    out["resp_id"] = df["序号"].map(_cell).astype("string")
    times = pd.to_datetime(df["提交答卷时间"].map(_cell), format="mixed", errors="coerce")
    if times.isna().any():
        i = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise SurveyError(
            f"提交时间“{df['提交答卷时间'].iloc[i]}”无法识别，应形如 2024/3/5 9:07:03",
            file=file, row=i + 2, column="提交答卷时间",
        )
    out["submitted_at"] = times
    secs = pd.to_numeric(df["所用时间"].map(_cell).str.replace("秒", "", regex=False), errors="coerce")
    if secs.isna().any():
        i = int(np.flatnonzero(secs.isna().to_numpy())[0])
        raise SurveyError(f"答题用时“{df['所用时间'].iloc[i]}”无法识别，应形如“125秒”", file=file, row=i + 2, column="所用时间")
    out["duration_s"] = secs.astype(float)
    for src, dst in (("来源", "channel"), ("来自IP", "ip")):
        if src in df.columns:
            out[dst] = df[src].map(_cell).astype("string")
    return out


def ingest_frame(raw: pd.DataFrame, questionnaire: Questionnaire, file: str) -> Ingested:
    """Map an export already read as text cells onto the questionnaire."""
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    mapping, unmapped = map_headers(list(raw.columns), questionnaire, file)
    parts: list[pd.DataFrame | pd.Series] = [
        pd.DataFrame({"_file": file, "_row": np.arange(2, len(raw) + 2)}, index=raw.index),
        _metadata(raw, file),
    ]
    for col, qid in mapping.items():
        q = questionnaire.by_id[qid]
        if q.type == "single":
            codes = _code_choice(raw[col], q, file, col)
            cat = pd.Categorical.from_codes((codes.fillna(0).astype(int) - 1).to_numpy(), categories=q.options, ordered=True)
            parts.append(pd.Series(cat, index=raw.index, name=qid))
        elif q.type == "likert":
            parts.append(_code_choice(raw[col], q, file, col).rename(qid))
        elif q.type == "multi":
            parts.append(_code_multi(raw[col], q, file, col))
        elif q.type == "number":
            parts.append(_number(raw[col], q, file, col).rename(qid))
        else:
            parts.append(_text(raw[col]).rename(qid))
    frame = pd.concat(parts, axis=1)
    dup = frame["resp_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise SurveyError(f"序号“{frame['resp_id'].iloc[i]}”重复出现，每份答卷的序号应唯一", file=file, row=i + 2, column="序号")
    return Ingested(frame=frame, file=file, mapping=mapping, unmapped=unmapped)


def ingest_file(path: str | Path, questionnaire: Questionnaire) -> Ingested:
    """Read one export file and return it mapped onto the questionnaire."""
    path = Path(path)
    return ingest_frame(read_table(path), questionnaire, path.name)


def ingest_files(paths: list[str | Path], questionnaire: Questionnaire) -> pd.DataFrame:
    """Ingest several exports of one survey and stack them (source file recorded per row)."""
    if not paths:
        raise SurveyError("没有指定要导入的问卷导出文件")
    frames = [ingest_file(p, questionnaire).frame for p in paths]
    return pd.concat(frames, ignore_index=True)
