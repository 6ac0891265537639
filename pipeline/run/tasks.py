"""What a render run is made of: tasks in, results out (plain, picklable data for any executor)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.common.names import OVERVIEW_NAME, output_path

__all__ = ["DELIVERABLES", "KINDS", "OVERVIEW_NAME", "Kind", "RenderResult", "RenderTask", "deliverable_path"]


@dataclass(frozen=True)
class Kind:
    """One kind of output a report is rendered to: where it goes, its suffix, and how messages name it."""

    name: str
    folder: str  # under reports/<survey>/ ("" for the pages themselves)
    suffix: str
    label: str  # what a summary line calls these files
    marker: str  # after a report's name in a progress or failure line


KINDS = {k.name: k for k in (
    Kind("html", "", ".html", "报告", ""),
    Kind("word", "word", ".docx", "Word 调研报告", "（Word）"),
    Kind("pdf", "pdf", ".pdf", "PDF", "（PDF）"),
)}  # in the order results are listed
DELIVERABLES = tuple(k for k in KINDS.values() if k.folder)  # written from a report, with its key beside


FIGURES_FOLDER = ".figures"  # under reports/<survey>/: drawn figures by content (``report.drawings``)


def deliverable_path(reports: Path, name: str, kind: str) -> Path:
    """Where report ``name``'s file of ``kind`` goes (``reports/word/<name>.docx``, …)."""
    k = KINDS[kind]
    return output_path(reports / k.folder if k.folder else reports, name, k.suffix)


@dataclass
class RenderTask:
    name: str  # unit name, or OVERVIEW_NAME
    template: str
    parameters: dict
    html_path: str
    notebook_path: str
    key: str  # hash of everything the report depends on
    document: str = ""  # the stored document it renders
    title: str = ""  # the page's title: the document's ("示范县基层减负调研总体情况")
    figures: str = ""  # where its figures are kept once drawn (``reports/<survey>/.figures``)


@dataclass
class RenderResult:
    name: str
    ok: bool
    html_path: str
    seconds: float
    attempts: int
    error: str = ""
    skipped: bool = False
    write_failed: bool = False  # the machine refused to write it (disk full …): the whole run is undone
    kind: str = "html"  # html, word or pdf
