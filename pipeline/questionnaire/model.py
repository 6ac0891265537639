"""The questionnaire as a validated model: questions, Likert dimensions (usually matrix questions, with
reverse-worded items), outcomes, open-answer themes, quality rules and the report's words.

Every cross-reference is checked (scales, skip logic, roles, themes, the report section); each problem
is one Chinese sentence, which ``pipeline.questionnaire.load`` reports with the file's name.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file
from pipeline.common.matching import Names, community_key, unit_key
from pipeline.common.names import RESERVED_UNIT_NAMES, safe_name, shown

QuestionType = Literal["single", "multi", "likert", "number", "text"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Model):
    """One answerable question (a Likert item is a question of type ``likert``)."""

    id: str
    number: int | None = None
    text: str
    type: QuestionType
    role: Literal["unit", "community", "overall", "open"] | None = None
    options: list[str] = Field(default_factory=list)
    scale: str | None = None
    reverse: bool = False
    dimension: str | None = None
    show_if: dict[str, list[str]] | None = None
    max_choices: int | None = None
    min: float | None = None
    max: float | None = None
    label: str | None = None  # a short name for tables and sentences; default: from the text
    matrix: str | None = None  # for a matrix row: the matrix question's stem

    @property
    def short(self) -> str:
        """The short name reports use: ``label``, or the text without "您的/您所在的" and end punctuation."""
        if self.label:
            return self.label
        text = re.sub(r"^(?:请问)?您(?:所在)?的?", "", self.text)
        text = re.sub(r"[（(](?:单选|多选|最多选\d+项|可多选)[）)]|[？?：:。]+$", "", text).strip()
        return text if len(text) <= 16 else text[:15] + "…"

    @property
    def where(self) -> str:
        """How a message points at the question: "第8题" or "第8题（行标题）" for a matrix row."""
        if self.number is None:
            return f"题目“{self.id}”"
        return f"第{self.number}题（{self.text}）" if self.matrix else f"第{self.number}题"


class Item(_Model):
    id: str
    number: int | None = None
    text: str
    reverse: bool = False


class Dimension(_Model):
    """A Likert dimension: usually one matrix question (``number``; ``text``, its stem) whose rows are the
    items."""

    id: str
    name: str
    scale: str
    number: int | None = None
    text: str | None = None
    items: list[Item] = Field(min_length=2)
    # concrete measures from practice, proposed in 对策建议 when the dimension is significantly low
    measures: list[str] = Field(default_factory=list)


class ProfileFigure(_Model):
    """A share the 基本情况 quotes: respondents who chose any of ``options`` of ``question`` ("党员占45%")."""

    question: str
    options: list[str] = Field(min_length=1)
    label: str | None = None  # default: the options joined with 、


class ReportWords(_Model):
    """Every word a report says about the survey, with defaults that fit any questionnaire."""

    topic: str = ""  # the survey's subject: titles read "<unit><topic>调研报告"
    area: str = "全区"  # what the whole surveyed area is called in comparisons
    unit_label: str = "街道（乡镇）"  # what the units are called
    unit_kinds: dict[str, str] = Field(default_factory=lambda: {"街道": "街道", "镇": "乡镇", "乡": "乡镇"})
    community_label: str = "社区（村）"
    respondents: str = "受访者"
    rate_name: str = "总体满意率"  # never a subgroup's name: "群众满意率" reads as the rate among 群众
    overall_label: str | None = None  # how sentences name the overall question; default: its short name
    satisfied: list[str] | None = None  # options of the overall question that count as satisfied
    unfavourable: dict[str, list[str]] = Field(
        default_factory=dict
    )  # scale → options counted as unfavourable
    favourable: dict[str, list[str]] = Field(default_factory=dict)  # scale → options counted as favourable
    profile: list[ProfileFigure] | None = None
    composition: list[str] | None = (
        None  # profile questions drawn against the district; default: the first two
    )


class Theme(_Model):
    """A suggestion theme: keywords that mark an answer, and the dimensions the theme addresses."""

    keywords: list[str] = Field(min_length=1)
    dimensions: list[str] = Field(default_factory=list)


class AttentionCheck(_Model):
    """An instructed-response item ("本题请选择‘比较同意’"): any other answer fails it."""

    question: str
    expected: str


class QualityRules(_Model):
    """Data-quality rules; defaults and their sources are documented in the README."""

    speeder_fraction_of_median: float = Field(default=1 / 3, gt=0, lt=1)
    min_seconds_per_item: float = Field(default=1.0, ge=0)
    shared_ip_flag_at: int = Field(default=5, ge=2)
    straightline_min_items: int = Field(default=5, ge=3)
    duplicate_window_minutes: float = Field(default=30, ge=0)
    max_missing_share: float = Field(default=0.4, gt=0, le=1)


class Questionnaire(_Model):
    id: str
    title: str
    district: str
    likert_scales: dict[str, list[str]]
    profile: list[Question]
    dimensions: list[Dimension] = Field(min_length=1)
    outcomes: list[Question] = Field(default_factory=list)
    themes: dict[str, Theme] = Field(default_factory=dict)
    # open answers: the survey's own terms jieba must keep whole, and words that say nothing
    terms: list[str] = Field(default_factory=list)
    issued: dict[str, int] = Field(default_factory=dict)  # unit → questionnaires handed out (发放), if known
    # comparing with an earlier wave: item ids and unit names that changed (current → earlier)
    renamed: dict[str, str] = Field(default_factory=dict)
    renamed_units: dict[str, str] = Field(default_factory=dict)
    stop_words: list[str] = Field(default_factory=list)
    quality: QualityRules = QualityRules()
    attention_checks: list[AttentionCheck] = Field(default_factory=list)
    places: str | None = (
        None  # CSV (unit, community) of known communities, relative to the questionnaire file
    )
    report: ReportWords = ReportWords()
    _source: Path | None = PrivateAttr(default=None)

    def places_path(self) -> Path | None:
        """The ``places`` reference list, resolved against the questionnaire file's folder."""
        if not self.places:
            return None
        path = Path(self.places)
        if not path.is_absolute() and self._source is not None:
            path = (self._source.parent / path).resolve()
        return path

    def known_places(self) -> dict[str, list[str]] | None:
        """Unit → its known communities/villages, from the ``places`` list (None if there is none)."""
        path = self.places_path()
        if path is None:
            return None
        import pandas as pd

        table = pd.read_csv(regular_file(path, "地名参考表"), dtype=str, encoding="utf-8-sig").fillna("")
        if not {"unit", "community"} <= set(table.columns):
            raise SurveyError("地名参考表应有 unit 和 community 两列", file=str(path))
        places = {u: grp["community"].str.strip().tolist() for u, grp in table.groupby("unit")}
        problems = [p for u, names in places.items()
                    for p in _indistinct(f"{u}的{self.report.community_label}", Names(names, community_key))]
        if problems:
            raise SurveyError("地名参考表有误：" + "；".join(problems), file=str(path))
        return places

    @field_validator("themes", mode="before")
    @classmethod
    def _theme_lists(cls, value: object) -> object:
        """Allow the short form ``主题: [关键词, …]``."""
        if isinstance(value, dict):
            return {k: {"keywords": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    def theme_keywords(self) -> dict[str, list[str]]:
        return {name: t.keywords for name, t in self.themes.items()}

    @cached_property
    def questions(self) -> list[Question]:
        """All questions in questionnaire order, Likert items expanded with their dimension."""
        out = list(self.profile)
        for dim in self.dimensions:
            for item in dim.items:
                out.append(
                    Question(
                        id=item.id,
                        number=item.number if item.number is not None else dim.number,
                        text=item.text,
                        type="likert",
                        scale=dim.scale,
                        reverse=item.reverse,
                        dimension=dim.id,
                        options=self.likert_scales.get(dim.scale, []),
                        matrix=(dim.text or dim.name)
                        if item.number is None and dim.number is not None
                        else None,
                    )
                )
        for q in self.outcomes:
            if q.type == "likert" and not q.options:
                q = q.model_copy(update={"options": self.likert_scales.get(q.scale or "", [])})
            out.append(q)
        return out

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def role(self, role: str) -> Question | None:
        """The question playing ``role`` (unit, community, overall, open), if any."""
        return next((q for q in self.questions if q.role == role), None)

    @property
    def unit_question(self) -> Question:
        q = self.role("unit")
        assert q is not None  # guaranteed by validation
        return q

    @property
    def likert_items(self) -> list[Question]:
        return [q for q in self.questions if q.dimension is not None]

    def dimension_items(self) -> dict[str, list[str]]:
        """Dimension id -> item ids."""
        return {d.id: [i.id for i in d.items] for d in self.dimensions}

    def dimension_names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.dimensions}

    def scale_codes(self, scale: str, side: str) -> list[int]:
        """Codes (1-based) of a scale's ``side`` ("favourable" or "unfavourable") options: as the report
        section names them, or by default the upper or lower part of the scale (below or above its middle)."""
        options = self.likert_scales[scale]
        named = (self.report.favourable if side == "favourable" else self.report.unfavourable).get(scale)
        if named:
            return [options.index(o) + 1 for o in named]
        k = len(options)
        return list(range(k - k // 2 + 1, k + 1)) if side == "favourable" else list(range(1, k // 2 + 1))

    @property
    def overall(self) -> Question | None:
        return self.role("overall")

    def satisfied_codes(self) -> list[int]:
        """Codes of the overall question's options that count as satisfied (the report's ``satisfied`` labels,
        or the upper part of its scale — never "the top two codes" whatever the scale)."""
        q = self.overall
        if q is None:
            return []
        if self.report.satisfied:
            return [q.options.index(o) + 1 for o in self.report.satisfied]
        k = len(q.options)
        return list(range(k - k // 2 + 1, k + 1))

    def advice(self) -> list[str]:
        """What loads but may mislead a reader: one Chinese sentence each (the CLI shows them as 提示)."""
        out = []
        rate = self.report.rate_name
        for p in self.profile:
            groups = p.options if p.type == "single" and p.role != "unit" else []
            named = [o for o in groups if len(o) >= 2 and o in rate]
            if named:
                out.append(f"满意率的叫法“{rate}”含有“{p.short}”题的选项“{named[0]}”，读者会以为这是"
                           f"“{named[0]}”这类{self.report.respondents}的满意率；"
                           "建议在问卷定义的 report.rate_name 中改为“总体满意率”之类的叫法")
        return out

    def unit_kind(self, name: str) -> str:
        """The kind of a unit (街道, 乡镇 …) from the end of its name, per ``report.unit_kinds``."""
        for suffix, kind in sorted(self.report.unit_kinds.items(), key=lambda kv: -len(kv[0])):
            if name.endswith(suffix):
                return kind
        return self.report.unit_label

    def words(self) -> dict:
        """The report section with every default resolved: what the reports say about this survey."""
        r = self.report
        overall = self.overall
        scales = {}
        for name, options in self.likert_scales.items():
            scales[name] = {"options": options,
                            "favourable": [options[c - 1] for c in self.scale_codes(name, "favourable")],
                            "unfavourable": [options[c - 1] for c in self.scale_codes(name, "unfavourable")]}
        profile = [p for p in self.profile if p.type == "single" and p.role != "unit"]
        composition = r.composition if r.composition is not None else [p.id for p in profile[:2]]
        return {
            "topic": r.topic,
            "area": r.area,
            "unit_label": r.unit_label,
            "community_label": r.community_label,
            "respondents": r.respondents,
            "rate_name": r.rate_name,
            "rest": f"{r.area}其他{r.unit_label}",
            "overall": None
            if overall is None
            else {
                "id": overall.id,
                "label": r.overall_label or overall.short,
                "options": overall.options,
                "satisfied": [overall.options[c - 1] for c in self.satisfied_codes()],
            },
            "scales": scales,
            "dimension_scales": {d.id: d.scale for d in self.dimensions},
            "profile_labels": {p.id: p.short for p in profile},
            "profile_figures": None
            if r.profile is None
            else [
                {"question": f.question, "options": f.options, "label": f.label or "、".join(f.options)}
                for f in r.profile
            ],
            "composition": composition,
            "multi": {q.id: q.short for q in self.questions if q.type == "multi"},
            "has_community": self.role("community") is not None,
            "has_open": self.role("open") is not None,
            "issued": dict(self.issued),
        }

    @model_validator(mode="after")
    def _check_references(self) -> Questionnaire:
        problems: list[str] = []
        for name, options in self.likert_scales.items():
            if len(options) < 2:
                problems.append(f"量表“{name}”至少需要两个选项")
            problems += _indistinct(f"量表“{name}”的选项", Names(options))
        ids: dict[str, int] = {}
        numbers: dict[int, str] = {}
        all_q = list(self.profile) + list(self.outcomes)
        numbered: list = list(all_q)
        for dim in self.dimensions:
            if dim.scale not in self.likert_scales:
                problems.append(f"维度“{dim.id}”引用了不存在的量表“{dim.scale}”（可用：{'、'.join(self.likert_scales)}）")
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
        dim_ids = [d.id for d in self.dimensions]
        problems += [f"维度 id“{d}”重复" for d in set(dim_ids) if dim_ids.count(d) > 1]
        by_id = {q.id: q for q in self.profile + self.outcomes}
        for q in self.profile + self.outcomes:
            if q.type in ("single", "multi") and len(q.options) < 2:
                problems.append(f"题目“{q.id}”是选择题，至少需要两个选项")
            if q.type == "likert" and (q.scale not in self.likert_scales):
                problems.append(f"题目“{q.id}”引用了不存在的量表“{q.scale}”")
            if len(set(q.options)) != len(q.options):
                problems.append(f"题目“{q.id}”的选项有重复")
            elif q.role != "unit":
                problems += _indistinct(f"题目“{q.id}”的选项", Names(q.options))
            for ref, values in (q.show_if or {}).items():
                target = by_id.get(ref)
                if target is None:
                    problems.append(f"题目“{q.id}”的跳题条件引用了不存在的题目“{ref}”")
                    continue
                unknown = [v for v in values if v not in target.options]
                if unknown:
                    problems.append(
                        f"题目“{q.id}”的跳题条件中，选项“{'、'.join(unknown)}”不是题目“{ref}”的选项"
                    )
        roles = [q.role for q in self.profile + self.outcomes if q.role]
        for role in set(roles):
            if roles.count(role) > 1:
                problems.append(f"角色“{role}”只能由一道题承担")
        unit_q = next((q for q in self.profile if q.role == "unit"), None)
        if unit_q is None:
            problems.append(
                "缺少标注 role: unit 的“所在单位”题目（如“您所在的街道（乡镇）”），报告按它分单位生成"
            )
        elif unit_q.type != "single":
            problems.append(f"题目“{unit_q.id}”（role: unit）必须是单选题")
        known_dims = set(dim_ids)
        for theme, spec in self.themes.items():
            unknown = [d for d in spec.dimensions if d not in known_dims]
            if unknown:
                problems.append(f"意见建议主题“{theme}”引用了不存在的维度“{'、'.join(unknown)}”")
        expanded = {q.id: q for q in self.questions}
        for check in self.attention_checks:
            target = expanded.get(check.question)
            if target is None:
                problems.append(f"注意力检测引用了不存在的题目“{check.question}”")
            elif check.expected not in target.options:
                problems.append(f"注意力检测的正确答案“{check.expected}”不是题目“{check.question}”的选项"
                                f"（可选：{'、'.join(target.options) or '无'}）")
        for q in self.profile + self.outcomes:
            if q.reverse:
                problems.append(f"题目“{q.id}”标注了 reverse: true，但反向计分只用于 dimensions 下的量表题")
            if q.max_choices is not None and (q.type != "multi" or not 1 <= q.max_choices <= len(q.options)):
                problems.append(f"题目“{q.id}”的 max_choices 应为多选题的 1 到选项数之间的整数")
            if q.min is not None and q.max is not None and q.min > q.max:
                problems.append(f"题目“{q.id}”的 min 大于 max")
        if unit_q is not None:
            problems += _unit_name_problems(unit_q)
        problems += self._role_problems() + self._report_problems()
        if problems:
            raise ValueError("；".join(problems))
        return self

    def _role_problems(self) -> list[str]:
        allowed = {"overall": ("likert", "single"), "open": ("text",), "community": ("text", "single")}
        names = {
            "overall": "总体评价题（role: overall）",
            "open": "意见建议题（role: open）",
            "community": "社区（村）题（role: community）",
        }
        types = {"likert": "量表题", "single": "单选题", "text": "填空题"}
        return [f"{names[q.role]}“{q.id}”应为{'或'.join(types[t] for t in allowed[q.role])}"
                for q in self.profile + self.outcomes if q.role in allowed and q.type not in allowed[q.role]]

    def _report_problems(self) -> list[str]:
        """The report section must name what exists: scales, options, profile questions."""
        r, problems = self.report, []
        overall = next((q for q in self.profile + self.outcomes if q.role == "overall"), None)
        if r.satisfied is not None:
            if overall is None:
                problems.append("report.satisfied 指定了“满意”的选项，但问卷没有总体评价题（role: overall）")
            else:
                options = overall.options or self.likert_scales.get(overall.scale or "", [])
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
                if scale not in self.likert_scales:
                    problems.append(
                        f"report.{side} 引用了不存在的量表“{scale}”（可用：{'、'.join(self.likert_scales)}）"
                    )
                    continue
                unknown = [o for o in labels if o not in self.likert_scales[scale]]
                if unknown:
                    problems.append(f"report.{side} 中量表“{scale}”没有选项“{'、'.join(unknown)}”")
                elif not labels or len(set(labels)) == len(self.likert_scales[scale]):
                    problems.append(f"report.{side} 中量表“{scale}”应是一部分选项，不能为空或全部选项")
        for scale in set(r.unfavourable) & set(r.favourable):
            both = set(r.unfavourable[scale]) & set(r.favourable[scale])
            if both:
                problems.append(f"量表“{scale}”的选项“{'、'.join(sorted(both))}”不能既算正面评价又算负面评价")
        singles = {p.id: p for p in self.profile if p.type == "single" and p.role != "unit"}
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


def _indistinct(what: str, names: Names) -> list[str]:
    """Names that tolerant matching of answers could not tell apart: one sentence per pair."""
    return [f"{what}“{shown(a)}”和“{shown(b)}”在匹配答案时无法区分（去掉空格、标点和“街道办事处”等后缀，"
            "统一全半角和繁简体后相同），否则一方的答卷会被算到另一方名下，请改得更易区分"
            for a, b in names.collisions()]


def _unit_name_problems(unit_q: Question) -> list[str]:
    """Unit names are matched tolerantly and become file names: no two may match the same answers or make the
    same file name (nor a reserved one)."""
    problems = _indistinct("单位", Names(unit_q.options, unit_key))
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
