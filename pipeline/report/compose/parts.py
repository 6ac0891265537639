"""What unit and district documents share: a unit's slice of the tables, paragraphs, figure data, the
conclusion column, the ledger's rows and the methods note."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import pct
from pipeline.common.rules import ALPHA, MIN_CELL
from pipeline.questionnaire.words import Words
from pipeline.report.document import LedgerRow, Paragraph
from pipeline.wording import Wording


@dataclass
class UnitTables:
    """A unit's rows of the stored tables a report shows (and the district's composition beside them)."""

    unit: str
    dimensions: pd.DataFrame
    items: pd.DataFrame
    composition: pd.DataFrame
    district_composition: pd.DataFrame
    problems: pd.DataFrame
    ipa: pd.DataFrame


def paragraphs(lines: list[str], style: str = "text") -> list[Paragraph]:
    return [Paragraph(text=t, style=style) for t in lines]


def _plain(v):
    """A value a document can hold: numbers as float/int (NaN → None), flags as text-free bools → int."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, bool):
        return int(v)
    if hasattr(v, "item"):
        v = v.item()
    return None if isinstance(v, float) and math.isnan(v) else v


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The rows a figure draws, as plain values."""
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False)
    ]


def conclusion(r: pd.Series) -> str:
    """The 结论 column of a dimension row."""
    if r["significant"]:
        return "显著偏低" if r["diff"] < 0 else "显著偏高"
    if r["tested"]:
        return "无显著差异"
    if r.get("sd", 1) == 0 and r.get("rest_sd", 1) == 0:  # every answer alike: nothing to compare
        return "回答没有差异，无法检验"
    return "样本不足，不检验"


def found_text(r: pd.Series, w: Words, wd: Wording) -> str:
    """问题表现 of a ledger row, in words, every figure rounded as the report rounds it."""
    return wd.say("ledger.found", mean=r["mean"], compared=wd.compared(r["mean"], r["rest_mean"], w.rest),
                  unfavourable=None if pd.isna(r["unfavourable"]) else r["unfavourable"])


def ledger_rows(ledger: pd.DataFrame, w: Words, wd: Wording) -> list[LedgerRow]:
    """The problem ledger's rows as the documents and the workbook show them."""
    return [
        LedgerRow(
            unit=r["unit"],
            dimension=r["dimension_name"],
            item=None if pd.isna(r["item_text"]) else r["item_text"],
            evidence=r["evidence"],
            found=found_text(r, w, wd),
            mean=r["mean"],
            rest_mean=r["rest_mean"],
            diff=r["diff"],
            p_fdr=r["p_fdr"],
            hedges_g=r["hedges_g"],
            unfavourable=r["unfavourable"],
            themes=r["themes"],
            measures=r["measures"],
        )
        for _, r in ledger.iterrows()
    ]


def methods_note(m: Manifest) -> list[str]:
    """How the figures were made: data, the cleaning rules as applied, scoring, what makes a problem, tests,
    associations, privacy — the only place a report names its statistical methods."""
    w = m.words
    rules = w.problems
    applied = [r.text for r in m.cleaning if r.applied]
    skipped = [r.text for r in m.cleaning if not r.applied]
    used = list(dict.fromkeys(w.dimension_scales.values()))
    scales = "；".join(
        f"{len(w.scales[k].options)}级（{w.scales[k].options[0]}=1分……{w.scales[k].options[-1]}="
        f"{len(w.scales[k].options)}分）"
        for k in used
    )
    negative = "或".join(
        f"“{'/'.join(w.scales[k].unfavourable)}”（反向题为“{'/'.join(w.scales[k].favourable)}”）"
        for k in used
    )
    wide = f"{w.area}得分最低的{rules.district_lowest}个方面" + (
        f"、按量表换算低于{pct(rules.district_below)}水平的方面" if rules.district_below is not None else ""
    )
    out = [
        f"数据来源：本次调查回收的全部问卷（共{m.rows_in}份，有效{m.kept}份）。",
        "数据清洗：按以下规则依次剔除无效问卷，每份答卷只记一条剔除原因——"
        + "；".join(applied)
        + "。"
        + "".join(f"{t}。" for t in skipped)
        + "电话、证件号、邮箱和IP地址等个人信息在清洗阶段即已删除或隐去，含有这类信息的意见建议不作引用。",
        f"计分：量表题按选项顺序计分，{scales}；反向表述的题目已反向计分，分数越高表示情况越好；各方面（维度）得分为"
        f"该方面各题得分的平均值（至少回答一半题目）。“负面评价”指选择{negative}。",
        f"存在的问题的依据有四类，报告对每类分别表述：一是与{w.rest}相比显著偏低（见下条检验方法，只有这一类称“显著”）；"
        f"二是本单位自身得分最低的方面（{w.area}共性问题之外，按各量表换算后比较），以及负面评价占比达到"
        f"{pct(rules.negative_share)}且高于{w.area}的方面；三是{w.area}普遍存在的薄弱方面（{wide}），"
        f"在本单位并不显著偏高时列出；四是上次调查中已低于{w.area}平均"
        f"{rules.persistent_gap:.2f}分以上、本次仍然如此且没有显著改善的方面。每个单位最多列出{rules.at_most}个问题。",
        f"比较方法：每个{w.unit_label}与{w.rest}合并样本比较，采用Welch t检验，效应量为Hedges g；"
        f"对全部“{w.unit_label}×维度”检验采用Benjamini–Hochberg方法控制错误发现率（FDR），校正后p<{ALPHA}视为显著。"
        f"多选题各选项的选择比例与{w.rest}比较采用两比例z检验，同样经FDR校正；单位内部各类{w.respondents}之间的比较"
        f"采用Welch t检验并经FDR校正。有效问卷不足{m.min_n_test}份的单位只作描述，不做显著性判断。",
        f"隐私保护：报告只含汇总数据，不含任何个人答卷；人数不足{MIN_CELL}人的数字，以及可由合计减去其他数字推算出这类数字的，"
        f"均显示为“样本不足，不予显示”；各{w.unit_label}报告只与{w.area}汇总数据对比，不显示其他单位的数据；"
        f"引用的意见建议只取本单位独有的原话。",
    ]
    if w.overall is not None:
        out.insert(
            5,
            f"关联分析：以“{w.overall.label}”为因变量、各方面得分为自变量做线性回归，各方面的相对重要性为其对"
            "R²的贡献（LMG方法）占比。这是横断面数据中的统计关联，不代表因果关系；报告中的“关联”均为此意。",
        )
    return out


__all__ = ["UnitTables", "conclusion", "found_text", "ledger_rows", "methods_note", "paragraphs", "records"]
