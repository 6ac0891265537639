"""The run's Excel workbook: 问题清单 (problem ledger), district summary, one sheet per unit, rejection audit.

Column headers are Chinese and numbers are stored as numbers, so researchers can filter, sort and keep
the ledger (问题清单/台账) as the start of next year's follow-up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyze import Analysis
from pipeline.atomic import write_with
from pipeline.disclosure import SUPPRESSED
from pipeline.excel import excel_writer, sheet_name, write_frame
from pipeline.names import output_path
from pipeline.questionnaire import Questionnaire
from pipeline.thresholds import DISTRICT

SHEET_PER_UNIT_MAX = 50  # more units than this: one long sheet per table, with a unit column, instead
LEDGER_COLUMNS = ["街道（乡镇）", "维度", "题目", "本单位均值", "全区其他单位均值", "差距", "FDR校正p值", "Hedges g",
                  "负面评价占比", "建议对策方向"]


def problem_ledger(a: Analysis, questionnaire: Questionnaire) -> pd.DataFrame:
    """Every significantly low dimension and item of every unit, with the suggestion themes tied to it."""
    themes_for = {d.id: [name for name, t in questionnaire.themes.items() if d.id in t.dimensions]
                  for d in questionnaire.dimensions}
    names = questionnaire.dimension_names()
    rows = []
    ud = a.unit_dimensions.loc[a.unit_dimensions["significant"] & (a.unit_dimensions["diff"] < 0)]
    ui = a.unit_items.loc[a.unit_items["significant"] & (a.unit_items["diff"] < 0)]
    for frame, item in ((ud, False), (ui, True)):
        for _, r in frame.iterrows():
            rows.append({"街道（乡镇）": r["unit"], "维度": names[r["dimension"]], "题目": r["item_text"] if item else "（维度总体）",
                         "本单位均值": round(r["mean"], 3), "全区其他单位均值": round(r["rest_mean"], 3),
                         "差距": round(r["diff"], 3), "FDR校正p值": float(f"{r['p_fdr']:.3g}"), "Hedges g": round(r["hedges_g"], 3),
                         "负面评价占比": None if pd.isna(r.get("unfavourable")) else round(r["unfavourable"], 3),
                         "建议对策方向": "、".join(themes_for.get(r["dimension"], [])) or "—"})
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    order = {u: i for i, u in enumerate(a.units["unit"])}
    dims = {name: i for i, name in enumerate(names.values())}
    key = pd.DataFrame({"u": ledger["街道（乡镇）"].map(order), "d": ledger["维度"].map(dims),
                        "item": ledger["题目"] != "（维度总体）", "gap": ledger["差距"]})
    return ledger.loc[key.sort_values(["u", "d", "item", "gap"]).index].reset_index(drop=True)


def _unit_tables(a: Analysis, unit: str | None) -> list[tuple[str, pd.DataFrame]]:
    """A unit's tables; with ``unit=None`` every unit's, in long form with a 街道（乡镇） column."""
    def rows(table: pd.DataFrame) -> pd.Series:
        return table["unit"] == unit if unit is not None else table["unit"] != DISTRICT

    d = a.unit_dimensions.loc[rows(a.unit_dimensions) & ~a.unit_dimensions["suppressed"]]
    dims = pd.DataFrame({
        "维度": d["dimension_name"], "有效样本": d["n"], "本单位得分": d["mean"].round(3),
        "95%置信区间下限": d["ci_low"].round(3), "95%置信区间上限": d["ci_high"].round(3),
        "全区其他单位得分": d["rest_mean"].round(3), "差值": d["diff"].round(3), "Hedges g": d["hedges_g"].round(3),
        "FDR校正p值": d["p_fdr"], "显著": d["significant"].map({True: "是", False: "否"}),
        "负面评价占比": d["unfavourable"].round(3),
    })
    c = a.composition.loc[rows(a.composition) & ~a.composition["suppressed"]]
    comp = pd.DataFrame({"题目": c["question"], "选项": c["option"], "人数": c["count"], "占比": c["share"].round(3)})
    p = a.problems.loc[rows(a.problems) & ~a.problems["suppressed"]].sort_values(["unit", "rank"], kind="stable")
    prob = pd.DataFrame({"突出问题": p["option"], "选择人数": p["count"], "占比": p["share"].round(3),
                         "95%置信区间下限": p["ci_low"].round(3), "95%置信区间上限": p["ci_high"].round(3)})
    tables = [("各维度得分", dims, d), ("受访者构成", comp, c), ("最突出的问题（多选）", prob, p)]
    if unit is None:
        return [(title, t.assign(**{"街道（乡镇）": src["unit"].to_numpy()})[["街道（乡镇）", *t.columns]]) for title, t, src in tables]
    return [(title, t) for title, t, _ in tables]


def write_workbook(target: Path, a: Analysis, ledger: pd.DataFrame, audit: pd.DataFrame, manifest: dict) -> Path:
    """Write the run's workbook atomically."""
    sig = ledger.loc[ledger["题目"] == "（维度总体）"].groupby("街道（乡镇）").size()
    u = a.units
    summary = pd.DataFrame({
        "街道（乡镇）": u["unit"], "类型": u["kind"], "回收问卷": u["received"], "有效问卷": u["valid"], "剔除": u["rejected"],
        "满意率": (u["satisfaction_rate"].round(3).astype(object).where(~u["suppressed"], SUPPRESSED)
                if "satisfaction_rate" in u else None),
        "意见建议（条）": u["suggestions"].astype(object).where(~u["suppressed"], SUPPRESSED),
        "显著偏低维度数": u["unit"].map(sig).fillna(0).astype(int),
    })
    about = pd.DataFrame({"项目": ["调查", "数据截至", "生成时间", "数据文件", "说明"],
                          "内容": [manifest["title"], manifest["data_until"], manifest["created"], "、".join(manifest["input_files"]),
                                 "“问题清单”列出经FDR校正后显著低于全区其他街道（乡镇）的维度和题目；人数不足5人的单元格不予显示。"]})

    def _write(path: Path) -> None:
        used: set[str] = set()
        with excel_writer(path) as xw:
            sheets = [(sheet_name("说明", used), about, 0), (sheet_name("问题清单", used), ledger, 0),
                      (sheet_name("全区汇总", used), summary, 0)]
            if len(manifest["units"]) <= SHEET_PER_UNIT_MAX:
                for unit in manifest["units"]:
                    name, row = sheet_name(unit, used), 0
                    for title, table in _unit_tables(a, unit):
                        sheets.append((name, pd.DataFrame({title: []}), row))
                        sheets.append((name, table, row + 1))
                        row += len(table) + 4
            else:  # a city or a province: long tables a researcher filters by unit
                sheets += [(sheet_name("各单位" + title[:20], used), table, 0) for title, table in _unit_tables(a, None)]
            sheets.append((sheet_name("剔除记录", used), audit, 0))
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
    from pipeline.analyze import read_analysis

    audit = pd.read_parquet(Path(manifest["interim_dir"]) / "audit.parquet")
    ledger = pd.read_parquet(processed / "problem_ledger.parquet")
    return write_workbook(reports / workbook_name(manifest), read_analysis(processed), ledger, audit, manifest)
