"""Nothing inferred across nights: a unit's figures are published again only when at least ``MIN_CELL``
respondents were added to it or removed from it since the set last published.

A nightly run that finds one new questionnaire in a unit of five would otherwise publish means from six
where last night's came from five, and ``6·m₂ − 5·m₁`` is the new respondent's answer. So the cleaned table
a run analyses (``responses.parquet``, what every report, workbook and explore table is made from) holds,
for a unit whose respondents changed by one to four since the previous run (rows compared by their answers,
as a multiset), the previous run's rows of that unit; and the counts the reports give for it (received,
valid, rejected by rule) are the previous run's too (``held.parquet``). The change is carried until it
reaches ``MIN_CELL``, when the unit is published from the current rows. The audit (``audit.parquet``,
``audit.xlsx``) stays the truth of this run's input, every row kept or rejected; the run says which units
were held, and the manifest lists them.

A unit that was not shown before (fewer than ``MIN_CELL`` valid rows) has published nothing to difference
against, and one that now has too few to show shows nothing: neither is held.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import write_parquet, write_parquet_parts
from pipeline.common.contracts import conform
from pipeline.common.distinct import hash_rows
from pipeline.common.rules import MIN_CELL
from pipeline.common.tables import read_table, read_table_parts, stored_columns
from pipeline.questionnaire import Questionnaire

HELD = "held.parquet"  # per held unit, the counts per status and rule last published
NOT_ANSWERS = ("_file", "_row")  # where a row came from is not what it says


def _keys(directory: Path, q: Questionnaire) -> pd.DataFrame:
    """Every stored response as (its unit's code, a hash of its answers): ten bytes a row, read part by
    part."""
    units = pd.CategoricalDtype(q.unit_question.options)
    out = []
    for part in read_table_parts(directory, "responses"):
        answers = part.drop(columns=[c for c in NOT_ANSWERS if c in part.columns])
        codes = part[q.unit_question.id].astype("string").astype(units).cat.codes.to_numpy(np.int16)
        out.append(pd.DataFrame({"unit": codes, "key": hash_rows(answers)}))
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame({"unit": [], "key": []})
    return frame.assign(unit=pd.Categorical.from_codes(frame["unit"].to_numpy(np.int16), dtype=units))


def changed_units(previous: Path, current: Path, questionnaire: Questionnaire) -> dict[str, int]:
    """Units whose respondents changed by 1 to ``MIN_CELL`` − 1 between the published set (``previous``)
    and this run's (``current``), with the size of the change; both shown, so the change would show."""
    if not (previous / "responses.parquet").exists():
        return {}
    if stored_columns(previous, "responses") != stored_columns(current, "responses"):
        return {}  # another questionnaire: rows cannot be compared (and figures are not comparable)
    before, now = _keys(previous, questionnaire), _keys(current, questionnaire)
    signed = pd.concat([before.assign(sign=-1), now.assign(sign=1)], ignore_index=True)
    change = signed.groupby(["unit", "key"], observed=True)["sign"].sum().abs().groupby(level="unit",
                                                                                     observed=True).sum()
    sizes_before, sizes_now = before["unit"].value_counts(), now["unit"].value_counts()
    shown = sizes_before.reindex(change.index, fill_value=0).ge(MIN_CELL) & \
        sizes_now.reindex(change.index, fill_value=0).ge(MIN_CELL)
    small = change.loc[shown & change.between(1, MIN_CELL - 1)]
    return {str(u): int(k) for u, k in small.items()}


def published_counts(directory: Path, counts: pd.Series) -> pd.Series:
    """``counts`` (rows per unit, status and rule, as the audit gives them) with each held unit's replaced
    by the counts last published for it."""
    if not (directory / HELD).exists():
        return counts
    held = read_table(directory, "held")
    units = set(held["unit"])
    kept = counts.loc[~counts.index.get_level_values("unit").isin(units)]
    old = held.set_index(["unit", "status", "rule"])["count"]
    return pd.concat([kept, old]).groupby(level=[0, 1, 2], dropna=False, sort=True).sum()


def held_units(directory: Path) -> list[str]:
    """The units whose figures this cleaned set holds as last published."""
    if not (directory / HELD).exists():
        return []
    return sorted(read_table(directory, "held")["unit"].unique().tolist())


def _rows(directory: Path, unit: str, held: set[str], keep: bool) -> Iterator[pd.DataFrame]:
    for part in read_table_parts(directory, "responses"):
        inside = part[unit].astype("string").isin(held).fillna(False).to_numpy()
        chosen = part.loc[inside if keep else ~inside]
        if len(chosen):
            yield chosen


def hold_changes(previous: Path, staging: Path, questionnaire: Questionnaire) -> dict[str, int]:
    """Hold back the units whose respondents changed by fewer than ``MIN_CELL`` since the previous run (the
    published set in ``previous``): ``staging``'s responses get their previous rows, ``held.parquet`` their
    previous counts. Returns the held units and the size of their change; each is said on standard
    error. Part by part: the table is never held whole."""
    held = changed_units(previous, staging, questionnaire)
    if not held:
        return {}
    unit = questionnaire.unit_question.id
    names = set(held)
    parts = chain(_rows(staging, unit, names, keep=False), _rows(previous, unit, names, keep=True))
    write_parquet_parts(staging / "responses.parquet", parts)  # read from the file it replaces (renamed last)
    before = published_counts(previous, _previous_counts(previous))
    last = before.loc[before.index.get_level_values("unit").isin(names)]
    table = last.rename("count").reset_index()
    write_parquet(staging / HELD, conform("held", table.astype({"count": np.int64})))
    for u, k in sorted(held.items()):
        print(f"提示：{u}自上次发布以来有效答卷变化{k}份（不足{MIN_CELL}份），为免前后两次结果相减推算出个人答案，"
              f"本次沿用上次发布的数据；累计变化达到{MIN_CELL}份后再更新", file=sys.stderr)
    return held


def _previous_counts(previous: Path) -> pd.Series:
    """The previous run's rows per unit, status and rule, from its audit."""
    from pipeline.clean.audit import audit_counts
    from pipeline.common.tallies import add_tallies

    return add_tallies(audit_counts(p) for p in read_table_parts(previous, "audit",
                                                                 columns=["unit", "status", "rule"]))
