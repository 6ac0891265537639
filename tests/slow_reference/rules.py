"""The quality rules that changed when they became column operations, as they were (details built for every
row); the rules that did not change are the project's own. Used only by ``test_fast_ingest``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.clean.rules import (
    META,
    RULE_ATTENTION,
    RULE_DUPLICATE,
    RULE_INVALID,
    RULE_MISSING,
    RULE_NO_UNIT,
    RULE_SPEEDER,
    RULE_STRAIGHTLINE,
    Broken,
    _all,
    answered,
    applicable,
    attention_failure,
    invalid_answer,
    no_unit,
)
from pipeline.questionnaire import Questionnaire


def answer_key(frame: pd.DataFrame) -> pd.Series:
    """A hash of every answer of a row (metadata excluded), for finding duplicates."""
    cols = [c for c in frame.columns if c not in META]
    return pd.util.hash_pandas_object(frame[cols].astype("string").fillna("\x00"), index=False)


def speeder(frame: pd.DataFrame, q: Questionnaire) -> Broken:
    rules = q.quality
    dur = frame["duration_s"].astype(float)
    if not dur.notna().any():
        return pd.Series(False, index=frame.index), _all(frame, None)
    median = float(dur.median())
    relative = rules.speeder_fraction_of_median * median
    floor = rules.min_seconds_per_item * len(q.questions)
    why = (f"低于全部答卷用时中位数{median:.0f}秒的{rules.speeder_fraction_of_median:.0%}（{relative:.0f}秒）"
           if relative >= floor else f"低于每题{rules.min_seconds_per_item:g}秒的下限（{floor:.0f}秒）")
    return dur < max(relative, floor), "用时" + dur.round().astype("Int64").astype("string") + "秒，" + why


def straight_lining(frame: pd.DataFrame, q: Questionnaire) -> Broken:
    likert = frame[[x.id for x in q.likert_items]].astype("Float64")
    n = likert.notna().sum(axis=1)
    first = likert.bfill(axis=1).iloc[:, 0].astype("Int64").astype("string").fillna("?")
    same = (likert.nunique(axis=1) == 1) & (n >= q.quality.straightline_min_items)
    return same, "全部" + n.astype(str) + "道量表题均选择第" + first + "个选项"


def duplicate(frame: pd.DataFrame, q: Questionnaire) -> Broken:
    """The same answers as an earlier row (by submit time) within the window, or with no time to compare."""
    key = answer_key(frame)
    order = frame.sort_values("submitted_at", kind="stable").index
    groups = key.loc[order].to_numpy()
    t = frame.loc[order, "submitted_at"]
    prev_t = t.groupby(groups).shift(1)
    prev_id = frame.loc[order, "resp_id"].groupby(groups).shift(1)
    prev_file = frame.loc[order, "_file"].groupby(groups).shift(1)
    gap_min = (t - prev_t).dt.total_seconds() / 60
    no_time = prev_id.notna() & (t.isna() | prev_t.isna())
    is_dup = ((gap_min <= q.quality.duplicate_window_minutes) | no_time).reindex(frame.index)
    where = ("（" + prev_file.astype("string") + "）").where(prev_file != frame.loc[order, "_file"], "")
    gap = ("，提交间隔" + gap_min.round(1).astype("string") + "分钟").fillna("，无提交时间可比")
    return is_dup, ("与序号" + prev_id.astype("string") + where + "的答卷完全相同" + gap).reindex(frame.index)


def large_missing(frame: pd.DataFrame, q: Questionnaire) -> Broken:
    counted = [x.id for x in q.questions if x.type in ("single", "likert", "multi")]
    app, ans = applicable(frame, q)[counted], answered(frame, q)[counted]
    n_app, n_miss = app.sum(axis=1), (app & ~ans).sum(axis=1)
    share = n_miss / n_app.where(n_app > 0)
    limit = q.quality.max_missing_share
    return share > limit, (
        "适用的"
        + n_app.astype(str)
        + "道题中有"
        + n_miss.astype(str)
        + "道未作答（"
        + (share * 100).round(0).astype("Int64").astype("string")
        + f"%，上限{limit:.0%}）"
    )


RULES: tuple[tuple[str, Callable[[pd.DataFrame, Questionnaire], Broken]], ...] = (
    (RULE_NO_UNIT, lambda f, q: no_unit(f, q, None)), (RULE_INVALID, lambda f, q: invalid_answer(f, q, None)),
    (RULE_SPEEDER, speeder), (RULE_STRAIGHTLINE, straight_lining),
    (RULE_ATTENTION, lambda f, q: attention_failure(f, q, None)), (RULE_DUPLICATE, duplicate),
    (RULE_MISSING, large_missing),
)


def shared_ip_hint(frame: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """A hint (never a reason) where a row shares its IP with several others."""
    hint = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "ip" in frame:
        ip = frame["ip"].astype("string").str.extract(r"^([\d.:a-fA-F]+)")[0]
        shared = ip.map(ip.value_counts())
        many = (shared >= q.quality.shared_ip_flag_at).fillna(False).astype(bool)
        hint[many] = "与另外" + (shared[many] - 1).astype(str) + "份答卷来自同一IP（仅提示，不剔除）"
    return hint


def quality_flags(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per row: the first rule broken (or NA), its Chinese detail, and the shared-IP hint.

    Returns
    -------
    DataFrame with columns ``rule``, ``detail``, ``hint`` (string, NA where none), indexed like ``frame``.
    """
    rule = pd.Series(pd.NA, index=frame.index, dtype="string")
    detail = pd.Series(pd.NA, index=frame.index, dtype="string")
    for name, check in RULES:
        broken, text = check(frame, questionnaire)
        new = broken.fillna(False).astype(bool) & rule.isna()
        rule[new] = name
        detail[new] = text[new]
    return pd.DataFrame({"rule": rule, "detail": detail, "hint": shared_ip_hint(frame, questionnaire)})
