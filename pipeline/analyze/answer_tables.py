"""The tables made from counts of answers: who answered (units, communities, composition), what they chose
in each multiple choice against the rest of the area, their open answers' themes, quotes and words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyze.counts import ANSWER, ANSWERED, UNIT, AnswerCounts
from pipeline.common.names import DISTRICT, NO_UNIT
from pipeline.common.rules import ALPHA, MIN_CELL
from pipeline.questionnaire import Questionnaire
from pipeline.stats.comparisons import (
    fdr,
)
from pipeline.stats.descriptives import add_wilson
from pipeline.stats.open_answers import (
    best_theme,
    code_themes,
    counted_keywords,
    distinctive_quotes,
    is_suggestion,
)


def _shares(counts: pd.Series, options: list[str]) -> pd.DataFrame:
    """Counts, shares and Wilson CIs of a single-choice question per unit and for the district, from its
    rows per (unit, answer)."""
    counts = counts.unstack(ANSWER, fill_value=0).reindex(columns=options, fill_value=0)
    counts.loc[DISTRICT] = counts.sum()
    long = counts.stack().rename("count").reset_index()
    long.columns = ["unit", "option", "count"]
    long["n"] = long.groupby("unit")["count"].transform("sum")
    long["share"] = long["count"] / long["n"]
    return add_wilson(long)


def _multi_select(counts: AnswerCounts, questionnaire: Questionnaire) -> pd.DataFrame:
    """Per unit and the area, each multiple choice's options: rows choosing it among the rows answering the
    question, with Wilson CIs, rank and the test against the rest of the area (``_against_the_rest``)."""
    rows = []
    for q in questionnaire.questions:
        if q.type != "multi":
            continue
        per_unit = counts.multi[q.id].copy()
        per_unit.loc[DISTRICT] = per_unit.sum()
        n = per_unit.pop(ANSWERED)
        per_unit.columns = q.options
        long = per_unit.stack().rename("count").reset_index()
        long.columns = ["unit", "option", "count"]
        long.insert(1, "question", q.id)
        long["n"] = long["unit"].map(n).astype(int)
        long["count"] = long["count"].astype(int)
        long["share"] = long["count"] / long["n"]
        rows.append(add_wilson(long))
    if not rows:
        return pd.DataFrame(
            columns=[
                "unit",
                "question",
                "option",
                "count",
                "n",
                "share",
                "ci_low",
                "ci_high",
                "rank",
                "suppressed",
                "rest_share",
                "p",
                "p_fdr",
                "significant",
            ]
        )
    out = pd.concat(rows, ignore_index=True)
    out["rank"] = out.groupby(["unit", "question"])["share"].rank(ascending=False, method="min").astype(int)
    out["suppressed"] = out["count"].between(1, MIN_CELL - 1)
    return _against_the_rest(out)


def _against_the_rest(t: pd.DataFrame, keys: tuple[str, ...] = ("question", "option")) -> pd.DataFrame:
    """Each unit's share choosing an option (``count`` of ``n``) against the rest of the area's:
    two-proportion z-test, FDR over every unit × option (the area's rows are not tested)."""
    from statsmodels.stats.proportion import proportions_ztest

    area = t.loc[t["unit"] == DISTRICT].set_index(list(keys))
    key = pd.MultiIndex.from_frame(t[list(keys)])
    rest_count = area["count"].reindex(key).to_numpy() - t["count"].to_numpy()
    rest_n = area["n"].reindex(key).to_numpy() - t["n"].to_numpy()
    t = t.assign(rest_share=np.where(rest_n > 0, rest_count / np.maximum(rest_n, 1), np.nan))
    p = np.full(len(t), np.nan)
    rows = zip(t["count"], t["n"], rest_count, rest_n, t["unit"], strict=True)
    for i, (c, n, rc, rn, u) in enumerate(rows):
        if u != DISTRICT and n >= MIN_CELL and rn >= MIN_CELL and 0 < c + rc < n + rn:
            with np.errstate(all="ignore"):
                p[i] = proportions_ztest([c, rc], [n, rn])[1]
    t["p"] = p
    return judge_shares(t)


def judge_shares(t: pd.DataFrame) -> pd.DataFrame:
    """FDR over every tested unit × option (``p``), and which are significant."""
    t["p_fdr"] = fdr(pd.Series(t["p"].to_numpy(dtype=float), index=t.index))
    t["significant"] = (t["p_fdr"] < ALPHA).fillna(False).astype(bool)
    return t


def _open_answers(counts: AnswerCounts, q: Questionnaire):
    """From the rows per (unit, open answer): real suggestions per unit, themes per unit and the area, each
    unit's distinctive quotes and keywords."""
    if q.role("open") is None or counts.texts.empty:
        return (
            pd.Series(0, index=counts.units.index),
            pd.DataFrame(columns=["unit", "theme", "count", "p_fdr", "significant"]),
            pd.DataFrame(columns=["unit", "theme", "quote"]),
            pd.DataFrame(columns=["unit", "keyword", "weight", "answers"]),
        )
    said = pd.Series(counts.texts.index.get_level_values(ANSWER), dtype="string")
    texts = counts.texts.loc[is_suggestion(said).to_numpy()]
    answers = pd.Series(texts.index.get_level_values(ANSWER), dtype="string")
    units = pd.Series(texts.index.get_level_values(UNIT), dtype="string")
    suggestions = texts.groupby(level=UNIT).sum()
    coded = code_themes(answers, q.theme_keywords()).mul(texts.to_numpy(), axis=0)
    themes = coded.groupby(units.to_numpy()).sum()
    themes.loc[DISTRICT] = coded.sum()
    themes = themes.stack().rename("count").reset_index()
    themes.columns = ["unit", "theme", "count"]
    themes = themes.loc[themes["count"] > 0].reset_index(drop=True)
    themes = _more_often(themes, suggestions.reindex(themes["unit"].unique()).fillna(0))
    theme_words = [w for t in q.themes.values() for w in t.keywords if len(w) > 1]
    terms = tuple(dict.fromkeys([*q.terms, *theme_words]))
    best = best_theme(answers, q.theme_keywords())
    quotes = distinctive_quotes(answers.where(best.notna()), units, best, terms)
    quotes = quotes[["unit", "theme", "quote"]]
    community = q.role("community")
    places = set(counts.units.index)
    if community is not None:
        places |= set(counts.answers[community.id].index.get_level_values(ANSWER))
    words = counted_keywords(texts, min_answers=MIN_CELL, terms=terms, stop_words=frozenset(q.stop_words),
                             places=tuple(sorted(places)))
    return suggestions, themes, quotes, words



def _more_often(themes: pd.DataFrame, answers: pd.Series) -> pd.DataFrame:
    """Themes (unit, theme, count) with ``significant``: written about in a larger share of the unit's answers
    than of the rest of the area's (two-proportion z-test, FDR over units × themes), and its ``p_fdr``."""
    if themes.empty:
        return themes.assign(p_fdr=pd.Series(dtype=float), significant=pd.Series(dtype=bool))
    totals = pd.Series(answers, dtype=float)
    totals.loc[DISTRICT] = totals.drop(DISTRICT, errors="ignore").sum()
    t = themes.assign(question="theme", option=themes["theme"], n=themes["unit"].map(totals).astype(int))
    t = _against_the_rest(t)
    higher = t["significant"] & (t["count"] / t["n"].where(t["n"] > 0) > t["rest_share"])
    return themes.assign(p_fdr=t["p_fdr"].to_numpy(), significant=higher.to_numpy())


def _satisfaction(table: pd.DataFrame, overall: pd.Series, q: Questionnaire) -> None:
    """Add the overall question's mean and satisfaction rate (the report's satisfied labels), with its
    Wilson CI, from its rows per (unit, option code)."""
    assert q.overall is not None
    codes = overall.index.get_level_values(ANSWER).to_numpy(dtype=float)
    scores = codes + q.score_shifts[q.overall.id]  # the options' own numbers where they carry them
    units = overall.index.get_level_values(UNIT)
    n = overall.groupby(units).sum()
    table["satisfaction_mean"] = table["unit"].map((overall * scores).groupby(units).sum() / n)
    table["satisfaction_n"] = table["unit"].map(n).fillna(0).astype(int)
    chosen = np.isin(codes, q.satisfied_codes())
    table["satisfaction_count"] = (table["unit"].map(overall.loc[chosen].groupby(units[chosen]).sum())
                                   .fillna(0).astype(int))
    table["satisfaction_rate"] = table["satisfaction_count"] / table["satisfaction_n"].where(
        table["satisfaction_n"] > 0
    )
    table["satisfaction_ci_low"], table["satisfaction_ci_high"] = add_wilson(
        table, "satisfaction_count", "satisfaction_n")[["ci_low", "ci_high"]].to_numpy().T


def unit_counts(counts: AnswerCounts, audit: pd.Series,
                q: Questionnaire) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Questionnaires received, valid (every kept row: ``counts.units``) and rejected, per unit (rows without
    a unit as ``NO_UNIT``) and for the whole area (over every row, not a sum of units); communities covered
    and satisfaction from the analysed units' counts (units of at least ``MIN_CELL``); valid answers per
    community. ``audit``: the rows per unit, status and rule (``audit_counts``)."""
    valid = counts.units
    rows = audit.rename("rows").reset_index()
    received = rows.groupby(rows["unit"].astype("string").fillna(NO_UNIT))["rows"].sum()
    units = (
        pd.DataFrame({"received": received})
        .join(valid.rename("valid"))
        .fillna({"valid": 0})
        .astype(int)
    )
    units["rejected"] = units["received"] - units["valid"]
    units = units.rename_axis("unit").reset_index()
    rank = {name: i for i, name in enumerate(q.unit_question.options)}
    units = units.sort_values("unit", key=lambda s: s.map(rank).fillna(len(rank))).reset_index(drop=True)
    units["kind"] = units["unit"].map(lambda u: "—" if u == NO_UNIT else q.unit_kind(u))
    district = pd.DataFrame({"unit": [DISTRICT], "received": [int(audit.sum())], "valid": [int(valid.sum())]})
    district["rejected"] = district["received"] - district["valid"]
    community = q.role("community")
    communities = pd.DataFrame({"unit": pd.Series(dtype="string"), "community": pd.Series(dtype="string"),
                                "valid": pd.Series(dtype=int), "suppressed": pd.Series(dtype=bool)})
    if community is not None:
        places = counts.answers[community.id]
        per_unit = places.groupby(level=UNIT).size()
        units["communities"] = units["unit"].map(per_unit).fillna(0).astype(int)
        district["communities"] = len(places)
        communities = places.rename("valid").rename_axis(["unit", "community"]).reset_index()
        communities["suppressed"] = communities["valid"] < MIN_CELL
    if q.overall is not None:
        _satisfaction(units, counts.overall, q)
        area = counts.overall.groupby(level=ANSWER).sum()
        _satisfaction(district, pd.concat({DISTRICT: area}, names=[UNIT]), q)
    return units, district, communities


def composition_table(counts: AnswerCounts, q: Questionnaire) -> pd.DataFrame:
    """Per unit and the area: count, share and Wilson CI of every option of every profile single choice."""
    parts = []
    for p in q.profile:
        if p.type == "single" and p.role != "unit":
            t = _shares(counts.answers[p.id], p.options)
            t.insert(1, "question", p.id)
            parts.append(t)
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in (
                    ("unit", "string"),
                    ("question", "string"),
                    ("option", "string"),
                    ("count", int),
                    ("n", int),
                    ("share", float),
                    ("ci_low", float),
                    ("ci_high", float),
                    ("suppressed", bool),
                )
            }
        )
    out = pd.concat(parts, ignore_index=True)
    out["suppressed"] = out["count"].between(1, MIN_CELL - 1)
    return out


