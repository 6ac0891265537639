"""Raking each unit's weights to its population margins (iterative proportional fitting, by svy).

The margins table (CSV or Excel) has a column ``unit``, a column ``population`` and one column per raking
question (its id); each row gives one margin's total: a unit, one option of one question, its population
(the other questions' cells empty). Within each unit the respondents who answered every raking question are
raked, from their base weights, to the margins scaled to their share of the unit's base weight; the others
keep their base weight times the unit's population over its base weight. Every unit's weights then add up to
its population, so the area's estimates weight units by their populations.

Raking needs only each unit's base weight per combination of answers (``RakeCells``, added across parts), and
every respondent of a combination gets the same factor: the factors are computed once, from those cells, and
each part's weights are its base weights times them. Variances treat the raked weights as fixed, which is
conservative (calibration removes some variance; svy's Taylor estimates do the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import read_small_table
from pipeline.common.matching import nearest
from pipeline.questionnaire import Questionnaire

MARGIN_TOLERANCE = 0.01  # a unit's margins may disagree on its population by at most 1%
UNANSWERED = "\x00"  # the cell key of respondents who left a raking question unanswered
RAKE_FACTORS = "rake_factors.parquet"  # where the analysis stores them (unit, questions..., factor)


@dataclass(frozen=True)
class Margins:
    """Per unit, question and option, its population (``table``: unit, question, option, population)."""

    table: pd.DataFrame
    questions: tuple[str, ...]
    file: str

    def population(self) -> pd.Series:
        """Each unit's population: its first margin's total."""
        first = self.table.loc[self.table["question"] == self.questions[0]]
        return first.groupby("unit")["population"].sum()


def read_margins(path: str | Path, questions: dict[str, list[str]], units: list[str]) -> Margins:
    """The margins table at ``path``, checked against the raking questions (id → options) and the units:
    every error names the file, row and column, and an unknown unit or option the closest known ones."""
    file = str(path)
    table = read_small_table(path, "人口边际表", dtype=str)
    needed = ["unit", "population", *questions]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise SurveyError(f"人口边际表缺少列：{'、'.join(missing)}（应有 {'、'.join(needed)} 这些列，"
                          "每行填一个单位、一道加权题的一个选项及其人数）", file=file)
    table = table.apply(lambda c: c.str.strip())
    rows = []
    for i, row in enumerate(table.itertuples(index=False), start=2):
        record = row._asdict()
        unit = _known(record["unit"], units, "单位", file, i, "unit")
        filled = [q for q in questions if isinstance(record[q], str) and record[q] != ""]
        if len(filled) != 1:
            raise SurveyError(f"人口边际表每行应只在一道加权题（{'、'.join(questions)}）的列中填写选项，"
                              f"这一行填了{len(filled)}个", file=file, row=i)
        q = filled[0]
        option = _known(record[q], questions[q], f"“{q}”的选项", file, i, q)
        size = pd.to_numeric(record["population"], errors="coerce")
        if not np.isfinite(size) or size < 0:
            raise SurveyError("population 应为非负数", file=file, row=i, column="population")
        rows.append((unit, q, option, float(size)))
    out = pd.DataFrame(rows, columns=["unit", "question", "option", "population"])
    twice = out.loc[out.duplicated(["unit", "question", "option"])]
    if not twice.empty:
        r = twice.iloc[0]
        raise SurveyError(f"人口边际表中{r['unit']}的“{r['option']}”出现了不止一次", file=file)
    for unit, group in out.groupby("unit"):
        totals = group.groupby("question")["population"].sum().reindex(list(questions))
        if totals.isna().any():
            raise SurveyError(f"人口边际表缺少{unit}在“{totals.index[totals.isna()][0]}”上的人数", file=file)
        if totals.max() - totals.min() > MARGIN_TOLERANCE * totals.max():
            listed = "、".join(f"{q}合计{v:g}" for q, v in totals.items())
            raise SurveyError(f"人口边际表中{unit}各加权题的人数合计不一致（{listed}）；"
                              "同一单位的各个边际应加总为同一人口", file=file)
    return Margins(out, tuple(questions), file)


def _known(value: object, names: list[str], what: str, file: str, row: int, column: str) -> str:
    if isinstance(value, str) and value in names:
        return value
    raise SurveyError(f"“{value}”不是问卷中的{what}（{nearest(str(value), names, '可用')}）", file=file,
                      row=row, column=column)


@dataclass(frozen=True)
class RakeCells:
    """Each unit's base weight per combination of answers to the raking questions (``UNANSWERED`` for
    respondents who left one unanswered); parts' cells add up."""

    weight: pd.Series  # indexed by unit and one level per raking question

    @classmethod
    def of(cls, part: pd.DataFrame, unit: pd.Series, questions: tuple[str, ...],
           base: pd.Series) -> RakeCells:
        keys = cell_keys(part, unit, questions)
        return cls(base.set_axis(keys).groupby(level=list(keys.names), sort=False).sum())

    def __add__(self, other: RakeCells) -> RakeCells:
        return RakeCells(self.weight.add(other.weight, fill_value=0.0))


def cell_keys(part: pd.DataFrame, unit: pd.Series, questions: tuple[str, ...]) -> pd.MultiIndex:
    """Each row's (unit, answers...) key; a row with any raking question unanswered has ``UNANSWERED``
    for all of them."""
    answers = pd.DataFrame({q: part[q].astype("string") for q in questions}, index=part.index)
    gap = answers.isna().any(axis=1)
    answers = answers.mask(gap, UNANSWERED).fillna(UNANSWERED)
    return pd.MultiIndex.from_arrays([unit.astype("string").fillna(UNANSWERED),
                                      *(answers[q] for q in questions)], names=["unit", *questions])


@dataclass(frozen=True)
class RakeFactors:
    """Each cell's raking factor (raked weight over base weight), per unit and answers."""

    factor: pd.Series
    questions: tuple[str, ...]

    def table(self) -> pd.DataFrame:
        """As stored beside the analysis (``RAKE_FACTORS``): unit, one column per question, factor."""
        return self.factor.rename("factor").reset_index()

    def weights(self, part: pd.DataFrame, unit: pd.Series, base: pd.Series) -> pd.Series:
        """The raked weights of a part's rows: base weight times their cell's factor."""
        keys = cell_keys(part, unit, self.questions)
        factor = self.factor.reindex(keys).to_numpy()
        return base * np.where(np.isnan(factor), 1.0, factor)


def stored_factors(processed: Path, q: Questionnaire) -> RakeFactors | None:
    """The raking factors an analysis of ``q`` stored beside its tables (``RAKE_FACTORS``), where its design
    rakes (else None)."""
    from pipeline.common.tables import read_table_parts

    if q.design is None or not q.design.rake:
        return None
    questions = tuple(q.design.rake)
    keys = ["unit", *questions]
    if not (Path(processed) / RAKE_FACTORS).is_file():
        raise SurveyError(f"{processed} 中没有按人口边际调整的权重系数（{RAKE_FACTORS}）；"
                          "请对该次调查重新运行 survey run")
    parts = read_table_parts(processed, "rake_factors", file=RAKE_FACTORS, columns=[*keys, "factor"])
    factors = pd.concat(parts)
    return RakeFactors(factors.set_index(keys)["factor"], tuple(questions))


def rake_factors(cells: RakeCells, margins: Margins) -> RakeFactors:
    """Per unit, svy's raking of the answered cells to the margins (scaled to their share of the unit's base
    weight), and the unit's population over its base weight for the unanswered. An option respondents chose
    whose population is 0, an option with population but no respondents, or a unit the table leaves out is
    an error naming them (raking could not fit them)."""
    import polars as pl
    import svy

    questions = margins.questions
    factors = []
    population = margins.population()
    for unit, group in cells.weight.groupby(level="unit", sort=False):
        if unit not in population.index:
            raise SurveyError(f"人口边际表中没有“{unit}”的人数，但样本中有这个单位的受访者",
                              file=margins.file)
        group = group.droplevel("unit")
        answered = group.loc[[UNANSWERED not in np.atleast_1d(key) for key in group.index]]
        total, base_answered = float(group.sum()), float(answered.sum())
        out = pd.Series(population[unit] / total, index=group.index)
        if base_answered > 0:
            cell_table = answered.index.to_frame(index=False).assign(w=answered.to_numpy())
            controls = _controls(margins, unit, cell_table, base_answered / total)
            sample = svy.Sample(pl.from_pandas(cell_table), svy.Design(wgt="w"))
            raked = sample.weighting.rake(controls=controls, tol=1e-10, max_iter=1000)
            new = raked.data["rk_wgt"].to_numpy()
            out.loc[answered.index] = new / answered.to_numpy()
        factors.append(pd.concat({unit: out}, names=["unit"]))
    return RakeFactors(pd.concat(factors), questions)


def _controls(margins: Margins, unit: str, cells: pd.DataFrame, share: float) -> dict[str, dict[str, float]]:
    """The unit's margins scaled by ``share``, checked against the options its answered respondents chose."""
    table = margins.table.loc[margins.table["unit"] == unit]
    controls = {}
    for q in margins.questions:
        margin = table.loc[table["question"] == q].set_index("option")["population"]
        chosen = set(cells[q])
        empty = [o for o in chosen if margin.get(o, 0) == 0]
        if empty:
            raise SurveyError(f"人口边际表中{unit}“{q}”的“{'、'.join(sorted(empty))}”人数为0或未列出，"
                              "但样本中有这样的受访者；请补全人数或合并类别", file=margins.file)
        unseen = [o for o, v in margin.items() if v > 0 and o not in chosen]
        if unseen:
            raise SurveyError(f"{unit}没有受访者在“{q}”上选“{'、'.join(unseen)}”，无法按这一边际加权；"
                              "请在人口边际表中把它与相近的类别合并", file=margins.file)
        controls[q] = {o: float(v) * share for o, v in margin.items() if v > 0}
    return controls
