"""What each ``survey`` command does and says: the CLI parses the arguments and calls one of these.

Every command that writes holds the survey's lock; each returns the exit code (0 success, 3 some reports
failed). Bad input raises ``SurveyError`` (exit 2, said in Chinese by the CLI).
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.common.errors import SurveyError
from pipeline.common.names import OVERVIEW_NAME, output_path
from pipeline.common.paths import PROJECT_ROOT
from pipeline.questionnaire import Questionnaire
from pipeline.run.stages import SurveyPaths
from pipeline.run.tasks import DELIVERABLES, KINDS, deliverable_path

EXIT_REPORTS_FAILED = 3


def print_counts(counts: dict | None) -> None:
    if counts is None:
        print("输入文件和问卷定义未变化，跳过清洗和分析")
    else:
        print(f"答卷：共 {counts['rows_in']} 份，保留 {counts['kept']} 份，剔除 {counts['rejected']} 份")


def print_results(results, reports: Path) -> int:
    """What the run wrote: reports (HTML), then Word files and PDFs; failures with their error."""
    html = [r for r in results if r.kind == "html"]
    failed = [r for r in results if not r.ok]
    skipped = [r for r in html if r.skipped]
    broken = sum(not r.ok for r in html)
    if not failed and all(r.skipped for r in results):
        print(f"输入未变化，没有需要重新生成的报告（共 {len(skipped)} 份，均为最新）")
    else:
        print(
            f"报告：新生成 {len(html) - len(skipped) - broken} 份，未变化跳过 {len(skipped)} 份，"
            f"失败 {broken} 份"
        )
    for kind in DELIVERABLES:
        done = [r for r in results if r.kind == kind.name]
        if done:
            written = sum(r.ok and not r.skipped for r in done)
            print(
                f"{kind.label}：新写入 {written} 份，未变化 {sum(r.skipped for r in done)} 份"
                f"（{reports / kind.folder}）"
            )
    for r in failed:
        print(f"  生成失败：{r.name}{KINDS[r.kind].marker}：{r.error}", file=sys.stderr)
    print(f"目录页：{(reports / 'index.html').resolve()}")
    return EXIT_REPORTS_FAILED if failed else 0


def _reports(paths: SurveyPaths):
    """The manifest and every report page (units and the overview) that exists."""
    from pipeline.analyze.manifest import read_manifest

    if not (paths.reports / "index.html").exists():
        raise SurveyError(f"找不到报告 {paths.reports / 'index.html'}，请先运行 survey run 或 survey demo")
    manifest = read_manifest(paths.processed)
    pages = [(name, output_path(paths.reports, name, ".html")) for name in (OVERVIEW_NAME, *manifest.units)]
    return manifest, [(name, html) for name, html in pages if html.exists()]


def _chromium() -> None:
    from pipeline.report import browser

    if browser.find_chromium() is None:
        raise SurveyError("找不到 Chromium 浏览器；Debian/Ubuntu 上可用 apt-get install chromium 安装")


def screenshots(paths: SurveyPaths, unit: str | None) -> int:
    """The index, the overview and one report at desktop and phone width (PNG)."""
    from pipeline.report import browser

    _chromium()
    manifest, _ = _reports(paths)
    unit = unit or manifest.units[0]
    out = paths.reports / "screenshots"
    for page in ("index", OVERVIEW_NAME, unit):
        html = output_path(paths.reports, page, ".html")
        for label, width, height in (("电脑", 1280, 3200), ("手机", 390, 5000)):
            png = browser.screenshot(html, output_path(out, f"{page}_{label}", ".png"), width, height)
            print(f"截图：{png}")
    if not browser.has_cjk_font():
        print(
            "提示：本机没有中文字体，截图中网页正文的汉字会显示为方框（图表自带字体不受影响）；"
            "可安装 fonts-noto-cjk。",
            file=sys.stderr,
        )
    return 0


def pdf(paths: SurveyPaths) -> int:
    """Every report printed to A4 again (``survey run`` prints them too where Chromium is present)."""
    from pipeline.report import browser

    _chromium()
    with paths.lock():
        _, pages = _reports(paths)
        for name, html in pages:
            print(f"PDF：{browser.print_pdf(html, deliverable_path(paths.reports, name, 'pdf'))}")
    return 0


def word(paths: SurveyPaths) -> int:
    """Every report's Word file again, from its stored document (``survey run`` writes them too)."""
    from pipeline.report.document import read_document
    from pipeline.report.word import write_word

    with paths.lock():
        manifest, _ = _reports(paths)
        for name in (OVERVIEW_NAME, *manifest.units):
            out = deliverable_path(paths.reports, name, "word")
            print(f"Word：{write_word(read_document(paths.processed, name), out)}")
    return 0


def init(source: Path, output: Path | None, force: bool) -> int:
    """Draft a questionnaire from an export, check that it loads, and say what to check."""
    from pipeline.common.atomic import write_text
    from pipeline.common.names import safe_name
    from pipeline.ingest.draft import draft_questionnaire
    from pipeline.questionnaire import load_questionnaire
    from pipeline.stats.open_answers import frequent_words

    target = output or PROJECT_ROOT / "questionnaires" / f"{safe_name(source.stem, '文件名')}.yaml"
    if target.exists() and not force:
        raise SurveyError(f"{target} 已存在；换一个 --output，或加 --force 覆盖")
    text, summary = draft_questionnaire(source, frequent_words)
    write_text(target, text)
    load_questionnaire(target, unconfirmed_ok=True)  # the draft must load once its orders are confirmed
    roles = {"unit": "单位题", "community": "社区（村）题", "overall": "总体评价题", "open": "意见建议题"}
    print(f"已起草问卷定义：{target}")
    print(
        f"  {summary['questions']} 道题，{summary['dimensions']} 个量表维度"
        f"（量表：{'、'.join(summary['scales']) or '无'}），{len(summary['reversed'])} 道疑似反向题"
    )
    for role, text_ in summary["roles"].items():
        print(f"  {roles[role]}：{text_}")
    missing = [name for role, name in roles.items() if role not in summary["roles"]]
    if missing:
        print(f"  没有找到：{'、'.join(missing)}（报告会说明没有这些题）")
    for line in summary["orders"]:
        print(f"  量表 {line}")
    for text_ in summary["reversed"]:
        print(f"  疑似反向题（请确认）：{text_}")
    for text_ in summary["decisions"]:
        print(f"  已作的判断（请确认）：{text_}")
    if summary["unconfirmed"]:
        print("  有量表的顺序需要确认：确认前 survey run 不会使用这份问卷（见文件中的 unconfirmed）")
    print("请打开文件核对标有“请确认”的地方，然后运行：")
    print(f"  survey run -q {target} -i {source} -s 调查名称")
    return 0


def check_inputs(
    inputs: list[Path], questionnaire: Questionnaire, mapping: Path | None, date_order: str | None
) -> int:
    """Per question, which columns of each export it was matched to; then the answers are checked."""
    from pipeline.ingest import expand_inputs, header_report, ingest_file, read_mapping
    from pipeline.ingest.formats import export_header

    overrides = read_mapping(mapping)
    for path in expand_inputs(inputs):
        rows, unmapped, info = header_report(path, questionnaire, overrides)
        found = sum(bool(cols) for _, cols in rows)
        print(f"{path}：格式 {info.format}，{found}/{len(rows)} 道题在表头中找到")
        for note in info.notes:
            print(f"  说明：{note}")
        for q, cols in rows:
            mark = "✓" if cols else "✗"
            print(
                f"  {mark} {export_header(q)}（{q.id}）"
                + (f" ← {'、'.join(f'“{c}”' for c in cols)}" if cols else "：未找到")
            )
        if unmapped:
            print(f"  未使用的列：{'、'.join(unmapped)}")
        ing = ingest_file(path, questionnaire, overrides, date_order)  # answers: a clear error where wrong
        print(f"  答案检查通过：{len(ing.frame)} 行")
    return 0


def clean(
    paths: SurveyPaths,
    inputs: list[Path],
    questionnaire: Questionnaire,
    mapping: Path | None,
    date_order: str | None,
    scheduler: str | None = None,
) -> int:
    from pipeline.run.stages import stage_clean

    with paths.lock():
        counts = stage_clean(inputs, questionnaire, paths, mapping, date_order, scheduler=scheduler)
    print(
        f"答卷：共 {counts['rows_in']} 份，保留 {counts['kept']} 份，剔除 {counts['rejected']} 份；"
        f"清洗记录：{paths.interim / 'audit.xlsx'}"
    )
    return 0


def analyze(
    paths: SurveyPaths,
    questionnaire: Questionnaire,
    questionnaire_path: Path,
    population: Path | None,
    weight_by: str | None,
    previous: list[str] | None,
    scheduler: str | None = None,
) -> int:
    from pipeline.run.stages import stage_analyze

    with paths.lock():
        manifest = stage_analyze(
            questionnaire, paths, questionnaire_path, population, weight_by, previous=previous,
            scheduler=scheduler,
        )
    print(f"分析完成：{len(manifest.units)} 个单位，结果在 {paths.processed}")
    return 0


def report(
    paths: SurveyPaths, workers: int | None, force: bool, scheduler: str | None, pdf: str | None
) -> int:
    from pipeline.analyze.manifest import MANIFEST
    from pipeline.run.stages import stage_report

    with paths.lock():
        if not (paths.processed / MANIFEST).exists():
            raise SurveyError(f"找不到分析结果 {paths.processed}，请先运行 survey analyze")
        results = stage_report(paths, workers, force, scheduler, pdf=pdf)
    return print_results(results, paths.reports)


def plan(paths: SurveyPaths, questionnaire: Questionnaire, population: Path, moe: float, deff: float,
         response_rate: float) -> int:
    """``survey plan``: questionnaires to issue per unit for a margin of error on a share, written as the
    questionnaire's ``issued:`` section (``reports/<survey>/发放计划.yaml``) and printed as a table."""
    from pipeline.common.atomic import write_text
    from pipeline.stats.plan import issued_yaml, plan_sizes, read_unit_population

    units = list(questionnaire.unit_question.options)
    table = plan_sizes(read_unit_population(population, units), moe, deff, response_rate)
    note = (f"survey plan：满意率等比例的误差范围±{moe:.1%}（95%置信），设计效应{deff:g}，预计回收率"
            f"{response_rate:.0%}；把下面的 issued: 一节复制到问卷定义中，报告即写“发放问卷XXX份、回收率XX%”")
    target = write_text(paths.reports / "发放计划.yaml", issued_yaml(table, note))
    print(f"{'单位':<12}{'人口':>8}{'需有效问卷':>10}{'应发放':>8}")
    for r in table.itertuples(index=False):
        print(f"{r.unit:<12}{r.population:>8}{r.needed:>10}{r.issue:>8}{'（全部发放）' if r.census else ''}")
    print(f"合计应发放 {int(table['issue'].sum())} 份；发放计划：{target}")
    return 0
