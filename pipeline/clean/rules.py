"""The quality rules, one function each, applied in a fixed order; a row is rejected by the first it breaks.

0. ``未填所在单位`` — no unit answered, so the row cannot be attributed;
1. ``答案不合规`` — an answer that breaks its question's rule: a number unreadable, outside the
   questionnaire's range or looking like a phone/ID number, or more choices than ``max_choices``;
2. ``答题过快`` — duration below a fraction (default 1/3) of the median duration, or below an
   absolute floor per question (default 1 s); rows without a duration (paper, SPSS) are not judged;
3. ``直线作答`` — at least N (default 5) Likert answers, all the same option;
4. ``注意力检测未通过`` — an instructed-response item answered otherwise (when the questionnaire has one);
5. ``重复提交`` — the same answers as an earlier row submitted within a window (default 30 min), or
   with no submit time to compare (the same respondent in a web export and a paper file);
6. ``大面积缺答`` — more than a share (default 40%) of applicable questions unanswered; questions
   hidden by skip logic (``show_if``) are not applicable and do not count as missing.

A shared IP address alone is not evidence (a village committee's Wi-Fi serves many honest
respondents): rows sharing one with several others are only flagged (the audit's hint).
``describe_rules`` says in Chinese how each rule was applied to an export; the methods note prints it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.common.distinct import factorize, hash_rows, map_values
from pipeline.common.matching import fold
from pipeline.common.privacy import address_part
from pipeline.questionnaire import Questionnaire

RULE_NO_UNIT = "未填所在单位"
RULE_INVALID = "答案不合规"
RULE_SPEEDER = "答题过快"
RULE_ATTENTION = "注意力检测未通过"
RULE_STRAIGHTLINE = "直线作答"
RULE_DUPLICATE = "重复提交"
RULE_MISSING = "大面积缺答"
RULE_ORDER = (
    RULE_NO_UNIT,
    RULE_INVALID,
    RULE_SPEEDER,
    RULE_STRAIGHTLINE,
    RULE_ATTENTION,
    RULE_DUPLICATE,
    RULE_MISSING,
)
META = {"_file", "_row", "resp_id", "submitted_at", "duration_s", "channel", "ip", "_issue", "_note"}

Broken = tuple[pd.Series, pd.Series]  # per row: whether the rule is broken, and the Chinese detail


def applicable(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Boolean frame: question id -> whether skip logic shows it to the respondent."""
    out = {}
    for q in questionnaire.questions:
        mask = pd.Series(True, index=frame.index)
        for ref, values in (q.show_if or {}).items():
            mask &= frame[ref].astype("string").isin(values).fillna(False).astype(bool)
        out[q.id] = mask
    return pd.DataFrame(out)


def answered(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Boolean frame: question id -> whether the row has an answer."""
    out = {}
    for q in questionnaire.questions:
        if q.type == "multi":
            cols = [c for c in frame.columns if c.startswith(f"{q.id}__") and not c.endswith("other_text")]
            out[q.id] = frame[cols].notna().any(axis=1)
        else:
            out[q.id] = frame[q.id].notna()
    return pd.DataFrame(out)


def answer_key(frame: pd.DataFrame) -> pd.Series:
    """A hash of every answer of a row (metadata excluded), for finding duplicates: choices hashed as they
    are stored (codes), written answers after the normalisation names are matched with (``fold``: full and
    half width, spaces and punctuation ignored), so a paper copy re-typed with "," for "，" is the same
    answer; combined across columns."""
    cols = [c for c in frame.columns if c not in META]
    answers = frame[cols]  # a new frame (copy on write): the caller's columns stay as they are
    for c in cols:
        if pd.api.types.is_string_dtype(answers[c]) and not isinstance(answers[c].dtype, pd.CategoricalDtype):
            answers[c] = map_values(answers[c], lambda v: fold(v) if isinstance(v, str) else v)
    return pd.Series(hash_rows(answers), index=frame.index)


@dataclass
class SurveyWide:
    """What the rules that look at the whole survey found, per row by its position in the survey: the median
    duration (None: no durations), each duplicate row's detail, and for rows sharing an IP address with at
    least ``shared_ip_flag_at`` − 1 others the number of rows sharing it. Made from compact per-row columns
    (``RowColumns``), so a survey read part by part needs these only, not its answers."""

    median: float | None
    duplicates: pd.Series
    shared_ip: pd.Series
    has_times: bool


class RowColumns:
    """The compact per-row columns the survey-wide rules need, gathered part by part: duration, submit time,
    a hash of the answers, and a code for the IP address (one dictionary across parts; −1 for none)."""

    def __init__(self) -> None:
        self.durations: list[np.ndarray] = []
        self.times: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []
        self.addresses: list[np.ndarray] = []
        self.known: dict[str, int] = {}

    def add(self, part: pd.DataFrame) -> None:
        self.durations.append(part["duration_s"].to_numpy(dtype=float, na_value=np.nan))
        self.times.append(part["submitted_at"].to_numpy(dtype="datetime64[ns]"))
        self.keys.append(answer_key(part).to_numpy())
        codes = np.full(len(part), -1, dtype=np.int32)
        if "ip" in part:
            local, uniques = factorize(part["ip"])
            address = address_part(pd.Series(uniques, dtype="string")).to_numpy(dtype=object, na_value=None)
            to_global = np.array([-1 if a is None else self.known.setdefault(a, len(self.known))
                                  for a in address], dtype=np.int32)
            codes = to_global[local]
        self.addresses.append(codes)

    def survey_wide(self, q: Questionnaire, who: Callable[[np.ndarray], pd.DataFrame]) -> SurveyWide:
        """The survey-wide findings; ``who(positions)`` gives the rows' ``resp_id`` and ``_file``."""
        join = np.concatenate
        durations, times = join(self.durations), join(self.times)
        codes = join(self.addresses)
        counts = np.append(np.bincount(codes[codes >= 0], minlength=len(self.known)), 0)
        shared = counts[codes]  # code −1 (no address) picks the appended 0
        many = np.flatnonzero(shared >= q.quality.shared_ip_flag_at)
        has_durations = bool((~np.isnan(durations)).any())
        return SurveyWide(
            median=float(np.nanmedian(durations)) if has_durations else None,
            duplicates=find_duplicates(join(self.keys), times, who, q.quality.duplicate_window_minutes),
            shared_ip=pd.Series(shared[many], index=many),
            has_times=bool((~np.isnat(times)).any()),
        )


def survey_wide(frame: pd.DataFrame, q: Questionnaire) -> SurveyWide:
    """``SurveyWide`` of a survey held whole (``frame`` indexed by position, 0 … n−1)."""
    columns = RowColumns()
    columns.add(frame)
    return columns.survey_wide(q, lambda at: frame.iloc[at][["resp_id", "_file"]].reset_index(drop=True))


def _where(broken: pd.Series, text) -> pd.Series:
    """A rule's detail: ``text(rows)`` for the rows that break it, NA elsewhere (built only where needed)."""
    out = pd.Series(pd.NA, index=broken.index, dtype="string")
    rows = broken.fillna(False).to_numpy(dtype=bool)
    if rows.any():
        out[rows] = text(rows).astype("string").to_numpy()
    return out


def _all(frame: pd.DataFrame, text: str) -> pd.Series:
    return pd.Series(text, index=frame.index, dtype="string")


def no_unit(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    unit = q.unit_question
    return frame[unit.id].isna(), _all(frame, f"未填写“{unit.short}”，无法归属到任何单位")


def invalid_answer(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    issue = frame["_issue"].astype("string") if "_issue" in frame else _all(frame, None)
    return issue.notna(), issue


def speeder(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    rules = q.quality
    dur = frame["duration_s"].astype(float)
    if wide.median is None:
        return pd.Series(False, index=frame.index), _all(frame, None)
    median = wide.median
    relative = rules.speeder_fraction_of_median * median
    floor = rules.min_seconds_per_item * len(q.questions)
    why = (f"低于全部答卷用时中位数{median:.0f}秒的{rules.speeder_fraction_of_median:.0%}（{relative:.0f}秒）"
           if relative >= floor else f"低于每题{rules.min_seconds_per_item:g}秒的下限（{floor:.0f}秒）")
    broken = dur < max(relative, floor)
    return broken, _where(broken, lambda r: "用时" + dur[r].round().astype("Int64").astype("string") + "秒，"
                          + why)


def straight_lining(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    """The same option on every answered item of the dimensions (an overall question is not one of them, so
    the rule is the same whatever other questions a questionnaire defines)."""
    cols = [x.id for x in q.likert_items]
    likert = frame[cols].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    answered = ~np.isnan(likert)
    n = answered.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no answer at all
        same = np.nanmin(likert, axis=1) == np.nanmax(likert, axis=1)
    same = same & (n >= q.quality.straightline_min_items)
    same = pd.Series(same, index=frame.index)
    first = likert[np.arange(len(likert)), answered.argmax(axis=1)] if cols else np.full(len(frame), np.nan)
    return same, _where(same, lambda r: "全部" + pd.Series(n[r]).astype(str) + "道量表题均选择第"
                        + pd.Series(first[r]).astype("Int64").astype("string") + "个选项")


def attention_failure(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    failed = pd.Series(False, index=frame.index)
    detail = _all(frame, None)
    for check in q.attention_checks:
        item = q.by_id[check.question]
        answer = frame[check.question]
        given = answer.cat.codes + 1 if isinstance(answer.dtype, pd.CategoricalDtype) else answer
        wrong = answer.notna() & (
            pd.Series(given, index=frame.index) != item.options.index(check.expected) + 1
        )
        detail = detail.mask(wrong & ~failed, f"{item.where}应选择“{check.expected}”")
        failed |= wrong.fillna(False).astype(bool)
    return failed, detail


def duplicate(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    """The same answers as an earlier row (by submit time) within the window, or with no time to compare."""
    is_dup = pd.Series(frame.index.isin(wide.duplicates.index), index=frame.index)
    return is_dup, wide.duplicates.reindex(frame.index).astype("string")


def find_duplicates(key: np.ndarray, times: np.ndarray, who: Callable[[np.ndarray], pd.DataFrame],
                    window: float) -> pd.Series:
    """Per duplicate row (indexed by its position in the survey), the Chinese detail naming the row it
    repeats: the same answer ``key`` as an earlier row (by submit time) within ``window`` minutes, or with
    no time to compare. Only rows whose key occurs more than once are looked at; ``who(positions)`` gives
    their ``resp_id`` and ``_file``."""
    key = pd.Series(key)
    positions = np.flatnonzero(key.duplicated(keep=False).to_numpy())
    rows = who(positions).set_axis(positions, axis=0).assign(submitted_at=times[positions])
    order = rows.sort_values("submitted_at", kind="stable").index
    groups = key.loc[order].to_numpy()
    t = rows.loc[order, "submitted_at"]
    prev_t = t.groupby(groups).shift(1)
    prev_id = rows.loc[order, "resp_id"].groupby(groups).shift(1)
    prev_file = rows.loc[order, "_file"].groupby(groups).shift(1)
    gap_min = (t - prev_t).dt.total_seconds() / 60
    no_time = prev_id.notna() & (t.isna() | prev_t.isna())
    at = np.sort(order[((gap_min <= window) | no_time).to_numpy()])
    file = rows.loc[at, "_file"]
    where = ("（" + prev_file[at].astype("string") + "）").where(prev_file[at] != file, "")
    gap = ("，提交间隔" + gap_min[at].round(1).astype("string") + "分钟").fillna("，无提交时间可比")
    return ("与序号" + prev_id[at].astype("string") + where + "的答卷完全相同" + gap).astype("string")


def large_missing(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> Broken:
    counted = [x.id for x in q.questions if x.type in ("single", "likert", "multi")]
    app, ans = applicable(frame, q)[counted], answered(frame, q)[counted]
    n_app, n_miss = app.sum(axis=1), (app & ~ans).sum(axis=1)
    share = n_miss / n_app.where(n_app > 0)
    limit = q.quality.max_missing_share
    broken = share > limit
    def detail(r: np.ndarray) -> pd.Series:  # built for the broken rows only
        percent = (share[r] * 100).round(0).astype("Int64").astype("string")
        return ("适用的" + n_app[r].astype(str) + "道题中有" + n_miss[r].astype(str) + "道未作答（" + percent
                + f"%，上限{limit:.0%}）")

    return broken, _where(broken, detail)


RULES: tuple[tuple[str, Callable[[pd.DataFrame, Questionnaire, SurveyWide], Broken]], ...] = (
    (RULE_NO_UNIT, no_unit), (RULE_INVALID, invalid_answer), (RULE_SPEEDER, speeder),
    (RULE_STRAIGHTLINE, straight_lining), (RULE_ATTENTION, attention_failure), (RULE_DUPLICATE, duplicate),
    (RULE_MISSING, large_missing),
)


def shared_ip_hint(frame: pd.DataFrame, q: Questionnaire, wide: SurveyWide) -> pd.Series:
    """A hint (never a reason) where a row shares its IP with several others."""
    hint = pd.Series(pd.NA, index=frame.index, dtype="string")
    shared = wide.shared_ip.reindex(frame.index)
    many = shared.notna().to_numpy()
    hint[many] = "与另外" + (shared[many].astype(int) - 1).astype(str) + "份答卷来自同一IP（仅提示，不剔除）"
    return hint


def quality_flags(frame: pd.DataFrame, questionnaire: Questionnaire, wide: SurveyWide | None = None
                  ) -> pd.DataFrame:
    """Per row: the first rule broken (or NA), its Chinese detail, and the shared-IP hint. ``wide`` is what
    the rules that look at the whole survey found (``SurveyWide``); by default ``frame`` is the survey.

    Returns
    -------
    DataFrame with columns ``rule``, ``detail``, ``hint`` (string, NA where none), indexed like ``frame``.
    """
    if wide is None:  # the survey held whole: its rows by position
        survey = frame.reset_index(drop=True)
        flags = quality_flags(survey, questionnaire, survey_wide(survey, questionnaire))
        return flags.set_axis(frame.index, axis=0)
    rule = pd.Series(pd.NA, index=frame.index, dtype="string")
    detail = pd.Series(pd.NA, index=frame.index, dtype="string")
    for name, check in RULES:
        broken, text = check(frame, questionnaire, wide)
        new = broken.fillna(False).astype(bool) & rule.isna()
        rule[new] = name
        detail[new] = text[new]
    hint = shared_ip_hint(frame, questionnaire, wide)
    if "_note" in frame:  # what the reader did to the row (a long answer cut)
        note = frame["_note"].astype("string")
        hint = (hint + "；" + note).fillna(hint).fillna(note)
    return pd.DataFrame({"rule": rule, "detail": detail, "hint": hint})


def describe_rules(questionnaire: Questionnaire, wide: SurveyWide) -> list[dict]:
    """Each quality rule, in order, as applied to this export: a Chinese sentence with its parameters, and
    whether the data allowed it (an export without durations cannot be checked for speeders)."""
    r, w = questionnaire.quality, questionnaire.report
    has_times, has_durations = wide.has_times, wide.median is not None
    n_likert = len(questionnaire.likert_items)
    checks = "；".join(
        f"{questionnaire.by_id[c.question].where}应选“{c.expected}”" for c in questionnaire.attention_checks
    )
    rules = [
        (RULE_NO_UNIT, True, f"未填写所在{w.unit_label}的答卷无法归属到任何单位（计入{w.area}回收数）"),
        (
            RULE_INVALID,
            True,
            "答案不符合题目要求：数字无法识别、超出题目范围或疑似电话证件号码，或多选题超过限选项数",
        ),
        (
            RULE_SPEEDER,
            has_durations,
            f"答题用时低于全部答卷用时中位数的{r.speeder_fraction_of_median:.0%}，或平均每题不足{r.min_seconds_per_item:g}秒"
            if has_durations
            else "导出文件没有答题用时，未检查答题过快",
        ),
        (
            RULE_STRAIGHTLINE,
            n_likert >= r.straightline_min_items,
            f"{r.straightline_min_items}道及以上量表题全部选择同一选项"
            if n_likert >= r.straightline_min_items
            else f"量表题不足{r.straightline_min_items}道，未检查直线作答",
        ),
        (RULE_ATTENTION, bool(checks), f"注意力检测题答错（{checks}）" if checks else "问卷没有注意力检测题"),
        (
            RULE_DUPLICATE,
            True,
            f"与此前{r.duplicate_window_minutes:g}分钟内提交的答卷答案完全相同（没有提交时间的，答案完全相同即视为重复；"
            "文字答案比较时不计标点、空格和全半角）"
            if has_times
            else "与另一份答卷答案完全相同（导出文件没有提交时间，不论先后）",
        ),
        (RULE_MISSING, True, f"适用题目中未作答的超过{r.max_missing_share:.0%}（跳题不计为缺答）"),
    ]
    return [{"rule": name, "applied": applied, "text": text} for name, applied, text in rules]
