"""Outputs that match the run: after a complete render, every file under ``reports/<survey>/`` that the run
did not produce — the pages, Word files, PDFs, notebooks and screenshots of a unit that has no rows any more,
the workbook of the survey's earlier title — is removed, so nothing shared from the folder shows figures the
current results no longer hold. The kernels' logs, the lock and hidden working files are left alone. Within a
transaction the removal is undone with everything else if the run cannot complete."""

from __future__ import annotations

from pathlib import Path

from pipeline.common.names import output_path
from pipeline.run.tasks import DELIVERABLES, deliverable_path

FIXED = ("index.html", "run_summary.json")


def expected_outputs(reports: Path, names: list[str], workbook: Path) -> set[Path]:
    """Every result file a complete render of ``names`` (the overview and the units) writes."""
    out = {reports / f for f in FIXED} | {workbook}
    for name in names:
        out.add(deliverable_path(reports, name, "html"))
        for kind in DELIVERABLES:
            path = deliverable_path(reports, name, kind.name)
            out |= {path, path.with_name(path.name + ".key")}
        notebook = output_path(reports / "notebooks", name, ".ipynb")
        out |= {notebook, notebook.with_suffix(".key"), notebook.with_suffix(".log")}
    return out


def _screenshot_of(path: Path, pages: set[str]) -> bool:
    """A screenshot (``<page>_电脑.png``) of a page the run still has."""
    return path.parent.name == "screenshots" and path.stem.rsplit("_", 1)[0] in pages


def remove_stale(reports: Path, names: list[str], workbook: Path) -> list[Path]:
    """Remove the results under ``reports`` that a complete render of ``names`` did not write; the removed
    paths, relative to ``reports``."""
    keep = expected_outputs(reports, names, workbook)
    pages = {output_path(reports, n, "").name for n in names} | {"index"}
    removed = []
    for path in sorted(reports.rglob("*")):
        rel = path.relative_to(reports)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts) or path.name.startswith(
                "kernel-"):
            continue
        if path in keep or _screenshot_of(path, pages):
            continue
        path.unlink()
        removed.append(rel)
    return removed
