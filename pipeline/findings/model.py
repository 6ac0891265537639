"""The findings' contract: what a unit's (and the district's) findings hold — the rows chosen (problems with
their evidence, causes, measures) and the sentences written from them — as the builder writes them and the
report composer reads them. Stored as JSON, one file per unit (``findings/<unit>.json``).

Kept free of heavy imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.common.formatting import Number

Evidence = Literal["significant", "persistent", "district_wide", "negative", "weakest"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Section(_Model):
    text: list[str]  # the paragraphs, in order


class Basic(Section):
    received: int
    valid: int
    rejected: int
    rejected_by_rule: dict[str, int]
    communities: int | None = None
    suggestions: int | None = None
    satisfaction_rate: float | None = None


class ItemGap(_Model):
    item: str
    text: str
    mean: float
    rest_mean: Number = None
    significant: bool | None = None
    unfavourable: Number = None


class Problem(_Model):
    """One of a unit's problems: a dimension, the evidence that makes it one, its figures and its items."""

    dimension: str
    name: str
    evidence: list[Evidence]
    mean: float
    rest_mean: Number = None
    area_mean: float
    points: int  # the dimension's scale: "3.05分（5分制）"
    rank: int  # 1: the unit's lowest dimension
    dimensions: int
    diff: Number = None
    hedges_g: Number = None
    p_fdr: Number = None
    unfavourable: Number = None
    area_unfavourable: Number = None
    items: list[ItemGap] = []


class Change(_Model):
    wave: str
    dimension: str
    name: str
    mean_prev: float
    mean: float
    direction: str  # 提高 / 下降


class Choice(_Model):
    question: str
    option: str
    share: float
    ci_low: float
    ci_high: float


class Problems(Section):
    items: list[Problem]
    strengths: list[str] = []  # dimensions significantly above the rest, or the unit's best
    changes: list[Change] = []  # significant changes since earlier waves
    top_choices: list[Choice] = []


class Cause(_Model):
    """A piece of evidence on why a problem is there: a claim with its figure, and a respondent's words."""

    dimension: str
    kind: Literal["reason", "concentration", "item", "theme", "association"]
    text: str
    quote: str | None = None


class Causes(Section):
    items: list[Cause]
    concentrated: dict[str, list[str]] = {}  # dimension → the groups where its low score concentrates


class Theme(_Model):
    theme: str
    count: int
    problems: list[str]
    quotes: list[str]


class Measure(_Model):
    dimension: str
    name: str
    measures: list[str]  # from the questionnaire's measures library, those fitting the unit first
    quotes: list[str]  # the unit's own suggestions on this problem


class Suggestions(Section):
    count: int | None
    themes: list[Theme]
    measures: list[Measure] = []


class UnitFindings(_Model):
    """One unit's findings, in the shape of a 调研报告."""

    unit: str
    kind: str
    survey_title: str
    district: str
    comparison: str  # what the unit is compared with ("全区其他街道（乡镇）")
    basic: Basic
    problems: Problems
    causes: Causes
    suggestions: Suggestions

    def section(self, key: str) -> Section:
        return getattr(self, key)


class DistrictFindings(_Model):
    """The whole area's summary for the overview."""

    district: str
    survey_title: str
    text: list[str]
    units: list[str]
    received: int
    valid: int
    rejected_by_rule: dict[str, int]
    significant_low: int
    district_wide: list[str] = []  # the area's weaknesses (dimension names)
    problems: list[str] = []  # 存在的问题
    causes: list[str] = []  # 原因分析
    suggestions: list[str] = []  # 对策建议: measures at the area's level, then by unit
    open_answers: list[str] = []  # what respondents wrote, by theme
    changes: list[str] = []  # since earlier waves: which units improved or declined
    units_with_problems: list[str] = []  # units significantly below the rest on some dimension


class FindingsError(ValueError):
    """A findings file that is damaged or was not written by this pipeline."""


M = TypeVar("M", bound=BaseModel)


def read_findings(path: Path, model: type[M]) -> M:
    """A findings file read into its model; one Chinese sentence if it is damaged."""
    try:
        return model.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "→".join(str(x) for x in first["loc"]) or "整个文件"
        raise FindingsError(
            f"分析结果文件“{Path(path).name}”已损坏或格式不对（{where}：{first['type']}），"
            "请重新运行 survey analyze"
        ) from None
