"""Rendering at the speed of writing files, changing nothing a reader sees: each figure drawn once and shown
by every format, PDFs printed by one warm browser exactly as by a Chromium started for each page, and a
rerun after one unit's answers changed renders that unit (and the overview and index) only."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document as open_docx

from pipeline.common.names import OVERVIEW_NAME
from pipeline.report import drawings
from pipeline.report.browser import close_printer, find_chromium, print_pdf, run_chromium, warm_printer
from pipeline.report.document import Figure, read_document
from pipeline.report.figure_style import PAGE, PRINT
from pipeline.report.html import figures, section
from pipeline.report.word import write_word

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs Chromium")
SURVEY = Path(sys.executable).with_name("survey")


def _figures(doc) -> list[Figure]:
    return [b for s in doc.sections for b in s.blocks if isinstance(b, Figure)]


def test_each_figure_is_drawn_once_and_read_by_page_phone_and_word(e2e, tmp_path, monkeypatch):
    """Drawn once for print and once for a phone, kept, and read again by Word and by a later page."""
    doc = read_document(e2e["paths"].processed, "新华街道")
    drawn: list[tuple[str, str]] = []
    real = drawings.draw_for
    monkeypatch.setattr(drawings, "draw_for", lambda f, kind: drawn.append((f.title, kind)) or real(f, kind))
    store = figures(tmp_path / "figures")
    html = "".join(section(doc, s.key, store).data for s in doc.sections)
    word = write_word(doc, tmp_path / "新华街道.docx", drawings.FigureStore(tmp_path / "figures"))
    wanted = sorted((f.title, kind) for f in _figures(doc) for kind in ("print", "phone"))
    assert sorted(drawn) == wanted  # once each, for every format
    assert len(list((tmp_path / "figures").glob("*.json"))) == len(wanted)
    pictures = [r.target_part.blob for r in open_docx(word).part.rels.values() if "image" in r.reltype]
    shown = [base64.b64decode(b) for b in re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)]
    assert pictures == shown  # Word prints what the page shows: one drawing
    widths = [int(w) for w in re.findall(r'<img [^>]*width="(\d+)"', html)]
    natural = [int.from_bytes(p[16:20], "big") for p in shown]
    assert widths == [round(n * PAGE.dpi / PRINT.dpi) for n in natural]  # shown at the page's size
    again = figures(tmp_path / "figures")
    drawn.clear()
    assert "".join(section(doc, s.key, again).data for s in doc.sections) == html and drawn == []


def test_a_changed_figure_is_drawn_again_and_old_drawings_are_pruned(e2e, tmp_path):
    doc = read_document(e2e["paths"].processed, "新华街道")
    store = drawings.FigureStore(tmp_path)
    first = _figures(doc)[0]
    store.drawn(first, "print")
    changed = first.model_copy(update={"title": first.title + "（修订）"})
    store.drawn(changed, "print")
    assert len(list(tmp_path.glob("*.json"))) == 2
    (tmp_path / "damaged.json").write_text("{", encoding="utf-8")
    import os
    import time

    cutoff = time.time() + 1
    os.utime(next(tmp_path.glob("*.json")), (cutoff + 5, cutoff + 5))
    assert store.prune(cutoff) == 2 and len(list(tmp_path.glob("*.json"))) == 1


@needs_chromium
def test_the_warm_browser_prints_what_a_fresh_chromium_prints(e2e, tmp_path):
    """The same pages, the same text on each page, the same page size."""
    from pypdf import PdfReader

    html = e2e["paths"].reports / "新华街道.html"
    warm = print_pdf(html, tmp_path / "warm.pdf")
    assert warm_printer() is not None  # printed by the warm browser
    close_printer()
    cold = tmp_path / "cold.pdf"
    run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={cold}", html.resolve().as_uri()], 120)
    a, b = PdfReader(warm), PdfReader(cold)
    assert len(a.pages) == len(b.pages) > 3
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    assert [tuple(p.mediabox) for p in a.pages] == [tuple(p.mediabox) for p in b.pages]


def test_a_rerun_after_one_unit_changed_renders_that_unit_and_the_overview_only(e2e_copy, tmp_path):
    """Six answers of 新华街道 typed differently (same themes, same counts): its page, Word file and PDF are
    rendered again, and the overview's and the index; every other report is left as it was."""
    from openpyxl import load_workbook

    run = e2e_copy
    paths = run["paths"]
    pdf = "yes" if find_chromium() else "no"
    if pdf == "yes":  # every report printed first, so that only the changed one is printed again
        printed = subprocess.run([str(SURVEY), "report", "--survey", paths.survey, "--root", str(run["root"]),
                                  "--pdf", "yes"], capture_output=True, text=True, timeout=900)
        assert printed.returncode == 0, printed.stderr
    book = load_workbook(run["export"])
    sheet = book.active
    header = [c.value for c in sheet[1]]
    unit = header.index("1、您所在的街道（乡镇）")
    answer = header.index("20、您对加强基层党组织建设有哪些意见建议？")
    cells = [row[answer] for row in sheet.iter_rows(min_row=2) if row[unit].value == "新华街道"
             and isinstance(row[answer].value, str) and len(row[answer].value) > 8]
    for cell in cells[:6]:  # six respondents: a change under five is held back (differencing)
        cell.value += "！"
    changed = run["export"]  # the export downloaded again under its name, one answer corrected
    book.save(changed)
    before = {p: p.stat().st_mtime_ns for p in paths.reports.rglob("*") if p.is_file()}
    proc = subprocess.run([str(SURVEY), "run", "--input", str(changed), "--survey", paths.survey,
                           "--root", str(run["root"]), "--workers", "2", "--pdf", pdf],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((paths.reports / "run_summary.json").read_text(encoding="utf-8"))
    rendered = {(r["name"], r["kind"]) for r in summary["reports"] if not r["skipped"]}
    kinds = {r["kind"] for r in summary["reports"]}
    assert kinds == ({"html", "word", "pdf"} if pdf == "yes" else {"html", "word"})
    assert {("新华街道", k) for k in kinds} <= rendered, proc.stdout + proc.stderr
    assert {name for name, _ in rendered} <= {"新华街道", OVERVIEW_NAME}
    index = paths.reports / "index.html"
    assert index.stat().st_mtime_ns != before[index]
    untouched = [p for p in before if "石桥乡" in p.name and p.exists()]
    assert untouched and all(p.stat().st_mtime_ns == before[p] for p in untouched)


@needs_chromium
def test_a_browser_profile_its_helpers_still_write_to_never_fails_the_run(monkeypatch, tmp_path):
    """Chromium's helper processes can write into its profile for a moment after the browser ends, so the
    profile's folder may not be empty when removed: closing the warm browser, or printing with a Chromium of
    its own, still succeeds (a CI run once failed with "Directory not empty"), and the browser is gone."""
    import errno
    import os

    from pipeline.report.browser import Printer

    rmdir = os.rmdir

    def busy(path, *args, **kwargs):
        if "Default" in str(path):
            raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))
        return rmdir(path, *args, **kwargs)

    printer = Printer(find_chromium())
    process = printer._process
    monkeypatch.setattr(os, "rmdir", busy)
    printer.close()
    assert process.poll() is not None
    page = tmp_path / "a.html"
    page.write_text("<html><body><p>一页</p></body></html>", encoding="utf-8")
    run_chromium(["--screenshot=" + str(tmp_path / "a.png"), page.as_uri()], 60)
    assert (tmp_path / "a.png").is_file()
