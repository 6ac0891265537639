"""Open answers: which are real suggestions, and which themes they touch (keyword dictionary)."""

from __future__ import annotations

import re

import pandas as pd

NON_ANSWERS = {"无", "暂无", "没有", "无意见", "没意见", "无建议", "没有意见", "没有建议", "暂时没有", "不知道", "好", "很好", "挺好"}
_PUNCT = re.compile(r"[\s，。！？、,.!?；;：:~～…]+")


def is_suggestion(texts: pd.Series) -> pd.Series:
    """True where an open answer says something (not blank, not "无"/"没有" and the like)."""
    core = texts.astype("string").str.replace(_PUNCT, "", regex=True)
    return (core.str.len().fillna(0) >= 2) & ~core.isin(NON_ANSWERS).fillna(False)


def code_themes(texts: pd.Series, themes: dict[str, list[str]]) -> pd.DataFrame:
    """Boolean frame, one column per theme: the answer contains any of the theme's keywords."""
    texts = texts.astype("string").fillna("")
    return pd.DataFrame(
        {theme: texts.str.contains("|".join(map(re.escape, words)), regex=True) for theme, words in themes.items()},
        index=texts.index,
    )
