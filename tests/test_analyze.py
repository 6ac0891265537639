import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from pipeline import analyze as an
from pipeline.clean import clean
from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_frame


def test_welch_and_hedges_match_pingouin():
    """Each island vs the rest, all at once, against pingouin's one-at-a-time results."""
    df = pg.read_dataset("penguins").dropna(subset=["body_mass_g"])
    long = df.assign(dim="mass")[["dim", "island", "body_mass_g"]]
    out = an.compare_units(long, "body_mass_g", "dim", "island").set_index("island")
    for island in df["island"].unique():
        x = df.loc[df["island"] == island, "body_mass_g"]
        y = df.loc[df["island"] != island, "body_mass_g"]
        ref = pg.ttest(x, y, correction=True).iloc[0]
        row = out.loc[island]
        assert row["t"] == pytest.approx(ref["T"], rel=1e-9)
        assert row["df"] == pytest.approx(ref["dof"], rel=1e-9)
        assert row["p"] == pytest.approx(ref["p_val"], rel=1e-6)
        assert row["hedges_g"] == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), rel=1e-9)
        assert row["rest_mean"] == pytest.approx(y.mean()) and row["rest_sd"] == pytest.approx(y.std())
        half = row["mean"] - row["ci_low"]
        assert half == pytest.approx(2.0 * x.std() / np.sqrt(len(x)), rel=0.05)


def test_benjamini_hochberg_reference():
    p = pd.Series([0.01, 0.04, 0.03, 0.2, np.nan])
    np.testing.assert_allclose(an.fdr(p)[:4], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert np.isnan(an.fdr(p)[4])


def test_cronbach_alpha_reference_values():
    """pingouin's documented example: α = 0.5917, 95% CI [0.195, 0.84]."""
    df = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    res = an.cronbach(df)
    assert res["alpha"] == pytest.approx(0.5917, abs=5e-5)
    assert (res["alpha_ci_low"], res["alpha_ci_high"]) == pytest.approx((0.195, 0.84), abs=5e-4)


def test_cronbach_explains_instead_of_nan():
    flat = pd.DataFrame({"a": [3, 3, 3, 3], "b": [1, 2, 3, 4]})
    assert "答案相同" in an.cronbach(flat)["alpha_note"]
    assert "太少" in an.cronbach(flat.head(2))["alpha_note"]


def test_dimension_score_needs_half_the_items(questionnaire):
    items = questionnaire.dimension_items()["burden"]
    kept = pd.DataFrame({i: [4.0, 4.0, np.nan] for i in items})
    kept.loc[1, items[:3]] = np.nan  # 1 of 4 answered: too few
    kept.loc[2, items[:2]] = [2.0, 5.0]  # 2 of 4: enough
    full = pd.DataFrame({i: [np.nan] * 3 for q in questionnaire.dimension_items().values() for i in q})
    full[items] = kept
    scores = an.dimension_scores(full, questionnaire)
    assert scores.loc[0, "burden"] == 4.0 and np.isnan(scores.loc[1, "burden"]) and scores.loc[2, "burden"] == 3.5


def test_planted_effects_are_found_and_nothing_else(demo_analysis):
    a, _ = demo_analysis
    ud = a.unit_dimensions
    sig = {(u, d, "low" if x < 0 else "high") for u, d, x in ud.loc[ud["significant"], ["unit", "dimension", "diff"]].itertuples(index=False)}
    assert sig == {("石桥乡", "digital", "low"), ("新华街道", "burden", "low")}
    row = ud.set_index(["unit", "dimension"]).loc[("石桥乡", "digital")]
    assert row["hedges_g"] < -0.7 and row["p_fdr"] < 1e-6
    assert not ud.loc[ud["unit"] == "西城街道", "significant"].any()


def test_district_tables(demo_analysis, questionnaire):
    a, res = demo_analysis
    dd = a.district_dimensions
    assert len(dd) == len(questionnaire.dimensions) and (dd["alpha"] > 0.7).all()
    assert (dd["n"] == len(res.kept)).all()
    u = a.units.set_index("unit")
    assert int(u["received"].sum()) == len(res.audit) and int(u["valid"].sum()) == len(res.kept)
    assert (u["received"] == u["valid"] + u["rejected"]).all()
    assert list(a.units["unit"]) == questionnaire.unit_question.options  # questionnaire order
    assert set(u.loc[["石桥乡", "东湖街道"], "kind"]) == {"乡镇", "街道"}
    assert a.rejections["count"].sum() == u["rejected"].sum()
    comp = a.composition
    shares = comp.loc[comp["question"] == "identity"].groupby("unit")["share"].sum()
    np.testing.assert_allclose(shares, 1.0)
    probs = a.problems.loc[(a.problems["unit"] == an.DISTRICT)]
    assert probs["n"].iloc[0] == len(res.kept) and probs["share"].between(0, 1).all()


def test_small_units_are_described_not_tested(questionnaire):
    spec = DemoSpec.small({"青山镇": ["青松村"], "柳河镇": ["杨柳村"]}, 60, {"柳河镇": {"digital": -1.5}}, None, seed=5)
    raw = generate_responses(questionnaire, spec).astype(str)
    res = clean(ingest_frame(raw, questionnaire, "t.xlsx").frame, questionnaire)
    few = res.kept.loc[res.kept["unit"] == "柳河镇"].head(20).index
    kept = pd.concat([res.kept.loc[res.kept["unit"] == "青山镇"], res.kept.loc[few]], ignore_index=True)
    a = an.analyze(kept, res.audit, questionnaire)
    small = a.unit_dimensions.loc[a.unit_dimensions["unit"] == "柳河镇"]
    assert (small["n"] == 20).all() and not small["tested"].any() and not small["significant"].any()
    assert small["p_fdr"].isna().all()
