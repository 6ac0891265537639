"""A document rendered as HTML, part by part, for the report notebooks to display: its header with the
contents, and each section with its paragraphs, tables (a compact one on a phone), figures (drawn for a page
and for a phone) and quotes. Rendering only: every figure and word comes from the stored document.

Templates are jinja2 with autoescape on (``templates/blocks.html.j2``), so answers always show as text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from IPython.display import HTML

from pipeline.common.paths import DEMO_SURVEY
from pipeline.common.paths import processed_dir as default_processed_dir
from pipeline.report.document import Document, Figure, read_document
from pipeline.report.drawings import FigureStore
from pipeline.report.figure_style import Drawn
from pipeline.report.page import templates


@dataclass(frozen=True)
class Image:
    b64: str
    label_px: float  # the smallest text, in the image's pixels (CSS pixels where shown at its natural width)
    width: int  # the width it is shown at, in CSS pixels (at most the page's)


def resolve_processed_dir(path: str | Path | None) -> Path:
    """An explicit directory, or the demo survey's results when empty."""
    return Path(path) if path else default_processed_dir(DEMO_SURVEY)


def load(processed_dir: str | Path | None, name: str | None) -> Document:
    """A stored document: a unit's (empty ``name``: the first unit's) or the overview's."""
    base = resolve_processed_dir(processed_dir)
    return read_document(base, name or load_overview(base).about.units[0])


def load_overview(processed_dir: str | Path | None) -> Document:
    """The stored overview document."""
    from pipeline.common.names import OVERVIEW_NAME

    return read_document(resolve_processed_dir(processed_dir), OVERVIEW_NAME)


def figures(folder: str | Path | None = None) -> FigureStore:
    """Where a report's figures are kept once drawn: the run's store (``figures_dir``), or memory."""
    return FigureStore(folder)


def _drawer(store: FigureStore):
    """The template's ``draw``: a figure's page (the print drawing, shown at the page's size) and phone
    images."""

    def draw(figure: Figure) -> tuple[Image, Image]:
        d = store.drawings(figure)
        return _shown(d.print, d.page_width), _shown(d.phone, d.phone.width_px)

    return draw


def _shown(drawn: Drawn, width: int) -> Image:
    return Image(base64.b64encode(drawn.png).decode("ascii"), round(drawn.label_px, 2), width)


def header(doc: Document) -> HTML:
    """The title, the subtitle and the contents."""
    toc = "".join(f"<li><a href='#{quote(s.title)}'>{_escape(s.title)}</a></li>" for s in doc.sections)
    return HTML(
        f"<h1>{_escape(doc.title)}</h1><p class='subtitle'>{_escape(doc.subtitle)}</p>"
        f"<nav class='toc'><strong>目录</strong><ul>{toc}</ul></nav>"
    )


def section(doc: Document, key: str, store: FigureStore | None = None) -> HTML:
    """One section of the document, every block rendered (figures from ``store``, drawn where missing)."""
    macros = templates().get_template("blocks.html.j2").module
    return HTML(str(macros.section(doc.section(key), _drawer(store or FigureStore()))))


def keys(doc: Document) -> list[str]:
    return [s.key for s in doc.sections]


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
