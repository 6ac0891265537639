"""A unit's 调研报告 as a document: its findings' four sections with the tables and figures that support
them, a methods note, and its rows of the problem ledger. Only the unit's own rows and the district's
aggregates are used; figures withheld by disclosure control read ``SUPPRESSED``."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import score
from pipeline.common.names import DISTRICT
from pipeline.findings.model import UnitFindings
from pipeline.report.compose.parts import (
    UnitTables,
    conclusion,
    methods_note,
    paragraphs,
    records,
)
from pipeline.report.compose.text import unit_texts
from pipeline.report.document import Column, Document, Figure, LedgerRow, Quotes, Section, Table
from pipeline.stats.drivers import QUADRANT_ORDER
from pipeline.wording import Wording

SECTIONS = {
    "basic": "一、基本情况",
    "problems": "二、存在的问题",
    "causes": "三、原因分析",
    "suggestions": "四、对策建议",
    "appendix": "附录：统计检验明细",
    "methods": "方法说明",
}
MAX_QUOTED_THEMES = 5
TOP_ITEMS = 10


def dimension_table(t: UnitTables, comparison: str) -> Table:
    """Every dimension as the body shows it: n, score, the comparison's score, gap, unfavourable share and
    结论
    (the test statistics are in the appendix); a phone shows name, score, comparison, gap and 结论."""
    d = t.dimensions
    weighted = "mean_weighted" in d
    rows = []
    for _, r in d.iterrows():
        if r["suppressed"]:
            rows.append([r["dimension_name"], int(r["n"]), *[SUPPRESSED] * (5 + weighted)])
            continue
        rows.append(
            [
                r["dimension_name"],
                int(r["n"]),
                r["mean"],
                *([r["mean_weighted"]] if weighted else []),
                r["rest_mean"],
                r["diff"],
                r["unfavourable"],
                conclusion(r),
            ]
        )
    columns = [
        Column(name="维度"),
        Column(name="有效样本", kind="count"),
        Column(name="本单位得分", kind="score"),
        *([Column(name="加权得分", kind="score")] if weighted else []),
        Column(name=f"{comparison}得分", kind="score"),
        Column(name="差值", kind="signed"),
        Column(name="负面评价占比", kind="share"),
        Column(name="结论"),
    ]
    narrow = [0, 2, 3 + weighted, 4 + weighted, len(columns) - 1]
    return Table(key="dimensions", title="各方面得分", columns=columns, rows=rows, narrow=narrow)


def tests_table(t: UnitTables, comparison: str) -> Table:
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
                conclusion(r),
            ]
        )
    return Table(
        key="dimension_tests",
        title=f"各方面得分与{comparison}的比较（Welch t检验）",
        columns=[
            Column(name="维度"),
            Column(name="本单位得分", kind="score"),
            Column(name="95%置信区间"),
            Column(name=f"{comparison}得分", kind="score"),
            Column(name="差值", kind="signed"),
            Column(name="Hedges g", kind="signed"),
            Column(name="FDR校正p值", kind="p"),
            Column(name="结论"),
        ],
        rows=rows,
        narrow=[0, 1, 4, 7],
    )


def composition_table(t: UnitTables, labels: dict[str, str]) -> Table:
    c = t.composition
    rows = [
        [labels.get(q, q), o, SUPPRESSED if s else n, SUPPRESSED if s else sh]
        for q, o, n, sh, s in zip(
            c["question"], c["option"], c["count"], c["share"], c["suppressed"], strict=True
        )
    ]
    return Table(
        key="composition",
        title="受访者构成",
        columns=[
            Column(name="项目"),
            Column(name="选项"),
            Column(name="人数", kind="count"),
            Column(name="占比", kind="share"),
        ],
        rows=rows,
    )


def choices_table(t: UnitTables, labels: dict[str, str]) -> Table:
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
        title="多选题选择情况",
        columns=[
            Column(name="题目"),
            Column(name="选项"),
            Column(name="选择人数", kind="count"),
            Column(name="占比", kind="share"),
            Column(name="95%置信区间下限", kind="share"),
            Column(name="95%置信区间上限", kind="share"),
        ],
        rows=rows,
    )


def _composition_figure(t: UnitTables, m: Manifest) -> Figure | None:
    w = m.words
    labels = {q: w.profile_labels[q] for q in w.composition if q in w.profile_labels}
    own = t.composition.loc[t.composition["question"].isin(labels) & ~t.composition["suppressed"]]
    area = t.district_composition.loc[
        t.district_composition["question"].isin(labels) & ~t.district_composition["suppressed"]
    ]
    if own.empty:
        return None
    table = pd.concat([own.assign(对象=t.unit), area.assign(对象=w.area)], ignore_index=True)
    table["类别"] = table["question"].map(labels) + "：" + table["option"]
    return Figure(
        plot="composition",
        title=f"{t.unit}{w.respondents}构成（与{w.area}对比）",
        data=records(table, ["类别", "share", "对象"]),
    )


def _problems_figures(t: UnitTables, m: Manifest, comparison: str) -> list[Figure]:
    out = []
    top = m.words.longest_scale()
    shown = t.dimensions.loc[~t.dimensions["suppressed"]]
    if not shown.empty:
        out.append(
            Figure(
                plot="dimensions",
                title=f"{t.unit}各维度得分与{comparison}对比",
                data=records(
                    shown, ["dimension_name", "mean", "ci_low", "ci_high", "rest_mean", "significant"]
                ),
                options={"unit": t.unit, "comparison": comparison, "top": top},
            )
        )
    items = t.items.loc[~t.items["suppressed"]].nsmallest(TOP_ITEMS, "diff")
    if not items.empty:
        out.append(
            Figure(
                plot="items",
                title=f"{t.unit}与{comparison}差距最大的题目",
                data=records(items, ["item_text", "mean", "rest_mean", "diff"]),
                options={"unit": t.unit, "comparison": comparison, "top": top},
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
                    title=f"{label}（多选，占作答人数比例）",
                    data=records(p, ["option", "share"]),
                )
            )
    return out


def _causes_blocks(t: UnitTables, m: Manifest) -> list:
    overall = m.words.overall
    if overall is None:
        return paragraphs(["本次问卷没有总体评价题，不做重要性—表现分析。"])
    ipa = t.ipa.loc[~t.ipa["suppressed"] & t.ipa["importance"].notna()]
    if ipa.empty:
        return []
    return [
        Figure(
            plot="ipa",
            title=f"{t.unit}重要性—表现（IPA）分析",
            data=records(ipa, ["dimension_name", "gap", "importance", "quadrant"]),
            options={"unit": t.unit, "outcome": overall.label, "quadrants": list(QUADRANT_ORDER)},
        )
    ]


def _suggestion_blocks(f: UnitFindings) -> list:
    """What else the unit's respondents wrote, a quote per theme (none already quoted in the text), and the
    themes with the problems each bears on."""
    s = f.suggestions
    blocks: list = []
    quoted = [(t.theme, t.quotes) for t in s.themes[:MAX_QUOTED_THEMES] if t.quotes]
    if quoted:
        blocks.append(
            Quotes(title="其他代表性意见建议", quotes=[f"（{theme}）{q}" for theme, qs in quoted for q in qs])
        )
    if s.themes:
        blocks.append(
            Table(
                key="themes",
                title="意见建议主题",
                columns=[
                    Column(name="主题"),
                    Column(name="意见建议（条）", kind="count"),
                    Column(name="对应的问题"),
                ],
                rows=[[t.theme, t.count, "、".join(t.problems) or "—"] for t in s.themes],
            )
        )
    return blocks


def unit_document(t: UnitTables, f: UnitFindings, m: Manifest, own: list[LedgerRow]) -> Document:
    """The unit's report, composed once from its findings, its slice of the stored tables and its rows of the
    problem ledger (``own``)."""
    w = m.words
    wd = Wording.of(w)
    said = unit_texts(f, w, wd)
    blocks = {
        "basic": [*paragraphs(said["basic"]), *filter(None, [_composition_figure(t, m)])]
        + ([composition_table(t, w.profile_labels)] if not t.composition.empty else []),
        "problems": [*paragraphs(said["problems"]), *_problems_figures(t, m, f.comparison)]
        + (
            [dimension_table(t, f.comparison)]
            if not t.dimensions.empty
            else paragraphs([f"各维度得分：{SUPPRESSED}。"])
        ),
        "causes": [*paragraphs(said["causes"]), *_causes_blocks(t, m)],
        "suggestions": [*paragraphs(said["suggestions"]), *_suggestion_blocks(f)],
        "appendix": [tests_table(t, f.comparison)]
        if not t.dimensions.empty
        else paragraphs([f"{SUPPRESSED}。"]),
        "methods": paragraphs(methods_note(m)),
    }
    if not t.problems.empty:
        blocks["problems"].append(choices_table(t, w.multi))
    if own:
        blocks["suggestions"].append(ledger_table(own))
    return Document(
        kind="unit",
        name=t.unit,
        title=f"{t.unit}{w.topic}调研报告",
        subtitle=f"{m.title} · 数据截至{m.data_until}",
        sections=[Section(key=k, title=title, blocks=blocks[k]) for k, title in SECTIONS.items()],
        ledger=own,
    )


def ledger_table(rows: list) -> Table:
    """The unit's rows of the 问题清单 as the report shows them (the workbook has every column)."""
    return Table(
        key="ledger",
        title="问题清单（整改台账见Excel汇总）",
        columns=[Column(name="维度"), Column(name="题目"), Column(name="问题依据"), Column(name="问题表现"),
                 Column(name="整改措施")],
        rows=[
            [r.dimension, r.item or "（维度总体）", "—" if r.item else r.evidence, r.found, r.measures or "—"]
            for r in rows
        ],
        narrow=[0, 1, 3],  # a phone shows what was found; the evidence and measures behind "查看全部"
    )


__all__ = ["DISTRICT", "SECTIONS", "unit_document"]
