"""Estimates a survey methodologist would sign: a comparison no single unit can tip, intervals on ranks and
small-area estimates for units with few answers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline.analyze.ranking import satisfaction_ranks
from pipeline.analyze.tables import unit_tests
from pipeline.common.rules import MIN_CELL, MIN_N_TEST, significantly_low
from pipeline.stats.comparisons import compare_moments, moments_influential
from pipeline.stats.moments import Moments
from pipeline.stats.ranks import rank_intervals
from pipeline.stats.small_area import fay_herriot

UNITS = [f"单位{i:02d}" for i in range(16)]


def _likert(seed: int, shift: dict[str, float], n: int = 300, units: list[str] = UNITS) -> tuple:
    """Whole-number answers 1–5 per unit (a shared distribution, moved by ``shift`` where given)."""
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for u in units:
        latent = rng.normal(3.4 + shift.get(u, 0.0), 0.9, n)
        rows.append(np.clip(np.rint(latent), 1, 5))
        groups += [u] * n
    return pd.DataFrame({"d": np.concatenate(rows)}), pd.Series(groups)


def test_the_robust_rest_equals_the_sums_of_the_rows_left():
    """Each unit's rest without its two most influential others equals the statistics of those rows."""
    values, groups = _likert(1, {"单位03": 0.6, "单位09": -0.4}, n=120)
    m = Moments.of(values, groups, scale=[1])
    drop = moments_influential(m)
    rest = m.rest(drop)
    for i, unit in enumerate(m.groups):
        left_out = {unit, *(m.groups[j] for j in drop[i, 0] if j >= 0)}
        y = values.loc[~groups.isin(left_out), "d"]
        assert rest.count()[i, 0] == len(y)
        assert rest.mean()[i, 0] == pytest.approx(y.mean(), abs=1e-12)
        assert rest.var()[i, 0] == pytest.approx(y.var(), abs=1e-12)
    # the planted high and low units are the ones every other unit's rest leaves out
    assert {m.groups[j] for j in drop[0, 0]} == {"单位03", "单位09"}


def test_one_strong_unit_does_not_make_equal_units_significantly_low():
    """Fifteen units with the very same answers and one 0.6 higher: compared with the pooled rest all fifteen
    would be 显著低于 it; against the robust rest none is."""
    values, groups = _likert(2, {}, n=3000, units=["same"])
    same = values["d"].to_numpy()
    strong = np.clip(same + np.where(np.arange(len(same)) % 5 < 3, 1.0, 0.0), 1, 5)  # about +0.6
    frame = pd.DataFrame({"d": np.concatenate([strong] + [same] * 15)})
    labels = pd.Series(np.repeat(UNITS, len(same)))
    pooled = compare_moments(Moments.of(frame, labels, scale=[1]), "dimension", "unit")
    assert (pooled.loc[pooled["unit"] != UNITS[0], "p"] < 0.05).all()  # what the pooled rest did
    t = unit_tests(Moments.of(frame, labels, scale=[1]), "dimension")
    low = t.loc[significantly_low(t), "unit"].tolist()
    assert low == []
    assert t.loc[t["unit"] == UNITS[0], "significant"].item()  # the strong unit is still found


def test_a_planted_strong_unit_calls_no_other_unit_low_over_many_draws():
    """Equal units plus one planted +0.6: over 40 draws, other units called 显著低于 are no more frequent than
    the false discoveries FDR allows among equal units."""
    called = 0
    for seed in range(40):
        values, groups = _likert(100 + seed, {UNITS[0]: 0.6})
        t = unit_tests(Moments.of(values, groups, scale=[1]), "dimension")
        called += int(significantly_low(t).sum())
    assert called <= 3  # 40 draws × 15 equal units; the pooled rest calls several in most draws


def test_rank_intervals_cover_the_true_rank():
    """Known truth: 16 units, sizes 12–300, true shares spread over 0.70–0.90; over 200 draws the 95% rank
    interval covers the true rank in at least 93% of units, and the point rank is always inside it."""
    rng = np.random.default_rng(7)
    truth = np.linspace(0.70, 0.90, 16)
    sizes = rng.integers(12, 300, 16)
    true_rank = pd.Series(16 - np.argsort(np.argsort(truth)))
    covered = []
    for _ in range(200):
        count = rng.binomial(sizes, truth)
        p = count / sizes
        adjusted = (count + 2) / (sizes + 4)
        r = rank_intervals(pd.Series(p), pd.Series(np.sqrt(adjusted * (1 - adjusted) / sizes)))
        assert ((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"])).all()
        covered.append((r["rank_low"] <= true_rank) & (true_rank <= r["rank_high"]))
    assert np.mean(np.concatenate(covered)) >= 0.93


def test_rank_intervals_separate_units_far_apart():
    r = rank_intervals(pd.Series([0.9, 0.5, 0.1]), pd.Series([0.01, 0.01, 0.01]))
    assert r[["rank", "rank_low", "rank_high"]].values.tolist() == [[1, 1, 1], [2, 2, 2], [3, 3, 3]]
    wide = rank_intervals(pd.Series([0.80, 0.79, 0.78]), pd.Series([0.1, 0.1, 0.1]))
    assert (wide["rank_low"] == 1).all() and (wide["rank_high"] == 3).all()


def test_fay_herriot_equals_samplics():
    """The EBLUP, its MSE, the area level and the between-unit variance against samplics' EblupAreaModel
    (REML) on simulated rates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.sae import EblupAreaModel
    for seed in range(3):
        rng = np.random.default_rng(seed)
        n = rng.integers(8, 300, 16)
        p = rng.binomial(n, 0.8 + rng.normal(0, 0.05, 16)) / n
        d = 0.16 / n
        mine = fay_herriot(pd.Series(p), pd.Series(d))
        ref = EblupAreaModel()
        area, ones = np.arange(16), np.ones((16, 1))
        ref.fit(yhat=p, X=ones, area=area, error_std=np.sqrt(d), intercept=False, tol=1e-12, maxiter=1000)
        ref.predict(X=ones, area=area, intercept=False)
        np.testing.assert_allclose(mine["eblup"], [ref.area_est[i] for i in area], atol=1e-7)
        np.testing.assert_allclose(mine["mse"], [ref.area_mse[i] for i in area], atol=1e-8)
        assert mine["beta"].iloc[0] == pytest.approx(float(ref.fixed_effects[0]), abs=1e-7)
        assert mine["A"].iloc[0] == pytest.approx(float(ref.re_std) ** 2, abs=1e-8)


def _units(n: list[int], count: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"unit": [f"u{i}" for i in range(len(n))], "satisfaction_n": n,
                         "satisfaction_count": count, "satisfaction_rate": np.array(count) / np.array(n),
                         "suppressed": False, "satisfaction_suppressed": False})


def test_a_small_unit_is_ranked_by_its_shrunken_rate():
    """A unit of 12 at 100% is not ranked first on its raw rate: its small-area estimate lies between its own
    rate and the area's, only units of 5–29 get one, and its rank interval is wide."""
    n = [300, 280, 260, 240, 220, 200, 12]
    count = [270, 240, 210, 190, 170, 150, 12]
    area = sum(count) / sum(n)
    out = satisfaction_ranks(_units(n, count), area).set_index("unit")
    small = out.loc["u6"]
    assert area < small["satisfaction_small_area"] < 1.0
    assert out["satisfaction_small_area"].notna().tolist() == [False] * 6 + [True]
    assert small["satisfaction_rank"] > 1 and small["satisfaction_rank_low"] == 1
    assert out.loc["u0", "satisfaction_rank"] == 1
    assert (out["satisfaction_n"] >= MIN_N_TEST).sum() == 6


def test_withheld_rates_are_not_ranked():
    units = _units([300, 200, 100, 40], [250, 150, 70, 30])
    units["satisfaction_suppressed"] = [False, False, False, True]
    out = satisfaction_ranks(units, 0.7).set_index("unit")
    assert out.loc["u3", ["satisfaction_rank", "satisfaction_rank_low"]].isna().all()
    assert out["satisfaction_rank"].dropna().tolist() == [1, 2, 3]


def test_small_units_dimension_means_get_the_eblup_of_their_dimension():
    """Per dimension, the units of 5–29 answers get the Fay–Herriot EBLUP fitted over every shown unit of
    that dimension (sampling variance SD²/n), equal to samplics'; larger and withheld units get none, and a
    withheld unit is not in the fit."""
    from pipeline.analyze.ranking import dimension_small_area

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.sae import EblupAreaModel
    rng = np.random.default_rng(5)
    n = np.array([300, 250, 200, 150, 120, 100, 12, 25, 3])
    rows = []
    for d in ("d1", "d2"):
        mean = 3.5 + rng.normal(0, 0.25, len(n))
        rows += [{"unit": f"u{i}", "dimension": d, "n": n[i], "mean": mean[i], "sd": 0.9,
                  "suppressed": bool(n[i] < MIN_CELL)} for i in range(len(n))]
    out = dimension_small_area(pd.DataFrame(rows))
    for _, part in out.groupby("dimension"):
        shown = part.loc[~part["suppressed"]]
        ref = EblupAreaModel()
        area, ones = np.arange(len(shown)), np.ones((len(shown), 1))
        error = 0.9 / np.sqrt(shown["n"].to_numpy())
        ref.fit(yhat=shown["mean"].to_numpy(), X=ones, area=area, error_std=error, intercept=False, tol=1e-12,
                maxiter=1000)
        ref.predict(X=ones, area=area, intercept=False)
        expected = pd.Series([ref.area_est[i] for i in area], index=shown.index)
        small = shown["n"].between(MIN_CELL, MIN_N_TEST - 1)
        np.testing.assert_allclose(part.loc[small[small].index, "small_area"], expected[small], atol=1e-7)
        assert part.loc[~part.index.isin(small[small].index), "small_area"].isna().all()
