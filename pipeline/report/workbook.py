"""The run's Excel workbook: 问题清单 (problem ledger), district summary, one sheet per unit, rejection audit.

Column headers are Chinese and numbers are stored as numbers, so researchers can filter, sort and keep
the ledger (问题清单/台账) as the start of next year's follow-up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.analyze.tables import Analysis
from pipeline.clean.audit import rejected_sheet
from pipeline.common.atomic import write_with
from pipeline.common.excel import excel_writer, sheet_name, write_frame
from pipeline.common.names import DISTRICT, output_path

SHEET_PER_UNIT_MAX = 50  # more units than this: one long sheet per table, with a unit column, instead
OVERALL_ROW = "（维度总体）"


STATUS = ["未开始", "推进中", "已完成"]
P_FORMAT = '[<0.001]"<0.001";0.000'


def ledger_sheet(ledger: pd.DataFrame, w: dict) -> pd.DataFrame:
    """The ledger as a 整改台账: what was found (from the analysis), and the columns a research group fills in
    (整改措施 proposed from the questionnaire's measures library, 完成时限, 状态)."""
    found = [f"本单位{m:.2f}分，低于{w['rest']}{r:.2f}分（差距{-d:.2f}分"
             + ("" if pd.isna(u) else f"，负面评价占{u:.1%}") + "）"
             for m, r, d, u in ledger[["mean", "rest_mean", "diff", "unfavourable"]].itertuples(index=False)]
    return pd.DataFrame({
        "序号": range(1, len(ledger) + 1),
        "责任单位": ledger["unit"],
        "维度": ledger["dimension_name"],
        "题目": ledger["item_text"].fillna(OVERALL_ROW),
        "问题表现": found,
        "本单位均值": ledger["mean"],
        f"{w['rest']}均值": ledger["rest_mean"],
        "差距": ledger["diff"],
        "FDR校正p值": ledger["p_fdr"],
        "Hedges g": ledger["hedges_g"],
        "负面评价占比": ledger["unfavourable"],
        "建议对策方向": ledger["themes"],
        "整改措施": ledger["measures"] if "measures" in ledger else "",
        "完成时限": None,
        "状态": "未开始",
        "备注": "",
    })


def changes_sheet(changes: pd.DataFrame, w: dict) -> pd.DataFrame:
    """Every unit and dimension against each earlier wave (cells under the disclosure limit left blank)."""
    c = changes
    return pd.DataFrame({
        "比较的往次调查": c["wave"], w["unit_label"]: c["unit"], "维度": c["dimension_name"],
        "共同题目数": c["shared_items"], "维度题目数": c["items"], "往次有效样本": c["n_prev"],
        "往次得分": c["mean_prev"].round(3), "本次有效样本": c["n"], "本次得分": c["mean"].round(3),
        "变化": c["diff"].round(3), "Hedges g": c["hedges_g"].round(3), "FDR校正p值": c["p_fdr"],
        "结论": ["明显提高" if s and d > 0 else "明显下降" if s else "无明显变化" if pd.notna(p) else "不检验"
               for s, d, p in zip(c["significant"], c["diff"], c["p_fdr"], strict=True)],
        "说明": c["note"].fillna(""),
    })


def write_ledger(xw: pd.ExcelWriter, ledger: pd.DataFrame, name: str) -> None:
    """The 问题清单 sheet with xlsxwriter's own features: typed and formatted numbers, a frozen header, an
    autofilter, a drop-down on 状态, and A4 landscape printing fitted to the page width."""
    book = xw.book
    ws = book.add_worksheet(name)
    xw.sheets[name] = ws
    base = {"valign": "top", "border": 1, "font_size": 10}
    head = book.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#EDEDED"})
    text = book.add_format({**base, "text_wrap": True})
    formats = {"均值": "0.00", "差距": "0.00", "Hedges g": "0.00", "FDR校正p值": P_FORMAT,
               "负面评价占比": "0.0%", "完成时限": "yyyy-mm-dd", "序号": "0"}
    widths = {"序号": 5, "责任单位": 10, "维度": 12, "题目": 28, "问题表现": 30, "建议对策方向": 12,
              "整改措施": 40, "完成时限": 11, "状态": 8, "备注": 12}
    for j, col in enumerate(ledger.columns):
        fmt_code = next((v for k, v in formats.items() if col.endswith(k)), None)
        fmt = book.add_format({**base, "num_format": fmt_code}) if fmt_code else text
        ws.set_column(j, j, widths.get(col, 9), fmt)
        ws.write_string(0, j, str(col), head)
        for i, value in enumerate(ledger[col].tolist(), start=1):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                ws.write_blank(i, j, None, fmt)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(i, j, value, fmt)
            else:
                ws.write_string(i, j, str(value), fmt)
    last, status = max(len(ledger), 1), list(ledger.columns).index("状态")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last, len(ledger.columns) - 1)
    ws.data_validation(1, status, max(last, 500), status,
                       {"validate": "list", "source": STATUS, "error_title": "状态",
                        "error_message": "请选择：未开始、推进中或已完成"})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _unit_tables(a: Analysis, unit: str | None, w: dict) -> list[tuple[str, pd.DataFrame]]:
    """A unit's tables; with ``unit=None`` every unit's, in long form with a unit column."""
    def rows(table: pd.DataFrame) -> pd.Series:
        return table["unit"] == unit if unit is not None else table["unit"] != DISTRICT

    d = a.unit_dimensions.loc[rows(a.unit_dimensions) & ~a.unit_dimensions["suppressed"]]
    dims = pd.DataFrame(
        {
            "维度": d["dimension_name"],
            "有效样本": d["n"],
            "本单位得分": d["mean"].round(3),
            "95%置信区间下限": d["ci_low"].round(3),
            "95%置信区间上限": d["ci_high"].round(3),
            f"{w['rest']}得分": d["rest_mean"].round(3),
            "差值": d["diff"].round(3),
            "Hedges g": d["hedges_g"].round(3),
            "FDR校正p值": d["p_fdr"],
            "显著": d["significant"].map({True: "是", False: "否"}),
            "负面评价占比": d["unfavourable"].round(3),
        }
    )
    c = a.composition.loc[rows(a.composition) & ~a.composition["suppressed"]]
    comp = pd.DataFrame(
        {
            "题目": c["question"].map(w["profile_labels"]).fillna(c["question"]),
            "选项": c["option"],
            "人数": c["count"],
            "占比": c["share"].round(3),
        }
    )
    p = a.problems.loc[rows(a.problems) & ~a.problems["suppressed"]].sort_values(
        ["unit", "rank"], kind="stable"
    )
    prob = pd.DataFrame(
        {
            "题目": p["question"].map(w["multi"]),
            "选项": p["option"],
            "选择人数": p["count"],
            "占比": p["share"].round(3),
            "95%置信区间下限": p["ci_low"].round(3),
            "95%置信区间上限": p["ci_high"].round(3),
        }
    )
    tables = [("各维度得分", dims, d), (f"{w['respondents']}构成", comp, c), ("多选题选择情况", prob, p)]
    if unit is None:
        label = w["unit_label"]
        return [
            (title, t.assign(**{label: src["unit"].to_numpy()})[[label, *t.columns]])
            for title, t, src in tables
        ]
    return [(title, t) for title, t, _ in tables]


def write_workbook(
    target: Path, a: Analysis, ledger: pd.DataFrame, audit: pd.DataFrame, manifest: dict
) -> Path:
    """Write the run's workbook atomically."""
    w = manifest["words"]
    sig = ledger.loc[ledger["item_text"].isna()].groupby("unit").size()
    u = a.units

    def withheld(values: pd.Series) -> pd.Series:
        return values.astype(object).where(~u["suppressed"], SUPPRESSED)

    summary = pd.DataFrame(
        {
            w["unit_label"]: u["unit"],
            "类型": u["kind"],
            "回收问卷": u["received"],
            "有效问卷": u["valid"],
            "剔除": u["rejected"],
            **(
                {w["rate_name"]: withheld(u["satisfaction_rate"].round(3))}
                if "satisfaction_rate" in u
                else {}
            ),
            **({"意见建议（条）": withheld(u["suggestions"])} if w["has_open"] else {}),
            "显著偏低维度数": u["unit"].map(sig).fillna(0).astype(int),
        }
    )
    about = pd.DataFrame(
        {
            "项目": ["调查", "数据截至", "生成时间", "数据文件", "说明"],
            "内容": [
                manifest["title"],
                manifest["data_until"],
                manifest["created"],
                "、".join(manifest["input_files"]),
                f"“问题清单”列出经FDR校正后显著低于{w['rest']}的维度和题目；人数不足5人的单元格不予显示。",
            ],
        }
    )

    def _write(path: Path) -> None:
        used: set[str] = set()
        with excel_writer(path) as xw:
            write_frame(xw, about, sheet_name("说明", used))
            write_ledger(xw, ledger_sheet(ledger, w), sheet_name("问题清单", used))
            sheets = [(sheet_name(f"{w['area']}汇总", used), summary, 0)]
            if len(manifest["units"]) <= SHEET_PER_UNIT_MAX:
                for unit in manifest["units"]:
                    name, row = sheet_name(unit, used), 0
                    for title, table in _unit_tables(a, unit, w):
                        sheets.append((name, pd.DataFrame({title: []}), row))
                        sheets.append((name, table, row + 1))
                        row += len(table) + 4
            else:  # a city or a province: long tables a researcher filters by unit
                sheets += [
                    (sheet_name("各单位" + title[:20], used), table, 0)
                    for title, table in _unit_tables(a, None, w)
                ]
            if not a.changes.empty:
                sheets.append((sheet_name("变化", used), changes_sheet(a.changes, w), 0))
            sheets.append((sheet_name("剔除记录", used), rejected_sheet(audit, w["unit_label"]), 0))
            widths: dict[str, dict[int, float]] = {}
            for name, table, row in sheets:
                write_frame(xw, table, name, startrow=row)
                for j, col in enumerate(table.columns):
                    width = max([len(str(col)), *(len(str(v)) for v in table[col].head(200))])
                    widths.setdefault(name, {})[j] = max(widths.get(name, {}).get(j, 0), width)
            for name, cols in widths.items():
                for j, width in cols.items():
                    xw.sheets[name].set_column(j, j, min(60, max(8, width * 1.6)))

    return write_with(target, _write)


def workbook_name(manifest: dict) -> str:
    return output_path(Path("."), f"{manifest['title']}_调研结果", ".xlsx", "问卷标题").name


def write_run_workbook(processed: Path, reports: Path, manifest: dict) -> Path:
    """The run's Excel workbook (问题清单, summary, a sheet per unit, rejection audit)."""
    from pipeline.analyze.tables import read_analysis

    audit = pd.read_parquet(Path(manifest["interim_dir"]) / "audit.parquet")
    ledger = pd.read_parquet(processed / "problem_ledger.parquet")
    return write_workbook(
        reports / workbook_name(manifest), read_analysis(processed), ledger, audit, manifest
    )
