"""Optional post-stratification weights from a population table (cell weighting within each unit).

The population table (CSV or Excel) has one row per unit and cell: columns ``unit``, the weighting
variable (for example ``identity`` with the questionnaire's option texts) and ``population``. Within each
unit, a respondent in cell c gets weight (population share of c) / (sample share of c), normalised to a
mean of 1 in the unit. A unit or cell the sample has and the table does not list is an error naming
them all (a silent weight of 1 would misstate the estimate).
Weighted estimates are always labelled as such next to the unweighted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import read_small_table
from pipeline.common.tallies import tally


def read_population(path: str | Path, by: str) -> pd.DataFrame:
    path = Path(path)
    table = read_small_table(path, "人口结构表")
    missing = [c for c in ("unit", by, "population") if c not in table.columns]
    if missing:
        raise SurveyError(
            f"人口结构表缺少列：{'、'.join(missing)}（应有 unit、{by}、population 三列）", file=str(path)
        )
    bad = pd.to_numeric(table["population"], errors="coerce")
    if bad.isna().any() or (bad < 0).any():
        row = int(np.flatnonzero((bad.isna() | (bad < 0)).to_numpy())[0]) + 2
        raise SurveyError("population 应为非负数", file=str(path), row=row, column="population")
    return table.assign(population=bad)


@dataclass(frozen=True)
class Weighting:
    """Post-stratification asked for: the population table (``read_population``), the weighting question's
    id and the table's file (named in errors)."""

    population: pd.DataFrame
    by: str
    file: str | None = None


def cell_weight_table(sample: pd.Series, population: pd.DataFrame, by: str,
                      file: str | None = None) -> pd.Series:
    """Each (unit, cell)'s weight, population share / sample share within the unit (``sample``: respondents
    per unit and cell, indexed by ``unit`` and ``by``); not normalised."""
    pop = population.assign(unit=population["unit"].astype("string"), **{by: population[by].astype("string")})
    pop["pop_share"] = pop["population"] / pop.groupby("unit")["population"].transform("sum")
    counts = sample.rename("n").rename_axis(["unit", by]).reset_index()
    counts = counts.astype({"unit": "string", by: "string"})
    counts["sample_share"] = counts["n"] / counts.groupby("unit")["n"].transform("sum")
    cells = counts.merge(pop[["unit", by, "pop_share"]], on=["unit", by], how="left")
    missing = cells.loc[cells["pop_share"].isna() | (cells["pop_share"] == 0)]
    if not missing.empty:
        listed = "、".join(f"{u}的“{c}”" for u, c in zip(missing["unit"], missing[by], strict=True))
        raise SurveyError(f"人口结构表缺少以下单位和类别的人数（或人数为0），但样本中有这些受访者：{listed}；"
                          "请补全人口结构表后再加权", file=file, column="population")
    weights = cells["pop_share"] / cells["sample_share"]
    return weights.set_axis(pd.MultiIndex.from_frame(cells[["unit", by]]))


def cell_weights(unit: pd.Series, cell: pd.Series, population: pd.DataFrame, by: str,
                 file: str | None = None) -> pd.Series:
    """Post-stratification weight per respondent (mean 1 within each unit); respondents with no answer to
    the weighting question keep weight 1."""
    unit = unit.astype("string")
    table = cell_weight_table(tally(unit=unit, cell=cell), population, by, file)
    w = pd.Series(table.reindex(pd.MultiIndex.from_arrays([unit, cell.astype("string")])).to_numpy(),
                  index=unit.index).fillna(1.0)
    return w / w.groupby(unit).transform("mean")


def weighted_means(scores: pd.DataFrame, unit: pd.Series, w: pd.Series) -> pd.DataFrame:
    """``weighted_sums`` of each respondent's ``scores`` with weight ``w`` (respondents of a unit with equal
    weights summed together)."""
    unit, answered = unit.astype("string"), scores.notna().astype(int)
    cells = [unit, w.rename("w")]
    cell_n = answered.groupby(cells).sum()
    return weighted_sums(answered.groupby(unit).sum(), scores.groupby(unit).sum(), cell_n,
                         scores.groupby(cells).sum(),
                         pd.Series(cell_n.index.get_level_values("w"), index=cell_n.index))


def weighted_sums(unit_n: pd.DataFrame, unit_s: pd.DataFrame, cell_n: pd.DataFrame, cell_s: pd.DataFrame,
                  weights: pd.Series) -> pd.DataFrame:
    """Weighted mean and Kish effective n per unit × column, from the answered rows and sums of each unit
    (``unit_n``, ``unit_s``: indexed by unit) and of each weighted cell in it (``cell_n``, ``cell_s``: by
    unit and cell, with ``weights`` the cell's weight; rows in no cell weigh 1). Both are invariant to the
    scale of a unit's weights, so the weights need no normalising.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``dimension``, ``mean_weighted`` and ``n_effective``.
    """
    w = weights.reindex(cell_n.index).to_numpy()[:, None]

    def weighted(total: pd.DataFrame, cells: pd.DataFrame, factor: np.ndarray) -> pd.DataFrame:
        """A unit's ``total`` with each cell's part counted ``factor`` more times (rows in no cell: once)."""
        extra = pd.DataFrame(cells.to_numpy() * factor, index=cells.index.get_level_values(0),
                             columns=cells.columns)
        return total + extra.groupby(level=0).sum().reindex(total.index, fill_value=0)

    sw = weighted(unit_n, cell_n, w - 1)  # Σw
    swx = weighted(unit_s, cell_s, w - 1)  # Σwx
    sw2 = weighted(unit_n, cell_n, w ** 2 - 1)  # Σw²
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, n_eff = swx / sw.where(sw > 0), sw ** 2 / sw2.where(sw2 > 0)
    long = pd.DataFrame({"mean_weighted": mean.stack(future_stack=True),
                         "n_effective": n_eff.stack(future_stack=True)})
    return long.rename_axis(["unit", "dimension"]).reset_index()
