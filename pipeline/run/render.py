"""Render: every report that changed (or all, with ``force``), then the index, the workbook and the run
summary.

The plan and its keys are in ``pipeline.run.plan``; executing a report on a warm kernel, and the
executors, in ``pipeline.run.execute``. Every file is written atomically, so after ``kill -9`` no truncated
report exists and a rerun renders only what is missing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from pipeline.common.atomic import Transaction, remove_leftovers, write_json, writing
from pipeline.common.errors import WriteError
from pipeline.report.index import write_index
from pipeline.run.execute import default_workers, executor, render_one
from pipeline.run.plan import plan, up_to_date
from pipeline.run.tasks import RenderResult


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
               force: bool = False, scheduler: str | None = None,
               tx: Transaction | None = None) -> list[RenderResult]:
    """Render what changed (or everything with ``force``), then the index, workbook and run summary.

    Within a transaction ``tx`` the report set is kept as it was until the transaction ends, so that a run
    that cannot be completed (a full disk) is undone as a whole; such a failure raises ``WriteError``.
    """
    started = datetime.now()
    with writing(reports):
        reports.mkdir(parents=True, exist_ok=True)
    remove_leftovers(reports)
    if tx is not None:
        tx.keep(reports)
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
        refused = next((r for r in results if r.write_failed), None)
        if refused is not None:
            raise WriteError(refused.error)
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
