"""What the reports say about a survey: the questionnaire's ``report:`` section as written (``ReportWords``,
with defaults that fit any questionnaire), and every word resolved from it and the questions (``Words``) —
the one object reports, findings and renderers read (``questionnaire.words()``, stored in the manifest).

Kept free of heavy imports: the report notebooks load it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

NUMBER = re.compile(r"-?\d+")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfileFigure(_Model):
    """A share the 基本情况 quotes: respondents who chose any of ``options`` of ``question`` ("党员占45%")."""

    question: str
    options: list[str] = Field(min_length=1)
    label: str | None = None  # default: the options joined with 、


class Standard(_Model):
    """A work target (工作目标) a dimension is held to: its score at least ``score`` (on the scale's own
    numbers), its share of unfavourable answers at most ``unfavourable``."""

    score: float | None = None
    unfavourable: float | None = Field(default=None, ge=0, le=1)


class ProblemRules(_Model):
    """When a dimension is named among a unit's problems, besides being significantly below the rest of the
    area (defaults in brackets; each kind of evidence has its own wording, and only the test says 显著)."""

    weakest: int = Field(default=1, ge=0)  # the unit's own lowest dimensions named (1)
    negative_share: float = Field(default=0.2, gt=0, le=1)  # negative answers at least this share (20%)
    district_lowest: int = Field(default=1, ge=0)  # the area's lowest dimensions are area-wide weaknesses (1)
    # … and any whose area-wide score, as a share of its scale (0 lowest, 1 highest), is below this
    district_below: float | None = None
    persistent_gap: float = Field(default=0.1, ge=0)  # below the area by this in both waves: persistent (0.1)
    at_most: int = Field(default=4, ge=1)  # problems a unit's report names at most (4)


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
    unfavourable: dict[str, list[str]] = Field(default_factory=dict)  # scale → options counted unfavourable
    favourable: dict[str, list[str]] = Field(default_factory=dict)  # scale → options counted favourable
    profile: list[ProfileFigure] | None = None
    composition: list[str] | None = None  # profile questions drawn against the district; default: first two
    problems: ProblemRules = ProblemRules()
    rate_standard: float | None = Field(default=None, gt=0, le=1)  # the satisfaction rate's work target
    deadline_months: int = Field(default=6, ge=1, le=36)  # 完成时限: months after the survey's last answer
    wording: str | None = None  # a folder of the office's own wording templates (relative: to this file)


class Overall(_Model):
    """The overall question as the reports name it, and which of its options count as satisfied."""

    id: str
    label: str
    options: list[str]
    satisfied: list[str]
    low: int = 1  # the score of its lowest option (``scale_low``)


def option_numbers(options: list[str]) -> list[int] | None:
    """The numbers a scale's options carry ("0（非常不同意）" … "10（非常同意）", "1分" … "5分"): exactly one
    whole number in each option, consecutive from the lowest option to the highest. None where any option
    carries none or more than one, or they do not count up by one: the options are then scored 1…k."""
    found = [NUMBER.findall(o) for o in options]
    if len(options) < 2 or any(len(f) != 1 for f in found):
        return None
    numbers = [int(f[0]) for f in found]
    return numbers if numbers == list(range(numbers[0], numbers[0] + len(numbers))) else None


def scale_low(options: list[str]) -> int:
    """The score of a scale's lowest option: the number it carries (``option_numbers``), else 1."""
    numbers = option_numbers(options)
    return numbers[0] if numbers else 1


class Scale(_Model):
    """A Likert scale's options (lowest first), which count as favourable and unfavourable, and the score
    of its lowest option (options score ``low`` … ``low + k - 1``: the numbers they carry, if any)."""

    options: list[str]
    favourable: list[str]
    unfavourable: list[str]
    low: int = 1


class FactWords(_Model):
    """A unit fact as 基本情况 says it: its table column, label, measure word and kind."""

    column: str
    label: str
    measure: str = ""
    kind: str = "number"


class Figure(_Model):
    """A profile share quoted in 基本情况, resolved: question, options and the label a sentence uses."""

    question: str
    options: list[str]
    label: str


class Words(_Model):
    """Every word a report says about the survey, each default resolved."""

    topic: str
    area: str
    unit_label: str
    community_label: str
    respondents: str
    rate_name: str
    rest: str  # what a unit is compared with: "全区其他街道（乡镇）"
    overall: Overall | None
    scales: dict[str, Scale]
    dimension_scales: dict[str, str]  # dimension id → its scale
    dimension_names: dict[str, str] = {}  # dimension id → its name
    profile_labels: dict[str, str]  # single-choice profile question id → its short name
    profile_figures: list[Figure] | None
    composition: list[str]
    multi: dict[str, str]  # multi-select question id → its short name
    has_community: bool
    has_open: bool
    issued: dict[str, int]
    problems: ProblemRules = ProblemRules()
    standards: dict[str, Standard] = {}  # dimension id → its work target
    descriptive: list[str] = []  # dimensions reported and compared, never a problem or a strength
    owners: dict[str, str] = {}  # dimension id → 责任主体 of its ledger rows (default: the unit)
    rate_standard: float | None = None
    deadline_months: int = 6
    wording: dict[str, str] = {}  # the research office's templates replacing shipped ones, by key
    facts: list[FactWords] = []  # the unit facts 基本情况 states, in the questionnaire's order

    def scale_points(self, dimension: str) -> int:
        """How many points a dimension's scale has ("4.72分（7分制）")."""
        return len(self.scales[self.dimension_scales[dimension]].options)

    def score_range(self) -> tuple[int, int]:
        """The lowest and highest score any dimension can have (plot axes run between them)."""
        used = [self.scales[s] for s in self.dimension_scales.values()]
        return min(s.low for s in used), max(s.low + len(s.options) - 1 for s in used)
