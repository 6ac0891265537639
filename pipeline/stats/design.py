"""Design-based estimates from mergeable sums: weighted means and shares per unit, their Taylor-linearised
variances under a stratified cluster design (with replacement at the first stage), design effects, Kish's
effective sample size, and each unit against a reference made of other units.

A unit is a domain. For a domain d with weighted total W_d = Σw and mean ȳ_d = Σwy / W_d, each primary
sampling unit (PSU) c contributes z_c = (S_c − ȳ_d W_c) / W_d, with S_c, W_c its domain members' Σwy and Σw
(zero for a PSU without any), and

    V(ȳ_d) = Σ_h n_h / (n_h − 1) · Σ_{c ∈ h} (z_c − z̄_h)²

over strata h with n_h PSUs (a stratum of one PSU adds nothing). Rows that did not answer a column stay in
the design with z = 0 (svy's ``drop_nulls``). Σ_c z_c² only needs, per domain and stratum, Σ_c S_c²,
Σ_c S_c W_c and Σ_c W_c², so PSUs must be complete before squaring: sums are kept per PSU (or, where every
respondent is a PSU, squared at once) and add up across parts, files and Dask tasks. PSUs are nested in units
(a community's name is read within its unit), so the sums of a group of units are the sums of their domains:
a unit against the rest of the area, or against the rest without its two most influential units, is a
difference of two domain means whose linearised variable is z_u − z_ref. The tests check every figure
against svy and a computation on the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, stats

# per key and column: answered rows, Σw, Σwy, Σwy², Σw² (answered); then, over complete PSUs, Σ(Σwy)²,
# Σ(Σwy)(Σw), Σ(Σw)² and the PSUs with an answer
N, W, S, R, V, C, D, E, P = range(9)


@dataclass(frozen=True)
class DesignSums:
    """Sums per key: (unit, stratum, psu) with ``clustered``, else (unit, stratum) with each respondent a PSU
    and the squares already taken. ``sums``: (keys, 8, columns); ``rows``: every row per key, answered or
    not (the PSUs per stratum count them)."""

    columns: tuple[str, ...]
    keys: pd.DataFrame
    sums: np.ndarray
    rows: np.ndarray
    clustered: bool

    @classmethod
    def of(cls, values: pd.DataFrame, weight: pd.Series, unit: pd.Series, stratum: pd.Series | None = None,
           psu: pd.Series | None = None) -> DesignSums:
        """The sums of ``values`` (NaN: not answered) with each row's ``weight``, ``unit``, ``stratum`` (None:
        one stratum) and ``psu`` (None: each respondent); rows without a unit count in none."""
        x = values.to_numpy(dtype=float, na_value=np.nan)
        w = weight.to_numpy(dtype=float)
        columns = {"unit": _labels(unit, None, len(w)), "stratum": _labels(stratum, "", len(w))}
        if psu is not None:
            columns["psu"] = _labels(psu, "", len(w))
        ok = columns["unit"][0] >= 0
        x, w = x[ok], w[ok]
        # each row's key as one integer (the columns' codes in mixed radix), its distinct values in order seen
        combined = np.zeros(int(ok.sum()), dtype=np.int64)
        for row_codes, names in columns.values():
            combined = combined * len(names) + row_codes[ok]
        codes, seen = pd.factorize(combined)
        parts = {}
        for name, (_, names) in reversed(columns.items()):
            parts[name] = names[seen % len(names)]
            seen = seen // len(names)
        keys = pd.DataFrame({name: parts[name] for name in columns})
        present = ~np.isnan(x)
        x0 = np.where(present, x, 0.0)
        answered, squares = present.astype(float), x0 * x0
        g, k = len(keys), x.shape[1]

        def by_key(row_weight: np.ndarray) -> sparse.csr_matrix:
            """Keys × rows, each row's entry its weight: times a rows × columns array, the sums per key."""
            return sparse.csr_matrix((row_weight, (codes, np.arange(len(codes)))), shape=(g, len(codes)))

        one, weighted, twice = by_key(np.ones(len(codes))), by_key(w), by_key(w * w)
        sums = np.zeros((g, 9, k))
        sums[:, N] = one @ answered
        sums[:, W] = weighted @ answered
        sums[:, S] = weighted @ x0
        sums[:, R] = weighted @ squares
        sums[:, V] = twice @ answered
        if psu is None:  # every respondent a PSU: the squares of its sums now
            sums[:, C] = twice @ squares
            sums[:, D] = twice @ x0
            sums[:, E] = sums[:, V]
            sums[:, P] = sums[:, N]
        rows = np.bincount(codes, minlength=g).astype(np.int64)
        return cls(tuple(values.columns), keys, sums, rows, psu is not None)

    def __add__(self, other: DesignSums) -> DesignSums:
        if (self.columns, self.clustered) != (other.columns, other.clustered):
            raise ValueError("design sums of different columns or designs")
        keys = pd.concat([self.keys, other.keys], ignore_index=True)
        codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
        g = len(uniques)
        sums = np.zeros((g, 9, len(self.columns)))
        np.add.at(sums, codes, np.concatenate([self.sums, other.sums]))
        rows = np.bincount(codes, weights=np.concatenate([self.rows, other.rows]), minlength=g)
        return DesignSums(self.columns, _frame(uniques, keys), sums, rows.astype(np.int64), self.clustered)

    def only(self, units: set[str]) -> DesignSums:
        keep = self.keys["unit"].isin(units).to_numpy()
        return DesignSums(self.columns, self.keys.loc[keep].reset_index(drop=True), self.sums[keep],
                          self.rows[keep], self.clustered)

    def by_stratum(self) -> Strata:
        """Per (unit, stratum) the nine sums (squares taken over complete PSUs), and each stratum's PSUs."""
        sums = self.sums.copy()
        if self.clustered:
            sums[:, C] = sums[:, S] ** 2
            sums[:, D] = sums[:, S] * sums[:, W]
            sums[:, E] = sums[:, W] ** 2
            sums[:, P] = sums[:, N] > 0
        units = sorted(self.keys["unit"].unique())
        strata = sorted(self.keys["stratum"].unique())
        u = pd.Index(units).get_indexer(self.keys["unit"])
        h = pd.Index(strata).get_indexer(self.keys["stratum"])
        out = np.zeros((len(units), len(strata), 9, len(self.columns)))
        np.add.at(out, (u, h), sums)
        psus = np.bincount(h, weights=self.rows > 0 if self.clustered else self.rows, minlength=len(strata))
        return Strata(self.columns, tuple(units), tuple(strata), out, psus)


def _labels(values: pd.Series | None, missing: str | None, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code among the column's labels (its values as text; a missing value is ``missing``, or
    code -1 where that is None), and the labels. ``None``: one label "" for every one of ``rows``."""
    if values is None:
        return np.zeros(rows, dtype=np.int64), np.array([""], dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques).astype("string").to_numpy(dtype=object, na_value=missing)
    if missing is not None and (codes < 0).any():
        codes, text = np.where(codes < 0, len(text), codes), np.append(text, missing)
    again, names = pd.factorize(text)  # values spelled alike as text are one label
    return np.where(codes >= 0, again[np.maximum(codes, 0)], -1), np.asarray(names, dtype=object)


def _frame(uniques: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    return uniques.to_frame(index=False, name=list(keys.columns))


@dataclass(frozen=True)
class Strata:
    """Per unit and stratum the sums (``DesignSums.by_stratum``), and each stratum's number of PSUs."""

    columns: tuple[str, ...]
    units: tuple[str, ...]
    strata: tuple[str, ...]
    sums: np.ndarray  # (units, strata, 9, columns)
    psus: np.ndarray  # (strata,)

    def columns_of(self, prefix: str) -> tuple[Strata, list[str]]:
        """The columns whose names start with ``prefix`` (their names without it), and their sums only."""
        at = [j for j, c in enumerate(self.columns) if c.startswith(prefix)]
        ids = [self.columns[j][len(prefix):] for j in at]
        return Strata(tuple(ids), self.units, self.strata, self.sums[:, :, :, at], self.psus), ids

    def take(self, columns: list[str]) -> Strata:
        """These columns' sums only, in this order."""
        at = [self.columns.index(c) for c in columns]
        return Strata(tuple(columns), self.units, self.strata, self.sums[:, :, :, at], self.psus)

    def total(self) -> np.ndarray:
        """The area's sums: (1, strata, 9, columns)."""
        return self.sums.sum(axis=0, keepdims=True)

    def rest(self, drop: np.ndarray | None = None) -> np.ndarray:
        """Per unit, the sums of every other unit, without ``drop`` ((units, columns, d) indices, -1 none)."""
        rest = self.total() - self.sums
        if drop is not None:
            columns = np.arange(self.sums.shape[3])
            for d in range(drop.shape[2]):
                at = drop[:, :, d]
                taken = self.sums[np.maximum(at, 0), :, :, columns[None, :]]  # (units, columns, strata, 9)
                taken = np.where((at >= 0)[:, :, None, None], taken, 0.0)
                rest = rest - np.moveaxis(taken, 1, 3)
        return rest


def _linearised(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of domains' sums (domains, strata, 9, columns): the mean, Σw, and per stratum Σz and Σz²."""
    weight = sums[:, :, W].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sums[:, :, S].sum(axis=1) / weight
        m, wt = mean[:, None, :], weight[:, None, :]
        t = (sums[:, :, S] - m * sums[:, :, W]) / wt
        q = (sums[:, :, C] - 2 * m * sums[:, :, D] + m * m * sums[:, :, E]) / (wt * wt)
    return mean, weight, t, q


def _variance(t: np.ndarray, q: np.ndarray, psus: np.ndarray) -> np.ndarray:
    n = psus[None, :, None].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(n > 1, n / (n - 1) * (q - t * t / n), 0.0)
    return part.sum(axis=1)


def domain_estimates(strata: Strata, sums: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per domain (rows of ``sums``, default every unit) and column: ``n`` answered, ``mean``, ``se``
    (Taylor), ``sd`` (weighted), ``deff`` (design variance over simple random sampling's s²/n),
    ``n_effective`` (Kish: (Σw)² / Σw²) and ``df`` (the domain's PSUs minus its strata)."""
    sums = strata.sums if sums is None else sums
    mean, weight, t, q = _linearised(sums)
    var = _variance(t, q, strata.psus)
    n = sums[:, :, N].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (sums[:, :, R].sum(axis=1) - mean * sums[:, :, S].sum(axis=1)) / weight
        sd = np.sqrt(np.maximum(spread, 0) * n / (n - 1))
        deff = var / (sd * sd / n)
        kish = weight**2 / sums[:, :, V].sum(axis=1)
    return {"n": n, "mean": mean, "se": np.sqrt(var), "sd": sd, "deff": deff, "n_effective": kish,
            "df": _df(sums)}


def _df(sums: np.ndarray) -> np.ndarray:
    """PSUs holding answers minus the strata they are in, per domain and column (at least 1)."""
    psus = sums[:, :, P]
    return np.maximum(psus.sum(axis=1) - (psus > 0).sum(axis=1), 1).astype(float)


def satterthwaite(v_a, df_a, v_b, df_b):
    """The degrees of freedom of a difference of two estimates with variances ``v_a``, ``v_b`` on ``df_a``,
    ``df_b`` (Satterthwaite; at least 1, the smaller side's where it cannot be formed)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (v_a + v_b) ** 2 / (v_a**2 / df_a + v_b**2 / df_b)
    return np.where(np.isfinite(df), np.maximum(df, 1.0), np.minimum(df_a, df_b))


def compare_design(strata: Strata, drop: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each unit against the rest of the area (without ``drop``), per column: the design-based t test of the
    difference of the two domain means, on the design's degrees of freedom. Returns ``domain_estimates`` of
    the units and of their rests (``rest_*``), and ``diff``, ``t``, ``p`` and ``test_df`` (Satterthwaite's,
    from each side's variance and its PSUs minus strata)."""
    rest = strata.rest(drop)
    own = domain_estimates(strata)
    other = domain_estimates(strata, rest)
    _, _, t_own, q_own = _linearised(strata.sums)
    _, _, t_rest, q_rest = _linearised(rest)
    var = _variance(t_own - t_rest, q_own + q_rest, strata.psus)
    diff = own["mean"] - other["mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / np.sqrt(var)
    # Satterthwaite: a unit's variance rests on its own few PSUs, and its degrees of freedom count
    df = satterthwaite(own["se"] ** 2, own["df"], other["se"] ** 2, other["df"])
    return {**own, **{f"rest_{k}": v for k, v in other.items()}, "diff": diff, "t": t,
            "p": 2 * stats.t.sf(np.abs(t), df), "test_df": df}


def compare_within(cells: DesignSums, parent: pd.Series, psus: pd.Series) -> dict[str, np.ndarray]:
    """Each cell (a domain inside a parent domain: a group of respondents within a unit) against the rest of
    its parent, per column: the design-based t test of the difference of the two domain means.

    A cell and its rest share PSUs (a community holds both groups), so the difference's linearised variable
    is taken per PSU before squaring; where every respondent is a PSU (sums squared per row) a respondent is
    in one side only and the two sides' squares add. ``cells``: the sums keyed by cell label (its ``unit``);
    ``parent``: each cell label's parent; ``psus``: each stratum's PSUs in the whole design (index: the
    strata's labels; a PSU without the parent counts as a zero). Returns ``cells`` (the labels, sorted) and
    per cell and column ``n``, ``mean``, ``sd``, ``se``, ``df`` and the same of the rest (``rest_*``), and
    ``diff``, ``t``, ``p`` and ``test_df`` (Satterthwaite's, as ``compare_design``)."""
    keys, s = cells.keys, cells.sums
    labels = sorted(keys["unit"].unique())
    ci = pd.Index(labels).get_indexer(keys["unit"])
    pcode, _ = pd.factorize(parent.reindex(labels).to_numpy())
    hi = pd.Index(psus.index).get_indexer(keys["stratum"])
    n_cells, n_strata, k = len(labels), len(psus), s.shape[2]
    own = np.zeros((n_cells, n_strata, 9, k))
    np.add.at(own, (ci, hi), s)
    family = np.zeros((pcode.max() + 1, n_strata, 9, k))
    np.add.at(family, pcode, own)
    rest = family[pcode] - own
    a_mean, a_weight, a_t, a_q = _linearised(own)
    b_mean, b_weight, b_t, b_q = _linearised(rest)
    if cells.clustered:  # the two sides' linearised variables per PSU, then squared
        a_t, a_q, b_t, b_q, t, q, a_psus, b_psus = _per_psu(keys, s, ci, pcode, hi, (a_mean, a_weight),
                                                            (b_mean, b_weight), n_strata)
    else:
        t, q = a_t - b_t, a_q + b_q
        a_psus, b_psus = own[:, :, N], rest[:, :, N]
    n = psus.to_numpy(dtype=float)
    var = _variance(t, q, n)
    out = {"cells": np.array(labels, dtype=object)}
    for side, sums, mean, weight, tt, qq, held in (("", own, a_mean, a_weight, a_t, a_q, a_psus),
                                                   ("rest_", rest, b_mean, b_weight, b_t, b_q, b_psus)):
        count = sums[:, :, N].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = (sums[:, :, R].sum(axis=1) - mean * sums[:, :, S].sum(axis=1)) / weight
            sd = np.sqrt(np.maximum(spread, 0) * count / (count - 1))
        df = np.maximum(held.sum(axis=1) - (held > 0).sum(axis=1), 1).astype(float)
        out |= {f"{side}n": count, f"{side}mean": mean, f"{side}sd": sd,
                f"{side}se": np.sqrt(_variance(tt, qq, n)), f"{side}df": df}
    diff = out["mean"] - out["rest_mean"]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_value = diff / np.sqrt(var)
    df = satterthwaite(out["se"] ** 2, out["df"], out["rest_se"] ** 2, out["rest_df"])
    return out | {"diff": diff, "t": t_value, "p": 2 * stats.t.sf(np.abs(t_value), df), "test_df": df}


def _per_psu(keys: pd.DataFrame, s: np.ndarray, ci: np.ndarray, pcode: np.ndarray, hi: np.ndarray,
             a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], n_strata: int):
    """For clustered cell sums: per cell and stratum, Σz and Σz² of the cell's side (a), its rest's (b) and
    their difference, each z taken per PSU of the cell's parent, and the PSUs holding answers on each side."""
    psu = pd.MultiIndex.from_arrays([pcode[ci], hi, keys["psu"].to_numpy()]).factorize()[0]
    n_psu = psu.max() + 1
    parent_of, stratum_of = np.zeros(n_psu, dtype=int), np.zeros(n_psu, dtype=int)
    parent_of[psu], stratum_of[psu] = pcode[ci], hi
    whole = np.zeros((n_psu, s.shape[2]))
    weight = np.zeros_like(whole)
    np.add.at(whole, psu, s[:, S])
    np.add.at(weight, psu, s[:, W])
    answered = np.zeros_like(whole)
    np.add.at(answered, psu, s[:, N])
    # every (cell, PSU of its parent): the cell's own sums there (zero where it has none)
    cell_parent = pd.Series(pcode)
    pairs = pd.DataFrame({"psu": np.arange(n_psu), "parent": parent_of}).merge(
        pd.DataFrame({"cell": cell_parent.index, "parent": cell_parent.to_numpy()}), on="parent")
    at = pd.MultiIndex.from_arrays([ci, psu]).get_indexer(pd.MultiIndex.from_frame(pairs[["cell", "psu"]]))
    mine = at >= 0
    c, p = pairs["cell"].to_numpy(), pairs["psu"].to_numpy()
    own_s, own_w, own_n = (np.where(mine[:, None], s[np.maximum(at, 0), j], 0.0) for j in (S, W, N))
    (a_mean, a_weight), (b_mean, b_weight) = a, b
    with np.errstate(divide="ignore", invalid="ignore"):
        za = (own_s - a_mean[c] * own_w) / a_weight[c]
        zb = ((whole[p] - own_s) - b_mean[c] * (weight[p] - own_w)) / b_weight[c]
    shape = (len(cell_parent), n_strata, s.shape[2])
    out = []
    for z in (za, zb, za - zb):
        t, q = np.zeros(shape), np.zeros(shape)
        np.add.at(t, (c, stratum_of[p]), z)
        np.add.at(q, (c, stratum_of[p]), z * z)
        out += [t, q]
    held_a, held_b = np.zeros(shape), np.zeros(shape)
    np.add.at(held_a, (c, stratum_of[p]), own_n > 0)
    np.add.at(held_b, (c, stratum_of[p]), (answered[p] - own_n) > 0)
    return (*out, held_a, held_b)
