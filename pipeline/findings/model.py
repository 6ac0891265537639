"""The findings' contract: what a unit's (and the district's) findings hold — typed facts only: the rows
chosen (problems with their evidence, causes, measures), their figures and flags, never a sentence (the
wording layer, ``pipeline.wording``, says them) — as the builder writes them and the report composer reads
them. Stored as JSON, one file per unit (``findings/<unit>.json``).

Kept free of heavy imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.common.formatting import Number

Evidence = Literal[
    "significant", "standard", "declined", "persistent", "district_wide", "negative", "weakest"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileShare(_Model):
    """A share of the unit's respondents the 基本情况 quotes ("党员占45.0%"): a declared figure
    (``label``) or a profile question's largest option; ``share`` None where it is withheld."""

    label: str | None  # the questionnaire's label; None: the question's largest option
    question: str  # the question's short name
    option: str
    share: Number = None


class FieldNote(_Model):
    """A paragraph of a 座谈、走访 note (masked): how it was heard, where and when, and what was said."""

    unit: str
    kind: str  # 座谈会 / 走访 / 明察暗访 / 个别访谈
    place: str | None = None  # the community or village, where the note names one
    date: str
    text: str


class FieldworkCount(_Model):
    """Fieldwork of one kind in a unit (or the area): notes, people met and households visited."""

    kind: str
    notes: int
    participants: int | None = None
    households: int | None = None


class FactValue(_Model):
    """A fact about the unit from the research office's statistics (党员1234名): as the table holds it."""

    label: str
    kind: str  # count, number, share or text
    measure: str = ""
    value: float | None = None
    text: str = ""


class Basic(_Model):
    """基本情况: who was surveyed in the unit."""

    received: int
    valid: int
    rejected: int
    rejected_by_rule: dict[str, int]
    withheld: bool  # fewer valid answers than a figure may show
    tested: bool  # enough valid answers for a test
    issued: int | None = None  # questionnaires handed out (shown where the unit's figures are)
    communities: int | None = None
    suggestions: int | None = None
    satisfaction_rate: float | None = None
    satisfaction_ci: tuple[float, float] | None = None
    area_rate: float | None = None
    rate_standard: Number = None  # the satisfaction rate's work target
    rate_missed: bool | None = None  # short of it, at the precision reports print
    rank: int | None = None  # the unit's satisfaction rank among ``ranked`` units (1 = highest)
    rank_interval: tuple[int, int] | None = None  # its 95% confidence interval
    ranked: int = 0
    small_area_rate: float | None = None  # the small-area estimate (few answers), which the rank uses
    profile: list[ProfileShare] = []
    fieldwork: list[FieldworkCount] = []  # 座谈、走访 done in the unit, from the notes' headers
    facts: list[FactValue] = []  # the unit's facts (unit facts table), in the questionnaire's order


class ItemGap(_Model):
    item: str
    text: str
    mean: float
    rest_mean: Number = None
    significant: bool | None = None
    unfavourable: Number = None
    reverse: bool = False  # negatively worded: said as the share who agreed with it


class Problem(_Model):
    """One of a unit's problems: a dimension, the evidence that makes it one, its figures and its items."""

    dimension: str
    name: str
    evidence: list[Evidence]
    mean: float
    rest_mean: Number = None
    area_mean: float
    points: int  # the dimension's scale: "3.05分（5分制）"
    low: int = 1  # its lowest score: 0 where the options are numbered 0–10 ("4.90分（0–10分）")
    rank: int  # 1: the unit's lowest dimension
    dimensions: int
    diff: Number = None
    hedges_g: Number = None
    p_fdr: Number = None
    unfavourable: Number = None
    area_unfavourable: Number = None
    items: list[ItemGap] = []
    wave: str | None = None  # the earlier wave it was already low in (persistent), or declined from
    mean_prev: Number = None
    area_mean_prev: Number = None
    standard_score: Number = None  # the work target: a score at least …
    standard_unfavourable: Number = None  # … an unfavourable share at most
    missed: list[Literal["score", "unfavourable"]] = []  # the parts of the work target missed


class Change(_Model):
    wave: str
    dimension: str
    name: str
    mean_prev: float
    mean: float
    diff: float


class WaveChanges(_Model):
    """The unit (or area) against one earlier wave: its significant changes, and the dimensions compared on
    fewer items than they have."""

    wave: str
    tested: bool
    changes: list[Change] = []
    partial: dict[str, int] = {}  # dimension name → items both waves share


class TrendPoint(_Model):
    wave: str  # the earlier wave's title; "" for this wave
    year: int | None = None  # the year an earlier wave's data ran to
    mean: float


class Trend(_Model):
    """A dimension over three or more waves (the unit's and the area's series), and its trend where the test
    finds one: ``direction`` up or down, ``run`` waves in a row moving that way, ``annual`` a year apart."""

    dimension: str
    name: str
    series: list[TrendPoint]
    area: list[TrendPoint] = []
    direction: str = ""
    run: int = 0
    annual: bool = False
    slope: Number = None


class Choice(_Model):
    question: str
    option: str
    share: float
    ci_low: float
    ci_high: float


class DimensionScore(_Model):
    name: str
    mean: float
    rest_mean: Number = None


class Strengths(_Model):
    """成效与亮点: what the unit does better, on evidence only."""

    withheld: bool = False
    tested: bool = True
    high: list[DimensionScore] = []  # dimensions significantly above the rest (tested units)
    improved: list[Change] = []  # significant rises since earlier waves
    rate_above: bool = False  # the satisfaction rate's whole 95% interval above the area's rate:
    rate: Number = None
    rate_ci: tuple[float, float] | None = None
    area_rate: Number = None
    best: list[DimensionScore] = []  # none of these, no problem either: its highest dimensions, said as such
    practices: list[FieldNote] = []  # practices a note recorded (tagged 经验做法): heard, not measured


class Problems(_Model):
    items: list[Problem]
    withheld: bool = False
    tested: bool = True
    valid: int = 0
    any_significant_low: bool = False
    slight: list[str] = []  # dimensions a little below the rest, not significantly, not named as problems
    changes: list[Change] = []  # significant changes since earlier waves
    waves: list[WaveChanges] = []
    trends: list[Trend] = []  # every dimension over three or more waves
    top_choices: list[Choice] = []


class Group(_Model):
    """A respondent group within a unit: a community (``label`` empty) or a profile question's option."""

    label: str
    group: str
    mean: float
    rest_mean: Number = None


class Cause(_Model):
    """A piece of evidence on why a problem is there, with its figures (and a respondent's words)."""

    dimension: str
    kind: Literal["reason", "concentration", "item", "theme", "association", "fieldwork"]
    quote: str | None = None
    # reason: an option of a reason question, against the rest of the area
    question: str | None = None
    option: str | None = None
    cause: str | None = None  # the kind of cause the questionnaire gives the option (思想认识 …)
    share: Number = None
    rest_share: Number = None
    significant: bool | None = None
    rank: int | None = None
    of: int | None = None  # options (reason) or dimensions (association) ranked
    # concentration: the groups the low score sits in (significant), or the lowest group (not)
    groups: list[Group] = []
    # theme: the unit's open answers on it
    theme: str | None = None
    count: int | None = None
    area_share: Number = None
    # fieldwork: what a note recorded on it (never a statistic)
    note: FieldNote | None = None


class Causes(_Model):
    items: list[Cause]
    concentrated: dict[str, list[Group]] = {}  # dimension → the groups where its low score concentrates


class Theme(_Model):
    theme: str
    count: int
    problems: list[str]
    quotes: list[str]


class Aim(_Model):
    """What a proposed measure is aimed at (``analyze.measures.AIMS``): a group's option, a reason, a
    theme, an item, or the dimension as a whole (no target)."""

    aim: Literal["group", "reason", "theme", "item", "general"]
    target: str | None = None


class Measure(_Model):
    dimension: str
    name: str
    measures: list[str]  # from the questionnaire's measures library, those aimed at the located cause first
    aims: list[Aim] = []  # what each measure is aimed at, in the same order
    quotes: list[str]  # the unit's own suggestions on this problem
    shared: bool = False  # an area-wide weakness: the overview has the area's measures
    item: ItemGap | None = None  # the item a measure should answer first
    groups: list[Group] = []  # where the low score concentrates


class Suggestions(_Model):
    count: int | None
    themes: list[Theme]
    measures: list[Measure] = []
    keywords: list[str] = []
    withheld: bool = False


class UnitFindings(_Model):
    """One unit's findings, in the shape of a 调研报告."""

    unit: str
    kind: str
    survey_title: str
    district: str
    comparison: str  # what the unit is compared with ("全区其他街道（乡镇）")
    basic: Basic
    strengths: Strengths = Strengths()
    problems: Problems
    causes: Causes
    suggestions: Suggestions


class AreaWeakness(_Model):
    """A dimension weak across the area: its area score, rank from the bottom, and how many units score
    lowest on it among their own dimensions."""

    dimension: str
    name: str
    mean: float
    points: int
    low: int = 1
    rank: int
    unfavourable: Number = None
    lowest_in: int = 0


class UnitScores(_Model):
    unit: str
    scores: list[DimensionScore]


class UnitDimension(_Model):
    """A unit's dimension with its scores before and now (persistent problems) or its direction (changes)."""

    unit: str
    name: str
    mean_prev: Number = None
    mean: Number = None
    diff: Number = None


class AreaReasons(_Model):
    name: str  # the area-wide weakness
    reasons: list[Cause]


class Concentration(_Model):
    unit: str
    name: str
    groups: list[Group]


class AreaMeasure(_Model):
    """Measures at the area's level: for an area-wide weakness (``wide``, with the units significantly low on
    it as the focus) or for a dimension significantly low in several units."""

    name: str
    wide: bool
    measures: list[str]
    units: list[str] = []


class AreaWave(_Model):
    wave: str
    area: list[Change]
    up: list[UnitDimension]
    down: list[UnitDimension]
    partial: dict[str, int] = {}


class UnitStrengths(_Model):
    unit: str
    strengths: Strengths


class Driver(_Model):
    name: str
    importance: float


class DistrictFindings(_Model):
    """The whole area's findings for the overview, as facts."""

    district: str
    survey_title: str
    units: list[str]
    kinds: dict[str, int]  # units by kind (街道 …)
    issued: int | None = None  # questionnaires handed out, where every unit's count is known
    received: int
    valid: int
    rejected: int
    rejected_by_rule: dict[str, int]
    no_unit: int | None = None  # questionnaires without a unit
    small: list[str] = []  # units too small to show
    small_valid: int = 0
    suggestions: int | None = None
    satisfaction_rate: Number = None
    significant_low: int
    dimensions: int = 0
    shown_units: int = 0  # units with enough answers to show
    wide: list[AreaWeakness] = []
    district_wide: list[str] = []  # the area's weaknesses (dimension names)
    low: list[UnitScores] = []  # units significantly below the rest, with those dimensions
    persistent_wave: str | None = None
    persistent: list[UnitDimension] = []
    lowest: list[DimensionScore] = []  # the area's three lowest dimensions (more than three)
    choices: list[Choice] = []
    reasons: list[AreaReasons] = []
    drivers: list[Driver] = []
    concentrations: list[Concentration] = []
    measures: list[AreaMeasure] = []
    single: list[UnitDimension] = []  # a dimension significantly low in one unit only
    themes: list[Theme] = []
    waves: list[AreaWave] = []
    trends: list[Trend] = []  # the area's dimensions over three or more waves
    trending: list[UnitDimension] = []  # units with a significant trend (diff: the slope per wave)
    units_with_problems: list[str] = []  # units significantly below the rest on some dimension
    experience: list[UnitStrengths] = []  # units with strengths on evidence: 经验 to learn from
    fieldwork: list[FieldworkCount] = []  # 座谈、走访 across the area, from the notes' headers
    fieldwork_units: int = 0  # units with any note
    practices: list[FieldNote] = []  # practices the notes recorded (经验做法 worth spreading)


class FindingsError(ValueError):
    """A findings file that is damaged or was not written by this pipeline."""


M = TypeVar("M", bound=BaseModel)


def read_findings(path: Path, model: type[M]) -> M:
    """A findings file read into its model; one Chinese sentence if it is damaged."""
    try:
        return model.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "→".join(str(x) for x in first["loc"])
        raise FindingsError(
            f"分析结果文件“{Path(path).name}”已损坏或格式不对（{where or '整个文件'}：{first['type']}），"
            "请重新运行 survey analyze"
        ) from None
