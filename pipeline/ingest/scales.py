"""Ordinal answer scales recognised from their words, not from a list of known label sets.

A label is placed on its scale by what it says: a number ("1", "5分", "1（非常不满意）"), a neutral word
(一般, 说不清 …), a frequency (从不 … 总是), or an intensity (非常, 比较, 有点 …) with or without a negation
(不, 不太, 很不 …) in front of one polarity stem (同意, 满意, 符合, 重要, 好 …; 差 and 低 as the opposites of
好 and 高). A set of labels is ordered only when every label is placed, all on the same stem, and no two
labels land on the same place; otherwise its order is unknown and the draft asks for it ("请确认顺序") —
an order is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# polarity stems, longest first; the value is the stem's kind as the draft names the scale
STEMS: dict[str, str] = {
    "同意": "同意程度",
    "赞同": "同意程度",
    "认同": "同意程度",
    "赞成": "同意程度",
    "满意": "满意程度",
    "符合": "符合程度",
    "重要": "重要程度",
    "支持": "支持程度",
    "了解": "了解程度",
    "熟悉": "了解程度",
    "清楚": "了解程度",
    "愿意": "意愿",
    "认可": "认可程度",
    "信任": "信任程度",
    "放心": "放心程度",
    "方便": "便利程度",
    "便利": "便利程度",
    "及时": "及时程度",
    "有效": "有效程度",
    "关心": "关心程度",
    "好": "好坏",
    "高": "高低",
}
OPPOSITES = {"差": "好", "坏": "好", "低": "高"}  # a stem said by its opposite word: 较差 = 不太好
NEUTRAL = frozenset(
    {"一般", "中立", "中等", "说不清", "说不清楚", "说不好", "不好说", "难说", "难以判断", "不确定", "还行",
     "还可以", "一般般", "无所谓", "中间", "普通", "尚可", "既不同意也不反对", "既不满意也不不满意"}
)
# how strongly a label says its stem, on either side (negations are counted from what follows 不)
STRONG = ("非常", "完全", "十分", "特别", "极其", "极为", "极", "很", "最", "绝对", "相当")
MILD = ("有点", "有些", "稍微", "稍", "略微", "略", "一点")
FAIR = ("比较", "较为", "较", "基本上", "基本", "大体", "还算", "挺")
SUFFIX_MILD = ("一些", "一点", "一点儿")
# frequency words, rarest first (两个词同一位置时无法排序)
FREQUENCY: dict[str, float] = {
    "从不": 0, "从来不": 0, "从没有": 0, "从来没有": 0, "没有": 0, "从未": 0,
    "极少": 1, "很少": 1, "几乎不": 1, "偶尔": 2, "有时": 3, "有时候": 3, "时常": 4, "经常": 4, "常常": 4,
    "较多": 4, "总是": 5, "一直": 5, "每次都": 5, "几乎总是": 5,
}
NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:分|星|级)?\s*(?:[（(【\[].*[）)】\]]|[:：.、\s].*)?\s*$")


@dataclass(frozen=True)
class Placed:
    """Where a label sits: a value on its scale and the stem (or "数字"/"频率") that scale is about."""

    value: float
    stem: str


def _intensity(prefix: str) -> float | None:
    """3 strong, 2.5 for a bare stem (满意 above 比较满意, below 非常满意), 2 fair, 1 mild; None for words
    this does not know."""
    if prefix == "":
        return 2.5
    for words, value in ((STRONG, 3.0), (FAIR, 2.0), (MILD, 1.0)):
        if prefix in words:
            return value
    return None


def place(label: str) -> Placed | None:
    """Where one label sits on its scale, or None where its words do not say."""
    text = re.sub(r"[\s。！!，,]", "", str(label))
    if not text:
        return None
    m = NUMBER.match(str(label))
    if m:
        return Placed(float(m.group(1)), "数字")
    if text in NEUTRAL:
        return Placed(0.0, "")
    if text in FREQUENCY:
        return Placed(FREQUENCY[text], "频率")
    for suffix in SUFFIX_MILD:  # 了解一些
        if text.endswith(suffix) and len(text) > len(suffix):
            inner = place(text[: -len(suffix)])
            return Placed(1.0 if inner.value > 0 else -1.0, inner.stem) if inner and inner.stem else None
    for word, stem in [*OPPOSITES.items(), *((s, s) for s in STEMS)]:
        if not text.endswith(word):
            continue
        head = text[: -len(word)]
        sign = -1.0 if word in OPPOSITES else 1.0
        return _signed(head, sign, stem)
    return None


def _signed(head: str, sign: float, stem: str) -> Placed | None:
    """The label's value from the words before its stem: an intensity and at most one negation."""
    if "不" not in head:
        value = _intensity(head)
        return None if value is None else Placed(sign * value, stem)
    before, _, after = head.partition("不")
    if "不" in after:
        return None
    if after == "太" or after == "大":  # 不太满意: a mild no
        return Placed(-sign * 1.5, stem) if before == "" else None
    if after:
        return None
    value = _intensity(before)  # 很不满意, 比较不满意, 不满意
    return None if value is None else Placed(-sign * value, stem)


def _one_scale(labels: list[str]) -> list[Placed] | None:
    """Where each label sits, when every one is placed on a scale about one thing; None otherwise."""
    placed = [place(x) for x in labels]
    if len(labels) < 2 or any(p is None for p in placed):
        return None
    return placed if len({p.stem for p in placed if p.stem}) == 1 else None


def order(labels: list[str]) -> list[str] | None:
    """``labels`` from the lowest to the highest, or None where their words do not establish an order:
    a label that cannot be placed, labels about different things, or two labels at the same place."""
    placed = _one_scale(labels)
    if placed is None:
        return None
    values = [p.value for p in placed]
    if len(set(values)) != len(values):
        return None
    return [x for _, x in sorted(zip(values, labels, strict=True))]


def kind(labels: list[str]) -> str:
    """What a scale measures, as the draft names it: "满意程度", "频率", "评分" …"""
    stems = {p.stem for p in map(place, labels) if p is not None and p.stem}
    if stems == {"数字"}:
        return "评分"
    if len(stems) == 1:
        stem = stems.pop()
        return STEMS.get(stem, stem)
    return "其他"


def looks_ordinal(labels: list[str]) -> bool:
    """Every label placed on a scale about one thing (its order may still be unknown: 很满意 and 非常满意)."""
    return _one_scale(labels) is not None
