"""Header mapping: which column of an export holds which question.

A user's mapping file (``原表头: 题目id``) first, then the question id, the question's text (tolerant of
spaces, full-width punctuation and traditional characters), then its number (a number shared by a
matrix's rows is never used alone). ``map_headers`` says in one message what does not match — and, when
almost nothing does, what likely went wrong (another questionnaire, another export format, a title row).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import load_yaml
from pipeline.common.limits import clip
from pipeline.common.matching import fold, simplified
from pipeline.ingest.formats import (
    HEADER_RE,
    KOBO,
    MATRIX_RE,
    PLATFORM_META,
    TENCENT,
    export_header,
)
from pipeline.questionnaire import Questionnaire

META_COLUMNS = {
    "序号": "resp_id",
    "提交答卷时间": "submitted_at",
    "所用时间": "duration_s",
    "来源": "channel",
    "来自IP": "ip",
}
REQUIRED_META_WJX = ("序号", "提交答卷时间", "所用时间")
LISTED_AT_MOST = 12  # names listed in one message; the rest are counted


def read_mapping(path: str | Path | None) -> dict[str, str]:
    """A user-editable YAML file ``{表头: 题目id}`` that overrides automatic header matching."""
    if path is None:
        return {}
    data = load_yaml(path, "列对应文件") or {}
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise SurveyError("列对应文件应为“表头: 题目id”的键值对", file=str(path))
    return data


def listed(names: list[str]) -> str:
    """Names for a message: the first ``LISTED_AT_MOST``, each clipped, then how many there are."""
    more = len(names) - LISTED_AT_MOST
    return "、".join(clip(n) for n in names[:LISTED_AT_MOST]) + (f"等{len(names)}项" if more > 0 else "")


def match_headers(columns: list[str], questionnaire: Questionnaire,
                  overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Header → question id (the mapping file first, then id, stem text, question number), and the
    headers left unmatched. Never raises: ``map_headers`` judges the result."""
    overrides = overrides or {}
    by_stem = {fold(q.text): q for q in questionnaire.questions}
    numbers = pd.Series([q.number for q in questionnaire.questions if q.number is not None], dtype="Int64")
    shared = set(
        numbers[numbers.duplicated()]
    )  # a matrix's rows share its number: only the text can tell them
    by_number = {
        q.number: q for q in questionnaire.questions if q.number is not None and q.number not in shared
    }
    mapping: dict[str, str] = {}
    unmapped: list[str] = []
    for col in columns:
        if col in META_COLUMNS:
            continue
        q = questionnaire.by_id.get(overrides[col]) if col in overrides else questionnaire.by_id.get(col)
        m = HEADER_RE.match(col)
        if q is None:
            q = by_stem.get(fold(m.group("stem") if m else col))
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
    """Map headers to question ids; a Chinese error says what does not match (and what likely went wrong)."""
    overrides = overrides or {}
    unknown = [f"“{h}”→“{q}”" for h, q in overrides.items() if q not in questionnaire.by_id]
    if unknown:
        raise SurveyError("列对应文件中有不存在的题目id：" + listed(unknown), file=file)
    mapping, unmapped = match_headers(columns, questionnaire, overrides)
    seen: dict[str, str] = {}
    for col, qid in mapping.items():
        if qid in seen:
            raise SurveyError(
                f"列“{col}”和列“{seen[qid]}”都对应题目“{qid}”，无法确定使用哪一列（可用列对应文件指定）",
                file=file,
            )
        seen[qid] = col
    missing_meta = [c for c in REQUIRED_META_WJX if c not in columns] if fmt == "wjx" else []
    missing_q = [q for q in questionnaire.questions if q.id not in seen]
    if not (missing_meta or missing_q):
        return mapping, unmapped
    total = len(questionnaire.questions)
    if len(seen) < max(1, total // 3):
        raise SurveyError(
            f"表头与问卷定义几乎对不上（问卷定义有{total}道题，表头中只找到{len(seen)}道）。可能的原因：用错了问卷定义文件；"
            "导出时选了其他格式；表头不在前10行；或文件的列分隔符不对。文件的表头是："
            + listed([f"“{c}”" for c in columns])
            + "。可以用 --mapping 指定列对应文件",
            file=file,
        )
    parts = []
    if missing_meta:
        parts.append("缺少问卷星元数据列：" + "、".join(missing_meta))
    if missing_q:
        parts.append(
            "以下题目在表头中找不到：" + listed([f"{export_header(q)}（{q.id}）" for q in missing_q])
        )
    if unmapped:
        parts.append("无法识别的列：" + listed(unmapped))
    raise SurveyError(
        "表头与问卷定义不一致。" + "。".join(parts) + "。可以用 --mapping 指定列对应文件", file=file
    )
