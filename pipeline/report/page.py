"""The offline HTML page: inline CSS, no scripts, no external references; notebook outputs only.

Pages are jinja2 templates (``pipeline/report/templates``) with autoescape on: any text put into a page is
escaped unless it is HTML this package made itself (``Markup``).
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup


@cache
def templates():
    """The report templates, with autoescape on for everything."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("pipeline.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def page(title: str, body: str | Markup, back: bool = False, css_class: str = "report") -> str:
    """A complete, offline HTML page: inline CSS, no scripts, Chinese language tag. ``body`` is HTML made
    by this package (notebook outputs, a rendered template); ``title`` is text; ``back`` adds a link to the
    index beside it."""
    return templates().get_template("page.html.j2").render(title=title, body=Markup(body), back=back,
                                                           css_class=css_class)


def notebook_to_html(nb, title: str) -> str:
    """Convert an executed notebook to a self-contained HTML page (outputs only)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.name == "stderr")
            ]
    body, _ = _exporter().from_notebook_node(nb)
    return page(title, body, back=True)


@cache
def _exporter():
    """nbconvert's HTML exporter, made once per process (its templates load slowly)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)
