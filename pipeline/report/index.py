"""The run's index page: every unit with its figures and link, failures with their error."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from pipeline.analyze.disclosure import SUPPRESSED
from pipeline.common.atomic import write_text
from pipeline.common.names import NO_UNIT
from pipeline.common.rules import significantly_low
from pipeline.report.page import page
from pipeline.run.tasks import OVERVIEW_NAME, RenderResult


def write_index(reports: Path, manifest: dict, results: list[RenderResult], workbook: Path | None = None) -> Path:
    """index.html: every unit with its counts, satisfaction, significant problems and link; failures with their error."""
    processed = Path(manifest["processed_dir"])
    units = pd.read_parquet(processed / "units.parquet").set_index("unit")
    district = pd.read_parquet(processed / "district.parquet").set_index("unit")
    ud = pd.read_parquet(processed / "unit_dimensions.parquet")
    n_sig = ud.loc[significantly_low(ud)].groupby("unit").size()
    by_name = {r.name: r for r in results}
    w = manifest["words"]
    overall = w["overall"]
    rows = []
    for name in [OVERVIEW_NAME] + manifest["units"]:
        r = by_name.get(name)
        if r is None:
            continue
        shown = f"{w['area']}总体情况" if name == OVERVIEW_NAME else name
        link = (f'<a href="{quote(Path(r.html_path).name)}">{html.escape(shown)}</a>' if r.ok
                else f'{html.escape(shown)} <span class="failed">（生成失败：{html.escape(r.error)}）</span>')
        u = units.loc[name] if name in units.index else district.iloc[0]
        hidden = bool(u.get("suppressed", False))
        kind = w["area"] if name not in units.index else str(u["kind"])
        sig = int(n_sig.sum()) if name not in units.index else int(n_sig.get(name, 0))
        cells = f"<td>{html.escape(kind)}</td><td>{int(u['received'])}</td><td>{int(u['valid'])}</td>"
        if overall is not None:
            cells += (f"<td>{_figure(u.get('satisfaction_mean'), '{:.2f}', hidden)}</td>"
                      f"<td>{_figure(u.get('satisfaction_rate'), '{:.1%}', hidden)}</td>")
        cells += f"<td>{SUPPRESSED if hidden else sig}</td>"
        rows.append(f"<tr><td>{link}</td>{cells}</tr>")
    headers = ["报告", "类型", "回收问卷", "有效问卷"]
    if overall is not None:
        headers += [f"{overall['label']}（1–{len(overall['options'])}分）", w["rate_name"]]
    headers.append("显著偏低维度数")
    no_unit = units.loc[NO_UNIT, "received"] if NO_UNIT in units.index else 0
    failed = [r for r in results if not r.ok]
    body = (
        f"<h1>{html.escape(manifest['title'])}：调研报告目录</h1>"
        f"<p class='subtitle'>生成时间：{html.escape(datetime.now().strftime('%Y-%m-%d %H:%M'))} · "
        f"数据截至：{html.escape(manifest['data_until'])} · 数据文件：{html.escape('、'.join(manifest['input_files']))}</p>"
        + (f"<p class='failed'>有{len(failed)}份报告生成失败，见下表。</p>" if failed else "")
        + "<table class='data'><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        + (f"<p>另有{int(no_unit)}份问卷未填写所在{html.escape(w['unit_label'])}（{NO_UNIT}），已计入{html.escape(w['area'])}"
           "回收总数，并作为无效问卷剔除。</p>" if no_unit else "")
        + (f"<p>Excel汇总（问题清单、各单位数据表、剔除记录）：<a href=\"{quote(workbook.name)}\">{html.escape(workbook.name)}</a></p>"
           if workbook else "")
        + "<footer>本目录及各报告均为离线文件，可直接通过邮件或微信转发；报告只含汇总数据。</footer>"
    )
    return write_text(reports / "index.html", page(f"{manifest['title']}：调研报告目录", body))


def _figure(value, fmt: str, hidden: bool) -> str:
    if hidden:
        return SUPPRESSED
    return "—" if value is None or pd.isna(value) else fmt.format(value)
