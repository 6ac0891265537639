"""A report as a typed document: sections of paragraphs, tables (each column with the kind of figure it
holds), figures (what they plot and the data), quotes and the problem ledger's rows. Composed once per unit
and for the district (``pipeline.report.compose``) and stored (``documents/<name>.json``); the HTML page, the
Word report, the Excel workbook and the PDF only render it (``pipeline.report.html``, ``word``,
``workbook``) — they compute nothing, and every number is rounded once, by its column's kind
(``pipeline.common.formatting``).

Kept free of heavy imports: the report notebooks load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.common.errors import SurveyError
from pipeline.common.formatting import ColumnKind, Number, cell
from pipeline.common.names import output_path

Value = float | int | str | None  # a cell: a number (formatted by its column's kind), text, or missing


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paragraph(_Model):
    type: Literal["paragraph"] = "paragraph"
    text: str
    style: Literal["text", "note"] = "text"


class Column(_Model):
    name: str
    kind: ColumnKind = "text"


class Table(_Model):
    """A table: its columns (with their kinds), its rows of raw values, and which columns a phone shows
    (``narrow``: the compact table, the rest behind "查看全部列")."""

    type: Literal["table"] = "table"
    key: str  # what the table is ("dimensions", "units" …): renderers and the workbook find it by this
    title: str = ""
    columns: list[Column]
    rows: list[list[Value]]
    narrow: list[int] | None = None  # positions of the columns a phone shows; None: all
    note: str = ""

    def cells(self) -> list[list[str]]:
        """Every cell as text, each number rounded once by its column's kind."""
        return [[cell(v, c.kind) for v, c in zip(row, self.columns, strict=True)] for row in self.rows]

    def column(self, name: str) -> list[Value]:
        j = [c.name for c in self.columns].index(name)
        return [row[j] for row in self.rows]


class Figure(_Model):
    """A plot: which kind (``pipeline.report.figures``), its title, and the rows it draws."""

    type: Literal["figure"] = "figure"
    plot: Literal["dimensions", "items", "composition", "choices", "ipa", "heatmap", "ranking", "trends"]
    title: str
    data: list[dict[str, Value]]
    options: dict[str, Value | list[str]] = Field(default_factory=dict)


class Quotes(_Model):
    type: Literal["quotes"] = "quotes"
    title: str
    quotes: list[str]


Block = Annotated[Paragraph | Table | Figure | Quotes, Field(discriminator="type")]


class Section(_Model):
    key: str  # basic, problems, causes, suggestions, methods, appendix_…
    title: str  # "一、基本情况"
    blocks: list[Block]
    fold: str | None = None  # an appendix: on a phone its blocks wait behind a tap on this label


TOTAL_ROW = "合计"  # the units table's row for the whole area (the index links it to the overview)


class LedgerRow(_Model):
    """One row of the 问题清单/整改台账: a unit's problem (``item`` empty) or an item behind it."""

    unit: str
    dimension: str
    item: str | None
    evidence: str  # 问题依据: "显著低于全区其他街道（乡镇）；全区普遍存在"
    found: str  # 问题表现, in words
    mean: float
    rest_mean: Number
    diff: Number
    p_fdr: Number
    hedges_g: Number
    unfavourable: Number
    themes: str
    measures: str
    owner: str = ""  # 责任主体
    target: str = ""  # 目标, quantified
    deadline: str = ""  # 完成时限


LEDGER_COLUMNS = [
    Column(name="责任单位"),
    Column(name="维度"),
    Column(name="题目"),
    Column(name="问题依据"),
    Column(name="问题表现"),
    Column(name="本单位均值", kind="score"),
    Column(name="对比均值", kind="score"),
    Column(name="差距", kind="signed"),
    Column(name="FDR校正p值", kind="p"),
    Column(name="Hedges g", kind="signed"),
    Column(name="负面评价占比", kind="share"),
    Column(name="建议对策方向"),
    Column(name="整改措施"),
    Column(name="责任主体"),
    Column(name="目标"),
    Column(name="完成时限"),
]


class About(_Model):
    """What the run's index and workbook say about the survey besides its reports, composed with the
    overview: title, dates, files, the units, the words they print, the workbook's 说明."""

    survey: str
    data_until: str
    units: list[str]  # units with valid responses, in the questionnaire's order
    area: str
    unit_label: str
    rest: str
    overview: str  # how the index names the overview ("全区总体情况")
    notes: list[list[str]] = Field(default_factory=list)  # the workbook's 说明: [what, text]
    # how the workbook names the run's time and files (their values are the run's: not in the document, which
    # stays the same when only they change)
    created: str = ""
    files: str = ""


class Document(_Model):
    """One report: a unit's 调研报告 or the district's 总体情况 (which carries the run's ``about``)."""

    kind: Literal["unit", "district"]
    name: str  # the unit's name, or the overview's
    title: str
    subtitle: str
    sections: list[Section]
    ledger: list[LedgerRow] = Field(default_factory=list)
    about: About | None = None
    contents: tuple[str, str] | None = None  # 目录's heading, and what shows until Word fills it in

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table | None:
        return next(
            (b for s in self.sections for b in s.blocks if isinstance(b, Table) and b.key == key), None
        )


def document_path(processed: str | Path, name: str) -> Path:
    return output_path(Path(processed) / "documents", name, ".json")


def read_document(processed: str | Path, name: str) -> Document:
    """A stored document; one Chinese sentence when it is missing or damaged."""
    path = document_path(processed, name)
    if not path.is_file():
        raise SurveyError(f"找不到“{name}”的报告内容（{path}），请先运行 survey run")
    return load_document(path)


def load_document(path: Path) -> Document:
    """The document stored at ``path``; one Chinese sentence when it is damaged."""
    try:
        return Document.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, OSError, UnicodeDecodeError):
        raise SurveyError(
            f"报告内容文件“{path.name}”已损坏或由旧版本写成，请重新运行 survey analyze"
        ) from None
