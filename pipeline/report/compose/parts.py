"""What unit and district documents share: a unit's slice of the tables, paragraphs, figure data, the
conclusion column, the ledger's rows and the methods note."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analyze.manifest import Manifest
from pipeline.common.formatting import ColumnKind
from pipeline.common.rules import ALPHA, MIN_CELL, TRIM_FROM
from pipeline.findings.model import Trend
from pipeline.questionnaire.words import Words
from pipeline.report.compose.text_changes import wave_label
from pipeline.report.document import Column, Figure, LedgerRow, Paragraph
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


def column(wd: Wording, key: str, kind: ColumnKind = "text", **values) -> Column:
    """A table column named by the wording layer: ``report.columns.<key>``, or ``report.<key>`` for a key
    with a dot (``district_columns.valid``)."""
    name = wd.say(f"report.{key}" if "." in key else f"report.columns.{key}", **values)
    return Column(name=name, kind=kind)


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


def conclusion(r: pd.Series, wd: Wording) -> str:
    """The 结论 column of a dimension row."""
    if r["significant"]:
        kind = "low" if r["diff"] < 0 else "high"
    elif r["tested"]:
        kind = "same"
    elif r.get("sd", 1) == 0 and r.get("rest_sd", 1) == 0:  # every answer alike: nothing to compare
        kind = "no_variation"
    else:
        kind = "untested"
    return wd.say(f"report.conclusion.{kind}")


def found_text(r: pd.Series, w: Words, wd: Wording) -> str:
    """问题表现 of a ledger row, in words, every figure rounded as the report rounds it."""
    return wd.say("ledger.found", mean=r["mean"], compared=wd.compared(r["mean"], r["rest_mean"], w.rest),
                  unfavourable=None if pd.isna(r["unfavourable"]) else r["unfavourable"])


def deadline(data_until: str, months: int) -> tuple[int, int] | None:
    """完成时限: the year and month ``months`` after the survey's last answer (None without a date)."""
    try:
        end = pd.Timestamp(data_until) + pd.DateOffset(months=months)
    except (ValueError, TypeError):
        return None
    return end.year, end.month


def _figure(x) -> float | None:
    return None if pd.isna(x) else float(x)


def target_text(r: pd.Series, wd: Wording) -> str:
    """目标 of a ledger row in words: "得分提高到…的3.94分以上，负面评价占比由27.0%降至11.0%以下"."""
    score, share = _figure(r["target_score"]), _figure(r["target_unfavourable"])
    parts = [wd.say(f"ledger.target_part.{r['target']}", score=score)] if score is not None else []
    if share is not None and not pd.isna(r["unfavourable"]):
        parts.append(wd.say("ledger.target_part.unfavourable", unfavourable=r["unfavourable"], share=share))
    return wd.say("ledger.target", parts=parts, keep=wd.say("ledger.target_part.keep"))


def ledger_rows(ledger: pd.DataFrame, w: Words, wd: Wording, data_until: str = "") -> list[LedgerRow]:
    """The problem ledger's rows as the documents and the workbook show them."""
    due = deadline(data_until, w.deadline_months)
    by = wd.say("ledger.deadline", year=due[0], month=due[1]) if due else wd.say("report.dash")
    return [
        LedgerRow(
            unit=r["unit"],
            dimension=r["dimension_name"],
            item=None if pd.isna(r["item_text"]) else r["item_text"],
            evidence="；".join(wd.say(f"ledger.evidence.{k}") for k in r["kinds"].split(",") if k),
            found=found_text(r, w, wd),
            mean=r["mean"],
            rest_mean=r["rest_mean"],
            diff=r["diff"],
            p_fdr=r["p_fdr"],
            hedges_g=r["hedges_g"],
            unfavourable=r["unfavourable"],
            themes=r["themes"] or wd.say("report.dash"),
            measures=r["measures"],
            owner=r["owner"],
            target=target_text(r, wd),
            deadline=by,
        )
        for _, r in ledger.iterrows()
    ]


def methods_note(m: Manifest, wd: Wording, fieldwork: bool = True) -> list[str]:
    """How the figures were made: data, the cleaning rules as applied, scoring, what makes a problem, tests,
    associations, fieldwork notes (where the report cites any: ``fieldwork``), privacy — the only place a
    report names its statistical methods."""
    w = m.words
    rules = w.problems
    used = [w.scales[k] for k in dict.fromkeys(w.dimension_scales.values())]
    scales = [wd.say("methods.scale", points=len(s.options), low=s.low, lowest=s.options[0],
                     highest=s.options[-1])
              for s in used]
    negative = [wd.say("methods.negative", unfavourable=s.unfavourable, favourable=s.favourable)
                for s in used]
    names = w.dimension_names
    standards = [wd.say("methods.standard", name=names[d], score=s.score, share=s.unfavourable)
                 for d, s in w.standards.items()]
    wide = wd.say("methods.wide", lowest=rules.district_lowest, below=rules.district_below,
                  standards=standards)
    design = [wd.say("methods.design", kept=m.kept, **m.design.model_dump())] if m.design is not None else []
    trends = [wd.say("methods.trends")] if len(m.waves) >= 2 else []
    overall = ([wd.say("methods.association", overall=w.overall.label),
                wd.say("methods.ranks", min_cell=MIN_CELL, min_n_test=m.min_n_test)]
               if w.overall is not None else [])
    return [
        wd.say("methods.data", rows_in=m.rows_in, kept=m.kept),
        wd.say("methods.cleaning", applied=[r.text for r in m.cleaning if r.applied],
               skipped=[r.text for r in m.cleaning if not r.applied]),
        wd.say("methods.scoring", scales=scales, negative=negative),
        wd.say("methods.problems", negative_share=rules.negative_share, wide=wide,
               persistent_gap=rules.persistent_gap, at_most=rules.at_most, standards=standards,
               descriptive=[names[d] for d in w.descriptive], months=w.deadline_months),
        *design,
        wd.say("methods.tests", alpha=ALPHA, min_n_test=m.min_n_test, trimmed=len(m.units) - 1 >= TRIM_FROM,
               design=m.design is not None),
        *trends,
        *overall,
        *([wd.say("methods.fieldwork", notes=m.fieldwork_notes)] if m.fieldwork_notes and fieldwork else []),
        wd.say("methods.privacy", min_cell=MIN_CELL),
    ]


def trend_figure(trends: list[Trend], unit: str, area: str | None, wd: Wording) -> list[Figure]:
    """Small multiples of every dimension over three or more waves: the unit's series (and the area's), a
    significant trend marked ▲/▼ — the same facts the trend sentences state."""
    if not trends:
        return []
    rows = []
    for t in trends:
        name = t.name + {"up": " ▲", "down": " ▼"}.get(t.direction, "")
        for who, series in ((unit, t.series), (area, t.area if area else [])):
            rows += [{"dimension_name": name, "order": i, "wave": wave_label(p, wd), "mean": p.mean,
                      "who": who} for i, p in enumerate(series)]
    title = wd.say("report.figures.trends", points=max(len(t.series) for t in trends), unit=unit, area=area)
    return [Figure(plot="trends", title=title, data=rows, options={"unit": unit, "area": area or ""})]


__all__ = ["UnitTables", "conclusion", "found_text", "ledger_rows", "methods_note", "paragraphs", "records"]
