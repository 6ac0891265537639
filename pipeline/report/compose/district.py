"""The district's 总体情况 as a document: the overview's findings in 基本情况/存在的问题/原因分析/对策建议
order with the unit table and figures, the statistics in appendices, and every unit's problem-ledger rows
(the workbook's 问题清单)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.manifest import Manifest
from pipeline.common.names import DISTRICT, OVERVIEW_NAME
from pipeline.common.rules import ALPHA, CITC_MIN, MIN_CELL, change_kind, low_counts
from pipeline.findings.model import DistrictFindings
from pipeline.report.compose.parts import ledger_rows, methods_note, paragraphs, records
from pipeline.report.compose.text import district_texts
from pipeline.report.compose.text_changes import verdict
from pipeline.report.document import TOTAL_ROW, Column, Document, Figure, Section, Table
from pipeline.wording import Wording

MAX_PLOTTED_UNITS = 40  # the overview's unit-level plots stay readable for a city or a province
SECTIONS = {
    "basic": "一、基本情况",
    "problems": "二、存在的问题",
    "causes": "三、原因分析",
    "suggestions": "四、对策建议",
    "appendix_tests": "附录一：驱动因素与各单位之间的差异检验",
    "appendix_reliability": "附录二：信度与效度",
    "appendix_quality": "附录三：数据质量与有效问卷分布",
    "methods": "附录四：方法说明",
}


def _withheld(value, hidden: bool):
    return SUPPRESSED if hidden else (None if pd.isna(value) else value)


def units_table(a, m: Manifest) -> Table:
    """Every unit with its counts, satisfaction and significantly low dimensions, and the area's total."""
    w = m.words
    u = a.units.copy()
    n_low = low_counts(a.unit_dimensions)
    columns = [
        Column(name=w.unit_label),
        Column(name="类型"),
        Column(name="回收问卷", kind="count"),
        Column(name="有效问卷", kind="count"),
        Column(name="剔除", kind="count"),
    ]
    has_communities = "communities" in u
    if has_communities:
        columns.append(Column(name=f"覆盖{w.community_label}", kind="count"))
    if w.overall is not None:
        columns += [
            Column(name=f"{w.overall.label}（1–{len(w.overall.options)}分）", kind="score"),
            Column(name=w.rate_name, kind="share"),
        ]
    if w.has_open:
        columns.append(Column(name="意见建议（条）", kind="count"))
    columns.append(Column(name="显著偏低维度数", kind="count"))
    waves = a.changes["wave"].drop_duplicates().tolist() if not a.changes.empty else []
    if waves:
        columns.append(Column(name=f"较{_wave_title(waves[0], m)}变化"))
    rows = []
    d = a.district.iloc[0]
    for _, r in [*u.iterrows(), (None, d)]:
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
        if has_communities:
            row.append(_withheld(r.get("communities"), hidden))
        if w.overall is not None:
            row += [
                _withheld(r.get("satisfaction_mean"), sat_hidden),
                _withheld(r.get("satisfaction_rate"), sat_hidden),
            ]
        if w.has_open:
            row.append(_withheld(r.get("suggestions"), hidden))
        row.append(SUPPRESSED if hidden else int(n_low.sum() if total else n_low.get(r["unit"], 0)))
        if waves:
            row.append(_change_cell(a.changes, DISTRICT if total else r["unit"], waves[0]))
        rows.append(row)
    names = [c.name for c in columns]
    keep = ["有效问卷", *([w.rate_name] if w.overall is not None else []), "显著偏低维度数"]
    narrow = [0, *(names.index(n) for n in keep), *([len(columns) - 1] if waves else [])]
    return Table(key="units", title=f"各{w.unit_label}调查情况", columns=columns, rows=rows, narrow=narrow)


def _wave_title(wave: str, m: Manifest) -> str:
    return next((x.title for x in m.waves if x.wave == wave), wave)


def _change_cell(changes: pd.DataFrame, unit: str, wave: str) -> str:
    """ "提高1项、下降1项" against one earlier wave (significant changes only)."""
    c = changes.loc[(changes["unit"] == unit) & (changes["wave"] == wave)]
    if c.empty or c["p_fdr"].isna().all():
        return "—"
    kinds = [change_kind(s, d, True) for s, d in zip(c["significant"], c["diff"], strict=True)]
    up, down = kinds.count("up"), kinds.count("down")
    return "、".join([f"提高{up}项"] * bool(up) + [f"下降{down}项"] * bool(down)) or "无明显变化"


def changes_table(a, m: Manifest) -> Table | None:
    """Every unit and dimension against each earlier wave (cells withheld by disclosure control blank)."""
    c = a.changes
    if c.empty:
        return None
    w = m.words
    rows = [
        [
            _wave_title(r["wave"], m),
            r["unit"],
            r["dimension_name"],
            int(r["shared_items"]),
            int(r["items"]),
            r["n_prev"],
            r["mean_prev"],
            r["n"],
            r["mean"],
            r["diff"],
            r["hedges_g"],
            r["p_fdr"],
            verdict(Wording.of(w), r["significant"], r["diff"], pd.notna(r["p_fdr"])),
            r["note"] or "",
        ]
        for _, r in c.iterrows()
    ]
    rows = [[None if isinstance(v, float) and pd.isna(v) else v for v in row] for row in rows]
    return Table(
        key="changes",
        title="与往次调查比较",
        columns=[
            Column(name="比较的往次调查"),
            Column(name=w.unit_label),
            Column(name="维度"),
            Column(name="共同题目数", kind="count"),
            Column(name="维度题目数", kind="count"),
            Column(name="往次有效样本", kind="count"),
            Column(name="往次得分", kind="score"),
            Column(name="本次有效样本", kind="count"),
            Column(name="本次得分", kind="score"),
            Column(name="变化", kind="signed"),
            Column(name="Hedges g", kind="signed"),
            Column(name="FDR校正p值", kind="p"),
            Column(name="结论"),
            Column(name="说明"),
        ],
        rows=rows,
    )


def _lowest_units(a, limit: int = MAX_PLOTTED_UNITS) -> tuple[list[str], str]:
    """The units a plot shows: all of them, or the ``limit`` with the lowest average score (and a note)."""
    units = [u for u in a.units["unit"] if u in set(a.unit_dimensions["unit"])]
    if len(units) <= limit:
        return units, ""
    keep = set(a.unit_dimensions.groupby("unit")["mean"].mean().nsmallest(limit).index)
    return [
        u for u in units if u in keep
    ], f"（共{len(units)}个单位，图中只显示平均得分最低的{limit}个；全部数据见上表和Excel汇总）"


def _heatmap(a, m: Manifest) -> Figure | None:
    d = a.unit_dimensions.loc[~a.unit_dimensions["suppressed"]]
    units, note = _lowest_units(a)
    d = d.loc[d["unit"].isin(units)]
    if d.empty:
        return None
    return Figure(
        plot="heatmap",
        title=f"各{m.words.unit_label}维度得分" + note,
        data=records(d, ["unit", "dimension_name", "mean"]),
        options={"dimensions": a.district_dimensions["dimension_name"].tolist(), "units": units},
    )


def _ranking(a, m: Manifest) -> Figure | None:
    w = m.words
    u = a.units.loc[a.units["valid"] >= MIN_CELL]
    if w.overall is None or "satisfaction_rate" not in u or u["satisfaction_rate"].isna().all():
        return None
    u = u.dropna(subset=["satisfaction_rate"])
    title = f"各{w.unit_label}{w.rate_name}排序"
    if len(u) > MAX_PLOTTED_UNITS:
        title += f"（{w.rate_name}最低的{MAX_PLOTTED_UNITS}个，共{len(u)}个）"
        u = u.nsmallest(MAX_PLOTTED_UNITS, "satisfaction_rate")
    satisfied = "+".join(f"“{o}”" for o in w.overall.satisfied)
    return Figure(
        plot="ranking",
        title=title,
        data=records(u, ["unit", "satisfaction_rate", "satisfaction_ci_low", "satisfaction_ci_high"]),
        options={"xlabel": f"{w.rate_name}（{satisfied}，横线为95%置信区间）"},
    )


def _drivers(a, m: Manifest) -> list:
    overall = m.words.overall
    if overall is None:
        return []
    d = a.drivers.sort_values("importance", ascending=False)
    if d.empty or d["importance"].isna().all():
        return paragraphs(["样本不足，无法进行驱动因素分析。"])
    intro = (
        f"以“{overall.label}”为因变量、各维度得分为自变量做线性回归（R²={float(d['r2'].iloc[0]):.2f}，"
        f"n={int(d['n'].iloc[0])}），相对重要性为各维度对R²的贡献（LMG方法）占比；这是横断面数据中的关联，不代表因果。"
    )
    return [
        *paragraphs([intro]),
        Table(
            key="drivers",
            title="驱动因素",
            columns=[
                Column(name="维度"),
                Column(name="回归系数", kind="stat3"),
                Column(name="p值", kind="p"),
                Column(name="相对重要性", kind="share"),
            ],
            rows=[[r["dimension_name"], r["coef"], r["p"], r["importance"]] for _, r in d.iterrows()],
        ),
    ]


def _tests(a, m: Manifest) -> list:
    w = m.words
    out = []
    an = a.anova
    if "F" not in an or an["F"].isna().all():
        out += paragraphs(["可比较的单位不足两个。"])
    else:
        out.append(
            Table(
                key="anova",
                title="各单位维度得分的Welch方差分析",
                columns=[
                    Column(name="维度"),
                    Column(name="F", kind="stat2"),
                    Column(name="自由度"),
                    Column(name="p值", kind="p"),
                    Column(name="偏η²", kind="stat3"),
                    Column(name="结论"),
                ],
                rows=[
                    [
                        r["dimension_name"],
                        r["F"],
                        f"{r['df1']:.0f}, {r['df2']:.1f}",
                        r["p"],
                        r["np2"],
                        "各单位间差异显著" if r["significant"] else "差异不显著",
                    ]
                    for _, r in an.iterrows()
                ],
            )
        )
    gh = a.games_howell
    if gh.empty:
        out += paragraphs(["单位数量较多，未做两两比较。"])
    else:
        names = a.district_dimensions.set_index("dimension")["dimension_name"]
        total = gh.groupby("dimension").size()
        sig = gh.loc[gh["significant"]].groupby("dimension").size().reindex(total.index, fill_value=0)
        out.append(
            Table(
                key="games_howell",
                title="两两比较（Games–Howell）",
                columns=[
                    Column(name="维度"),
                    Column(name="两两比较对数", kind="count"),
                    Column(name=f"差异显著的对数（p<{ALPHA}）", kind="count"),
                ],
                rows=[[names.get(d, d), int(total[d]), int(sig[d])] for d in total.index],
            )
        )
    c = a.chi2
    if "chi2" in c and not c.empty:
        out += paragraphs(
            [
                f"各{w.unit_label}{w.respondents}构成差异的卡方检验（p<{ALPHA}说明构成差异显著，比较得分时需注意）："
            ]
        )
        out.append(
            Table(
                key="chi2",
                title="构成差异的卡方检验",
                columns=[
                    Column(name="项目"),
                    Column(name="χ²", kind="stat2"),
                    Column(name="自由度", kind="dof"),
                    Column(name="p值", kind="p"),
                    Column(name="Cramér's V", kind="stat3"),
                    Column(name="说明"),
                ],
                rows=[
                    [r["label"], r["chi2"], r["dof"], r["p"], r["cramer_v"], r["note"] or "—"]
                    for _, r in c.iterrows()
                ],
            )
        )
    return out


def _reliability(a, m: Manifest) -> list:
    d = a.district_dimensions
    out = [
        Table(
            key="reliability",
            title="信度",
            columns=[
                Column(name="维度"),
                Column(name="题目数", kind="count"),
                Column(name="有效样本", kind="count"),
                Column(name=f"{m.words.area}得分", kind="score"),
                Column(name="95%置信区间"),
                Column(name="Cronbach α", kind="stat3"),
                Column(name="标准化α", kind="stat3"),
                Column(name="α的95%置信区间"),
            ],
            rows=[
                [
                    r["dimension_name"],
                    int(r["n_items"]),
                    int(r["n"]),
                    r["mean"],
                    f"{r['ci_low']:.2f}–{r['ci_high']:.2f}",
                    r["alpha"],
                    r.get("std_alpha"),
                    "—"
                    if pd.isna(r.get("alpha_ci_low"))
                    else f"{r['alpha_ci_low']:.3f}–{r['alpha_ci_high']:.3f}",
                ]
                for _, r in d.iterrows()
            ],
        )
    ]
    ir = a.item_reliability.loc[a.item_reliability["unit"] == DISTRICT]
    names = d.set_index("dimension")["dimension_name"]
    notes = [
        "；".join(x for x in (f"CITC<{CITC_MIN}" if lc else "", "删除后α明显提高" if dr else "") if x) or "—"
        for lc, dr in zip(ir["low_citc"], ir["drop_raises_alpha"], strict=True)
    ]
    out.append(
        Table(
            key="item_reliability",
            title="题目信度",
            columns=[
                Column(name="维度"),
                Column(name="题目"),
                Column(name="校正项总计相关性（CITC）", kind="stat3"),
                Column(name="项已删除的α系数", kind="stat3"),
                Column(name="提示"),
            ],
            rows=[
                [
                    names.get(r["dimension"], r["dimension"]),
                    r["item_text"],
                    r["citc"],
                    r["alpha_if_deleted"],
                    n,
                ]
                for (_, r), n in zip(ir.iterrows(), notes, strict=True)
            ],
        )
    )
    v = a.validity.iloc[0]
    if pd.isna(v["kmo"]):
        out += paragraphs([f"效度检验：{v['reading']}。"])
    else:
        p = "p<0.001" if v["bartlett_p"] < 0.001 else f"p={v['bartlett_p']:.3f}"
        out += paragraphs(
            [
                f"效度检验（{int(v['items'])}道量表题，{int(v['n'])}份完整作答）：KMO={v['kmo']:.3f}，"
                f"{v['reading']}；Bartlett球形检验χ²={v['bartlett_chi2']:.1f}，df={int(v['bartlett_df'])}，{p}。"
                f"（KMO>0.8非常适合，0.7–0.8适合，0.6–0.7勉强适合，<0.6不适合；Bartlett检验p<{ALPHA}说明题目间存在相关。）"
            ]
        )
    return out


def _quality(a, m: Manifest) -> list:
    w = m.words
    out = []
    r = a.rejections
    if r.empty:
        out += paragraphs(["没有剔除的问卷。"])
    else:
        table = r.pivot_table(index="unit", columns="rule", values="count", aggfunc="sum", fill_value=0)
        table["合计"] = table.sum(axis=1)
        table = table.reindex([u for u in a.units["unit"] if u in table.index])
        table.loc[f"{w.area}合计"] = table.sum()
        out.append(
            Table(
                key="rejections",
                title="剔除的问卷",
                columns=[Column(name=w.unit_label)]
                + [Column(name=str(c), kind="count") for c in table.columns],
                rows=[[idx, *map(int, row)] for idx, row in zip(table.index, table.to_numpy(), strict=True)],
            )
        )
    c = a.communities
    if not c.empty:
        out.append(
            Table(
                key="communities",
                title=f"各{w.community_label}有效问卷",
                columns=[
                    Column(name=w.unit_label),
                    Column(name=w.community_label),
                    Column(name="有效问卷", kind="count"),
                ],
                rows=[
                    [r["unit"], r["community"], SUPPRESSED if r["suppressed"] else int(r["valid"])]
                    for _, r in c.iterrows()
                ],
            )
        )
    return out


def district_document(a, f: DistrictFindings, m: Manifest, ledger: pd.DataFrame) -> Document:
    """The overview, composed once from the district's findings and the stored tables."""
    w = m.words
    wd = Wording.of(w)
    changes = changes_table(a, m)
    said = district_texts(f, w, wd)
    blocks = {
        "basic": [*paragraphs(said["basic"]), units_table(a, m), *filter(None, [_ranking(a, m)])],
        "problems": [*paragraphs(said["problems"]), *filter(None, [_heatmap(a, m)])],
        "causes": paragraphs(said["causes"]),
        "suggestions": paragraphs(said["suggestions"]),
        "appendix_tests": _drivers(a, m) + _tests(a, m) + ([changes] if changes is not None else []),
        "appendix_reliability": _reliability(a, m),
        "appendix_quality": _quality(a, m),
        "methods": paragraphs(methods_note(m)),
    }
    return Document(
        kind="district",
        name=OVERVIEW_NAME,
        title=f"{m.district}{w.topic}调研总体情况",
        subtitle=f"{m.title} · 数据截至{m.data_until}",
        sections=[Section(key=k, title=t, blocks=blocks[k]) for k, t in SECTIONS.items()],
        ledger=ledger_rows(ledger, w, wd),
    )
