"""The district's 总体情况 as a document: the overview's findings in 基本情况/存在的问题/原因分析/对策建议
order with the unit table and figures, the statistics in appendices (``district_appendix``), and every
unit's problem-ledger rows (the workbook's 问题清单)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED, small_units
from pipeline.analyze.manifest import Manifest
from pipeline.common.names import DISTRICT, OVERVIEW_NAME
from pipeline.common.rules import MIN_CELL, change_kind, low_counts
from pipeline.findings.model import DistrictFindings
from pipeline.report.compose.district_appendix import (
    changes_table,
    drivers_blocks,
    quality_blocks,
    reliability_blocks,
    tests_blocks,
    trends_table,
    wave_title,
)
from pipeline.report.compose.parts import column, methods_note, paragraphs, records, trend_figure
from pipeline.report.compose.text import district_texts
from pipeline.report.document import TOTAL_ROW, About, Document, Figure, LedgerRow, Paragraph, Section, Table
from pipeline.wording import Wording

MAX_PLOTTED_UNITS = 40  # the overview's unit-level plots stay readable for a city or a province
BODY = ("basic", "strengths", "problems", "causes", "suggestions")
APPENDICES = ("appendix_tests", "appendix_reliability", "appendix_quality", "methods")


def _withheld(value, hidden: bool):
    return SUPPRESSED if hidden else (None if pd.isna(value) else value)


def _units_columns(a, m: Manifest, wd: Wording, waves: list[str]) -> tuple[list, list[int]]:
    """The unit table's columns, and those a phone shows."""
    w = m.words
    c = "district_columns."
    columns = [
        column(wd, c + "unit"),
        column(wd, c + "kind"),
        column(wd, c + "received", "count"),
        column(wd, c + "valid", "count"),
        column(wd, c + "rejected", "count"),
    ]
    if w.issued:  # the plan (``survey plan`` or the office's own): 回收进度 against it, during fieldwork too
        columns.append(column(wd, c + "progress", "share"))
    if "communities" in a.units:
        columns.append(column(wd, c + "communities", "count"))
    narrow = [0, 3]
    if w.overall is not None:
        columns.append(
            column(wd, c + "overall", "score", overall=w.overall.label, points=len(w.overall.options),
                   low=w.overall.low)
        )
        narrow.append(len(columns))
        columns.append(column(wd, c + "rate", "share"))
        columns.append(column(wd, c + "rank"))
    if w.has_open:
        columns.append(column(wd, c + "suggestions", "count"))
    narrow.append(len(columns))
    columns.append(column(wd, c + "low", "count"))
    if waves:
        narrow.append(len(columns))
        columns.append(column(wd, c + "change", wave=wave_title(waves[0], m)))
    return columns, narrow


def units_table(a, m: Manifest, wd: Wording) -> Table:
    """Every unit with its counts, satisfaction and significantly low dimensions, and the area's total."""
    w = m.words
    n_low = low_counts(a.unit_dimensions)
    waves = a.changes["wave"].drop_duplicates().tolist() if not a.changes.empty else []
    columns, narrow = _units_columns(a, m, wd, waves)
    rows = []
    for _, r in [*a.units.iterrows(), (None, a.district.iloc[0])]:
        total = r["unit"] == DISTRICT
        hidden = bool(r.get("suppressed", False))
        sat_hidden = hidden or bool(r.get("satisfaction_suppressed", False))
        row = [
            TOTAL_ROW if total else r["unit"],
            w.area if total else r["kind"],
            int(r["received"]),
            int(r["valid"]),
            int(r["rejected"]),
        ]
        if w.issued:
            units = list(a.units["unit"]) if total else [r["unit"]]  # the plan of the units surveyed
            issued = sum(w.issued.get(u, 0) for u in units)
            row.append(_withheld(int(r["received"]) / issued if issued else None, hidden))
        if "communities" in a.units:
            row.append(_withheld(r.get("communities"), hidden))
        if w.overall is not None:
            row += [
                _withheld(r.get("satisfaction_mean"), sat_hidden),
                _withheld(r.get("satisfaction_rate"), sat_hidden),
                wd.say("report.dash") if total else _rank_cell(r, sat_hidden, wd),
            ]
        if w.has_open:
            row.append(_withheld(r.get("suggestions"), hidden))
        row.append(SUPPRESSED if hidden else int(n_low.sum() if total else n_low.get(r["unit"], 0)))
        if waves:
            row.append(_change_cell(a.changes, DISTRICT if total else r["unit"], waves[0], wd))
        rows.append(row)
    return Table(
        key="units", title=wd.say("report.district.units"), columns=columns, rows=rows, narrow=narrow
    )


def _rank_cell(r: pd.Series, hidden: bool, wd: Wording) -> str:
    """The satisfaction rank and its 95% interval, "第3位（1–6）" (marked for a small-area estimate)."""
    if hidden:
        return SUPPRESSED
    if pd.isna(r.get("satisfaction_rank")):
        return wd.say("report.dash")
    return wd.say("report.district.rank_cell", rank=int(r["satisfaction_rank"]),
                  low=int(r["satisfaction_rank_low"]), high=int(r["satisfaction_rank_high"]),
                  small=not pd.isna(r.get("satisfaction_small_area")))


def _change_cell(changes: pd.DataFrame, unit: str, wave: str, wd: Wording) -> str:
    """ "提高1项、下降1项" against one earlier wave (significant changes only)."""
    c = changes.loc[(changes["unit"] == unit) & (changes["wave"] == wave)]
    if c.empty or c["p_fdr"].isna().all():
        return wd.say("report.dash")
    kinds = [change_kind(s, d, True) for s, d in zip(c["significant"], c["diff"], strict=True)]
    parts = [
        wd.say(f"report.district.change_cell.{k}", count=kinds.count(k)) for k in ("up", "down") if k in kinds
    ]
    return "、".join(parts) or wd.say("changes.verdict.same")


def _lowest_units(a, wd: Wording, limit: int = MAX_PLOTTED_UNITS) -> tuple[list[str], str]:
    """The units a plot shows: all of them, or the ``limit`` with the lowest average score (and a note)."""
    units = [u for u in a.units["unit"] if u in set(a.unit_dimensions["unit"])]
    if len(units) <= limit:
        return units, ""
    keep = set(a.unit_dimensions.groupby("unit")["mean"].mean().nsmallest(limit).index)
    return [u for u in units if u in keep], wd.say(
        "report.district.plotted_units", units=len(units), limit=limit
    )


def _heatmap(a, wd: Wording) -> list[Figure | Paragraph]:
    """Units × dimensions scores; a cell whose 95% interval holds the area's mean is hatched, and a line
    under the chart says so."""
    d = a.unit_dimensions.loc[~a.unit_dimensions["suppressed"]]
    units, note = _lowest_units(a, wd)
    d = d.loc[d["unit"].isin(units)]
    if d.empty:
        return []
    area = d["dimension"].map(a.district_dimensions.set_index("dimension")["mean"])
    d = d.assign(overlap=((d["ci_low"] <= area) & (area <= d["ci_high"])).to_numpy())
    figure = Figure(
        plot="heatmap",
        title=wd.say("report.district.heatmap", note=note),
        data=records(d, ["unit", "dimension_name", "mean", "overlap"]),
        options={"dimensions": a.district_dimensions["dimension_name"].tolist(), "units": units},
    )
    return [figure, *paragraphs([wd.say("report.district.heatmap_overlap")] if d["overlap"].any() else [])]


def _ranking(a, m: Manifest, wd: Wording) -> Figure | None:
    w = m.words
    u = a.units.loc[~a.units["unit"].isin(small_units(a.units))]
    if w.overall is None or "satisfaction_rate" not in u or u["satisfaction_rate"].isna().all():
        return None
    u = u.dropna(subset=["satisfaction_rate"])
    shown = MAX_PLOTTED_UNITS if len(u) > MAX_PLOTTED_UNITS else 0
    title = wd.say("report.district.ranking", shown=shown, units=len(u))
    if shown:
        u = u.nsmallest(MAX_PLOTTED_UNITS, "satisfaction_rate")
    satisfied = [wd.say("report.district.ranking_option", option=o) for o in w.overall.satisfied]
    return Figure(
        plot="ranking",
        title=title,
        data=records(u, ["unit", "satisfaction_rate", "satisfaction_ci_low", "satisfaction_ci_high"]),
        options={"xlabel": wd.say("report.district.ranking_axis", satisfied=satisfied)},
    )


def about(m: Manifest, wd: Wording) -> About:
    """The run as the index and the workbook describe it."""
    w = m.words
    note = wd.say("report.about.note_text", min_cell=MIN_CELL)
    notes = [["survey", m.title], ["data_until", m.data_until], ["note", note]]
    return About(
        survey=m.title, data_until=m.data_until, units=m.units,
        area=w.area, unit_label=w.unit_label, rest=w.rest,
        overview=wd.say("report.about.overview"),
        created=wd.say("report.about.created"),
        files=wd.say("report.about.files"),
        notes=[[wd.say(f"report.about.{k}"), v] for k, v in notes],
    )


def district_document(a, f: DistrictFindings, m: Manifest, ledger: list[LedgerRow], wd: Wording) -> Document:
    """The overview, composed once from the district's findings and the stored tables."""
    w = m.words
    changes = changes_table(a, m, wd)
    said = district_texts(f, w, wd)
    blocks = {
        "basic": [*paragraphs(said["basic"]), units_table(a, m, wd), *filter(None, [_ranking(a, m, wd)])],
        "strengths": paragraphs(said["strengths"]),
        "problems": [*paragraphs(said["problems"]), *_heatmap(a, wd),
                     *trend_figure(f.trends, w.area, None, wd)],
        "causes": paragraphs(said["causes"]),
        "suggestions": paragraphs(said["suggestions"]),
        "appendix_tests": drivers_blocks(a, m, wd) + tests_blocks(a, m, wd)
        + [t for t in (changes, trends_table(a, wd)) if t is not None],
        "appendix_reliability": reliability_blocks(a, m, wd),
        "appendix_quality": quality_blocks(a, m, wd),
        "methods": paragraphs(methods_note(m, wd)),
    }
    fold = wd.say("report.fold")
    titles = {k: wd.say(f"report.sections.{k}") for k in BODY} | {
        k: wd.say(f"report.district.sections.{k}") for k in APPENDICES
    }
    return Document(
        about=about(m, wd),
        kind="district",
        name=OVERVIEW_NAME,
        title=wd.say("report.district.title", district=m.district),
        contents=(wd.say("report.contents"), wd.say("report.contents_hint")),
        subtitle=wd.say("report.unit.subtitle", survey=m.title, until=m.data_until),
        sections=[
            Section(key=k, title=titles[k], blocks=blocks[k], fold=fold if k in APPENDICES else None)
            for k in (*BODY, *APPENDICES)
        ],
        ledger=ledger,
    )
