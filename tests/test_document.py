"""One report, composed once: the same numbers in the HTML page, the Word report and the Excel ledger; numbers
rounded once, half up; the package's boundaries and layout as the README says."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.formatting import EXCEL_FORMATS, cell, pct, score, signed
from pipeline.common.paths import PROJECT_ROOT

NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def test_rounding_is_half_up_from_the_exact_value():
    assert pct(0.9125) == "91.3%" and pct(365 / 400) == "91.3%" and pct(0.91249) == "91.2%"
    assert score(2.955) == "2.96" and score(2.945) == "2.95" and score(-0.004) == "0.00"
    assert signed(-0.005) == "-0.01" and signed(0.004) == "0.00" and signed(0.125) == "+0.13"
    assert cell(379.0, "count") == "379" and cell(0.5, "share") == "50.0%" and cell(None, "score") == "—"


def html_sections(html: str) -> dict[str, Counter]:
    """The numbers of each section of a report page as a desktop shows it (not the phone's compact tables)."""
    html = re.sub(r'<div class="narrow-only">.*?</details></div>', "", html, flags=re.S)
    # and not the phone's copy of a folded appendix
    html = re.sub(r'<details class="narrow-only fold">.*?</details>', "", html, flags=re.S)
    out = {}
    for key, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', html, re.S):
        text = re.sub(r"<[^>]+>", " ", body)
        out[key] = Counter(NUMBER.findall(text.replace("&lt;", "<").replace("&gt;", ">")))
    return out


def word_sections(docx: Path, titles: dict[str, str]) -> dict[str, Counter]:
    """The numbers of each section of a Word report, in document order (paragraphs and table cells)."""
    from docx import Document

    doc = Document(str(docx))
    by_title = {t: k for k, t in titles.items()}
    out: dict[str, Counter] = {}
    key = None
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if text in by_title:
                key = by_title[text]
                out[key] = Counter(NUMBER.findall(text))
                continue
        elif tag == "tbl":
            text = " ".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
        else:
            continue
        if key is not None:
            out[key].update(NUMBER.findall(text))
    return out


def check_same_numbers(paths, units: list[str]) -> int:
    """Per report and section: the HTML page's numbers equal the Word report's; per unit, the ledger rows'
    numbers are the same in the page, the Word report and the Excel 问题清单 (as its number formats show
    them). Returns how many ledger rows were compared."""
    import openpyxl

    from pipeline.common.names import OVERVIEW_NAME
    from pipeline.report.document import read_document

    compared = 0
    book = openpyxl.load_workbook(next(paths.reports.glob("*_调研结果.xlsx")))
    ws = book["问题清单"]
    header = [c.value for c in ws[1]]
    excel = [dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)]
    for name in [OVERVIEW_NAME, *units]:
        doc = read_document(paths.processed, name)
        titles = {s.key: s.title for s in doc.sections}
        html = html_sections((paths.reports / f"{name}.html").read_text(encoding="utf-8"))
        word = word_sections(paths.reports / "word" / f"{name}.docx", titles)
        assert set(html) == set(word) == set(titles), name
        for key in titles:
            assert html[key] == word[key], (name, key, html[key] - word[key], word[key] - html[key])
        if name == OVERVIEW_NAME:
            continue
        rows = [r for r in excel if r["责任单位"] == name]
        ledger = doc.table("ledger")
        shown = [] if ledger is None else ledger.column("问题表现")
        assert sorted(r["问题表现"] for r in rows) == sorted(shown), name
        evidence = [] if ledger is None else [x for x in ledger.column("问题依据") if x != "—"]
        assert sorted(r["问题依据"] for r in rows if r["题目"] == "（维度总体）") == sorted(evidence), name
        for r in rows:
            found = Counter(NUMBER.findall(r["问题表现"]))
            figures = [cell(r["本单位均值"], "score")]
            other = next(h for h in header if h.endswith("均值") and h != "本单位均值")
            figures += [cell(r[other], "score")] if r[other] is not None else []
            figures += [cell(r["负面评价占比"], "share")] if r["负面评价占比"] is not None else []
            assert not Counter(figures) - found, (name, r)
            compared += 1
    assert ws.cell(2, header.index("差距") + 1).number_format == EXCEL_FORMATS["signed"] if excel else True
    return compared


def test_the_shipped_survey_says_the_same_numbers_in_html_word_and_excel(e2e):
    assert check_same_numbers(e2e["paths"], ["石桥乡", "新华街道", "西城街道"]) >= 2


def test_no_module_reads_a_stored_table_but_through_read_table():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pipeline").rglob("*.py")
                 if "read_parquet" in p.read_text(encoding="utf-8") and p.name != "tables.py"]
    assert offenders == []


def test_every_module_and_path_the_readme_and_notebooks_name_exists():
    texts = [(PROJECT_ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb")]
    texts += [p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "pipeline").rglob("*.py")]
    named = set()
    for text in texts:
        named |= {m.rstrip(".") for m in re.findall(r"pipeline/[\w/]+(?:\.py|\.j2|\.css)?", text)}
        named |= {m.replace(".", "/") for m in re.findall(r"\bpipeline(?:\.[a-z_]+)+", text)}
    missing = []
    for name in sorted(named):
        path = PROJECT_ROOT / name
        candidates = [path, path.with_suffix(".py"), path.parent.with_suffix(".py"), path.parent]
        if not any(c.exists() for c in candidates[:2]) and not (
                candidates[2].exists() or (candidates[3].is_dir() and (candidates[3] / "__init__.py").exists()
                                           and _has_name(candidates[3] / "__init__.py", path.name))):
            missing.append(name)
    assert missing == []


def _has_name(module: Path, name: str) -> bool:
    return re.search(rf"\b{name}\b", module.read_text(encoding="utf-8")) is not None


@pytest.mark.skipif(sys.platform != "linux", reason="builds the package in a temporary folder")
def test_the_package_installs_and_runs_outside_the_checkout(tmp_path, small_raw):
    """``pip install .`` (a real build, not editable) into a folder of its own; the dependencies are this
    environment's. The installed package finds its templates and questionnaires as package data."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(PROJECT_ROOT)], check=True, capture_output=True, timeout=600)
    assert (site / "pipeline" / "notebooks" / "street_report.ipynb").is_file()
    assert (site / "pipeline" / "questionnaires" / "jiceng_dangjian.yaml").is_file()
    export = tmp_path / "x.csv"  # one unit's answers: its report and the overview are enough to show it
    small_raw[small_raw["1、您所在的街道（乡镇）"] == "石桥乡"].to_csv(export, index=False)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}
    code = ("import sys, pipeline; from pipeline.cli import main; "
            "assert 'site' in pipeline.__file__, pipeline.__file__; sys.exit(main(sys.argv[1:]))")
    questionnaire = site / "pipeline" / "questionnaires" / "jiceng_dangjian.yaml"
    args = ["run", "-q", str(questionnaire), "-i", str(export), "-s", "s", "--root", "项目", "--workers", "2"]
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (work / "项目" / "reports" / "s" / "石桥乡.html").is_file()
    assert (work / "项目" / "reports" / "s" / "word" / "石桥乡.docx").is_file()
    assert (work / "项目" / "reports" / "s" / "全区总体情况.html").is_file()


def test_ipa_labels_never_overlap_and_quadrants_have_distinct_colours():
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgb
    from matplotlib.text import Text

    from pipeline.report import figures
    from pipeline.report.document import Figure
    from pipeline.stats.drivers import QUADRANT_ORDER

    rng = np.random.default_rng(3)
    for crowd in (0.02, 0.2):  # nine dimensions crowded near the centre, or spread out
        data = [{"dimension_name": f"第{i + 1}个维度的名称", "gap": float(rng.normal(0, crowd)),
                 "importance": float(rng.uniform(0.08, 0.14)), "quadrant": QUADRANT_ORDER[i % 5]}
                for i in range(9)]
        figure = Figure(plot="ipa", title="IPA分析", data=data,
                        options={"outcome": "总体评价", "quadrants": list(QUADRANT_ORDER)})
        for size in (figures.PAGE, figures.PHONE, figures.PRINT):
            figures.theme(size)
            fig = figures.ipa(pd.DataFrame(data), figure, size)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            boxes = [Text.get_window_extent(t, canvas.get_renderer()) for t in fig.axes[0].texts]
            assert len(boxes) == 9
            assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), (crowd, size)
    colours = [to_rgb(c) for c in figures.QUADRANT_COLOURS]
    assert min(np.abs(np.subtract(a, b)).sum() for i, a in enumerate(colours) for b in colours[i + 1:]) > 0.4


def test_phone_figures_wrap_names_instead_of_cutting_them(e2e):
    """Every name a phone figure shows is there whole (wrapped onto lines), none cut to "…"."""
    from matplotlib.text import Text

    from pipeline.report import figures
    from pipeline.report.document import Figure, read_document

    assert figures._short(["身份：驻区单位或两新组织人员"], 12) == ["身份：驻区单位或两新组织\n人员"]
    for name in ("石桥乡", "全区总体情况"):
        doc = read_document(e2e["paths"].processed, name)
        for f in (b for s in doc.sections for b in s.blocks if isinstance(b, Figure)):
            figures.theme(figures.PHONE)
            fig = figures.DRAW[f.plot](pd.DataFrame(f.data), f, figures.PHONE)
            fig.canvas.draw()
            texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
            assert texts and not [t for t in texts if "…" in t], (name, f.plot)
