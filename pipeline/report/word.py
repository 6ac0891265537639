"""The written 调研报告 as a Word document (.docx): a renderer of the same stored document as the HTML.

Layout of the reference reports and of 党政机关公文格式 (GB/T 9704): A4, margins 37/35/28/26 mm, title in
方正小标宋简体 (fallback 黑体), headings 一、 in 黑体 and （一） in 楷体_GB2312 (fallback 楷体), text in
仿宋_GB2312 (fallback 仿宋) at 三号 (16 pt), page numbers in the footer, tables with a header row that repeats
on every page; section headings are Word's own "Heading 1" (navigation pane, outline), kept with what
follows them. python-docx writes the document; the few settings it has no API for (East Asian font names,
repeating header rows, the PAGE field) are set on its own elements, as its documentation shows.

Fonts are named, not embedded: Word and WPS on a government office PC have them; where one is missing the
viewer uses the fallback named beside it in the style.
"""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from pipeline.common.atomic import write_with
from pipeline.report.document import Document, Figure, Paragraph, Quotes, Table

if TYPE_CHECKING:
    from pipeline.report.drawings import FigureStore

TITLE_FONT = ("方正小标宋简体", "黑体")
HEADING_FONT = ("黑体", "SimHei")
SUBHEADING_FONT = ("楷体_GB2312", "楷体")
TEXT_FONT = ("仿宋_GB2312", "仿宋")
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


def _field(run, instruction: str, shown: str = "") -> None:
    """A Word field in ``run``: begin, the instruction, what shows until Word updates it, end."""
    parts = [("w:fldChar", "begin", None), ("w:instrText", None, instruction),
             ("w:fldChar", "separate", None), ("w:t", None, shown), ("w:fldChar", "end", None)]
    for tag, kind, text in parts:
        el = OxmlElement(tag)
        if kind:
            el.set(qn("w:fldCharType"), kind)
        else:
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)


def contents(doc, heading_text: str, hint: str) -> None:
    """目录: a table-of-contents field over the section headings, which Word fills when the file is opened
    (the document asks it to update its fields); until then it shows ``hint``."""
    _paragraph(doc, heading_text, HEADING_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    p = doc.add_paragraph()
    run = p.add_run()
    _font(run, TEXT_FONT, 14)
    _field(run, 'TOC \\o "1-3" \\h \\z \\u', hint)
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _page_number(section) -> None:
    """"- 1 -" centred in the footer (a PAGE field)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("- "), TEXT_FONT, 14)
    run = p.add_run()
    _font(run, TEXT_FONT, 14)
    _field(run, "PAGE", "1")
    _font(p.add_run(" -"), TEXT_FONT, 14)


def new_document():
    """An empty A4 document with the office margins, fallbacks named and page numbers."""
    doc = new_docx()
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
    _heading_style(doc)
    core = doc.core_properties
    core.comments = ("字体：标题 方正小标宋简体（缺少时用黑体），一级标题 黑体，"
                     "二级标题 楷体_GB2312（缺少时用楷体），正文 仿宋_GB2312（缺少时用仿宋）")
    return doc


def title(doc, text: str, subtitle: str | None = None) -> None:
    _paragraph(doc, text, TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if subtitle:
        _paragraph(doc, subtitle, SUBHEADING_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "", indent=False)


def _heading_style(doc) -> None:
    """Word's own "Heading 1" (so the navigation pane, the outline and a table of contents know the
    sections), dressed as a 公文 一级标题: 黑体 三号, black, not bold, indented two characters, on the text's
    line grid, and kept with the paragraph after it (never the last line of a page)."""
    style = doc.styles["Heading 1"]
    style.font.name, style.font.size, style.font.bold = HEADING_FONT[0], Pt(16), False
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT[0])
    fmt = style.paragraph_format
    fmt.first_line_indent, fmt.line_spacing = Pt(32), Pt(28)
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.keep_with_next = True


def heading(doc, text: str) -> None:
    """一、基本情况 (黑体): the section's own title, a Word heading."""
    p = doc.add_paragraph(style="Heading 1")
    _font(p.add_run(text), HEADING_FONT, 16)


def table(doc, t: Table) -> None:
    """A document table within the text width: header row repeated on every page, small type, no row split;
    wide tables in smaller type."""
    cells = t.cells()
    size = 10.5 if len(t.columns) <= 6 else 8
    if t.title:  # kept with its table
        _paragraph(doc, t.title, HEADING_FONT, size + 1, indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER).paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=1, cols=len(t.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    header = grid.rows[0]
    header._tr.get_or_add_trPr().append(_on("w:tblHeader"))
    for c, column in zip(header.cells, t.columns, strict=True):
        c.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(c.paragraphs[0].add_run(column.name), HEADING_FONT, size)
    for values in cells:
        row = grid.add_row()
        row._tr.get_or_add_trPr().append(_on("w:cantSplit"))
        for c, value in zip(row.cells, values, strict=True):
            _font(c.paragraphs[0].add_run(value), TEXT_FONT, size)
    widths = _widths(t, cells, size)
    for col, w in zip(grid.columns, widths, strict=True):  # the grid LibreOffice lays out by
        col.width = Mm(w)
    for row in grid.rows:
        for c, w in zip(row.cells, widths, strict=True):
            c.width = Mm(w)
    _paragraph(doc, "", indent=False)


def _widths(t: Table, cells: list[list[str]], size: float) -> list[float]:
    """Column widths within the text width: each column at least as wide as its longest unbreakable text (a
    number, a date, a name of up to four characters, in ``size`` points), the rest of the width shared in
    proportion to how much more its longest text needs."""
    half = size * 0.3528 * 0.6  # mm per half-width character, digits as wide as they are set (a Chinese
    padding = 2 * 1.9 + 2.5  # character takes two); Word's cell margins and some slack
    texts = [[c.name, *(row[j] for row in cells[:200])] for j, c in enumerate(t.columns)]
    least = [max(_unbreakable(x) for x in column) * half + padding for column in texts]
    wanted = [min(max(_display(x) for x in column), 60) * half + padding for column in texts]
    if sum(least) >= TEXT_WIDTH_MM:
        return [TEXT_WIDTH_MM * w / sum(least) for w in least]
    more = [max(w - m, 0.0) for w, m in zip(wanted, least, strict=True)]
    spare = TEXT_WIDTH_MM - sum(least)
    if sum(more) == 0:
        return [m + spare * m / sum(least) for m in least]
    return [m + spare * x / sum(more) for m, x in zip(least, more, strict=True)]


def _display(text: str) -> int:
    """Width in half-width characters: a Chinese (wide) character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _unbreakable(text: str) -> int:
    """The widest part of ``text`` a line may not break: a run of letters, digits and signs, or the whole
    text where it is a short Chinese word (up to four characters)."""
    if len(text) <= 4:
        return _display(text)
    runs = re.findall(r"[^\s\u3000-\u9fff\uff00-\uffef]+", text)
    return max([2, *(_display(r) for r in runs)])


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


def write_word(document: Document, path: Path, figures: FigureStore | None = None) -> Path:
    """The document as a Word 调研报告: its title, then every section's paragraphs, tables, figures (drawn
    for print, or read from ``figures`` where drawn before) and quotes, in order."""
    from pipeline.report.drawings import FigureStore

    figures = figures or FigureStore()
    doc = new_document()
    title(doc, document.title, document.subtitle)
    if document.contents:
        contents(doc, *document.contents)
    for s in document.sections:
        heading(doc, s.title)
        for b in s.blocks:
            if isinstance(b, Paragraph):
                _paragraph(doc, b.text, size=14 if b.style == "note" else 16)
            elif isinstance(b, Table):
                table(doc, b)
            elif isinstance(b, Figure):
                picture(doc, figures.drawn(b, "print").png)
            elif isinstance(b, Quotes):
                _paragraph(doc, f"{b.title}：").paragraph_format.keep_with_next = True
                for q in b.quotes:
                    _paragraph(doc, f"“{q}”", SUBHEADING_FONT, 14)
    return save(doc, path)
