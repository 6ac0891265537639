"""Clean: quality rules, privacy, reverse-coding; every input row ends kept or rejected.

Rules are applied in a fixed order and a row is rejected by the first rule it breaks:

0. ``未填所在单位`` — no street/township answered, so the row cannot be attributed;
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
respondents): rows sharing one with several others are only flagged in the audit's 提示 column.

Privacy: the IP column is dropped and personal numbers, e-mail and IP addresses in every text column
(answers and the audit's own text) are masked here with ``pipeline.privacy``; nothing downstream sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.clean.privacy import redact_series
from pipeline.common.atomic import write_json, write_parquet, write_with
from pipeline.common.excel import excel_writer, write_frame
from pipeline.questionnaire.model import Questionnaire

KEPT = "保留"
REJECTED = "剔除"
RULE_NO_UNIT = "未填所在单位"
RULE_INVALID = "答案不合规"
RULE_SPEEDER = "答题过快"
RULE_ATTENTION = "注意力检测未通过"
RULE_STRAIGHTLINE = "直线作答"
RULE_DUPLICATE = "重复提交"
RULE_MISSING = "大面积缺答"
RULE_ORDER = (RULE_NO_UNIT, RULE_INVALID, RULE_SPEEDER, RULE_STRAIGHTLINE, RULE_ATTENTION, RULE_DUPLICATE, RULE_MISSING)

PII_COLUMNS = ("ip",)
AUDIT_TEXT = ("来源文件", "序号", "说明", "提示")


@dataclass
class CleanResult:
    kept: pd.DataFrame
    audit: pd.DataFrame
    rules: list[dict] = field(default_factory=list)  # each rule as applied to this export (``describe_rules``)

    @property
    def counts(self) -> dict[str, int]:
        return {"rows_in": len(self.audit), "kept": len(self.kept), "rejected": int((self.audit["状态"] == REJECTED).sum())}


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


def _answer_key(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.Series:
    """A hash of every answer of a row (metadata excluded), for finding duplicates."""
    meta = {"_file", "_row", "resp_id", "submitted_at", "duration_s", "channel", "ip", "_issue"}
    cols = [c for c in frame.columns if c not in meta]
    return pd.util.hash_pandas_object(frame[cols].astype("string").fillna("\x00"), index=False)


def quality_flags(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per row: the first rule broken (or NA) and a Chinese detail sentence."""
    rules = questionnaire.quality
    rule = pd.Series(pd.NA, index=frame.index, dtype="string")
    detail = pd.Series(pd.NA, index=frame.index, dtype="string")

    def mark(mask: pd.Series, name: str, text: pd.Series) -> None:
        new = mask.fillna(False).astype(bool) & rule.isna()
        rule[new] = name
        detail[new] = text[new]

    unit = frame[questionnaire.unit_question.id]
    mark(unit.isna(), RULE_NO_UNIT, pd.Series(f"未填写“{questionnaire.unit_question.short}”，无法归属到任何单位", index=frame.index))

    if "_issue" in frame:
        mark(frame["_issue"].notna(), RULE_INVALID, frame["_issue"].astype("string"))

    dur = frame["duration_s"].astype(float)
    if dur.notna().any():
        median = float(dur.median())
        relative = rules.speeder_fraction_of_median * median
        floor = rules.min_seconds_per_item * len(questionnaire.questions)
        cut = max(relative, floor)
        why = (f"低于全部答卷用时中位数{median:.0f}秒的{rules.speeder_fraction_of_median:.0%}（{relative:.0f}秒）"
               if relative >= floor else f"低于每题{rules.min_seconds_per_item:g}秒的下限（{floor:.0f}秒）")
        mark(dur < cut, RULE_SPEEDER, "用时" + dur.round().astype("Int64").astype("string") + "秒，" + why)

    likert_ids = [q.id for q in questionnaire.questions if q.type == "likert"]
    lik = frame[likert_ids].astype("Float64")
    n_answered = lik.notna().sum(axis=1)
    same = (lik.nunique(axis=1) == 1) & (n_answered >= rules.straightline_min_items)
    first = lik.bfill(axis=1).iloc[:, 0]
    mark(same, RULE_STRAIGHTLINE,
         "全部" + n_answered.astype(str) + "道量表题均选择第" + first.astype("Int64").astype("string").fillna("?") + "个选项")

    for check in questionnaire.attention_checks:
        q = questionnaire.by_id[check.question]
        expected = q.options.index(check.expected) + 1 if check.expected in q.options else None
        answer = frame[check.question]
        given = answer.cat.codes + 1 if isinstance(answer.dtype, pd.CategoricalDtype) else answer
        failed = answer.notna() & (pd.Series(given, index=frame.index) != expected)
        mark(failed, RULE_ATTENTION, pd.Series(f"{q.where}应选择“{check.expected}”", index=frame.index))

    key = _answer_key(frame, questionnaire)
    order = frame.sort_values("submitted_at", kind="stable").index
    k = key.loc[order]
    t = frame.loc[order, "submitted_at"]
    prev_t = t.groupby(k.to_numpy()).shift(1)
    prev_id = frame.loc[order, "resp_id"].groupby(k.to_numpy()).shift(1)
    prev_file = frame.loc[order, "_file"].groupby(k.to_numpy()).shift(1)
    has_prev = prev_id.notna()
    gap_min = (t - prev_t).dt.total_seconds() / 60
    no_time = has_prev & (t.isna() | prev_t.isna())
    is_dup = ((gap_min <= rules.duplicate_window_minutes) | no_time).reindex(frame.index)
    where = ("（" + prev_file.astype("string") + "）").where(prev_file != frame.loc[order, "_file"], "")
    gap_text = ("，提交间隔" + gap_min.round(1).astype("string") + "分钟").fillna("，无提交时间可比")
    dup_text = ("与序号" + prev_id.astype("string") + where + "的答卷完全相同" + gap_text).reindex(frame.index)
    mark(is_dup, RULE_DUPLICATE, dup_text)

    app = applicable(frame, questionnaire)
    ans = answered(frame, questionnaire)
    counted = [q.id for q in questionnaire.questions if q.type in ("single", "likert", "multi")]
    n_app = app[counted].sum(axis=1)
    n_miss = (app[counted] & ~ans[counted]).sum(axis=1)
    share = n_miss / n_app.where(n_app > 0)
    mark(share > rules.max_missing_share, RULE_MISSING,
         "适用的" + n_app.astype(str) + "道题中有" + n_miss.astype(str) + "道未作答（"
         + (share * 100).round(0).astype("Int64").astype("string") + f"%，上限{rules.max_missing_share:.0%}）")
    hint = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "ip" in frame:
        ip = frame["ip"].astype("string").str.extract(r"^([\d.:a-fA-F]+)")[0]
        shared = ip.map(ip.value_counts())
        many = shared >= rules.shared_ip_flag_at
        hint[many.fillna(False)] = "与另外" + (shared[many.fillna(False)] - 1).astype(str) + "份答卷来自同一IP（仅提示，不剔除）"
    return pd.DataFrame({"rule": rule, "detail": detail, "hint": hint})


def describe_rules(frame: pd.DataFrame, questionnaire: Questionnaire) -> list[dict]:
    """Each quality rule, in order, as applied to this export: a Chinese sentence with its parameters, and
    whether the data allowed it (an export without durations cannot be checked for speeders)."""
    r, w = questionnaire.quality, questionnaire.report
    has_times = bool(frame["submitted_at"].notna().any()) if "submitted_at" in frame else False
    has_durations = bool(frame["duration_s"].notna().any()) if "duration_s" in frame else False
    n_likert = len(questionnaire.likert_items)
    checks = "；".join(f"{questionnaire.by_id[c.question].where}应选“{c.expected}”" for c in questionnaire.attention_checks)
    rules = [
        (RULE_NO_UNIT, True, f"未填写所在{w.unit_label}的答卷无法归属到任何单位（计入{w.area}回收数）"),
        (RULE_INVALID, True, "答案不符合题目要求：数字无法识别、超出题目范围或疑似电话证件号码，或多选题超过限选项数"),
        (RULE_SPEEDER, has_durations,
         f"答题用时低于全部答卷用时中位数的{r.speeder_fraction_of_median:.0%}，或平均每题不足{r.min_seconds_per_item:g}秒"
         if has_durations else "导出文件没有答题用时，未检查答题过快"),
        (RULE_STRAIGHTLINE, n_likert >= r.straightline_min_items,
         f"{r.straightline_min_items}道及以上量表题全部选择同一选项" if n_likert >= r.straightline_min_items
         else f"量表题不足{r.straightline_min_items}道，未检查直线作答"),
        (RULE_ATTENTION, bool(checks), f"注意力检测题答错（{checks}）" if checks else "问卷没有注意力检测题"),
        (RULE_DUPLICATE, True,
         f"与此前{r.duplicate_window_minutes:g}分钟内提交的答卷答案完全相同（没有提交时间的，答案完全相同即视为重复）"
         if has_times else "与另一份答卷答案完全相同（导出文件没有提交时间，不论先后）"),
        (RULE_MISSING, True, f"适用题目中未作答的超过{r.max_missing_share:.0%}（跳题不计为缺答）"),
    ]
    return [{"rule": name, "applied": applied, "text": text} for name, applied, text in rules]


def reverse_code(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Reverse-worded Likert items: code -> (k + 1 - code), so that higher is always better."""
    out = frame.copy()
    for q in questionnaire.likert_items:
        if q.reverse:
            out[q.id] = (len(q.options) + 1) - out[q.id]
    return out


def clean(frame: pd.DataFrame, questionnaire: Questionnaire) -> CleanResult:
    """Apply the quality rules, drop personal data, reverse-code; return kept rows and the audit."""
    flags = quality_flags(frame, questionnaire)
    unit_col = questionnaire.unit_question.id
    audit = pd.DataFrame({
        "来源文件": frame["_file"],
        "行号": frame["_row"],
        "序号": frame["resp_id"],
        "街道乡镇": frame[unit_col].astype("string"),
        "状态": np.where(flags["rule"].isna(), KEPT, REJECTED),
        "剔除规则": flags["rule"],
        "说明": flags["detail"],
        "提示": flags["hint"],
    })
    for col in AUDIT_TEXT:
        audit[col] = redact_series(audit[col])
    kept = frame.loc[flags["rule"].isna()].drop(columns=[c for c in (*PII_COLUMNS, "_issue") if c in frame.columns])
    for q in questionnaire.questions:
        if q.type == "text":
            kept[q.id] = redact_series(kept[q.id])
    for col in [c for c in kept.columns if c.endswith("__other_text")]:
        kept[col] = redact_series(kept[col])
    kept = reverse_code(kept, questionnaire).reset_index(drop=True)
    from pipeline.clean.schema import validate_clean

    validate_clean(kept, questionnaire)
    return CleanResult(kept=kept, audit=audit.reset_index(drop=True), rules=describe_rules(frame, questionnaire))


def write_clean(result: CleanResult, out_dir: str | Path) -> dict[str, Path]:
    """Write kept responses (Parquet) and the audit (Parquet and Excel) atomically."""
    out_dir = Path(out_dir)
    paths = {
        "responses": write_parquet(out_dir / "responses.parquet", result.kept),
        "audit": write_parquet(out_dir / "audit.parquet", result.audit),
        "rules": write_json(out_dir / "cleaning.json", result.rules),
    }
    summary = (result.audit.fillna({"剔除规则": "（保留）"})
               .groupby(["街道乡镇", "状态", "剔除规则"], dropna=False).size().rename("份数").reset_index())

    def _excel(p: Path) -> None:
        with excel_writer(p) as xw:
            write_frame(xw, summary, "汇总")
            write_frame(xw, result.audit, "逐行记录")

    paths["audit_xlsx"] = write_with(out_dir / "audit.xlsx", _excel)
    return paths
