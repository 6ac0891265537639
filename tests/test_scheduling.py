"""Many reports, safely: incremental re-rendering, failures isolated, kill -9, the lock, Dask, stress."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pipeline.common.paths import NOTEBOOKS
from pipeline.run.execute import render_one
from pipeline.run.kernel import WarmKernel
from pipeline.run.lock import survey_lock
from pipeline.run.render import render_all
from pipeline.run.tasks import OVERVIEW_NAME, RenderTask

SURVEY = Path(sys.executable).with_name("survey")


def tiny_notebook(path: Path, parameters: str, body: str) -> Path:
    """A two-cell notebook: a tagged parameters cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def run(e2e_copy):
    """The session's run of the small survey, copied: each test changes its own."""
    return e2e_copy


def _cli(*args, **kw):
    return subprocess.run([str(SURVEY), *args], capture_output=True, text=True, timeout=600, **kw)


def test_second_run_does_no_work_and_says_so(run):
    words = {p.name: p.stat().st_mtime_ns for p in (run["paths"].reports / "word").glob("*.docx")}
    assert len(words) == 4  # survey run wrote every report's Word file
    proc = _cli("run", "--input", str(run["export"]), "--survey", run["paths"].survey,
                "--root", str(run["root"]), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "输入文件和问卷定义未变化，跳过清洗和分析" in proc.stdout
    assert "输入未变化，没有需要重新生成的报告（共 4 份，均为最新）" in proc.stdout
    summary = json.loads((run["paths"].reports / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["rendered"] == 0 and summary["skipped_unchanged"] == 4
    assert summary["deliverables"]["word"] == {"written": 0, "unchanged": 4, "failed": 0}
    assert {p.name: p.stat().st_mtime_ns for p in (run["paths"].reports / "word").glob("*.docx")} == words


def test_only_the_changed_unit_is_rendered_again(run):
    paths = run["paths"]
    document = paths.processed / "documents" / "新华街道.json"
    before = {p.name: p.stat().st_mtime_ns for p in paths.reports.glob("*.html")}
    words = {p.name: p.stat().st_mtime_ns for p in (paths.reports / "word").glob("*.docx")}
    data = json.loads(document.read_text(encoding="utf-8"))
    data["sections"][0]["blocks"].append({"type": "paragraph", "text": "新增的一句话。"})
    document.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    results = render_all(paths.processed, paths.reports, workers=2)
    changed = [(r.name, r.kind) for r in results if not r.skipped]
    assert changed == [("新华街道", "html"), ("新华街道", "word")]
    assert {p.name: p.stat().st_mtime_ns for p in (paths.reports / "word").glob("*.docx")
            if p.name != "新华街道.docx"} == {k: v for k, v in words.items() if k != "新华街道.docx"}
    assert "新增的一句话。" in (paths.reports / "新华街道.html").read_text(encoding="utf-8")
    after = {p.name: p.stat().st_mtime_ns for p in paths.reports.glob("*.html")}
    assert after["石桥乡.html"] == before["石桥乡.html"] and after["新华街道.html"] != before["新华街道.html"]


def test_one_broken_unit_never_stops_the_others_and_each_report_is_one_plain_line(run):
    """Not on a terminal, each report attempted is one ``[k/n]`` line (no progress bar)."""
    paths = run["paths"]
    (paths.processed / "documents" / "石桥乡.json").write_text("{ this is not json", encoding="utf-8")
    proc = _cli("report", "--survey", run["paths"].survey, "--root", str(run["root"]), "--workers", "2")
    assert proc.returncode == 3
    assert "生成失败：石桥乡：SurveyError: 报告内容文件“石桥乡.json”已损坏或由旧版本写成" in proc.stderr
    summary = json.loads((paths.reports / "run_summary.json").read_text(encoding="utf-8"))
    bad = next(r for r in summary["reports"] if r["name"] == "石桥乡" and r["kind"] == "html")
    assert summary["failed"] == 1 and bad["attempts"] == 2 and not bad["ok"]
    index = (paths.reports / "index.html").read_text(encoding="utf-8")
    assert "有1份报告生成失败" in index and '石桥乡 <span class="failed">（生成失败：SurveyError' in index
    assert "第2次运行失败" in (paths.reports / "notebooks" / "石桥乡.log").read_text(encoding="utf-8")
    assert "石桥乡 失败：SurveyError" in proc.stderr and "石桥乡（Word） 失败" in proc.stderr
    assert "完成" not in proc.stderr  # others unchanged: skipped
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert [ln.split("]")[0] for ln in lines] == ["[1/2", "[2/2"] and "\r" not in proc.stderr


def test_kill_minus_nine_leaves_no_partial_file_and_rerun_finishes(run):
    """A first run on new results is killed mid-way; the rerun renders exactly the reports still missing."""
    paths = run["paths"]
    for name in ("新华街道", "石桥乡"):  # as if these two units' results had never been rendered
        (paths.reports / "notebooks" / f"{name}.key").unlink()
    proc = subprocess.Popen(
        [str(SURVEY), "report", "--survey", paths.survey, "--root", str(run["root"]), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    def keys() -> int:  # pathlib's "*" also matches an atomic write's hidden ".<name>.….tmp.key"
        return sum(not p.name.startswith(".") for p in (paths.reports / "notebooks").glob("*.key"))

    deadline = time.time() + 120
    while time.time() < deadline and keys() < 3:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for html in paths.reports.glob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), html
    for nb in (paths.reports / "notebooks").glob("*.ipynb"):
        nbformat.read(nb, as_version=4)
    done = keys()
    assert done == 3  # killed while the second was being rendered
    results = render_all(paths.processed, paths.reports, workers=2)
    assert sum(not r.skipped for r in results) == 4 - done and all(r.ok for r in results)
    assert not list(paths.reports.rglob(".*.tmp*"))


def test_a_second_run_exits_at_once_while_the_first_holds_the_lock(run):
    with survey_lock(run["paths"].reports):
        start = time.time()
        proc = _cli("report", "--survey", run["paths"].survey, "--root", str(run["root"]))
        assert time.time() - start < 30
    assert proc.returncode == 4
    assert "另一个运行（进程" in proc.stderr and "本次运行直接退出" in proc.stderr


def test_renders_on_a_dask_cluster(run):
    """The reports of a unit whose results changed are rendered on the cluster's workers."""
    from dask.distributed import LocalCluster

    paths = run["paths"]
    for key in (paths.reports / "notebooks").glob("石桥乡.key"):
        key.unlink()
    for key in (paths.reports / "word").glob("石桥乡.docx.key"):
        key.unlink()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        results = render_all(paths.processed, paths.reports, scheduler=cluster.scheduler_address)
    assert all(r.ok for r in results) and len(results) == 8
    rendered = sorted((r.name, r.kind) for r in results if not r.skipped)
    assert rendered == [("石桥乡", "html"), ("石桥乡", "word")]
    summary = json.loads((paths.reports / "run_summary.json").read_text(encoding="utf-8"))
    assert summary["executor"].startswith("dask tcp://")
    assert "石桥乡基层党组织建设调研报告" in (paths.reports / "石桥乡.html").read_text(encoding="utf-8")


def test_stress_many_small_notebooks_in_parallel(tmp_path):
    """40 tiny notebooks on 4 workers: no kernel start failure, every one right the first time."""
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.run.execute import _worker_init

    template = tiny_notebook(
        tmp_path / "tiny.ipynb",
        "n = 0",
        "from IPython.display import HTML, display\ndisplay(HTML(f'<p>第{n * n}号</p>'))",
    )
    tasks = [
        RenderTask(
            f"t{i}",
            str(template),
            {"n": i},
            str(tmp_path / f"t{i}.html"),
            str(tmp_path / "nb" / f"t{i}.ipynb"),
            "k",
        )
        for i in range(40)
    ]
    with ProcessPoolExecutor(max_workers=4, initializer=_worker_init) as pool:
        results = list(pool.map(render_one, tasks))
    assert all(r.ok and r.attempts == 1 for r in results), [r.error for r in results if not r.ok]
    for i in range(40):
        assert f"第{i * i}号" in (tmp_path / f"t{i}.html").read_text(encoding="utf-8")


def test_warm_kernel_starts_clean_for_each_report(tmp_path):
    """A variable left by one report is gone in the next (namespace reset on the reused kernel)."""
    template = tiny_notebook(
        tmp_path / "state.ipynb", "first = True", "if first:\n    leftover = 1\nprint('leftover' in dir())"
    )
    outs = []
    for i, first in enumerate([True, False]):
        task = RenderTask(
            f"s{i}",
            str(template),
            {"first": first},
            str(tmp_path / f"s{i}.html"),
            str(tmp_path / f"s{i}.ipynb"),
            "k",
        )
        assert render_one(task).ok
        outs.append(
            nbformat.read(tmp_path / f"s{i}.ipynb", as_version=4).cells[-1].outputs[0]["text"].strip()
        )
    WarmKernel(cwd=str(NOTEBOOKS)).discard()
    assert outs == ["True", "False"]
    assert OVERVIEW_NAME  # the module's names are importable for users scripting their own runs
