"""What the report notebooks display: stored results of one unit (or the district), as HTML and PNG.

Notebooks call these functions and show their results; no statistics are computed here, only
selection and formatting of what the analyze stage stored. Every piece of text is HTML-escaped, so
respondents' answers always show as text.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from IPython.display import HTML, Image

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.common.formatting import p_cell, p_text, pct, score, signed
from pipeline.common.names import DISTRICT
from pipeline.common.paths import DEMO_SURVEY, findings_path
from pipeline.common.paths import processed_dir as default_processed_dir
from pipeline.common.rules import ALPHA, CITC_MIN, MIN_CELL, significantly_low
from pipeline.findings.model import DistrictFindings, UnitFindings, read_findings
from pipeline.report import plots

SECTIONS = {
    "basic": "一、基本情况",
    "problems": "二、存在的问题",
    "causes": "三、原因分析",
    "suggestions": "四、对策建议",
}
MAX_QUOTED_THEMES = 5
MAX_PLOTTED_UNITS = 40  # the overview's unit-level plots stay readable for a city or a province


def resolve_processed_dir(path: str | Path | None) -> Path:
    """An explicit directory, or the demo survey's results when empty."""
    return Path(path) if path else default_processed_dir(DEMO_SURVEY)


def _read(base: Path, name: str, unit: str | None = None) -> pd.DataFrame:
    filters = [("unit", "==", unit)] if unit is not None else None
    return pd.read_parquet(base / f"{name}.parquet", filters=filters)


@dataclass
class UnitReport:
    unit: str
    findings: UnitFindings
    dimensions: pd.DataFrame
    composition: pd.DataFrame
    problems: pd.DataFrame
    ipa: pd.DataFrame
    items: pd.DataFrame
    district_composition: pd.DataFrame
    manifest: dict


def load_unit(processed_dir: str | Path | None, unit: str | None) -> UnitReport:
    """Load one unit's stored findings and tables (its own slice only)."""
    base = resolve_processed_dir(processed_dir)
    manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    if not unit:
        unit = manifest["units"][0]
    path = findings_path(base, unit)
    if not path.exists():
        raise FileNotFoundError(f"找不到“{unit}”的分析结果（{path}），请先运行 survey run")
    return UnitReport(
        unit=unit,
        findings=read_findings(path, UnitFindings),
        dimensions=_read(base, "unit_dimensions", unit),
        composition=_read(base, "composition", unit),
        problems=_read(base, "problems", unit),
        ipa=_read(base, "ipa", unit),
        items=_read(base, "unit_items", unit),
        district_composition=_read(base, "composition", DISTRICT),
        manifest=manifest,
    )


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(t)}</p>" for t in lines)


def words(manifest: dict) -> dict:
    """What the reports call things, as the questionnaire's report section says (stored in the manifest)."""
    return manifest["words"]


def scale_max(manifest: dict) -> int:
    """The longest scale the dimensions use (plot axes run from 1 to it)."""
    w = words(manifest)
    return max(len(w["scales"][s]["options"]) for s in w["dimension_scales"].values())


def title(report: UnitReport) -> HTML:
    f, m = report.findings, report.manifest
    toc = "".join(
        f"<li><a href='#{quote(s)}'>{html.escape(s)}</a></li>" for s in [*SECTIONS.values(), "方法说明"]
    )
    return HTML(
        f"<h1>{html.escape(f.unit + words(m)['topic'])}调研报告</h1>"
        f"<p class='subtitle'>{html.escape(m['title'])} · 数据截至{html.escape(m['data_until'])} · "
        f"报告生成于{html.escape(m['created'][:10])}</p>"
        f"<nav class='toc'><strong>目录</strong><ul>{toc}</ul></nav>"
    )


def section(report: UnitReport, key: str) -> HTML:
    """The findings text of one section (基本情况, 存在的问题, 原因分析, 对策建议)."""
    body = _paragraphs(report.findings.section(key).text)
    if key == "suggestions":
        s = report.findings.suggestions
        shown: set[str] = set()
        blocks = [(f"“{m.name}”方面的意见建议", m.quotes) for m in s.measures]
        blocks += [(f"{t.theme}方面的代表性意见", t.quotes) for t in s.themes[:MAX_QUOTED_THEMES]]
        for title, quotes in blocks:
            new = [q for q in quotes if q not in shown]
            shown.update(new)
            if new:
                items = "".join(f"<li>“{html.escape(q)}”</li>" for q in new)
                body += f"<p class='quote-title'>{html.escape(title)}：</p><ul class='quotes'>{items}</ul>"
    return HTML(body)


def _table(df: pd.DataFrame) -> HTML:
    return HTML(df.to_html(index=False, escape=True, classes="data", border=0, na_rep="—"))


def _conclusion(d: pd.DataFrame) -> list[str]:
    return [("显著偏低" if df_ < 0 else "显著偏高") if s else "无显著差异" if t else "样本不足，不检验"
            for df_, s, t in zip(d["diff"], d["significant"], d["tested"], strict=True)]


def dimension_frame(report: UnitReport, compact: bool = False) -> pd.DataFrame:
    """The dimension table as shown: every statistic, or (``compact``) name, score, comparison, gap, 结论."""
    d = report.dimensions
    comparison = report.findings.comparison
    suppressed = d["suppressed"].to_numpy()
    if compact:
        out = pd.DataFrame({"维度": d["dimension_name"], "本单位得分": d["mean"].map(score),
                            f"{comparison}": d["rest_mean"].map(score), "差值": d["diff"].map(signed),
                            "结论": _conclusion(d)})
        out.loc[suppressed, out.columns[1:]] = SUPPRESSED
        return out
    out = pd.DataFrame({
        "维度": d["dimension_name"],
        "有效样本": d["n"].astype(int),
        "本单位得分": d["mean"].map(score),
        "95%置信区间": d["ci_low"].map(score) + "–" + d["ci_high"].map(score),
        f"{comparison}得分": d["rest_mean"].map(score),
        "差值": d["diff"].map(signed),
        "Hedges g": d["hedges_g"].map(signed),
        "FDR校正p值": d["p_fdr"].map(p_cell),
        "负面评价占比": d["unfavourable"].map(pct),
        "结论": _conclusion(d),
    })
    if "mean_weighted" in d:
        out.insert(3, "加权得分", d["mean_weighted"].map(lambda v: "—" if pd.isna(v) else f"{v:.2f}"))
    out.loc[suppressed, out.columns[2:]] = SUPPRESSED
    return out


def dimension_table(report: UnitReport) -> HTML:
    """The full table on a wide screen and in print; on a phone the compact one, the rest in <details>."""
    if report.dimensions.empty:  # a unit too small to show any figure
        return HTML(f"<p>各维度得分：{SUPPRESSED}。</p>")
    full = _table(dimension_frame(report)).data
    compact = _table(dimension_frame(report, compact=True)).data
    return HTML(f"<div class='wide-only'>{full}</div><div class='narrow-only'>{compact}"
                f"<details><summary>查看全部统计量</summary>{full}</details></div>")


def item_plot(report: UnitReport, top: int = 10) -> Image | HTML:
    """The items where the unit trails the rest of the district most."""
    items = report.items.loc[~report.items["suppressed"]].nsmallest(top, "diff")
    if items.empty:
        return HTML("<p>没有可显示的数据。</p>")
    fig = plots.item_plot(items, report.unit, report.findings.comparison, scale_max(report.manifest))
    return Image(data=plots.to_png(fig), format="png")


def composition_plot(report: UnitReport) -> Image | HTML:
    """The report section's composition questions, the unit against the district (suppressed cells left
    out)."""
    w = words(report.manifest)
    labels = {q: w["profile_labels"][q] for q in w["composition"] if q in w["profile_labels"]}
    own = report.composition.loc[
        report.composition["question"].isin(labels) & ~report.composition["suppressed"]
    ]
    dist = report.district_composition.loc[report.district_composition["question"].isin(labels)]
    if own.empty:
        return HTML("")
    table = pd.concat([own.assign(对象=report.unit), dist.assign(对象=w["area"])], ignore_index=True)
    table["类别"] = table["question"].map(labels) + "：" + table["option"]
    fig = plots.grouped_share_bar(
        table, "类别", "share", "对象", f"{report.unit}{w['respondents']}构成（与{w['area']}对比）"
    )
    return Image(data=plots.to_png(fig), format="png")


def ipa_plot(report: UnitReport) -> Image | HTML:
    overall = words(report.manifest)["overall"]
    if overall is None:
        return HTML("<p>本次问卷没有总体评价题，不做重要性—表现分析。</p>")
    ipa = report.ipa.loc[~report.ipa["suppressed"] & report.ipa["importance"].notna()]
    if ipa.empty:
        return HTML("<p>没有可显示的数据。</p>")
    return Image(data=plots.to_png(plots.ipa_plot(ipa, report.unit, overall["label"])), format="png")


def themes_table(report: UnitReport) -> HTML:
    themes = report.findings.suggestions.themes
    if not themes:
        return HTML("")
    out = pd.DataFrame({"主题": [t.theme for t in themes], "意见建议（条）": [t.count for t in themes],
                        "对应的问题": ["、".join(t.problems) or "—" for t in themes]})
    return _table(out)


def dimension_plot(report: UnitReport) -> Image | HTML:
    d = report.dimensions.loc[~report.dimensions["suppressed"]]
    if d.empty:
        return HTML("")
    fig = plots.dimension_plot(d, report.unit, report.findings.comparison, scale_max(report.manifest))
    return Image(data=plots.to_png(fig), format="png")


def composition_table(report: UnitReport) -> HTML:
    labels = words(report.manifest)["profile_labels"]
    c = report.composition
    out = pd.DataFrame({
        "项目": c["question"].map(labels).fillna(c["question"]),
        "选项": c["option"],
        "人数": [SUPPRESSED if s else str(int(n)) for n, s in zip(c["count"], c["suppressed"], strict=True)],
        "占比": [SUPPRESSED if s else pct(v) for v, s in zip(c["share"], c["suppressed"], strict=True)],
    })
    return _table(out)


def choice_plots(report: UnitReport) -> list[Image | HTML]:
    """One bar chart per multi-select question: the share of respondents choosing each option."""
    out: list[Image | HTML] = []
    for qid, label in words(report.manifest)["multi"].items():
        p = report.problems.loc[(report.problems["question"] == qid) & ~report.problems["suppressed"]
                                & (report.problems["count"] > 0)]
        if not p.empty:
            out.append(
                Image(
                    data=plots.to_png(
                        plots.share_bar(p, "option", "share", f"{label}（多选，占作答人数比例）")
                    ),
                    format="png",
                )
            )
    return out


def methods_note(manifest: dict) -> HTML:
    """How the figures were made: data, the cleaning rules as applied, scoring, tests, privacy."""
    w = words(manifest)
    applied = [r["text"] for r in manifest.get("cleaning", []) if r["applied"]]
    skipped = [r["text"] for r in manifest.get("cleaning", []) if not r["applied"]]
    scales = "；".join(
        f"{len(v['options'])}级（{v['options'][0]}=1分……{v['options'][-1]}={len(v['options'])}分）"
        for k, v in w["scales"].items()
        if k in set(w["dimension_scales"].values())
    )
    lines = [
        f"数据来源：{'、'.join(manifest.get('input_files', []))}；"
        f"问卷定义：{manifest.get('questionnaire', '')}。",
        "数据清洗：按以下规则依次剔除无效问卷，每份答卷只记一条剔除原因——"
        + "；".join(applied)
        + "。"
        + ("".join(f"{t}。" for t in skipped))
        + "电话、证件号、邮箱和IP地址等个人信息在清洗阶段即已删除或隐去。",
        f"计分：量表题按选项顺序计分，{scales}；反向表述的题目已反向计分；维度得分为该维度各题得分的平均值（至少回答一半题目）。",
        f"比较方法：每个{w['unit_label']}与{w['rest']}合并样本比较，采用Welch t检验，效应量为Hedges g；"
        f"对全部“{w['unit_label']}×维度”检验采用Benjamini–Hochberg方法控制错误发现率（FDR），校正后p<{ALPHA}视为显著。"
        f"有效问卷不足{manifest.get('min_n_test', 30)}份的单位只作描述，不做显著性判断。",
        f"隐私保护：报告只含汇总数据，不含任何个人答卷；人数不足{MIN_CELL}人的单元格不予显示；"
        f"各{w['unit_label']}报告只与{w['area']}汇总数据对比，不显示其他单位的数据。",
    ]
    return HTML(_paragraphs(lines))


# ---- district overview -------------------------------------------------------------------


@dataclass
class DistrictReport:
    findings: DistrictFindings
    units: pd.DataFrame
    unit_dimensions: pd.DataFrame
    district_dimensions: pd.DataFrame
    rejections: pd.DataFrame
    communities: pd.DataFrame
    games_howell: pd.DataFrame
    item_reliability: pd.DataFrame
    validity: pd.DataFrame
    anova: pd.DataFrame
    drivers: pd.DataFrame
    chi2: pd.DataFrame
    manifest: dict


def load_district(processed_dir: str | Path | None) -> DistrictReport:
    base = resolve_processed_dir(processed_dir)
    return DistrictReport(
        findings=read_findings(findings_path(base, DISTRICT), DistrictFindings),
        units=_read(base, "units"),
        unit_dimensions=_read(base, "unit_dimensions"),
        district_dimensions=_read(base, "district_dimensions"),
        rejections=_read(base, "rejections"),
        communities=_read(base, "communities"),
        games_howell=_read(base, "games_howell"),
        item_reliability=_read(base, "item_reliability"),
        validity=_read(base, "validity"),
        anova=_read(base, "anova"),
        drivers=_read(base, "drivers"),
        chi2=_read(base, "chi2"),
        manifest=json.loads((base / "manifest.json").read_text(encoding="utf-8")),
    )


def district_title(report: DistrictReport) -> HTML:
    m = report.manifest
    return HTML(f"<h1>{html.escape(m['district'] + words(m)['topic'])}调研总体情况</h1>"
                f"<p class='subtitle'>{html.escape(m['title'])} · 数据截至{html.escape(m['data_until'])} · "
                f"报告生成于{html.escape(m['created'][:10])}</p>" + _paragraphs(report.findings.text))


DISTRICT_SECTIONS = ("problems", "changes", "causes", "suggestions", "open_answers")


def district_section(report: DistrictReport, key: str) -> HTML:
    """One section of the overview's text (存在的问题, 原因分析, 对策建议, 意见建议), or a line saying it is
    empty."""
    if key not in DISTRICT_SECTIONS:
        raise ValueError(f"unknown section {key!r}")
    text = getattr(report.findings, key)
    if not text:
        return HTML("" if key == "changes" else "<p>（无）</p>")  # no earlier wave: nothing to say
    return HTML(_paragraphs(text))


def units_table(report: DistrictReport) -> HTML:
    u = report.units
    sig = report.unit_dimensions.loc[significantly_low(report.unit_dimensions)]
    n_sig = sig.groupby("unit").size()
    hidden = u["suppressed"].to_numpy()

    def shown(values: pd.Series, fmt=str) -> list[str]:
        return [
            SUPPRESSED if h else ("—" if pd.isna(v) else fmt(v)) for v, h in zip(values, hidden, strict=True)
        ]

    w = words(report.manifest)
    out = pd.DataFrame(
        {
            w["unit_label"]: u["unit"],
            "类型": u["kind"],
            "回收问卷": u["received"],
            "有效问卷": u["valid"],
            "剔除": u["rejected"],
            **(
                {f"覆盖{w['community_label']}": shown(u["communities"], lambda v: str(int(v)))}
                if "communities" in u
                else {}
            ),
            **({w["rate_name"]: shown(u["satisfaction_rate"], pct)} if "satisfaction_rate" in u else {}),
            **({"意见建议（条）": shown(u["suggestions"], lambda v: str(int(v)))} if w["has_open"] else {}),
            "显著偏低维度数": shown(u["unit"].map(n_sig).fillna(0), lambda v: str(int(v))),
        }
    )
    return _table(out)


def _lowest_units(report: DistrictReport, limit: int = MAX_PLOTTED_UNITS) -> tuple[list[str], str]:
    """The units a plot shows: all of them, or the ``limit`` with the lowest average score (and a note)."""
    units = [u for u in report.units["unit"] if u in set(report.unit_dimensions["unit"])]
    if len(units) <= limit:
        return units, ""
    avg = report.unit_dimensions.groupby("unit")["mean"].mean().nsmallest(limit)
    keep = set(avg.index)
    return [
        u for u in units if u in keep
    ], f"（共{len(units)}个单位，图中只显示平均得分最低的{limit}个；全部数据见上表和Excel汇总）"


def district_heatmap(report: DistrictReport) -> Image:
    d = report.unit_dimensions.loc[~report.unit_dimensions["suppressed"]]
    order = report.district_dimensions["dimension_name"].tolist()
    units, note = _lowest_units(report)
    m = d.pivot(index="unit", columns="dimension_name", values="mean").reindex(columns=order).reindex(units)
    fig = plots.heatmap(m, f"各{words(report.manifest)['unit_label']}维度得分" + note)
    return Image(data=plots.to_png(fig), format="png")


def reliability_table(report: DistrictReport) -> HTML:
    d = report.district_dimensions
    out = pd.DataFrame(
        {
            "维度": d["dimension_name"],
            "题目数": d["n_items"],
            "有效样本": d["n"],
            f"{words(report.manifest)['area']}得分": d["mean"].map(score),
            "95%置信区间": d["ci_low"].map(score) + "–" + d["ci_high"].map(score),
            "Cronbach α": d["alpha"].map(lambda v: "—" if pd.isna(v) else f"{v:.3f}"),
            "标准化α": d["std_alpha"].map(lambda v: "—" if pd.isna(v) else f"{v:.3f}"),
            "α的95%置信区间": [
                ("—" if pd.isna(lo) else f"{lo:.3f}–{hi:.3f}")
                for lo, hi in zip(d["alpha_ci_low"], d["alpha_ci_high"], strict=True)
            ],
        }
    )
    return _table(out)


def rejections_table(report: DistrictReport) -> HTML:
    r = report.rejections
    if r.empty:
        return HTML("<p>没有剔除的问卷。</p>")
    m = r.pivot_table(index="unit", columns="rule", values="count", aggfunc="sum", fill_value=0)
    m["合计"] = m.sum(axis=1)
    m = m.reindex([u for u in report.units["unit"] if u in m.index])
    m.loc[f"{words(report.manifest)['area']}合计"] = m.sum()
    m = m.reset_index().rename(columns={"unit": words(report.manifest)["unit_label"]})
    m.columns.name = None
    return _table(m)


def item_reliability_table(report: DistrictReport) -> HTML:
    """The SPSSAU-style item table for the district: CITC and α if item deleted, with the usual flags."""
    r = report.item_reliability.loc[report.item_reliability["unit"] == DISTRICT]
    names = report.district_dimensions.set_index("dimension")["dimension_name"]
    notes = [
        (
            "；".join(x for x in (f"CITC<{CITC_MIN}" if lc else "", "删除后α明显提高" if dr else "") if x)
            or "—"
        )
        for lc, dr in zip(r["low_citc"], r["drop_raises_alpha"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "维度": r["dimension"].map(names),
            "题目": r["item_text"],
            "校正项总计相关性（CITC）": r["citc"].map("{:.3f}".format),
            "项已删除的α系数": r["alpha_if_deleted"].map("{:.3f}".format),
            "提示": notes,
        }
    )
    return _table(out)


def validity_text(report: DistrictReport) -> HTML:
    v = report.validity.iloc[0]
    if pd.isna(v["kmo"]):
        return HTML(_paragraphs([f"效度检验：{v['reading']}。"]))
    p = p_text(v["bartlett_p"])
    return HTML(
        _paragraphs(
            [
                f"效度检验（{int(v['items'])}道量表题，{int(v['n'])}份完整作答）：KMO={v['kmo']:.3f}，{v['reading']}；"
                f"Bartlett球形检验χ²={v['bartlett_chi2']:.1f}，df={int(v['bartlett_df'])}，{p}。"
                f"（KMO>0.8非常适合，0.7–0.8适合，0.6–0.7勉强适合，<0.6不适合；Bartlett检验p<{ALPHA}说明题目间存在相关。）"
            ]
        )
    )


def anova_table(report: DistrictReport) -> HTML:
    a = report.anova
    if "F" not in a:
        return HTML("<p>可比较的单位不足两个。</p>")
    out = pd.DataFrame({"维度": a["dimension_name"], "F": a["F"].map("{:.2f}".format),
                        "自由度": a["df1"].map("{:.0f}".format) + ", " + a["df2"].map("{:.1f}".format),
                        "p值": a["p"].map(p_cell),
                        "偏η²": a["np2"].map("{:.3f}".format),
                        "结论": a["p"].map(lambda p: "各单位间差异显著" if p < ALPHA else "差异不显著")})
    return _table(out)


def drivers_table(report: DistrictReport) -> HTML:
    overall = words(report.manifest)["overall"]
    if overall is None:
        return HTML("<p>本次问卷没有总体评价题，不做驱动因素分析。</p>")
    d = report.drivers.sort_values("importance", ascending=False)
    if d["importance"].isna().all():
        return HTML("<p>样本不足，无法进行驱动因素分析。</p>")
    out = pd.DataFrame({"维度": d["dimension_name"], "回归系数": d["coef"].map("{:.3f}".format),
                        "p值": d["p"].map(p_cell),
                        "相对重要性": d["importance"].map(pct)})
    return HTML(
        _paragraphs(
            [
                f"以“{overall['label']}”为因变量、各维度得分为自变量做线性回归（R²={float(d['r2'].iloc[0]):.2f}，"
                f"n={int(d['n'].iloc[0])}），相对重要性为各维度对R²的贡献（LMG方法）占比；"
                "这是横断面数据中的关联，不代表因果。"
            ]
        )
        + _table(out).data
    )


def chi2_table(report: DistrictReport) -> HTML:
    c = report.chi2
    if "chi2" not in c:
        return HTML("")
    out = pd.DataFrame(
        {
            "项目": c["label"],
            "χ²": c["chi2"].map("{:.2f}".format),
            "自由度": c["dof"].map("{:.0f}".format),
            "p值": c["p"].map(p_cell),
            "Cramér's V": c["cramer_v"].map("{:.3f}".format),
            "说明": c["note"].replace("", "—"),
        }
    )
    w = words(report.manifest)
    return HTML(
        _paragraphs(
            [
                f"各{w['unit_label']}{w['respondents']}构成差异的卡方检验（p<{ALPHA}说明构成差异显著，比较得分时需注意）："
            ]
        )
        + _table(out).data
    )


def satisfaction_ranking(report: DistrictReport) -> Image | HTML:
    w = words(report.manifest)
    u = report.units.loc[report.units["valid"] >= MIN_CELL]
    if w["overall"] is None or "satisfaction_rate" not in u or u["satisfaction_rate"].isna().all():
        return HTML("")
    title = f"各{w['unit_label']}{w['rate_name']}排序"
    if len(u) > MAX_PLOTTED_UNITS:
        title += f"（{w['rate_name']}最低的{MAX_PLOTTED_UNITS}个，共{len(u)}个）"
        u = u.nsmallest(MAX_PLOTTED_UNITS, "satisfaction_rate")
    satisfied = "+".join(f"“{o}”" for o in w["overall"]["satisfied"])
    fig = plots.ranking_plot(u, "unit", "satisfaction_rate", "satisfaction_ci_low", "satisfaction_ci_high",
                             title, f"{w['rate_name']}（{satisfied}，横线为95%置信区间）")
    return Image(data=plots.to_png(fig), format="png")


def games_howell_summary(report: DistrictReport) -> HTML:
    gh = report.games_howell
    if gh.empty:
        return HTML("<p>单位数量较多，未做两两比较。</p>")
    names = report.district_dimensions.set_index("dimension")["dimension_name"]
    total = gh.groupby("dimension").size()
    sig = gh.loc[gh["pval"] < ALPHA].groupby("dimension").size()
    out = pd.DataFrame(
        {
            "维度": names.reindex(total.index).to_numpy(),
            "两两比较对数": total.to_numpy(),
            f"差异显著的对数（Games–Howell，p<{ALPHA}）": sig.reindex(total.index)
            .fillna(0)
            .astype(int)
            .to_numpy(),
        }
    )
    return _table(out)


def communities_table(report: DistrictReport) -> HTML:
    c = report.communities
    if c.empty:
        return HTML("")
    w = words(report.manifest)
    out = pd.DataFrame(
        {
            w["unit_label"]: c["unit"],
            w["community_label"]: c["community"],
            "有效问卷": [
                SUPPRESSED if s else str(int(n)) for n, s in zip(c["valid"], c["suppressed"], strict=True)
            ],
        }
    )
    return _table(out)
