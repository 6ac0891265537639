import pandas as pd
import pytest

from pipeline import clean as cl
from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_frame
from pipeline.ingest.formats import export_header

SUGGESTION = "20、您对加强基层党组织建设有哪些意见建议？"


@pytest.fixture()
def base(questionnaire) -> pd.DataFrame:
    """30 honest respondents (no contamination), every one 300 s, a day apart."""
    spec = DemoSpec(units={"青山镇": ["青松村", "竹林村"]}, sizes={"青山镇": 30}, planted={}, null_unit=None,
                    seed=11, speeder_rate=0, straightliner_rate=0, duplicate_rate=0, pii_rate=0)
    raw = generate_responses(questionnaire, spec).astype(str)
    raw["所用时间"] = "300秒"
    raw["提交答卷时间"] = [f"2026/9/{1 + i % 28} {8 + i // 28}:00:00" for i in range(len(raw))]
    return raw


def headers(questionnaire, kind):
    return {q.id: export_header(q) for q in questionnaire.questions if q.type == kind}


def run(raw, questionnaire):
    return cl.clean(ingest_frame(raw, questionnaire, "t.xlsx").frame, questionnaire)


def test_each_rule_rejects_with_reason(base, questionnaire):
    raw = base.copy()
    raw.loc[0, "所用时间"] = "20秒"
    for qid, col in headers(questionnaire, "likert").items():
        raw.loc[1, col] = questionnaire.by_id[qid].options[3]
    raw.loc[3, raw.columns[6:]] = raw.loc[2, raw.columns[6:]].to_numpy()
    raw.loc[3, "提交答卷时间"] = "2026/9/3 8:05:00"  # row 2 was sent at 2026/9/3 8:00
    raw.loc[4, raw.columns[6:]] = raw.loc[5, raw.columns[6:]].to_numpy()  # same answers, days apart: kept
    for col in list(headers(questionnaire, "likert").values())[:20]:
        raw.loc[7, col] = "(空)"
    raw.loc[8, "1、您所在的街道（乡镇）"] = "(空)"
    res = run(raw, questionnaire)
    audit = res.audit.set_index("row")
    assert (
        audit.loc[2, "rule"] == cl.RULE_SPEEDER
        and "用时20秒" in audit.loc[2, "detail"]
        and "300秒" in audit.loc[2, "detail"]
    )
    assert (
        audit.loc[3, "rule"] == cl.RULE_STRAIGHTLINE and "34道量表题均选择第4个选项" in audit.loc[3, "detail"]
    )
    assert audit.loc[5, "rule"] == cl.RULE_DUPLICATE and f"序号{raw.loc[2, '序号']}" in audit.loc[5, "detail"]
    assert "5.0分钟" in audit.loc[5, "detail"]
    assert audit.loc[9, "rule"] == cl.RULE_MISSING and "20道未作答" in audit.loc[9, "detail"]
    assert audit.loc[10, "rule"] == cl.RULE_NO_UNIT
    assert pd.isna(audit.loc[6, "rule"]) and pd.isna(audit.loc[7, "rule"])
    assert res.counts == {"rows_in": 30, "kept": 25, "rejected": 5}
    assert set(audit["status"]) == {cl.KEPT, cl.REJECTED}


def test_skip_logic_is_not_missing(base, questionnaire):
    raw = base.copy()
    non_members = raw["3、您的身份"] != "党员"
    assert non_members.any() and (raw.loc[non_members, "7、您的党龄"] == "(跳过)").all()
    res = run(raw, questionnaire)
    assert res.counts["rejected"] == 0
    # a member who skipped what applies to them is missing, not skipped
    frame = ingest_frame(raw, questionnaire, "t.xlsx").frame
    app = cl.applicable(frame, questionnaire)
    assert (app["party_years"] == ~non_members.to_numpy()).all() and app["resp_1"].all()


def test_reverse_coding(base, questionnaire):
    raw = base.copy()
    raw.loc[0, "14、(社区（村）填表报数任务繁重)"] = "非常同意"       # reverse item: agreeing is bad
    raw.loc[0, "14、(上级文件、会议精简明显，“变相发文”减少了)"] = "非常同意"
    kept = run(raw, questionnaire).kept
    assert kept.loc[0, "burden_1"] == 1 and kept.loc[0, "burden_3"] == 5


def test_personal_data_never_leaves_clean(base, questionnaire):
    raw = base.copy()
    planted = [
        "13912345678",
        "139-1234-5678",
        "025-83456789",
        "320102199003077715",
        "a.b@qq.com",
        "117.136.1.2",
    ]
    for i, value in enumerate(planted):
        raw.loc[i, SUGGESTION] = f"建议加强服务，联系{value}谢谢"
    raw.loc[10, "18、您认为当前基层党建工作中最突出的问题是（最多选3项）"] = "其他〖找我 13812345678〗"
    kept = run(raw, questionnaire).kept
    assert "ip" not in kept.columns
    text = kept.astype("string").fillna("").to_csv()
    for value in planted + ["13812345678", "江苏-南京"]:
        assert value not in text
    assert kept.loc[0, "suggestion"] == "建议加强服务，联系〔电话已隐去〕谢谢"
    assert kept.loc[3, "suggestion"] == "建议加强服务，联系〔身份证号已隐去〕谢谢"
    assert kept.loc[4, "suggestion"] == "建议加强服务，联系〔邮箱已隐去〕谢谢"
    assert kept.loc[5, "suggestion"] == "建议加强服务，联系〔IP已隐去〕谢谢"


def test_write_clean_outputs(base, questionnaire, tmp_path):
    raw = base.copy()
    raw.loc[[0, 4, 7], "所用时间"] = "20秒"
    res = run(raw, questionnaire)
    paths = cl.write_clean(res, tmp_path)
    assert len(pd.read_parquet(paths["responses"])) == 27
    sheets = pd.read_excel(paths["audit_xlsx"], sheet_name=None)
    assert list(sheets) == ["汇总", "剔除记录"]  # all rows are in audit.parquet; people read the rejected
    rejected = sheets["剔除记录"]
    assert rejected["剔除规则"].tolist() == [cl.RULE_SPEEDER] * 3
    assert rejected["行号"].tolist() == [2, 6, 9] and rejected["说明"].str.startswith("用时20秒").all()
    assert len(pd.read_parquet(paths["audit"])) == 30
    summary = sheets["汇总"]
    assert summary.loc[summary["剔除规则"] == cl.RULE_SPEEDER, "份数"].sum() == 3
    assert not list(tmp_path.glob("*.tmp*"))


def test_straight_lining_counts_the_dimension_items_whatever_else_is_defined(base, questionnaire):
    """The same answers are straight-lined or not whatever other questions the questionnaire defines: the
    rule counts the dimensions' items only, not an overall question on a scale (which the shipped
    questionnaire has and another might not)."""
    raw = base.copy()
    overall = questionnaire.overall
    for q in questionnaire.likert_items:
        raw.loc[1, export_header(q)] = q.options[3]
    raw.loc[1, export_header(overall)] = overall.options[0]  # a different answer to the overall question
    audit = run(raw, questionnaire).audit.set_index("row")
    assert audit.loc[3, "rule"] == cl.RULE_STRAIGHTLINE
    assert f"{len(questionnaire.likert_items)}道量表题均选择第4个选项" in audit.loc[3, "detail"]


def test_the_schema_refuses_a_number_that_is_a_phone_number(base, questionnaire):
    """The internal check on stored numbers: a duration that reads as a phone number is a pipeline bug, named
    by column and check (each distinct number is written out once, so the check is cheap at any size)."""
    from pipeline.clean.schema import validate_clean
    from pipeline.common.contracts import ContractError

    kept = run(base, questionnaire).kept
    assert validate_clean(kept, questionnaire) is not None
    bad = kept.copy()
    bad.loc[[0, 3], "duration_s"] = 13812345678.0
    with pytest.raises(ContractError, match=r"duration_s（_no_pii_number），共2处"):
        validate_clean(bad, questionnaire)
