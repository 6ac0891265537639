"""Render: every report that changed (or all, with ``force``) — its HTML page (a notebook run on a warm
kernel), its Word file and, where Chromium is present (or asked for), its PDF — then the index, the workbook
and the run summary, all under the survey's lock.

The plan and its keys are in ``pipeline.run.plan``; executing a report and the executors in
``pipeline.run.execute``. Every file is written atomically, so after ``kill -9`` no truncated file exists and
a rerun renders only what is missing; within a transaction the previous report set stays as it was until the
new one is complete.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from pipeline.analyze.manifest import read_manifest
from pipeline.common.atomic import Transaction, remove_leftovers, write_json, writing
from pipeline.common.errors import SurveyError, WriteError
from pipeline.common.names import OVERVIEW_NAME
from pipeline.common.settings import setting
from pipeline.run.execute import default_workers, executor, render_report
from pipeline.run.plan import deliverable_up_to_date, plan, up_to_date
from pipeline.run.stale import remove_stale
from pipeline.run.tasks import FIGURES_FOLDER, KINDS, RenderResult, RenderTask, deliverable_path


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
        print(
            f"[{done[0]}/{total}] {r.name}{KINDS[r.kind].marker} {state}（{r.seconds:.1f}秒）",
            file=sys.stderr,
            flush=True,
        )

    return log


def wants_pdf(pdf: str | None) -> bool:
    """Whether PDFs are printed: ``yes``, ``no``, or ``auto`` (the default, also ``SURVEY_PDF``) — when
    Chromium is present."""
    from pipeline.report.browser import find_chromium

    choice = pdf or setting("SURVEY_PDF")
    if choice == "yes" and find_chromium() is None:
        raise SurveyError(
            "要生成PDF需要 Chromium 浏览器（Debian/Ubuntu：apt-get install chromium），或去掉 --pdf yes"
        )
    return choice == "yes" or (choice == "auto" and find_chromium() is not None)


def render_all(
    processed: Path,
    reports: Path,
    workers: int | None = None,
    units: list[str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
    tx: Transaction | None = None,
    pdf: str | None = None,
    kinds: tuple[str, ...] = tuple(KINDS),
) -> list[RenderResult]:
    """Render what changed (or everything with ``force``) in each of ``kinds`` (all formats unless a caller
    measures one), then the index, workbook and run summary.

    Within a transaction ``tx`` the report set is kept as it was until the transaction ends, so that a run
    that cannot be completed (a full disk) is undone as a whole; such a failure raises ``WriteError``.
    Returns every report's (and deliverable's) result, HTML first.
    """
    started = datetime.now()
    with writing(reports):
        reports.mkdir(parents=True, exist_ok=True)
    remove_leftovers(reports)
    if tx is not None:
        tx.keep(reports)
    manifest = read_manifest(processed)
    tasks = plan(processed, reports, manifest, units)
    word = {t.name: deliverable_path(reports, t.name, "word") for t in tasks}
    pdfs = {t.name: deliverable_path(reports, t.name, "pdf") for t in tasks} \
        if "pdf" in kinds and wants_pdf(pdf) else {}
    html_todo = [t for t in tasks if "html" in kinds and (force or not up_to_date(t))]
    word_todo = [t for t in tasks
                 if "word" in kinds and (force or not deliverable_up_to_date(word[t.name], t.key))]
    results = [
        RenderResult(t.name, True, t.html_path, 0.0, 0, skipped=True) for t in tasks if t not in html_todo
    ]
    results += [
        RenderResult(t.name, True, str(word[t.name]), 0.0, 0, skipped=True, kind="word")
        for t in tasks
        if t not in word_todo
    ]
    done = _execute(html_todo, word_todo, word, pdfs, tasks, force, workers, scheduler)
    results += done
    refused = next((r for r in results if r.write_failed), None)
    if refused is not None:
        raise WriteError(refused.error)
    kinds = {name: i for i, name in enumerate(KINDS)}
    order = {t.name: i for i, t in enumerate(tasks)}
    results.sort(key=lambda r: (kinds[r.kind], order[r.name]))
    workbook = _finish(processed, reports, manifest, results, started, scheduler, workers)
    if units is None:  # a complete set: what it did not write is not this run's (see ``stale``)
        for rel in remove_stale(reports, [t.name for t in tasks], workbook):
            print(f"已删除不属于本次结果的旧文件：{rel}", file=sys.stderr)
        if len(html_todo) == len(tasks) and all(r.ok for r in results):  # every page drew what it shows
            from pipeline.report.drawings import FigureStore

            FigureStore(reports / FIGURES_FOLDER).prune(started.timestamp())
    return results


def _execute(
    html_todo: list[RenderTask],
    word_todo: list[RenderTask],
    word: dict[str, Path],
    pdfs: dict[str, Path],
    tasks: list[RenderTask],
    force: bool,
    workers: int | None,
    scheduler: str | None,
) -> list[RenderResult]:
    """Each report's formats that changed, one task per report (its figures drawn once, for all of them):
    the page, then its Word file, then the PDF printed from the page."""
    pdf_todo = [t for t in tasks if pdfs and (force or not deliverable_up_to_date(pdfs[t.name], t.key))]
    todo = {}
    for t in tasks:
        kinds = {kind: target for kind, target, wanted in (
            ("html", t.html_path, t in html_todo),
            ("word", str(word[t.name]), t in word_todo),
            ("pdf", str(pdfs[t.name]) if pdfs else "", t in pdf_todo),
        ) if wanted}
        if kinds:
            todo[t.name] = (t, kinds)
    results = [RenderResult(t.name, True, str(pdfs[t.name]), 0.0, 0, skipped=True, kind="pdf")
               for t in tasks if pdfs and t not in pdf_todo]
    total = sum(len(kinds) for _, kinds in todo.values())
    if not total:
        return results
    report = _progress(total)
    with executor(workers or default_workers(), scheduler, len(todo)) as pool:
        for fut in as_completed([pool.submit(render_report, t, kinds) for t, kinds in todo.values()]):
            for r in fut.result():
                results.append(r)
                report(r)
    return results


def _finish(
    processed: Path,
    reports: Path,
    manifest,
    results: list[RenderResult],
    started: datetime,
    scheduler: str | None,
    workers: int | None,
) -> Path:
    """The workbook and the index (from the stored documents), then the run summary; the workbook's path."""
    from pipeline.clean.audit import rejected_sheet
    from pipeline.common.tables import read_table_parts
    from pipeline.report.document import read_document
    from pipeline.report.index import write_index
    from pipeline.report.workbook import workbook_name, write_workbook

    overview = read_document(processed, OVERVIEW_NAME)
    units = []
    for unit in manifest.units:  # a damaged one failed its own report above: the others still go in
        try:
            units.append(read_document(processed, unit))
        except SurveyError:
            continue
    rejected = (rejected_sheet(part, manifest.words.unit_label)
                for part in read_table_parts(manifest.interim_dir, "audit"))
    workbook = write_workbook(reports / workbook_name(manifest.title), overview, units, rejected,
                              manifest.created, manifest.input_files)
    html = [r for r in results if r.kind == "html"]
    write_index(reports, overview, html, workbook, manifest.input_files, manifest.held)
    write_json(
        reports / "run_summary.json",
        {
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now().isoformat(timespec="seconds"),
            "executor": f"dask {scheduler}"
            if scheduler
            else f"local, {workers or default_workers()} workers",
            "rendered": sum(r.ok and not r.skipped for r in html),
            "skipped_unchanged": sum(r.skipped for r in html),
            "failed": sum(not r.ok for r in html),
            "deliverables": {
                kind: {
                    "written": sum(r.ok and not r.skipped for r in results if r.kind == kind),
                    "unchanged": sum(r.skipped for r in results if r.kind == kind),
                    "failed": sum(not r.ok for r in results if r.kind == kind),
                }
                for kind in KINDS
            },
            "workbook": workbook.name,
            "reports": [asdict(r) for r in results],
        },
    )
    return workbook
