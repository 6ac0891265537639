"""Render: execute the report notebooks and convert them to self-contained HTML, for many units at once.

- Parameters are injected with papermill (``parameterize_notebook``) and the notebook is executed by
  nbclient on a warm kernel kept by each worker (``pipeline.kernel.WarmKernel``): the statistics are
  precomputed, so what is left per report is loading its slice and drawing its plots.
- Workers: one ``concurrent.futures`` interface over a local process pool (default, sized to the
  machine), a thread (one worker) or a dask.distributed cluster (``Client.get_executor``).
- Incremental: a report is rendered again only when its key changes — a hash of the unit's slice
  of the stored results, the template, the report code, the questionnaire and the package version —
  or with ``force``.
- Fault tolerant: one report's failure (exception, kernel death, timeout) never stops the others; it
  is retried once on a fresh kernel, then recorded with its error. Every file is written atomically,
  so after ``kill -9`` no truncated report exists and a rerun renders only what is missing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from pipeline import __version__, code_hash
from pipeline.common.atomic import write_json, write_text
from pipeline.common.errors import SurveyError
from pipeline.common.names import DISTRICT, output_path
from pipeline.common.paths import NOTEBOOKS, findings_path
from pipeline.report.index import write_index
from pipeline.report.page import notebook_to_html
from pipeline.run.kernel import KERNEL_LOG_ENV, WarmKernel
from pipeline.run.tasks import OVERVIEW_NAME, RenderResult, RenderTask

__all__ = ["OVERVIEW_NAME", "RenderResult", "RenderTask", "render_all", "render_one"]

STREET_TEMPLATE = NOTEBOOKS / "street_report.ipynb"
DISTRICT_TEMPLATE = NOTEBOOKS / "district_overview.ipynb"
CELL_TIMEOUT_S = 300


def dask_waits() -> tuple[float, float]:
    """Seconds to wait for a Dask scheduler to answer and for it to have a worker
    (``SURVEY_DASK_CONNECT_TIMEOUT``, default 30; ``SURVEY_DASK_WORKER_WAIT``, default 60)."""
    return (float(os.environ.get("SURVEY_DASK_CONNECT_TIMEOUT", "30")),
            float(os.environ.get("SURVEY_DASK_WORKER_WAIT", "60")))


def report_code_hash() -> str:
    """A hash of the package's code: a report made by other code (views, plots, page) is out of date."""
    return code_hash()


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def _quiet_environment() -> None:
    """No Jupyter path-migration warnings in workers (kernels get their own settings in ``pipeline.kernel``)."""
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def _worker_init() -> None:
    _quiet_environment()
    import nbclient  # noqa: F401  - import once per worker (papermill and nbclient are slow to import)
    import papermill  # noqa: F401


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()


def execute(template: str, parameters: dict, warm: WarmKernel, timeout: int = CELL_TIMEOUT_S):
    """Inject parameters (papermill) and run the notebook on the worker's warm kernel (nbclient)."""
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(template)
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    km, kc = warm.get()
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False)
    client.kc = kc
    client.execute()
    return nb


def render_one(task: RenderTask, retries: int = 1) -> RenderResult:
    """Execute one notebook and write its notebook and HTML atomically; retry once, never raise."""
    import nbformat

    _quiet_environment()
    start = time.perf_counter()
    nb_path = Path(task.notebook_path)
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    log_path = nb_path.with_suffix(".log")
    os.environ[KERNEL_LOG_ENV] = str(nb_path.parent / f"kernel-{os.getpid()}.log")
    warm = WarmKernel(cwd=str(NOTEBOOKS))
    last, attempt = "", 0
    with log_path.open("w", encoding="utf-8") as log:
        for attempt in range(1, retries + 2):
            try:
                nb = execute(task.template, task.parameters, warm)
                write_text(nb_path, nbformat.writes(nb))
                write_text(task.html_path, notebook_to_html(nb, task.name))
                write_text(nb_path.with_suffix(".key"), task.key)
                seconds = time.perf_counter() - start
                log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} 第{attempt}次运行成功，用时{seconds:.1f}秒\n")
                return RenderResult(task.name, True, task.html_path, seconds, attempt)
            except Exception as exc:  # noqa: BLE001 - one unit's failure must not stop the others
                last = _error_text(exc)
                warm.discard()  # never reuse a kernel that failed, timed out or died
                log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} 第{attempt}次运行失败：\n{traceback.format_exc()}\n")
    return RenderResult(task.name, False, task.html_path, time.perf_counter() - start, attempt, last)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _slice_hashes(processed: Path, units: list[str]) -> dict[str, str]:
    """A hash of each unit's slice of every stored table (and of the whole set, for the overview)."""
    import pandas as pd

    per_unit = {u: [] for u in units}
    whole = []
    for path in sorted(processed.glob("*.parquet")):
        df = pd.read_parquet(path)
        whole.append(path.read_bytes())
        if "unit" in df.columns:  # every stored table spells its unit column "unit" (the contracts check it)
            for u, part in df.groupby(df["unit"].astype("string"), observed=True):
                if u in per_unit:
                    per_unit[u].append(part.to_json(orient="records", force_ascii=False))
            district = df.loc[df["unit"].astype("string").eq(DISTRICT).fillna(False).astype(bool)]
            district_json = district.to_json(orient="records", force_ascii=False)
            for u in units:
                per_unit[u].append(district_json)
    out = {u: _sha(*parts, findings_path(processed, u).read_bytes()) for u, parts in per_unit.items()}
    out[OVERVIEW_NAME] = _sha(*whole)
    return out


def plan(processed: Path, reports: Path, units: list[str] | None = None) -> list[RenderTask]:
    """One task per report, each with the key of everything it depends on."""
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    units = units if units is not None else manifest["units"]
    hashes = _slice_hashes(processed, units)
    common = _sha(__version__, report_code_hash(), manifest.get("questionnaire_sha256", ""), manifest["title"],
                  manifest["data_until"])
    nb_dir = reports / "notebooks"

    def task(name: str, template: Path, params: dict) -> RenderTask:
        key = _sha(common, template.read_bytes(), hashes[name], json.dumps(params, ensure_ascii=False, sort_keys=True))
        return RenderTask(name, str(template), params, str(output_path(reports, name, ".html")),
                          str(output_path(nb_dir, name, ".ipynb")), key)

    tasks = [task(OVERVIEW_NAME, DISTRICT_TEMPLATE, {"processed_dir": str(processed)})]
    tasks += [task(u, STREET_TEMPLATE, {"unit": u, "processed_dir": str(processed)}) for u in units]
    return tasks


def up_to_date(task: RenderTask) -> bool:
    key_file = Path(task.notebook_path).with_suffix(".key")
    return Path(task.html_path).exists() and key_file.exists() and key_file.read_text(encoding="utf-8") == task.key


def remove_stale_temporaries(reports: Path) -> int:
    """Temporary files left by a run that was killed (atomic writes never leave anything else)."""
    stale = [p for p in reports.rglob(".*.tmp*") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def connect(scheduler: str):
    """A Dask client for ``scheduler`` with at least one worker; a Chinese error (after a bounded wait) otherwise."""
    from dask.distributed import Client

    timeout, wait = dask_waits()
    failure, client = "", None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None  # a half-built client complains from __del__; the message below says it all
    try:
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - whatever the address or the network did, say it in Chinese
            failure = type(exc).__name__
        if failure:
            gc.collect()
    finally:
        sys.unraisablehook = hook
    if client is None:
        raise SurveyError(f"无法连接 Dask 调度器“{scheduler}”（{failure}，等待了{timeout:g}秒）：请检查地址和端口"
                          "（如 tcp://10.0.0.5:8786），以及调度器是否已经启动")
    try:
        client.wait_for_workers(1, timeout=wait)
    except (OSError, TimeoutError):
        client.close()
        raise SurveyError(f"Dask 调度器“{scheduler}”上没有可用的 worker（等待了{wait:g}秒）：请先启动 worker，"
                          f"如 dask worker {scheduler} --nthreads 1") from None
    return client


class _Cluster(Executor):
    """A dask.distributed cluster as a ``concurrent.futures`` executor (``Client.get_executor``)."""

    def __init__(self, scheduler: str) -> None:
        self.client = connect(scheduler)
        self.client.run(_worker_init)
        self.executor = self.client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self.executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, **kw) -> None:
        self.executor.shutdown(wait=wait)
        self.client.close()


@contextmanager
def executor(workers: int, scheduler: str | None, tasks: int) -> Iterator[Executor]:
    """Where reports run: a Dask cluster, a thread (one worker: no process to start) or a process pool."""
    if scheduler:
        pool: Executor = _Cluster(scheduler)
    elif workers == 1 or tasks == 1:
        _worker_init()
        pool = ThreadPoolExecutor(max_workers=1)
    else:
        pool = ProcessPoolExecutor(max_workers=min(workers, tasks), initializer=_worker_init)
    with pool:
        yield pool
        if isinstance(pool, ThreadPoolExecutor):  # the thread's warm kernel goes with it
            pool.submit(_close_kernel).result()


def _close_kernel() -> None:
    WarmKernel(cwd=str(NOTEBOOKS)).discard()


def _progress(total: int) -> Callable[[RenderResult], None]:
    """A tqdm bar on a terminal; plain log lines otherwise (cron)."""
    if sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="生成报告", unit="份")

        def update(r: RenderResult) -> None:
            bar.set_postfix_str(r.name)
            bar.update(1)
            if bar.n >= total:
                bar.close()
        return update
    done = [0]

    def log(r: RenderResult) -> None:
        done[0] += 1
        state = "完成" if r.ok else f"失败：{r.error}"
        print(f"[{done[0]}/{total}] {r.name} {state}（{r.seconds:.1f}秒）", file=sys.stderr, flush=True)
    return log


def render_all(processed: Path, reports: Path, workers: int | None = None, units: list[str] | None = None,
               force: bool = False, scheduler: str | None = None) -> list[RenderResult]:
    """Render what changed (or everything with ``force``), then the index, workbook and run summary."""
    started = datetime.now()
    reports.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(reports)
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    tasks = plan(processed, reports, units)
    todo = [t for t in tasks if force or not up_to_date(t)]
    results = [RenderResult(t.name, True, t.html_path, 0.0, 0, skipped=True) for t in tasks if t not in todo]
    if todo:
        report = _progress(len(todo))
        with executor(workers or default_workers(), scheduler, len(todo)) as pool:
            for fut in as_completed([pool.submit(render_one, t) for t in todo]):
                r = fut.result()
                report(r)
                results.append(r)
    order = {t.name: i for i, t in enumerate(tasks)}
    results.sort(key=lambda r: order[r.name])
    from pipeline.report.workbook import (
        write_run_workbook,  # pulls in the analysis stack: kept out of the workers
    )

    workbook = write_run_workbook(processed, reports, manifest)
    write_index(reports, manifest, results, workbook)
    write_json(reports / "run_summary.json", {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now().isoformat(timespec="seconds"),
        "executor": f"dask {scheduler}" if scheduler else f"local, {workers or default_workers()} workers",
        "rendered": sum(r.ok and not r.skipped for r in results),
        "skipped_unchanged": sum(r.skipped for r in results),
        "failed": sum(not r.ok for r in results),
        "reports": [asdict(r) for r in results],
    })
    return results
