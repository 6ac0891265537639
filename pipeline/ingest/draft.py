"""Draft a questionnaire from an export (``survey init``): the first hour of every new survey, in seconds.

From the headers and the answers of any supported export: question numbers and texts; each question's
type (single choice, multi-select as "┋" lists, per-option columns or "1,3" codes, Likert, number, open
text — suggestions and answers carrying personal data are never options); Likert options ordered by their
words (``pipeline.ingest.scales``), one scale per label set; matrix questions as candidate dimensions
(consecutive Likert questions on one scale otherwise); the overall question before the unit and community
questions, by their wording; skip logic from the "(跳过)" markers; items likely to be negatively worded
marked ``reverse: true  # 请确认``. Where an order cannot be read from the words (codes only, or two labels
at the same place) the draft lists the scale under ``unconfirmed`` and is refused until the user confirms
it: a draft never runs with a guessed order. Written as YAML by ``pipeline.ingest.draft_yaml``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline.common.privacy import holds_personal_data
from pipeline.ingest import scales
from pipeline.ingest.draft_model import (
    AGREEMENT_KINDS,
    BLANK,
    CODE_MAX,
    MAX_CHOICES,
    NEGATIVE,
    OPEN_WORDS,
    RATING_WORDS,
    TITLE_IN_NAME,
    Draft,
    _is_int,
    _nice,
    _values,
)
from pipeline.ingest.draft_passes import (
    _coded_runs,
    _dimensions,
    _ids,
    _orders,
    _own_overall_scale,
    _roles,
    _skip_logic,
    sections,
)
from pipeline.ingest.draft_yaml import emit_yaml
from pipeline.ingest.formats import (
    DROP_EXACT,
    DROP_PREFIX,
    HEADER_RE,
    KOBO,
    MATRIX_RE,
    MULTI_SEP,
    NOT_CHOSEN,
    PLATFORM_META,
    TENCENT_OPTION_RE,
    canonical,
    split_multi,
)
from pipeline.ingest.readers import read_table


def _group(df: pd.DataFrame) -> list[Draft]:
    """The export's columns as questions: one per numbered header; matrix rows, option columns and
    "题干—行" blocks grouped under their question; any other column is a question of its own."""
    drafts: dict[str, Draft] = {}
    order: list[str] = []
    dash: Draft | None = None

    def get(key: str, number: int | None, text: str) -> Draft:
        if key not in drafts:
            drafts[key] = Draft(key=key, number=number, text=text, columns=[])
            order.append(key)
        return drafts[key]

    for col in df.columns:
        if col in PLATFORM_META or col in DROP_EXACT or (col.startswith(DROP_PREFIX) and col not in KOBO):
            continue
        m, t, h = MATRIX_RE.match(col), TENCENT_OPTION_RE.match(col), HEADER_RE.match(col)
        if m:
            number = int(m.group("n1") or m.group("n2"))
            d = get(f"#{number}", number, f"第{number}题")
            d.columns.append(col)
            dash = None
        elif "—" in col and not h:
            stem, row = col.rsplit("—", 1)
            dash = get(f"—{stem}", None, stem)
            dash.stem = stem
            dash.columns.append(col)
        elif h:
            number = int(h.group("num"))
            if t and _is_binary(df[col]):
                d = get(f"#{number}", number, t.group("stem"))
                d.columns.append(col)
            else:
                key = f"#{number}"
                d = get(key, number, h.group("stem"))
                if d.columns and d.text != h.group(
                    "stem"
                ):  # several "N.text" columns with one number: a matrix
                    d.text, d.stem = f"第{number}题", None
                d.columns.append(col)
            dash = None
        elif "/" in col:
            parts = col.split("/")
            if len(parts) >= 3 and _is_binary(df[col]):
                d = get(f"/{parts[-2]}", None, parts[-2])
            else:
                d = get(f"/{parts[-1]}", None, parts[-1])
            d.columns.append(col)
            dash = None
        elif dash is not None:
            dash.columns.append(col)
        else:
            get(col, None, col).columns.append(col)
    return [drafts[k] for k in order]


def _is_binary(col: pd.Series) -> bool:
    """A per-option column of a multi-select: only 0/1 (or empty, or skipped), or its own option's text
    (腾讯问卷; an option nobody chose leaves its column empty)."""
    cells = col.astype(str).str.strip()
    values = set(cells[~cells.isin(BLANK)])
    option = _option_of(col.name)
    if option:
        return values <= {option}
    return bool(values) and values <= {"0", "1", "0.0", "1.0", "True", "true"} | NOT_CHOSEN


def _option_of(header: str) -> str:
    t = TENCENT_OPTION_RE.match(str(header))
    return t.group("option") if t else ""


def _row_text(col: str) -> str:
    m = MATRIX_RE.match(col)
    if m:
        return m.group("inner").strip()
    if "—" in col and not HEADER_RE.match(col):
        return col.rsplit("—", 1)[1].strip()
    h = HEADER_RE.match(col)
    return h.group("stem") if h else col.split("/")[-1]


def _classify(d: Draft, df: pd.DataFrame) -> list[Draft]:
    """Type and options of one grouped question; a matrix comes back as its rows (Likert items)."""
    cols = d.columns
    binary = [c for c in cols if _is_binary(df[c])]
    if len(binary) >= 2 and len(binary) >= len(cols) - 1:  # per-option columns (Kobo adds one joined column)
        d.kind, d.columns = "multi", binary
        options = [_option_of(c) or _row_text(c) for c in binary]
        d.options = [f"选项{o}" for o in options] if all(o.isdigit() for o in options) else options
        if all(o.isdigit() for o in options):
            d.notes.append("导出文件只有选项序号：请把“选项1”等改成选项文字")
        m = MAX_CHOICES.search(d.text)
        d.max_choices = int(m.group(1)) if m and int(m.group(1)) <= len(d.options) else None
        return [d]
    if len(cols) > 1:  # matrix rows
        rows = []
        observed = list(dict.fromkeys(v for c in cols for v in _values(df[c]).unique()))
        scale = _scale_for(observed, bool(RATING_WORDS.search(d.stem or d.text)))
        for c in cols:
            row = Draft(
                key=c,
                number=d.number,
                text=_row_text(c),
                columns=[c],
                kind="likert",
                matrix=d.number,
                group=d.key,
                stem=d.stem,
            )
            row.options, row.scale, row.ordered = scale
            rows.append(row)
        return rows
    values = _values(df[cols[0]])
    if (
        values.str.contains(MULTI_SEP, regex=False).any()
        or values.str.fullmatch(r"\d+(?:\s*[,，;；]\s*\d+)+").any()
    ):
        d.kind = "multi"
        parts = [p.split("〖")[0] for v in values for p in split_multi(v)]
        if all(p.isdigit() for p in parts):
            d.options = [f"选项{i}" for i in range(1, max(map(int, parts)) + 1)]
            d.notes.append("导出文件只有选项序号：请把“选项1”等改成选项文字")
        else:
            d.options = list(dict.fromkeys(parts))
        m = MAX_CHOICES.search(d.text)
        d.max_choices = int(m.group(1)) if m and int(m.group(1)) <= len(d.options) else None
        return [d]
    labels = list(values.unique())
    worded = len(labels) > 6 or values.str.len().mean() > 4  # not 是/否 to "您的意见是否被采纳"
    if (OPEN_WORDS.search(d.text) and worded) or holds_personal_data(values).any():
        d.kind = "text"  # suggestions, or answers that carry personal data, are never options
        return [d]
    rating = bool(RATING_WORDS.search(d.text))
    if scales.looks_ordinal(labels) and (scales.kind(labels) != "评分" or rating):
        d.kind, (d.options, d.scale, d.ordered) = "likert", _scale_for(labels, rating)
        return [d]
    if _is_int(values):
        nums = values.astype(float)
        if nums.min() >= 1 and nums.max() <= CODE_MAX and nums.nunique() <= CODE_MAX:
            d.kind, d.coded = "single", True
            d.options = [f"选项{i}" for i in range(1, int(nums.max()) + 1)]
            d.notes.append("导出文件只有选项序号：请把“选项1”等改成选项文字（也可能是数字题或量表题，请确认）")
        else:
            d.kind = "number"
            d.minimum = 0.0 if nums.min() >= 0 else float(math.floor(nums.min()))
            d.maximum = float(_nice(nums.max()))
            d.notes.append(f"数字题：请确认合理的取值范围（导出中最大为{nums.max():g}）")
        return [d]
    distinct = values.unique()
    if len(distinct) <= max(12, len(values) // 20) and values.str.len().mean() <= 16:
        d.kind = "single"
        d.options = list(distinct)
        return [d]
    d.kind = "text"
    return [d]


def _scale_for(observed: list[str], rating: bool) -> tuple[list[str], str, bool]:
    """Options, a scale name and whether the order is known, for Likert answers: ordered by their words
    (``pipeline.ingest.scales``); bare codes (1, 2, 3 …) as placeholders whose direction is unknown unless
    the question asks for a rating (``rating``: "请打分"); anything else as first seen, to be confirmed."""
    if observed and all(re.fullmatch(r"\d+(?:\.0+)?", v) for v in observed):
        codes = sorted({int(float(v)) for v in observed})
        if rating:  # a rating: the numbers are the scores, every step between the lowest and highest seen
            seen = {int(float(v)): v for v in observed}
            return [seen.get(i, str(i)) for i in range(min(codes[0], 1), codes[-1] + 1)], "评分", True
        top = max(2, min(CODE_MAX, codes[-1]))
        return [str(i) for i in range(1, top + 1)], "序号", False
    ordered, kind = scales.order(observed), scales.kind(observed)
    if ordered is not None:
        if kind == "评分":  # "1（很不满意）" … "5（非常满意）": fill the steps not seen
            by_number = {scales.place(x).value: x for x in ordered}
            low, high = int(min(by_number)), int(max(by_number))
            if all(float(v).is_integer() for v in by_number):
                ordered = [by_number.get(float(i), str(i)) for i in range(low, high + 1)]
        return ordered, kind, True
    return list(dict.fromkeys(observed)), kind, False


def _one_scale_per_label_set(questions: list[Draft]) -> None:
    """Questions whose answers are a part of another question's ordered label set (nobody chose 很不满意
    in one matrix) take that whole set: one scale, not two."""
    likert = [q for q in questions if q.kind == "likert" and q.ordered and q.scale != "序号"]
    sets = {tuple(q.options): q.scale for q in likert}
    for q in likert:
        if q.role == "overall":  # its own options (``_own_overall_scale``), said in the summary
            continue
        wider = [s for s, kind in sets.items() if kind == q.scale and set(q.options) < set(s)]
        if wider:
            q.options = list(max(wider, key=len))



def draft_questionnaire(path: Path, frequent: Callable[[pd.Series], list[str]] | None = None
                        ) -> tuple[str, dict]:
    """A questionnaire YAML drafted from the export at ``path``, and a summary of what was found; with
    ``frequent`` (``pipeline.stats.open_answers.frequent_words``), the open answers' frequent words as hints
    for the themes dictionary."""
    table = read_table(path)
    df, fmt = canonical(table.frame.reset_index(drop=True))
    df = df.fillna("")
    questions = [row for d in _group(df) for row in _classify(d, df)]
    _ids(questions)
    _roles(questions)
    _one_scale_per_label_set(questions)
    _coded_runs(questions)
    _skip_logic(questions, df)
    dimensions = _dimensions(questions)
    decisions = _own_overall_scale(questions)
    profile, outcomes, placed = sections(questions, dimensions)
    decisions += placed
    for q in questions:
        q.notes = list(dict.fromkeys(q.notes))
    kinds = {q.scale for q in questions if q.kind == "likert"}
    for q in questions:
        if q.kind == "likert" and q.scale in (*AGREEMENT_KINDS, "序号") and NEGATIVE.search(q.text):
            q.reverse = True
    title = _title(path)
    hints = _frequent_words(questions, df, frequent) if frequent is not None else []
    text = emit_yaml(path, title, questions, (profile, dimensions, outcomes), table.notes, fmt, hints)
    summary = {
        "unconfirmed": list(dict.fromkeys("、".join(q.options) for q in questions
                                          if q.kind == "likert" and not q.ordered)),
        "questions": len(questions),
        "dimensions": len(dimensions),
        "scales": sorted(k for k in kinds if k),
        "roles": {q.role: q.text for q in questions if q.role},
        "reversed": [q.text for q in questions if q.reverse],
        "orders": _orders(questions),
        "format": fmt,
        "decisions": decisions,
    }
    return text, summary



def _title(path: Path) -> str:
    m = TITLE_IN_NAME.match(path.stem)
    return m.group("title") if m else path.stem


def _frequent_words(questions: list[Draft], df: pd.DataFrame,
                    frequent: Callable[[pd.Series], list[str]]) -> list[str]:
    """The open question's most frequent keywords, as hints for the themes dictionary."""
    q = next((q for q in questions if q.role == "open"), None)
    if q is None:
        return []
    texts = df[q.columns[0]].astype("string")
    return frequent(texts.where(~texts.isin(BLANK)))
