"""Platform exports → one common form: canonical metadata columns, one column per question.

Handles 问卷星 (按文本 and 按序号; matrix headers "第N题(行)", "N、(行)" and "题干—行" followed by bare
row texts; multi-select as one "┋" cell or one 0/1 column per option), 腾讯问卷 (编号/开始答题时间/
结束答题时间/答题时长, "N.题干", one column per multi-select option "N.题干:选项"), KoboToolbox
(";"-separated, group paths "grp/q", _uuid/_submission_time, select_multiple as "q/choice" 0/1 columns)
and paper entry (question ids or numbers as headers, option codes as values). Traditional characters
are converted to simplified (OpenCC) in headers and cells. Columns holding personal data that no
analysis needs (nicknames, user ids, device ids, phone numbers, locations) are dropped here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.common.distinct import map_values
from pipeline.common.matching import fold, simplified, written
from pipeline.questionnaire import Questionnaire

MULTI_SEP = "┋"
# answer markers, after NFKC folding (so "（跳过）" is "(跳过)"): hidden by skip logic, and left empty
SKIP_MARKERS = {"(跳过)", "-3"}
EMPTY_MARKERS = {"(空)", "", "nan", "None", "-2"}
NOT_CHOSEN = {"0", "0.0", "False", "false"}
META = ("序号", "提交答卷时间", "所用时间", "来源", "来自IP")
TENCENT = {"编号": "序号", "结束答题时间": "提交答卷时间", "答题时长": "所用时间", "IP": "来自IP"}
KOBO = {"_uuid": "序号", "_submission_time": "提交答卷时间"}
DROP_EXACT = {
    "开始答题时间",
    "来源详情",
    "总分",
    "用户类型",
    "用户标识",
    "昵称",
    "UA",
    "Referrer",
    "自定义字段",
    "清洗数据结果",
    "智能清洗数据无效概率",
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "simserial",
    "subscriberid",
    "_id",
    "_index",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "_tags",
    "_version_",
    "__version__",
    "meta/instanceID",
    "_attachments",
    "_geolocation",
    "_xform_id_string",
}
DROP_PREFIX = ("地理位置", "_")
MATRIX_RE = re.compile(r"^\s*(?:第(?P<n1>\d+)题|(?P<n2>\d+)\s*[、.．])\s*[(（](?P<inner>.*)[)）]\s*$")
TENCENT_OPTION_RE = re.compile(r"^\s*(?P<num>\d+)\s*[.．、]\s*(?P<stem>.*?)[:：](?P<option>[^:：]*)$")
HEADER_RE = re.compile(r"^\s*(?P<num>\d+)\s*[、.．]\s*(?P<stem>.*?)\s*$")


def export_header(q) -> str:
    """A question's column header as 问卷星 writes it: "3、题干", and "8、(行标题)" for a matrix row."""
    if q.number is None:
        return q.id
    return f"{q.number}、({q.text})" if q.matrix else f"{q.number}、{q.text}"


PLATFORM_META = {*META, *TENCENT, *KOBO, "开始答题时间", "来源详情", "总分", "start", "end"}
QID_RE = re.compile(r"^[Qq]\d+")


def looks_like_header(cell: str) -> bool:
    """Whether a cell looks like an export's column header ("3、题干", "第3题(行)", "Q3", 序号 …)."""
    cell = str(cell).strip()
    return bool(cell in PLATFORM_META or HEADER_RE.match(cell) or MATRIX_RE.match(cell) or QID_RE.match(cell)
                or ("/" in cell and not cell.startswith("/") and " " not in cell))


def to_simplified(df: pd.DataFrame) -> pd.DataFrame:
    """Traditional → simplified characters in headers and every cell (each distinct value once)."""
    out = df.copy()
    out.columns = [simplified(str(c)) for c in df.columns]
    for i in range(out.shape[1]):
        out.isetitem(i, map_values(out.iloc[:, i], lambda v: simplified(v) if v else v))
    return out


def detect(columns: list[str]) -> str:
    cols = set(columns)
    if "序号" in cols and "提交答卷时间" in cols:
        return "wjx"
    if "编号" in cols and ("结束答题时间" in cols or "答题时长" in cols):
        return "tencent"
    if "_uuid" in cols or "_submission_time" in cols or any("/" in c for c in columns):
        return "kobo"
    return "paper"


def _drop_personal_and_noise(df: pd.DataFrame) -> pd.DataFrame:
    keep = [
        c for c in df.columns if c not in DROP_EXACT and not (c.startswith(DROP_PREFIX) and c not in KOBO)
    ]
    return df[keep]


def _kobo_duration(df: pd.DataFrame) -> pd.Series | None:
    if "start" in df.columns and "end" in df.columns:
        start = pd.to_datetime(df["start"], errors="coerce", utc=True, format="mixed")
        end = pd.to_datetime(df["end"], errors="coerce", utc=True, format="mixed")
        return (end - start).dt.total_seconds().round().astype("Int64").astype("string").fillna("")
    return None


def _folded(cells: pd.Series) -> pd.Series:
    """Each cell NFKC-folded and stripped (each distinct value once)."""
    return map_values(cells, written)


def _collapse_options(df: pd.DataFrame, groups: dict[str, list[tuple[str, str]]]) -> pd.DataFrame:
    """Replace per-option columns with one "┋"-joined column per multi-select question; a per-option column
    marks its option as chosen unless it holds 0, nothing or a skip marker."""
    out = df.copy()
    for target, cols in groups.items():
        joined = pd.Series("", index=df.index, dtype=object)
        skipped = np.ones(len(df), dtype=bool)
        for col, opt in cols:
            folded = _folded(df[col])
            chosen = ~folded.isin(SKIP_MARKERS | EMPTY_MARKERS | NOT_CHOSEN).to_numpy(dtype=bool)
            joined = joined.where(~chosen, joined.where(joined == "", joined + MULTI_SEP) + opt)
            skipped &= folded.isin(SKIP_MARKERS).to_numpy(dtype=bool)
        out = out.drop(columns=[c for c, _ in cols])
        out[target] = joined.where(~skipped, "(跳过)")
    return out


def canonical(raw: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The export in 简体 with its platform's metadata columns under this project's (问卷星's) names, and
    the platform it came from — the one place a platform's columns are renamed (ingest, ``survey init``)."""
    df = to_simplified(raw)
    fmt = detect(list(df.columns))
    return df.rename(columns={"tencent": TENCENT, "kobo": KOBO}.get(fmt, {})), fmt


def normalise(raw: pd.DataFrame, questionnaire: Questionnaire) -> tuple[pd.DataFrame, str]:
    """Return (frame with canonical metadata and one column per question, detected format)."""
    df, fmt = canonical(raw)
    if fmt == "kobo":
        duration = _kobo_duration(df)
        df.columns = [
            c.split("/")[-1] if "/" in c and not _is_kobo_option(c, questionnaire) else c for c in df.columns
        ]
        if duration is not None:
            df["所用时间"] = duration
    df = _drop_personal_and_noise(df)
    multi = {q.number: q for q in questionnaire.questions if q.type == "multi" and q.number is not None}
    multi_by_id = {q.id: q for q in questionnaire.questions if q.type == "multi"}
    items = {fold(q.text): q for q in questionnaire.questions if q.type == "likert"}
    groups: dict[str, list[tuple[str, str]]] = {}
    renames: dict[str, str] = {}
    for col in df.columns:
        m = MATRIX_RE.match(col)
        t = TENCENT_OPTION_RE.match(col) if fmt == "tencent" else None
        if m:
            num, inner = int(m.group("n1") or m.group("n2")), m.group("inner")
            q = multi.get(num)
            option = _match_option(q, inner) if q else None
            if option:
                groups.setdefault(f"{q.number}、{q.text}", []).append((col, option))
            elif fold(inner) in items:
                it = items[fold(inner)]
                renames[col] = f"{it.number}、{it.text}" if it.number is not None else it.text
            continue
        if t and int(t.group("num")) in multi:
            q = multi[int(t.group("num"))]
            option = _match_option(q, t.group("option"))
            if option:
                groups.setdefault(f"{q.number}、{q.text}", []).append((col, option))
                continue
        if fmt == "kobo" and "/" in col:
            qid, choice = col.split("/")[-2:]
            q = multi_by_id.get(qid)
            option = _match_option(q, choice) if q else None
            if option:
                groups.setdefault(f"{q.id}__kobo", []).append((col, option))
                continue
        if "—" in col:  # 问卷星 matrix: "题干—第一行" then bare row texts
            stem, row = col.rsplit("—", 1)
            if fold(row) in items:
                it = items[fold(row)]
                renames[col] = f"{it.number}、{it.text}" if it.number is not None else it.text
                continue
    df = df.rename(columns=renames)
    if fmt == "kobo":
        # the option columns are authoritative; drop the space-joined column they duplicate
        for key in list(groups):
            qid = key.removesuffix("__kobo")
            if qid in df.columns:
                df = df.drop(columns=[qid])
            groups[qid] = groups.pop(key)
    df = _collapse_options(df, groups)
    for col in META:
        if col in df.columns and not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(str)
    origin = {new: [old] for old, new in renames.items()}
    origin.update({target: [c for c, _ in cols] for target, cols in groups.items()})
    df.attrs["origin"] = origin  # the export's own headers behind each renamed or merged column
    return df, fmt


def _is_kobo_option(col: str, questionnaire: Questionnaire) -> bool:
    parts = col.split("/")
    return len(parts) >= 2 and parts[-2] in {q.id for q in questionnaire.questions if q.type == "multi"}


def _match_option(q, text: str) -> str | None:
    """The option of ``q`` that ``text`` names (its text or its 1-based code)."""
    if q is None:
        return None
    key = fold(text)
    for k, opt in enumerate(q.options, start=1):
        if key in (fold(opt), str(k)):
            return opt
    return None


def split_multi(value: str) -> list[str]:
    """A multi-select cell: "A┋B" (问卷星), "1,3" / "1 3" / "1;3" (paper entry, Kobo)."""
    value = value.strip()
    if MULTI_SEP in value:
        return [p for p in value.split(MULTI_SEP) if p.strip()]
    if re.fullmatch(r"\d+(?:\s*[,，;；\s]\s*\d+)*", value):
        return [p for p in re.split(r"[,，;；\s]+", value) if p]
    return [value] if value else []


