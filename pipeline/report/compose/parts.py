"""What unit and district documents share: a unit's slice of the tables, paragraphs, figure data, the
conclusion column, the ledger's rows and the methods note."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import pct, score
from pipeline.common.rules import ALPHA, MIN_CELL
from pipeline.questionnaire.words import Words
from pipeline.report.document import LedgerRow, Paragraph


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
    return "无显著差异" if r["tested"] else "样本不足，不检验"


def found_text(r: pd.Series, rest: str) -> str:
    """问题表现 of a ledger row, in words, every figure rounded as the report rounds it."""
    neg = "" if pd.isna(r["unfavourable"]) else f"，负面评价占{pct(r['unfavourable'])}"
    return (
        f"本单位{score(r['mean'])}分，低于{rest}{score(r['rest_mean'])}分（差距{score(-r['diff'])}分{neg}）"
    )


def ledger_rows(ledger: pd.DataFrame, w: Words) -> list[LedgerRow]:
    """The problem ledger's rows as the documents and the workbook show them."""
    return [
        LedgerRow(
            unit=r["unit"],
            dimension=r["dimension_name"],
            item=None if pd.isna(r["item_text"]) else r["item_text"],
            found=found_text(r, w.rest),
            mean=r["mean"],
            rest_mean=r["rest_mean"],
            diff=r["diff"],
            p_fdr=None if pd.isna(r["p_fdr"]) else r["p_fdr"],
            hedges_g=r["hedges_g"],
            unfavourable=None if pd.isna(r["unfavourable"]) else r["unfavourable"],
            themes=r["themes"],
            measures=r["measures"],
        )
        for _, r in ledger.iterrows()
    ]


def methods_note(m: Manifest) -> list[str]:
    """How the figures were made: data, the cleaning rules as applied, scoring, tests, privacy."""
    w = m.words
    applied = [r.text for r in m.cleaning if r.applied]
    skipped = [r.text for r in m.cleaning if not r.applied]
    used = set(w.dimension_scales.values())
    scales = "；".join(
        f"{len(v.options)}级（{v.options[0]}=1分……{v.options[-1]}={len(v.options)}分）"
        for k, v in w.scales.items()
        if k in used
    )
    return [
        f"数据来源：{'、'.join(m.input_files)}（共{m.rows_in}份，有效{m.kept}份）。",
        "数据清洗：按以下规则依次剔除无效问卷，每份答卷只记一条剔除原因——"
        + "；".join(applied)
        + "。"
        + "".join(f"{t}。" for t in skipped)
        + "电话、证件号、邮箱和IP地址等个人信息在清洗阶段即已删除或隐去。",
        f"计分：量表题按选项顺序计分，{scales}；反向表述的题目已反向计分；维度得分为该维度各题得分的平均值（至少回答一半题目）。",
        f"比较方法：每个{w.unit_label}与{w.rest}合并样本比较，采用Welch t检验，效应量为Hedges g；"
        f"对全部“{w.unit_label}×维度”检验采用Benjamini–Hochberg方法控制错误发现率（FDR），校正后p<{ALPHA}视为显著。"
        f"有效问卷不足{m.min_n_test}份的单位只作描述，不做显著性判断。",
        f"隐私保护：报告只含汇总数据，不含任何个人答卷；人数不足{MIN_CELL}人的数字，以及可由合计减去其他数字推算出这类数字的，"
        f"均显示为“样本不足，不予显示”；各{w.unit_label}报告只与{w.area}汇总数据对比，不显示其他单位的数据。",
    ]


__all__ = ["UnitTables", "conclusion", "found_text", "ledger_rows", "methods_note", "paragraphs", "records"]
