"""Command line: ``survey demo``, ``survey run`` and one sub-command per stage.

Exit codes: 0 success; 1 an internal error (a bug: a Chinese message and the traceback in a log file);
2 bad input or misuse (a Chinese message names file, row and column); 3 some reports failed (the others
were written, and the index lists the failures); 4 another run of the same survey is in progress
(nothing was done); 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

from pipeline.common.errors import SurveyError, is_write_problem, write_message
from pipeline.common.names import OVERVIEW_NAME, output_path
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE, DEMO_SURVEY, DEMOS, PROJECT_ROOT

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_REPORTS_FAILED = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141


class ChineseParser(argparse.ArgumentParser):
    """argparse with its errors said in Chinese (exit code 2, like any other bad input)."""

    PATTERNS = (
        (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
        (
            r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)",
            "参数 {0} 的取值“{1}”无效，可选：{2}",
        ),
        (r"argument (\S+): invalid (\w+) value: '(.*)'", "参数 {0} 的取值“{2}”无效（应为{1}）"),
        (r"argument (\S+): expected one argument", "参数 {0} 后面需要一个值"),
        (r"argument (\S+): expected at least one argument", "参数 {0} 后面至少需要一个值"),
        (r"unrecognized arguments: (.*)", "不认识的参数：{0}（可用 survey -h 查看用法）"),
        (r"argument (\S+): (.*)", "参数 {0}：{1}"),
    )
    TYPES = {"int": "整数", "float": "数字", "Path": "文件路径", "command": "命令"}

    def error(self, message: str):  # noqa: D401 - argparse's hook
        for pattern, text in self.PATTERNS:
            m = re.fullmatch(pattern, message)
            if m:
                message = text.format(*(self.TYPES.get(g, g) for g in m.groups()))
                break
        self.exit(
            EXIT_BAD_INPUT, f"错误：{message}\n用法：{self.format_usage().removeprefix('usage: ').strip()}\n"
        )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数，收到“{text}”") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数（至少为1），收到“{text}”")
    return value


def _common(p: argparse.ArgumentParser, inputs: bool = False) -> None:
    p.add_argument(
        "--questionnaire", "-q", type=Path, default=DEFAULT_QUESTIONNAIRE, help="问卷定义 YAML 文件"
    )
    p.add_argument("--survey", "-s", default=DEMO_SURVEY, help="调查名称，决定 data/ 和 reports/ 下的子目录")
    p.add_argument("--root", type=Path, default=PROJECT_ROOT, help="项目根目录（含 data/ 和 reports/）")
    if inputs:
        p.add_argument(
            "--input",
            "-i",
            type=Path,
            nargs="+",
            required=True,
            help="导出文件或文件夹（可多个：问卷星/腾讯问卷/KoboToolbox 的 xlsx、xls、csv，"
            "SPSS 的 sav，纸质问卷录入表）",
        )
        p.add_argument(
            "--mapping",
            "-m",
            type=Path,
            default=None,
            help="列对应文件（YAML：“表头: 题目id”），覆盖自动匹配",
        )
        p.add_argument("--date-order", choices=["dmy", "mdy"], default=None,
                       help="提交时间写成“13/09/2026”这类日、月在前的形式时，指定顺序：dmy＝日/月/年，mdy＝月/日/年")


def _rendering(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="本机并行生成报告的进程数（默认按 CPU 核数，最多 4）",
    )
    p.add_argument("--force", action="store_true", help="不论输入是否变化，全部重新生成")
    p.add_argument(
        "--executor", choices=["local", "dask"], default="local", help="在本机进程池或 Dask 集群上生成报告"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask 调度器地址，如 tcp://10.0.0.5:8786（与 --executor dask 一起用）",
    )


def _previous(p: argparse.ArgumentParser) -> None:
    p.add_argument("--previous", nargs="+", default=None, metavar="SURVEY",
                   help="与之比较的往次调查名称（已用本流水线分析过的，如 2025年度），可多个")


def _weighting(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--population",
        type=Path,
        default=None,
        help="人口结构表（CSV/Excel：unit、加权变量、population），用于事后分层加权",
    )
    p.add_argument("--weight-by", default=None, help="加权所依据的单选题 id，如 identity 或 age")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="survey", description="基层调研问卷分析流水线")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ChineseParser, title="命令")

    p = sub.add_parser("demo", help="生成两份示范问卷的示范数据并生成全部报告")
    p.add_argument("--seed", type=int, default=None, help="随机种子（默认固定）")
    p.add_argument("--root", type=Path, default=PROJECT_ROOT)
    _rendering(p)

    p = sub.add_parser("run", help="依次运行导入清洗、分析和报告")
    _common(p, inputs=True)
    _weighting(p)
    _previous(p)
    _rendering(p)

    p = sub.add_parser("init", help="根据导出文件起草问卷定义（YAML），核对修改后即可运行")
    p.add_argument("--input", "-i", type=Path, required=True, help="一个导出文件（任何支持的格式）")
    p.add_argument(
        "--output", "-o", type=Path, default=None, help="写到哪里（默认 questionnaires/<文件名>.yaml）"
    )
    p.add_argument("--force", action="store_true", help="覆盖已有的同名文件")

    p = sub.add_parser("ingest", help="检查导出文件能否与问卷定义对应：逐题列出对上和没对上的列（不写文件）")
    _common(p, inputs=True)
    p = sub.add_parser("clean", help="导入并清洗，写入 data/interim/")
    _common(p, inputs=True)
    p = sub.add_parser("analyze", help="统计分析，写入 data/processed/")
    _common(p)
    _weighting(p)
    _previous(p)
    p = sub.add_parser("report", help="生成各单位报告、全区总体情况和目录")
    _common(p)
    _rendering(p)

    p = sub.add_parser("screenshots", help="用无头 Chromium 给目录页、总体情况和一份报告截图（电脑、手机）")
    _common(p)
    p.add_argument("--unit", default=None, help="截图的单位，默认第一个")
    p = sub.add_parser("pdf", help="用无头 Chromium 把各份报告打印为 A4 PDF（reports/<调查>/pdf/）")
    _common(p)
    p = sub.add_parser("word", help="生成各单位和全区的 Word 调研报告（reports/<调查>/word/）")
    _common(p)
    return parser


def _scheduler(args: argparse.Namespace) -> str | None:
    """The Dask scheduler's address (``--scheduler`` alone implies ``--executor dask``)."""
    if args.executor == "dask" and not args.scheduler:
        raise SurveyError("使用 --executor dask 时需要用 --scheduler 指定 Dask 调度器地址（如 tcp://10.0.0.5:8786）")
    return args.scheduler


def _print_results(results, reports: Path) -> int:
    failed = [r for r in results if not r.ok]
    skipped = [r for r in results if r.skipped]
    rendered = len(results) - len(failed) - len(skipped)
    if rendered == 0 and not failed:
        print(f"输入未变化，没有需要重新生成的报告（共 {len(skipped)} 份，均为最新）")
    else:
        print(f"报告：新生成 {rendered} 份，未变化跳过 {len(skipped)} 份，失败 {len(failed)} 份")
    for r in failed:
        print(f"  生成失败：{r.name}：{r.error}", file=sys.stderr)
    print(f"目录页：{(reports / 'index.html').resolve()}")
    return EXIT_REPORTS_FAILED if failed else 0


def _screenshots(paths, unit: str | None) -> int:
    from pipeline.report import browser

    if browser.find_chromium() is None:
        raise SurveyError("找不到 Chromium 浏览器；Debian/Ubuntu 上可用 apt-get install chromium 安装")
    manifest, _ = _reports(paths)
    unit = unit or manifest["units"][0]
    out = paths.reports / "screenshots"
    for page in ("index", OVERVIEW_NAME, unit):
        html = output_path(paths.reports, page, ".html")
        for label, width, height in (("电脑", 1280, 3200), ("手机", 390, 5000)):
            png = browser.screenshot(html, output_path(out, f"{page}_{label}", ".png"), width, height)
            print(f"截图：{png}")
    if not browser.has_cjk_font():
        print("提示：本机没有中文字体，截图中网页正文的汉字会显示为方框（图表自带字体不受影响）；"
              "可安装 fonts-noto-cjk。", file=sys.stderr)
    return 0


def _demo_previous_wave(questionnaire, questionnaire_path: Path, paths, args) -> list[str] | None:
    """The demo's earlier wave, cleaned and analysed (no reports), for the current one to compare with."""
    from pipeline.demo import PREVIOUS_WAVE, previous_wave_spec, write_demo_export
    from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean

    spec = previous_wave_spec(questionnaire)
    if spec is None:
        return None
    earlier = SurveyPaths(f"{paths.survey}_{PREVIOUS_WAVE}", paths.root)
    export = paths.root / "data" / "raw" / f"{earlier.survey}_wjx_按文本.xlsx"
    if not export.exists():
        seeded = spec if args.seed is None else replace(spec, seed=args.seed + 1)
        write_demo_export(questionnaire, export, seeded)
        print(f"已生成示范数据（往次调查）：{export}")
    if args.force or not (earlier.processed / "manifest.json").exists():
        with earlier.lock():
            stage_clean([export], questionnaire, earlier)
            stage_analyze(questionnaire, earlier, questionnaire_path)
    return [earlier.survey]


def _reports(paths) -> tuple[dict, list[tuple[str, Path]]]:
    """The manifest and every report page (units and the overview) that exists."""
    import json

    manifest_path = paths.processed / "manifest.json"
    if not (paths.reports / "index.html").exists() or not manifest_path.exists():
        raise SurveyError(f"找不到报告 {paths.reports / 'index.html'}，请先运行 survey run 或 survey demo")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    names = (OVERVIEW_NAME, *manifest["units"])
    pages = [(name, output_path(paths.reports, name, ".html")) for name in names]
    return manifest, [(name, html) for name, html in pages if html.exists()]


def _pdf(paths) -> int:
    from pipeline.report import browser

    if browser.find_chromium() is None:
        raise SurveyError("找不到 Chromium 浏览器；Debian/Ubuntu 上可用 apt-get install chromium 安装")
    _, pages = _reports(paths)
    for name, html in pages:
        pdf = browser.print_pdf(html, output_path(paths.reports / "pdf", name, ".pdf"))
        print(f"PDF：{pdf}")
    return 0


def _word(paths) -> int:
    from pipeline.report.word import district_document, unit_document

    manifest, _ = _reports(paths)
    out = paths.reports / "word"
    print(f"Word：{district_document(paths.processed, output_path(out, OVERVIEW_NAME, '.docx'))}")
    for unit in manifest["units"]:
        print(f"Word：{unit_document(paths.processed, unit, output_path(out, unit, '.docx'))}")
    return 0


def _internal_error_log() -> Path:
    """Write the current traceback to a log file in the temporary directory and return its path."""
    import tempfile
    import traceback
    from datetime import datetime

    fd, name = tempfile.mkstemp(prefix=f"survey-error-{datetime.now():%Y%m%d-%H%M%S}-", suffix=".log")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(traceback.format_exc())
    return Path(name)


def _show_advice() -> None:
    """A questionnaire's advice (``QuestionnaireWarning``) printed as a Chinese 提示, once each."""
    import warnings

    from pipeline.questionnaire.load import QuestionnaireWarning

    shown_before = warnings.showwarning

    def show(message, category, *args, **kwargs):
        if issubclass(category, QuestionnaireWarning):
            print(f"提示：{message}", file=sys.stderr)
        else:
            shown_before(message, category, *args, **kwargs)

    warnings.showwarning = show
    warnings.simplefilter("default", QuestionnaireWarning)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _show_advice()
    from pipeline.run.lock import LockedError

    try:
        return _dispatch(args)
    except LockedError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_LOCKED
    except SurveyError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into head or less, which stopped reading: nothing wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except OSError as exc:
        if not is_write_problem(exc):
            return _internal(exc)
        print(f"错误：{write_message(exc, exc.filename or '输出目录')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已中断：已写完的文件完整可用，下次运行会接着完成其余部分", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug: say so in Chinese, keep the traceback for the developers
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    log = _internal_error_log()
    print(f"错误：程序内部出错（{type(exc).__name__}），这不是您的数据的问题；详细信息已写入 {log}，"
          "请把该文件发给维护人员", file=sys.stderr)
    return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import SurveyPaths, run_survey, stage_analyze, stage_clean, stage_report

    if args.command == "demo":
        from pipeline.demo import demo_spec, write_demo_export

        code = 0
        for questionnaire_path, survey, export_name in DEMOS:
            paths = SurveyPaths(survey, args.root)
            questionnaire = load_questionnaire(questionnaire_path)
            spec = demo_spec(questionnaire)
            export = paths.root / "data" / "raw" / export_name
            if not export.exists():  # raw data is immutable: generate once
                write_demo_export(
                    questionnaire, export, spec if args.seed is None else replace(spec, seed=args.seed)
                )
                print(f"已生成示范数据：{export}")
            previous = _demo_previous_wave(questionnaire, questionnaire_path, paths, args)
            print(f"示范调查“{questionnaire.title}”（{questionnaire_path.name}）：")
            counts, results = run_survey([export], questionnaire_path, paths, args.workers, force=args.force,
                                         scheduler=_scheduler(args), previous=previous)
            _print_counts(counts)
            code = max(code, _print_results(results, paths.reports))
            if code == 0:
                _word(paths)
        return code

    if args.command == "init":
        return _init(args)
    paths = SurveyPaths(args.survey, args.root)
    questionnaire = load_questionnaire(args.questionnaire)
    if args.command == "ingest":
        return _ingest(args, questionnaire)
    if args.command == "screenshots":
        return _screenshots(paths, args.unit)
    if args.command == "pdf":
        return _pdf(paths)
    if args.command == "word":
        return _word(paths)
    if args.command == "run":
        counts, results = run_survey(
            args.input,
            args.questionnaire,
            paths,
            args.workers,
            args.population,
            args.weight_by,
            force=args.force,
            scheduler=_scheduler(args),
            mapping=args.mapping,
            date_order=args.date_order,
            previous=args.previous,
        )
        _print_counts(counts)
        return _print_results(results, paths.reports)
    with paths.lock():
        if args.command == "clean":
            counts = stage_clean(args.input, questionnaire, paths, args.mapping, args.date_order)
            print(f"答卷：共 {counts['rows_in']} 份，保留 {counts['kept']} 份，剔除 {counts['rejected']} 份；"
                  f"清洗记录：{paths.interim / 'audit.xlsx'}")
            return 0
        if args.command == "analyze":
            manifest = stage_analyze(
                questionnaire, paths, args.questionnaire, args.population, args.weight_by,
                previous=args.previous,
            )
            print(f"分析完成：{len(manifest['units'])} 个单位，结果在 {paths.processed}")
            return 0
        scheduler = _scheduler(args)
        if not (paths.processed / "manifest.json").exists():
            raise SurveyError(f"找不到分析结果 {paths.processed}，请先运行 survey analyze")
        results = stage_report(paths, args.workers, args.force, scheduler)
    return _print_results(results, paths.reports)


def _init(args: argparse.Namespace) -> int:
    """Draft a questionnaire from an export, check that it loads, and say what to check."""
    from pipeline.common.atomic import write_text
    from pipeline.common.names import safe_name
    from pipeline.questionnaire import load_questionnaire
    from pipeline.questionnaire.draft import draft_questionnaire

    source = Path(args.input)
    target = args.output or PROJECT_ROOT / "questionnaires" / f"{safe_name(source.stem, '文件名')}.yaml"
    if target.exists() and not args.force:
        raise SurveyError(f"{target} 已存在；换一个 --output，或加 --force 覆盖")
    text, summary = draft_questionnaire(source)
    write_text(target, text)
    load_questionnaire(target)  # the draft must load as written
    roles = {"unit": "单位题", "community": "社区（村）题", "overall": "总体评价题", "open": "意见建议题"}
    print(f"已起草问卷定义：{target}")
    print(
        f"  {summary['questions']} 道题，{summary['dimensions']} 个量表维度"
        f"（量表：{'、'.join(summary['scales']) or '无'}），"
        f"{summary['reverse']} 道疑似反向题"
    )
    for role, text_ in summary["roles"].items():
        print(f"  {roles[role]}：{text_}")
    missing = [name for role, name in roles.items() if role not in summary["roles"]]
    if missing:
        print(f"  没有找到：{'、'.join(missing)}（报告会说明没有这些题）")
    print("请打开文件核对标有“请确认”的地方，然后运行：")
    print(f"  survey run -q {target} -i {source} -s 调查名称")
    return 0


def _ingest(args: argparse.Namespace, questionnaire) -> int:
    """Per question, which columns of each export it was matched to; then the answers are checked."""
    from pipeline.ingest import expand_inputs, header_report, ingest_file, read_mapping
    from pipeline.ingest.formats import export_header

    overrides = read_mapping(args.mapping)
    for path in expand_inputs(args.input):
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
        ing = ingest_file(
            path, questionnaire, overrides, args.date_order
        )  # answers: a clear error where one is wrong
        print(f"  答案检查通过：{len(ing.frame)} 行")
    return 0


def _print_counts(counts: dict | None) -> None:
    if counts is None:
        print("输入文件和问卷定义未变化，跳过清洗和分析")
    else:
        print(f"答卷：共 {counts['rows_in']} 份，保留 {counts['kept']} 份，剔除 {counts['rejected']} 份")


if __name__ == "__main__":
    sys.exit(main())
