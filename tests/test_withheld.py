"""Say what is withheld, never that nothing exists: a unit too small to show has its figures withheld, and
every output says so in those words; the rate's name cannot be read as a subgroup's; Big5 is read."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, generate_responses
from pipeline.questionnaire import load_questionnaire

UNIT = "1、您所在的街道（乡镇）"
SUGGESTION = "20、您对加强基层党组织建设有哪些意见建议？"
WITHHELD = "样本不足，不予显示"


@pytest.fixture(scope="module")
def small_unit_run(tmp_path_factory):
    """Two units of 40 and one of 3 respondents, all three of whom left a suggestion."""
    tmp = tmp_path_factory.mktemp("withheld")
    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    units = {"东湖街道": ["东湖社区", "湖滨社区"], "西城街道": ["西门社区", "城西社区"], "白马乡": ["白马村"]}
    spec = DemoSpec(units=units, sizes={"东湖街道": 40, "西城街道": 40, "白马乡": 3}, planted={},
                    null_unit=None, concentrated={}, seed=5, speeder_rate=0, straightliner_rate=0,
                    duplicate_rate=0, pii_rate=0)
    raw = generate_responses(q, spec)
    raw.loc[raw[UNIT] == "白马乡", SUGGESTION] = ["希望多组织活动", "建议改善场地", "希望减少填表"]
    export = tmp / "导出.xlsx"
    raw.to_excel(export, index=False)
    root = tmp / "root"
    args = ["-q", str(DEFAULT_QUESTIONNAIRE), "-s", "s", "--root", str(root)]
    assert main(["run", "-i", str(export), *args, "--workers", "2"]) == 0  # writes the Word reports too
    return root / "reports" / "s", root


def _text(html: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.read_text(encoding="utf-8")))


def test_a_small_units_suggestions_read_as_withheld_in_every_output(small_unit_run):
    reports, root = small_unit_run
    report = _text(reports / "白马乡.html")
    assert "未征集到" not in report and "意见建议0条" not in report and "征集意见建议0" not in report
    assert f"意见建议：{WITHHELD}" in report
    html = (reports / "全区总体情况.html").read_text(encoding="utf-8")
    table = next(t for t in re.findall(r"<table.*?</table>", html, re.S) if "<td>白马乡</td>" in t)
    header = re.findall(r"<th>(.*?)</th>", table)
    row = dict(zip(header, re.findall(r"<td>(.*?)</td>", re.search(r"<tr>\s*<td>白马乡</td>.*?</tr>", table,
                                                                re.S).group(0)), strict=True))
    assert row["有效问卷"] == "3" and row["意见建议（条）"] == WITHHELD and row["总体满意率"] == WITHHELD, row
    assert "白马乡的有效问卷不足5份（共3份）" in _text(reports / "全区总体情况.html")
    index = (reports / "index.html").read_text(encoding="utf-8")
    cells = re.search(r">白马乡</a></td>(.*?)</tr>", index, re.S).group(1)
    assert WITHHELD in cells
    book = pd.read_excel(next(reports.glob("*_调研结果.xlsx")), sheet_name=None)
    summary = book["全区汇总"].set_index("街道（乡镇）")
    assert summary.loc["白马乡", "意见建议（条）"] == WITHHELD
    assert summary.loc["白马乡", "总体满意率"] == WITHHELD
    from docx import Document

    word = "".join(p.text for p in Document(str(reports / "word" / "白马乡.docx")).paragraphs)
    assert WITHHELD in word and "未征集到" not in word
    district = "".join(p.text for p in Document(str(reports / "word" / "全区总体情况.docx")).paragraphs)
    assert "白马乡的有效问卷不足5份" in district


def test_a_rate_named_after_a_group_of_respondents_is_advised_against(tmp_path):
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw["report"]["rate_name"] = "群众满意率"
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.warns(UserWarning, match="“群众满意率”含有“身份”题的选项“群众”"):
        load_questionnaire(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_questionnaire(DEFAULT_QUESTIONNAIRE)  # the shipped questionnaires do not need the advice
        load_questionnaire(DEFAULT_QUESTIONNAIRE.parent / "jiceng_jianfu.yaml")
    assert load_questionnaire(DEFAULT_QUESTIONNAIRE).report.rate_name == "总体满意率"


def test_the_advice_is_a_chinese_hint_on_the_command_line(tmp_path, capsys):
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw["report"]["rate_name"] = "群众满意率"
    raw["places"] = str((DEFAULT_QUESTIONNAIRE.parent / raw["places"]).resolve())
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    main(["ingest", "-q", str(path), "-i", str(tmp_path / "无.xlsx")])
    err = capsys.readouterr().err
    assert "提示：q.yaml：满意率的叫法“群众满意率”" in err and "Warning" not in err
