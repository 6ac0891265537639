"""The findings' contract: what a unit's (and the district's) findings hold, as the text builder writes it
and the report views read it. Stored as JSON, one file per unit (``findings/<unit>.json``).

Kept free of heavy imports: the report notebooks load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


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


class DimensionGap(_Model):
    dimension: str
    name: str
    mean: float
    rest_mean: float
    diff: float
    hedges_g: float
    p_fdr: float | None = None
    unfavourable: float | None = None


class ItemGap(_Model):
    item: str
    text: str
    mean: float
    rest_mean: float
    significant: bool | None = None


class Choice(_Model):
    question: str
    option: str
    share: float
    ci_low: float
    ci_high: float


class Change(_Model):
    wave: str
    dimension: str
    name: str
    mean_prev: float
    mean: float
    direction: str  # 提高 / 下降


class Problems(Section):
    significant_low: list[DimensionGap]
    changes: list[Change] = []  # significant changes since earlier waves
    slightly_low: list[str]
    significant_high: list[str]
    low_items: list[ItemGap]
    top_choices: list[Choice]


class Concentration(_Model):
    dimension: str
    groups: list[str]  # the respondent groups or communities where its low score concentrates


class Causes(Section):
    priority: list[str]
    items: list[ItemGap]
    concentrated: list[Concentration] = []


class Theme(_Model):
    theme: str
    count: int
    problems: list[str]
    quotes: list[str]


class Measure(_Model):
    dimension: str
    name: str
    measures: list[str]  # from the questionnaire's measures library
    quotes: list[str]  # respondents' own suggestions on the themes linked to the dimension


class Suggestions(Section):
    count: int
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
    problems: list[str] = []  # 存在的问题: the units and dimensions significantly low
    causes: list[str] = []  # 原因分析
    suggestions: list[str] = []  # 对策建议: measures for problems common to several units
    open_answers: list[str] = []  # what respondents wrote, by theme
    changes: list[str] = []  # since earlier waves: which units improved or declined
    units_with_problems: list[str] = []


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
        raise FindingsError(f"分析结果文件“{Path(path).name}”已损坏或格式不对（{where}：{first['type']}），"
                            "请重新运行 survey analyze") from None
