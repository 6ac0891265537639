"""How the findings say things: a score with its scale, a share in words, a quotation inside a quotation, a
list of names — the phrasings every section shares, so that each is written one way."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.common.formatting import pct, score

TENTHS = "零一两三四五六七八九十"
DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """A positive number in Chinese as the reports count: 一 … 十, 十一 … 九十九 (beyond, in digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else DIGITS[tens]) + "十" if tens else "") + (DIGITS[ones] if ones else "")


def scored(x: float, points: int) -> str:
    """A score with its scale: "3.05分（5分制）"."""
    return f"{score(x)}分（{points}分制）"


def quoted(text: str) -> str:
    """``text`` in Chinese quotation marks; quotation marks inside it become 「」 (never “…“…”…”)."""
    return "“" + str(text).replace("“", "「").replace("”", "」") + "”"


def words_of(answer: str) -> str:
    """A respondent's answer quoted inside a sentence: “…” without its own closing stop (the sentence goes
    on)."""
    return quoted(str(answer).strip().rstrip("。.！!；;，,、 "))


def names(labels: list[str], last: str = "和") -> str:
    """“甲”、“乙”和“丙”."""
    q = [quoted(x) for x in labels]
    return q[0] if len(q) == 1 else "、".join(q[:-1]) + last + q[-1]


def about(share: float) -> str:
    """A share as people say it, with the exact figure: "近两成（18.9%）", "三成多（31.2%）",
    "约一半（50.4%）"."""
    tenths = share * 10
    low, frac = int(math.floor(tenths)), tenths - math.floor(tenths)
    if 4.75 <= tenths < 5.25:
        words = "约一半"
    elif frac >= 0.75 and low < 9:
        words = f"近{TENTHS[low + 1]}成"
    elif low == 0:
        words = "不到一成"
    elif frac <= 0.25:
        words = f"{TENTHS[low]}成" if frac < 0.05 else f"{TENTHS[low]}成多"
    else:
        words = f"{TENTHS[low]}成多"
    return f"{words}（{pct(share)}）"


def compared(mean: float, other: float, against: str) -> str:
    """"，高于/低于…的3.23分" or "，与…持平（3.23分）" — a score against another at the precision reports
    print; empty where the other is not shown."""
    if other is None or pd.isna(other):
        return ""
    a, b = score(mean), score(other)
    if a == b:
        return f"，与{against}持平（{b}分）"
    return f"，{'高于' if float(a) > float(b) else '低于'}{against}的{b}分"


def shares_compared(share: float, other: float, significant: bool, against: str) -> str:
    """ "，高于全区其他街道（乡镇）的22.1%（差异经统计检验显著）" — a share against another, 显著 only
    where the test says so; empty when there is nothing to compare with."""
    if other is None or pd.isna(other):
        return ""
    a, b = pct(share), pct(other)
    if a == b:
        return f"，与{against}持平（{b}）"
    if not significant:
        return f"，与{against}（{b}）的差异未达到统计显著水平"
    return f"，{'高于' if share > other else '低于'}{against}的{b}（差异经统计检验显著）"
