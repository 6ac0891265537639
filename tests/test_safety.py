"""Safety of what the pipeline writes: no formula in any workbook, no planted personal number in any
output in any form, small units show nothing but their counts, a crash at any write is recovered by the
next run without --force, Dask problems are bounded and explained, and the render key covers the code."""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.common import atomic
from pipeline.common.errors import SurveyError
from pipeline.common.integrity import SEAL
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, generate_responses
from pipeline.run import execute, plan
from pipeline.run import stages as runmod
from pipeline.run.stages import SurveyPaths, run_survey

SUGGESTION = "20、您对加强基层党组织建设有哪些意见建议？"
PROBLEMS = "18、您认为当前基层党建工作中最突出的问题是（最多选3项）"
MEETINGS = "19、过去一年，您参加“三会一课”的次数"
IDENTITY = "3、您的身份"
FORMULA = "=cmd|' /C calc'!A0"
# canonical value -> the forms respondents write it in
PLANTED = {
    "13912345678": [
        "13912345678",
        "１３９１２３４５６７８",
        "139 1234 5678",
        "139\u30001234\u30005678",
        "+86-139-1234-5678",
        "1 3 9 1 2 3 4 5 6 7 8",
    ],
    "01062345678": ["(010)62345678", "（010）6234 5678", "010-62345678", "【010】62345678"],
    "320102199003077715": [
        "320102199003077715",
        "３２０１０２１９９００３０７７７１５",
        "320102 19900307 7715",
    ],
    "123456789012345678": ["订单号123456789012345678"],
    "zhang.san@qq.com": ["zhang.san@qq.com", "ｚｈａｎｇ．ｓａｎ＠ｑｑ．ｃｏｍ"],
    "117.136.1.2": ["117.136.1.2"],
}
SIZES = {"东湖街道": 40, "西城街道": 1, "南苑街道": 4}


def _hostile_export(questionnaire, path: Path) -> Path:
    spec = DemoSpec(
        units={"东湖街道": ["东湖社区"], "西城街道": ["西门社区"], "南苑街道": ["南苑社区"]},
        sizes=SIZES,
        planted={},
        null_unit=None,
        seed=9,
        speeder_rate=0,
        straightliner_rate=0,
        duplicate_rate=0,
        pii_rate=0,
    )
    raw = generate_responses(questionnaire, spec).astype(str)
    forms = [f for fs in PLANTED.values() for f in fs]
    big = raw.index[raw["1、您所在的街道（乡镇）"] == "东湖街道"]
    for i, form in enumerate(
        forms
    ):  # every form, in open answers, 5 times each so themes and quotes pick them up
        for j in range(5):
            raw.loc[big[(i * 5 + j) % len(big)], SUGGESTION] = f"希望减少填表报数，有事联系{form}"
    raw.loc[big[0], PROBLEMS] = f"其他〖找我 {PLANTED['13912345678'][1]}〗"
    member = raw.index[(raw[IDENTITY] == "党员") & (raw["1、您所在的街道（乡镇）"] == "东湖街道")][0]
    raw.loc[member, MEETINGS] = "13912345678"
    raw.loc[big[1], "序号"] = "320102199003077715"
    raw.loc[big[2], "序号"] = FORMULA
    raw["来自IP"] = "117.136.1.2(江苏-南京)"
    raw.to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, questionnaire):
    root = tmp_path_factory.mktemp("hostile")
    export = _hostile_export(questionnaire, root / "=SUM(1+1)导出13912345678.csv")
    paths = SurveyPaths("hostile", root / "project")
    counts, results = run_survey([export], DEFAULT_QUESTIONNAIRE, paths, workers=2)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return {"root": paths.root, "paths": paths, "counts": counts, "export": export}


def _outputs(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != ".lock"]


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        return "\n".join(
            str(v)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv()
    if path.suffix == ".png":
        return ""
    return path.read_text(encoding="utf-8", errors="replace")


def _folded(text: str) -> str:
    """Full-width folded, separators removed: a number written in any form shows as its digits."""
    return re.sub(r"[\s\-()（）【】\[\]+]", "", unicodedata.normalize("NFKC", text)).casefold()


def test_no_planted_personal_number_in_any_output(hostile):
    outputs = _outputs(hostile["root"])
    kinds = {p.suffix for p in outputs}
    assert {".html", ".xlsx", ".parquet", ".json", ".ipynb", ".log"} <= kinds, kinds
    for path in outputs:
        text = _text_of(path)
        folded = _folded(text)
        for canonical, forms in PLANTED.items():
            assert _folded(canonical) not in folded, (path, canonical)
            for form in forms:
                assert form not in text, (path, form)
    answers = pd.read_parquet(hostile["paths"].interim / "responses.parquet")["suggestion"]
    assert answers.str.contains("已隐去〕").any()  # the planted numbers reached the answers, masked
    quotes = pd.read_parquet(hostile["paths"].processed / "quotes.parquet")["quote"]
    assert not quotes.str.contains("已隐去〕").any()  # and such an answer is never quoted


def test_no_formula_cell_in_any_workbook(hostile):
    books = [p for p in _outputs(hostile["root"]) if p.suffix == ".xlsx"]
    assert {p.name for p in books} >= {"audit.xlsx", "示范区基层党组织建设情况调查_调研结果.xlsx"}
    seen_as_text = 0
    for path in books:
        for ws in load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate, cell.value)
                    seen_as_text += isinstance(cell.value, str) and cell.value.startswith(("=cmd", "=SUM"))
    assert seen_as_text >= 2  # the hostile 序号 and file name are there, as text


def test_small_units_show_nothing_but_their_counts(hostile):
    paths = hostile["paths"]
    index = (paths.reports / "index.html").read_text(encoding="utf-8")
    for unit, n in (("西城街道", 1), ("南苑街道", 4)):
        row = re.search(rf">{unit}</a></td>(.*?)</tr>", index).group(1)
        # every figure but counts (and the plan's questionnaires issued), 回收进度 and the rank among them
        assert f"<td>{n}</td>" in row and row.count("样本不足，不予显示") == 6 + ("回收进度" in index), row
        report = re.sub(r"<[^>]+>", " ", (paths.reports / f"{unit}.html").read_text(encoding="utf-8"))
        body = re.sub(
            r"有效率[\d.]+%|95%置信区间", "", report.split("一、基本情况")[-1].rsplit("方法说明", 1)[0]
        )
        assert "有效问卷不足5份" in body and "%" not in body and not re.search(r"\d\.\d+分", body), body
        assert "<img" not in (paths.reports / f"{unit}.html").read_text(
            encoding="utf-8"
        )  # no plot of nothing
    overview = (paths.reports / "全区总体情况.html").read_text(encoding="utf-8")
    for unit in ("西城街道", "南苑街道"):
        row = re.search(rf"<td>{unit}</td>(.*?)</tr>", overview, re.S).group(1)
        assert "样本不足" in row and "%" not in row, row
    units = pd.read_parquet(paths.processed / "units.parquet").set_index("unit")
    assert (
        units.loc[["西城街道", "南苑街道"], ["satisfaction_rate", "satisfaction_mean", "suggestions"]]
        .isna()
        .all()
        .all()
    )
    comp = pd.read_parquet(paths.processed / "composition.parquet")
    assert comp.loc[comp["unit"].isin(["西城街道", "南苑街道"]), "count"].isna().all()
    book = pd.read_excel(paths.reports / "示范区基层党组织建设情况调查_调研结果.xlsx", sheet_name=None)
    summary = book["全区汇总"].set_index("街道（乡镇）")
    assert (summary.loc[["西城街道", "南苑街道"], "总体满意率"] == "样本不足，不予显示").all()
    for unit in ("西城街道", "南苑街道"):
        sheet = book[unit].astype(str)
        assert not sheet.apply(lambda c: c.str.fullmatch(r"0(\.0+)?")).any().any(), (
            "no zero-count row of a small unit"
        )


def test_district_totals_count_every_respondent(hostile):
    paths = hostile["paths"]
    district = pd.read_parquet(paths.processed / "district.parquet").iloc[0]
    assert district["received"] == hostile["counts"]["rows_in"] == sum(SIZES.values())
    assert district["valid"] == hostile["counts"]["kept"]


class Crash(Exception):
    """A simulated kill -9 between two writes."""


class FaultyOS:
    """``os`` for ``pipeline.atomic``: records every rename and stops the run before the ``at``-th one."""

    def __init__(self, at: int | None = None) -> None:
        self.at, self.calls = at, []

    def __getattr__(self, name):
        return getattr(os, name)

    def _step(self, kind: str, src, dst) -> None:
        self.calls.append((kind, str(src), str(dst)))
        if len(self.calls) == self.at:
            raise Crash(self.calls[-1])

    def replace(self, src, dst):
        self._step("file", src, dst)
        return os.replace(src, dst)

    def rename(self, src, dst):
        self._step("dir", src, dst)
        return os.rename(src, dst)


def _state(paths: SurveyPaths) -> dict:
    """What a reader sees: the stored tables and the clean stage's files, by content."""
    out = {}
    for base in (paths.interim, paths.processed):
        for p in sorted(base.rglob("*")) if base.exists() else []:
            if p.parent.name == "ingested":  # the ingest cache: its IP hashes are keyed at random per project
                out[str(p.relative_to(paths.root))] = p.suffix
            elif p.suffix == ".parquet":
                out[str(p.relative_to(paths.root))] = pd.read_parquet(p).to_csv()
            elif p.name.endswith(".json") and p.name not in ("manifest.json", SEAL):  # a seal hashes the
                # audit workbook too, whose file records when it was written
                out[str(p.relative_to(paths.root))] = p.read_text(encoding="utf-8")
    manifest = paths.processed / "manifest.json"
    out["fingerprint"] = (
        json.loads(manifest.read_text(encoding="utf-8"))["fingerprint"] if manifest.exists() else None
    )
    return out


def test_a_crash_at_any_write_is_recovered_by_the_next_run(tmp_path, questionnaire, monkeypatch):
    monkeypatch.setattr(runmod, "stage_report", lambda *a, **k: [])
    spec = DemoSpec.small({"东湖街道": ["东湖社区"], "西城街道": ["西门社区"]}, 12, {}, None, seed=3)
    raw = generate_responses(questionnaire, spec)
    old, new = tmp_path / "in" / "old.csv", tmp_path / "in" / "new.csv"
    old.parent.mkdir()
    # the old export lacks 8 of a unit's rows: a change large enough to publish (``clean.release``)
    raw.drop(raw.index[raw["1、您所在的街道（乡镇）"] == "东湖街道"][:8]).to_csv(old, index=False)
    raw.to_csv(new, index=False)
    paths = SurveyPaths("s", tmp_path / "project")

    def run(export: Path, at: int | None = None) -> FaultyOS:
        faulty = FaultyOS(at)
        monkeypatch.setattr(atomic, "os", faulty)
        try:
            run_survey([export], DEFAULT_QUESTIONNAIRE, paths)
        finally:
            monkeypatch.setattr(atomic, "os", os)
        return faulty

    run(new)
    state_new = _state(paths)
    shutil.rmtree(paths.root / "data")
    calls = run(old).calls  # a first run of the old export (no directory to swap out yet) ...
    state_old = _state(paths)
    saved = tmp_path / "saved"
    shutil.copytree(paths.root / "data", saved)
    calls = run(new).calls  # ... and the sequence of writes a run of the new export makes over it
    assert _state(paths) == state_new and state_old != state_new
    dirs = [i for i, c in enumerate(calls, start=1) if c[0] == "dir"]
    assert len(dirs) == 4  # each of the two stages: old directory aside, new one in
    staged = [i for i, c in enumerate(calls, start=1) if c[0] == "file"]
    firsts_and_lasts = {staged[0], dirs[0] - 1, dirs[1] + 1, dirs[2] - 1}
    for at in sorted(firsts_and_lasts | set(dirs)):
        shutil.rmtree(paths.root / "data")
        shutil.copytree(saved, paths.root / "data")
        with pytest.raises(Crash):
            run(new, at)
        atomic.recover_dir(paths.interim)
        atomic.recover_dir(paths.processed)
        seen = _state(paths)
        interim_old = {k: v for k, v in state_old.items() if "interim" in k}
        interim_new = {k: v for k, v in state_new.items() if "interim" in k}
        assert {k: v for k, v in seen.items() if "interim" in k} in (interim_old, interim_new), at
        assert seen["fingerprint"] in (state_old["fingerprint"], state_new["fingerprint"]), at
        run(new)  # the next run, without --force
        assert _state(paths) == state_new, at
        assert not [p for p in (paths.root / "data").rglob(".*") if p.name != ".lock"], at  # no staging left


def test_dask_problems_are_bounded_and_explained(monkeypatch):
    from dask.distributed import LocalCluster

    monkeypatch.setenv("SURVEY_DASK_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("SURVEY_DASK_WORKER_WAIT", "3")
    with pytest.raises(SurveyError, match="无法连接 Dask 调度器“tcp://127.0.0.1:1”"):
        execute.connect("tcp://127.0.0.1:1")
    with (
        LocalCluster(n_workers=0, dashboard_address=None) as cluster,
        pytest.raises(SurveyError, match="没有可用的 worker"),
    ):
        execute.connect(cluster.scheduler_address)


def test_render_keys_cover_the_report_code(hostile, monkeypatch):
    paths = hostile["paths"]
    tasks = plan.plan(paths.processed, paths.reports)
    assert all(plan.up_to_date(t) for t in tasks)
    monkeypatch.setattr(plan, "report_code_hash", lambda: "other code")
    assert not any(plan.up_to_date(t) for t in plan.plan(paths.processed, paths.reports))


def test_rows_beyond_what_a_sheet_holds_go_on_to_a_continuation_sheet(tmp_path, monkeypatch):
    """An audit with more rejected rows than an Excel sheet holds loses none of them (xlsxwriter would ignore
    a row past the last one silently)."""
    from pipeline.common import excel

    monkeypatch.setattr(excel, "SHEET_ROWS", 4)  # a header and three rows a sheet
    parts = [pd.DataFrame({"序号": [str(i) for i in range(j, j + 4)], "原因": "速答"}) for j in (0, 4)]
    path = tmp_path / "a.xlsx"
    with excel.excel_writer(path, constant_memory=True) as xw:
        names = [ws.name for ws in excel.stream_frames(xw, parts, "剔除记录")]
    assert names == ["剔除记录", "剔除记录（续2）", "剔除记录（续3）"]
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    assert pd.concat([sheets[n] for n in names])["序号"].tolist() == [str(i) for i in range(8)]
    assert all(list(sheets[n].columns) == ["序号", "原因"] for n in names)
