"""The run's index page: every unit with its figures and link, failures with their error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.common.atomic import write_text
from pipeline.common.formatting import pct, score
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import significantly_low
from pipeline.report.page import page, templates
from pipeline.run.tasks import OVERVIEW_NAME, RenderResult


def _change_cell(changes: pd.DataFrame, unit: str) -> str:
    """"提高1项、下降1项" against the first earlier wave (significant changes only)."""
    c = changes.loc[(changes["unit"] == unit) & (changes["wave"] == changes["wave"].iloc[0])]
    if c["p_fdr"].isna().all():
        return "—"
    up = int((c["significant"] & (c["diff"] > 0)).sum())
    down = int((c["significant"] & (c["diff"] < 0)).sum())
    parts = [f"提高{up}项"] * bool(up) + [f"下降{down}项"] * bool(down)
    return "、".join(parts) or "无明显变化"


def write_index(
    reports: Path, manifest: dict, results: list[RenderResult], workbook: Path | None = None
) -> Path:
    """index.html: every unit with its counts, satisfaction, significant problems and link; failures with
    their error."""
    processed = Path(manifest["processed_dir"])
    units = pd.read_parquet(processed / "units.parquet").set_index("unit")
    district = pd.read_parquet(processed / "district.parquet").set_index("unit")
    ud = pd.read_parquet(processed / "unit_dimensions.parquet")
    n_sig = ud.loc[significantly_low(ud)].groupby("unit").size()
    changes_path = processed / "changes.parquet"
    changes = pd.read_parquet(changes_path) if changes_path.exists() else pd.DataFrame()
    by_name = {r.name: r for r in results}
    w = manifest["words"]
    overall = w["overall"]
    rows = []
    for name in [OVERVIEW_NAME] + manifest["units"]:
        r = by_name.get(name)
        if r is None:
            continue
        u = units.loc[name] if name in units.index else district.iloc[0]
        hidden = bool(u.get("suppressed", False))
        sig = int(n_sig.sum()) if name not in units.index else int(n_sig.get(name, 0))
        cells = [
            w["area"] if name not in units.index else str(u["kind"]),
            int(u["received"]),
            int(u["valid"]),
        ]
        if overall is not None:
            cells += [
                _figure(u.get("satisfaction_mean"), score, hidden),
                _figure(u.get("satisfaction_rate"), pct, hidden),
            ]
        cells.append(SUPPRESSED if hidden else sig)
        if not changes.empty:
            cells.append(_change_cell(changes, name if name in units.index else DISTRICT))
        rows.append(
            {
                "name": f"{w['area']}总体情况" if name == OVERVIEW_NAME else name,
                "ok": r.ok,
                "error": r.error,
                "href": quote(Path(r.html_path).name),
                "cells": cells,
            }
        )
    headers = ["报告", "类型", "回收问卷", "有效问卷"]
    if overall is not None:
        headers += [f"{overall['label']}（1–{len(overall['options'])}分）", w["rate_name"]]
    headers.append("显著偏低维度数")
    if not changes.empty:
        headers.append(f"较{changes['wave'].iloc[0]}变化")
    body = (
        templates()
        .get_template("index.html.j2")
        .render(
            title=manifest["title"],
            generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
            data_until=manifest["data_until"],
            files=manifest["input_files"],
            failed=sum(not r.ok for r in results),
            headers=headers,
            rows=rows,
            no_unit=int(units.loc[NO_UNIT, "received"]) if NO_UNIT in units.index else 0,
            no_unit_name=NO_UNIT,
            unit_label=w["unit_label"],
            area=w["area"],
            workbook=workbook.name if workbook else None,
            workbook_href=quote(workbook.name) if workbook else None,
        )
    )
    return write_text(reports / "index.html", page(f"{manifest['title']}：调研报告目录", body))


def _figure(value, fmt, hidden: bool) -> str:
    return SUPPRESSED if hidden else fmt(None if value is None or pd.isna(value) else float(value))
