"""The passes over a whole drafted questionnaire: roles (unit, community, overall, open), skip logic, coded
runs, ids, the overall question's own scale, dimensions and the sections they go in."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.ingest.draft_model import (
    BLANK,
    CODE_MAX,
    COMMUNITY_WORDS,
    OPEN_WORDS,
    OVERALL_WORDS,
    UNIT_WORDS,
    Draft,
)
from pipeline.ingest.formats import (
    SKIP_MARKERS,
)


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


