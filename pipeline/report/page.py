"""The offline HTML page: inline CSS, no scripts, no external references; notebook outputs only."""

from __future__ import annotations

import html

PAGE_CSS = """
body{margin:0;background:#f5f6f8;color:#222;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif;line-height:1.7}
main{max-width:960px;margin:0 auto;background:#fff;padding:24px 28px 48px}
h1{font-size:1.6em;color:#a61b1b;border-bottom:2px solid #a61b1b;padding-bottom:.3em;margin-top:.2em}
h2{font-size:1.3em;color:#a61b1b;margin-top:1.6em;border-left:4px solid #a61b1b;padding-left:.5em}
p{margin:.5em 0}.subtitle{color:#666;font-size:.9em}
.toc{background:#faf3f3;padding:.6em 1em;border-radius:4px;font-size:.95em}.toc ul{margin:.3em 0 0 1.2em;padding:0;list-style:none}
table.data{border-collapse:collapse;font-size:.88em;margin:.8em 0;display:block;overflow-x:auto;max-width:100%}
table.data th,table.data td{border:1px solid #ddd;padding:4px 8px;text-align:left;white-space:nowrap}
table.data th{background:#f0f0f0}
img{max-width:100%;height:auto}
.anchor-link{display:none}
ul.quotes{color:#444;font-size:.95em}.quote-title{font-weight:bold;margin-top:.8em}
a{color:#1f5f99}
.failed{color:#a61b1b}
footer{color:#888;font-size:.8em;margin-top:3em}
@media (max-width:600px){main{padding:12px 12px 32px}h1{font-size:1.3em}}
"""


def page(title: str, body: str) -> str:
    """A complete, offline HTML page: inline CSS, no scripts, Chinese language tag."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def notebook_to_html(nb, title: str) -> str:
    """Convert an executed notebook to a self-contained HTML page (outputs only)."""
    from nbconvert import HTMLExporter

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.name == "stderr")]
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return page(title, body)
