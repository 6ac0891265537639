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
from pathlib import Path

from pipeline.common.errors import SurveyError, is_write_problem, write_message
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE, DEMO_SURVEY, PROJECT_ROOT
from pipeline.common.settings import SETTINGS, check_environment

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
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
    _cluster(p, "导入导出文件（每个文件一个任务）、汇总答卷（每个数据块一个任务）和生成报告")
    p.add_argument("--pdf", choices=SETTINGS["SURVEY_PDF"].choices, default=None,
                   help="是否同时打印 A4 PDF：auto（默认，本机有 Chromium 时打印）、yes、no")


def _cluster(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help=f"在本机或 Dask 集群上{what}")
    p.add_argument("--scheduler", default=None,
                   help="Dask 调度器地址，如 tcp://10.0.0.5:8786（与 --executor dask 一起用；"
                   "各 worker 需能读写同一项目目录）")


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
    p.add_argument("--weight-by", default=None, help="加权所依据的单选题 id（问卷定义中的题目 id）")


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
    _cluster(p, "导入导出文件（每个文件一个任务；清洗规则需要全部答卷，在本机运行）")
    p = sub.add_parser("analyze", help="统计分析，写入 data/processed/")
    _common(p)
    _weighting(p)
    _previous(p)
    _cluster(p, "汇总答卷（每个数据块一个任务，在本机合并）")
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
    p = sub.add_parser("plan", help="按目标误差范围算出各单位应发放的问卷份数（写成问卷定义的 issued: 一节）")
    _common(p)
    p.add_argument("--population", type=Path, required=True,
                   help="单位人口表（CSV/Excel：unit、population，每个单位一行）")
    p.add_argument("--moe", type=float, default=0.05, help="满意率等比例的误差范围，默认0.05（±5个百分点）")
    p.add_argument("--deff", type=float, default=1.5, help="设计效应（按社区整群发放时大于1），默认1.5")
    p.add_argument("--response-rate", type=float, default=0.85, help="预计回收率，默认0.85")
    return parser


def _scheduler(args: argparse.Namespace) -> str | None:
    """The Dask scheduler's address (``--scheduler`` alone implies ``--executor dask``)."""
    if args.executor == "dask" and not args.scheduler:
        raise SurveyError("使用 --executor dask 时需要用 --scheduler 指定 Dask 调度器地址（如 tcp://10.0.0.5:8786）")
    return args.scheduler


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


def _utf8_everywhere(argv: list[str] | None) -> None:
    """Chinese file names and messages whatever the locale: a process whose file-system encoding is not
    UTF-8 (``LC_ALL=POSIX PYTHONUTF8=0``) starts again in Python's UTF-8 mode (its report kernels and
    workers inherit it); standard output and error that cannot encode Chinese (``PYTHONIOENCODING=ascii``)
    write UTF-8."""
    import codecs
    import os

    if argv is None and codecs.lookup(sys.getfilesystemencoding()).name != "utf-8":
        os.environ["PYTHONUTF8"] = "1"
        os.execv(sys.executable, [sys.executable, "-X", "utf8", "-m", "pipeline.cli", *sys.argv[1:]])
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        if codecs.lookup(encoding).name != "utf-8" and hasattr(stream, "reconfigure"):
            try:
                "中".encode(encoding)
            except UnicodeEncodeError:
                stream.reconfigure(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    _utf8_everywhere(argv)
    args = build_parser().parse_args(argv)
    _show_advice()
    from pipeline.run.lock import LockedError

    try:
        check_environment()
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
    """Each command to its implementation (``pipeline.run.commands``, ``pipeline.demo.survey``)."""
    from pipeline.run import commands

    if args.command == "demo":
        from pipeline.demo.survey import run_demo

        return run_demo(args.root, args.seed, args.workers, args.force, _scheduler(args), args.pdf)
    if args.command == "init":
        return commands.init(Path(args.input), args.output, args.force)
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import SurveyPaths, run_survey

    paths = SurveyPaths(args.survey, args.root)
    if args.command == "screenshots":
        return commands.screenshots(paths, args.unit)
    if args.command == "pdf":
        return commands.pdf(paths)
    if args.command == "word":
        return commands.word(paths)
    if args.command == "report":
        return commands.report(paths, args.workers, args.force, _scheduler(args), args.pdf)
    questionnaire = load_questionnaire(args.questionnaire)
    if args.command == "plan":
        return commands.plan(paths, questionnaire, args.population, args.moe, args.deff, args.response_rate)
    if args.command == "ingest":
        return commands.check_inputs(args.input, questionnaire, args.mapping, args.date_order)
    if args.command == "clean":
        return commands.clean(paths, args.input, questionnaire, args.mapping, args.date_order,
                              _scheduler(args))
    if args.command == "analyze":
        return commands.analyze(paths, questionnaire, args.questionnaire, args.population, args.weight_by,
                                args.previous, _scheduler(args))
    counts, results = run_survey(args.input, args.questionnaire, paths, args.workers, args.population,
                                 args.weight_by, force=args.force, scheduler=_scheduler(args),
                                 mapping=args.mapping, date_order=args.date_order, previous=args.previous,
                                 pdf=args.pdf)
    commands.print_counts(counts)
    return commands.print_results(results, paths.reports)


if __name__ == "__main__":
    sys.exit(main())
