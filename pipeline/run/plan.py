"""The render plan: one task per report, each with the key of everything it depends on.

A report is composed once (``documents/<name>.json``); it is rendered again only when its key changes — a hash
of its document file, the notebook template, the package's code and version — or with ``force``. Documents are
not validated here (only their title is read, for the page): a damaged one fails its own report, never the
plan. Its Word file and PDF carry the same key, so a run with unchanged inputs rewrites none of them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline import __version__, code_hash
from pipeline.analyze.manifest import Manifest, read_manifest
from pipeline.common.names import OVERVIEW_NAME, output_path
from pipeline.common.paths import notebook_template
from pipeline.report.document import document_path
from pipeline.run.tasks import FIGURES_FOLDER, RenderTask

STREET_TEMPLATE = "street_report.ipynb"
DISTRICT_TEMPLATE = "district_overview.ipynb"


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def report_code_hash() -> str:
    """A hash of the package's code: a report made by other code (compose, figures, page) is out of date."""
    return code_hash()


def plan(processed: Path, reports: Path, manifest: Manifest | None = None,
         units: list[str] | None = None) -> list[RenderTask]:
    """One task per report, each with the key of everything it depends on."""
    manifest = manifest or read_manifest(processed)
    units = units if units is not None else manifest.units
    nb_dir = reports / "notebooks"
    figures = str(reports / FIGURES_FOLDER)
    common = _sha(__version__, report_code_hash())
    places = {"processed_dir": str(processed), "figures_dir": figures}  # where, not what: not in the key

    def task(name: str, template_name: str, params: dict) -> RenderTask:
        template = notebook_template(template_name)
        document = document_path(processed, name).read_bytes()
        key = _sha(common, template.read_bytes(), document,
                   json.dumps(params, ensure_ascii=False, sort_keys=True))
        return RenderTask(name, str(template), {**params, **places}, str(output_path(reports, name, ".html")),
                          str(output_path(nb_dir, name, ".ipynb")), key, str(document_path(processed, name)),
                          _title(document, name), figures)

    tasks = [task(OVERVIEW_NAME, DISTRICT_TEMPLATE, {})]
    tasks += [task(u, STREET_TEMPLATE, {"unit": u}) for u in units]
    return tasks


def _title(document: bytes, name: str) -> str:
    """The page title: the document's own (read from the bytes the key is made of, not parsed into the model
    here: the report's own run does that), or the name where the document cannot be read (the report then
    fails on its own, with its message, and the others go on)."""
    try:
        title = json.loads(document).get("title")
    except (ValueError, AttributeError):
        return name
    return title if isinstance(title, str) and title else name


def up_to_date(task: RenderTask) -> bool:
    return _has_key(Path(task.html_path), Path(task.notebook_path).with_suffix(".key"), task.key)


def _has_key(output: Path, key_file: Path, key: str) -> bool:
    return output.exists() and key_file.exists() and key_file.read_text(encoding="utf-8") == key


def deliverable_up_to_date(output: Path, key: str) -> bool:
    """A Word file or PDF made from the same document (its key beside it, ``<name>.<suffix>.key``)."""
    return _has_key(output, output.with_name(output.name + ".key"), key)
