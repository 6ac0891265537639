"""Trends over three or more waves: the weighted linear trend test finds a planted decline and nothing
else; "连续X年下降" only where every step is a significant decline; the chart and the sentence state the same
facts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import with_weights

from pipeline.analyze.tables import analyze
from pipeline.analyze.trends import linear_trend, trend_table
from pipeline.analyze.waves import EarlierWave
from pipeline.clean import audit_counts, clean
from pipeline.common.names import DISTRICT
from pipeline.demo import demo_spec, generate_responses
from pipeline.findings import all_findings
from pipeline.ingest import ingest_frame
from pipeline.questionnaire import load_questionnaire
from pipeline.report.compose.parts import trend_figure
from pipeline.report.compose.text_changes import trends_text
from pipeline.wording import Wording

JIANFU = "questionnaires/jiceng_jianfu.yaml"


def test_linear_trend_equals_weighted_least_squares():
    """Slope and SE against statsmodels' WLS with the variances known (scale fixed at 1)."""
    import statsmodels.api as sm

    x, y, v = np.array([2024.0, 2025, 2026]), np.array([3.6, 3.4, 2.9]), np.array([0.004, 0.003, 0.005])
    slope, se, p = linear_trend(x, y, v)
    fit = sm.WLS(y, sm.add_constant(x), weights=1 / v).fit(cov_type="fixed scale")
    assert slope == pytest.approx(fit.params[1], rel=1e-10)
    assert se == pytest.approx(fit.bse[1], rel=1e-10)
    assert p == pytest.approx(fit.pvalues[1], rel=1e-8)


def _kept(q, spec):
    res = clean(ingest_frame(generate_responses(q, spec).astype(str), q, "x.xlsx").frame, q)
    return res.kept, audit_counts(res.audit)


@pytest.fixture(scope="module", params=["jiceng", "jianfu"])
def three_waves(request, questionnaire):
    """This wave and two earlier ones a year apart, the same in everything but one unit's one dimension,
    0.4 (latent) higher in each earlier year: a decline two years running; 200 respondents a unit."""
    q = questionnaire if request.param == "jiceng" else load_questionnaire(JIANFU)
    spec = demo_spec(q)
    spec = replace(spec, sizes={u: 200 for u in spec.units})
    unit, dim = next(iter(spec.units)), q.dimensions[1].id
    waves = []
    for ago, seed in ((2, 501), (1, 502)):
        earlier = replace(spec, changes={unit: {dim: 0.4 * ago}}, concentrated={}, seed=seed,
                          intercept_seed=spec.seed, start=spec.start.replace(year=spec.start.year - ago))
        kept, _ = _kept(q, earlier)
        waves.append(EarlierWave(f"w{ago}", f"{spec.start.year - ago}年的调查", kept, q,
                                 f"{spec.start.year - ago}-12-31"))
    now = replace(spec, concentrated={})
    kept, audit = _kept(q, now)
    return q, unit, dim, analyze(kept, audit, q, waves=waves[::-1])  # given newest first: ordered by date


def test_the_trend_test_finds_the_planted_decline_and_no_other(three_waves):
    q, unit, dim, a = three_waves
    units = a.trends.loc[a.trends["unit"] != DISTRICT]
    found = units.loc[units["significant"], ["unit", "dimension", "direction"]]
    assert found.values.tolist() == [[unit, dim, "down"]]
    assert (units["points"] == 3).all() and units["tested"].all()
    # the run: the steps, newest first, each a significant decline (z from the two waves' n and SD)
    c = a.changes.loc[(a.changes["unit"] == unit) & (a.changes["dimension"] == dim)].sort_values("wave_order")
    mean = [*c["mean_prev"], c["mean"].iloc[-1]]
    var = [*(c["sd_prev"] ** 2 / c["n_prev"]), c["sd"].iloc[-1] ** 2 / c["n"].iloc[-1]]
    steps = [(mean[i + 1] - mean[i]) / np.sqrt(var[i] + var[i + 1]) < -1.959964 for i in range(2)]
    trend = units.loc[found.index[0]]
    assert trend["run"] == (2 if all(steps) else int(steps[1]))
    assert trend["annual"] == (trend["run"] > 0)


def test_the_chart_and_the_sentence_state_the_same_series(three_waves):
    q, unit, dim, a = three_waves
    units, _ = all_findings(a, q)
    trends = units[unit].problems.trends
    wd = Wording.of(q.words())
    text = trends_text(trends, wd)
    declined = next(t for t in trends if t.dimension == dim)
    name = q.dimension_names()[dim]
    said = "连续2年下降" if declined.run == 2 else "总体呈下降趋势"  # one significant step is no "连续"
    assert len(text) == 1 and f"“{name}”得分{said}" in text[0] and "趋势经统计检验显著" in text[0]
    for point in declined.series:
        label = f"{point.year}年" if point.wave else "本次"
        assert f"{label}{point.mean:.2f}分" in text[0]
    figure = trend_figure(trends, unit, "全区", wd)[0]
    drawn = pd.DataFrame(figure.data)
    panel = drawn.loc[(drawn["dimension_name"] == f"{name} ▼") & (drawn["who"] == unit)].sort_values("order")
    assert panel["mean"].round(2).tolist() == [round(p.mean, 2) for p in declined.series]
    assert {n for n in drawn["dimension_name"] if n.endswith(("▲", "▼"))} == {f"{name} ▼"}
    assert len(set(drawn["dimension_name"])) == len(q.dimensions)
    other = next(u for u in units if u != unit)
    assert trends_text(units[other].problems.trends, wd) == [
        "从近3次调查看，本单位各方面得分没有经检验显著的持续上升或下降趋势。"]


def test_a_significant_trend_without_two_significant_steps_is_not_called_consecutive():
    """3.00 → 3.00 → 3.76: a rising trend, but only the last step rose, so no "连续"."""
    rows = [{"wave": w, "wave_title": w, "wave_order": i, "wave_year": 2024 + i, "unit": "甲",
             "dimension": "d", "dimension_name": "维度", "shared_items": 4, "items": 4, "n_prev": 300,
             "mean_prev": m, "sd_prev": 0.8, "n": 300, "mean": 3.76, "sd": 0.8,
             "se_prev": np.nan, "se": np.nan}
            for i, (w, m) in enumerate((("a", 3.00), ("b", 3.00)))]
    t = trend_table(pd.DataFrame(rows), 2026).iloc[0]
    assert t["significant"] and t["direction"] == "up" and t["run"] == 1
    rows[0]["mean_prev"] = 2.6
    t = trend_table(pd.DataFrame(rows), 2026).iloc[0]
    assert t["run"] == 2 and t["annual"]


def test_two_waves_make_no_trend(questionnaire):
    """With one earlier wave there is no trend table (pairwise changes only)."""
    rows = [{"wave": "a", "wave_title": "a", "wave_order": 0, "wave_year": 2025, "unit": "甲",
             "dimension": "d", "dimension_name": "维度", "shared_items": 4, "items": 4, "n_prev": 300,
             "mean_prev": 3.0, "sd_prev": 0.8, "n": 300, "mean": 3.5, "sd": 0.8}]
    assert trend_table(pd.DataFrame(rows), 2026).empty


def test_under_a_declared_design_waves_are_compared_by_the_design(questionnaire):
    """Three waves of a survey declaring weights and communities as clusters: each wave's unit mean is the
    weighted mean of its rows and its SE svy's design-based one; a change is tested on both SEs, and the
    trend weighs each wave by its design variance (equal to the weighted line through them)."""
    import polars as pl
    import svy

    from pipeline.analyze.scores import dimension_scores

    q = questionnaire
    qd = with_weights(q)
    spec = replace(demo_spec(q), sizes={u: 120 for u in demo_spec(q).units})
    unit, dim = next(iter(spec.units)), q.dimensions[1].id
    rng = np.random.default_rng(8)

    def weighted(kept: pd.DataFrame) -> pd.DataFrame:
        return kept.assign(wt=rng.uniform(0.3, 3.0, len(kept)))

    rows, waves = {}, []
    for ago, seed in ((2, 501), (1, 502)):
        earlier = replace(spec, changes={unit: {dim: 0.4 * ago}}, concentrated={}, seed=seed,
                          intercept_seed=spec.seed, start=spec.start.replace(year=spec.start.year - ago))
        rows[f"w{ago}"] = weighted(_kept(q, earlier)[0])
        waves.append(EarlierWave(f"w{ago}", f"{spec.start.year - ago}年的调查", rows[f"w{ago}"], qd,
                                 f"{spec.start.year - ago}-12-31"))
    kept, audit = _kept(q, replace(spec, concentrated={}))
    rows["now"] = weighted(kept)
    a = analyze(rows["now"], audit, qd, waves=waves[::-1])
    c = a.changes.loc[(a.changes["unit"] == unit) & (a.changes["dimension"] == dim)].set_index("wave")
    design = svy.Design(psu="psu", wgt="wt")

    def reference(frame: pd.DataFrame) -> pd.Series:
        units = frame[q.unit_question.id].astype(str)
        side = pd.DataFrame({"y": dimension_scores(frame, q)[dim], "wt": frame["wt"], "unit": units,
                             "psu": units + "/" + frame["community"].astype(str)})
        est = svy.Sample(pl.from_pandas(side), design).estimation.mean("y", by="unit", drop_nulls=True)
        return est.to_polars().to_pandas().set_index("unit").loc[unit]

    now = reference(rows["now"])
    for wave in ("w1", "w2"):
        before = reference(rows[wave])
        r = c.loc[wave]
        assert (r["mean"], r["se"]) == pytest.approx((now["est"], now["se"]), abs=1e-10)
        assert (r["mean_prev"], r["se_prev"]) == pytest.approx((before["est"], before["se"]), abs=1e-10)
        assert r["t"] == pytest.approx(r["diff"] / np.hypot(r["se"], r["se_prev"]), rel=1e-10)
    trend = a.trends.set_index(["unit", "dimension"]).loc[(unit, dim)]
    slope, se, _ = linear_trend(np.array([2024.0, 2025, 2026]) + spec.start.year - 2026,
                                np.array([c.loc["w2", "mean_prev"], c.loc["w1", "mean_prev"], now["est"]]),
                                np.array([c.loc["w2", "se_prev"], c.loc["w1", "se_prev"], now["se"]]) ** 2)
    assert (trend["slope"], trend["se"]) == pytest.approx((slope, se), rel=1e-10)
    assert trend["significant"] and trend["direction"] == "down"
