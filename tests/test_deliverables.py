"""The written deliverables: the Word 调研报告 (checked through LibreOffice), print to A4 PDF and the phone
layout (checked in a real Chromium), and the Excel 整改台账 (read back with openpyxl)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from conftest import dump_dom

from pipeline.common.formatting import EXCEL_FORMATS
from pipeline.report import browser

needs_chromium = pytest.mark.skipif(browser.find_chromium() is None, reason="Chromium is not installed")
needs_office = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def _pdf_text(pdf: Path) -> tuple[int, str, list[tuple[float, float]]]:
    """Pages, text and page sizes (points) of a PDF (pypdf)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))  # ⽯ (radical) → 石
    return len(reader.pages), text, sizes


def _a4(sizes: list[tuple[float, float]]) -> bool:
    return all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in sizes)


@needs_office
def test_word_report_converts_with_its_five_sections_and_tables_within_margins(e2e, tmp_path):
    from docx import Document
    from docx.shared import Mm

    from pipeline.report.word import TEXT_WIDTH_MM

    docx = e2e["paths"].reports / "word" / "石桥乡.docx"  # written by survey run
    doc = Document(str(docx))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for table in doc.tables:
        assert sum(c.width for c in table.rows[0].cells) <= Mm(TEXT_WIDTH_MM) + Mm(1)
        assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # repeats on every page
        # LibreOffice lays columns out by the table's grid, Word by the cells: the two agree
        grid = [int(g.w) for g in table._tbl.tblGrid.gridCol_lst]
        assert grid == [int(c.width) for c in table.rows[0].cells]
    command = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "石桥乡.pdf"
    assert pdf.exists(), out.stderr
    pages, text, sizes = _pdf_text(pdf)
    assert _a4(sizes) and 2 <= pages <= 16
    compact = text.replace("\n", "").replace(" ", "")
    for heading in ("一、基本情况", "二、成效与亮点", "三、存在的问题", "四、原因分析", "五、对策建议"):
        assert heading in compact
    assert "石桥乡" in compact and "信息化建设" in compact
    # no number breaks across lines in a table: each column is at least as wide as its numbers and dates
    assert not re.search(r"\d\s*\n\s*%|\d{4}-\d{2}-\s*\n", text)


@needs_office
def test_the_word_overview_has_the_unit_table_and_a_figure(e2e):
    from docx import Document

    doc = Document(str(e2e["paths"].reports / "word" / "全区总体情况.docx"))
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert any(h[:4] == ["街道（乡镇）", "类型", "回收问卷", "有效问卷"] for h in headers)
    units = next(t for t, h in zip(doc.tables, headers, strict=True) if h[0] == "街道（乡镇）")
    assert {r.cells[0].text for r in units.rows[1:]} >= {"石桥乡", "新华街道", "西城街道", "合计"}
    assert len(doc.inline_shapes) >= 1  # the heatmap (and the ranking)


@needs_chromium
def test_street_report_prints_to_a4_with_every_table_column(e2e, tmp_path):
    from pipeline.report.browser import print_pdf

    html = next(p for p in e2e["paths"].reports.glob("石桥乡*.html"))
    pdf = print_pdf(html, tmp_path / "石桥乡.pdf")
    pages, text, sizes = _pdf_text(pdf)
    assert _a4(sizes) and pages >= 2
    compact = text.replace("\n", "").replace(" ", "")
    for column in ("Hedges g", "FDR校正p值", "负面评价占比", "结论"):
        assert column.replace(" ", "") in compact, column


MEASURE = """
<script>
const out = {overflow: [], small: []};
for (const t of document.querySelectorAll('table')) {
  // hidden: not displayed, or behind a closed <details> (newer Chromium lays that out, unseen)
  if (t.offsetParent === null || t.closest('details:not([open])')) continue;
  const box = t.parentElement.getBoundingClientRect();
  for (const c of t.querySelectorAll('th,td')) {
    const r = c.getBoundingClientRect();
    if (r.right > box.right + 1 || r.right > window.innerWidth + 1)
      out.overflow.push(c.textContent.slice(0, 20));
  }
}
for (const el of document.querySelectorAll('p,li,td,th,a,h1,h2,summary')) {
  if (el.offsetParent === null || !el.textContent.trim()) continue;
  const size = parseFloat(getComputedStyle(el).fontSize);
  if (size < 11) out.small.push(el.tagName + ':' + size);
}
out.folded = [...document.querySelectorAll('details.fold')].filter(d => d.offsetParent !== null && !d.open)
  .map(d => d.closest('section').id);
out.labels = [];
for (const img of document.images) {
  if (img.offsetParent === null || !img.naturalWidth) continue;
  const drawn = parseFloat(window.innerWidth <= 600 ? img.dataset.phoneLabelPx : img.dataset.labelPx);
  const css = drawn * img.getBoundingClientRect().width / img.naturalWidth;
  out.labels.push(Math.round(css * 10) / 10);
  if (css < 11) out.small.push('img:' + img.alt + ':' + css.toFixed(1));
}
const pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_screen(e2e, tmp_path, width):
    """At desktop and phone width: no table cell beyond its container or the screen; no text under 11 px —
    the plots' labels included (their smallest text, as drawn, scaled to the width the image is shown at);
    on a phone the appendices folded."""
    reports = e2e["paths"].reports
    pages = [reports / "index.html", next(reports.glob("全区*.html")), next(reports.glob("石桥乡*.html"))]
    for page in pages:
        probe = tmp_path / f"probe_{page.name}"
        html = page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>")
        probe.write_text(html, encoding="utf-8")
        dom = dump_dom(probe, width=width)
        measured = json.loads(dom.split('<pre id="measured">')[1].split("</pre>")[0].replace("&quot;", '"'))
        assert measured["overflow"] == [], (page.name, width, measured["overflow"][:5])
        assert measured["small"] == [], (page.name, width, measured["small"][:5])
        if page.name != "index.html":
            assert measured["labels"], page.name  # the plots were measured
            # on a phone the appendices and 方法说明 wait behind a tap, so that the body reads first
            folded = {"appendix", "methods"} if "石桥乡" in page.name else {
                "appendix_tests", "appendix_reliability", "appendix_quality", "methods"}
            assert set(measured["folded"]) == (folded if width < 600 else set()), page.name


def test_ledger_is_a_working_rectification_sheet(e2e):
    book_path = next(e2e["paths"].reports.glob("*.xlsx"))
    wb = openpyxl.load_workbook(book_path)
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    for col in ("责任单位", "问题表现", "整改措施", "完成时限", "状态"):
        assert col in header, col
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    status = header.index("状态") + 1
    letter = openpyxl.utils.get_column_letter(status)
    rules = [dv for dv in ws.data_validations.dataValidation if letter + "2" in str(dv.sqref).split(":")[0]]
    assert rules and rules[0].type == "list" and "未开始" in rules[0].formula1
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    gap = header.index("差距") + 1
    p = header.index("FDR校正p值") + 1
    rows = list(ws.iter_rows(min_row=2))
    assert rows and all(isinstance(r[gap - 1].value, float) for r in rows)
    assert all(r[gap - 1].number_format == EXCEL_FORMATS["signed"] for r in rows)  # "+0.12" as in the reports
    assert all(r[p - 1].number_format == '[<0.001]"<0.001";0.000' for r in rows)
    assert all(r[status - 1].value == "未开始" for r in rows)
    measures = header.index("整改措施") + 1
    assert any(r[measures - 1].value for r in rows)  # from the questionnaire's measures library
    rejected = wb[[n for n in wb.sheetnames if n.startswith("剔除记录")][0]]
    assert rejected.max_row - 1 == e2e["counts"]["rejected"]


@needs_office
def test_word_sections_are_headings_kept_with_their_text(e2e, tmp_path):
    """Section titles are Word's "Heading 1" (navigation pane, outline, the table of contents; LibreOffice
    exports them as the PDF's bookmarks), and no heading is the last line of a page."""
    from docx import Document
    from pypdf import PdfReader

    from pipeline.report.document import read_document
    from pipeline.report.word import write_word

    stored = read_document(e2e["paths"].processed, "石桥乡")
    docx = write_word(stored, tmp_path / "石桥乡.docx")
    doc = Document(str(docx))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.title for s in stored.sections]
    assert doc.styles["Heading 1"].paragraph_format.keep_with_next
    # a table of contents field over the headings, filled when Word opens the file; page numbers in the footer
    assert 'TOC \\o "1-3"' in doc.element.xml and stored.contents[0] in [p.text for p in doc.paragraphs]
    assert 'w:updateFields w:val="true"' in doc.settings.element.xml
    assert ">PAGE<" in doc.sections[0].footer._element.xml
    command = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    reader = PdfReader(str(tmp_path / "石桥乡.pdf"))
    assert [unicodedata.normalize("NFKC", o.title) for o in reader.outline if not isinstance(o, list)] == \
        [unicodedata.normalize("NFKC", h) for h in headings], out.stderr
    for page in reader.pages[:-1]:
        lines = [ln.strip() for ln in unicodedata.normalize("NFKC", page.extract_text()).splitlines()]
        body = [ln for ln in lines if ln and not ln.startswith("-")]  # the footer's "- 3 -"
        # (a page can hold a figure only)
        assert not body or body[-1].replace(" ", "") not in {h.replace(" ", "") for h in headings}
