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
from pipeline.common.matching import Names, community_key, nearest, unit_key
from pipeline.common.names import shown, strip_invisible
from pipeline.questionnaire.words import FactWords, Overall, ReportWords, Scale, Standard, Words, scale_low
from pipeline.questionnaire.words import Figure as WordsFigure
from pipeline.wording import read_overrides

QuestionType = Literal["single", "multi", "likert", "number", "text"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Explains(_Model):
    """What one option of a "主要原因/最突出的问题" multi-select explains: the dimensions it bears on, and the
    kind of cause it is (思想认识, 工作机制, 队伍建设, 保障条件 …), by which 原因分析 groups its causes."""

    dimensions: list[str] = Field(min_length=1)
    cause: str | None = None


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
    # for a multi-select of reasons or problems: option → the dimensions it explains (and its kind of cause)
    explains: dict[str, Explains] = Field(default_factory=dict)

    @field_validator("explains", mode="before")
    @classmethod
    def _explains_lists(cls, value: object) -> object:
        """Allow the short form ``选项: [维度id, …]``."""
        if isinstance(value, dict):
            return {k: {"dimensions": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

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


class Measure(_Model):
    """A measure from practice, and what it is aimed at: ``items`` of the dimension it answers, respondent
    groups (``for``: a profile question's id → some of its options), reason options
    (``reasons``) and open-answer ``themes``; none of these: the dimension as a whole. A unit is offered first
    the measures aimed at where its problem was located."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    text: str
    items: list[str] = Field(default_factory=list)
    groups: dict[str, list[str]] = Field(default_factory=dict, alias="for")
    reasons: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)

    @property
    def general(self) -> bool:
        """Aimed at the dimension as a whole."""
        return not (self.items or self.groups or self.reasons or self.themes)


class Fact(_Model):
    """A column of the unit facts table (``data/external/<survey>/units.csv``) and how 基本情况 says it:
    ``label`` (default: the column's name), then the value, then ``measure`` (个, 名 …); ``kind``: ``count``
    (a whole number), ``number``, ``share`` (0.185 or 18.5%, shown as 18.5%) or ``text``."""

    column: str
    label: str | None = None
    measure: str = ""
    kind: Literal["count", "number", "share", "text"] = "number"


class Dimension(_Model):
    """A Likert dimension: usually one matrix question (``number``; ``text``, its stem) whose rows are the
    items."""

    id: str
    name: str
    scale: str
    number: int | None = None
    text: str | None = None
    items: list[Item] = Field(min_length=2)
    # concrete measures from practice, proposed in 对策建议 for a unit where the dimension is a problem; a
    # measure may name the items, groups, reasons and themes it answers, so that a unit is offered first
    # what fits where its problem was located
    measures: list[Measure] = Field(default_factory=list)
    # higher: a higher score is better (problems, strengths); none: descriptive — reported and compared only
    direction: Literal["higher", "none"] = "higher"
    owner: str | None = None  # 责任主体 of its ledger rows (default: the unit)
    standard: Standard | None = None  # a work target (工作目标) the unit's score is held to

    @field_validator("measures", mode="before")
    @classmethod
    def _measure_texts(cls, value: object) -> object:
        """Allow a measure as plain text."""
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value



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


class Design(_Model):
    """How the respondents were sampled, for design-based estimates: a respondent weight (a number question),
    a stratum (a single-choice question, or ``unit`` where each unit was sampled on its own) and a cluster
    (the primary sampling unit: by default the community question where there is one; ``none`` where
    respondents were drawn one by one); and raking (``rake``: single-choice questions whose population
    margins per unit the ``margins`` table gives, beside the questionnaire; ``pipeline.stats.raking``)."""

    weight: str | None = None
    strata: str | None = None
    cluster: str | None = None
    rake: list[str] = Field(default_factory=list)
    margins: str | None = None


class Questionnaire(_Model):
    id: str
    title: str
    district: str
    likert_scales: dict[str, list[str]]
    # scales whose order a draft could not read from their words: the questionnaire is refused until the
    # user has put their options in order and removed their names from this list
    unconfirmed: list[str] = Field(default_factory=list)
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
    design: Design | None = None  # declared: every estimate weighted, variances from the design
    facts: list[Fact] = Field(default_factory=list)  # unit facts (党组织数 …) 基本情况 states
    _source: Path | None = PrivateAttr(default=None)
    _wording: dict[str, str] = PrivateAttr(default_factory=dict)

    def _beside(self, name: str | None) -> Path | None:
        """A file the questionnaire names, resolved against the questionnaire file's folder."""
        if not name:
            return None
        path = Path(name)
        return (self._source.parent / path).resolve() if not path.is_absolute() and self._source else path

    def wording_files(self) -> list[Path]:
        """The wording override's templates (``report.wording``; part of what a run depends on)."""
        path = self._beside(self.report.wording)
        return sorted(path.glob("*.yaml")) if path is not None and path.is_dir() else []

    def read_wording(self) -> None:
        """Read and check the wording overrides: one Chinese sentence naming file, line and template."""
        path = self._beside(self.report.wording)
        self._wording = read_overrides(path) if path is not None else {}

    def margins_path(self) -> Path | None:
        """The design's population margins table (for raking), resolved against the questionnaire's folder."""
        return self._beside(self.design.margins) if self.design is not None else None

    def places_path(self) -> Path | None:
        """The ``places`` reference list, resolved against the questionnaire file's folder."""
        return self._beside(self.places)

    def known_places(self) -> dict[str, list[str]] | None:
        """Unit → its known communities/villages, from the ``places`` list (None if there is none)."""
        path = self.places_path()
        if path is None:
            return None
        import pandas as pd

        from pipeline.questionnaire.checks import indistinct

        table = pd.read_csv(regular_file(path, "地名参考表"), dtype=str, encoding="utf-8-sig").fillna("")
        if not {"unit", "community"} <= set(table.columns):
            raise SurveyError("地名参考表应有 unit 和 community 两列", file=str(path))
        units = Names(self.unit_question.options, unit_key)
        canonical = {}
        for written_unit in table["unit"].unique():
            found = units.match(strip_invisible(written_unit))
            if found is None:
                hint = nearest(strip_invisible(written_unit), units.names, "问卷中的单位有")
                raise SurveyError(f"地名参考表中的单位“{shown(written_unit)}”不是问卷中的单位；{hint}",
                                  file=str(path))
            canonical[written_unit] = units.names[found]
        table["unit"] = table["unit"].map(canonical)
        table["community"] = table["community"].map(strip_invisible)
        places = {u: grp["community"].tolist() for u, grp in table.groupby("unit", sort=False)}
        problems = [p for u, names in places.items()
                    for p in indistinct(f"{u}的{self.report.community_label}", Names(names, community_key))]
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

    def design_columns(self) -> tuple[str | None, str | None, str | None]:
        """The declared design's weight, stratum and cluster question ids (None: not declared; the cluster
        defaults to the community question)."""
        if self.design is None:
            return None, None, None
        d = self.design
        community = self.role("community")
        cluster = d.cluster if d.cluster is not None else (community.id if community is not None else None)
        return d.weight, d.strata, None if cluster == "none" else cluster

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

    @cached_property
    def score_shifts(self) -> dict[str, int]:
        """What turns an option code (1…k) into the option's score, per Likert item, dimension and the
        overall question: 0, or the number the lowest option carries less one (a 0–10 scale: -1). Worked out
        once: every part of the answers summed reads it."""
        shift = {d.id: scale_low(self.likert_scales.get(d.scale, [])) - 1 for d in self.dimensions}
        out = {it.id: shift[it.dimension] for it in self.likert_items if it.dimension is not None} | shift
        if self.overall is not None:
            out[self.overall.id] = scale_low(self.overall.options) - 1
        return out

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

    def words(self) -> Words:
        """The report section with every default resolved: what the reports say about this survey."""
        r = self.report
        overall = self.overall
        scales = {name: Scale(options=options,
                              favourable=[options[c - 1] for c in self.scale_codes(name, "favourable")],
                              unfavourable=[options[c - 1] for c in self.scale_codes(name, "unfavourable")],
                              low=scale_low(options))
                  for name, options in self.likert_scales.items()}
        profile = [p for p in self.profile if p.type == "single" and p.role != "unit"]
        composition = r.composition if r.composition is not None else [p.id for p in profile[:2]]
        return Words(
            topic=r.topic, area=r.area, unit_label=r.unit_label, community_label=r.community_label,
            respondents=r.respondents, rate_name=r.rate_name, rest=f"{r.area}其他{r.unit_label}",
            overall=None if overall is None else Overall(
                id=overall.id, label=r.overall_label or overall.short, options=overall.options,
                low=scale_low(overall.options),
                satisfied=[overall.options[c - 1] for c in self.satisfied_codes()]),
            scales=scales,
            dimension_scales={d.id: d.scale for d in self.dimensions},
            dimension_names=self.dimension_names(),
            profile_labels={p.id: p.short for p in profile},
            profile_figures=None if r.profile is None else [
                WordsFigure(question=f.question, options=f.options, label=f.label or "、".join(f.options))
                for f in r.profile],
            composition=composition,
            multi={q.id: q.short for q in self.questions if q.type == "multi"},
            has_community=self.role("community") is not None,
            has_open=self.role("open") is not None,
            issued=dict(self.issued),
            problems=r.problems,
            standards={d.id: d.standard for d in self.dimensions if d.standard is not None},
            descriptive=[d.id for d in self.dimensions if d.direction == "none"],
            owners={d.id: d.owner for d in self.dimensions if d.owner},
            facts=[FactWords(column=f.column, label=f.label or f.column, measure=f.measure, kind=f.kind)
                   for f in self.facts],
            rate_standard=r.rate_standard,
            deadline_months=r.deadline_months,
            wording=dict(self._wording),
        )

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        from pipeline.questionnaire.checks import problems

        found = problems(self)
        if found:
            raise ValueError("；".join(found))
        return self
