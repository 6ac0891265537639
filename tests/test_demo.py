import re

import numpy as np
import pandas as pd
import pytest

from pipeline.demo import DemoSpec, centred_effects, generate_responses


@pytest.fixture(scope="module")
def demo(questionnaire):
    return generate_responses(questionnaire, DemoSpec())


def test_export_looks_like_wjx_by_text(demo):
    assert list(demo.columns[:6]) == ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    assert all(re.match(r"^\d+、\S", c) for c in demo.columns[6:])
    assert demo["所用时间"].str.fullmatch(r"\d+秒").all()
    assert demo["来自IP"].str.fullmatch(r"\d+\.\d+\.\d+\.\d+\(江苏-南京\)").all()
    assert demo["提交答卷时间"].str.fullmatch(r"2026/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}").all()
    assert list(demo["序号"]) == list(range(1, len(demo) + 1))


def test_demo_size_units_and_skip_logic(demo):
    assert len(demo) >= 3000
    units = demo["1、您所在的街道（乡镇）"]
    assert units.nunique() >= 8
    assert units.str.endswith("街道").any() and units.str.endswith(("镇", "乡")).any()
    assert demo["2、您所在的社区（村）"].nunique() >= 40
    party = demo["3、您的身份"] == "党员"
    years = demo["7、您的党龄"]
    assert (years[~party] == "(跳过)").all() and (years[party] != "(跳过)").all()
    assert demo["18、您认为当前基层党建工作中最突出的问题是（最多选3项）"].str.contains("┋").any()


def test_contamination_is_planted(demo, questionnaire):
    from pipeline.ingest import ingest_frame

    answers = demo.iloc[:, 6:]
    assert answers.duplicated().sum() >= 0.015 * len(demo)
    secs = demo["所用时间"].str.rstrip("秒").astype(int)
    assert (secs < secs.median() / 3).mean() > 0.02
    coded = ingest_frame(demo.astype(str), questionnaire, "demo.xlsx").frame
    likert = coded[[q.id for q in questionnaire.questions if q.type == "likert"]]
    assert (likert.nunique(axis=1) == 1).sum() >= 0.015 * len(demo)
    assert demo["20、您对加强基层党组织建设有哪些意见建议？"].str.contains(r"1[3-9]\d{9}").any()


def test_effects_are_centred_on_the_null_unit(questionnaire):
    spec = DemoSpec()
    eff = centred_effects(spec, [d.id for d in questionnaire.dimensions])
    area = pd.Series(spec.area_shifts).reindex(eff.columns, fill_value=0.0)
    assert spec.area_shifts == {"burden": -0.5}  # the district-wide weakness: every unit alike
    assert (eff.loc[spec.null_unit] == area).all()
    others = [u for u in spec.units if u != spec.null_unit]
    sizes = np.array([spec.sizes[u] for u in others], dtype=float)
    np.testing.assert_allclose((eff.loc[others] - area).T.to_numpy() @ sizes, 0, atol=1e-9)
    assert eff.loc["石桥乡", "digital"] < -0.85 and eff.loc["新华街道", "burden"] - area["burden"] < -0.65


def test_generation_is_reproducible(questionnaire):
    spec = DemoSpec.small({"青山镇": ["青松村"]}, 20, {}, None, seed=3)
    a = generate_responses(questionnaire, spec)
    b = generate_responses(questionnaire, spec)
    assert a.equals(b)
