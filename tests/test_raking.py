"""Raking each unit's weights to its population margins (``pipeline.stats.raking``): the factors equal svy's
raking of the respondents themselves and a hand-written iterative proportional fitting, the margins hold, and
a questionnaire of our own raked end to end gives every stored mean as the raked rows' weighted mean."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy
import yaml
from conftest import cleaned_demo

from pipeline.common.errors import SurveyError
from pipeline.stats.raking import RakeCells, rake_factors, read_margins

OPTIONS = {"age": ["青年", "中年", "老年"], "sex": ["男", "女"]}
UNITS = ["甲街道", "乙镇"]


def _rows(seed: int = 4, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"unit": rng.choice(UNITS, n), "age": rng.choice(OPTIONS["age"], n, p=[0.5, 0.3, 0.2]),
                       "sex": rng.choice(OPTIONS["sex"], n, p=[0.35, 0.65]), "w": rng.uniform(0.5, 2.5, n)})
    df.loc[rng.choice(n, 12, replace=False), "sex"] = None  # some leave a raking question unanswered
    return df


def _margins(tmp_path: Path) -> Path:
    rows = []
    for u, pop in zip(UNITS, [12000, 8000], strict=True):
        for q, shares in (("age", [0.3, 0.4, 0.3]), ("sex", [0.49, 0.51])):
            for option, share in zip(OPTIONS[q], shares, strict=True):
                cells = {k: option if q == k else "" for k in OPTIONS}
                rows.append({"unit": u, **cells, "population": pop * share})
    path = tmp_path / "margins.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _ipf(df: pd.DataFrame, controls: dict[str, dict[str, float]]) -> np.ndarray:
    """Iterative proportional fitting on the rows, written out by hand."""
    w = df["w"].to_numpy(dtype=float).copy()
    for _ in range(2000):
        for q, target in controls.items():
            totals = pd.Series(w).groupby(df[q].to_numpy()).sum()
            w *= df[q].map({k: target[k] / totals[k] for k in target}).to_numpy()
    return w


def test_factors_equal_svy_on_the_rows_and_a_hand_written_ipf(tmp_path):
    df = _rows()
    margins = read_margins(_margins(tmp_path), OPTIONS, UNITS)
    cells = RakeCells.of(df.iloc[:100], df["unit"].iloc[:100], ("age", "sex"), df["w"].iloc[:100]) + \
        RakeCells.of(df.iloc[100:], df["unit"].iloc[100:], ("age", "sex"), df["w"].iloc[100:])
    factors = rake_factors(cells, margins)
    raked = factors.weights(df, df["unit"], df["w"])
    for u, pop in zip(UNITS, [12000, 8000], strict=True):
        mine = df.assign(r=raked).loc[df["unit"] == u]
        answered = mine.dropna(subset=["sex"])
        share = answered["w"].sum() / mine["w"].sum()
        controls = {q: {o: v * share for o, v in margins.table.loc[
            (margins.table["unit"] == u) & (margins.table["question"] == q)].set_index("option")[
                "population"].items()} for q in ("age", "sex")}
        sample = svy.Sample(pl.from_pandas(answered[["age", "sex", "w"]].reset_index(drop=True)),
                            svy.Design(wgt="w"))
        ref = sample.weighting.rake(controls=controls, tol=1e-12, max_iter=1000).data["rk_wgt"].to_numpy()
        np.testing.assert_allclose(answered["r"], ref, rtol=1e-8)
        np.testing.assert_allclose(answered["r"], _ipf(answered, controls), rtol=1e-8)
        # the margins hold among the answered; the unanswered keep base × population / base; the unit adds up
        for q, target in controls.items():
            got = answered.groupby(q)["r"].sum()
            np.testing.assert_allclose(got.loc[list(target)], list(target.values()), rtol=1e-8)
        gap = mine.loc[mine["sex"].isna()]
        np.testing.assert_allclose(gap["r"], gap["w"] * pop / mine["w"].sum(), rtol=1e-12)
        assert mine["r"].sum() == pytest.approx(pop, rel=1e-8)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.assign(unit=t["unit"].replace("乙镇", "乙真")),
     "“乙真”不是问卷中的单位（最接近的是：乙镇）"),
    (lambda t: t.assign(sex=t["sex"].where(t["sex"] != "", "男")), "只在一道加权题"),
    (lambda t: t.assign(population=t["population"].where(t["age"] != "青年", 1.0)), "人数合计不一致"),
    (lambda t: t.assign(age=t["age"].replace("老年", "老人")), "“老人”不是问卷中的“age”的选项"),
])
def test_a_bad_margins_table_is_named(tmp_path, edit, message):
    path = _margins(tmp_path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(table).to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(SurveyError, match=message) as err:
        read_margins(path, OPTIONS, UNITS)
    assert "margins.csv" in str(err.value)


def test_an_option_chosen_but_without_population_or_wanted_but_unseen_is_an_error(tmp_path):
    df = _rows()
    table = pd.read_csv(_margins(tmp_path), dtype=str, keep_default_na=False)
    table.loc[(table["unit"] == "甲街道") & (table["age"] == "老年"), "population"] = "0"
    table.loc[(table["unit"] == "甲街道") & (table["age"] == "青年"), "population"] = str(12000 * 0.6)
    path = tmp_path / "zero.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    cells = RakeCells.of(df, df["unit"], ("age", "sex"), df["w"])
    with pytest.raises(SurveyError, match="甲街道“age”的“老年”人数为0"):
        rake_factors(cells, read_margins(path, OPTIONS, UNITS))
    few = df.loc[~((df["unit"] == "乙镇") & (df["age"] == "老年"))]
    cells = RakeCells.of(few, few["unit"], ("age", "sex"), few["w"])
    with pytest.raises(SurveyError, match="乙镇没有受访者在“age”上选“老年”"):
        rake_factors(cells, read_margins(_margins(tmp_path), OPTIONS, UNITS))


def _raked_survey(tmp_path: Path):
    """The 减负 questionnaire raked to each township's margins by post and tenure (villages the clusters),
    cleaned and analysed; and the weights svy rakes on the rows themselves."""
    from pipeline.common.tables import read_table
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import stage_analyze

    raw = yaml.safe_load(Path("questionnaires/jiceng_jianfu.yaml").read_text(encoding="utf-8"))
    raw["design"] = {"rake": ["post", "tenure"], "margins": "margins.csv"}
    qfile = tmp_path / "raked.yaml"
    qfile.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(qfile)
    paths = cleaned_demo(q, "raked", tmp_path)
    kept = read_table(paths.interim, "responses")
    unit = kept["town"].astype(str)
    rng = np.random.default_rng(7)
    rows, population = [], {}
    for u in sorted(unit.unique()):
        population[u] = int(rng.integers(2000, 20000))
        for qid in ("post", "tenure"):
            seen = sorted(kept.loc[unit == u, qid].dropna().astype(str).unique())
            shares = rng.dirichlet(np.ones(len(seen)))
            rows += [{"unit": u, "post": o if qid == "post" else "", "tenure": o if qid == "tenure" else "",
                      "population": population[u] * s} for o, s in zip(seen, shares, strict=True)]
    pd.DataFrame(rows).to_csv(tmp_path / "margins.csv", index=False, encoding="utf-8-sig")
    manifest = stage_analyze(q, paths, qfile)
    margins = pd.DataFrame(rows)
    weight = pd.Series(np.nan, index=kept.index)
    for u in population:
        mine = kept.loc[unit == u, ["post", "tenure"]].astype("string")
        ok = mine.notna().all(axis=1)
        share = ok.mean()
        controls = {qid: {r[qid]: r["population"] * share for _, r in margins.loc[
            (margins["unit"] == u) & (margins[qid] != "")].iterrows()} for qid in ("post", "tenure")}
        sample = svy.Sample(pl.from_pandas(mine.loc[ok].assign(w=1.0).astype({"post": str, "tenure": str})
                                           .reset_index(drop=True)), svy.Design(wgt="w"))
        weight.loc[mine.index[ok]] = sample.weighting.rake(controls=controls, tol=1e-12,
                                                           max_iter=1000).data["rk_wgt"].to_numpy()
        weight.loc[mine.index[~ok]] = population[u] / len(mine)
    return q, paths, kept, unit, weight, manifest


def test_a_raked_survey_of_our_own_end_to_end(raked):
    """Every stored dimension mean equals the weighted mean of the rows under weights raked by svy on the
    rows themselves, the area's mean weights townships by their populations, and the methods note says so."""
    from pipeline.analyze.scores import dimension_scores
    from pipeline.common.names import OVERVIEW_NAME

    q, paths, kept, unit, weight, manifest = raked
    assert manifest.design.rake == [q.by_id["post"].short, q.by_id["tenure"].short]
    scores = dimension_scores(kept, q)
    dims = pd.read_parquet(paths.processed / "unit_dimensions.parquet").set_index(["unit", "dimension"])
    area = pd.read_parquet(paths.processed / "district_dimensions.parquet").set_index("dimension")
    for d in scores.columns:
        ok = scores[d].notna()
        expected = (scores[d] * weight)[ok].groupby(unit[ok]).sum() / weight[ok].groupby(unit[ok]).sum()
        got = dims.xs(d, level="dimension")["mean"].dropna()
        np.testing.assert_allclose(got, expected.loc[got.index], rtol=0, atol=1e-8)
        whole = (scores[d] * weight)[ok].sum() / weight[ok].sum()
        assert area.loc[d, "mean"] == pytest.approx(whole, abs=1e-8)
    doc = json.loads((paths.processed / "documents" / f"{OVERVIEW_NAME}.json").read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    post, tenure = q.by_id["post"].short, q.by_id["tenure"].short
    assert f"在“{post}”、“{tenure}”上的人口分布（边际人数）对权重作迭代比例调整（raking）" in text


def test_one_margin_is_the_post_stratification_the_project_already_has(tmp_path):
    """Raking to one question's margins is post-stratification: within each unit the raked weights are
    proportional to ``cell_weights`` (population share over sample share) for unweighted respondents."""
    from pipeline.stats.weights import cell_weights, read_population

    df = _rows().dropna(subset=["sex"]).assign(w=1.0)
    path = _margins(tmp_path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["age"] != "", ["unit", "age", "population"]].to_csv(tmp_path / "age.csv", index=False)
    factors = rake_factors(RakeCells.of(df, df["unit"], ("age",), df["w"]),
                           read_margins(tmp_path / "age.csv", {"age": OPTIONS["age"]}, UNITS))
    raked = factors.weights(df, df["unit"], df["w"])
    post = cell_weights(df["unit"], df["age"], read_population(tmp_path / "age.csv", "age"), "age")
    normalised = raked / raked.groupby(df["unit"]).transform("mean")
    np.testing.assert_allclose(normalised, post, rtol=1e-9)


def _taylor_se(y: pd.Series, w: pd.Series, domain: pd.Series, psu: pd.Series) -> float:
    """The linearised SE of a domain's weighted mean, one stratum, PSUs with replacement, by hand."""
    d = domain & y.notna()
    total = w[d].sum()
    mean = (w * y)[d].sum() / total
    z = pd.Series(np.where(d, w * (y.fillna(0) - mean) / total, 0.0), index=y.index).groupby(psu).sum()
    n = len(z)
    return float(np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum()))


@pytest.fixture(scope="module")
def raked(tmp_path_factory):
    """The 减负 survey raked end to end (``test_a_raked_survey_of_our_own_end_to_end`` checks its tables)."""
    tmp_path = tmp_path_factory.mktemp("raked")
    return _raked_survey(tmp_path)


def test_explore_under_the_raked_design(raked):
    """Explore reads the analysis's raking factors: a dimension by group has the raked rows' weighted means
    and the linearised SEs written out by hand (villages within townships the PSUs); a crosstab's test is
    Rao–Scott's and its shares weighted; a group against the rest is a design t test."""
    from pipeline import explore
    from pipeline.analyze.scores import dimension_scores

    q, paths, kept, unit, weight, _ = raked
    s = explore.open_survey("raked", root=paths.root)
    shown = s.responses.index
    np.testing.assert_allclose(s.design.to_numpy(), weight.loc[shown].to_numpy(), rtol=1e-8)
    d = next(iter(q.dimension_names()))
    result = s.compare(d, by="tenure")
    scores = dimension_scores(kept.loc[shown], q)[d]
    tenure = kept.loc[shown, "tenure"].astype("string")
    psu = unit.loc[shown] + "/" + kept.loc[shown, "village"].astype(str)
    w = weight.loc[shown]
    table = result.table.set_index("group")
    for g in table.index[table["mean"].notna()]:
        domain = (tenure == g).fillna(False)
        ok = domain & scores.notna()
        assert table.loc[g, "mean"] == pytest.approx((scores * w)[ok].sum() / w[ok].sum(), abs=1e-10)
        assert table.loc[g, "se"] == pytest.approx(_taylor_se(scores, w, domain, psu), rel=1e-6)
    assert "两两比较" in result.test and all(0 <= r["p_fdr"] <= 1 for r in result.test["两两比较"])
    assert "标准误" in result.pivot().columns and "标准差" not in result.pivot().columns
    cross = s.crosstab("post", "tenure")
    assert {"Rao-Scott F", "df1", "df2", "p"} <= set(cross.test) and "chi2" not in cross.test
    sub = s.subgroups(by="tenure")
    assert "se" in sub.columns and "hedges_g" not in sub.columns and sub["p"].dropna().between(0, 1).all()


def test_an_earlier_raked_wave_is_weighted_with_its_stored_factors(raked):
    """The same export analysed again as a new wave, with the raked survey as its earlier one: the earlier
    wave's means and design SEs (raked by the factors its analysis stored) equal this wave's, every change
    is 0 and none is significant."""
    from pipeline.run.stages import stage_analyze

    q, paths, *_ = raked
    again = cleaned_demo(q, "raked_again", paths.root)
    stage_analyze(q, again, paths.root / "raked.yaml", previous=["raked"])
    ch = pd.read_parquet(again.processed / "changes.parquet").dropna(subset=["mean_prev"])
    assert len(ch) > 20 and ch["se"].notna().all()
    np.testing.assert_allclose(ch["mean_prev"], ch["mean"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ch["se_prev"], ch["se"], rtol=1e-12)
    assert not ch["significant"].any() and (ch["diff"].abs() < 1e-12).all()
