"""Fieldwork notes (``pipeline.fieldwork``): Markdown, Word and an Excel log read into the units they
name, masked, coded to dimensions (an explicit tag wins), and every bad header a clear error naming file and
line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import cleaned_demo

from pipeline.common.errors import SurveyError
from pipeline.fieldwork.notes import read_notes
from pipeline.questionnaire import load_questionnaire

JIANFU = Path("questionnaires/jiceng_jianfu.yaml")
DANGJIAN = Path("questionnaires/jiceng_dangjian.yaml")

MARKDOWN = """---
单位: 桃源镇
社区: 李家村
日期: 2026-10-12
形式: 座谈会
人数: 12
---
座谈中，张建国书记反映每月要填的报表有二十多张，同一组数据在不同表格里重复报。

王书记说工作群太多，联系电话13812345678常年被拉进新群。

#督查考核 有村干部说迎检材料要准备一周。
"""


def _word(path: Path, header: list[str], body: list[str]) -> Path:
    import docx

    doc = docx.Document()
    for line in [*header, "", *body]:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


@pytest.fixture
def folder(tmp_path):
    notes = tmp_path / "fieldwork"
    notes.mkdir()
    (notes / "01_桃源镇座谈.md").write_text(MARKDOWN, encoding="utf-8")
    _word(notes / "02_东风街道走访.docx", ["单位：东风街道", "日期：2026-10-15", "形式：走访", "户数：30"],
          ["走访群众30户，多数反映社区干部在App上打卡截图占去不少时间。",
           "刘主任介绍了“一表通”的做法，报表统一由街道汇总。"])
    pd.DataFrame([
        {"单位": "城关镇", "日期": "2026-10-20", "形式": "明察暗访",
         "内容": "随机走进两个村，未见迎检台账。"},
        {"单位": "城关镇", "社区": "城南社区", "日期": "2026-10-21", "形式": "个别访谈", "人数": "3",
         "标签": "精文减会", "内容": "社区书记谈到会议明显减少。"},
    ]).to_excel(notes / "03_台账.xlsx", index=False)
    return notes


def test_notes_in_markdown_word_and_a_log_end_in_their_units(folder):
    q = load_questionnaire(JIANFU)
    notes = read_notes(folder, q)
    n = notes.notes.set_index("note")
    assert n["unit"].tolist() == ["桃源镇", "东风街道", "城关镇", "城关镇"]
    assert n["kind"].tolist() == ["座谈会", "走访", "明察暗访", "个别访谈"]
    assert n["participants"].tolist()[0] == 12 and n["households"].tolist()[1] == 30
    assert n["line"].tolist() == [2, 1, 2, 3]
    paragraphs = notes.paragraphs
    assert len(paragraphs) == 3 + 2 + 1 + 1
    dims = paragraphs.set_index(["note", "paragraph"])["dimensions"]
    assert dims[(1, 1)] == ["forms"]  # 报表, 表格, 重复报: the theme's keywords
    assert dims[(1, 2)] == ["apps"]
    assert dims[(1, 3)] == ["inspections"] and paragraphs.set_index(["note", "paragraph"])["tagged"][(1, 3)]
    assert dims[(4, 1)] == ["papers"]  # the log row's tag wins over keywords


def test_a_phone_number_and_names_never_reach_the_stored_text(folder):
    q = load_questionnaire(JIANFU)
    text = "\n".join(read_notes(folder, q).paragraphs["text"])
    for secret in ("张建国", "13812345678", "王书记", "刘主任"):
        assert secret not in text
    assert "〔姓名已隐去〕书记" in text and "某书记" in text and "某主任" in text and "〔电话已隐去〕" in text


@pytest.mark.parametrize("source", [DANGJIAN, Path("tests/questionnaires/weisheng_0to10.yaml")])
def test_an_explicit_tag_wins_over_keywords_on_other_questionnaires(tmp_path, source):
    q = load_questionnaire(source)
    names = q.dimension_names()
    first, second = list(names)[:2]
    unit = q.unit_question.options[-1]
    notes = tmp_path / "fieldwork"
    notes.mkdir()
    (notes / "a.md").write_text(f"---\nunit: {unit}\ndate: 2026-11-02\nkind: 座谈会\nparticipants: 8\n---\n"
                                f"#{names[second]} 这一段提到了{names[first]}。\n", encoding="utf-8")
    coded = read_notes(notes, q).paragraphs.iloc[0]
    assert coded["dimensions"] == [second] and coded["tagged"]
    assert coded["text"] == f"这一段提到了{names[first]}。"


@pytest.mark.parametrize(("text", "message", "line"), [
    ("---\n单位: 新华街道\n日期: 2026-11-02\n形式: [座谈会\n---\n正文\n", "表头格式有误", 4),
    ("---\n单位: 新华街道\n日期: 2026-11-02\n---\n正文\n", "表头缺少形式", 2),
    ("---\n单位: 新华街\n日期: 2026-11-02\n形式: 座谈会\n---\n正文\n", "最接近的是：新华街道", 2),
    ("---\n单位: 新华街道\n日期: 某天\n形式: 座谈会\n---\n正文\n", "日期“某天”无法识别", 2),
    ("---\n单位: 新华街道\n日期: 2026-11-02\n形式: 调研\n---\n正文\n",
     "不在座谈会、走访、明察暗访、个别访谈之中", 2),
    ("---\n单位: 新华街道\n日期: 2026-11-02\n形式: 座谈会\n---\n#不存在的方面 正文\n",
     "标签“不存在的方面”", 2),
])
def test_a_malformed_header_names_the_file_and_line(tmp_path, text, message, line):
    notes = tmp_path / "fieldwork"
    notes.mkdir()
    (notes / "坏记录.md").write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError, match=message) as err:
        read_notes(notes, load_questionnaire(DANGJIAN))
    assert "坏记录.md" in str(err.value) and f"第{line}行" in str(err.value)


def test_the_analysis_stores_the_masked_notes_and_explore_lists_them(folder, tmp_path):
    """A survey of our own with notes in ``data/raw/<survey>/fieldwork/``: the analysis stores them (no name
    or phone in any stored file), and explore filters them by unit, dimension and kind."""
    import shutil

    from pipeline import explore
    from pipeline.run.stages import stage_analyze

    q = load_questionnaire(JIANFU)
    shutil.copytree(folder, tmp_path / "data" / "raw" / "notes" / "fieldwork")
    paths = cleaned_demo(q, "notes", tmp_path)
    stage_analyze(q, paths, JIANFU)
    for stored in paths.processed.rglob("*"):
        if stored.is_file():
            data = stored.read_bytes()
            for secret in ("张建国", "13812345678", "王书记"):
                assert secret.encode() not in data, stored
    s = explore.open_survey("notes", root=tmp_path)
    assert len(s.notes()) == 7
    forms = s.notes(dimension="报表填报")
    assert forms["单位"].tolist() == ["桃源镇", "东风街道"] and "重复报" in forms["内容"].iloc[0]
    assert s.notes(unit="城关镇", kind="个别访谈")["涉及方面"].tolist() == ["精文减会"]
    with pytest.raises(SurveyError, match="没有方面“不存在”"):
        s.notes(dimension="不存在")


def _documents(processed: Path) -> dict[str, dict]:
    import json

    found = (processed / "documents").glob("*.json")
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in found}


def _texts(doc: dict) -> str:
    import json

    return json.dumps(doc["sections"], ensure_ascii=False)


def test_notes_in_every_report_as_their_own_evidence(folder, tmp_path):
    """The 减负 survey analysed without notes, then with them: units without notes read exactly as before;
    基本情况 says what fieldwork was done; a problem with a note on its dimension cites it in 原因分析 (as
    heard, never as a statistic) and in a table the workbook carries; the overview's counts equal the
    notes' headers."""
    import shutil

    from openpyxl import load_workbook

    from pipeline.common.names import OVERVIEW_NAME
    from pipeline.report.document import load_document
    from pipeline.report.workbook import write_workbook
    from pipeline.run.stages import stage_analyze

    q = load_questionnaire(JIANFU)
    paths = cleaned_demo(q, "withnotes", tmp_path)
    stage_analyze(q, paths, JIANFU)
    before = _documents(paths.processed)
    shutil.copytree(folder, tmp_path / "data" / "raw" / "withnotes" / "fieldwork")
    stage_analyze(q, paths, JIANFU)
    after = _documents(paths.processed)
    noted = {"桃源镇", "东风街道", "城关镇"}
    for unit in set(before) - noted - {OVERVIEW_NAME}:
        assert before[unit]["sections"] == after[unit]["sections"], unit

    taoyuan = _texts(after["桃源镇"])
    assert "除问卷调查外，调研组还在桃源镇召开座谈会1场（12人参加）。" in taoyuan
    assert "2026年10月12日在李家村召开座谈会时了解到：“某书记说工作群太多" in taoyuan
    assert "还形成座谈会、走访、明察暗访和个别访谈记录4份" in taoyuan
    assert "座谈走访中，" in taoyuan and "（调研记录，未作统计检验）" in taoyuan
    dongfeng = _texts(after["东风街道"])
    assert "除问卷调查外，调研组还在东风街道走访30户。" in dongfeng
    assert "报表统一由街道汇总" in dongfeng  # 报表填报 is one of its problems, and the note bears on it
    chengguan = _texts(after["城关镇"])
    assert "明察暗访1次、个别访谈3人" in chengguan
    overview = _texts(after[OVERVIEW_NAME])
    assert ("除问卷调查外，调研组在3个乡镇（街道）召开座谈会1场（12人参加）、走访30户、明察暗访1次、"
            "个别访谈3人，形成调研记录4份。") in overview

    docs = {name: load_document(paths.processed / "documents" / f"{name}.json") for name in after}
    table = docs["桃源镇"].table("fieldwork")
    assert table is not None and any("工作群太多" in row[4] for row in table.rows)
    # the HTML and Word renderers say it in 原因分析 as the document does
    from docx import Document as Docx

    from pipeline.report.html import section
    from pipeline.report.word import write_word

    html = section(docs["桃源镇"], "causes").data
    assert "某书记说工作群太多" in html and "13812345678" not in html
    word = write_word(docs["桃源镇"], tmp_path / "桃源镇.docx")
    paragraphs = "".join(p.text for p in Docx(str(word)).paragraphs)
    assert "2026年10月12日在李家村召开座谈会时了解到：“某书记说工作群太多" in paragraphs
    book = write_workbook(tmp_path / "book.xlsx", docs[OVERVIEW_NAME],
                          [d for n, d in docs.items() if n != OVERVIEW_NAME], [])
    cells = [str(c.value) for ws in load_workbook(book).worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert any("工作群太多" in c for c in cells)
    assert not any("13812345678" in c or "张建国" in c for c in cells)


@pytest.mark.parametrize(("text", "masked"), [
    ("座谈中，张建国书记反映报表多", "座谈中，〔姓名已隐去〕书记反映报表多"),
    ("据李秀英反映，社区干部很忙", "据〔姓名已隐去〕反映，社区干部很忙"),
    ("刘主任介绍了做法", "某主任介绍了做法"),
    ("每月要填二十多张表，数据要重复报", "每月要填二十多张表，数据要重复报"),
    ("随机到龙井村，村部墙上仍张贴着制度牌", "随机到龙井村，村部墙上仍张贴着制度牌"),
    ("联系电话13812345678", "联系电话〔电话已隐去〕"),
])
def test_names_are_masked_by_their_context_and_other_words_kept(text, masked):
    from pipeline.fieldwork.notes import mask_names

    assert mask_names(text) == masked


def test_a_malformed_note_stops_the_run_with_exit_2_naming_file_and_line(small_raw, tmp_path, capsys):
    from pipeline.cli import EXIT_BAD_INPUT, main

    export = tmp_path / "small.xlsx"
    small_raw.to_excel(export, index=False)
    notes = tmp_path / "data" / "raw" / "noted" / "fieldwork"
    notes.mkdir(parents=True)
    header = "---\n单位: 新华街道\n日期: 2026-11-02\n形式: 座谈会\n人数: 十二\n---\n正文\n"
    (notes / "座谈.md").write_text(header, encoding="utf-8")
    code = main(["run", "--input", str(export), "--survey", "noted", "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "座谈.md" in err and "第2行" in err and "人数应为非负整数" in err and "Traceback" not in err
    assert not (tmp_path / "data" / "processed" / "noted").exists()
