"""Render: execute the report notebooks with papermill and convert them to self-contained HTML.

Each unit's notebook runs in a pool of worker processes through papermill's Python API (papermill
changes the working directory, so threads are unsafe), is converted with nbconvert's ``basic``
template (no scripts, no CDN links; code cells and prompts excluded, stderr outputs dropped) and
wrapped in a small page of our own with inline CSS. Every file is written atomically. A unit whose
notebook fails is retried once, then recorded with its error; the other units carry on.
"""

from __future__ import annotations

import html
import json
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from pipeline.atomic import atomic_path, write_json, write_text
from pipeline.kernel import KERNEL_LOG_ENV
from pipeline.paths import NOTEBOOKS

STREET_TEMPLATE = NOTEBOOKS / "street_report.ipynb"
DISTRICT_TEMPLATE = NOTEBOOKS / "district_overview.ipynb"
OVERVIEW_NAME = "全区总体情况"
CELL_TIMEOUT_S = 300

PAGE_CSS = """
body{margin:0;background:#f5f6f8;color:#222;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif;line-height:1.7}
main{max-width:960px;margin:0 auto;background:#fff;padding:24px 28px 48px}
h1{font-size:1.6em;color:#a61b1b;border-bottom:2px solid #a61b1b;padding-bottom:.3em;margin-top:.2em}
h2{font-size:1.3em;color:#a61b1b;margin-top:1.6em;border-left:4px solid #a61b1b;padding-left:.5em}
p{margin:.5em 0}.subtitle{color:#666;font-size:.9em}
.toc{background:#faf3f3;padding:.6em 1em;border-radius:4px;font-size:.95em}.toc ul{margin:.3em 0 0 1.2em;padding:0;list-style:none}
table.data{border-collapse:collapse;font-size:.88em;margin:.8em 0;display:block;overflow-x:auto;max-width:100%}
table.data th,table.data td{border:1px solid #ddd;padding:4px 8px;text-align:left;white-space:nowrap}
table.data th{background:#f0f0f0}
img{max-width:100%;height:auto}
.anchor-link{display:none}
ul.quotes{color:#444;font-size:.95em}.quote-title{font-weight:bold;margin-top:.8em}
a{color:#1f5f99}
.failed{color:#a61b1b}
footer{color:#888;font-size:.8em;margin-top:3em}
@media (max-width:600px){main{padding:12px 12px 32px}h1{font-size:1.3em}}
"""


def page(title: str, body: str) -> str:
    """A complete, offline HTML page: inline CSS, no scripts, Chinese language tag."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def notebook_to_html(nb, title: str) -> str:
    """Convert an executed notebook to a self-contained HTML page (outputs only)."""
    from nbconvert import HTMLExporter

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.name == "stderr")]
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return page(title, body)


@dataclass
class RenderTask:
    name: str  # unit name, or OVERVIEW_NAME
    template: str
    parameters: dict
    html_path: str
    notebook_path: str


@dataclass
class RenderResult:
    name: str
    ok: bool
    html_path: str
    seconds: float
    attempts: int
    error: str = ""


def _worker_init() -> None:
    """Quiet, deterministic kernels: no debugger frozen-module warnings, no Jupyter path warnings."""
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    import papermill  # noqa: F401  - import once per worker (it is slow)


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()


def render_one(task: RenderTask, retries: int = 1) -> RenderResult:
    """Execute one notebook and write its HTML; retry once, never raise."""
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    last = ""
    log_path = Path(task.notebook_path).with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("", encoding="utf-8")
    os.environ[KERNEL_LOG_ENV] = str(log_path)
    for attempt in range(1, retries + 2):
        try:
            with atomic_path(task.notebook_path) as tmp_nb:
                nb = pm.execute_notebook(
                    task.template, str(tmp_nb), parameters=task.parameters, kernel_name="python3",
                    progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT_S, cwd=str(NOTEBOOKS),
                    kernel_manager_class="pipeline.kernel.IPCKernelManager",
                )
            nb = nbformat.from_dict(nb)
            write_text(task.html_path, notebook_to_html(nb, task.name))
            return RenderResult(task.name, True, task.html_path, time.perf_counter() - start, attempt)
        except Exception as exc:  # noqa: BLE001 - one unit's failure must not stop the others
            last = _error_text(exc)
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"第{attempt}次运行失败：\n{traceback.format_exc()}\n")
            if os.environ.get("SURVEY_DEBUG"):
                traceback.print_exc()
    return RenderResult(task.name, False, task.html_path, time.perf_counter() - start, retries + 1, last)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def render_all(processed: Path, reports: Path, workers: int | None = None, units: list[str] | None = None) -> list[RenderResult]:
    """Render every unit report, the district overview and the index; return one result per report."""
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    units = units if units is not None else manifest["units"]
    nb_dir = reports / "notebooks"
    tasks = [RenderTask(OVERVIEW_NAME, str(DISTRICT_TEMPLATE), {"processed_dir": str(processed)},
                        str(reports / f"{OVERVIEW_NAME}.html"), str(nb_dir / f"{OVERVIEW_NAME}.ipynb"))]
    tasks += [RenderTask(u, str(STREET_TEMPLATE), {"unit": u, "processed_dir": str(processed)},
                         str(reports / f"{u}.html"), str(nb_dir / f"{u}.ipynb")) for u in units]
    workers = workers or default_workers()
    if workers == 1:
        _worker_init()
        results = [render_one(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_worker_init) as pool:
            results = list(pool.map(render_one, tasks))
    workbook = write_run_workbook(processed, reports, manifest)
    write_index(reports, manifest, results, workbook)
    write_json(reports / "run_summary.json", {
        "finished": datetime.now().isoformat(timespec="seconds"),
        "ok": sum(r.ok for r in results), "failed": sum(not r.ok for r in results),
        "reports": [asdict(r) for r in results],
    })
    return results


def workbook_name(manifest: dict) -> str:
    return f"{manifest['title']}_调研结果.xlsx"


def write_run_workbook(processed: Path, reports: Path, manifest: dict) -> Path:
    """The run's Excel workbook (问题清单, summary, a sheet per unit, rejection audit)."""
    import pandas as pd

    from pipeline.analyze import read_analysis
    from pipeline.workbook import write_workbook

    audit = pd.read_parquet(Path(manifest["interim_dir"]) / "audit.parquet")
    ledger = pd.read_parquet(processed / "problem_ledger.parquet")
    return write_workbook(reports / workbook_name(manifest), read_analysis(processed), ledger, audit, manifest)


def write_index(reports: Path, manifest: dict, results: list[RenderResult], workbook: Path | None = None) -> Path:
    """index.html: every unit with its counts, satisfaction, significant problems and link; failures with their error."""
    import pandas as pd

    processed = Path(manifest["processed_dir"])
    units = pd.read_parquet(processed / "units.parquet").set_index("unit")
    ud = pd.read_parquet(processed / "unit_dimensions.parquet")
    n_sig = ud.loc[ud["significant"] & (ud["diff"] < 0)].groupby("unit").size()
    by_name = {r.name: r for r in results}
    rows = []
    for name in [OVERVIEW_NAME] + manifest["units"]:
        r = by_name.get(name)
        if r is None:
            continue
        link = (f'<a href="{quote(Path(r.html_path).name)}">{html.escape(name)}</a>' if r.ok
                else f'{html.escape(name)} <span class="failed">（生成失败：{html.escape(r.error)}）</span>')
        if name in units.index:
            u = units.loc[name]
            sat = "—" if pd.isna(u.get("satisfaction_rate")) else f"{u['satisfaction_rate']:.1%}"
            score = "—" if pd.isna(u.get("satisfaction_mean")) else f"{u['satisfaction_mean']:.2f}"
            cells = (f"<td>{html.escape(str(u['kind']))}</td><td>{int(u['received'])}</td><td>{int(u['valid'])}</td>"
                     f"<td>{score}</td><td>{sat}</td><td>{int(n_sig.get(name, 0))}</td>")
        else:
            total = units["satisfaction_n"].sum() if "satisfaction_n" in units else 0
            sat = f"{units['satisfaction_count'].sum() / total:.1%}" if total else "—"
            cells = (f"<td>全区</td><td>{int(units['received'].sum())}</td><td>{int(units['valid'].sum())}</td>"
                     f"<td>—</td><td>{sat}</td><td>{int(n_sig.sum())}</td>")
        rows.append(f"<tr><td>{link}</td>{cells}</tr>")
    failed = [r for r in results if not r.ok]
    body = (
        f"<h1>{html.escape(manifest['title'])}：调研报告目录</h1>"
        f"<p class='subtitle'>生成时间：{html.escape(datetime.now().strftime('%Y-%m-%d %H:%M'))} · "
        f"数据截至：{html.escape(manifest['data_until'])} · 数据文件：{html.escape('、'.join(manifest['input_files']))}</p>"
        + (f"<p class='failed'>有{len(failed)}份报告生成失败，见下表。</p>" if failed else "")
        + "<table class='data'><thead><tr><th>报告</th><th>类型</th><th>回收问卷</th><th>有效问卷</th>"
        "<th>总体满意度（1–5分）</th><th>满意率</th><th>显著偏低维度数</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + (f"<p>Excel汇总（问题清单、各单位数据表、剔除记录）：<a href=\"{quote(workbook.name)}\">{html.escape(workbook.name)}</a></p>"
           if workbook else "")
        + "<footer>本目录及各报告均为离线文件，可直接通过邮件或微信转发；报告只含汇总数据。</footer>"
    )
    return write_text(reports / "index.html", page(f"{manifest['title']}：调研报告目录", body))
