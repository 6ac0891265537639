"""Design-based estimates (``pipeline.stats.design``): weighted means, shares and their Taylor standard errors
with strata, clusters and weights equal svy's and a computation on the rows, on a survey of known design and
on NHANES II (shipped with samplics); a planted intra-community correlation; the design in the pipeline."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy
from conftest import with_weights
from scipy import stats

from pipeline.analyze.design_tables import design_tests
from pipeline.analyze.tables import analyze, judged, unit_tests
from pipeline.clean import audit_counts, clean
from pipeline.common.rules import significantly_low
from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_frame
from pipeline.questionnaire.model import Design
from pipeline.stats.design import DesignSums, compare_design, compare_within, domain_estimates
from pipeline.stats.moments import Moments

NHANES = Path(find_spec("samplics").origin).parent / "datasets" / "data" / "nhanes2.csv"  # not imported


def _survey(seed: int = 1, icc: float = 0.4) -> pd.DataFrame:
    """Six units in two strata, five communities each (a community effect of SD ``icc``), unequal weights,
    a score with 10% unanswered and a 0/1 answer."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(6):
        for c in range(5):
            effect = rng.normal(0, icc)
            for _ in range(rng.integers(8, 30)):
                w, y = rng.uniform(0.5, 3), 3 + effect + rng.normal(0, 1)
                rows.append((f"u{u}", f"s{u % 2}", f"c{c}", w, y, float(rng.integers(0, 2))))
    df = pd.DataFrame(rows, columns=["unit", "stratum", "community", "w", "y", "b"])
    df.loc[rng.random(len(df)) < 0.1, "y"] = np.nan
    df["psu"] = df["unit"] + "/" + df["community"]
    return df


def _in_parts(df: pd.DataFrame, cuts: list[int], cluster: bool = True) -> DesignSums:
    total = None
    bounds = [0, *cuts, len(df)]
    for part in (df.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)):
        s = DesignSums.of(part[["y", "b"]], part["w"], part["unit"], part["stratum"],
                          part["community"] if cluster else None)
        total = s if total is None else total + s
    return total


def _by_rows(df: pd.DataFrame, y: str, psu: str) -> pd.DataFrame:
    """The textbook computation on the rows: each domain's ratio mean, its linearised variable per row summed
    per PSU, and the with-replacement variance per stratum (PSUs without the domain count as zeros)."""
    out = {}
    n_h = df.groupby("stratum")[psu].nunique()
    for unit, rows in df.dropna(subset=[y]).groupby("unit"):
        weight = rows["w"].sum()
        mean = (rows["w"] * rows[y]).sum() / weight
        z = (rows["w"] * (rows[y] - mean) / weight).groupby([rows["stratum"], rows[psu]]).sum()
        var = 0.0
        for h, n in n_h.items():
            zh = z[h] if h in z.index.get_level_values(0) else pd.Series(dtype=float)
            values = np.concatenate([zh.to_numpy(), np.zeros(n - len(zh))])
            var += n / (n - 1) * ((values - values.mean()) ** 2).sum()
        out[unit] = (mean, np.sqrt(var))
    return pd.DataFrame(out, index=["mean", "se"]).T


@pytest.mark.parametrize("cluster", [True, False])
def test_domain_means_and_ses_equal_svy_and_the_rows(cluster):
    df = _survey()
    if not cluster:
        df["psu"] = np.arange(len(df)).astype(str)
    est = domain_estimates(_in_parts(df, [57, 200, 311], cluster).by_stratum())
    design = svy.Design(stratum="stratum", psu="psu", wgt="w") if cluster else svy.Design(stratum="stratum",
                                                                                         wgt="w")
    sample = svy.Sample(pl.from_pandas(df), design)
    for j, y in enumerate(["y", "b"]):
        ref = sample.estimation.mean(y, by="unit", drop_nulls=True).to_polars().to_pandas().set_index("unit")
        np.testing.assert_allclose(est["mean"][:, j], ref["est"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(est["se"][:, j], ref["se"], rtol=0, atol=1e-10)
        rows = _by_rows(df, y, "psu")
        np.testing.assert_allclose(est["mean"][:, j], rows["mean"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(est["se"][:, j], rows["se"], rtol=0, atol=1e-10)


def test_sums_in_any_parts_give_the_same_estimates():
    df = _survey(3)
    one = domain_estimates(_in_parts(df, []).by_stratum())
    many = domain_estimates(_in_parts(df.sample(frac=1, random_state=2), [10, 90, 91, 300]).by_stratum())
    for k in ("mean", "se", "deff", "n_effective"):
        np.testing.assert_allclose(one[k], many[k], rtol=1e-12, equal_nan=True)


def test_a_unit_against_the_rest_equals_svys_contrast():
    df = _survey(4)
    r = compare_design(_in_parts(df, [100]).by_stratum())
    design = svy.Design(stratum="stratum", psu="psu", wgt="w")
    for i, unit in enumerate(sorted(df["unit"].unique())):
        side = df.assign(g=np.where(df["unit"] == unit, "a", "b"))
        by = svy.Sample(pl.from_pandas(side), design).estimation.mean("y", by="g", drop_nulls=True)
        ref = by.contrast(svy.estd("a") - svy.estd("b")).to_polars().row(0, named=True)
        assert r["diff"][i, 0] == pytest.approx(ref["est"], abs=1e-10)
        assert abs(r["diff"][i, 0] / r["t"][i, 0]) == pytest.approx(ref["se"], abs=1e-10)


@pytest.mark.parametrize("cluster", [True, False])
def test_a_group_against_the_rest_of_its_unit_equals_svys_contrast(cluster):
    """Groups inside units share the units' PSUs: each group against the rest of its unit (rows without a
    group in neither) equals svy's contrast of the two domains, and each side's SE its domain SE."""
    df = _survey(7)
    rng = np.random.default_rng(3)
    df["g"] = rng.choice(["x", "y", "z"], len(df))
    df.loc[rng.random(len(df)) < 0.05, "g"] = None
    if not cluster:
        df["psu"] = np.arange(len(df)).astype(str)
    cell = (df["unit"] + "|" + df["g"].fillna("")).where(df["g"].notna())
    total = None
    for part in (df.iloc[:150], df.iloc[150:]):  # in parts, as the pipeline sums them
        s = DesignSums.of(part[["y", "b"]], part["w"], cell.loc[part.index], part["stratum"],
                          part["psu"] if cluster else None)
        total = s if total is None else total + s
    parent = pd.Series({c: c.split("|")[0] for c in cell.dropna().unique()})
    r = compare_within(total, parent, df.groupby("stratum")["psu"].nunique())
    design = svy.Design(stratum="stratum", psu="psu", wgt="w")
    for i, label in enumerate(r["cells"]):
        unit, g = label.split("|")
        inside = (df["unit"] == unit) & df["g"].notna()
        side = df.assign(k=np.where(inside & (df["g"] == g), "a", np.where(inside, "b", "c")))
        for j, y in enumerate(["y", "b"]):
            by = svy.Sample(pl.from_pandas(side), design).estimation.mean(y, by="k", drop_nulls=True)
            ref = by.contrast(svy.estd("a") - svy.estd("b")).to_polars().row(0, named=True)
            est = by.to_polars().to_pandas().set_index("k")
            assert r["diff"][i, j] == pytest.approx(ref["est"], abs=1e-10)
            assert abs(r["diff"][i, j] / r["t"][i, j]) == pytest.approx(ref["se"], abs=1e-10)
            assert (r["mean"][i, j], r["rest_mean"][i, j]) == pytest.approx(
                (est.loc["a", "est"], est.loc["b", "est"]), abs=1e-10)
            assert (r["se"][i, j], r["rest_se"][i, j]) == pytest.approx(
                (est.loc["a", "se"], est.loc["b", "se"]), abs=1e-10)


def test_kish_n_and_design_effect():
    df = _survey(5)
    est = domain_estimates(_in_parts(df, []).by_stratum())
    for i, (_, rows) in enumerate(df.dropna(subset=["y"]).groupby("unit")):
        kish = rows["w"].sum() ** 2 / (rows["w"] ** 2).sum()
        assert est["n_effective"][i, 0] == pytest.approx(kish, rel=1e-12)
        n, w, y = len(rows), rows["w"], rows["y"]
        mean = (w * y).sum() / w.sum()
        weighted_var = (w * (y - mean) ** 2).sum() / w.sum() * n / (n - 1)  # s² of simple random sampling
        assert est["deff"][i, 0] == pytest.approx(est["se"][i, 0] ** 2 / (weighted_var / n), rel=1e-10)


def test_nhanes_ii_by_region_equals_svy():
    """A public survey shipped with its design: NHANES II (31 strata, 62 PSUs, final weights), means of high
    blood pressure and serum zinc by region."""
    d = pd.read_csv(NHANES)
    d["psu"] = d["stratid"] * 10 + d["psuid"]
    d["unit"] = "region" + d["region"].astype(str)
    values = d[["highbp", "zinc"]].astype(float)
    sums = DesignSums.of(values, d["finalwgt"], d["unit"], d["stratid"], d["psu"])
    est = domain_estimates(sums.by_stratum())
    sample = svy.Sample(pl.from_pandas(d), svy.Design(stratum="stratid", psu="psu", wgt="finalwgt"))
    for j, y in enumerate(["highbp", "zinc"]):
        ref = sample.estimation.mean(y, by="unit", drop_nulls=True).to_polars().to_pandas().set_index("unit")
        np.testing.assert_allclose(est["mean"][:, j], ref["est"], rtol=0, atol=1e-8)
        np.testing.assert_allclose(est["se"][:, j], ref["se"], rtol=0, atol=1e-8)


def test_a_planted_community_correlation_is_not_called_significant_under_the_cluster_design():
    """Strong community effects (intra-community correlation about 0.3) and no real unit difference:
    respondents treated as independent make units 显著低于; with the communities as clusters none is."""
    rng = np.random.default_rng(11)
    rows = []
    for u in range(8):
        for c in range(4):
            effect = rng.normal(0, 0.5)
            for _ in range(60):
                answer = np.clip(np.rint(3.4 + effect + rng.normal(0, 0.7)), 1, 5)
                rows.append((f"u{u}", f"c{c}", float(answer)))
    df = pd.DataFrame(rows, columns=["unit", "community", "y"])
    naive = unit_tests(Moments.of(df[["y"]], df["unit"], scale=[1]), "dimension")
    strata = DesignSums.of(df[["y"]], pd.Series(1.0, index=df.index), df["unit"], None,
                           df["community"]).by_stratum()
    clustered = judged(design_tests(strata, "", "dimension"))
    assert naive.loc[significantly_low(naive), "unit"].tolist() == ["u1", "u3"]
    assert not significantly_low(clustered).any()
    assert (clustered["deff"] > 5).any()  # the design effect says why


@pytest.fixture(scope="module")
def demo_kept(questionnaire):
    raw = generate_responses(questionnaire, DemoSpec()).astype(str)
    res = clean(ingest_frame(raw, questionnaire, "demo.xlsx").frame, questionnaire)
    return res.kept, audit_counts(res.audit)


def _weighted(q, demo_kept, seed: int):
    """The demo's kept rows with a random weight column ``wt`` declared as the design's weight, analysed."""
    kept, audit = demo_kept
    kept = kept.assign(wt=np.random.default_rng(seed).uniform(0.3, 3.0, len(kept)))
    return kept, analyze(kept, audit, with_weights(q))


def test_without_a_design_nothing_is_weighted(questionnaire, demo_kept):
    """No design declared: the tables carry no design columns, and a design of equal weights with each
    respondent a PSU gives the same means (its SEs are the with-replacement domain ones:
    s/√n · √((n − 1)/n · N/(N − 1)), N every respondent)."""
    kept, audit = demo_kept
    plain = analyze(kept, audit, questionnaire)
    assert "se" not in plain.unit_dimensions and "satisfaction_se" not in plain.units
    assert "n_effective" not in plain.district
    flat = analyze(kept, audit, questionnaire.model_copy(update={"design": Design(cluster="none")}))
    a = plain.unit_dimensions.set_index(["unit", "dimension"])
    b = flat.unit_dimensions.set_index(["unit", "dimension"]).loc[a.index]
    np.testing.assert_allclose(a["mean"], b["mean"], rtol=0, atol=1e-12)
    n, total = a["n"], len(kept)
    np.testing.assert_allclose(b["se"], a["sd"] / np.sqrt(n) * np.sqrt((n - 1) / n * total / (total - 1)),
                               rtol=1e-9)
    np.testing.assert_allclose(plain.units["satisfaction_rate"], flat.units["satisfaction_rate"], atol=1e-12)
    assert flat.district["n_effective"].iloc[0] == pytest.approx(plain.district["valid"].iloc[0])


def test_weights_move_every_figure_of_the_pipeline(questionnaire, demo_kept):
    """A weight column declared in the questionnaire: dimension means, the area's means and 满意率 equal
    the weighted means of the rows; Kish's n is below the respondents."""
    q = questionnaire
    kept, a = _weighted(q, demo_kept, seed=2)
    dims = q.dimension_items()
    first = next(iter(dims))
    from pipeline.analyze.scores import dimension_scores

    scores = dimension_scores(kept, q)[first]
    unit = kept[q.unit_question.id].astype(str)
    ok = scores.notna()
    expected = (scores[ok] * kept["wt"][ok]).groupby(unit[ok]).sum() / kept["wt"][ok].groupby(unit[ok]).sum()
    got = a.unit_dimensions.loc[a.unit_dimensions["dimension"] == first].set_index("unit")["mean"]
    np.testing.assert_allclose(got, expected.loc[got.index], rtol=0, atol=1e-12)
    area = (scores[ok] * kept["wt"][ok]).sum() / kept["wt"][ok].sum()
    assert a.district_dimensions.set_index("dimension").loc[first, "mean"] == pytest.approx(area, abs=1e-12)
    assert a.district["n_effective"].iloc[0] < len(kept)
    assert a.units["satisfaction_se"].notna().all()
    # the profile-by-unit χ² tests are Rao–Scott's, on the weighted tables
    tested = a.chi2.dropna(subset=["chi2"])
    assert len(tested) and tested["rs_f"].notna().all() and (tested["rs_df1"] > 0).all()


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("cluster", [True, False])
def test_rao_scott_equals_svy(cluster, missing):
    """A unit × answer table under strata, clusters and weights (with a tenth of the answers skipped, and
    one PSU answering nothing): the Pearson X² of the weighted table and Rao–Scott's F, its degrees of freedom
    and p equal svy's ``tabulate(..., drop_nulls=True).stats`` — the table of those who answered."""
    from pipeline.stats.rao_scott import rao_scott

    rng = np.random.default_rng(3)
    rows = []
    for u in range(5):
        for c in range(4):
            effect = rng.normal(0, 0.6)
            for _ in range(rng.integers(10, 40)):
                w = rng.uniform(0.5, 3)
                answer = int(np.clip(np.rint(1 + effect + 0.3 * u / 4 + rng.normal(0, 0.9)), 0, 2))
                rows.append((f"u{u}", f"s{u % 2}", f"u{u}/c{c}", w, answer))
    df = pd.DataFrame(rows, columns=["unit", "stratum", "psu", "w", "a"]).astype({"a": float})
    if missing:
        df.loc[rng.random(len(df)) < 0.1, "a"] = np.nan
        df.loc[df["psu"] == "u2/c3", "a"] = np.nan
    chosen = pd.DataFrame({f"a={k}": (df["a"] == k).astype(float).where(df["a"].notna()) for k in range(3)})
    sums = DesignSums.of(chosen, df["w"], df["unit"], df["stratum"], df["psu"] if cluster else None)
    mine = rao_scott(sums, list(chosen.columns))
    design = svy.Design(stratum="stratum", psu="psu", wgt="w") if cluster else svy.Design(stratum="stratum",
                                                                                         wgt="w")
    answer = df["a"].map(lambda v: None if np.isnan(v) else str(int(v)))
    sample = svy.Sample(pl.from_pandas(df.assign(a=answer)), design)
    ref = sample.categorical.tabulate("unit", "a", drop_nulls=True)
    # Pearson's X² of the weighted table; svy's first-order p: X² over the mean generalised design effect
    assert mine["chi2"] == pytest.approx(ref.stats.chisq.value, rel=1e-10)
    first = stats.chi2.sf(mine["chi2"] / mine["deff"], 8)
    assert first == pytest.approx(ref.stats.chisq.p_value, rel=1e-6)
    assert mine["F"] == pytest.approx(ref.stats.f.value, rel=1e-8)
    assert mine["df1"] == pytest.approx(ref.stats.f.df_num, rel=1e-8)
    assert mine["df2"] == pytest.approx(ref.stats.f.df_den, rel=1e-8)
    assert mine["p"] == pytest.approx(ref.stats.f.p_value, rel=1e-6, abs=1e-12)


def test_a_declared_design_is_named_in_the_methods_note(tmp_path):
    """A questionnaire of our own (the 减负 survey with a weight column and each township a stratum, the
    village the cluster by default), cleaned and analysed: the methods note names the design with Kish's n
    and the mean design effect as the stored tables hold them, and the χ² appendix says Rao–Scott."""
    import json

    import yaml

    from pipeline.demo import demo_spec, write_demo_export
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean

    raw = yaml.safe_load(Path("questionnaires/jiceng_jianfu.yaml").read_text(encoding="utf-8"))
    raw["outcomes"].append({"id": "wt", "number": 16, "text": "权重", "type": "number", "min": 1, "max": 4})
    raw["design"] = {"weight": "wt", "strata": "unit"}
    qfile = tmp_path / "weighted.yaml"
    qfile.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(qfile)
    assert q.design_columns() == ("wt", "unit", "village")
    paths = SurveyPaths("weighted", tmp_path)
    export = tmp_path / "data" / "raw" / "weighted.xlsx"
    export.parent.mkdir(parents=True)
    write_demo_export(q, export, demo_spec(q))
    stage_clean([export], q, paths)
    manifest = stage_analyze(q, paths, qfile)
    district = pd.read_parquet(paths.processed / "district.parquet")
    dims = pd.read_parquet(paths.processed / "district_dimensions.parquet")
    kish, deff = district["n_effective"].iloc[0], dims["deff"].mean()
    assert manifest.design.n_effective == pytest.approx(kish) and kish < district["valid"].iloc[0]
    from pipeline.common.names import OVERVIEW_NAME

    doc = json.loads((paths.processed / "documents" / f"{OVERVIEW_NAME}.json").read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    assert f"有效样本量（Kish）为{round(kish)}份" in text and f"设计效应平均为{deff:.2f}" in text
    assert "以“权重”为权重" in text and "按“乡镇（街道）”分层" in text and "Rao–Scott" in text
    assert "采用基于抽样设计的t检验" in text


def test_groups_and_multiple_choices_are_weighted_and_tested_by_the_design(questionnaire, demo_kept):
    """Under a declared design (weights, communities as clusters), where a unit's problem concentrates is the
    design-based comparison of each group with the rest of its unit (equal to svy's contrast), the multiple
    choices' shares are weighted shares of the rows (the rest's too), and no open-answer theme is called
    significant (suggestions are counted, not weighted)."""
    q = questionnaire
    kept, a = _weighted(q, demo_kept, seed=5)
    unit, community = kept[q.unit_question.id].astype(str), kept[q.role("community").id].astype(str)
    from pipeline.analyze.scores import dimension_scores

    scores = dimension_scores(kept, q)
    sub = a.subgroups.loc[~a.subgroups["suppressed"]]
    assert sub["question"].nunique() >= 3
    frame = pd.DataFrame({"unit": unit, "psu": unit + "/" + community, "w": kept["wt"]})
    design = svy.Design(psu="psu", wgt="w")
    for _, r in sub.groupby("question").head(2).iterrows():
        answer = kept[r["question"]].astype("string")
        inside = (unit == r["unit"]) & answer.notna()
        side = frame.assign(y=scores[r["dimension"]], k=np.where(
            inside & (answer == r["group"]), "a", np.where(inside, "b", "c")))
        by = svy.Sample(pl.from_pandas(side), design).estimation.mean("y", by="k", drop_nulls=True)
        ref = by.contrast(svy.estd("a") - svy.estd("b")).to_polars().row(0, named=True)
        est = by.to_polars().to_pandas().set_index("k")
        assert r["mean"] == pytest.approx(est.loc["a", "est"], abs=1e-10)
        assert r["rest_mean"] == pytest.approx(est.loc["b", "est"], abs=1e-10)
        assert r["diff"] == pytest.approx(ref["est"], abs=1e-10)
    multi = next(m for m in q.questions if m.type == "multi")
    chosen = kept[[f"{multi.id}__{k}" for k in range(1, len(multi.options) + 1)]].astype(float)
    answered = chosen.notna().any(axis=1)
    w = kept["wt"].where(answered)
    shares = chosen.fillna(0).mul(w, axis=0).groupby(unit).sum().div(w.groupby(unit).sum(), axis=0)
    shares.columns = multi.options
    table = a.problems.loc[(a.problems["question"] == multi.id) & (a.problems["unit"].isin(shares.index))]
    assert len(table) == shares.size
    for _, r in table.loc[~table["suppressed"]].iterrows():  # a count under 5 is withheld
        assert r["share"] == pytest.approx(shares.loc[r["unit"], r["option"]], abs=1e-12)
        k = multi.options.index(r["option"]) + 1
        rest = (unit != r["unit"]) & answered
        expected = (chosen.loc[rest, f"{multi.id}__{k}"].fillna(0) * w[rest]).sum() / w[rest].sum()
        assert r["rest_share"] == pytest.approx(expected, abs=1e-12)
    assert not a.themes["significant"].any() and a.themes["p_fdr"].isna().all()
