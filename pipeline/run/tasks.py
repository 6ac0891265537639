"""What a render run is made of: tasks in, results out (plain, picklable data for any executor)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.common.names import OVERVIEW_NAME

__all__ = ["OVERVIEW_NAME", "RenderResult", "RenderTask"]


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
