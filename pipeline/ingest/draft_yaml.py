"""A drafted questionnaire written as YAML a person can check: every guess marked "请确认" in a Chinese
comment, scales whose order the words do not establish listed under ``unconfirmed`` (the questionnaire is
refused until the user has put them in order and removed them from the list)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from pipeline.ingest.draft_model import Draft

UNORDERED = "  # 请确认顺序：无法从选项文字判断高低"
DISTRICT_IN_TITLE = re.compile(r"^(?P<district>.{1,8}?(?:区|县|市|旗|镇|乡|街道))")


def _y(value) -> str:
    """A YAML scalar or flow list on one line."""
    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def _scales(questions: list[Draft]) -> tuple[dict[tuple, str], set[tuple]]:
    """Each distinct Likert option list named scale1, scale2 …, and those whose order words cannot tell."""
    scales: dict[tuple, str] = {}
    unordered: set[tuple] = set()
    for q in questions:
        if q.kind == "likert" and tuple(q.options) not in scales:
            scales[tuple(q.options)] = f"scale{len(scales) + 1}"
        if q.kind == "likert" and not q.ordered:
            unordered.add(tuple(q.options))
    return scales, unordered


def _head(path: Path, title: str, notes: list[str], fmt: str, scales: dict[tuple, str],
          unordered: set[tuple]) -> list[str]:
    """What to check, the survey's id, title and district, and its scales."""
    district = DISTRICT_IN_TITLE.match(title)
    return [
        f"# 由 survey init 根据导出文件“{path.name}”起草（{date.today():%Y-%m-%d}，格式 {fmt}）。",
        "# 请逐项核对，尤其是标有“请确认”的地方：",
        "# 题目类型、选项顺序、量表维度的划分和名称、反向题、各题的角色（role）。",
        "# 改好后运行：survey run -q 本文件 -i 导出文件 -s 调查名称",
        *(f"# 读取说明：{n}" for n in notes),
        "",
        "id: " + _y(re.sub(r"\W", "_", path.stem).strip("_")[:40] or "survey"),
        "title: " + _y(title) + "  # 请确认：调查名称（报告标题用）",
        "district: " + _y(district.group("district") if district else "本区") + "  # 请确认：区县名称",
        "",
        "# 量表选项一律从低分到高分排列（第一个选项计1分）",
        "likert_scales:",
        *(f"  {name}: {_y(list(opts))}" + (UNORDERED if opts in unordered else "")
          for opts, name in scales.items()),
        *([] if scales else ["  {}"]),
        *(["# 请确认：下列量表的顺序无法从选项文字判断。按从低分到高分排好后，从这一行删去它的名称；",
           "# 列表为空之前，survey run 不会使用这份问卷。只有序号（'1', '2', …）的量表：",
           "# 若问卷中第1个选项是最低一档，保持原样；",
           "# 若第1个选项是最高一档（如“非常满意”），倒过来写（如 ['5', '4', '3', '2', '1']）。",
           "unconfirmed: " + _y([scales[o] for o in scales if o in unordered])] if unordered else []),
    ]


def _dimension(k: int, dim: list[Draft], scales: dict[tuple, str]) -> list[str]:
    """One drafted dimension: id, name, scale, its matrix number and text, its items."""
    head = dim[0]
    name = head.stem or (f"第{head.matrix}题" if head.matrix is not None else f"维度{k}")
    lines = [f"  - id: d{k}", f"    name: {_y(name)}  # 请确认：维度名称（报告用）",
             f"    scale: {scales[tuple(head.options)]}"]
    if head.group is not None and head.matrix is not None:
        lines.append(f"    number: {head.matrix}")
    if head.stem:
        lines.append(f"    text: {_y(head.stem)}")
    if head.group is None:
        lines.append("    # 这几道题是连续的同一量表题，暂合为一个维度：请确认划分")
    lines.append("    items:")
    for q in dim:
        item = {"id": q.id, "text": q.text}
        if (head.group is None or head.matrix is None) and q.number is not None:
            item = {"id": q.id, "number": q.number, "text": q.text}
        if q.reverse:
            item["reverse"] = True
        lines.append(f"      - {_y(item)}" + ("  # 请确认：疑似反向表述" if q.reverse else ""))
    return lines


def emit_yaml(
    path: Path,
    title: str,
    questions: list[Draft],
    parts: tuple[list[Draft], list[list[Draft]], list[Draft]],
    notes: list[str],
    fmt: str,
    hints: list[str],
) -> str:
    """The draft as commented YAML: scales, ``parts`` (profile, dimensions, outcomes), an empty themes
    dictionary with hints, and the report's words."""
    scales, unordered = _scales(questions)
    district = DISTRICT_IN_TITLE.match(title)
    topic = re.sub(
        r"(?:情况)?(?:调查问卷|问卷调查|调查|问卷|调研)$", "", title[district.end() :] if district else title
    )
    profile, dimensions, outcomes = parts
    lines = [
        *_head(path, title, notes, fmt, scales, unordered),
        "",
        "profile:",
        *[ln for q in profile for ln in _question(q, scales)],
        "",
        "dimensions:",
        *[ln for k, dim in enumerate(dimensions, start=1) for ln in _dimension(k, dim, scales)],
        "",
        "outcomes:" if outcomes else "outcomes: []",
        *[ln for q in outcomes for ln in _question(q, scales)],
        "",
        "# 意见建议主题词典（可选）：一条意见含某主题的任一关键词即计入该主题；",
        "# dimensions 为该主题对应的维度 id，例如：",
        "#   减负: {keywords: [填表, 报表, 留痕], dimensions: [d7]}",
        *([f"# 意见建议中的常见词（供设置主题参考）：{'、'.join(hints)}"] if hints else []),
        "themes: {}",
        "",
        "report:",
        f"  topic: {_y(topic or title)}  # 请确认：报告标题中的主题（“某某街道<主题>调研报告”）",
        "  rate_name: 总体满意率  # 总体评价题“满意”的比例的叫法；不要用某一类受访者的名称（如“群众”）",
    ]
    return "\n".join(lines) + "\n"


def _question(q: Draft, scales: dict[tuple, str]) -> list[str]:
    out = [f"  - id: {q.id}"]
    if q.number is not None:
        out.append(f"    number: {q.number}")
    out += [f"    text: {_y(q.text)}", f"    type: {q.kind}"]
    if q.role:
        out.append(f"    role: {q.role}  # 请确认")
    if q.kind == "likert":
        out.append(f"    scale: {scales[tuple(q.options)]}")
    elif q.options:
        out.append(f"    options: {_y(q.options)}")
    if q.max_choices:
        out.append(f"    max_choices: {q.max_choices}")
    if q.minimum is not None:
        out += [f"    min: {q.minimum:g}", f"    max: {q.maximum:g}"]
    if q.show_if:
        out.append(f"    show_if: {_y(q.show_if)}  # 请确认：由“(跳过)”推断的跳题逻辑")
    out += [f"    # {n}" for n in q.notes]
    return out
