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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.common.privacy import holds_personal_data
from pipeline.ingest import scales
from pipeline.ingest.draft_yaml import emit_yaml
from pipeline.ingest.formats import (
    DROP_EXACT,
    DROP_PREFIX,
    EMPTY_MARKERS,
    HEADER_RE,
    KOBO,
    MATRIX_RE,
    MULTI_SEP,
    NOT_CHOSEN,
    PLATFORM_META,
    SKIP_MARKERS,
    TENCENT_OPTION_RE,
    canonical,
    split_multi,
)
from pipeline.ingest.readers import read_table

BLANK = SKIP_MARKERS | EMPTY_MARKERS
CODE_MAX = 11  # coded answers run from 1 to at most 11
AGREEMENT_KINDS = ("同意程度", "符合程度", "认可程度")  # scales that may hold negatively worded items
RATING_WORDS = re.compile(r"评分|打分|分数|几分|满分|\d+\s*[-–~～至到]\s*\d+\s*分")
# wording that often marks a negatively worded item (agreeing with it is bad)
NEGATIVE = re.compile(
    r"存在.{0,16}(?:问题|现象|情况)|繁重|流于形式|形式主义|官僚主义|走过场|过度|重复|反复|频繁|难以|困难|"
    r"负担|压力大|仍然(?:存在|较多)|大量|不够|不足|不到位|不强|不高|不好|不力|不严|不规范|不积极|不及时|"
    r"不突出|不明显|不充分|不落实|不畅|不便|不方便|不公|缺乏|薄弱|滞后|较差|漠不关心|不相称"
)
UNIT_WORDS = re.compile(
    r"(?:所在|居住|属于|来自).{0,6}(?:街道|乡镇|镇|乡|社区|村|单位)|(?:街道|乡镇)|^unit$|单位"
)
COMMUNITY_WORDS = re.compile(r"社区|村|community|village")
OVERALL_WORDS = re.compile(r"(?:总体|总的来说|整体|综合|overall).{0,40}(?:满意|评价|看法)|overall")
OPEN_WORDS = re.compile(r"意见|建议|suggest")
MAX_CHOICES = re.compile(r"(?:最多|至多|限)选?(\d+)项")
TITLE_IN_NAME = re.compile(r"^\d+_(?:按文本|按序号|按分数)_(?P<title>.+?)_\d+_\d+$")


@dataclass
class Draft:
    """One question as the export shows it, before it is written as YAML."""

    key: str  # the header (or its number) it came from
    number: int | None
    text: str
    columns: list[str]
    kind: str = "text"  # single, multi, likert, number, text
    options: list[str] = field(default_factory=list)
    scale: str | None = None
    ordered: bool = True  # False: the scale's order could not be read from its words (请确认顺序)
    matrix: int | None = None  # number of the matrix question the row belongs to
    group: str | None = None  # the matrix the row belongs to (its key: matrices without numbers exist)
    stem: str | None = None  # the matrix question's own text, where the export has it
    coded: bool = False  # answers are option codes only
    role: str | None = None
    notes: list[str] = field(default_factory=list)
    reverse: bool = False
    max_choices: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    show_if: dict[str, list[str]] | None = None
    id: str = ""


def _values(col: pd.Series) -> pd.Series:
    cells = col.astype(str).str.strip()
    return cells[~cells.isin(BLANK)]


def _is_int(values: pd.Series) -> bool:
    return bool(len(values)) and values.str.fullmatch(r"-?\d+(?:\.0+)?").all()


def _nice(x: float) -> float:
    """A round upper bound at or above ``x`` (1, 2 or 5 times a power of ten)."""
    if x <= 0:
        return 1
    base = 10 ** math.floor(math.log10(x))
    return next(m * base for m in (1, 2, 5, 10) if m * base >= x)


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


def _roles(questions: list[Draft]) -> None:
    """Unit, community, overall and open questions, by their wording."""
    singles = [q for q in questions if q.kind == "single" and q.group is None]
    unit = next(
        (q for q in singles if UNIT_WORDS.search(q.text) and not COMMUNITY_WORDS.fullmatch(q.text)
         and not OVERALL_WORDS.search(q.text)), None
    )
    if unit is None and singles:
        unit = singles[0]
        unit.notes.append("没有找到题干像“您所在的街道（乡镇）”的题目，暂把这道题当作单位题：请确认")
    if unit is not None:
        unit.role = "unit"
    overall = next(  # strong evidence first: 总体/整体 + a satisfaction scale, whatever place it names
        (
            q
            for q in questions
            if q.kind in ("likert", "single")
            and q.group is None
            and q.role is None
            and OVERALL_WORDS.search(q.text)
        ),
        None,
    )
    if overall is not None:
        overall.role = "overall"
    community = next(
        (
            q
            for q in questions
            if q.role is None
            and q.kind in ("single", "text")
            and q.group is None
            and COMMUNITY_WORDS.search(q.text)
            and re.search(r"所在|居住|名称|community|village", q.text)
            and not OPEN_WORDS.search(q.text)
        ),
        None,
    )
    if community is not None:
        community.role, community.kind, community.options = "community", "text", []
    opens = [q for q in questions if q.kind == "text" and q.role is None and OPEN_WORDS.search(q.text)]
    if opens:
        opens[-1].role = "open"


def _skip_logic(questions: list[Draft], df: pd.DataFrame) -> None:
    """``show_if`` where "(跳过)" marks follow one earlier single choice exactly (党龄 only for 党员)."""
    for i, q in enumerate(questions):
        cells = df[q.columns[0]].astype(str).str.strip()
        skipped = cells.isin(SKIP_MARKERS).to_numpy()
        if not skipped.any() or skipped.all():
            continue
        for p in questions[:i]:
            if p.kind != "single" or p.role == "unit":
                continue
            answers = df[p.columns[0]].astype(str).str.strip()
            shown = set(answers[~skipped]) - BLANK
            hidden = set(answers[skipped]) - BLANK
            if shown and hidden and not shown & hidden:
                q.show_if = {p.id: [o for o in p.options if o in shown]}
                break


def _coded_runs(questions: list[Draft]) -> None:
    """Runs of three or more coded single choices with the same number of codes (3 to 11), in exports that
    carry codes only (paper entry, Kobo): candidate Likert items, on a placeholder scale."""
    run: list[Draft] = []

    def close() -> None:
        if len(run) >= 3:
            for q in run:
                q.kind, q.scale, q.ordered = "likert", "序号", False
                q.options = [str(i) for i in range(1, len(q.options) + 1)]
                q.notes = ["导出文件只有选项序号：暂当作量表题，请确认并填写量表选项文字"]
        run.clear()

    for q in questions:
        fits = q.coded and q.role is None and 3 <= len(q.options) <= CODE_MAX
        if fits and (not run or len(run[-1].options) == len(q.options)):
            run.append(q)
            continue
        close()
        if fits:
            run.append(q)
    close()


def _ids(questions: list[Draft]) -> None:
    used: set[str] = set()
    for q in questions:
        if q.group is not None and q.matrix is not None:
            base = f"q{q.matrix}_{sum(1 for x in questions[:questions.index(q)] if x.group == q.group) + 1}"
        elif q.group is not None:
            base = f"m{sum(1 for x in questions[:questions.index(q)] if x.group is not None) + 1}"
        elif q.number is not None:
            base = f"q{q.number}"
        else:
            base = re.sub(r"\W", "_", q.key).strip("_") or "q"
            base = base if re.match(r"[A-Za-z_]", base) else f"q_{base}"
        qid, k = base, 2
        while qid in used:
            qid, k = f"{base}_{k}", k + 1
        used.add(qid)
        q.id = qid


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


def _own_overall_scale(questions: list[Draft]) -> list[str]:
    """The overall question keeps its own options when they are not one of the drafted scales (a 4-option
    rating without a middle option is not put on a 5-level matrix scale): said in the summary."""
    overall = next((q for q in questions if q.role == "overall" and q.kind == "likert"), None)
    if overall is None:
        return []
    others = {tuple(q.options) for q in questions if q.kind == "likert" and q is not overall}
    if not others or tuple(overall.options) in others:
        return []
    overall.notes.append("选项与量表题不同，单独建立了量表：请确认")
    return [f"总体评价题“{overall.text}”的选项（{len(overall.options)}个：{'、'.join(overall.options)}）"
            "与量表题的选项不同，单独建立了量表，平均分按它自己的级数计算"]


def sections(questions: list[Draft], dimensions: list[list[Draft]]) -> tuple[list[Draft], list[Draft],
                                                                              list[str]]:
    """Profile and outcome questions, and what was decided: every single choice that is not a scale item or
    the overall question describes the respondents (profile) wherever it stands in the export — a 性别 or
    年龄段 asked after the matrix too; other questions before the first dimension are profile, the rest
    outcomes."""
    in_dims = {id(q) for d in dimensions for q in d}
    first_dim = min((questions.index(d[0]) for d in dimensions), default=len(questions))
    profile, outcomes, decisions = [], [], []
    for i, q in enumerate(questions):
        if id(q) in in_dims:
            continue
        single = q.kind == "single" and q.role != "overall"
        if q.role == "unit" or (q.kind != "likert" and q.role != "overall" and (i < first_dim or single)):
            profile.append(q)
            if i > first_dim and single and q.role != "unit":
                decisions.append(f"单选题“{q.text}”在量表题之后，作为受访者构成题（profile）")
        else:
            outcomes.append(q)
    profile.sort(key=lambda q: q.role != "unit")  # the unit question first
    return profile, outcomes, decisions


def _orders(questions: list[Draft]) -> list[str]:
    """Each scale as ``survey init`` prints it: its options from low to high and how sure the order is."""
    out: dict[tuple, str] = {}
    for q in questions:
        if q.kind != "likert" or tuple(q.options) in out:
            continue
        how = (
            "顺序由选项文字确定" if q.ordered
            else "导出只有序号，无法判断哪一端分高，请确认顺序" if q.scale == "序号"
            else "无法从选项文字判断顺序，请确认"
        )
        out[tuple(q.options)] = f"{q.scale}：{' < '.join(q.options)}（{how}）"
    return list(out.values())


def _dimensions(questions: list[Draft]) -> list[list[Draft]]:
    """Candidate dimensions: each matrix's rows; then runs of single Likert questions on one scale."""
    dims: list[list[Draft]] = []
    run: list[Draft] = []
    for q in questions:
        if q.kind != "likert" or q.role is not None:
            run = []
            continue
        if q.group is not None:
            if not (dims and dims[-1][0].group == q.group):
                dims.append([])
            dims[-1].append(q)
            run = []
        elif run and run[-1].options == q.options:
            run.append(q)
        else:
            run = [q]
            dims.append(run)
    return [d for d in dims if len(d) >= 2]  # a lone Likert question stays an outcome


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
