"""Unit facts (``pipeline.fieldwork.facts``): the research office's statistics per unit, declared under the
questionnaire's ``facts:``, appear exactly in 基本情况 and in explore; a bad table is a clear error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import cleaned_demo

from pipeline.common.errors import SurveyError
from pipeline.fieldwork.facts import read_facts
from pipeline.questionnaire import load_questionnaire

FACTS = [{"column": "党组织数", "label": "辖区有党组织", "measure": "个", "kind": "count"},
         {"column": "党员数", "label": "党员", "measure": "名", "kind": "count"},
         {"column": "35岁以下党员占比", "kind": "share"},
         {"column": "城镇化率", "kind": "share"},
         {"column": "社区平均工作人员", "label": "社区平均工作人员", "measure": "人", "kind": "number"}]


def _questionnaire(tmp_path: Path, source: str = "questionnaires/jiceng_dangjian.yaml"):
    raw = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    raw["facts"] = FACTS
    for key in ("places",):  # files the questionnaire names, beside the original
        if raw.get(key):
            raw[key] = str((Path(source).parent / raw[key]).resolve())
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_questionnaire(path), path


def _table(q, path: Path) -> pd.DataFrame:
    units = q.unit_question.options
    table = pd.DataFrame({"unit": units, "党组织数": [str(40 + i) for i in range(len(units))],
                          "党员数": [str(1200 + 37 * i) for i in range(len(units))],
                          "35岁以下党员占比": [f"{15 + i}.5%" for i in range(len(units))],
                          "城镇化率": [str(round(0.55 + 0.03 * i, 2)) for i in range(len(units))],
                          "社区平均工作人员": [f"{8 + i}.5" for i in range(len(units))]})
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return table


def test_facts_appear_exactly_in_basic_and_in_explore(tmp_path):
    import json

    from pipeline import explore
    from pipeline.run.stages import stage_analyze

    q, qfile = _questionnaire(tmp_path)
    table = _table(q, tmp_path / "data" / "external" / "facts" / "units.csv")
    paths = cleaned_demo(q, "facts", tmp_path)
    stage_analyze(q, paths, qfile)
    for _, r in table.iterrows():
        doc = json.loads((paths.processed / "documents" / f"{r['unit']}.json").read_text(encoding="utf-8"))
        first = doc["sections"][0]["blocks"][0]["text"]
        share = float(r["城镇化率"]) * 100
        assert first == (f"{r['unit']}辖区有党组织{r['党组织数']}个，党员{r['党员数']}名，"
                         f"35岁以下党员占比{r['35岁以下党员占比']}，城镇化率{share:.1f}%，"
                         f"社区平均工作人员{r['社区平均工作人员']}人。")
    s = explore.open_survey("facts", root=tmp_path)
    d = next(iter(q.dimension_names()))
    shown = s.facts(d)
    assert shown.loc[q.unit_question.options[0], "党员"] == 1200.0
    stored = pd.read_parquet(paths.processed / "unit_dimensions.parquet")
    second = stored.loc[(stored["unit"] == q.unit_question.options[1]) & (stored["dimension"] == d)]
    mean = second["mean"].iloc[0]
    assert shown.iloc[1, -1] == pytest.approx(mean)


@pytest.mark.parametrize(("edit", "message", "row", "column"), [
    (lambda t: t.assign(unit=t["unit"].replace("新华街道", "新华街")), "最接近的是：新华街道", 6, "unit"),
    (lambda t: t.assign(党员数=t["党员数"].where(t.index != 2, "一千")), "“一千”不是整数", 4, "党员数"),
    (lambda t: t.assign(城镇化率=t["城镇化率"].where(t.index != 0, "1.7")), "0到1之间的比例", 2, "城镇化率"),
])
def test_a_bad_facts_table_names_file_row_and_column(tmp_path, edit, message, row, column):
    q, _ = _questionnaire(tmp_path)
    path = tmp_path / "units.csv"
    edit(_table(q, path)).to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(SurveyError, match=message) as err:
        read_facts(path, q)
    said = str(err.value)
    assert "units.csv" in said and f"第{row}行" in said and column in said


def test_declared_facts_without_a_table_are_none(tmp_path):
    q, _ = _questionnaire(tmp_path, "questionnaires/jiceng_jianfu.yaml")
    assert read_facts(None, q).empty
