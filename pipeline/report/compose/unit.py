"""A unit's 调研报告 as a document: its findings' four sections with the tables and figures that support
them, a methods note, and its rows of the problem ledger. Only the unit's own rows and the district's
aggregates are used; figures withheld by disclosure control read ``SUPPRESSED``."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import score
from pipeline.common.names import DISTRICT
from pipeline.common.rules import MIN_CELL, MIN_N_TEST
from pipeline.findings.model import UnitFindings
from pipeline.report.compose.parts import (
    UnitTables,
    column,
    conclusion,
    methods_note,
    paragraphs,
    records,
    trend_figure,
)
from pipeline.report.compose.text import unit_texts
from pipeline.report.compose.text_causes import clue_rows
from pipeline.report.document import Document, Figure, LedgerRow, Paragraph, Quotes, Section, Table
from pipeline.stats.drivers import QUADRANT_ORDER
from pipeline.wording import Wording

SECTIONS = ("basic", "strengths", "problems", "causes", "suggestions", "appendix", "methods")
FOLDED = ("appendix", "methods")  # behind a tap on a phone: the body reads first
MAX_QUOTED_THEMES = 5
TOP_ITEMS = 10


def dimension_table(t: UnitTables, comparison: str, wd: Wording) -> Table:
    """Every dimension as the body shows it: n, score, the comparison's score, gap, unfavourable share and
    结论
    (the test statistics are in the appendix); a phone shows name, score, comparison, gap and 结论."""
    d = t.dimensions
    weighted = "mean_weighted" in d
    # a unit with few answers: its small-area estimates beside the direct scores (and said what they are)
    small = "small_area" in d and bool(d["small_area"].notna().any())
    extra = weighted + small
    rows = []
    for _, r in d.iterrows():
        if r["suppressed"]:
            rows.append([r["dimension_name"], int(r["n"]), *[SUPPRESSED] * (5 + extra)])
            continue
        rows.append(
            [
                r["dimension_name"],
                int(r["n"]),
                r["mean"],
                *([r["small_area"]] if small else []),
                *([r["mean_weighted"]] if weighted else []),
                r["rest_mean"],
                r["diff"],
                r["unfavourable"],
                conclusion(r, wd),
            ]
        )
    columns = [
        column(wd, "dimension"),
        column(wd, "valid", "count"),
        column(wd, "unit_score", "score"),
        *([column(wd, "small_area", "score")] if small else []),
        *([column(wd, "weighted_score", "score")] if weighted else []),
        column(wd, "other_score", "score", comparison=comparison),
        column(wd, "diff", "signed"),
        column(wd, "negative_share", "share"),
        column(wd, "conclusion"),
    ]
    narrow = [0, 2, 3 + extra, 4 + extra, len(columns) - 1]
    return Table(key="dimensions", title=wd.say("report.tables.dimensions"), columns=columns, rows=rows,
                 narrow=narrow)


def small_area_note(t: UnitTables, wd: Wording) -> list[Paragraph]:
    """Under the dimension table of a unit with few answers: what its 小样本估计 column is."""
    d = t.dimensions
    if "small_area" not in d or not d["small_area"].notna().any():
        return []
    return [Paragraph(text=wd.say("report.small_area_note", min_cell=MIN_CELL, min_n_test=MIN_N_TEST),
                      style="note")]


def tests_table(t: UnitTables, comparison: str, wd: Wording) -> Table:
    """The appendix's comparison of every dimension with the rest: CI, gap, effect size, FDR-adjusted p."""
    rows = []
    for _, r in t.dimensions.iterrows():
        if r["suppressed"]:
            rows.append([r["dimension_name"], *[SUPPRESSED] * 7])
            continue
        rows.append(
            [
                r["dimension_name"],
                r["mean"],
                f"{score(r['ci_low'])}–{score(r['ci_high'])}",
                r["rest_mean"],
                r["diff"],
                r["hedges_g"],
                r["p_fdr"],
                conclusion(r, wd),
            ]
        )
    return Table(
        key="dimension_tests",
        title=wd.say("report.tables.dimension_tests", comparison=comparison),
        columns=[
            column(wd, "dimension"),
            column(wd, "unit_score", "score"),
            column(wd, "ci"),
            column(wd, "other_score", "score", comparison=comparison),
            column(wd, "diff", "signed"),
            column(wd, "hedges_g", "signed"),
            column(wd, "p_fdr", "p"),
            column(wd, "conclusion"),
        ],
        rows=rows,
        narrow=[0, 1, 4, 7],
    )


def composition_table(t: UnitTables, labels: dict[str, str], wd: Wording) -> Table:
    c = t.composition
    rows = [
        [labels.get(q, q), o, SUPPRESSED if s else n, SUPPRESSED if s else sh]
        for q, o, n, sh, s in zip(
            c["question"], c["option"], c["count"], c["share"], c["suppressed"], strict=True
        )
    ]
    return Table(
        key="composition",
        title=wd.say("report.tables.composition"),
        columns=[
            column(wd, "aspect"),
            column(wd, "option"),
            column(wd, "people", "count"),
            column(wd, "share", "share"),
        ],
        rows=rows,
    )


def choices_table(t: UnitTables, labels: dict[str, str], wd: Wording) -> Table:
    """Each multi-select option: who chose it, of those who answered, with its Wilson interval."""
    p = t.problems.loc[~t.problems["suppressed"]].sort_values(["question", "rank"], kind="stable")
    rows = [
        [
            labels.get(r["question"], r["question"]),
            r["option"],
            r["count"],
            r["share"],
            r["ci_low"],
            r["ci_high"],
        ]
        for _, r in p.iterrows()
    ]
    return Table(
        key="choices",
        title=wd.say("report.tables.choices"),
        columns=[
            column(wd, "question"),
            column(wd, "option"),
            column(wd, "chosen", "count"),
            column(wd, "share", "share"),
            column(wd, "ci_low", "share"),
            column(wd, "ci_high", "share"),
        ],
        rows=rows,
    )


def _composition_figure(t: UnitTables, m: Manifest, wd: Wording) -> Figure | None:
    w = m.words
    labels = {q: w.profile_labels[q] for q in w.composition if q in w.profile_labels}
    asked = t.composition.loc[t.composition["question"].isin(labels)]
    own = asked.loc[~asked["suppressed"]]
    area = t.district_composition.loc[
        t.district_composition["question"].isin(labels) & ~t.district_composition["suppressed"]
    ]
    if own.empty:
        return None
    # a group withheld in the unit keeps its row, without a bar and labelled so: never read as zero
    withheld = set(zip(asked.loc[asked["suppressed"], "question"], asked.loc[asked["suppressed"], "option"],
                       strict=True))
    table = pd.concat([asked.assign(unit_or_area=t.unit, share=own["share"].reindex(asked.index)),
                       area.assign(unit_or_area=w.area)], ignore_index=True)
    table["category"] = [wd.say("report.figures.composition_category", question=labels[q], option=o,
                                withheld=(q, o) in withheld)
                         for q, o in zip(table["question"], table["option"], strict=True)]
    return Figure(
        plot="composition",
        title=wd.say("report.figures.composition", unit=t.unit),
        data=records(table.rename(columns={"unit_or_area": "whom"}), ["category", "share", "whom"]),
    )


def _problems_figures(t: UnitTables, m: Manifest, comparison: str, wd: Wording) -> list[Figure]:
    out = []
    bottom, top = m.words.score_range()
    shown = t.dimensions.loc[~t.dimensions["suppressed"]]
    if not shown.empty:
        out.append(
            Figure(
                plot="dimensions",
                title=wd.say("report.figures.dimensions", unit=t.unit, comparison=comparison),
                data=records(
                    shown, ["dimension_name", "mean", "ci_low", "ci_high", "rest_mean", "significant"]
                ),
                options={"unit": t.unit, "comparison": comparison, "bottom": bottom, "top": top},
            )
        )
    items = t.items.loc[~t.items["suppressed"]].nsmallest(TOP_ITEMS, "diff")
    if not items.empty:
        out.append(
            Figure(
                plot="items",
                title=wd.say("report.figures.items", unit=t.unit, comparison=comparison),
                data=records(items, ["item_text", "mean", "rest_mean", "diff"]),
                options={"unit": t.unit, "comparison": comparison, "bottom": bottom, "top": top},
            )
        )
    for qid, label in m.words.multi.items():
        p = t.problems.loc[
            (t.problems["question"] == qid) & ~t.problems["suppressed"] & (t.problems["count"] > 0)
        ]
        if not p.empty:
            out.append(
                Figure(
                    plot="choices",
                    title=wd.say("report.figures.choices", question=label),
                    data=records(p, ["option", "share"]),
                )
            )
    return out


def _causes_blocks(t: UnitTables, m: Manifest, wd: Wording) -> list:
    overall = m.words.overall
    if overall is None:
        return paragraphs([wd.say("report.unit.no_overall")])
    ipa = t.ipa.loc[~t.ipa["suppressed"] & t.ipa["importance"].notna()]
    if ipa.empty:
        return []
    return [
        Figure(
            plot="ipa",
            title=wd.say("report.figures.ipa", unit=t.unit),
            data=records(ipa, ["dimension_name", "gap", "importance", "quadrant"]),
            options={"unit": t.unit, "outcome": overall.label, "quadrants": list(QUADRANT_ORDER)},
        )
    ]


def fieldwork_table(f: UnitFindings, wd: Wording) -> list[Table]:
    """The notes 原因分析 cites (by problem) and the practices 成效与亮点 tells, as a table every format
    carries (the workbook's unit sheet too); none for a unit without any."""
    names = {p.dimension: p.name for p in f.problems.items}
    cited = [(names[c.dimension], c.note) for c in f.causes.items if c.kind == "fieldwork" and c.note]
    cited += [(wd.say("report.columns.practice"), n) for n in f.strengths.practices]
    if not cited:
        return []
    return [Table(key="fieldwork", title=wd.say("report.tables.fieldwork"),
                  columns=[column(wd, k) for k in ("regarding", "fieldwork_kind", "place", "date", "record")],
                  rows=[[about, n.kind, n.place or n.unit, n.date, n.text] for about, n in cited],
                  narrow=[0, 4])]


def _suggestion_blocks(f: UnitFindings, wd: Wording) -> list:
    """What else the unit's respondents wrote, a quote per theme (none already quoted in the text), and the
    themes with the problems each bears on."""
    s = f.suggestions
    blocks: list = []
    quoted = [(t.theme, t.quotes) for t in s.themes[:MAX_QUOTED_THEMES] if t.quotes]
    if quoted:
        blocks.append(
            Quotes(title=wd.say("report.tables.other_suggestions"),
                   quotes=[wd.say("report.quote", theme=theme, quote=q) for theme, qs in quoted for q in qs])
        )
    if s.themes:
        blocks.append(
            Table(
                key="themes",
                title=wd.say("report.tables.themes"),
                columns=[
                    column(wd, "theme"),
                    column(wd, "suggestions", "count"),
                    column(wd, "theme_problems"),
                ],
                rows=[[t.theme, t.count, "、".join(t.problems) or wd.say("report.dash")]
                      for t in s.themes],
            )
        )
    return blocks


def unit_document(t: UnitTables, f: UnitFindings, m: Manifest, own: list[LedgerRow], wd: Wording) -> Document:
    """The unit's report, composed once from its findings, its slice of the stored tables and its rows of the
    problem ledger (``own``)."""
    w = m.words
    said = unit_texts(f, w, wd)
    blocks = {
        "basic": [*paragraphs(said["basic"]), *filter(None, [_composition_figure(t, m, wd)])]
        + ([composition_table(t, w.profile_labels, wd)] if not t.composition.empty else []),
        "strengths": paragraphs(said["strengths"]),
        "problems": [*paragraphs(said["problems"]), *_problems_figures(t, m, f.comparison, wd),
                     *trend_figure(f.problems.trends, t.unit, w.area, wd)]
        + (
            [dimension_table(t, f.comparison, wd), *small_area_note(t, wd)]
            if not t.dimensions.empty
            else paragraphs([wd.say("report.unit.no_dimensions", suppressed=SUPPRESSED)])
        ),
        "causes": [*paragraphs(said["causes"]), *fieldwork_table(f, wd), *_causes_blocks(t, m, wd)],
        "suggestions": [*paragraphs(said["suggestions"]), *_suggestion_blocks(f, wd)],
        "appendix": [tests_table(t, f.comparison, wd)]
        if not t.dimensions.empty
        else paragraphs([wd.say("report.unit.appendix_withheld", suppressed=SUPPRESSED)]),
        "methods": paragraphs(methods_note(m, wd, fieldwork=bool(f.basic.fieldwork))),
    }
    if not t.problems.empty:
        blocks["problems"].append(choices_table(t, w.multi, wd))
    clues = clue_rows(f.causes, f.problems, w, wd)
    if clues:
        blocks["appendix"].append(Table(key="clues", title=wd.say("report.tables.clues"),
                                        columns=[column(wd, "problem"), column(wd, "clue")], rows=clues))
    if own:
        blocks["suggestions"].append(ledger_table(own, wd))
    return Document(
        kind="unit",
        name=t.unit,
        title=wd.say("report.unit.title", unit=t.unit),
        contents=(wd.say("report.contents"), wd.say("report.contents_hint")),
        subtitle=wd.say("report.unit.subtitle", survey=m.title, until=m.data_until),
        sections=[Section(key=k, title=wd.say(f"report.sections.{k}"), blocks=blocks[k],
                          fold=wd.say("report.fold") if k in FOLDED else None) for k in SECTIONS],
        ledger=own,
    )


def ledger_table(rows: list, wd: Wording) -> Table:
    """The unit's rows of the 问题清单 as the report shows them (the workbook has every column)."""
    none = wd.say("report.dash")
    return Table(
        key="ledger",
        title=wd.say("report.tables.ledger"),
        columns=[column(wd, k) for k in ("dimension", "item", "evidence", "found", "measures", "target")],
        rows=[
            [r.dimension, r.item or wd.say("report.whole_dimension"), none if r.item else r.evidence, r.found,
             r.measures or none, r.target]
            for r in rows
        ],
        narrow=[0, 1, 3],  # a phone shows what was found; the evidence and measures behind "查看全部"
    )


__all__ = ["DISTRICT", "SECTIONS", "unit_document"]
