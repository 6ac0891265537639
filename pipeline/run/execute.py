"""Executing reports: parameters injected by papermill, the notebook run by nbclient on the worker's warm
kernel, written atomically; one ``concurrent.futures`` executor over a process pool, a thread (one
worker) or a dask.distributed cluster (``Client.get_executor``), with bounded, explained Dask failures.

One report's failure (exception, kernel death, timeout) never stops the others: it is retried once on a
fresh kernel, then recorded with its error.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pipeline.common.atomic import write_text
from pipeline.common.errors import SurveyError, WriteError, is_write_problem, write_message
from pipeline.common.lifetime import die_with_parent
from pipeline.common.paths import NOTEBOOKS
from pipeline.common.settings import setting
from pipeline.report.page import notebook_to_html
from pipeline.run.kernel import KERNEL_LOG_ENV, WarmKernel
from pipeline.run.tasks import RenderResult, RenderTask

CELL_TIMEOUT_S = 300


def dask_waits() -> tuple[float, float]:
    """Seconds to wait for a Dask scheduler to answer and for it to have a worker
    (``SURVEY_DASK_CONNECT_TIMEOUT``, default 30; ``SURVEY_DASK_WORKER_WAIT``, default 60)."""
    return (float(setting("SURVEY_DASK_CONNECT_TIMEOUT")), float(setting("SURVEY_DASK_WORKER_WAIT")))


def _quiet_environment() -> None:
    """No Jupyter path-migration warnings in workers (kernels get their own settings in ``kernel``)."""
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def _worker_init() -> None:
    _quiet_environment()
    if multiprocessing.parent_process() is not None:  # a pool's worker process (not the run's own thread)
        die_with_parent()
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
                try:
                    write_text(nb_path, nbformat.writes(nb))
                    write_text(task.html_path, notebook_to_html(nb, task.title or task.name))
                    write_text(nb_path.with_suffix(".key"), task.key)
                except (WriteError, OSError) as exc:  # no retry helps a full disk: the run stops, undone
                    if not is_write_problem(exc):
                        raise
                    seconds = time.perf_counter() - start
                    return RenderResult(task.name, False, task.html_path, seconds, attempt,
                                        write_message(exc, nb_path), write_failed=True)
                seconds = time.perf_counter() - start
                log.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} 第{attempt}次运行成功，用时{seconds:.1f}秒\n")
                return RenderResult(task.name, True, task.html_path, seconds, attempt)
            except Exception as exc:  # noqa: BLE001 - one unit's failure must not stop the others
                last = _error_text(exc)
                warm.discard()  # never reuse a kernel that failed, timed out or died
                log.write(
                    f"{datetime.now():%Y-%m-%d %H:%M:%S} 第{attempt}次运行失败：\n{traceback.format_exc()}\n"
                )
    return RenderResult(task.name, False, task.html_path, time.perf_counter() - start, attempt, last)


def deliver_one(task: RenderTask, kind: str, target: str) -> RenderResult:
    """Write one deliverable of a report — its Word file from the stored document, or its PDF printed from
    the HTML — with the report's key beside it (``<file>.key``); never raise."""
    start = time.perf_counter()
    out = Path(target)
    try:
        if kind == "word":
            from pipeline.report.document import load_document
            from pipeline.report.drawings import FigureStore
            from pipeline.report.word import write_word

            write_word(load_document(Path(task.document)), out, FigureStore(task.figures))
        else:
            from pipeline.report.browser import print_pdf

            print_pdf(Path(task.html_path), out)
        write_text(out.with_name(out.name + ".key"), task.key)
    except (WriteError, OSError) as exc:
        if not is_write_problem(exc):
            return RenderResult(task.name, False, target, time.perf_counter() - start, 1, _error_text(exc),
                                kind=kind)
        return RenderResult(task.name, False, target, time.perf_counter() - start, 1, write_message(exc, out),
                            write_failed=True, kind=kind)
    except Exception as exc:  # noqa: BLE001 - one report's trouble must not stop the others
        return RenderResult(task.name, False, target, time.perf_counter() - start, 1, _error_text(exc),
                            kind=kind)
    return RenderResult(task.name, True, target, time.perf_counter() - start, 1, kind=kind)


def render_report(task: RenderTask, kinds: dict[str, str]) -> list[RenderResult]:
    """One report's formats that are due (``{kind: target}``), in one worker: the page first (its notebook
    draws the figures into the run's store), then the Word file (reading them), then the PDF printed from the
    page — not where the page failed. Never raises."""
    results = []
    if "html" in kinds:
        results.append(render_one(task))
    if "word" in kinds:
        results.append(deliver_one(task, "word", kinds["word"]))
    if "pdf" in kinds and all(r.ok for r in results if r.kind == "html") and Path(task.html_path).exists():
        results.append(deliver_one(task, "pdf", kinds["pdf"]))
    return results


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def connect(scheduler: str):
    """A Dask client for ``scheduler`` with at least one worker; otherwise a Chinese error, after a bounded
    wait."""
    from dask.distributed import Client

    timeout, wait = dask_waits()
    failure, client = "", None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: (
        None
    )  # a half-built client complains from __del__; the message below says it all
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
        raise SurveyError(
            f"无法连接 Dask 调度器“{scheduler}”（{failure}，等待了{timeout:g}秒）：请检查地址和端口"
            "（如 tcp://10.0.0.5:8786），以及调度器是否已经启动"
        )
    try:
        client.wait_for_workers(1, timeout=wait)
    except (OSError, TimeoutError):
        client.close()
        raise SurveyError(
            f"Dask 调度器“{scheduler}”上没有可用的 worker（等待了{wait:g}秒）：请先启动 worker，"
            f"如 dask worker {scheduler} --nthreads 1"
        ) from None
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
        if isinstance(pool, ThreadPoolExecutor):  # the thread's warm kernel and browser go with it
            pool.submit(_close_warm).result()


def _close_warm() -> None:
    from pipeline.report.browser import close_printer

    WarmKernel(cwd=str(NOTEBOOKS)).discard()
    close_printer()
