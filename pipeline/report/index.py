"""The run's index page: the overview's unit table (every unit with its figures), each row linked to its
report, failures with their error — rendered from the stored overview document, computing nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from pipeline.common.atomic import write_text
from pipeline.common.names import NO_UNIT, OVERVIEW_NAME, output_path
from pipeline.common.rules import MIN_CELL
from pipeline.report.document import TOTAL_ROW, Document
from pipeline.report.page import page, templates


class Rendered(Protocol):
    """What the index needs to know of a report: whether it was written, and the error if not."""

    name: str
    ok: bool
    error: str


def write_index(
    reports: Path,
    overview: Document,
    results: list[Rendered],
    workbook: Path | None = None,
    files: list[str] = (),
    held: list[str] = (),
) -> Path:
    """index.html: every unit with its counts, satisfaction, significant problems and link; failures with
    their error; the run's input ``files`` and the units ``held`` at their last published figures."""
    w = overview.about
    by_name = {r.name: r for r in results}
    table = overview.table("units")
    rows = []
    for values, cells in zip(table.rows, table.cells(), strict=True):
        name = OVERVIEW_NAME if values[0] == TOTAL_ROW else str(values[0])
        r = by_name.get(name)
        if r is None:
            continue
        rows.append(
            {
                "name": w.overview if name == OVERVIEW_NAME else name,
                "ok": r.ok,
                "error": r.error,
                "href": quote(output_path(reports, name, ".html").name),
                "cells": cells[1:],
            }
        )
    rows.sort(key=lambda row: row["name"] != w.overview)  # the overview first
    no_unit = next((v[2] for v in table.rows if v[0] == NO_UNIT), 0)
    body = (
        templates()
        .get_template("index.html.j2")
        .render(
            title=w.survey,
            generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
            data_until=w.data_until,
            files=list(files),
            failed=sum(not r.ok for r in results),
            headers=["报告", *(c.name for c in table.columns[1:])],
            rows=rows,
            no_unit=no_unit,
            no_unit_name=NO_UNIT,
            narrow=[j - 1 for j in (table.narrow or []) if j > 0],
            unit_label=w.unit_label,
            area=w.area,
            held=list(held),
            min_cell=MIN_CELL,
            workbook=workbook.name if workbook else None,
            workbook_href=quote(workbook.name) if workbook else None,
        )
    )
    return write_text(
        reports / "index.html", page(f"{w.survey}：调研报告目录", body, css_class="index")
    )
