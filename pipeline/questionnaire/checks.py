"""A questionnaire's consistency, one Chinese sentence per problem: every cross-reference (scales, skip logic,
roles, themes, the report section), names that matching or file names could not tell apart, and options of
a choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.common.errors import SurveyError
from pipeline.common.matching import Names, unit_key
from pipeline.common.names import RESERVED_UNIT_NAMES, safe_name, shown

if TYPE_CHECKING:
    from pipeline.questionnaire.model import Question, Questionnaire


def problems(qn: Questionnaire) -> list[str]:
    """Every inconsistency of a questionnaire, one Chinese sentence each (none when it is consistent)."""
    unit_q = next((q for q in qn.profile if q.role == "unit"), None)
    dims = {d.id for d in qn.dimensions}
    return (_scale_problems(qn) + _id_problems(qn) + _question_problems(qn) + _unit_problems(qn, unit_q)
            + _reference_problems(qn, dims) + _explains_problems(qn, dims) + _role_problems(qn)
            + _report_problems(qn) + _design_problems(qn))


def _design_problems(qn: Questionnaire) -> list[str]:
    """A declared design names questions that exist and can play their part."""
    if qn.design is None:
        return []
    by_id = {q.id: q for q in qn.questions}
    d, problems = qn.design, []
    if d.weight is None and d.strata is None and d.cluster is None and not d.rake:
        problems.append("design 中至少应有 weight（权重题）、strata（分层题）、cluster（整群题）"
                        "或 rake（加权题）之一")
    for qid in d.rake:
        if qid not in by_id or by_id[qid].type != "single" or by_id[qid].role is not None:
            problems.append(f"design.rake 应列出问卷中受访者信息的单选题（不含单位、社区），“{qid}”不是")
    if len(set(d.rake)) != len(d.rake):
        problems.append("design.rake 中有重复的题目")
    if d.margins is not None and not d.rake:
        problems.append("design.margins（人口边际表）只用于 rake：请同时在 rake 中列出加权题")
    if d.weight is not None and (d.weight not in by_id or by_id[d.weight].type != "number"):
        problems.append(f"design.weight 应是问卷中的数字题（type: number），“{d.weight}”不是")
    for part, name in (("strata", d.strata), ("cluster", d.cluster)):
        usable = name in by_id and by_id[name].type in ("single", "text")
        if name is None or name in ("none", "unit") or usable:
            continue
        problems.append(f"design.{part} 应是问卷中的单选题或填空题的编号（或 unit），“{name}”不是")
    if d.cluster == "unit":
        problems.append("design.cluster 不能是 unit：各单位是比较的对象，整群应是单位内的社区（村）等")
    return problems


def _scale_problems(qn: Questionnaire) -> list[str]:
    """Scales confirmed, of two options at least, distinct."""
    problems = [
        f"量表“{name}”（{'、'.join(qn.likert_scales.get(name, [])) or '不存在的量表'}）的顺序尚未确认："
        f"请把选项按从低分到高分排好，再从 unconfirmed 中删去“{name}”"
        for name in qn.unconfirmed
    ]
    for name, options in qn.likert_scales.items():
        if len(options) < 2:
            problems.append(f"量表“{name}”至少需要两个选项")
        problems += indistinct(f"量表“{name}”的选项", Names(options))
    return problems


def _id_problems(qn: Questionnaire) -> list[str]:
    """Dimensions on existing scales; question ids, numbers and dimension ids each used once."""
    problems: list[str] = []
    ids: dict[str, int] = {}
    numbers: dict[int, str] = {}
    all_q = list(qn.profile) + list(qn.outcomes)
    numbered: list = list(all_q)
    for dim in qn.dimensions:
        if dim.scale not in qn.likert_scales:
            problems.append(f"维度“{dim.id}”引用了不存在的量表“{dim.scale}”（可用：{'、'.join(qn.likert_scales)}）")
        all_q.extend(dim.items)  # type: ignore[arg-type]
        numbered += [dim] if dim.number is not None else []
        numbered += [i for i in dim.items if i.number is not None]
    for q in all_q:
        ids[q.id] = ids.get(q.id, 0) + 1
    for q in numbered:
        if q.number is not None:
            if q.number in numbers:
                problems.append(f"题目“{q.id}”的题号 {q.number} 与题目“{numbers[q.number]}”重复")
            numbers[q.number] = q.id
    problems += [f"题目 id“{i}”重复出现 {n} 次" for i, n in ids.items() if n > 1]
    dim_ids = [d.id for d in qn.dimensions]
    return problems + [f"维度 id“{d}”重复" for d in set(dim_ids) if dim_ids.count(d) > 1]


def _question_problems(qn: Questionnaire) -> list[str]:
    """Each profile and outcome question: options, scale, skip logic, and the fields only some types have."""
    problems: list[str] = []
    by_id = {q.id: q for q in qn.profile + qn.outcomes}
    for q in qn.profile + qn.outcomes:
        if q.type in ("single", "multi") and len(q.options) < 2:
            problems.append(f"题目“{q.id}”是选择题，至少需要两个选项")
        if q.type == "likert" and (q.scale not in qn.likert_scales):
            problems.append(f"题目“{q.id}”引用了不存在的量表“{q.scale}”")
        if len(set(q.options)) != len(q.options):
            problems.append(f"题目“{q.id}”的选项有重复")
        elif q.role != "unit":
            problems += indistinct(f"题目“{q.id}”的选项", Names(q.options))
        for ref, values in (q.show_if or {}).items():
            target = by_id.get(ref)
            if target is None:
                problems.append(f"题目“{q.id}”的跳题条件引用了不存在的题目“{ref}”")
                continue
            unknown = [v for v in values if v not in target.options]
            if unknown:
                problems.append(f"题目“{q.id}”的跳题条件中，选项“{'、'.join(unknown)}”不是题目“{ref}”的选项")
        if q.reverse:
            problems.append(f"题目“{q.id}”标注了 reverse: true，但反向计分只用于 dimensions 下的量表题")
        if q.max_choices is not None and (q.type != "multi" or not 1 <= q.max_choices <= len(q.options)):
            problems.append(f"题目“{q.id}”的 max_choices 应为多选题的 1 到选项数之间的整数")
        if q.min is not None and q.max is not None and q.min > q.max:
            problems.append(f"题目“{q.id}”的 min 大于 max")
    return problems


def _unit_problems(qn: Questionnaire, unit_q) -> list[str]:
    """Each role held by one question; the unit question there, single choice, its names distinct."""
    roles = [q.role for q in qn.profile + qn.outcomes if q.role]
    problems = [f"角色“{role}”只能由一道题承担" for role in set(roles) if roles.count(role) > 1]
    if unit_q is None:
        problems.append("缺少标注 role: unit 的“所在单位”题目（如“您所在的街道（乡镇）”），"
                        "报告按它分单位生成")
        return problems
    if unit_q.type != "single":
        problems.append(f"题目“{unit_q.id}”（role: unit）必须是单选题")
    return problems + _unit_name_problems(unit_q)


def _reference_problems(qn: Questionnaire, dimensions: set[str]) -> list[str]:
    """Themes name existing dimensions; attention checks existing questions and options."""
    problems: list[str] = []
    for theme, spec in qn.themes.items():
        unknown = [d for d in spec.dimensions if d not in dimensions]
        if unknown:
            problems.append(f"意见建议主题“{theme}”引用了不存在的维度“{'、'.join(unknown)}”")
    expanded = {q.id: q for q in qn.questions}
    for check in qn.attention_checks:
        target = expanded.get(check.question)
        if target is None:
            problems.append(f"注意力检测引用了不存在的题目“{check.question}”")
        elif check.expected not in target.options:
            problems.append(f"注意力检测的正确答案“{check.expected}”不是题目“{check.question}”的选项"
                            f"（可选：{'、'.join(target.options) or '无'}）")
    return problems


def _explains_problems(qn: Questionnaire, dimensions: set[str]) -> list[str]:
    """What a multi-select's options explain, and what a dimension's measures answer, must exist."""
    problems = []
    for q in qn.profile + qn.outcomes:
        if q.explains and q.type != "multi":
            problems.append(f"题目“{q.id}”的 explains 只用于多选题")
        for option, spec in q.explains.items():
            if option not in q.options:
                problems.append(f"题目“{q.id}”的 explains 中“{option}”不是它的选项")
            unknown = [d for d in spec.dimensions if d not in dimensions]
            if unknown:
                problems.append(f"题目“{q.id}”的 explains 中选项“{option}”引用了不存在的维度"
                                f"“{'、'.join(unknown)}”")
    singles = {q.id: q for q in qn.profile if q.type == "single" and q.role != "unit"}
    reasons = {o for q in qn.profile + qn.outcomes for o in q.explains}
    for dim in qn.dimensions:
        items = {i.id for i in dim.items}
        for m in dim.measures:
            where = f"维度“{dim.id}”的对策“{m.text[:12]}…”"
            unknown = [i for i in m.items if i not in items]
            if unknown:
                problems.append(f"{where}对应的题目“{'、'.join(unknown)}”不在这个维度中")
            for question, options in m.groups.items():
                q = singles.get(question)
                if q is None:
                    problems.append(f"{where}的 for 引用的“{question}”不是基本情况中的单选题"
                                    f"（可用：{'、'.join(singles) or '无'}）")
                elif stray := [o for o in options if o not in q.options]:
                    problems.append(f"{where}的 for 中“{'、'.join(stray)}”"
                                    f"不是“{question}”的选项（可选：{'、'.join(q.options)}）")
            if stray := [r for r in m.reasons if r not in reasons]:
                problems.append(f"{where}的 reasons 中“{'、'.join(stray)}”不是任何原因题（explains）中的选项")
            if stray := [t for t in m.themes if t not in qn.themes]:
                problems.append(f"{where}的 themes 中“{'、'.join(stray)}”"
                                f"不是意见建议主题（可用：{'、'.join(qn.themes) or '无'}）")
    return problems


def _role_problems(qn: Questionnaire) -> list[str]:
    allowed = {"overall": ("likert", "single"), "open": ("text",), "community": ("text", "single")}
    names = {
        "overall": "总体评价题（role: overall）",
        "open": "意见建议题（role: open）",
        "community": "社区（村）题（role: community）",
    }
    types = {"likert": "量表题", "single": "单选题", "text": "填空题"}
    return [f"{names[q.role]}“{q.id}”应为{'或'.join(types[t] for t in allowed[q.role])}"
            for q in qn.profile + qn.outcomes if q.role in allowed and q.type not in allowed[q.role]]


def _report_problems(qn: Questionnaire) -> list[str]:
    """The report section must name what exists: scales, options, profile questions."""
    r, problems = qn.report, []
    overall = next((q for q in qn.profile + qn.outcomes if q.role == "overall"), None)
    if r.satisfied is not None:
        if overall is None:
            problems.append("report.satisfied 指定了“满意”的选项，但问卷没有总体评价题（role: overall）")
        else:
            options = overall.options or qn.likert_scales.get(overall.scale or "", [])
            unknown = [o for o in r.satisfied if o not in options]
            if unknown:
                problems.append(
                    f"report.satisfied 中的“{'、'.join(unknown)}”不是总体评价题“{overall.id}”的选项"
                    f"（可选：{'、'.join(options)}）"
                )
            elif not r.satisfied or set(r.satisfied) == set(options):
                problems.append("report.satisfied 应是总体评价题的一部分选项（全选时满意率恒为100%）")
    for side, table in (("unfavourable", r.unfavourable), ("favourable", r.favourable)):
        for scale, labels in table.items():
            if scale not in qn.likert_scales:
                problems.append(
                    f"report.{side} 引用了不存在的量表“{scale}”（可用：{'、'.join(qn.likert_scales)}）"
                )
                continue
            unknown = [o for o in labels if o not in qn.likert_scales[scale]]
            if unknown:
                problems.append(f"report.{side} 中量表“{scale}”没有选项“{'、'.join(unknown)}”")
            elif not labels or len(set(labels)) == len(qn.likert_scales[scale]):
                problems.append(f"report.{side} 中量表“{scale}”应是一部分选项，不能为空或全部选项")
    for scale in set(r.unfavourable) & set(r.favourable):
        both = set(r.unfavourable[scale]) & set(r.favourable[scale])
        if both:
            problems.append(f"量表“{scale}”的选项“{'、'.join(sorted(both))}”不能既算正面评价又算负面评价")
    singles = {p.id: p for p in qn.profile if p.type == "single" and p.role != "unit"}
    for f in r.profile or []:
        q = singles.get(f.question)
        if q is None:
            problems.append(
                f"report.profile 引用的“{f.question}”不是基本情况中的单选题"
                f"（可用：{'、'.join(singles) or '无'}）"
            )
        elif [o for o in f.options if o not in q.options]:
            problems.append(
                f"report.profile 中题目“{f.question}”没有选项"
                f"“{'、'.join(o for o in f.options if o not in q.options)}”"
            )
    for qid in r.composition or []:
        if qid not in singles:
            problems.append(
                f"report.composition 引用的“{qid}”不是基本情况中的单选题"
                f"（可用：{'、'.join(singles) or '无'}）"
            )
    return problems


def indistinct(what: str, names: Names) -> list[str]:
    """Names that tolerant matching of answers could not tell apart: one sentence per pair."""
    return [f"{what}“{shown(a)}”和“{shown(b)}”在匹配答案时无法区分（去掉空格、标点和“街道办事处”等后缀，"
            "统一全半角和繁简体后相同），否则一方的答卷会被算到另一方名下，请改得更易区分"
            for a, b in names.collisions()]


def _unit_name_problems(unit_q: Question) -> list[str]:
    """Unit names are matched tolerantly and become file names: no two may match the same answers or make the
    same file name (nor a reserved one)."""
    problems = indistinct("单位", Names(unit_q.options, unit_key))
    seen: dict[str, str] = {}
    for name in unit_q.options:
        if name in RESERVED_UNIT_NAMES:
            problems.append(f"单位不能叫“{name}”（这个名称留给全区汇总、总体情况报告、目录页或未填单位的答卷）")
            continue
        try:
            key = safe_name(name, "单位名称").casefold()
        except SurveyError as exc:
            problems.append(exc.message)
            continue
        if key in seen:
            problems.append(f"单位“{shown(name)}”和“{shown(seen[key])}”作为文件名时相同，请改得更易区分")
        seen[key] = name
    return problems
