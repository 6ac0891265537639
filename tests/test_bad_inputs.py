"""Bad inputs as careless users and hostile respondents send them.

Every case is one row of ``CASES``: how to make the input, the command, the exit code and a fragment of
what the user is told. For every case: the code and the fragment match, no traceback is printed,
nothing is written outside ``--root``, and wherever the run got as far as keeping an audit, the rows
read equal the rows kept plus the rows rejected.
"""

from __future__ import annotations

import codecs
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
import yaml

from pipeline.cli import main
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DEFAULT_UNITS, DemoSpec, generate_responses
from pipeline.questionnaire import load_questionnaire

UNIT = "1、您所在的街道（乡镇）"
COMMUNITY = "2、您所在的社区（村）"
IDENTITY = "3、您的身份"
PROBLEMS = "18、您认为当前基层党建工作中最突出的问题是（最多选3项）"
MEETINGS = "19、过去一年，您参加“三会一课”的次数"
SUGGESTION = "20、您对加强基层党组织建设有哪些意见建议？"
TIME = "提交答卷时间"
TWO = ("东湖街道", "西城街道")


@cache
def _raw(units: tuple[str, ...], n: int, seed: int) -> pd.DataFrame:
    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    spec = DemoSpec(
        units={u: DEFAULT_UNITS.get(u, [f"{u}社区"]) for u in units},
        sizes={u: n for u in units},
        planted={},
        null_unit=None,
        seed=seed,
        speeder_rate=0,
        straightliner_rate=0,
        duplicate_rate=0,
        pii_rate=0,
    )
    return generate_responses(q, spec).astype(str)


class Ctx:
    """One case's sandbox: inputs under ``tmp/in``, the project root at ``tmp/root``."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.inputs, self.root = tmp, tmp / "in", tmp / "root"
        self.inputs.mkdir()
        self.rows = 0

    def raw(self, units: tuple[str, ...] = TWO, n: int = 6, seed: int = 5) -> pd.DataFrame:
        return _raw(units, n, seed).copy()

    def export(self, df: pd.DataFrame | None = None, name: str = "导出.xlsx", **csv) -> Path:
        df = self.raw() if df is None else df
        path = self.inputs / name
        if name.endswith(".csv") or csv:
            df.to_csv(path, index=False, **{"encoding": "utf-8-sig", **csv})
        else:
            df.to_excel(path, index=False)
        self.rows += len(df)
        return path

    def questionnaire(self, edit: Callable[[dict], None], units: list[str] | None = None) -> Path:
        raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
        raw["places"] = str((DEFAULT_QUESTIONNAIRE.parent / raw["places"]).resolve())
        if units is not None:
            raw["profile"][0]["options"] = units
            raw.pop("places")
        edit(raw)
        path = self.inputs / "问卷.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return path

    def hostile_units(self, units: list[str], title: str | None = None) -> list[str]:
        """A run on a questionnaire whose unit names (and title) are hostile."""
        def edit(raw: dict) -> None:
            if title:
                raw["title"] = title

        q = self.questionnaire(edit, units=units)
        df = pd.concat([self.raw(("东湖街道",), n=6, seed=i).assign(**{UNIT: u.replace("\x00", "")})
                        for i, u in enumerate(units)],
                       ignore_index=True)
        df["序号"] = range(1, len(df) + 1)
        return ["run", "-q", str(q), "-i", str(self.export(df, "导出.csv")), "--workers", "2"]


def cmd(*args: str) -> Callable[[Ctx], list[str]]:
    return lambda ctx: list(args)


def with_export(command: str, edit: Callable[[pd.DataFrame], pd.DataFrame | None] | None = None,
                name: str = "导出.xlsx", extra: tuple[str, ...] = (), **csv) -> Callable[[Ctx], list[str]]:
    """``survey <command> -i <export>``, the export edited first."""
    def build(ctx: Ctx) -> list[str]:
        df = ctx.raw() if edit is None else edit(ctx.raw())
        return [command, "-i", str(ctx.export(df, name, **csv)), *extra]

    return build


def cells(**changes) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Set cells: ``cells(**{"3,列名": value})`` (row index, column)."""
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        for key, value in changes.items():
            row, col = key.split(",", 1)
            df.loc[int(row), col] = value
        return df

    return edit


def column(col: str, values) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df[col] = values if not callable(values) else values(df)
        return df

    return edit


def with_questionnaire(command: str, edit: Callable[[dict], None], extra: tuple[str, ...] = ()):
    def build(ctx: Ctx) -> list[str]:
        q = ctx.questionnaire(edit)
        return [command, "-q", str(q), "-i", str(ctx.export()), *extra]

    return build


def raw_file(name: str, data: bytes | Callable[[Ctx], bytes], command: str = "clean"):
    def build(ctx: Ctx) -> list[str]:
        path = ctx.inputs / name
        path.write_bytes(data(ctx) if callable(data) else data)
        return [command, "-i", str(path)]

    return build


def _xlsx_bytes(ctx: Ctx) -> bytes:
    path = ctx.inputs / "_ok.xlsx"
    ctx.raw().to_excel(path, index=False)
    data = path.read_bytes()
    path.unlink()
    return data


def _encrypted(ctx: Ctx) -> bytes:
    """An OLE2 container holding an EncryptionInfo stream, as Office writes password-protected workbooks."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 512
    )


def _title_row(ctx: Ctx) -> list[str]:
    df = ctx.raw()
    path = ctx.inputs / "带标题.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame([["示范区基层党组织建设情况调查 数据导出"], [""]]).to_excel(
            xw, index=False, header=False
        )
        df.to_excel(xw, index=False, startrow=2)
    ctx.rows += len(df)
    return ["ingest", "-i", str(path)]


def _cover_sheet(ctx: Ctx) -> list[str]:
    df = ctx.raw()
    path = ctx.inputs / "封面.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"说明": ["本文件由问卷星导出", "共两个工作表"]}).to_excel(
            xw, sheet_name="封面", index=False
        )
        df.to_excel(xw, sheet_name="数据", index=False)
    ctx.rows += len(df)
    return ["clean", "-i", str(path)]


def _big5(ctx: Ctx) -> list[str]:
    import opencc

    cc = opencc.OpenCC("s2tw")  # Taiwan standard forms: all in Big5
    df = ctx.raw().assign(**{PROBLEMS: lambda d: d[PROBLEMS].str.split("┋").str[0]})  # "┋" is not in Big5
    df = df.map(cc.convert).rename(columns=cc.convert)
    path = ctx.inputs / "big5.csv"
    path.write_bytes(df.to_csv(index=False).encode("big5", errors="strict"))
    ctx.rows += len(df)
    return ["clean", "-i", str(path)]


def _utf16_tab(ctx: Ctx) -> list[str]:
    path = ctx.inputs / "unicode文本.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + ctx.raw().to_csv(index=False, sep="\t").encode("utf-16-le"))
    ctx.rows += 12
    return ["clean", "-i", str(path)]


def _days(values: list[str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return column(TIME, lambda df: [values[i % len(values)] + " 09:00:00" for i in range(len(df))])


def _population(ctx: Ctx, rows: list[tuple[str, str, int]] | None, by: str = "identity") -> list[str]:
    pop = ctx.inputs / "人口.csv"
    if rows is not None:
        pd.DataFrame(rows, columns=["unit", "identity", "population"]).to_csv(pop, index=False)
    export = ctx.export()
    assert main(["clean", "-i", str(export), "--root", str(ctx.root), "--survey", "s"]) == 0
    return ["analyze", "--population", str(pop), "--weight-by", by]


def _all_rejected(df: pd.DataFrame) -> pd.DataFrame:
    df[UNIT] = "(空)"
    return df


def _empty_folder(ctx: Ctx) -> list[str]:
    (ctx.inputs / "空文件夹").mkdir()
    return ["clean", "-i", str(ctx.inputs / "空文件夹")]


def _folder(ctx: Ctx) -> list[str]:
    ctx.export(name="a.xlsx")
    ctx.export(ctx.raw(seed=6).assign(序号=lambda d: d["序号"].astype(int) + 100), name="b.csv")
    return ["clean", "-i", str(ctx.inputs)]


def _relative_root(ctx: Ctx) -> list[str]:
    os.chdir(ctx.tmp)
    args = ["run", "-i", str(ctx.export(ctx.raw(("东湖街道",)))), "--workers", "2"]  # two reports suffice
    return [*args, "--root", "root"]


def _lock_held(ctx: Ctx) -> list[str]:
    from pipeline.run.stages import SurveyPaths

    lock = SurveyPaths("s", ctx.root).lock()
    lock.__enter__()
    ctx.release = lambda: lock.__exit__(None, None, None)
    return ["clean", "-i", str(ctx.export())]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Ctx], list[str]]
    code: int
    says: str
    root_args: bool = True  # add --root and --survey (off where the case sets its own)


OK, BAD, LOCKED = 0, 2, 4
CASES = [
    # --- names that are paths ----------------------------------------------------------------------
    Case(
        "survey name climbing out",
        cmd("analyze", "--survey", "../../x"),
        BAD,
        "调查名称“../../x”不能包含路径符号",
        False,
    ),
    Case("survey name absolute", cmd("analyze", "--survey", "/tmp/x"), BAD, "不能包含路径符号", False),
    Case("survey name with a slash", cmd("analyze", "--survey", "a/b"), BAD, "不能包含路径符号", False),
    Case("survey name dots", cmd("analyze", "--survey", ".."), BAD, "调查名称“..”", False),
    Case("survey name empty", cmd("analyze", "--survey", ""), BAD, "不能用作文件名", False),
    Case(
        "survey name zero-width", cmd("analyze", "--survey", "2026\u200b年度"), BAD, "2026[U+200B]年度", False
    ),
    Case("survey name too long", cmd("analyze", "--survey", "年" * 200), BAD, "不能超过60个字", False),
    Case(  # one run for every name that must still become a report of its own (each run costs seconds)
        "unit names that climb out, of 200 characters, formulas; a formula title",
        lambda c: c.hostile_units(["../../../../pwn", "东湖/西湖街道", "长" * 200, "=cmd|' /C calc'!A0"],
                                  title='../../=HYPERLINK("http://x")'),
        OK,
        "新生成 5 份",
    ),
    Case(
        "unit name with NUL",
        lambda c: c.hostile_units(["东湖\x00街道", "西城街道"]),
        BAD,
        "东湖[U+0000]街道”含有控制字符",
    ),
    Case("unit name dots only", lambda c: c.hostile_units(["..", "西城街道"]), BAD, "“..”不能用作文件名"),
    Case("unit named index", lambda c: c.hostile_units(["index", "西城街道"]), BAD, "不能叫“index”"),
    Case(
        "unit named like the district", lambda c: c.hostile_units(["全区", "西城街道"]), BAD, "不能叫“全区”"
    ),
    Case(
        "units alike as file names",
        lambda c: c.hostile_units(["东湖/街道", "东湖_街道"]),
        BAD,
        "作为文件名时相同",
    ),
    Case("relative root", _relative_root, OK, "新生成 2 份", False),
    # --- the command line --------------------------------------------------------------------------
    Case("workers negative", cmd("report", "--workers", "-1"), BAD, "参数 --workers：应为正整数"),
    Case("workers zero", cmd("report", "--workers", "0"), BAD, "应为正整数"),
    Case("workers not a number", cmd("report", "--workers", "两个"), BAD, "应为正整数，收到“两个”"),
    Case("unknown command", cmd("analyse"), BAD, "命令 的取值“analyse”无效", False),
    Case("run without input", cmd("run"), BAD, "缺少必需的参数：--input/-i"),
    Case("unrecognised option", cmd("report", "--fast"), BAD, "不认识的参数：--fast"),
    Case(
        "bad date order",
        cmd("clean", "-i", "x.xlsx", "--date-order", "ymd"),
        BAD,
        "参数 --date-order 的取值“ymd”无效",
    ),
    Case("dask without scheduler", cmd("report", "--executor", "dask"), BAD, "需要用 --scheduler"),
    Case("analyze before clean", cmd("analyze"), BAD, "请先运行 survey clean"),
    Case("report before analyze", cmd("report"), BAD, "请先运行 survey analyze"),
    Case("input missing", cmd("clean", "-i", "不存在.xlsx"), BAD, "不存在.xlsx”：导出文件不存在"),
    Case("input an empty folder", _empty_folder, BAD, "文件夹中没有导出文件"),
    Case("input a folder", _folder, OK, "共 24 份"),
    Case("lock held by another run", _lock_held, LOCKED, "本次运行直接退出"),
    Case("questionnaire missing", cmd("clean", "-q", "无.yaml", "-i", "x.xlsx"), BAD, "问卷定义文件不存在"),
    Case(
        "questionnaire broken YAML",
        lambda c: ["clean", "-q", str(_write(c, "q.yaml", b"id: [x")), "-i", "x"],
        BAD,
        "YAML 格式错误",
    ),
    Case(
        "mapping file broken",
        lambda c: ["clean", "-i", str(c.export()), "-m", str(_write(c, "m.yaml", b"a: [b"))],
        BAD,
        "列对应文件无法解析",
    ),
    Case(
        "mapping to an unknown id",
        lambda c: ["clean", "-i", str(c.export()), "-m", str(_write(c, "m.yaml", b"x: nosuch"))],
        BAD,
        "不存在的题目id",
    ),
    # --- files that are not what their name says ---------------------------------------------------
    Case("empty file", raw_file("空.csv", b""), BAD, "文件是空的"),
    Case("header only", with_export("clean", lambda d: d.head(0)), BAD, "只有表头"),
    Case("text named xlsx", raw_file("假.xlsx", "随便写的一段话".encode()), BAD, "内容不是Excel表格"),
    Case(
        "csv named xlsx",
        lambda c: ["clean", "-i", str(c.export(name="实为csv.xlsx", encoding="utf-8"))],
        OK,
        "共 12 份",
    ),
    Case("truncated xlsx", raw_file("截断.xlsx", lambda c: _xlsx_bytes(c)[:700]), BAD, "已损坏或不完整"),
    Case("encrypted xlsx", raw_file("加密.xlsx", _encrypted), BAD, "设置了打开密码"),
    Case("a picture named xlsx", raw_file("图片.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), BAD, "已损坏"),
    Case(
        "web page named xls",
        raw_file("网页.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        BAD,
        "这是网页文件（HTML）",
    ),
    Case("zip that is not a workbook", raw_file("压缩.xlsx", lambda c: _zip()), BAD, "文件无法读取"),
    Case(
        "unknown separator",
        raw_file("井号.csv", "序号#单位\n1#东湖街道\n2#西城街道\n".encode()),
        BAD,
        "无法判断列的分隔符",
    ),
    Case(
        "pipe separated", lambda c: ["clean", "-i", str(c.export(name="竖线.csv", sep="|"))], OK, "共 12 份"
    ),
    Case("title row above the header", _title_row, OK, "表头在第3行"),
    Case("cover sheet first", _cover_sheet, OK, "共 12 份"),
    Case("Big5 CSV", _big5, OK, "共 12 份"),
    Case("UTF-16 tab-separated text", _utf16_tab, OK, "共 12 份"),
    Case(
        "another survey's export",
        with_export("clean", lambda d: d.set_axis([f"Q{i}" for i in range(d.shape[1])], axis=1)),
        BAD,
        "表头与问卷定义几乎对不上",
    ),
    Case(
        "BOM and zero-width in headers and cells",
        with_export(
            "clean", lambda d: d.assign(**{UNIT: d[UNIT] + "\u200b"}).rename(columns={UNIT: "\ufeff" + UNIT})
        ),
        OK,
        "共 12 份",
    ),
    Case(
        "the same header twice",
        with_export("clean", lambda d: d.rename(columns={"4、您的性别": "3、您的身份"})),
        BAD,
        "表头“3、您的身份”出现了2次",
    ),
    # --- answers -----------------------------------------------------------------------------------
    Case(
        "unknown unit",
        with_export("clean", cells(**{f"2,{UNIT}": "东湖镇\u200b"})),
        BAD,
        "不认识的街道（乡镇）“东湖镇”",
    ),
    Case(
        "unknown option",
        with_export("clean", cells(**{"3,4、您的性别": "未知"})),
        BAD,
        "第5行，列“4、您的性别”",
    ),
    Case(
        "unknown community",
        with_export("clean", cells(**{f"1,{COMMUNITY}": "火星社区"})),
        BAD,
        "不认识的社区（村）“火星社区”",
    ),
    Case("duplicated serial number", with_export("clean", cells(**{"3,序号": "1"})), BAD, "序号“1”重复出现"),
    Case(
        "unreadable time",
        with_export("clean", cells(**{f"2,{TIME}": "2026/13/45 9:00"})),
        BAD,
        "提交时间“2026/13/45 9:00”无法识别",
    ),
    Case(
        "unreadable duration",
        with_export("clean", cells(**{"2,所用时间": "abc秒"})),
        BAD,
        "答题用时“abc秒”无法识别",
    ),
    Case(
        "negative duration",
        with_export("clean", cells(**{"2,所用时间": "-5秒"})),
        BAD,
        "答题用时“-5秒”无法识别",
    ),
    Case(
        "unknown choice in a multi-select",
        with_export("clean", cells(**{f"1,{PROBLEMS}": "都有问题"})),
        BAD,
        "无法识别的答案“都有问题”",
    ),
    Case(
        "more choices than allowed",
        with_export(
            "clean",
            cells(
                **{f"0,{PROBLEMS}": "组织生活流于形式┋党员教育管理方式单一┋服务群众能力不强┋信息化平台不好用"}
            ),
        ),
        OK,
        "保留 11 份，剔除 1 份",
    ),
    Case(
        "every row without a unit",
        with_export("clean", _all_rejected),
        BAD,
        "全部12份答卷都未通过清洗规则（未填所在单位12份）",
    ),
    Case(
        "a phone typed as a number",
        with_export("clean", column(MEETINGS, "13912345678")),
        BAD,
        "全部12份答卷都未通过清洗规则（答案不合规12份）",
    ),
    Case("day first dates", with_export("clean", _days(["13/09/2026", "01/09/2026"])), OK, "共 12 份"),
    Case("month first dates", with_export("clean", _days(["09/13/2026", "09/01/2026"])), OK, "共 12 份"),
    Case(
        "ambiguous day and month",
        with_export("clean", _days(["01/09/2026", "02/09/2026"])),
        BAD,
        "--date-order dmy",
    ),
    Case(
        "ambiguous day and month, order given",
        with_export("clean", _days(["01/09/2026"]), extra=("--date-order", "dmy")),
        OK,
        "共 12 份",
    ),
    Case(
        "day and month in both orders",
        with_export("clean", _days(["13/09/2026", "09/13/2026"])),
        BAD,
        "日、月顺序前后不一致",
    ),
    # --- questionnaires that would misread silently ------------------------------------------------
    Case(
        "attention check expecting a non-option",
        with_questionnaire(
            "clean", lambda r: r.update(attention_checks=[{"question": "resp_1", "expected": "完全同意"}])
        ),
        BAD,
        "正确答案“完全同意”不是题目“resp_1”的选项",
    ),
    Case(
        "reverse outside a dimension",
        with_questionnaire("clean", lambda r: r["outcomes"][0].update(reverse=True)),
        BAD,
        "反向计分只用于 dimensions 下的量表题",
    ),
    Case(
        "max_choices on a single choice",
        with_questionnaire("clean", lambda r: r["profile"][2].update(max_choices=2)),
        BAD,
        "max_choices 应为多选题",
    ),
    Case(
        "min above max",
        with_questionnaire("clean", lambda r: r["outcomes"][2].update(min=10, max=1)),
        BAD,
        "min 大于 max",
    ),
    Case(
        "population missing a cell",
        lambda c: _population(c, [("东湖街道", "党员", 500)]),
        BAD,
        "人口结构表缺少以下单位和类别的人数",
    ),
    Case("population table missing", lambda c: _population(c, None), BAD, "人口结构表不存在"),
    Case(
        "weighting by an unknown question",
        lambda c: _population(c, [("东湖街道", "党员", 5)], by="role"),
        BAD,
        "--weight-by 指定问卷中的一道单选题（可用：identity、gender、age、education、party_years），"
        "当前为“role”",
    ),
]


def _write(ctx: Ctx, name: str, data: bytes) -> Path:
    path = ctx.inputs / name
    path.write_bytes(data)
    return path


def _zip() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是工作簿")
    return buf.getvalue()


def _files(base: Path) -> set[Path]:
    return {p for p in base.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path.parent / "mpl"))
    ctx = Ctx(tmp_path)
    argv = case.build(ctx)
    if case.root_args:
        argv += ["--root", str(ctx.root), "--survey", "s"]
    before = _files(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    finally:
        getattr(ctx, "release", lambda: None)()
    out = capsys.readouterr()
    said = out.out + out.err
    assert code == case.code, said
    assert case.says in said, said
    assert "Traceback" not in said
    written = _files(tmp_path) - before
    outside = [p for p in written if ctx.root not in p.parents and ctx.inputs not in p.parents]
    assert not outside, outside
    assert not list(tmp_path.parent.parent.rglob("pwn*")), "a name escaped its directory"
    for index in ctx.root.rglob("index.html"):  # every link of an index opens a file beside it
        for href in re.findall(r'href="([^"]+)"', index.read_text(encoding="utf-8")):
            assert (index.parent / unquote(href)).is_file(), href
    audit_path = ctx.root / "data" / "interim" / "s" / "audit.parquet"
    if audit_path.exists():
        audit = pd.read_parquet(audit_path)
        kept = pd.read_parquet(audit_path.with_name("responses.parquet"))
        assert len(audit) == ctx.rows == len(kept) + int((audit["status"] == "剔除").sum())


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60 and len({c.name for c in CASES}) == len(CASES)
