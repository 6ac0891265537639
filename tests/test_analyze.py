import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from pipeline.analyze import tables as an
from pipeline.analyze.scores import dimension_scores
from pipeline.analyze.sums import survey_sums
from pipeline.clean import audit_counts, clean
from pipeline.common.names import DISTRICT
from pipeline.common.rules import MIN_CELL
from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_frame
from pipeline.stats.comparisons import compare_units, fdr
from pipeline.stats.drivers import ipa_table
from pipeline.stats.weights import cell_weights, weighted_means


def test_welch_and_hedges_match_pingouin():
    """Each island vs the rest, all at once, against pingouin's one-at-a-time results."""
    df = pg.read_dataset("penguins").dropna(subset=["body_mass_g"])
    out = compare_units(df[["body_mass_g"]], df["island"], "dim", "island").set_index("island")
    assert (out["dim"] == "body_mass_g").all()
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
        assert row["mean"] - row["ci_low"] == pytest.approx(2.0 * x.std() / np.sqrt(len(x)), rel=0.05)


def test_zero_variance_is_explained_not_nan():
    out = compare_units(pd.DataFrame({"x": [3.0] * 10}), pd.Series(["a"] * 5 + ["b"] * 5))
    assert (out["note"] == "得分无变异，无法检验").all()


def test_benjamini_hochberg_reference():
    p = pd.Series([0.01, 0.04, 0.03, 0.2, np.nan])
    np.testing.assert_allclose(fdr(p)[:4], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert np.isnan(fdr(p)[4])


def test_dimension_score_needs_half_the_items(questionnaire):
    items = questionnaire.dimension_items()["burden"]
    full = pd.DataFrame({i: [np.nan] * 3 for q in questionnaire.dimension_items().values() for i in q})
    full[items] = [[4.0] * 4, [4.0, np.nan, np.nan, np.nan], [2.0, 5.0, np.nan, np.nan]]
    scores = dimension_scores(full, questionnaire)
    assert (
        scores.loc[0, "burden"] == 4.0
        and np.isnan(scores.loc[1, "burden"])
        and scores.loc[2, "burden"] == 3.5
    )


def test_planted_effects_are_found_and_nothing_else(demo_analysis):
    a, _ = demo_analysis
    ud = a.unit_dimensions
    sig = {
        (u, d, "low" if x < 0 else "high")
        for u, d, x in ud.loc[ud["significant"], ["unit", "dimension", "diff"]].itertuples(index=False)
    }
    planted = {("石桥乡", "digital", "low"), ("新华街道", "burden", "low"), ("北关街道", "service", "high")}
    assert sig == planted
    row = ud.set_index(["unit", "dimension"]).loc[("石桥乡", "digital")]
    assert row["hedges_g"] < -0.7 and row["p_fdr"] < 1e-6 and row["unfavourable"] > 0.2
    assert not ud.loc[ud["unit"] == "西城街道", "significant"].any()
    items = a.unit_items
    low_items = set(items.loc[items["significant"] & (items["diff"] < 0), "dimension"])
    assert low_items == {"digital", "burden"}


def test_district_tables(demo_analysis, questionnaire):
    a, res = demo_analysis
    dd = a.district_dimensions
    assert (
        len(dd) == len(questionnaire.dimensions)
        and (dd["alpha"] > 0.7).all()
        and (dd["std_alpha"] > 0.7).all()
    )
    assert (dd["n"] == len(res.kept)).all()
    u = a.units.set_index("unit")
    assert int(u["received"].sum()) == len(res.audit) and int(u["valid"].sum()) == len(res.kept)
    assert (u["received"] == u["valid"] + u["rejected"]).all()
    assert list(a.units["unit"]) == questionnaire.unit_question.options  # questionnaire order
    assert set(u.loc[["石桥乡", "东湖街道"], "kind"]) == {"乡镇", "街道"}
    assert (u["satisfaction_ci_low"] < u["satisfaction_rate"]).all() and (
        u["satisfaction_rate"] < u["satisfaction_ci_high"]
    ).all()
    assert a.rejections["count"].sum() == u["rejected"].sum()
    comp = a.composition
    np.testing.assert_allclose(comp.loc[comp["question"] == "identity"].groupby("unit")["share"].sum(), 1.0)
    probs = a.problems.loc[a.problems["unit"] == DISTRICT]
    assert probs["n"].iloc[0] == len(res.kept) and probs["share"].between(0, 1).all()
    assert (probs["ci_low"] <= probs["share"]).all() and probs["rank"].min() == 1
    # reliability for the district and each unit (all units have n >= 30 here)
    assert set(a.reliability["unit"]) == set(u.index) | {DISTRICT}
    assert a.validity.iloc[0]["kmo"] > 0.8 and a.validity.iloc[0]["bartlett_p"] < 0.001
    # Welch ANOVA finds exactly the planted dimensions different across units
    assert set(a.anova.loc[a.anova["p"] < 0.001, "dimension"]) == {"digital", "burden", "service"}
    assert len(a.games_howell) == 9 * 45
    assert a.chi2.set_index("question").loc["education", "p"] < 0.001  # townships are less educated
    r = a.correlations.set_index(["a", "b"])["r"]
    assert r[("burden", "burden")] == pytest.approx(1.0) and 0.1 < r[("burden", "digital")] < 0.6


def test_drivers_recover_the_planted_ones(demo_analysis):
    a, _ = demo_analysis
    d = a.drivers
    assert d["importance"].sum() == pytest.approx(1.0)
    assert set(d.nlargest(3, "importance")["dimension"]) == {"service", "burden", "org_life"}
    assert 0.2 < d["r2"].iloc[0] < 0.6


def test_ipa_quadrants_against_the_district_and_priority_only_when_significantly_low():
    """Below the district only where the comparison says so: significantly (重点改进区 where important) or
    by a small effect (关注区); a gap of a few hundredths is at the district."""
    dims = ["a", "b", "c", "d", "e", "f"]
    ud = pd.DataFrame({"unit": "u", "dimension": dims, "dimension_name": list("ABCDEF"),
                       "mean": [3.0, 4.0, 3.0, 4.0, 3.4, 3.45], "suppressed": False, "tested": True,
                       "significant": [True, False, True, False, False, False],
                       "diff": [-0.5, 0.5, -0.5, 0.5, 0.4, -0.05],
                       "hedges_g": [-0.6, 0.6, -0.6, 0.6, 0.5, -0.05]})
    drivers = pd.DataFrame({"dimension": dims, "importance": [0.3, 0.3, 0.05, 0.05, 0.1, 0.2]})
    district = pd.Series({"a": 3.5, "b": 3.5, "c": 3.5, "d": 3.5, "e": 3.0, "f": 3.5})
    q = ipa_table(ud, drivers, district).set_index("dimension")["quadrant"]
    assert q.to_dict() == {"a": "重点改进区", "b": "继续保持区", "c": "次要改进区", "d": "锦上添花区",
                           "e": "锦上添花区", "f": "继续保持区"}  # f: −0.05 below the district is at it
    slight = ud.assign(significant=False, hedges_g=[-0.25, 0.6, -0.6, 0.6, 0.5, -0.05])
    assert ipa_table(slight, drivers, district).set_index("dimension").loc["a", "quadrant"] == "关注区"


def test_keywords_need_five_answers(demo_analysis):
    a, _ = demo_analysis
    kw = a.keywords
    assert not kw.empty and (kw["answers"] >= MIN_CELL).all()
    assert kw.groupby("unit").size().max() <= 10


def test_keywords_leave_out_place_names(demo_analysis, questionnaire):
    """"前进" of 前进社区 or "社区" says nothing a reader can act on: no keyword is part of a place's name."""
    a, res = demo_analysis
    kept, community = res.kept, questionnaire.role("community")
    places = set(kept["unit"].astype(str)) | set(kept[community.id].dropna().astype(str))
    words = set(a.keywords["keyword"])
    assert words and not [w for w in words if any(w in p for p in places)]


def test_small_units_are_described_not_tested(questionnaire):
    spec = DemoSpec.small(
        {"青山镇": ["青松村"], "柳河镇": ["杨柳村"]}, 60, {"柳河镇": {"digital": -1.5}}, None, seed=5
    )
    raw = generate_responses(questionnaire, spec).astype(str)
    res = clean(ingest_frame(raw, questionnaire, "t.xlsx").frame, questionnaire)
    few = res.kept.loc[res.kept["unit"] == "柳河镇"].head(20).index
    kept = pd.concat([res.kept.loc[res.kept["unit"] == "青山镇"], res.kept.loc[few]], ignore_index=True)
    a = an.analyze(kept, audit_counts(res.audit), questionnaire)
    small = a.unit_dimensions.loc[a.unit_dimensions["unit"] == "柳河镇"]
    assert (small["n"] == 20).all() and not small["tested"].any() and not small["significant"].any()
    assert small["p_fdr"].isna().all()
    assert set(a.reliability["unit"]) == {DISTRICT, "青山镇"}  # per-unit α only from n >= 30


def test_weights_rebalance_to_the_population():
    unit = pd.Series(["u"] * 4 + ["v"] * 4)
    cell = pd.Series(["党员", "党员", "党员", "群众", "党员", "群众", "党员", "群众"])
    pop = pd.DataFrame(
        {
            "unit": ["u", "u", "v", "v"],
            "identity": ["党员", "群众", "党员", "群众"],
            "population": [50, 50, 1, 1],
        }
    )
    w = cell_weights(unit, cell, pop, "identity")
    np.testing.assert_allclose(w[:4], [2 / 3, 2 / 3, 2 / 3, 2.0])  # 50/50 target, 3:1 sample
    np.testing.assert_allclose(w[4:], 1.0)
    scores = pd.DataFrame({"d": [4.0, 4.0, 4.0, 2.0, 1, 1, 1, 1]})
    wm = weighted_means(scores, unit, w).set_index("unit")
    assert wm.loc["u", "mean_weighted"] == pytest.approx(3.0)  # vs 3.5 unweighted
    assert wm.loc["u", "n_effective"] == pytest.approx(3.0)  # Kish: (Σw)² / Σw² = 16 / (16/3)


def test_false_flags_stay_within_the_nominal_fdr(questionnaire):
    """A survey with no real differences, many seeds: the share of falsely flagged units stays ≤ 5%."""
    units = {u: places[:1] for u, places in questionnaire.known_places().items()}
    shares, any_flag = [], 0
    for seed in range(20):
        spec = DemoSpec(
            units=units,
            sizes={u: 50 for u in units},
            planted={},
            concentrated={},
            null_unit=None,
            seed=1000 + seed,
            speeder_rate=0,
            straightliner_rate=0,
            duplicate_rate=0,
            pii_rate=0,
        )
        raw = generate_responses(questionnaire, spec).astype(str)
        kept = clean(ingest_frame(raw, questionnaire, "t.xlsx").frame, questionnaire).kept
        t = an.unit_tests(survey_sums(kept, questionnaire).likert.scores, "dimension")
        flagged = t.loc[t["significant"], "unit"].nunique()
        shares.append(flagged / len(units))
        any_flag += flagged > 0
    assert np.mean(shares) <= 0.05
    assert any_flag <= 4  # P(any flag) ≤ 5% under the global null; 4 of 20 is far in the tail


def test_keywords_from_distinct_answers_equal_jieba_on_all_answers(questionnaire):
    """Segmenting each distinct answer once gives jieba's own TF-IDF keywords of all answers joined."""
    import jieba.analyse

    from pipeline.stats.open_answers import CONTENT_POS, GENERIC_WORDS, keywords

    raw = generate_responses(
        questionnaire, DemoSpec.small({"青山镇": ["青松村"], "东湖街道": ["东湖社区"]}, 120, {}, None, seed=5)
    )
    texts = raw["20、您对加强基层党组织建设有哪些意见建议？"].astype("string")
    texts = texts.where(texts.str.len() > 1)
    units = raw["1、您所在的街道（乡镇）"]
    ours = keywords(texts, units, top=8, min_answers=2)
    every = texts.dropna()
    for unit, block in every.groupby(units.loc[every.index]):
        expected = []
        rest = every.loc[units.loc[every.index] != unit]
        tags = jieba.analyse.extract_tags("\n".join(block), topK=None, withWeight=True, allowPOS=CONTENT_POS)
        for word, weight in sorted(tags, key=lambda t: (-t[1], t[0]))[:32]:  # ties: in character order
            count = int(block.str.contains(word, regex=False).sum())
            in_rest = rest.str.contains(word, regex=False).mean()
            known = word.isascii() or jieba.dt.FREQ.get(word, 0) > 0  # not made up by jieba's HMM
            if word not in GENERIC_WORDS and len(word) >= 2 and count >= 2 and known \
                    and count / len(block) > in_rest:  # distinctive: more frequent than in the rest
                expected.append((word, weight, count))
        expected = sorted(expected, key=lambda e: (-e[1], -e[2], e[0]))[:8]
        got = ours.loc[ours["unit"] == unit, ["keyword", "weight", "answers"]].itertuples(index=False)
        assert [tuple(r) for r in got] == expected, unit
        assert expected


def test_priority_is_significantly_low_and_important_in_every_unit(demo_analysis):
    """The IPA's 重点改进区 of every unit = its significantly low dimensions ∩ the high-importance ones."""
    from pipeline.common.rules import significantly_low

    a, _ = demo_analysis
    imp = a.drivers.set_index("dimension")["importance"]
    high = set(imp.index[imp > imp.mean()])
    found = 0
    for unit, block in a.ipa.groupby("unit"):
        ud = a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit]
        expected = set(ud.loc[significantly_low(ud), "dimension"]) & high
        assert set(block.loc[block["quadrant"] == "重点改进区", "dimension"]) == expected, unit
        found += len(expected)
    assert found >= 1  # 新华街道's planted 基层减负 is low and a driver of satisfaction


def test_open_answers_best_theme_and_terms_kept_whole():
    from pipeline.stats.open_answers import best_theme, keywords

    themes = {"减负": ["填表", "留痕", "减负"], "阵地": ["活动室", "场地"]}
    texts = pd.Series(["少填表少留痕，活动室也要修", "活动室太小，场地不够，填表多", "无关的话", None])
    assert best_theme(texts, themes).tolist() == ["减负", "阵地", pd.NA, pd.NA]
    answers = pd.Series(["认真落实三会一课制度"] * 6 + ["三会一课流于形式"] * 6)
    units = pd.Series(["甲"] * 12)
    plain = set(keywords(answers, units, min_answers=5)["keyword"])
    kept = keywords(answers, units, min_answers=5, terms=("三会一课",), stop_words=frozenset({"制度"}))
    assert "三会一课" in set(kept["keyword"]) and "三会一课" not in plain
    assert "制度" not in set(kept["keyword"])
    assert "三会一课" not in set(keywords(answers, units, min_answers=5)["keyword"])  # the terms stay local


def test_a_unit_with_no_rest_has_no_rest_mean():
    """Only one unit answered: there is no rest of the district to compare with (NaN, never ±inf)."""
    values = pd.DataFrame({"d": [3.0, 4.0, 5.0, 4.0, 3.5, 2.5]})
    out = compare_units(values, pd.Series(["东湖街道"] * 6), "dimension", "unit")
    row = out.iloc[0]
    assert row["rest_n"] == 0 and pd.isna(row["rest_mean"]) and pd.isna(row["diff"]) and pd.isna(row["p"])


def test_quotes_are_a_units_own_words_never_masked_ones():
    """An answer written in two units, or one whose personal data was masked, is never quoted; the rest are
    ranked by how distinctive their words are for the unit."""
    from pipeline.stats.open_answers import distinctive_quotes

    texts = pd.Series(["希望减少填表报数", "希望减少填表报数", "湖滨社区电梯加装进度太慢，希望加快",
                       "有事联系〔电话已隐去〕，希望减少开会", "希望多开展党员培训"])
    units = pd.Series(["东湖街道", "西城街道", "东湖街道", "东湖街道", "东湖街道"])
    themes = pd.Series(["减负", "减负", "服务", "减负", "培训"])
    q = distinctive_quotes(texts, units, themes)
    assert set(q["quote"]) == {"湖滨社区电梯加装进度太慢，希望加快", "希望多开展党员培训"}
    assert (q["unit"] == "东湖街道").all()


@pytest.mark.parametrize("name", ["jiceng_dangjian", "jiceng_jianfu"])
def test_weighted_means_from_sums_equal_weighting_each_respondent(name):
    """Post-stratified dimension means and Kish n from the sums by unit and cell (no respondent rows) equal
    weighting each respondent; the smallest unit is dropped as too small to show, as everywhere."""
    from pipeline.common.paths import PROJECT_ROOT
    from pipeline.demo import demo_spec
    from pipeline.questionnaire import load_questionnaire
    from pipeline.stats.weights import Weighting

    q = load_questionnaire(PROJECT_ROOT / "pipeline" / "questionnaires" / f"{name}.yaml")
    by = next(p for p in q.profile if p.type == "single" and p.role is None)
    spec = demo_spec(q)
    spec.sizes = {u: 40 for u in spec.sizes}
    spec.sizes[next(iter(spec.sizes))] = 3  # under MIN_CELL once cleaned
    res = clean(ingest_frame(generate_responses(q, spec).astype(str), q, "t.xlsx").frame, q)
    kept, unit_id = res.kept, q.unit_question.id
    rng = np.random.default_rng(3)
    population = pd.DataFrame([(u, o, int(rng.integers(10, 500))) for u in spec.sizes for o in by.options],
                              columns=["unit", by.id, "population"])
    a = an.analyze(kept, audit_counts(res.audit), q, weighting=Weighting(population, by.id))
    unit = kept[unit_id].astype("string")
    shown = unit.isin(list(a.unit_dimensions["unit"].unique()))
    w = cell_weights(unit[shown], kept.loc[shown, by.id], population, by.id)
    expected = weighted_means(dimension_scores(kept.loc[shown], q), unit[shown], w)
    got = a.unit_dimensions.merge(expected, on=["unit", "dimension"], suffixes=("", "_rows"))
    assert len(got) == len(a.unit_dimensions) > 0 and got["mean_weighted"].notna().all()
    np.testing.assert_allclose(got["mean_weighted"], got["mean_weighted_rows"], rtol=1e-12)
    np.testing.assert_allclose(got["n_effective"], got["n_effective_rows"], rtol=1e-12)
    assert not np.allclose(got["mean_weighted"], got["mean"])  # the weights do something
    assert next(iter(spec.sizes)) not in set(a.unit_dimensions["unit"])
