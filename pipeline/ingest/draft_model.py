"""A drafted question (``Draft``) and the words ``survey init`` recognises questions by: scales that may hold
negatively worded items, ratings, units, communities, the overall question, open answers, "at most N"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from pipeline.ingest.formats import (
    EMPTY_MARKERS,
    SKIP_MARKERS,
)

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


