from pathlib import Path

import pytest
import yaml

from pipeline.errors import SurveyError
from pipeline.paths import DEFAULT_QUESTIONNAIRE
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
