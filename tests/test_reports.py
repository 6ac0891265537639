"""What people open and share: escaping, offline HTML in a real browser, the index, the Excel workbook."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import HOSTILE_SCRIPT, dump_dom, reports_html

from pipeline.common.names import OVERVIEW_NAME
from pipeline.report import browser
from pipeline.report.workbook import workbook_name

needs_chromium = pytest.mark.skipif(browser.find_chromium() is None, reason="Chromium is not installed")


def test_hostile_answers_are_escaped_in_the_html(e2e):
    pages = reports_html(e2e["paths"])
    street = pages["新华街道"]
    # one of the planted answers is quoted (near-duplicates are quoted once), as text
    assert "&lt;img src=x onerror=" in street or "&lt;script&gt;" in street
    assert "<img src=x" not in street and "<script" not in street
    assert "<b>减负</b>" not in pages["石桥乡"]


def test_section_escapes_everything_it_shows():
    from pipeline.report import html as rh
    from pipeline.report.document import Column, Document, Paragraph, Quotes, Section, Table

    blocks = [Paragraph(text="<i>x</i>"), Quotes(title="<u>t</u>", quotes=["<script>alert(1)</script>"]),
              Table(key="t", title="<b>表</b>", columns=[Column(name="<th>")], rows=[["<td onclick=x>"]])]
    doc = Document(kind="unit", name="u", title="<h1>", subtitle="s",
                   sections=[Section(key="suggestions", title="四、对策建议", blocks=blocks)])
    html = rh.section(doc, "suggestions").data + rh.header(doc).data
    assert "<script>" not in html and "<i>" not in html and "<u>" not in html and "<td onclick" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;u&gt;t&lt;/u&gt;" in html
    assert "&lt;h1&gt;" in html and "&lt;b&gt;表&lt;/b&gt;" in html


@needs_chromium
def test_no_script_runs_in_a_real_browser(e2e, tmp_path):
    control = tmp_path / "control.html"
    control.write_text(f"<html><body>{HOSTILE_SCRIPT}</body></html>", encoding="utf-8")
    assert 'data-pwned="1"' in dump_dom(control), "positive control: scripts must run in this browser mode"
    for name in (OVERVIEW_NAME, "石桥乡", "新华街道", "index"):
        dom = dump_dom(e2e["paths"].reports / f"{name}.html")
        assert "</html>" in dom, name
        assert 'data-pwned="1"' not in dom, name
        assert "<b>减负</b>" not in dom and "<script>document" not in dom, name
        assert "<img src=" not in dom, name


def _row(html: str, name: str) -> dict[str, str]:
    """The index's row of a report, by column header."""
    import re

    wide = html.split('<div class="wide-only">')[1].split("</table>")[0]  # the full table (a phone: fewer)
    header = re.findall(r"<th>(.*?)</th>", wide)
    cells = re.findall(r"<td>(.*?)</td>", re.search(rf">{name}</a></td>(.*?)</tr>", wide, re.S).group(1))
    return dict(zip(header[1:], cells, strict=True))


def test_index_lists_counts_problems_and_the_workbook(e2e):
    index = reports_html(e2e["paths"])["index"]
    units = pd.read_parquet(e2e["paths"].processed / "units.parquet").set_index("unit")
    u = units.loc["石桥乡"]
    row = _row(index, "石桥乡")
    assert row["回收问卷"] == str(int(u["received"])) and row["有效问卷"] == str(int(u["valid"]))
    assert row["基层党组织建设工作总体评价（1–5分）"] == f"{u['satisfaction_mean']:.2f}"
    assert row["总体满意率"] == f"{u['satisfaction_rate']:.1%}" and row["显著偏低维度数"] == "1"
    assert "数据截至" in index and "small_wjx.xlsx" in index
    assert workbook_name("示范区基层党组织建设情况调查") in index


def test_workbook_has_the_ledger_units_and_audit(e2e):
    path = e2e["paths"].reports / workbook_name("示范区基层党组织建设情况调查")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:3] == ["说明", "问题清单", "全区汇总"] and list(sheets)[-1] == "剔除记录"
    assert {"石桥乡", "新华街道", "西城街道"} <= set(sheets)
    ledger = sheets["问题清单"]
    assert {
        "责任单位",
        "维度",
        "题目",
        "本单位均值",
        "全区其他街道（乡镇）均值",
        "差距",
        "FDR校正p值",
        "Hedges g",
        "建议对策方向",
    } <= set(ledger)
    dim_rows = ledger.loc[ledger["题目"] == "（维度总体）"]
    findings = {u: json.loads((e2e["paths"].processed / "findings" / f"{u}.json").read_text(encoding="utf-8"))
                for u in ("石桥乡", "新华街道", "西城街道")}
    # every unit's problems, each with its evidence, not only those significantly below the rest
    assert set(zip(dim_rows["责任单位"], dim_rows["维度"], strict=True)) == {
        (u, p["name"]) for u, f in findings.items() for p in f["problems"]["items"]
    }
    assert {("石桥乡", "信息化建设"), ("新华街道", "基层减负")} <= set(
        zip(dim_rows["责任单位"], dim_rows["维度"], strict=True))
    said_significant = dim_rows["问题依据"].str.contains("显著低于")
    assert said_significant.any() and ledger["差距"].dtype.kind == "f"
    assert (dim_rows.loc[said_significant, "FDR校正p值"] < 0.05).all()
    assert (dim_rows.loc[said_significant, "差距"] < 0).all()
    assert ledger.loc[ledger["维度"] == "基层减负", "建议对策方向"].eq("减负").all()
    said = {part for text in dim_rows["问题依据"] for part in text.split("；")}
    assert "全区共性问题，本单位不高于全区其他街道（乡镇）" in said  # the area's own name: 全县 in a county's
    assert said <= {"显著低于全区其他街道（乡镇）（经FDR校正的统计检验）", "上次调查已低于全区平均、本次仍低",
                    "全区共性问题，本单位不高于全区其他街道（乡镇）", "负面评价占比高于全区",
                    "在本单位各方面中得分靠后", "未达到工作目标", "比上次调查明显下降"} and len(said) >= 2
    # every row a working 整改台账 row: who leads, by when, to what quantified target
    assert ledger["责任主体"].notna().all() and (ledger["责任主体"] == ledger["责任单位"]).all()
    assert ledger["完成时限"].eq("2027年3月底前").all()  # six months after the last answer (2026-09)
    untargeted = ledger.loc[~ledger["目标"].str.contains(r"\d分）?以上|降至\d|保持现有水平", regex=True)]
    assert untargeted.empty, untargeted[["题目", "问题依据", "目标"]].to_string()
    sig = dim_rows.loc[said_significant].iloc[0]
    assert f"得分提高到全区其他街道（乡镇）的{sig['全区其他街道（乡镇）均值']:.2f}分以上" in sig["目标"]
    assert len(sheets["剔除记录"]) == e2e["counts"]["rejected"] > 0  # the rejected rows, not the kept ones
    unit_sheet = sheets["石桥乡"]
    assert (
        unit_sheet.columns[0] == "各方面得分" and "信息化建设" in unit_sheet.iloc[:, 0].astype(str).tolist()
    )


@needs_chromium
def test_screenshot_command(e2e, tmp_path):
    survey = Path(sys.executable).with_name("survey")
    proc = subprocess.run(
        [str(survey), "screenshots", "--survey", "small", "--root", str(e2e["root"]), "--unit", "石桥乡"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    shots = sorted(p.name for p in (e2e["paths"].reports / "screenshots").glob("*.png"))
    pages = ("index", "全区总体情况", "石桥乡")
    assert shots == sorted(f"{page}_{size}.png" for page in pages for size in ("手机", "电脑"))
    assert all(p.stat().st_size > 10_000 for p in (e2e["paths"].reports / "screenshots").glob("*.png"))
    shutil.rmtree(e2e["paths"].reports / "screenshots")


def test_overview_plots_stay_readable_for_many_units(questionnaire):
    from types import SimpleNamespace

    import numpy as np

    from pipeline.report.compose.district import MAX_PLOTTED_UNITS, _lowest_units, _ranking
    from pipeline.report.figures import draw
    from pipeline.wording import Wording

    units = [f"第{i:03d}街道" for i in range(100)]
    rng = np.random.default_rng(1)
    ud = pd.DataFrame(
        {"unit": np.repeat(units, 2), "dimension": ["a", "b"] * 100, "mean": rng.uniform(3, 4, 200)}
    )
    u = pd.DataFrame({"unit": units, "valid": 50, "satisfaction_rate": rng.uniform(0.5, 0.9, 100)})
    u["satisfaction_ci_low"], u["satisfaction_ci_high"] = (
        u["satisfaction_rate"] - 0.05,
        u["satisfaction_rate"] + 0.05,
    )
    a = SimpleNamespace(units=u, unit_dimensions=ud)
    wd = Wording.of(questionnaire.words())
    shown, note = _lowest_units(a, wd)
    lowest = set(ud.groupby("unit")["mean"].mean().nsmallest(MAX_PLOTTED_UNITS).index)
    assert len(shown) == MAX_PLOTTED_UNITS and set(shown) == lowest and "共100个单位" in note
    manifest = SimpleNamespace(words=questionnaire.words())
    figure = _ranking(a, manifest, wd)
    assert len(figure.data) == MAX_PLOTTED_UNITS
    png = draw(figure).png
    height = int.from_bytes(png[20:24], "big")  # PNG IHDR height
    assert height < 2500


def test_workbook_for_many_units_uses_long_sheets(e2e, tmp_path, monkeypatch):
    from pipeline.analyze.manifest import read_manifest
    from pipeline.clean.audit import rejected_sheet
    from pipeline.common.names import OVERVIEW_NAME
    from pipeline.common.tables import read_table_parts
    from pipeline.report import workbook
    from pipeline.report.document import read_document

    monkeypatch.setattr(workbook, "SHEET_PER_UNIT_MAX", 1)
    processed = e2e["paths"].processed
    manifest = read_manifest(processed)
    docs = [read_document(processed, u) for u in manifest.units]
    rejected = (rejected_sheet(part, manifest.words.unit_label)
                for part in read_table_parts(e2e["paths"].interim, "audit"))
    path = workbook.write_workbook(tmp_path / "wb.xlsx", read_document(processed, OVERVIEW_NAME), docs,
                                   rejected)
    sheets = pd.read_excel(path, sheet_name=None)
    assert "石桥乡" not in sheets and "各单位各方面得分" in sheets
    dims = sheets["各单位各方面得分"]
    assert set(dims["街道（乡镇）"]) == set(manifest.units) and len(dims) == 9 * len(manifest.units)
    assert set(sheets["各单位受访者构成"]["街道（乡镇）"]) == set(manifest.units)
