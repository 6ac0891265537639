"""Exports as users really have them: several files, mapping overrides, place names, quality rules,
and random messy cells (hypothesis) — every row ends kept or rejected with a reason, or the file is
refused with a message naming row and column; nothing crashes and nothing is lost."""

import pandas as pd
import pytest
import yaml
from export_formats import paper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import clean as cl
from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_file, ingest_files, ingest_frame, read_mapping
from pipeline.questionnaire import load_questionnaire

UNIT = "1、您所在的街道（乡镇）"
COMMUNITY = "2、您所在的社区（村）"
PROBLEMS = "18、您认为当前基层党建工作中最突出的问题是（最多选3项）"


def honest(questionnaire, n=20, seed=31) -> pd.DataFrame:
    spec = DemoSpec(
        units={"东湖街道": ["东湖社区", "湖滨社区"]},
        sizes={"东湖街道": n},
        planted={},
        null_unit=None,
        seed=seed,
        speeder_rate=0,
        straightliner_rate=0,
        duplicate_rate=0,
        pii_rate=0,
    )
    raw = generate_responses(questionnaire, spec).astype(str)
    raw["所用时间"] = "300秒"
    raw["提交答卷时间"] = [f"2026/9/{1 + i % 28} 9:00:00" for i in range(len(raw))]
    raw["来自IP"] = [f"10.0.{i}.1(江苏-南京)" for i in range(len(raw))]
    return raw


def test_web_and_paper_files_combined_with_the_same_respondent_caught(questionnaire, tmp_path):
    web = honest(questionnaire)
    web.to_excel(tmp_path / "网络.xlsx", index=False)
    plain = web.loc[~web[PROBLEMS].str.contains("其他")].head(3)  # paper entry has no 其他 text
    typed = paper(pd.concat([plain, honest(questionnaire, 5, seed=32)]), questionnaire)
    typed["序号"] = [f"P{i}" for i in range(1, len(typed) + 1)]
    typed.to_excel(tmp_path / "纸质.xlsx", index=False)
    frame = ingest_files([tmp_path / "网络.xlsx", tmp_path / "纸质.xlsx"], questionnaire)
    res = cl.clean(frame, questionnaire)
    audit = res.audit
    assert audit["file"].value_counts().to_dict() == {"网络.xlsx": 20, "纸质.xlsx": 8}
    dups = audit.loc[audit["rule"] == cl.RULE_DUPLICATE]
    assert len(dups) == 3 and set(dups["file"]) == {"纸质.xlsx"}
    assert dups["detail"].str.contains("（网络.xlsx）的答卷完全相同，无提交时间可比").all()
    assert res.counts == {"rows_in": 28, "kept": 25, "rejected": 3}


def test_duplicate_file_names_are_refused(questionnaire, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.xlsx").write_bytes(b"")
    with pytest.raises(SurveyError, match="重名"):
        ingest_files([tmp_path / "a" / "x.xlsx", tmp_path / "b" / "x.xlsx"], questionnaire)


def test_mapping_file_overrides_headers(questionnaire, tmp_path):
    raw = honest(questionnaire).rename(columns={"4、您的性别": "Q4 性别（男/女）"})
    with pytest.raises(SurveyError) as err:
        ingest_frame(raw, questionnaire, "x.xlsx")
    assert (
        "4、您的性别（gender）" in str(err.value)
        and "Q4 性别（男/女）" in str(err.value)
        and "--mapping" in str(err.value)
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(yaml.safe_dump({"Q4 性别（男/女）": "gender"}, allow_unicode=True), encoding="utf-8")
    frame = ingest_frame(raw, questionnaire, "x.xlsx", read_mapping(mapping)).frame
    assert frame["gender"].notna().all()
    mapping.write_text(yaml.safe_dump({"Q4 性别（男/女）": "sex"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SurveyError, match="不存在的题目id.*sex"):
        ingest_frame(raw, questionnaire, "x.xlsx", read_mapping(mapping))


def test_unit_name_variants_and_unknown_units(questionnaire):
    raw = honest(questionnaire, 4)
    raw[UNIT] = ["东湖街道办事处", " 东湖街道 ", "東湖街道", "东湖街道"]
    frame = ingest_frame(raw, questionnaire, "x.xlsx").frame
    assert (frame["unit"] == "东湖街道").all()
    raw.loc[2, UNIT] = "东湖镇"
    with pytest.raises(SurveyError) as err:
        ingest_frame(raw, questionnaire, "x.xlsx")
    msg = str(err.value)
    assert "第4行" in msg and "不认识的街道（乡镇）“东湖镇”" in msg and "最接近的是：东湖街道" in msg


def test_communities_normalise_against_the_reference_list(questionnaire):
    raw = honest(questionnaire, 3)
    raw[COMMUNITY] = ["湖滨居委会", "东湖 社区", "東湖社區"]
    frame = ingest_frame(raw, questionnaire, "x.xlsx").frame
    assert frame["community"].tolist() == ["湖滨社区", "东湖社区", "东湖社区"]
    raw.loc[1, COMMUNITY] = "湖边社区"
    with pytest.raises(SurveyError, match="第3行.*不认识的社区（村）“湖边社区”.*最接近的是：.*湖滨社区"):
        ingest_frame(raw, questionnaire, "x.xlsx")


def test_attention_check_speeder_floor_and_shared_ip(tmp_path):
    raw_yaml = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw_yaml["attention_checks"] = [{"question": "resp_1", "expected": "比较同意"}]
    raw_yaml["places"] = str(DEFAULT_QUESTIONNAIRE.parent / raw_yaml["places"])
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(raw_yaml, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(path)
    raw = honest(q)
    raw["8、(所在党组织书记切实履行抓党建“第一责任人”职责)"] = "比较同意"
    raw.loc[3, "8、(所在党组织书记切实履行抓党建“第一责任人”职责)"] = "非常同意"
    raw["所用时间"] = "50秒"  # median 50 s: one third is 17 s, but 45 questions need at least 45 s
    raw.loc[5, "所用时间"] = "40秒"
    raw.loc[10:15, "来自IP"] = "117.136.1.2(江苏-南京)"
    audit = cl.clean(ingest_frame(raw, q, "x.xlsx").frame, q).audit
    assert audit.loc[3, "rule"] == cl.RULE_ATTENTION and "应选择“比较同意”" in audit.loc[3, "detail"]
    assert audit.loc[5, "rule"] == cl.RULE_SPEEDER and "低于每题1秒的下限（45秒）" in audit.loc[5, "detail"]
    shared = audit.loc[10:15]
    assert shared["rule"].isna().all() and shared["hint"].str.contains("另外5份答卷来自同一IP").all()
    assert audit["rule"].notna().sum() == 2


def test_missing_reference_list_is_reported(tmp_path):
    raw_yaml = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw_yaml["places"] = "nowhere.csv"
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(raw_yaml, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SurveyError, match="地名参考表不存在"):
        load_questionnaire(path).known_places()


MESSY = st.one_of(
    st.text(max_size=6),
    st.sampled_from(
        [
            "",
            "(跳过)",
            "（跳过）",
            "(空)",
            "-3",
            "-2",
            "0",
            "6",
            "99",
            "3.5",
            "非常同意 ",
            "比较满意",
            "男",
            "1┋2",
            "其他〖x〗",
            "13912345678",
            "2026-13-45",
            "abc秒",
            "120",
            "-5",
            "东湖街道办事处",
        ]
    ),
)
COLUMNS = [
    "8、(所在党组织书记切实履行抓党建“第一责任人”职责)",
    "4、您的性别",
    PROBLEMS,
    "19、过去一年，您参加“三会一课”的次数",
    "20、您对加强基层党组织建设有哪些意见建议？",
    "所用时间",
    "提交答卷时间",
    UNIT,
    "17、总体而言，您对所在街道（乡镇）基层党组织建设工作的满意程度",
]


@pytest.fixture(scope="module")
def base(questionnaire):
    return honest(questionnaire, 8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(COLUMNS), MESSY), min_size=1, max_size=4))
def test_messy_cells_are_cleaned_or_refused_never_lost(base, questionnaire, cells):
    raw = base.copy()
    for row, col, value in cells:
        raw.loc[row, col] = value
    try:
        frame = ingest_frame(raw, questionnaire, "messy.xlsx").frame
    except SurveyError as exc:
        msg = str(exc)
        assert "messy.xlsx" in msg and "行" in msg and "“" in msg
        return
    res = cl.clean(frame, questionnaire)
    assert len(res.audit) == 8 and res.counts["kept"] + res.counts["rejected"] == 8
    rejected = res.audit.loc[res.audit["status"] == cl.REJECTED]
    assert rejected["rule"].notna().all() and rejected["detail"].notna().all()
    text_cols = [
        c
        for c in res.kept.columns
        if res.kept[c].dtype == "string" or isinstance(res.kept[c].dtype, pd.CategoricalDtype)
    ]
    assert (
        "13912345678" not in res.kept[text_cols].astype("string").fillna("").to_csv()
    )  # masked in every text column


def test_ingest_file_reads_a_semicolon_csv(questionnaire, tmp_path):
    raw = honest(questionnaire, 5)
    path = tmp_path / "semicolon.csv"
    raw.to_csv(path, index=False, sep=";", encoding="gb18030")
    got = ingest_file(path, questionnaire)
    assert len(got.frame) == 5 and got.frame["unit"].eq("东湖街道").all() and got.format == "wjx"
