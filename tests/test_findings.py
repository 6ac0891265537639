import json
import re

import pandas as pd

import pipeline.findings as fd
from pipeline.analyze.tables import Analysis
from pipeline.common.rules import significantly_low


def test_planted_unit_findings(demo_analysis, questionnaire):
    a, res = demo_analysis
    f = fd.build_findings("石桥乡", a, questionnaire).model_dump()
    json.dumps(f, ensure_ascii=False)  # serialisable
    assert (
        fd.UnitFindings.model_validate_json(json.dumps(f, ensure_ascii=False)).model_dump() == f
    )  # round-trips
    u = a.units.set_index("unit").loc["石桥乡"]
    basic = " ".join(f["basic"]["text"])
    assert f"发放问卷300份，回收{u['received']}份（回收率" in basic and f"其中有效问卷{u['valid']}份" in basic
    rates = a.units.set_index("unit")["satisfaction_rate"].dropna()
    rank = int((rates > rates["石桥乡"]).sum()) + 1
    area = a.district.iloc[0]["satisfaction_rate"]
    assert f"全区为{area:.1%}，在{len(rates)}个街道（乡镇）中排第{rank}位" in basic
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
    assert f["problems"]["significant_low"] == [] and "没有需要分析原因的突出问题" in f["causes"]["text"][0]


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
    """The overview in the reference reports' order; its first screen holds counts and shares, no test
    statistic; every unit with a significant problem is named, with its dimensions."""
    a, res = demo_analysis
    d = fd.district_findings(a, questionnaire).model_dump()
    assert d["received"] == len(res.audit) and d["valid"] == len(res.kept)
    assert "街道6个、乡镇4个" in d["text"][0]
    first_screen = "".join(d["text"])
    for statistic in ("KMO", "χ²", "α", "R²", "Hedges", "p=", "p<", "Welch", "F="):
        assert statistic not in first_screen, statistic
    problems = "".join(d["problems"])
    assert "共有2个街道（乡镇）的2项维度得分显著低于" in problems
    low = a.unit_dimensions.loc[significantly_low(a.unit_dimensions)]
    assert set(d["units_with_problems"]) == set(low["unit"]) == {"石桥乡", "新华街道"}
    for _, r in low.iterrows():
        assert f"{r['unit']}（" in problems and f"“{r['dimension_name']}”" in problems
    causes = "".join(d["causes"])
    assert "与“基层党组织建设工作总体评价”关联最强的维度依次是：" in causes
    assert all(f"“{n}”（相对重要性" in causes for n in ("基层减负", "服务群众与工作作风", "组织生活制度"))
    assert "石桥乡“信息化建设”得分偏低主要集中在年龄段为“60岁以上”的受访者" in causes
    assert "新华街道“基层减负”得分偏低主要集中在幸福社区" in causes
    assert "由所在单位对照本单位报告中的对策建议整改" in "".join(d["suggestions"])
    total = int(a.district.iloc[0]["suggestions"])
    assert d["open_answers"][0].startswith(f"共征集意见建议{total}条，按主题归类")


def test_planted_groups_measures_and_honest_verbs(demo_analysis, questionnaire):
    """The planted concentration is found and named; measures come from the questionnaire's library for
    exactly the significantly low dimensions; no sentence claims a cause."""
    a, _ = demo_analysis
    library = {d.id: d.measures for d in questionnaire.dimensions}
    planted = {"石桥乡": "年龄段为“60岁以上”的受访者", "新华街道": "幸福社区"}
    for unit in a.units.loc[a.units["valid"] > 0, "unit"]:
        f = fd.build_findings(unit, a, questionnaire)
        low = [d.dimension for d in f.problems.significant_low]
        assert [m.dimension for m in f.suggestions.measures] == low, unit
        for m in f.suggestions.measures:
            assert m.measures == library[m.dimension]
            assert all(x.rstrip("。") in "".join(f.suggestions.text) for x in m.measures)
        if unit in planted:
            assert [c.groups[0] for c in f.causes.concentrated] == [planted[unit]]
            name = f.problems.significant_low[0].name
            assert f.causes.text[0].startswith(f"“{name}”得分偏低主要集中在{planted[unit]}")
        keys = ("basic", "problems", "causes", "suggestions")
        text = "".join(p for key in keys for p in f.section(key).text)
        unquoted = re.sub(r"“[^”]*”", "", text)  # item wording is quoted as asked, e.g. “…影响工作开展”
        for verb in ("影响", "导致", "造成", "决定了", "使得", "因为"):
            assert verb not in unquoted, (unit, verb)


def test_rejection_reasons_follow_rule_order(demo_analysis, questionnaire):
    from pipeline.clean import RULE_ORDER

    a, _ = demo_analysis
    rules = list(fd.district_findings(a, questionnaire).rejected_by_rule)
    assert rules == [r for r in RULE_ORDER if r in rules] and len(rules) == 3


def test_causes_and_suggestions_tie_back_to_the_problem(demo_analysis, questionnaire):
    a, _ = demo_analysis
    f = fd.build_findings("新华街道", a, questionnaire).model_dump()
    assert f["causes"]["priority"] == ["基层减负"]
    assert "重点改进区" in f["causes"]["text"][1]  # after where the problem concentrates
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
