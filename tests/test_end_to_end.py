"""Every stage for real on a small generated survey (3 units × 80): papermill, nbconvert, index."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
from conftest import SMALL_NULL, SMALL_UNITS, reports_html

from pipeline.common.names import OVERVIEW_NAME
from pipeline.common.paths import NOTEBOOKS


def test_one_report_per_unit_plus_overview_and_index(e2e):
    assert all(r.ok for r in e2e["results"]), [r.error for r in e2e["results"]]
    pages = reports_html(e2e["paths"])
    assert set(pages) == set(SMALL_UNITS) | {OVERVIEW_NAME, "index"}
    units = pd.read_parquet(e2e["paths"].processed / "units.parquet").set_index("unit")
    for unit in SMALL_UNITS:
        html = pages[unit]
        valid = int(units.loc[unit, "valid"])
        assert f"{unit}基层党组织建设调研报告" in html
        assert f"有效问卷{valid}份" in html
        others = set(SMALL_UNITS) - {unit}
        assert not any(o in html for o in others), "a unit's report must not name other units"
    index = pages["index"]
    for unit in SMALL_UNITS:
        valid = int(units.loc[unit, "valid"])
        assert re.search(rf'<a href="[^"]+">{unit}</a></td><td>[^<]+</td><td>\d+</td><td>{valid}</td>', index)


def test_planted_effects_are_named_and_null_unit_is_not(e2e):
    pages = reports_html(e2e["paths"])
    assert "“信息化建设”得分" in pages["石桥乡"] and "显著低于全区其他街道（乡镇）" in pages["石桥乡"]
    assert "“基层减负”得分" in pages["新华街道"] and "显著低于全区其他街道（乡镇）" in pages["新华街道"]
    null = pages[SMALL_NULL].split('<section id="appendix">')[0]  # the body: the appendix names the methods
    assert "没有哪个方面经检验明显偏低" in null or "本次调查未发现需要列出的问题" in null
    assert "显著低于" not in null and "显著高于" not in null and "显著偏低</td>" not in null
    f = json.loads((e2e["paths"].processed / "findings" / f"{SMALL_NULL}.json").read_text(encoding="utf-8"))
    # the null unit has no problem of its own: only the area's shared weakness, never as significant
    problems = f["problems"]["items"]
    assert all(p["evidence"][0] == "district_wide" for p in problems)
    assert all(f"“{p['name']}”是全区共性问题" in null for p in problems)


def test_every_row_accounted_for(e2e):
    counts = e2e["counts"]
    raw_rows = len(pd.read_excel(e2e["export"], dtype=str))
    assert counts["rows_in"] == raw_rows == counts["kept"] + counts["rejected"]
    audit = pd.read_parquet(e2e["paths"].interim / "audit.parquet")
    assert len(audit) == raw_rows and audit["rule"].notna().sum() == counts["rejected"]
    assert {"答题过快", "直线作答", "重复提交"} <= set(audit["rule"].dropna())
    assert (e2e["paths"].interim / "audit.xlsx").exists()


def test_html_is_self_contained_clean_and_private(e2e):
    raw = pd.read_excel(e2e["export"], dtype=str)
    ips = raw["来自IP"].str.extract(r"^([\d.]+)")[0].tolist()
    for name, html in reports_html(e2e["paths"]).items():
        assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
        assert "<script" not in html.lower(), name
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), name
        assert "@import" not in html and "url(http" not in html
        assert "In&nbsp;[" not in html and "Traceback" not in html and "Warning" not in html
        assert "rv.load_unit" not in html and "import " not in html  # no code cells
        assert not any(ip in html for ip in ips), name
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html), name
        assert len(html.encode()) < 3_000_000
    assert "data:image/png;base64," in reports_html(e2e["paths"])["石桥乡"]


def test_executed_notebooks_have_no_stderr(e2e):
    """Glyph-missing warnings (Chinese rendered as boxes) or any other warning would show up here."""
    for path in (e2e["paths"].reports / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        streams = [
            o.get("text", "")
            for c in nb.cells
            for o in c.get("outputs", [])
            if o.get("output_type") == "stream"
        ]
        assert not any("Glyph" in s or "Warning" in s for s in streams), (path.name, streams)
        assert not nb.metadata.papermill.get("exception")


def test_templates_are_stored_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert any("parameters" in c.metadata.get("tags", []) for c in code), path.name


def test_plain_papermill_cli(e2e, tmp_path):
    """The template runs as a user would type it, with nothing but papermill."""
    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "out.ipynb"
    proc = subprocess.run(
        [str(papermill), str(NOTEBOOKS / "street_report.ipynb"), str(out),
         "-p", "unit", "新华街道", "-p", "processed_dir", str(e2e["paths"].processed)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "新华街道基层党组织建设调研报告" in html and "“基层减负”得分" in html
