"""Optional post-stratification weights from a population table (cell weighting within each unit).

The population table (CSV or Excel) has one row per unit and cell: columns ``unit``, the weighting
variable (for example ``identity`` with the questionnaire's option texts) and ``population``. Within each
unit, a respondent in cell c gets weight (population share of c) / (sample share of c), normalised to a
mean of 1 in the unit. A unit or cell the sample has and the table does not list is an error naming
them all (a silent weight of 1 would misstate the estimate).
Weighted estimates are always labelled as such next to the unweighted ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file


def read_population(path: str | Path, by: str) -> pd.DataFrame:
    path = regular_file(path, "人口结构表")
    try:
        table = (
            pd.read_excel(path)
            if path.suffix.lower() in (".xlsx", ".xls")
            else pd.read_csv(path, encoding="utf-8-sig")
        )
    except (OSError, ValueError) as exc:
        raise SurveyError(f"人口结构表无法读取：{exc}", file=str(path)) from None
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


def cell_weights(unit: pd.Series, cell: pd.Series, population: pd.DataFrame, by: str,
                 file: str | None = None) -> pd.Series:
    """Post-stratification weight per respondent (mean 1 within each unit); respondents with no answer to
    the weighting question keep weight 1."""
    sample = pd.DataFrame({"unit": unit.astype("string"), by: cell.astype("string")})
    pop = population.assign(unit=population["unit"].astype("string"), **{by: population[by].astype("string")})
    pop["pop_share"] = pop["population"] / pop.groupby("unit")["population"].transform("sum")
    counts = sample.dropna().groupby(["unit", by]).size().rename("n").reset_index()
    counts["sample_share"] = counts["n"] / counts.groupby("unit")["n"].transform("sum")
    cells = counts.merge(pop[["unit", by, "pop_share"]], on=["unit", by], how="left")
    missing = cells.loc[cells["pop_share"].isna() | (cells["pop_share"] == 0)]
    if not missing.empty:
        listed = "、".join(f"{u}的“{c}”" for u, c in zip(missing["unit"], missing[by], strict=True))
        raise SurveyError(f"人口结构表缺少以下单位和类别的人数（或人数为0），但样本中有这些受访者：{listed}；"
                          "请补全人口结构表后再加权", file=file, column="population")
    cells["w"] = cells["pop_share"] / cells["sample_share"]
    w = sample.merge(cells[["unit", by, "w"]], on=["unit", by], how="left")["w"].fillna(1.0).to_numpy()
    w = pd.Series(w, index=unit.index)
    return w / w.groupby(unit.astype("string")).transform("mean")


def weighted_means(scores: pd.DataFrame, unit: pd.Series, w: pd.Series) -> pd.DataFrame:
    """Weighted mean and Kish effective n per unit × dimension.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``dimension``, ``mean_weighted`` and ``n_effective``.
    """
    rows = []
    for dim in scores.columns:
        ok = scores[dim].notna()
        d = pd.DataFrame({"unit": unit[ok].astype("string"), "x": scores.loc[ok, dim], "w": w[ok]})
        d["wx"] = d["w"] * d["x"]
        d["w2"] = d["w"] ** 2
        g = d.groupby("unit")[["w", "wx", "w2"]].sum()
        rows.append(pd.DataFrame({"unit": g.index, "dimension": dim, "mean_weighted": g["wx"] / g["w"],
                                  "n_effective": g["w"] ** 2 / g["w2"]}))
    return pd.concat(rows, ignore_index=True)
