"""The run's Excel workbook, rendered from the stored documents: 问题清单 (the problem ledger as a 整改台账),
the district summary, one sheet per unit (or long tables for many units), changes since earlier waves, and the
rejected rows of the audit.

Numbers are stored as numbers with the number format of their column's kind (``common.formatting``): Excel
shows them rounded as the reports print them, and researchers can still filter, sort and compute. Every
string is a text cell (``common.excel``); every sheet prints on A4 with its header repeated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import write_with
from pipeline.common.excel import clean_text, excel_writer, sheet_name, stream_frames
from pipeline.common.formatting import EXCEL_FORMATS
from pipeline.common.names import output_path
from pipeline.report.document import LEDGER_COLUMNS, About, Column, Document, LedgerRow, Table

SHEET_PER_UNIT_MAX = 50  # more units than this: one long sheet per table, with a unit column, instead
OVERALL_ROW = "（维度总体）"
STATUS = ["未开始", "推进中", "已完成"]
UNIT_TABLES = ("dimensions", "composition", "choices", "fieldwork")
WIDTHS = {
    "序号": 5,
    "责任单位": 10,
    "维度": 12,
    "题目": 28,
    "问题依据": 16,
    "问题表现": 30,
    "建议对策方向": 12,
    "整改措施": 40,
    "责任主体": 10,
    "目标": 26,
    "完成时限": 11,
    "状态": 8,
    "备注": 12,
}


class Sheet:
    """One worksheet being written: typed cells, formats per kind, widths, and A4 printing."""

    def __init__(self, xw: pd.ExcelWriter, name: str, landscape: bool = True) -> None:
        self.book, self.ws = xw.book, xw.book.add_worksheet(name)
        xw.sheets[name] = self.ws
        base = {"valign": "top", "border": 1, "font_size": 10}
        self.head = self.book.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#EDEDED"})
        self.text = self.book.add_format({**base, "text_wrap": True})
        self.title = self.book.add_format({"bold": True, "font_size": 11})
        self.kinds = {k: self.book.add_format({**base, "num_format": f}) for k, f in EXCEL_FORMATS.items()}
        self.widths: dict[int, float] = {}
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        if landscape:
            self.ws.set_landscape()

    def value(self, i: int, j: int, v, kind: str) -> None:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            self.ws.write_blank(i, j, None, self.text)
        elif isinstance(v, int | float) and not isinstance(v, bool) and kind != "text":
            self.ws.write_number(i, j, v, self.kinds.get(kind, self.text))
        else:
            self.ws.write_string(i, j, clean_text(str(v)), self.text)
        self._fit(j, len(str(v)) if kind == "text" or isinstance(v, str) else 8)

    def _fit(self, j: int, width: float) -> None:
        self.widths[j] = max(self.widths.get(j, 8), min(60, width * 1.6))

    def table(self, t: Table, row: int = 0, lead: list[Column] | None = None, lead_values=None) -> int:
        """``t`` (with optional leading columns) from ``row``; returns the next free row."""
        columns = [*(lead or []), *t.columns]
        for j, c in enumerate(columns):
            self.ws.write_string(row, j, clean_text(c.name), self.head)
            self._fit(j, len(c.name))
        for i, values in enumerate(t.rows, start=row + 1):
            for j, (v, c) in enumerate(zip([*(lead_values or []), *values], columns, strict=True)):
                self.value(i, j, v, c.kind)
        return row + len(t.rows) + 1

    def finish(self, header_row: int | None = 0) -> None:
        for j, w in self.widths.items():
            self.ws.set_column(j, j, w)
        if header_row is not None:
            self.ws.repeat_rows(header_row)


def write_ledger(xw: pd.ExcelWriter, rows: list[LedgerRow], rest: str, name: str) -> None:
    """The 问题清单 as a 整改台账: what was found (numbers with formats), and what a research group fills in
    (整改措施 proposed for where the problem was located, 责任主体, a quantified 目标, 完成时限, 状态
    drop-down); a frozen header,
    a filter, rows tall enough to print their text, A4 landscape."""
    s = Sheet(xw, name)
    columns = [
        Column(name="序号", kind="count"),
        *LEDGER_COLUMNS,
        Column(name="状态"),
        Column(name="备注"),
    ]
    columns[[c.name for c in columns].index("对比均值")] = Column(name=f"{rest}均值", kind="score")
    for j, c in enumerate(columns):
        s.ws.write_string(0, j, c.name, s.head)
        s.ws.set_column(j, j, WIDTHS.get(c.name, 9))
    for i, r in enumerate(rows, start=1):
        values = [
            i,
            r.unit,
            r.dimension,
            r.item or OVERALL_ROW,
            r.evidence,
            r.found,
            r.mean,
            r.rest_mean,
            r.diff,
            r.p_fdr,
            r.hedges_g,
            r.unfavourable,
            r.themes,
            r.measures,
            r.owner,
            r.target,
            r.deadline,
            STATUS[0],
            "",
        ]
        lines = 1
        for j, (v, c) in enumerate(zip(values, columns, strict=True)):
            s.value(i, j, v, c.kind)
            if isinstance(v, str) and c.kind == "text":
                lines = max(lines, math.ceil(len(v) * 2 / max(WIDTHS.get(c.name, 9), 1)))
        s.ws.set_row(i, 14 * lines)
    last, status = max(len(rows), 1), [c.name for c in columns].index("状态")
    s.ws.freeze_panes(1, 0)
    s.ws.autofilter(0, 0, last, len(columns) - 1)
    s.ws.data_validation(
        1,
        status,
        max(last, 500),
        status,
        {
            "validate": "list",
            "source": STATUS,
            "error_title": "状态",
            "error_message": "请选择：未开始、推进中或已完成",
        },
    )
    s.ws.repeat_rows(0)


def _about(xw: pd.ExcelWriter, name: str, about: About, created: str, files: list[str]) -> None:
    s = Sheet(xw, name, landscape=False)
    rows = [*about.notes[:2], [about.created, created], [about.files, "、".join(files)], *about.notes[2:]]
    s.table(Table(key="about", columns=[Column(name="项目"), Column(name="内容")], rows=rows))
    s.ws.set_column(1, 1, 90)
    s.finish()


def _unit_sheets(xw: pd.ExcelWriter, units: list[Document], used: set[str], label: str) -> None:
    """One sheet per unit (its tables one under another), or, for many units, one long sheet per table."""
    if len(units) <= SHEET_PER_UNIT_MAX:
        for doc in units:
            s, row = Sheet(xw, sheet_name(doc.name, used)), 0
            for key in UNIT_TABLES:
                t = doc.table(key)
                if t is not None:
                    s.ws.write_string(row, 0, t.title, s.title)
                    row = s.table(t, row + 1) + 2
            s.finish(None)
        return
    for key in UNIT_TABLES:
        tables = [(doc.name, doc.table(key)) for doc in units if doc.table(key) is not None]
        if not tables:
            continue
        first = tables[0][1]
        s, row = Sheet(xw, sheet_name("各单位" + first.title[:20], used)), 0
        lead = [Column(name=label)]
        for j, c in enumerate([*lead, *first.columns]):
            s.ws.write_string(0, j, c.name, s.head)
        for unit, t in tables:
            for values in t.rows:
                row += 1
                for j, (v, c) in enumerate(zip([unit, *values], [*lead, *t.columns], strict=True)):
                    s.value(row, j, v, c.kind)
        s.finish()


def write_workbook(target: Path, district: Document, units: list[Document], rejected: Iterable[pd.DataFrame],
                   created: str = "", files: tuple[str, ...] = ()) -> Path:
    """Write the run's workbook atomically, from the documents (and the audit's rejected rows as the 剔除记录
    sheet shows them, part by part: ``rejected``; the run's time and files)."""
    w = district.about

    def _write(path: Path) -> None:
        used: set[str] = set()
        with excel_writer(path) as xw:
            _about(xw, sheet_name("说明", used), w, created, list(files))
            write_ledger(xw, district.ledger, w.rest, sheet_name("问题清单", used))
            summary = district.table("units")
            s = Sheet(xw, sheet_name(f"{w.area}汇总", used))
            s.table(summary)
            s.finish()
            _unit_sheets(xw, units, used, w.unit_label)
            for key, title in (("changes", "变化"), ("trends", "趋势")):
                table = district.table(key)
                if table is not None:
                    s = Sheet(xw, sheet_name(title, used))
                    s.table(table)
                    s.finish()
            for ws in stream_frames(xw, rejected, sheet_name("剔除记录", used)):
                ws.set_paper(9)
                ws.set_landscape()
                ws.fit_to_pages(1, 0)
                ws.repeat_rows(0)

    return write_with(target, _write)


def workbook_name(title: str) -> str:
    """The workbook's file name: the survey's title, made safe."""
    return output_path(Path("."), f"{title}_调研结果", ".xlsx", "问卷标题").name
