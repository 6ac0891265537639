"""Integrity under hostile and unlucky input: nothing unbounded, nothing hanging.

Each attack is built here, from the tests' own files, and run as a user runs it: the ``survey`` command in a
subprocess, its exit code, what it said, how long it took and (measured by ``resource`` in a wrapper
process) how much memory its largest process used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.limits import MAX_CELL_CHARS
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, generate_responses
from pipeline.questionnaire import load_questionnaire

SUGGESTION = "20、您对加强基层党组织建设有哪些意见建议？"
UNIT = "1、您所在的街道（乡镇）"
SURVEY = [str(Path(sys.executable).with_name("survey"))]
GB = 1 << 30


def _export(n: int = 40, seed: int = 3) -> pd.DataFrame:
    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    units = {"东湖街道": ["东湖社区", "湖滨社区"], "西城街道": ["西门社区", "城西社区"]}
    spec = DemoSpec(units=units, sizes=dict.fromkeys(units, n), planted={}, null_unit=None, seed=seed,
                    speeder_rate=0, straightliner_rate=0, duplicate_rate=0, pii_rate=0)
    return generate_responses(q, spec)


def survey(args: list[str], timeout: float = 300) -> tuple[int, str, float, int]:
    """Run ``survey args`` in a fresh wrapper process: exit code, what it printed, seconds, and the peak
    resident memory (bytes) of the largest process it started."""
    wrapper = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'code': p.returncode, 'out': p.stdout + p.stderr, 'peak': peak}))\n"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, *SURVEY, *args], capture_output=True, text=True,
                          timeout=timeout)
    result = json.loads(proc.stdout)
    return result["code"], result["out"], time.perf_counter() - start, result["peak"]


def _one_unit(df: pd.DataFrame) -> pd.DataFrame:
    """One unit's rows: a run then makes two reports (the unit's and the overview), which is all a test of
    the run as a whole needs."""
    return df[df[UNIT] == "东湖街道"].reset_index(drop=True)


def _run_args(tmp_path: Path, export: Path, *extra: str) -> list[str]:
    return ["run", "-q", str(DEFAULT_QUESTIONNAIRE), "-i", str(export), "-s", "s", "--root",
            str(tmp_path / "root"), "--workers", "2", *extra]


def test_a_five_megabyte_answer_is_cut_and_memory_stays_bounded(tmp_path):
    df = _one_unit(_export())
    df.loc[df.index[3], SUGGESTION] = "建议减少填表" * 850_000  # 5.1 million characters
    export = tmp_path / "长答案.csv"
    df.to_csv(export, index=False, encoding="utf-8-sig")
    code, out, _, peak = survey(_run_args(tmp_path, export))
    assert code == 0, out
    assert peak < GB, f"peak {peak / 2**20:.0f} MB"
    audit = pd.read_parquet(tmp_path / "root/data/interim/s/audit.parquet")
    hint = audit.loc[audit["row"] == 5, "hint"].iloc[0]
    assert f"答案过长（5100000字），只保留前{MAX_CELL_CHARS}字" in hint
    kept = pd.read_parquet(tmp_path / "root/data/interim/s/responses.parquet")
    assert kept["suggestion"].str.len().max() == MAX_CELL_CHARS


def test_a_half_megabyte_answer_is_read(tmp_path):
    df = _export()
    df.loc[df.index[0], SUGGESTION] = "长" * 500_000
    export = tmp_path / "半兆.csv"
    df.to_csv(export, index=False, encoding="utf-8-sig")
    code, out, _, _ = survey(["clean", "-q", str(DEFAULT_QUESTIONNAIRE), "-i", str(export), "-s", "s",
                              "--root", str(tmp_path / "root")])
    assert code == 0, out
    assert "无法读取" not in out


def test_a_five_megabyte_unit_name_is_not_echoed_whole(tmp_path):
    df = _export()
    df.loc[df.index[2], UNIT] = "东湖街道" * 1_300_000
    export = tmp_path / "长名称.csv"
    df.to_csv(export, index=False, encoding="utf-8-sig")
    code, out, _, peak = survey(_run_args(tmp_path, export))
    assert code == 2
    assert "不认识的街道（乡镇）" in out and "…（共10000字）" in out  # cut on reading, clipped in the message
    assert len(out) < 2000 and peak < GB


def _zip_bomb(target: Path, unpacked_mb: int) -> None:
    """An xlsx of a few MB whose one sheet unpacks to ``unpacked_mb`` megabytes of rows."""
    cell = b'<row r="2"><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
                   'org/package/2006/content-types"/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            block = cell * 1000
            for _ in range(unpacked_mb):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    export = tmp_path / "炸弹.xlsx"
    _zip_bomb(export, 1024)
    assert export.stat().st_size < 8 << 20
    code, out, seconds, peak = survey(_run_args(tmp_path, export))
    assert code == 2 and "压缩炸弹" in out and "Traceback" not in out
    assert peak < GB, f"peak {peak / 2**20:.0f} MB"
    assert not (tmp_path / "root" / "data").exists()


def test_a_fifo_is_refused_at_once_and_leaves_the_lock_free(tmp_path):
    fifo = tmp_path / "管道.csv"
    os.mkfifo(fifo)
    code, out, seconds, _ = survey(_run_args(tmp_path, fifo), timeout=60)
    assert code == 2 and "不是普通文件" in out and seconds < 10
    lock = tmp_path / "root/reports/s/.lock"
    assert not lock.exists()  # nothing was left behind, so nothing holds the survey
    questionnaire = tmp_path / "问卷.yaml"
    os.mkfifo(questionnaire)
    code, out, seconds, _ = survey(["run", "-q", str(questionnaire), "-i", str(tmp_path), "-s", "s",
                                    "--root", str(tmp_path / "root")], timeout=60)
    assert code == 2 and "不是普通文件" in out and seconds < 10


def test_a_yaml_alias_bomb_is_refused_within_seconds(tmp_path):
    lines = ['a: &a ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "炸弹.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert bomb.stat().st_size < 1024
    export = tmp_path / "x.csv"
    _export(n=6).to_csv(export, index=False)
    code, out, seconds, _ = survey(["run", "-q", str(bomb), "-i", str(export), "-s", "s",
                                    "--root", str(tmp_path / "root")], timeout=60)
    assert code == 2 and "YAML 别名" in out and seconds < 10
    mapping = tmp_path / "对应.yaml"
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, seconds, _ = survey(["clean", "-q", str(DEFAULT_QUESTIONNAIRE), "-i", str(export), "-m",
                                    str(mapping), "-s", "s", "--root", str(tmp_path / "root")], timeout=60)
    assert code == 2 and "YAML 别名" in out and seconds < 10


def test_a_self_referencing_yaml_alias_is_one_sentence(tmp_path):
    loop = tmp_path / "循环.yaml"
    loop.write_text("a: &a [1, *a]\n", encoding="utf-8")
    code, out, _, _ = survey(["ingest", "-q", str(loop), "-i", str(tmp_path)], timeout=60)
    assert code == 2 and "循环引用" in out and "Traceback" not in out


@pytest.fixture(autouse=True)
def _no_stray_lock(tmp_path):
    yield
    assert not list((tmp_path / "root").glob("reports/*/.lock.*"))


# ---- two configured names never merge ----------------------------------------------------------------

BASES = ["东湖", "西城", "東湖", "东 湖", "东湖A", "东湖Ａ", "东湖/", "东湖1", "东湖１"]
SUFFIXES = ["街道", "街道办事处", "镇", "乡人民政府", "", "（街道）", "街道 ", "镇政府"]


def _unit_names():
    from hypothesis import strategies as st

    return st.builds(lambda b, s: (b + s).strip() or b, st.sampled_from(BASES), st.sampled_from(SUFFIXES))


def _questionnaire_with_units(units: list[str]):
    import yaml

    from pipeline.questionnaire import Questionnaire

    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw.pop("places")
    raw["profile"][0]["options"] = units
    return Questionnaire.model_validate(raw)


def _coded_units(q, typed: list[str]) -> list[str | None]:
    import numpy as np

    from pipeline.ingest.answers import Source, code_choice

    unit = q.unit_question
    codes = code_choice(pd.Series(typed, dtype=object), unit, Source("x.csv", np.arange(2, len(typed) + 2)),
                        "单位")
    return [None if pd.isna(c) else unit.options[int(c) - 1] for c in codes]


def test_two_configured_unit_names_never_share_rows():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from pydantic import ValidationError

    from pipeline.common.errors import SurveyError

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(a=_unit_names(), b=_unit_names(), variant=st.sampled_from(["", "办事处", " ", "。"]))
    def check(a: str, b: str, variant: str) -> None:
        if a == b:
            return
        try:
            q = _questionnaire_with_units([a, b, "西城乡"])
        except (ValidationError, SurveyError) as exc:
            assert "无法区分" in str(exc) or "文件名时相同" in str(exc)
            return
        assert _coded_units(q, [a, b, a, b]) == [a, b, a, b]  # every row typed exactly stays with its unit
        try:  # a variant of a's name goes to a, or is refused: never to b
            got = _coded_units(q, [a + variant])
        except SurveyError:
            return
        assert got == [a], (a, b, variant, got)

    check()


def test_units_that_differ_by_width_or_a_slash_are_refused_when_the_questionnaire_loads(tmp_path):
    import yaml

    for pair in (["东湖街道A", "东湖街道Ａ"], ["东湖/街道", "东湖街道"]):
        raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
        raw.pop("places")
        raw["profile"][0]["options"] = [*pair, "西城街道"]
        q = tmp_path / "两个东湖.yaml"
        q.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        export = tmp_path / "x.csv"
        df = _export(n=8)
        df[UNIT] = [pair[i % 2] for i in range(len(df))]
        df.to_csv(export, index=False)
        code, out, _, _ = survey(["run", "-q", str(q), "-i", str(export), "-s", "s", "--root",
                                  str(tmp_path / "root"), "--workers", "1"])
        assert code == 2 and pair[0] in out and pair[1] in out and "无法区分" in out, out
        assert not (tmp_path / "root" / "data").exists()


def test_communities_that_match_alike_are_refused(tmp_path):
    import yaml

    places = tmp_path / "places.csv"
    rows = ["unit,community", "东湖街道,桂园社区", "东湖街道,桂园居委会", "西城街道,西门社区"]
    places.write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw["places"] = str(places)
    q = tmp_path / "q.yaml"
    q.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    export = tmp_path / "x.csv"
    _export(n=6).to_csv(export, index=False)
    code, out, _, _ = survey(["clean", "-q", str(q), "-i", str(export), "-s", "s", "--root",
                              str(tmp_path / "root")])
    assert code == 2 and "地名参考表" in out and "桂园社区" in out and "桂园居委会" in out, out


# ---- no withheld figure can be worked back by subtraction --------------------------------------------

def _differencing_survey():
    """Three units of 60, one of 3 respondents (all leaving suggestions), one unit whose respondents mostly
    skipped one dimension, and a few rare identities: every kind of small cell, beside shown totals."""
    from pipeline.analyze.tables import analyze
    from pipeline.clean import audit_counts, clean
    from pipeline.ingest import ingest_frame

    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    units = {"东湖街道": ["东湖社区", "湖滨社区"], "西城街道": ["西门社区", "城西社区"],
             "南苑街道": ["南苑社区", "花园社区"], "石桥乡": ["石桥村", "上石村"]}
    sizes = {"东湖街道": 60, "西城街道": 60, "南苑街道": 60, "石桥乡": 3}
    spec = DemoSpec(units=units, sizes=sizes, planted={}, null_unit=None, concentrated={}, seed=11,
                    speeder_rate=0, straightliner_rate=0, duplicate_rate=0, pii_rate=0)
    raw = generate_responses(q, spec)
    small = raw.index[raw[UNIT] == "石桥乡"]
    raw.loc[small, SUGGESTION] = ["希望减少填表", "多开展活动", "改善场地"]
    south = raw.index[raw[UNIT] == "南苑街道"]
    digital = [c for c in raw.columns if c.startswith(f"{q.dimensions[-1].number}、")]
    raw.loc[south[3:], digital] = "(跳过)"  # only 3 of 南苑街道's answers on the last dimension
    identity = next(c for c in raw.columns if c.startswith("3、"))
    raw.loc[raw.index[raw[UNIT] == "东湖街道"][:2], identity] = q.by_id["identity"].options[-1]
    raw = raw.astype(str)
    res = clean(ingest_frame(raw, q, "x.xlsx").frame, q)
    assert (res.kept["unit"] == "石桥乡").sum() == 3 and (res.kept["unit"] == "南苑街道").sum() == 60
    return analyze(res.kept, audit_counts(res.audit), q), q


def _left_over(total: float, shown: pd.Series, hidden_parts: int) -> None:
    """What a reader can work out of a total and its shown parts: nothing, or a sum over at least two
    withheld parts of at least MIN_CELL respondents (a withheld total gives nothing away)."""
    if pd.isna(total):
        return
    rest = float(total) - float(shown.sum())
    assert abs(rest) < 1e-9 or (rest >= 5 and hidden_parts >= 2), (total, shown.tolist(), hidden_parts)


def test_no_withheld_figure_is_the_difference_of_shown_ones():
    a, q = _differencing_survey()
    units = a.units.set_index("unit")
    district = a.district.iloc[0]
    shown_units = units.loc[~units["suppressed"] & units["satisfaction_n"].notna()]
    # the area's satisfaction and suggestions against the units' (the small unit is not in the area's)
    _left_over(district["satisfaction_n"], shown_units["satisfaction_n"], 0)
    _left_over(district["satisfaction_count"], shown_units["satisfaction_count"], 0)
    _left_over(district["suggestions"], units["suggestions"].dropna(), 0)
    assert units.loc["石桥乡", "suggestions"] is pd.NA or pd.isna(units.loc["石桥乡", "suggestions"])
    # every dimension: the respondents behind the area's mean against those behind the units' shown means
    for dd_name, part, key in (("district_dimensions", a.unit_dimensions, "dimension"),):
        dd = getattr(a, dd_name).set_index(key)
        for k, g in part.groupby(key):
            _left_over(dd.loc[k, "n"], g["n"][~g["suppressed"]], int(g["suppressed"].sum()))
    hidden_dims = a.unit_dimensions.loc[a.unit_dimensions["suppressed"]]
    assert len(hidden_dims) == 2 and "南苑街道" in set(hidden_dims["unit"])  # and one complementary unit
    assert hidden_dims["dimension"].nunique() == 1
    # counts: each unit's options add up to its respondents; each option's units add up to the area's
    for table, relations in ((a.composition, (["unit", "question"], ["question", "option"])),
                             (a.problems, (["question", "option"],))):
        parts = table.loc[table["unit"] != "全区"]
        whole = table.loc[table["unit"] == "全区"].set_index(["question", "option"])
        for keys in relations:
            for k, g in (parts if keys == ["question", "option"] else table).groupby(keys):
                total = whole.loc[k, "count"] if keys == ["question", "option"] else g["n"].iloc[0]
                _left_over(total, g["count"].dropna(), int(g["suppressed"].sum()))
    assert a.composition["suppressed"].any()  # the rare identity is withheld, and a second cell with it
    themes = a.themes.loc[a.themes["unit"] != "全区"]
    for theme, total in a.themes.loc[a.themes["unit"] == "全区"].set_index("theme")["count"].items():
        shown = themes.loc[themes["theme"] == theme, "count"]
        rest = total - shown.sum()
        assert rest == 0 or rest >= 5, (theme, total, shown.tolist())


def test_the_overview_says_which_units_are_left_out():
    from said import said

    from pipeline.findings import build_findings, district_findings

    a, q = _differencing_survey()
    text = "".join(said(district_findings(a, q), q)["basic"])
    assert "石桥乡的有效问卷不足5份（共3份）" in text and "不计入全区" in text and "（不含上述单位）" in text
    own = build_findings("石桥乡", a, q)
    for section in ("basic", "suggestions"):
        text = "".join(said(own, q)[section])
        assert "不予显示" in text and "未征集到" not in text and "0条" not in text, text


# ---- the ingest cache keeps no personal data -----------------------------------------------------------

def _every_value_as_text(path: Path) -> pd.Series:
    from pipeline.common.privacy import as_number_text

    df = pd.read_parquet(path)
    parts = [as_number_text(df[c]) if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(
        df[c]) else df[c].astype("string") for c in df.columns]
    return pd.concat(parts, ignore_index=True).dropna() if parts else pd.Series(dtype="string")


def test_no_phone_number_is_kept_anywhere_the_clean_stage_writes(tmp_path):
    import yaml

    from pipeline.common.privacy import holds_personal_data

    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw["places"] = str((DEFAULT_QUESTIONNAIRE.parent / raw["places"]).resolve())
    meetings = next(q for q in raw["outcomes"] if q["id"] == "meetings")
    meetings.pop("max")  # a number question with no upper bound: a phone number is "in range"
    q = tmp_path / "q.yaml"
    q.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    df = _export(n=20).astype(str)
    members = df.index[df["3、您的身份"] == "党员"]
    meetings = "19、过去一年，您参加“三会一课”的次数"
    df.loc[members[:3], meetings] = ["13812345678", "139 1234 5678", "1.3712345678E10"]
    others = df.index.difference(members[:3])
    df.loc[others[0], "所用时间"] = "13612345678秒"
    df.loc[others[1], "所用时间"] = "110101199003071234"
    export = tmp_path / "x.csv"
    df.to_csv(export, index=False)
    code, out, _, _ = survey(["clean", "-q", str(q), "-i", str(export), "-s", "s", "--root",
                              str(tmp_path / "root")])
    assert code == 0, out
    interim = tmp_path / "root/data/interim/s"
    files = list(interim.rglob("*.parquet"))
    assert any(p.parent.name == "ingested" for p in files)
    for path in files:
        values = _every_value_as_text(path)
        found = holds_personal_data(values)
        assert not found.any(), (path.name, values[found].tolist())
        for digits in ("13812345678", "12345678", "13712345678", "13612345678", "110101199003071234"):
            assert not values.str.contains(digits, regex=False).any(), (path.name, digits)
    audit = pd.read_parquet(interim / "audit.parquet")
    assert (audit["detail"].str.contains("疑似电话").fillna(False)).sum() == 5


# ---- --previous names a survey that can be compared -----------------------------------------------------

def test_previous_refuses_the_survey_itself_and_one_with_nothing_in_common(tmp_path):
    from pipeline.demo import plain_spec

    export = tmp_path / "x.csv"
    _export(n=8).to_csv(export, index=False)
    root = str(tmp_path / "root")

    def analysed(q: Path, data: Path, name: str) -> None:  # an earlier wave needs no reports
        from pipeline.cli import main

        for step in (["clean", "-i", str(data)], ["analyze"]):
            assert main([*step, "-q", str(q), "-s", name, "--root", root]) == 0

    analysed(DEFAULT_QUESTIONNAIRE, export, "本次")
    from pipeline.common.errors import SurveyError
    from pipeline.run.stages import SurveyPaths, stage_analyze

    with pytest.raises(SurveyError, match="不能和自己比较"):
        stage_analyze(load_questionnaire(DEFAULT_QUESTIONNAIRE), SurveyPaths("本次", Path(root)),
                      DEFAULT_QUESTIONNAIRE, previous=["本次"])
    other = Path(__file__).parent / "questionnaires" / "cunwu_4pt_paper.yaml"
    q = load_questionnaire(other)
    other_export = tmp_path / "村务.xlsx"
    generate_responses(q, plain_spec(q, sizes=dict.fromkeys(q.unit_question.options, 8), seed=3)).to_excel(
        other_export, index=False)
    analysed(other, other_export, "村务")
    before = sorted((tmp_path / "root").rglob("*"))
    code, out, _, _ = survey(["run", "-q", str(DEFAULT_QUESTIONNAIRE), "-i", str(export), "-s", "本次",
                              "--root", root, "--previous", "村务", "--force"])
    assert code == 2 and "没有一道相同的量表题" in out, out
    assert sorted((tmp_path / "root").rglob("*")) == before  # refused before any work


# ---- a full disk undoes the run as a whole -----------------------------------------------------------

def _snapshot(root: Path) -> dict[str, str]:
    """Every result file under ``root`` by content (logs and the lock are not results)."""
    import hashlib

    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".log" and p.name != ".lock"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _mount_tmpfs(where: Path, megabytes: int) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)],
                          capture_output=True)
    return proc.returncode == 0


def _tree_size(root: Path) -> int:
    return sum(-(-p.stat().st_size // 4096) * 4096 for p in root.rglob("*") if p.is_file())


def test_a_full_disk_leaves_the_previous_data_reports_and_index(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    root = tmp_path / "root"
    mounted = _mount_tmpfs(root, 64)
    try:
        export = tmp_path / "x.csv"
        _one_unit(_export(n=20)).to_csv(export, index=False)
        args = _run_args(tmp_path, export)
        assert main(args) == 0
        before = _snapshot(root)
        _one_unit(_export(n=20, seed=4)).to_csv(export, index=False)  # new answers: everything is made again
        capsys.readouterr()
        if mounted:  # leave room for the new data but not for the new reports beside the old ones
            data = _tree_size(root / "data")
            free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
            room = data + _tree_size(root / "reports") // 3
            (root / "filler").write_bytes(b"\0" * max(0, free - room))
            code = main(args)
            (root / "filler").unlink()
        else:  # no tmpfs here: the second report written finds the disk full
            import errno

            from pipeline.run import execute

            real, calls = execute.write_text, []

            def full(path, text):
                calls.append(path)
                if str(path).endswith(".html") and len(calls) > 3:
                    raise OSError(errno.ENOSPC, "No space left on device", str(path))
                return real(path, text)

            monkeypatch.setattr(execute, "write_text", full)
            code = main(args)
        out = capsys.readouterr().err
        assert code == 2, out
        assert "磁盘空间不足" in out and "reports" in out and "Traceback" not in out, out
        assert _snapshot(root) == before
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(root)], check=False)  # lazily: a process may still hold it


def test_a_withheld_group_keeps_its_row_in_the_composition_chart_labelled_withheld():
    """The composition chart of a unit with a withheld group: the group's row stays, with the area's bar only
    and its label saying the unit's share is withheld — never an empty bar read as zero, never the share."""
    from types import SimpleNamespace

    from pipeline.report.compose import unit_tables
    from pipeline.report.compose.unit import _composition_figure
    from pipeline.wording import Wording

    a, q = _differencing_survey()
    w = q.words()
    comp = a.composition
    hidden = comp.loc[comp["suppressed"] & (comp["unit"] != "全区") & comp["question"].isin(w.composition)]
    unit, question, option = hidden.iloc[0][["unit", "question", "option"]]
    split = {n: dict(tuple(getattr(a, n).groupby("unit", observed=True)))
             for n in ("unit_dimensions", "unit_items", "composition", "problems", "ipa")}
    figure = _composition_figure(unit_tables(a, unit, split), SimpleNamespace(words=w), Wording.of(w))
    rows = pd.DataFrame(figure.data)
    label = f"{w.profile_labels[question]}：{option}（本单位人数过少，已隐去）"
    mine = rows.loc[rows["category"] == label].set_index("whom")["share"]
    assert set(mine.index) == {unit, w.area} and pd.isna(mine[unit]) and mine[w.area] > 0
    shown = comp.loc[(comp["unit"] == unit) & ~comp["suppressed"] & comp["question"].isin(w.composition)]
    assert rows.loc[rows["whom"] == unit, "share"].notna().sum() == len(shown)
