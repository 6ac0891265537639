from pathlib import Path

import pytest
import yaml

from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.questionnaire import load_questionnaire


def test_default_questionnaire_covers_the_survey(questionnaire):
    q = questionnaire
    assert len(q.dimensions) >= 8
    assert all(3 <= len(d.items) <= 5 for d in q.dimensions)
    assert sum(i.reverse for d in q.dimensions for i in d.items) >= 5
    names = {d.name for d in q.dimensions}
    for expected in ("基层减负", "信息化建设", "组织生活制度", "区域化党建与资源整合"):
        assert expected in names
    assert q.unit_question.id == "unit" and len(q.unit_question.options) >= 8
    assert q.by_id["party_years"].show_if == {"identity": ["党员"]}
    assert q.by_id["meetings"].type == "number" and q.by_id["meetings"].show_if == {"identity": ["党员"]}
    assert q.role("overall").options[-1] == "非常满意"
    assert q.by_id["problems"].type == "multi" and q.by_id["problems"].max_choices == 3
    assert q.role("open").type == "text"
    assert {"减负", "信息化", "后备干部"} <= set(q.themes)
    # 45 answers on 20 numbered questions: each dimension is one matrix question whose rows share its number
    numbers = [x.number for x in q.questions]
    assert len(numbers) == 45 and len(set(numbers)) == 20
    assert all({q.by_id[i.id].number for i in d.items} == {d.number} for d in q.dimensions)
    assert q.by_id["resp_1"].matrix == q.dimensions[0].text and q.by_id["unit"].matrix is None
    assert q.by_id["burden_1"].options == q.likert_scales["agree"] and q.by_id["burden_1"].reverse


def _write(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_dangling_skip_logic_names_file_and_item(tmp_path):
    def edit(raw):
        raw["profile"][6]["show_if"] = {"identiti": ["党员"]}

    with pytest.raises(SurveyError) as err:
        load_questionnaire(_write(tmp_path, edit))
    msg = str(err.value)
    assert "bad.yaml" in msg and "party_years" in msg and "identiti" in msg and "不存在" in msg


def test_unknown_scale_and_misspelt_field(tmp_path):
    def edit(raw):
        raw["dimensions"][0]["scale"] = "agreee"
        raw["dimensions"][1]["items"][0]["revers"] = True

    with pytest.raises(SurveyError) as err:
        load_questionnaire(_write(tmp_path, edit))
    msg = str(err.value)
    assert "lead_1" in msg and "不认识的字段" in msg


def test_skip_condition_with_unknown_option(tmp_path):
    def edit(raw):
        raw["profile"][6]["show_if"] = {"identity": ["共产党员"]}

    with pytest.raises(SurveyError, match="共产党员.*不是题目“identity”的选项"):
        load_questionnaire(_write(tmp_path, edit))


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(SurveyError, match="不存在"):
        load_questionnaire(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(SurveyError, match="YAML"):
        load_questionnaire(broken)


INCOMPLETE = [
    ("no unit question", lambda r: r["profile"][0].pop("role"), "缺少标注 role: unit 的“所在单位”题目"),
    ("no profile", lambda r: r.pop("profile"), "缺少基本情况题（profile）"),
    ("no dimensions", lambda r: r.pop("dimensions"), "缺少量表维度（dimensions）"),
    ("empty dimensions", lambda r: r.update(dimensions=[]), "至少需要一个量表维度"),
    (
        "a one-item dimension",
        lambda r: r["dimensions"][3].update(items=r["dimensions"][3]["items"][:1]),
        "维度“education_mgmt”至少需要两道题",
    ),
    ("no scales", lambda r: r.pop("likert_scales"), "缺少量表选项（likert_scales）"),
    ("no title", lambda r: r.pop("title"), "缺少调查名称（title）"),
    ("no district", lambda r: r.pop("district"), "缺少区县名称（district）"),
    (
        "a one-option scale",
        lambda r: r["likert_scales"].update(agree=["同意"]),
        "量表“agree”至少需要两个选项",
    ),
    (
        "satisfied labels without an overall question",
        lambda r: (r["outcomes"].pop(0), r["report"].update(satisfied=["满意"])),
        "report.satisfied 指定了“满意”的选项，但问卷没有总体评价题",
    ),
    (
        "satisfied label not an option",
        lambda r: r["report"].update(satisfied=["很满意"]),
        "report.satisfied 中的“很满意”不是总体评价题“overall”的选项",
    ),
    (
        "every option satisfied",
        lambda r: r["report"].update(satisfied=["非常不满意", "比较不满意", "一般", "比较满意", "非常满意"]),
        "全选时满意率恒为100%",
    ),
    (
        "unfavourable of an unknown scale",
        lambda r: r["report"].update(unfavourable={"agreee": ["非常不同意"]}),
        "report.unfavourable 引用了不存在的量表“agreee”",
    ),
    (
        "unfavourable label not on the scale",
        lambda r: r["report"].update(unfavourable={"agree": ["不同意"]}),
        "量表“agree”没有选项“不同意”",
    ),
    (
        "a label both favourable and unfavourable",
        lambda r: r["report"].update(
            unfavourable={"agree": ["一般"]}, favourable={"agree": ["一般", "非常同意"]}
        ),
        "不能既算正面评价又算负面评价",
    ),
    (
        "profile figure of an unknown question",
        lambda r: r["report"]["profile"].append({"question": "job", "options": ["x"]}),
        "report.profile 引用的“job”不是基本情况中的单选题",
    ),
    (
        "profile figure of an unknown option",
        lambda r: r["report"]["profile"].append({"question": "age", "options": ["80岁以上"]}),
        "report.profile 中题目“age”没有选项“80岁以上”",
    ),
    (
        "composition of a non-question",
        lambda r: r["report"].update(composition=["unit"]),
        "report.composition 引用的“unit”",
    ),
    (
        "an overall question typed as text",
        lambda r: r["outcomes"][0].update(type="text", scale=None),
        "总体评价题（role: overall）“overall”应为量表题或单选题",
    ),
    (
        "an open question typed as single",
        lambda r: r["outcomes"][3].update(type="single", options=["有", "无"]),
        "意见建议题（role: open）“suggestion”应为填空题",
    ),
    (
        "a theme for an unknown dimension",
        lambda r: r["themes"].update(新主题={"keywords": ["x"], "dimensions": ["nope"]}),
        "意见建议主题“新主题”引用了不存在的维度“nope”",
    ),
    (
        "two questions with one role",
        lambda r: r["profile"][1].update(role="unit", type="single", options=["a", "b"]),
        "角色“unit”只能由一道题承担",
    ),
]


@pytest.mark.parametrize(("name", "edit", "says"), INCOMPLETE, ids=[c[0] for c in INCOMPLETE])
def test_an_incomplete_questionnaire_is_one_chinese_sentence(name, edit, says, tmp_path):
    with pytest.raises(SurveyError) as err:
        load_questionnaire(_write(tmp_path, edit))
    msg = str(err.value)
    assert says in msg and "bad.yaml" in msg and "Traceback" not in msg and "Field required" not in msg
