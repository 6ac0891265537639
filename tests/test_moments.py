"""Mergeable sums (issue 23): statistics from the sums of parts equal those of one pass, bit for bit, and
equal pandas', pingouin's and factor_analyzer's on the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from pipeline.analyze.scores import dimension_scores, score_scales
from pipeline.analyze.sums import likert_sums, survey_sums
from pipeline.questionnaire import load_questionnaire
from pipeline.stats.comparisons import games_howell
from pipeline.stats.moments import Moments

STATISTICS = ("count", "sum", "mean", "var", "cov", "corr")


def _answers(seed: int, rows: int = 2000) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(1, 6, (rows, 5)).astype(float)
    codes[rng.random(codes.shape) < 0.1] = np.nan
    frame = pd.DataFrame(codes, columns=[f"i{j}" for j in range(5)])
    groups = pd.Series(rng.choice(["东湖街道", "西城街道", "南山镇", None], rows, p=[0.5, 0.3, 0.15, 0.05]))
    return frame, groups


def _in_parts(frame: pd.DataFrame, groups: pd.Series, scale, cuts: list[int]) -> Moments:
    bounds = [0, *cuts, len(frame)]
    parts = [Moments.of(frame.iloc[a:b], groups.iloc[a:b], scale) for a, b in zip(bounds, bounds[1:],
                                                                                     strict=False)]
    total = parts[-1]
    for part in reversed(parts[:-1]):  # added in another order than read
        total = part + total
    return total


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_partition_gives_the_same_statistics_bit_for_bit(seed):
    frame, groups = _answers(seed)
    frame["score"] = frame[["i0", "i1", "i2"]].mean(axis=1)  # means of 1–3 answers: whole × 6
    scale = [1, 1, 1, 1, 1, 6]
    whole = Moments.of(frame, groups, scale)
    rng = np.random.default_rng(seed)
    cuts = sorted(rng.choice(np.arange(1, len(frame)), 12, replace=False).tolist())
    parted = _in_parts(frame, groups, scale, cuts)
    assert parted.groups == whole.groups == ("东湖街道", "南山镇", "西城街道")
    for name in STATISTICS:
        a, b = getattr(whole, name)(), getattr(parted, name)()
        assert np.array_equal(a, b, equal_nan=True), name
    # floats summed in another order differ in the last bits: the reason for exact sums
    floats = [Moments.of(frame, groups).var(), _in_parts(frame, groups, None, cuts).var()]
    assert np.allclose(*floats, rtol=1e-12, atol=0)


def test_statistics_equal_pandas_on_the_rows():
    frame, groups = _answers(4)
    m = Moments.of(frame, groups, [1] * 5)
    by = frame.groupby(groups)
    assert np.array_equal(m.count(), by.count().to_numpy())
    assert np.allclose(m.mean(), by.mean().to_numpy(), rtol=1e-14, atol=0)
    assert np.allclose(m.var(), by.var().to_numpy(), rtol=1e-13, atol=0)
    for i, g in enumerate(m.groups):
        rows = frame.loc[(groups == g).to_numpy()]
        assert np.allclose(m.cov()[i], rows.cov().to_numpy(), rtol=1e-12, atol=1e-15)
        assert np.allclose(m.corr()[i], rows.corr().to_numpy(), rtol=1e-12, atol=1e-15)
    rest = m.rest()
    others = frame.loc[groups.isin(["东湖街道", "西城街道"]).to_numpy()]
    assert np.allclose(rest.var()[1], others.var().to_numpy(), rtol=1e-13, atol=0)  # 南山镇's rest
    assert rest.rows[1] == len(others)


def test_sums_too_large_to_stay_exact_become_python_integers():
    big = pd.DataFrame({"x": [9e7, 9e7 - 1, 1.0] * 100})
    one = Moments.of(big, None, [1])
    total = one
    for _ in range(700):  # bound crosses 2**62: the sums switch to Python integers, still exact
        total = total + one
    assert total.s.dtype == object
    assert total.sum()[0, 0] == 701 * big["x"].sum()
    assert total.var()[0, 0] == pytest.approx(pd.concat([big] * 701)["x"].var(), rel=1e-12)


def test_a_scale_that_does_not_make_values_whole_is_refused():
    with pytest.raises(ValueError, match="whole"):
        Moments.of(pd.DataFrame({"x": [1.5, 2.0]}), None, [1])


def test_games_howell_from_summaries_equals_pingouin():
    df = pg.read_dataset("penguins").dropna(subset=["body_mass_g", "species"])
    m = Moments.of(df[["body_mass_g"]], df["species"])
    labels = np.array(m.groups, dtype=object)
    ours = games_howell(labels, m.count()[:, 0].astype(float), m.mean()[:, 0], m.var()[:, 0])
    ref = pg.pairwise_gameshowell(data=df, dv="body_mass_g", between="species")
    for col in ("diff", "T", "df", "pval", "hedges"):
        assert np.allclose(ours[col], ref[col], rtol=1e-9, atol=1e-12), col
    assert ours["A"].tolist() == ref["A"].tolist() and ours["B"].tolist() == ref["B"].tolist()


@pytest.mark.parametrize("name", ["jiceng_dangjian", "jiceng_jianfu"])
def test_survey_sums_in_parts_equal_one_pass(name):
    from pipeline.clean import clean
    from pipeline.common.paths import PROJECT_ROOT
    from pipeline.demo import demo_spec, generate_responses
    from pipeline.ingest import ingest_frame

    q = load_questionnaire(PROJECT_ROOT / "pipeline" / "questionnaires" / f"{name}.yaml")
    spec = demo_spec(q)
    spec.sizes = {u: 60 for u in spec.sizes}
    kept = clean(ingest_frame(generate_responses(q, spec).astype(str), q, "t.xlsx").frame, q).kept
    unit = kept[q.unit_question.id].astype("string")
    whole, summed = survey_sums(kept, q, rows=len(kept)), survey_sums(kept, q, rows=37)
    one, parts = likert_sums(kept, unit, q), summed.likert
    for field in ("items", "scores", "unfavourable", "complete"):
        for stat in STATISTICS if getattr(one, field).paired else STATISTICS[:4]:
            a, b = getattr(getattr(one, field), stat)(), getattr(getattr(parts, field), stat)()
            assert np.array_equal(a, b, equal_nan=True), (field, stat)
    assert one.groups.keys() == parts.groups.keys() and one.groups
    for qid, by in one.groups.items():
        assert by.groups == parts.groups[qid].groups
        assert np.array_equal(by.var(), parts.groups[qid].var(), equal_nan=True), qid
    scores = dimension_scores(kept, q)
    assert np.allclose(parts.scores.total().mean()[0], scores.mean().to_numpy(), rtol=1e-14, atol=0)
    assert score_scales(q) is not None and parts.scores.scale == tuple(score_scales(q).values())  # exact
    counts, in_parts = whole.answers, summed.answers  # the other answers' counts add up exactly too
    assert counts.rows == in_parts.rows == len(kept) and counts.latest == in_parts.latest
    for name in ("units", "overall", "texts"):
        pd.testing.assert_series_equal(getattr(counts, name), getattr(in_parts, name))
    assert counts.answers.keys() == in_parts.answers.keys() and counts.multi.keys() == in_parts.multi.keys()
    for qid, by in counts.answers.items():
        pd.testing.assert_series_equal(by, in_parts.answers[qid])
        assert by.sum() == kept[qid].notna().sum(), qid
    for qid, block in counts.multi.items():
        pd.testing.assert_frame_equal(block, in_parts.multi[qid])


def test_drivers_from_sums_equal_pingouin_linear_regression():
    from pipeline.stats.drivers import driver_table

    rng = np.random.default_rng(3)
    scores = pd.DataFrame(rng.integers(1, 6, (3000, 4)).astype(float), columns=list("abcd"))
    scores.iloc[rng.random(3000) < 0.1, 1] = np.nan
    overall = (scores["a"] * 0.5 + scores["b"].fillna(3) * 0.3 + rng.normal(0, 1, 3000)).round().clip(1, 5)
    ours = driver_table(scores, overall, {c: c for c in scores}).set_index("dimension")
    complete = scores.assign(y=overall).dropna()
    ref = pg.linear_regression(complete[list("abcd")], complete["y"], relimp=True).set_index("names")
    for col, ref_col in (("coef", "coef"), ("p", "pval"), ("relimp", "relimp"), ("r2", "r2")):
        assert np.allclose(ours[col], ref.loc[list("abcd"), ref_col], rtol=1e-9, atol=1e-300), col
    assert (ours["n"] == len(complete)).all() and ours["importance"].sum() == pytest.approx(1)


def test_sums_without_pairs_give_the_same_counts_means_and_variances():
    frame, groups = _answers(5)
    paired, alone = Moments.of(frame, groups, [1] * 5), Moments.of(frame, groups, [1] * 5, pairs=False)
    for name in ("count", "sum", "mean", "var"):
        assert np.array_equal(getattr(paired, name)(), getattr(alone, name)(), equal_nan=True), name
    assert np.array_equal((alone + alone).count(), 2 * alone.count())
    with pytest.raises(ValueError, match="cross-products"):
        alone.cov()


def test_responses_without_any_part_are_a_clear_error():
    from pipeline.analyze.sums import read_sums
    from pipeline.common.errors import SurveyError
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE

    with pytest.raises(SurveyError, match="没有答卷"):
        read_sums(iter(()), load_questionnaire(DEFAULT_QUESTIONNAIRE))


@pytest.mark.parametrize("seed", [1, 2])
def test_chi2_from_counts_equals_pingouin_on_the_rows(seed):
    from pipeline.stats.comparisons import chi2_by_unit

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"unit": rng.choice(["东湖街道", "西城街道", "南山镇", None], 600),
                          "identity": pd.Categorical(rng.choice(["党员", "群众", "干部", None], 600)),
                          "gender": rng.choice(["男", "女"], 600)})
    pair = frame.loc[frame["unit"].isin(["东湖街道", "西城街道"])]  # a 2×2 table: Yates' correction
    for data, qid in ((frame, "identity"), (pair, "gender")):
        ours = chi2_by_unit(data, data["unit"], {qid: qid}).iloc[0]
        rows = pd.DataFrame({"u": data["unit"].astype("string"), "a": data[qid].astype("string")}).dropna()
        expected, _, st = pg.chi2_independence(rows, x="u", y="a")
        ref = st.loc[st["test"] == "pearson"].iloc[0]
        assert ours["chi2"] == pytest.approx(ref["chi2"], rel=1e-12) and ours["dof"] == ref["dof"]
        assert ours["p"] == pytest.approx(ref["pval"], rel=1e-9)
        assert ours["cramer_v"] == pytest.approx(ref["cramer"], rel=1e-12)
        assert ours["share_expected_below_5"] == float((expected.to_numpy() < 5).mean())
