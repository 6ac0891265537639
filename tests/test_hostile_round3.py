"""Round three of hostile and careless inputs (issue 37): the environment, the lock, killed runs.

Each test builds what it needs (files it writes itself) and asserts the outcome the issue names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.analyze.manifest import read_manifest
from pipeline.cli import EXIT_BAD_INPUT, main
from pipeline.report.browser import find_chromium

SURVEY = Path(sys.executable).with_name("survey")


def _cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(SURVEY), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("SURVEY_PDF", "banana", "环境变量 SURVEY_PDF（是否打印 PDF）的值“banana”无效，可选：auto、yes、no"),
        ("SURVEY_MAX_CELL_CHARS", "1",
         "环境变量 SURVEY_MAX_CELL_CHARS（单个答案的最大字数）的值“1”无效，应不小于200"),
        ("SURVEY_DASK_CONNECT_TIMEOUT", "abc",
         "SURVEY_DASK_CONNECT_TIMEOUT（等待 Dask 调度器应答的秒数）的值“abc”无效，应为数字（秒）"),
    ],
)
def test_a_setting_that_makes_no_sense_is_named_before_any_work(name, value, said, tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.setenv(name, value)
    code = main(["analyze", "--survey", "x", "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and said in err and "Traceback" not in err
    assert not (tmp_path / "reports").exists() and not (tmp_path / "data").exists()


def test_a_lock_planted_as_a_link_is_never_written_through(tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("重要内容", encoding="utf-8")
    root = tmp_path / "project"
    (root / "reports" / "x").mkdir(parents=True)
    (root / "reports" / "x" / ".lock").symlink_to(outside)
    assert main(["analyze", "--survey", "x", "--root", str(root)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "锁文件" in err and "是一个符号链接" in err
    assert outside.read_text(encoding="utf-8") == "重要内容"


def test_a_lock_that_is_a_folder_is_bad_input_not_a_bug(tmp_path, capsys):
    (tmp_path / "reports" / "x" / ".lock").mkdir(parents=True)
    assert main(["analyze", "--survey", "x", "--root", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "锁文件" in err and "是一个文件夹" in err and "程序内部出错" not in err


def test_a_survey_folder_that_leads_outside_the_root_is_refused(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "project" / "reports").mkdir(parents=True)
    (tmp_path / "project" / "reports" / "x").symlink_to(elsewhere, target_is_directory=True)
    assert main(["analyze", "--survey", "x", "--root", str(tmp_path / "project")]) == EXIT_BAD_INPUT
    assert "项目目录之外" in capsys.readouterr().err
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "POSIX", "PYTHONUTF8": "0",
                                                                  "LANG": "", "LC_CTYPE": ""}])
def test_a_locale_without_chinese_still_runs(e2e_copy, env):
    run = e2e_copy
    proc = _cli("report", "--survey", run["paths"].survey, "--root", str(run["root"]), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "目录页：" in proc.stdout and "失败" not in proc.stderr


def _kill_main_when(paths, pattern: str, started: float, *args: str) -> None:
    """``survey report --force`` killed with SIGKILL (the main process only, as ``kill -9 PID`` does) as soon
    as a file matching ``pattern`` under the reports is newer than ``started``."""
    proc = subprocess.Popen([str(SURVEY), "report", "--survey", paths.survey, "--root", str(paths.root),
                             "--force", "--workers", "2", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if any(p.stat().st_mtime > started for p in paths.reports.glob(pattern) if p.exists()):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return "(gone)"


def _processes_of(root: Path) -> list[int]:
    """Processes working for a run under ``root``: its workers and Chromium name it on their command line,
    its kernels in their environment (their log's path)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            text = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if str(root).encode() in text:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("stage", ["word", "pdf"])
def test_a_run_killed_while_writing_deliverables_never_blocks_the_next(e2e_copy, stage):
    """``kill -9`` of the main process while Word files or PDFs are written: its workers, kernels and
    browsers die with it (within seconds, not whenever they finish), so the next run takes the lock at once
    and completes."""
    if stage == "pdf" and find_chromium() is None:
        pytest.skip("needs Debian's chromium")
    paths = e2e_copy["paths"]
    started = time.time()
    extra = ("--pdf", "yes") if stage == "pdf" else ("--pdf", "no")
    _kill_main_when(paths, f"{stage}/*.key", started, *extra)
    # workers and kernels die at once (a parent-death signal each); Chromium's helpers (zygote, renderers) are
    # the browser's children, which no such signal reaches: they exit when its socket closes, which a loaded
    # machine can delay by some seconds
    deadline = time.time() + 30
    while _processes_of(paths.root) and time.time() < deadline:
        time.sleep(0.1)
    left = {pid: _command(pid) for pid in _processes_of(paths.root)}
    assert left == {}, f"the killed run's workers, kernels or browsers live on: {left}"
    proc = _cli("report", "--survey", paths.survey, "--root", str(paths.root), "--workers", "1",
                "--pdf", "no", timeout=120)
    assert proc.returncode == 0, proc.stderr  # not 4: nothing holds the lock


# --- caches keyed by content, stored files checked on read -------------------------------------------------

UNIT = "1、您所在的街道（乡镇）"


def _clean(paths, inputs, questionnaire, previous_release: bool = True):
    from pipeline.run.stages import stage_clean

    stage_clean(inputs, questionnaire, paths, previous_release=previous_release)
    import pandas as pd

    return pd.read_parquet(paths.interim / "responses.parquet")


def test_an_export_corrected_in_place_with_its_times_kept_is_read_again(small_raw, questionnaire, tmp_path):
    from pipeline.run.stages import SurveyPaths

    paths = SurveyPaths("fix", tmp_path)
    export = tmp_path / "导出.csv"
    small_raw.to_csv(export, index=False, encoding="utf-8")
    before = _clean(paths, [export], questionnaire)
    stat = export.stat()
    text = export.read_text(encoding="utf-8")
    item = next(c for c in small_raw.columns if small_raw[c].eq("非常同意").any())
    row = int(small_raw.index[small_raw[item].eq("非常同意")][0])
    lines = text.split("\n")
    lines[row + 1] = lines[row + 1].replace("非常同意", "比较同意", 1)  # same bytes, same size
    export.write_text("\n".join(lines), encoding="utf-8")
    os.utime(export, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as cp -p or rsync -t leave it
    assert export.stat().st_size == stat.st_size and export.stat().st_mtime_ns == stat.st_mtime_ns
    after = _clean(paths, [export], questionnaire, previous_release=False)  # the cache, not the release
    assert not before.drop(columns=["_file"]).equals(after.drop(columns=["_file"]))
    assert (before.compare(after).shape[0]) == 1  # exactly the corrected row


def test_a_cache_file_swapped_or_damaged_is_never_used(small_raw, questionnaire, tmp_path):
    from pipeline.run.stages import SurveyPaths

    paths = SurveyPaths("swap", tmp_path)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    small_raw[small_raw[UNIT] == "石桥乡"].to_csv(a, index=False)
    small_raw[small_raw[UNIT] != "石桥乡"].to_csv(b, index=False)
    first = _clean(paths, [a, b], questionnaire)
    cache = paths.interim / "ingested"
    meta = {p: __import__("json").loads(p.read_text(encoding="utf-8")) for p in cache.glob("*.json")}
    key_a = next(m["key"] for m in meta.values() if m["file"] == "a.csv")
    key_b = next(m["key"] for m in meta.values() if m["file"] == "b.csv")
    (cache / f"{key_a}.parquet").write_bytes((cache / f"{key_b}.parquet").read_bytes())  # another export's
    again = _clean(paths, [a, b], questionnaire)
    assert again["unit"].value_counts().to_dict() == first["unit"].value_counts().to_dict()
    (paths.interim / "ingested" / f"{key_a}.parquet").write_bytes(b"garbage, not parquet")
    assert main(["clean", "-i", str(a), str(b), "-s", "swap", "--root", str(tmp_path)]) == 0
    third = __import__("pandas").read_parquet(paths.interim / "responses.parquet")
    assert third["unit"].value_counts().to_dict() == first["unit"].value_counts().to_dict()


def test_a_damaged_stored_document_is_analysed_again_by_the_next_run(e2e_copy, capsys):
    run = e2e_copy
    paths = run["paths"]
    doc = paths.processed / "documents" / "石桥乡.json"
    good = doc.read_text(encoding="utf-8")
    doc.write_text(good.replace('"blocks"', '"blocks_"', 1), encoding="utf-8")  # valid JSON, wrong shape
    code = main(["run", "-i", str(run["export"]), "-s", paths.survey, "--root", str(run["root"]),
                 "--pdf", "no"])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "已保存的结果文件有损坏或被改动（分析结果/documents/石桥乡.json）" in said.err
    assert doc.read_text(encoding="utf-8") == good


def test_a_damaged_document_fails_its_word_file_in_chinese(e2e_copy):
    from pipeline.analyze.manifest import read_manifest
    from pipeline.run.execute import deliver_one
    from pipeline.run.plan import plan

    paths = e2e_copy["paths"]
    task = next(t for t in plan(paths.processed, paths.reports, read_manifest(paths.processed), None)
                if t.name == "石桥乡")
    Path(task.document).write_text('{"title": 1}', encoding="utf-8")
    result = deliver_one(task, "word", str(paths.reports / "word" / "x.docx"))
    assert not result.ok and "报告内容文件“石桥乡.json”已损坏" in result.error
    assert "pydantic" not in result.error


# --- outputs that match the run ---------------------------------------------------------------------------

def test_a_unit_that_loses_its_rows_leaves_no_page_behind(e2e_copy, small_raw):
    run = e2e_copy
    paths = run["paths"]
    assert (paths.reports / "西城街道.html").exists() and (paths.reports / "word" / "西城街道.docx").exists()
    old_title = paths.reports / "旧的调查标题_调研结果.xlsx"  # as a retitled survey's earlier run left it
    old_title.write_bytes((next(paths.reports.glob("*_调研结果.xlsx"))).read_bytes())
    export = run["root"] / "data" / "raw" / "without.xlsx"
    small_raw[small_raw[UNIT] != "西城街道"].to_excel(export, index=False)
    code = main(["run", "-i", str(export), "-s", paths.survey, "--root", str(run["root"]), "--pdf", "no"])
    assert code == 0
    left = sorted(p.relative_to(paths.reports).as_posix() for p in paths.reports.rglob("*")
                  if p.is_file() and "西城街道" in p.name)
    assert left == [] and not old_title.exists()
    assert (paths.reports / "石桥乡.html").exists() and (paths.reports / "word" / "石桥乡.docx").exists()
    assert len(list(paths.reports.glob("*_调研结果.xlsx"))) == 1


# --- waves that are comparable or refused ----------------------------------------------------------------

SEVEN = "[完全不同意, 很不同意, 比较不同意, 一般, 比较同意, 很同意, 完全同意]"


def _earlier(tmp_path, text: str):
    """An earlier wave on disk, analysed with the questionnaire ``text``."""
    from pipeline.run.stages import QUESTIONNAIRE_COPY, SurveyPaths

    earlier = SurveyPaths("2025年度", tmp_path)
    earlier.interim.mkdir(parents=True)
    (earlier.interim / "responses.parquet").write_bytes(b"")
    earlier.processed.mkdir(parents=True)
    (earlier.processed / QUESTIONNAIRE_COPY).write_text(text, encoding="utf-8")
    return earlier


def test_a_wave_on_another_scale_is_refused_naming_the_items(tmp_path, questionnaire):
    import re

    from pipeline.common.errors import SurveyError
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.run.stages import SurveyPaths, earlier_questionnaires

    text = DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8")
    seven = re.sub(r"agree: \[.*\]", f"agree: {SEVEN}", text).replace("非常满意", "很满意")
    _earlier(tmp_path, seven.replace("非常不满意", "很不满意"))
    with pytest.raises(SurveyError) as err:
        earlier_questionnaires(SurveyPaths("2026年度", tmp_path), ["2025年度"], questionnaire)
    assert "往次调查“2025年度”与本次问卷的量表不同" in str(err.value)
    assert "（往次7级、本次5级）" in str(err.value) and "请去掉 --previous" in str(err.value)


def test_items_on_another_scale_are_left_out_of_the_comparison_and_said(tmp_path, questionnaire, capsys):
    import re

    from pipeline.analyze.waves import item_changes, shared_items
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import SurveyPaths, earlier_questionnaires

    text = DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8")
    _earlier(tmp_path, re.sub(r"agree: \[.*\]", f"agree: {SEVEN}", text))
    [(_, q)] = earlier_questionnaires(SurveyPaths("2026年度", tmp_path), ["2025年度"], questionnaire)
    agree = [it.id for it in questionnaire.likert_items if questionnaire.by_id[it.id].scale == "agree"]
    assert agree and item_changes(questionnaire, q)["other_scale"] == agree
    assert not set(agree) & set(shared_items(questionnaire, q))
    assert len(shared_items(questionnaire, q)) == len(questionnaire.likert_items) - len(agree)
    assert f"有{len(agree)}道题" in capsys.readouterr().err
    assert item_changes(questionnaire, load_questionnaire(DEFAULT_QUESTIONNAIRE))["other_scale"] == []


# --- workbooks read as a person sees them ---------------------------------------------------------------

def _workbook(path: Path, sheets: dict[str, object], hidden: tuple[str, ...] = ()) -> Path:
    import openpyxl
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    book = openpyxl.load_workbook(path)
    for name in hidden:
        book[name].sheet_state = "hidden"
    book.save(path)
    return path


def test_a_hidden_sheet_is_ignored_with_a_note(small_raw, questionnaire, tmp_path, capsys):
    from pipeline.ingest import ingest_file

    last_year = small_raw.head(30).copy()
    this_year = small_raw.iloc[30:90]
    path = _workbook(tmp_path / "导出.xlsx", {"去年": last_year, "答卷": this_year}, hidden=("去年",))
    got = ingest_file(path, questionnaire)
    assert len(got.frame) == 60
    assert any("隐藏的工作表“去年”没有读取" in n for n in got.notes)
    assert set(got.frame["_file"]) == {"导出.xlsx［工作表：答卷］"}


def test_sheets_with_one_header_are_read_together_each_named(small_raw, questionnaire, tmp_path):
    from pipeline.common.errors import SurveyError
    from pipeline.ingest import ingest_file

    by_unit = {u: g for u, g in small_raw.groupby(UNIT, sort=False)}
    path = _workbook(tmp_path / "分街道.xlsx", by_unit)
    got = ingest_file(path, questionnaire)
    assert len(got.frame) == len(small_raw)
    assert got.frame.groupby("_file", observed=True).size().to_dict() == {
        f"分街道.xlsx［工作表：{u}］": len(g) for u, g in by_unit.items()}
    assert any("3个工作表" in n and "已一起读取" in n for n in got.notes)
    broken = dict(by_unit)
    unit = list(by_unit)[1]
    broken[unit] = by_unit[unit].copy()
    broken[unit].iloc[2, broken[unit].columns.get_loc("5、您的年龄段")] = "八十岁"
    with pytest.raises(SurveyError) as err:
        ingest_file(_workbook(tmp_path / "坏.xlsx", broken), questionnaire)
    assert f"文件“坏.xlsx［工作表：{unit}］”，第4行" in str(err.value)


def test_formulas_without_calculated_values_are_refused_naming_the_cells(small_raw, questionnaire, tmp_path):
    import openpyxl

    from pipeline.common.errors import SurveyError
    from pipeline.ingest import ingest_file

    path = _workbook(tmp_path / "公式.xlsx", {"答卷": small_raw.head(20)})
    book = openpyxl.load_workbook(path)
    sheet = book["答卷"]
    for row in range(2, 9):
        sheet.cell(row=row, column=10).value = "=1+1"  # written by a program: no cached value
    book.save(path)
    with pytest.raises(SurveyError) as err:
        ingest_file(path, questionnaire)
    message = str(err.value)
    assert "工作表“答卷”的 J2、J3、J4、J5、J6等7个单元格是公式" in message and "粘贴为数值" in message


# --- duplicates across paper and web ---------------------------------------------------------------------

def test_respondents_retyped_from_paper_are_caught_as_duplicates(questionnaire, tmp_path):
    import pandas as pd
    from export_formats import paper
    from test_ingest_real import PROBLEMS, honest

    from pipeline import clean as cl
    from pipeline.ingest import ingest_files

    open_col = "20、您对加强基层党组织建设有哪些意见建议？"
    web = honest(questionnaire, 150, seed=5)
    web[open_col] = [f"第{i}条：希望多开展活动，加强联系。" for i in range(150)]  # every answer written out
    web.to_excel(tmp_path / "网络.xlsx", index=False)
    plain = web.loc[~web[PROBLEMS].str.contains("其他")]
    typed = paper(plain, questionnaire)
    retyped = {"，": ",", "。": ". ", "：": ":"}
    typed["suggestion"] = [t.translate(str.maketrans(retyped)) for t in plain[open_col]]
    typed["序号"] = [f"P{i}" for i in range(1, len(typed) + 1)]  # new 序号, no times
    typed.to_excel(tmp_path / "纸质.xlsx", index=False)
    frame = ingest_files([tmp_path / "网络.xlsx", tmp_path / "纸质.xlsx"], questionnaire)
    res = cl.clean(frame, questionnaire)
    dups = res.audit.loc[res.audit["rule"] == cl.RULE_DUPLICATE]
    assert len(dups) == len(plain) and set(dups["file"]) == {"纸质.xlsx"}
    first = dups.iloc[0]
    said = r"与序号\d+（网络\.xlsx）的答卷完全相同，无提交时间可比"
    assert pd.Series(dups["detail"]).str.fullmatch(said).all()
    assert first["detail"].startswith(f"与序号{plain['序号'].iloc[0]}（网络.xlsx）")


# --- a raw folder as offices leave it ---------------------------------------------------------------------

def test_a_note_beside_the_exports_is_named_and_skipped(small_raw, questionnaire, tmp_path, capsys):
    from pipeline.ingest import expand_inputs

    folder = tmp_path / "raw"
    folder.mkdir()
    small_raw.to_csv(folder / "导出.csv", index=False)
    note = "这是2026年度调查的导出文件。\n请勿修改。\n负责人：张三\n"
    (folder / "说明.txt").write_text(note, encoding="utf-8")
    assert expand_inputs([folder]) == [folder / "导出.csv"]
    assert "“说明.txt”不是问卷导出文件（不是表格），已跳过" in capsys.readouterr().err


@pytest.mark.parametrize("names", [("2025年度基层党建调查.xlsx", "2026年度基层党建调查.xlsx"),
                                   ("111111_按文本_2025基层党建调查_3_2.xlsx",
                                    "222222_按文本_基层党建调查（新）_5_1.xlsx")])
def test_two_waves_left_in_one_folder_are_refused_unless_named(names, small_raw, tmp_path):
    from pipeline.common.errors import SurveyError
    from pipeline.ingest import expand_inputs

    folder = tmp_path / "raw"
    folder.mkdir()
    for name, part in zip(names, (small_raw.head(40), small_raw.tail(40)), strict=True):
        part.to_excel(folder / name, index=False)
    with pytest.raises(SurveyError) as err:
        expand_inputs([folder])
    assert "看起来属于不同的调查" in str(err.value) and names[0] in str(err.value)
    assert expand_inputs([folder / n for n in names]) == [folder / n for n in names]  # named: the user's call
    same = tmp_path / "same"
    same.mkdir()
    for street in ("东湖街道", "西城街道"):
        small_raw.head(5).to_excel(same / f"333333_按文本_2026年度调查_{street}_1.xlsx", index=False)
    assert len(expand_inputs([same])) == 2


def test_invisible_marks_in_unit_names_match_the_units_they_hide(small_raw, tmp_path):
    import yaml

    from pipeline.common.errors import SurveyError
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.ingest import ingest_frame
    from pipeline.questionnaire import load_questionnaire

    raw_yaml = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    places = (DEFAULT_QUESTIONNAIRE.parent / raw_yaml["places"]).read_text(encoding="utf-8-sig")
    marked = places.replace("石桥乡,", "\u200f石桥乡\u200e,").replace("新华街道,", "新华街道办事处,")
    (tmp_path / "places.csv").write_text(marked, encoding="utf-8")
    raw_yaml["places"] = str(tmp_path / "places.csv")
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(raw_yaml, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(tmp_path / "q.yaml")
    villages = [line.split(",")[1] for line in places.splitlines() if line.startswith("石桥乡,")]
    assert villages and q.known_places()["石桥乡"] == villages
    raw = small_raw.head(30).copy()
    raw[UNIT] = raw[UNIT].astype(str).str.replace("石桥乡", "\u202e石桥乡\u200f")  # RTL marks typed in
    frame = ingest_frame(raw, q, "x.xlsx").frame
    assert set(frame["unit"].astype(str)) <= {"石桥乡", "新华街道", "西城街道"}
    (tmp_path / "places.csv").write_text(places.replace("石桥乡,", "石桥镇乡,", 1), encoding="utf-8")
    with pytest.raises(SurveyError, match="地名参考表中的单位“石桥镇乡”不是问卷中的单位；最接近的是：石桥乡"):
        load_questionnaire(tmp_path / "q.yaml").known_places()


# --- exit 1 only for bugs ---------------------------------------------------------------------------------

def test_a_csv_cut_in_the_middle_of_a_character_is_bad_input(small_raw, tmp_path, capsys):
    data = small_raw.to_csv(index=False).encode("utf-8")
    cut = len(data) - 10
    while data[cut] & 0xC0 != 0x80:  # inside a character of several bytes
        cut -= 1
    (tmp_path / "utf8.csv").write_bytes(data[:cut])
    (tmp_path / "utf16.csv").write_bytes(small_raw.to_csv(index=False).encode("utf-16")[:-1])
    code = main(["clean", "-i", str(tmp_path / "utf8.csv"), "-s", "a", "--root", str(tmp_path)])
    assert code == EXIT_BAD_INPUT
    assert "文件在最后一个字的中间断开了" in capsys.readouterr().err
    assert main(["clean", "-i", str(tmp_path / "utf16.csv"), "-s", "b", "--root", str(tmp_path)]) == 0


def test_the_first_night_with_every_unit_too_small_says_so(small_raw, tmp_path, capsys):
    export = tmp_path / "第一天.csv"
    small_raw.groupby(UNIT).head(3).to_csv(export, index=False)
    code = main(["run", "-i", str(export), "-s", "first", "--root", str(tmp_path), "--pdf", "no"])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "有效答卷都不足5份（最多3份）" in err and "程序内部出错" not in err
    assert not (tmp_path / "data" / "processed" / "first").exists()


def test_identical_answers_report_that_there_is_no_variance(small_raw, tmp_path):
    same = small_raw.copy()
    for column in same.columns[6:]:
        if column not in (UNIT, "2、您所在的社区（村）"):
            same[column] = same[column].iloc[0]
    export = tmp_path / "same.csv"
    same.to_csv(export, index=False)
    assert main(["run", "-i", str(export), "-s", "same", "--root", str(tmp_path), "--pdf", "no"]) == 0
    page = (tmp_path / "reports" / "same" / "石桥乡.html").read_text(encoding="utf-8")
    assert "回答没有差异，无法检验" in page and "样本不足，不检验" not in page
    assert (tmp_path / "reports" / "same" / "全区总体情况.html").exists()


def test_a_refused_write_says_exactly_what_is_new_when_the_old_cannot_be_put_back(tmp_path, monkeypatch):
    import errno

    from pipeline.common import atomic
    from pipeline.common.errors import WriteError, write_error

    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("甲.html", "乙.html", "丙.html"):
        (reports / name).write_text("旧", encoding="utf-8")
    real_replace = os.replace
    with pytest.raises(WriteError) as err:
        with atomic.transaction() as tx:
            tx.keep(reports)
            for name in ("甲.html", "乙.html"):
                atomic.write_text(reports / name, "新")

            def refused(src, dst, *a, **k):  # the folder turned read-only mid-render
                raise PermissionError(errno.EACCES, "Permission denied", str(dst))

            monkeypatch.setattr(atomic.os, "replace", refused)
            raise write_error(PermissionError(errno.EACCES, "denied"), reports / "丙.html")
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    message = str(err.value)
    assert "上一次的完整结果保持不变" not in message
    assert "恢复上一次的结果时也被拒绝：乙.html、甲.html是本次运行写入的新版本" in message  # sorted by path
    assert (reports / "甲.html").read_text(encoding="utf-8") == "新"


# --- a draft that fits the export ------------------------------------------------------------------------

def test_a_draft_puts_profile_questions_after_the_matrix_in_profile_and_keeps_a_4_option_overall(
        small_raw, tmp_path, capsys):
    import yaml
    from conftest import confirmed

    from pipeline.ingest.draft import draft_questionnaire
    from pipeline.questionnaire import load_questionnaire

    overall = "17、总体而言，您对所在街道（乡镇）基层党组织建设工作的满意程度"
    raw = small_raw.copy()
    raw[overall] = raw[overall].replace({"一般": "比较满意"})  # a 4-option rating: no middle
    moved = ["4、您的性别", "5、您的年龄段"]
    raw = raw[[c for c in raw.columns if c not in moved] + moved]  # asked after everything else
    export = tmp_path / "后置.xlsx"
    raw.to_excel(export, index=False)
    text, summary = draft_questionnaire(export)
    draft = yaml.safe_load(text)
    profile = {q["text"] for q in draft["profile"]}
    assert {"您的性别", "您的年龄段"} <= profile
    assert not {"您的性别", "您的年龄段"} & {q["text"] for q in draft["outcomes"]}
    assert any("“您的性别”在量表题之后，作为受访者构成题" in d for d in summary["decisions"])
    scale = next(q["scale"] for q in draft["outcomes"] if q.get("role") == "overall")
    assert len(draft["likert_scales"][scale]) == 4
    assert any("单独建立了量表" in d for d in summary["decisions"])
    path = tmp_path / "q.yaml"
    path.write_text(confirmed(text), encoding="utf-8")
    assert main(["run", "-q", str(path), "-i", str(export), "-s", "late", "--root", str(tmp_path),
                 "--pdf", "no"]) == 0
    assert load_questionnaire(path).by_id[next(q["id"] for q in draft["profile"]
                                               if q["text"] == "您的性别")].type == "single"


# --- explore applies the reports' suppression -------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_units(questionnaire):
    """A cleaned survey in which 西城街道 has one respondent and 新华街道 four (both too small to show)."""
    from conftest import small_spec

    from pipeline.clean import clean
    from pipeline.demo import generate_responses
    from pipeline.explore import Survey
    from pipeline.ingest import ingest_frame

    raw = generate_responses(questionnaire, small_spec(n=60, seed=11)).astype(str)
    cut = {"西城街道": 1, "新华街道": 4}
    raw = raw.loc[raw.groupby(UNIT).cumcount() < raw[UNIT].map(cut).fillna(len(raw))]
    kept = clean(ingest_frame(raw.reset_index(drop=True), questionnaire, "x.xlsx").frame, questionnaire).kept
    assert kept["unit"].astype(str).value_counts().to_dict().keys() >= {"西城街道", "新华街道"}
    return Survey("tiny", questionnaire, kept), kept


def test_explore_never_shows_a_unit_too_small_for_the_reports(tiny_units):
    from pipeline.common.errors import SurveyError

    survey, kept = tiny_units
    table = survey.crosstab("unit", "gender").table
    assert set(table["row"]) == {"石桥乡"}  # the unit of one and the unit of four are left out whole
    district = survey.crosstab("identity", "overall")
    shown = kept.loc[kept["unit"].astype(str) == "石桥乡"]
    assert district.total == (shown["identity"].notna() & shown["overall"].notna()).sum()  # theirs in none
    assert survey.units() == ["石桥乡"]
    for unit in ("西城街道", "新华街道"):
        with pytest.raises(SurveyError, match="有效答卷不足5份，按隐私规则不显示任何数字"):
            survey.crosstab("identity", "overall", unit=unit)


def test_explore_withholds_a_whole_row_of_fewer_than_five(tiny_units):
    from pipeline.explore import Survey

    _, kept = tiny_units
    kept = kept.copy()
    rows = kept["unit"].astype(str) == "石桥乡"
    sizes = kept.loc[rows, "identity"].astype(str).value_counts()
    few = sizes.index[sizes.between(1, 4)][0]
    kept.loc[rows & (kept["identity"].astype(str) == few), "gender"] = "女"  # the few all answered alike
    survey = Survey("tiny", tiny_units[0].questionnaire, kept)
    part = survey.crosstab("identity", "gender", unit="石桥乡").table.loc[lambda t: t["row"] == few]
    assert part["suppressed"].all() and part["n"].isna().all()  # its 0 would say what the few answered


# --- nothing inferred across nights -----------------------------------------------------------------------

def _published(paths) -> dict[str, object]:
    """Everything the analysis publishes: every stored table and every report's composed document."""
    import pandas as pd

    out: dict[str, object] = {}
    for table in sorted(paths.processed.glob("*.parquet")):
        out[table.name] = pd.read_parquet(table).to_csv()
    for doc in sorted((paths.processed / "documents").glob("*.json")):
        out[doc.name] = doc.read_text(encoding="utf-8")
    return out


def _night(paths, frame, questionnaire, tmp_path, name: str):
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.run.stages import stage_analyze, stage_clean

    export = tmp_path / f"{name}.csv"
    frame.to_csv(export, index=False)
    stage_clean([export], questionnaire, paths)
    stage_analyze(questionnaire, paths, DEFAULT_QUESTIONNAIRE)
    return _published(paths)


@pytest.fixture(scope="module")
def nights(questionnaire, tmp_path_factory):
    """A first night's export (honest rows, every one kept) and rows that a later night may add."""
    from pipeline.demo import DemoSpec, generate_responses

    def honest(n: int, seed: int):
        spec = DemoSpec(units={"东湖街道": ["东湖社区"], "石桥乡": ["石桥村"], "新华街道": ["新华社区"]},
                        sizes={"东湖街道": n, "石桥乡": 10, "新华街道": n}, planted={}, null_unit=None,
                        seed=seed, speeder_rate=0, straightliner_rate=0, duplicate_rate=0, pii_rate=0)
        raw = generate_responses(questionnaire, spec).astype(str)
        raw["所用时间"] = "600秒"
        return raw

    first = honest(25, 1)
    extra = honest(25, 2)
    extra["序号"] = [str(10_000 + i) for i in range(len(extra))]
    return first, extra.loc[extra[UNIT] == "石桥乡"]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(k=st.integers(1, 4), added=st.booleans())
def test_one_to_four_respondents_changed_since_last_night_are_never_published(nights, questionnaire,
                                                                              tmp_path_factory, k, added):
    from pipeline.run.stages import SurveyPaths

    first, extra = nights
    tmp = tmp_path_factory.mktemp("nights")
    paths = SurveyPaths("nightly", tmp)
    before = _night(paths, first, questionnaire, tmp, "第一晚")
    unit_rows = first.index[first[UNIT] == "石桥乡"]
    second = pd.concat([first, extra.head(k)]) if added else first.drop(unit_rows[:k])
    after = _night(paths, second, questionnaire, tmp, "第二晚")
    assert after == before  # no figure, count or sentence of any output moved: nothing to difference
    assert read_manifest(paths.processed).held == ["石桥乡"]
    # the change carried until it reaches five: then the unit is published from its current rows
    third = pd.concat([second, extra.iloc[k:k + 5]]) if added else second.drop(unit_rows[k:5])
    assert len(third) - len(first) in (k + 5, -5)
    published = _night(paths, third, questionnaire, tmp, "第三晚")
    assert published != before and read_manifest(paths.processed).held == []


# --- many small files ---------------------------------------------------------------------------------------

def _one_row_files(raw, folder: Path) -> list[Path]:
    folder.mkdir()
    header = ",".join(f'"{c}"' for c in raw.columns)
    out = []
    for i, line in enumerate(raw.to_csv(index=False, header=False).splitlines()):
        out.append(folder / f"答卷{i + 1:04d}.csv")
        out[-1].write_text(f"{header}\n{line}\n", encoding="utf-8")
    return out


def test_many_one_row_exports_clean_as_one_file_of_their_rows(small_raw, questionnaire, tmp_path):
    from pipeline.ingest import batch
    from pipeline.ingest.mapping import header_scorer
    from pipeline.run.stages import SurveyPaths

    raw = small_raw.head(120).copy()
    raw["序号"] = [str(i + 1) for i in range(len(raw))]
    files = _one_row_files(raw, tmp_path / "many")
    assert batch.plan(files, header_scorer(questionnaire)) == [files]  # one batch
    whole = tmp_path / "whole.csv"
    raw.to_csv(whole, index=False)
    many = _clean(SurveyPaths("many", tmp_path), [tmp_path / "many"], questionnaire)
    one = _clean(SurveyPaths("one", tmp_path), [whole], questionnaire)
    answers = [c for c in one.columns if c not in ("_file", "_row")]
    pd.testing.assert_frame_equal(many[answers], one[answers])
    assert many["_file"].tolist()[:3] == ["答卷0001.csv", "答卷0002.csv", "答卷0003.csv"]
    assert set(many["_row"]) == {2}  # each row's own line in its own file
    audit = pd.read_parquet(tmp_path / "data" / "interim" / "many" / "audit.parquet")
    assert len(audit) == 120 and audit["file"].nunique() == 120


def test_a_bad_answer_in_one_of_many_small_files_names_that_file(small_raw, questionnaire, tmp_path, capsys):
    raw = small_raw.head(30).copy()
    raw["序号"] = [str(i + 1) for i in range(len(raw))]
    raw.iloc[17, raw.columns.get_loc("5、您的年龄段")] = "八十岁"
    _one_row_files(raw, tmp_path / "many")
    code = main(["clean", "-i", str(tmp_path / "many"), "-s", "bad", "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "文件“答卷0018.csv”，第2行，列“5、您的年龄段”：无法识别的答案“八十岁”" in err


def test_a_changed_small_file_is_read_again_and_a_ragged_one_alone(small_raw, questionnaire, tmp_path):
    from pipeline.run.stages import SurveyPaths

    raw = small_raw.head(40).copy()
    raw["序号"] = [str(i + 1) for i in range(len(raw))]
    files = _one_row_files(raw, tmp_path / "many")
    paths = SurveyPaths("m", tmp_path)
    first = _clean(paths, [tmp_path / "many"], questionnaire)
    text = files[5].read_text(encoding="utf-8")
    files[5].write_text(text.replace("非常同意", "比较同意", 1) if "非常同意" in text
                        else text.replace("比较同意", "非常同意", 1), encoding="utf-8")
    second = _clean(paths, [tmp_path / "many"], questionnaire, previous_release=False)
    assert first.compare(second).shape[0] == 1  # exactly the changed file's row
    extra = files[7].read_text(encoding="utf-8").rstrip("\n") + ",多出来的一格\n"
    files[7].write_text(extra, encoding="utf-8")  # a record longer than the header: the batch reads it alone
    third = _clean(paths, [tmp_path / "many"], questionnaire, previous_release=False)
    assert len(third) == len(second) and "答卷0008.csv" in set(third["_file"])


def test_a_table_a_questionnaire_leaves_empty_names_the_section_to_fix():
    from pipeline.common.contracts import EmptyTableError, conform

    with pytest.raises(EmptyTableError, match="请检查问卷定义的 outcomes（总体评价题，role: overall）一节"):
        conform("drivers", pd.DataFrame())


def test_a_questionnaire_without_profile_questions_runs(small_raw, tmp_path):
    import yaml

    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE

    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw["places"] = str(DEFAULT_QUESTIONNAIRE.parent / raw["places"])
    moved = [p for p in raw["profile"] if p.get("role") not in ("unit", "community")]
    raw["profile"] = [p for p in raw["profile"] if p.get("role") in ("unit", "community")]
    raw["outcomes"] = moved + raw.get("outcomes", [])
    for key in ("profile", "composition"):
        raw["report"].pop(key, None)
    for d in raw["dimensions"]:  # measures aimed at a profile group have no group to aim at
        d["measures"] = [{k: v for k, v in m.items() if k != "for"} if isinstance(m, dict) else m
                         for m in d.get("measures", [])]
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    export = tmp_path / "x.csv"
    small_raw.to_csv(export, index=False)
    assert main(["analyze", "-q", str(tmp_path / "q.yaml"), "-s", "np", "--root", str(tmp_path)]) \
        == EXIT_BAD_INPUT  # nothing cleaned yet: said, not a traceback
    assert main(["clean", "-q", str(tmp_path / "q.yaml"), "-i", str(export), "-s", "np",
                 "--root", str(tmp_path)]) == 0
    assert main(["analyze", "-q", str(tmp_path / "q.yaml"), "-s", "np", "--root", str(tmp_path)]) == 0
    assert pd.read_parquet(tmp_path / "data" / "processed" / "np" / "chi2.parquet").empty


def test_the_index_says_which_units_show_last_published_figures(small_raw, tmp_path, capsys):
    export = tmp_path / "导出.csv"
    first = small_raw.drop(small_raw.index[small_raw[UNIT] == "石桥乡"][:2])
    first.to_csv(export, index=False)
    assert main(["run", "-i", str(export), "-s", "n", "--root", str(tmp_path), "--pdf", "no"]) == 0
    small_raw.to_csv(export, index=False)  # the next night: two more in 石桥乡
    assert main(["run", "-i", str(export), "-s", "n", "--root", str(tmp_path), "--pdf", "no"]) == 0
    assert "石桥乡自上次发布以来有效答卷变化" in capsys.readouterr().err
    index = (tmp_path / "reports" / "n" / "index.html").read_text(encoding="utf-8")
    assert "石桥乡自上次发布以来有效答卷的变化不足5份" in index
