"""A survey read part by part — CSV record batches of a few rows each, several export files — gives exactly
the same cleaned table, audit, analysis tables and findings as reading each file in one batch (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.paths import PROJECT_ROOT
from pipeline.demo import demo_spec, generate_responses
from pipeline.questionnaire import load_questionnaire
from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean

SHIPPED = PROJECT_ROOT / "questionnaires"


def _exports(q, folder: Path, seed: int) -> list[Path]:
    """Three exports of one survey: a UTF-8 CSV (streamed from disk), a GB18030 CSV and a workbook."""
    spec = demo_spec(q)
    spec.sizes = {u: 24 for u in spec.sizes}
    spec.seed = seed
    raw = generate_responses(q, spec)
    folder.mkdir(parents=True, exist_ok=True)
    third = len(raw) // 3
    files = [folder / "web.csv", folder / "street.csv", folder / "paper.xlsx"]
    raw.iloc[:third].to_csv(files[0], index=False, encoding="utf-8-sig")
    raw.iloc[third:2 * third].to_csv(files[1], index=False, encoding="gb18030")
    raw.iloc[2 * third:].to_excel(files[2], index=False)
    return files


def _run(root: Path, survey: str, qpath: Path, files: list[Path], previous: list[str] | None = None):
    q = load_questionnaire(qpath)
    paths = SurveyPaths(survey, root)
    stage_clean(files, q, paths)
    stage_analyze(q, paths, qpath, previous=previous)
    return paths


def _assert_same(a: SurveyPaths, b: SurveyPaths) -> None:
    for name in ("responses", "audit"):
        pd.testing.assert_frame_equal(pd.read_parquet(a.interim / f"{name}.parquet"),
                                      pd.read_parquet(b.interim / f"{name}.parquet"))
    rules = [json.loads((p.interim / "cleaning.json").read_text("utf-8")) for p in (a, b)]
    assert rules[0] == rules[1]
    sheets = [pd.read_excel(p.interim / "audit.xlsx", sheet_name=None) for p in (a, b)]
    assert sheets[0].keys() == sheets[1].keys()
    for name in sheets[0]:
        pd.testing.assert_frame_equal(sheets[0][name], sheets[1][name])
    tables = sorted(p.name for p in a.processed.glob("*.parquet"))
    assert "unit_problems.parquet" in tables and "changes.parquet" in tables
    assert tables == sorted(p.name for p in b.processed.glob("*.parquet"))
    for name in tables:  # exactly: the statistics come from exact sums, whatever the parts
        pd.testing.assert_frame_equal(pd.read_parquet(a.processed / name),
                                      pd.read_parquet(b.processed / name), obj=name, check_exact=True)

    def findings(p: SurveyPaths) -> list[Path]:
        return sorted(f.relative_to(p.processed) for f in (p.processed / "findings").rglob("*") if f.is_file()
                      )

    assert findings(a) and findings(a) == findings(b)
    for rel in findings(a):
        assert (a.processed / rel).read_bytes() == (b.processed / rel).read_bytes(), rel


def _small_batches(monkeypatch) -> list[tuple[bool, int]]:
    """CSV record blocks of about 4 KB (ten rows), and the analysis summing 97 rows at a time; whether each
    block parsed was transcoded (not UTF-8 on disk) and its rows, in order."""
    from pipeline.analyze import sums
    from pipeline.ingest import text_tables

    monkeypatch.setattr(sums, "PART_ROWS", 97)
    seen: list[tuple[bool, int]] = []
    real = text_tables._arrow_batches

    def counted(source, sep, width):
        for batch in real(source, sep, width):
            seen.append((isinstance(source, text_tables._Transcoded), len(batch)))
            yield batch

    monkeypatch.setattr(text_tables, "CSV_BLOCK_BYTES", 1 << 12)
    monkeypatch.setattr(text_tables, "_arrow_batches", counted)
    return seen


@pytest.mark.parametrize("shipped", ["jiceng_dangjian.yaml", "jiceng_jianfu.yaml"])
def test_a_survey_read_in_small_parts_gives_the_same_tables_and_findings(shipped, tmp_path, monkeypatch):
    qpath = SHIPPED / shipped
    files = _exports(load_questionnaire(qpath), tmp_path / "raw", seed=7)
    whole = _run(tmp_path, "whole", qpath, files)
    seen = _small_batches(monkeypatch)
    small = _run(tmp_path, "small", qpath, files)
    utf8 = [n for transcoded, n in seen if not transcoded]
    gb18030 = [n for transcoded, n in seen if transcoded]  # decoded a block at a time, never whole
    assert len(utf8) > 5 and len(gb18030) > 5 and max(utf8 + gb18030) < 20
    _assert_same(whole, small)


def test_a_second_wave_read_in_small_parts_gives_the_same_changes(tmp_path, monkeypatch):
    qpath = SHIPPED / "jiceng_dangjian.yaml"
    q = load_questionnaire(qpath)
    _run(tmp_path, "wave1", qpath, _exports(q, tmp_path / "raw1", seed=1))
    files = _exports(q, tmp_path / "raw2", seed=2)
    whole = _run(tmp_path, "whole", qpath, files, previous=["wave1"])
    seen = _small_batches(monkeypatch)
    small = _run(tmp_path, "small", qpath, files, previous=["wave1"])
    assert len(seen) > 5
    assert len(pd.read_parquet(whole.processed / "changes.parquet")) > 0
    _assert_same(whole, small)


def test_a_short_row_in_a_later_block_reads_the_file_again_the_tolerant_way(tmp_path, monkeypatch):
    """A row with too few fields far into a CSV (not a regular CSV for arrow) is found only in a later block:
    the file is then read whole the tolerant way (the row's missing cells empty), and nothing of the first
    attempt is left in the cache."""
    from pipeline.clean import RULE_NO_UNIT

    qpath = SHIPPED / "jiceng_dangjian.yaml"
    q = load_questionnaire(qpath)
    web = _exports(q, tmp_path / "raw", seed=3)[0]
    lines = web.read_text("utf-8-sig").splitlines(keepends=True)
    short = tmp_path / "short" / "web.csv"
    short.parent.mkdir()
    short.write_text("".join(lines[:60] + ["9999,\n"] + lines[60:]), "utf-8-sig")
    seen = _small_batches(monkeypatch)
    plain = SurveyPaths("plain", tmp_path)
    stage_clean([web], q, plain)
    with_short = SurveyPaths("short", tmp_path)
    stage_clean([short], q, with_short)
    assert len(seen) > 10
    expected = pd.read_parquet(plain.interim / "responses.parquet")
    expected["_row"] += expected["_row"] >= 61  # the short row is the file's line 61: rows below move down
    pd.testing.assert_frame_equal(expected, pd.read_parquet(with_short.interim / "responses.parquet"))
    audit = pd.read_parquet(with_short.interim / "audit.parquet")
    assert audit.loc[audit["row"] == 61, ["resp_id", "rule"]].values.tolist() == [["9999", RULE_NO_UNIT]]
    assert len(list((with_short.interim / "ingested").glob("*.parquet"))) == 1
    assert not list((with_short.interim / "ingested").glob("*.tmp*"))


def test_a_questionnaire_changed_after_cleaning_is_a_clear_error(tmp_path):
    """The analysis reads only some columns of the cleaned table: one the questionnaire asks for and the table
    lacks is named, before anything is written."""
    from pipeline.common.errors import SurveyError

    qpath = SHIPPED / "jiceng_dangjian.yaml"
    q = load_questionnaire(qpath)
    paths = SurveyPaths("s", tmp_path)
    stage_clean(_exports(q, tmp_path / "raw", seed=3), q, paths)
    responses = paths.interim / "responses.parquet"
    community = q.role("community").id
    pd.read_parquet(responses).drop(columns=[community]).to_parquet(responses)
    with pytest.raises(SurveyError, match=f"没有问卷里的这些列：{community}；问卷在清洗之后改过"):
        stage_analyze(q, paths, qpath)
    assert not paths.processed.exists()


def test_a_gb18030_export_with_a_stray_byte_far_in_is_read_whole(tmp_path, monkeypatch):
    """A GB18030 CSV is decoded a block at a time; a byte that is not GB18030 in a later block sends the file
    to the whole-file reader (``Ragged``), which says which encodings it tried."""
    from pipeline.common.errors import SurveyError
    from pipeline.ingest import readers, text_tables

    monkeypatch.setattr(text_tables, "CSV_BLOCK_BYTES", 1 << 16)
    rows = "".join(f"{i},东湖街道,对党组织工作比较满意\n" for i in range(40_000))  # past the 1 MB head
    good = tmp_path / "good.csv"
    good.write_bytes(("编号,街道,意见\n" + rows).encode("gb18030"))
    parts = list(readers.iter_table(good))
    assert len(parts) > 10 and sum(len(p.frame) for p in parts) == 40_000
    assert parts[0].notes == ["文件编码：GB18030"] and parts[-1].frame.iloc[-1].tolist() == [
        "39999", "东湖街道", "对党组织工作比较满意"]
    bad = tmp_path / "bad.csv"
    data = good.read_bytes()
    bad.write_bytes(data[:-200] + b"\x80" + data[-200:])
    with pytest.raises(readers.Ragged):
        list(readers.iter_table(bad))
    with pytest.raises(SurveyError, match="无法识别文件编码"):
        readers.read_table(bad)
