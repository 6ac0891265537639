import json

import pandas as pd

import pipeline.findings as fd
from pipeline.analyze.tables import Analysis


def test_planted_unit_findings(demo_analysis, questionnaire):
    a, res = demo_analysis
    f = fd.build_findings("石桥乡", a, questionnaire).model_dump()
    json.dumps(f, ensure_ascii=False)  # serialisable
    assert (
        fd.UnitFindings.model_validate_json(json.dumps(f, ensure_ascii=False)).model_dump() == f
    )  # round-trips
    u = a.units.set_index("unit").loc["石桥乡"]
    basic = " ".join(f["basic"]["text"])
    assert f"共回收问卷{u['received']}份，其中有效问卷{u['valid']}份" in basic
    assert f"征集意见建议{u['suggestions']}条" in basic and "覆盖4个社区（村）" in basic
    assert sum(f["basic"]["rejected_by_rule"].values()) == u["rejected"]
    problems = f["problems"]["text"][0]
    assert (
        problems.startswith("“信息化建设”得分")
        and "显著低于全区其他街道（乡镇）" in problems
        and "Hedges g=-" in problems
    )
    assert [d["dimension"] for d in f["problems"]["significant_low"]] == ["digital"]
    assert "信息化建设" in f["causes"]["text"][0] and len(f["causes"]["items"]) == 2
    assert f["suggestions"]["count"] == u["suggestions"] and f["suggestions"]["themes"]


def test_null_unit_claims_nothing(demo_analysis, questionnaire):
    a, _ = demo_analysis
    f = fd.build_findings("西城街道", a, questionnaire).model_dump()
    text = " ".join(f["problems"]["text"])
    assert "显著低于" not in text and "均未发现统计学意义上显著偏低" in text
    assert f["problems"]["significant_low"] == [] and "不作原因分析" in f["causes"]["text"][0]


def test_small_sample_wording(demo_analysis, questionnaire):
    a, _ = demo_analysis
    units = a.units.copy()
    units.loc[units["unit"] == "白马乡", "valid"] = 12
    ud = a.unit_dimensions.copy()
    mask = ud["unit"] == "白马乡"
    ud.loc[mask, ["tested", "significant"]] = False
    small = Analysis(**{**a.__dict__, "units": units, "unit_dimensions": ud})
    f = fd.build_findings("白马乡", small, questionnaire).model_dump()
    assert "样本量较小，结论仅供参考" in " ".join(f["problems"]["text"])
    assert not any("显著低于" in t or "显著高于" in t for t in f["problems"]["text"])


def test_small_cells_are_not_quoted(demo_analysis, questionnaire):
    a, _ = demo_analysis
    comp = a.composition.copy()
    row = (comp["unit"] == "东湖街道") & (comp["question"] == "age") & (comp["option"] == "60岁以上")
    comp.loc[row, ["count", "share", "suppressed"]] = [pd.NA, pd.NA, True]
    f = fd.build_findings(
        "东湖街道", Analysis(**{**a.__dict__, "composition": comp}), questionnaire
    ).model_dump()
    assert "60岁以上的人数不予显示" in " ".join(f["basic"]["text"])


def test_district_summary(demo_analysis, questionnaire):
    a, res = demo_analysis
    d = fd.district_findings(a, questionnaire).model_dump()
    assert d["received"] == len(res.audit) and d["valid"] == len(res.kept)
    assert "街道6个、乡镇4个" in d["text"][0]
    text = "".join(d["text"])
    assert "共有2个街道（乡镇）的2项维度得分显著低于" in text
    assert "KMO=0.8" in text and "Bartlett球形检验" in text and "Cronbach α在0.8" in text
    assert "差异显著的维度有：“基层减负”、“信息化建设”" in text
    assert "与“基层党组织建设工作总体评价”关联最强的维度依次是：“基层减负”" in text and "影响" not in text


def test_rejection_reasons_follow_rule_order(demo_analysis, questionnaire):
    from pipeline.clean import RULE_ORDER

    a, _ = demo_analysis
    rules = list(fd.district_findings(a, questionnaire).rejected_by_rule)
    assert rules == [r for r in RULE_ORDER if r in rules] and len(rules) == 3


def test_causes_and_suggestions_tie_back_to_the_problem(demo_analysis, questionnaire):
    a, _ = demo_analysis
    f = fd.build_findings("新华街道", a, questionnaire).model_dump()
    assert f["causes"]["priority"] == ["基层减负"]
    assert "重点改进区" in f["causes"]["text"][0]
    linked = [t for t in f["suggestions"]["themes"] if t["problems"]]
    assert linked and linked[0]["theme"] == "减负" and linked[0]["problems"] == ["基层减负"]
    assert f["suggestions"]["themes"][0]["theme"] == "减负"  # themes tied to a problem come first
    assert "针对“基层减负”方面的问题，受访者提出减负方面的意见建议" in " ".join(f["suggestions"]["text"])
    low_items = {i["item"] for i in f["problems"]["low_items"]}
    assert low_items and low_items <= set(questionnaire.dimension_items()["burden"])


def test_slightly_low_is_worded_as_not_significant(demo_analysis, questionnaire):
    a, _ = demo_analysis
    ud = a.unit_dimensions.copy()
    row = (ud["unit"] == "东湖街道") & (ud["dimension"] == "regional")
    ud.loc[row, ["hedges_g", "diff", "significant"]] = [-0.25, -0.2, False]
    f = fd.build_findings(
        "东湖街道", Analysis(**{**a.__dict__, "unit_dimensions": ud}), questionnaire
    ).model_dump()
    sentence = next(t for t in f["problems"]["text"] if "略低于" in t)
    assert "“区域化党建与资源整合”得分略低于" in sentence and "未达到统计显著水平" in sentence
    assert (
        f["problems"]["slightly_low"] == ["区域化党建与资源整合"] and f["problems"]["significant_low"] == []
    )


def test_findings_from_a_unit_slice_equal_findings_from_everything(demo_analysis, questionnaire):
    a, _ = demo_analysis
    slices = fd.unit_slices(a)
    for unit in ("石桥乡", "新华街道", "西城街道"):
        assert fd.build_findings(unit, slices[unit], questionnaire) == fd.build_findings(
            unit, a, questionnaire
        )
