"""The written 调研报告 as a Word document (.docx), from the same stored findings and tables as the HTML.

Layout of the reference reports and of 党政机关公文格式 (GB/T 9704): A4, margins 37/35/28/26 mm, title in
方正小标宋简体 (fallback 黑体), headings 一、 in 黑体 and （一） in 楷体_GB2312 (fallback 楷体), text in
仿宋_GB2312 (fallback 仿宋) at 三号 (16 pt), page numbers in the footer, tables with a header row that repeats
on every page. python-docx writes the document; the few settings it has no API for (East Asian font names,
repeating header rows, the PAGE field) are set on its own elements, as its documentation shows.

Fonts are named, not embedded: Word and WPS on a government office PC have them; where one is missing the
viewer uses the fallback named beside it in the style.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from pipeline.common.atomic import write_with

TITLE_FONT = ("方正小标宋简体", "黑体")
HEADING_FONT = ("黑体", "SimHei")
SUBHEADING_FONT = ("楷体_GB2312", "楷体")
TEXT_FONT = ("仿宋_GB2312", "仿宋")
NUMERALS = "一二三四五六七八九十"
TEXT_WIDTH_MM = 210 - 28 - 26


def _font(run, fonts: tuple[str, str], size: float, bold: bool = False) -> None:
    """Latin and East Asian font of a run (the first is asked for; the second is named as its fallback in
    the document's font table)."""
    run.font.name = fonts[0]
    run.font.size = Pt(size)
    run.font.bold = bold
    r_fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), fonts[0])
    r_fonts.set(qn("w:hint"), "eastAsia")


def _paragraph(doc, text: str, fonts: tuple[str, str] = TEXT_FONT, size: float = 16, *, bold: bool = False,
               align=None, indent: bool = True):
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(size * 2) if indent else None
    p.paragraph_format.line_spacing = Pt(28)
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), fonts, size, bold)
    return p


def _page_number(section) -> None:
    """"- 1 -" centred in the footer (a PAGE field)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("- "), TEXT_FONT, 14)
    run = p.add_run()
    _font(run, TEXT_FONT, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _font(p.add_run(" -"), TEXT_FONT, 14)


def new_document():
    """An empty A4 document with the office margins, fallbacks named and page numbers."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = TEXT_FONT[0]
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TEXT_FONT[0])
    _page_number(section)
    core = doc.core_properties
    core.comments = ("字体：标题 方正小标宋简体（缺少时用黑体），一级标题 黑体，"
                     "二级标题 楷体_GB2312（缺少时用楷体），正文 仿宋_GB2312（缺少时用仿宋）")
    return doc


def title(doc, text: str, subtitle: str | None = None) -> None:
    _paragraph(doc, text, TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if subtitle:
        _paragraph(doc, subtitle, SUBHEADING_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "", indent=False)


def heading(doc, number: int, text: str) -> None:
    """一、基本情况 (黑体)."""
    _paragraph(doc, f"{NUMERALS[number - 1]}、{text}", HEADING_FONT, 16)


def subheading(doc, number: int, text: str) -> None:
    """（一）… (楷体)."""
    _paragraph(doc, f"（{NUMERALS[number - 1]}）{text}", SUBHEADING_FONT, 16)


def paragraphs(doc, lines: list[str]) -> None:
    for line in lines:
        _paragraph(doc, line)


def table(doc, df: pd.DataFrame, widths_mm: list[float] | None = None, size: float = 10.5) -> None:
    """A table within the text width: header row repeated on every page, small type, no row split."""
    t = doc.add_table(rows=1, cols=df.shape[1])
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = widths_mm or [TEXT_WIDTH_MM / df.shape[1]] * df.shape[1]
    header = t.rows[0]
    header._tr.get_or_add_trPr().append(_on("w:tblHeader"))
    for cell, name in zip(header.cells, df.columns, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(str(name)), HEADING_FONT, size)
    for values in df.astype(str).itertuples(index=False):
        row = t.add_row()
        row._tr.get_or_add_trPr().append(_on("w:cantSplit"))
        for cell, value in zip(row.cells, values, strict=True):
            _font(cell.paragraphs[0].add_run(value), TEXT_FONT, size)
    for row in t.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Mm(w)
    _paragraph(doc, "", indent=False)


def _on(tag: str):
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    return el


def picture(doc, png: bytes, width_mm: float = TEXT_WIDTH_MM) -> None:
    doc.add_picture(BytesIO(png), width=Mm(width_mm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def save(doc, path: Path) -> Path:
    """Written atomically."""
    return write_with(path, lambda p: doc.save(str(p)))


SECTIONS = (
    ("basic", "基本情况"),
    ("problems", "存在的问题"),
    ("causes", "原因分析"),
    ("suggestions", "对策建议"),
)


def unit_document(processed_dir: Path, unit: str, path: Path) -> Path:
    """A unit's 调研报告: the four sections of its findings, its dimension table and plot."""
    from pipeline.report import plots, views

    report = views.load_unit(processed_dir, unit)
    f, w = report.findings, views.words(report.manifest)
    doc = new_document()
    title(doc, f"{unit}{w['topic']}调研报告", f.survey_title)
    for i, (key, name) in enumerate(SECTIONS, start=1):
        heading(doc, i, name)
        paragraphs(doc, f.section(key).text)
        if key == "problems":
            if not report.dimensions.empty:
                table(doc, views.dimension_frame(report, compact=True), [46, 24, 30, 22, 34])
            shown = report.dimensions.loc[~report.dimensions["suppressed"]]
            if not shown.empty:
                fig = plots.dimension_plot(shown, unit, f.comparison, views.scale_max(report.manifest))
                picture(doc, plots.to_png(fig, dpi=150))
        if key == "suggestions":
            for m in f.suggestions.measures:
                if m.quotes:
                    _paragraph(doc, f"“{m.name}”方面的意见建议摘录：" + "".join(f"“{q}”" for q in m.quotes))
    return save(doc, path)


def district_document(processed_dir: Path, path: Path) -> Path:
    """The overview as a 调研报告: 基本情况, 存在的问题, 原因分析, 对策建议 (with the open answers)."""
    from pipeline.report import views

    report = views.load_district(processed_dir)
    f, w = report.findings, views.words(report.manifest)
    doc = new_document()
    title(doc, f"{f.district}{w['topic']}调研总体情况", f.survey_title)
    sections = (("基本情况", f.text), ("存在的问题", f.problems), ("原因分析", f.causes),
                ("对策建议", [*f.suggestions, *f.open_answers]))
    for i, (name, lines) in enumerate(sections, start=1):
        heading(doc, i, name)
        paragraphs(doc, lines or ["（无）"])
    return save(doc, path)
