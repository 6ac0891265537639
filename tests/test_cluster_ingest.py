"""Ingest and analysis on a Dask cluster: one task per export file, read on the workers, the same cleaned
survey as on one machine; the analysis summed on the workers (a task per row group), the same tables and
findings (a ``dask.distributed.LocalCluster`` of two worker processes stands in for the cluster)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean

UNIT = "1、您所在的街道（乡镇）"


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


def _exports(raw: pd.DataFrame, folder: Path) -> list[Path]:
    """The survey as three files, one per unit, in three formats (as streets send them in)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (unit, rows) in enumerate(raw.groupby(UNIT, sort=True)):
        path = folder / f"{i}_{unit}.{['xlsx', 'csv', 'csv'][i % 3]}"
        if path.suffix == ".xlsx":
            rows.to_excel(path, index=False)
        else:
            rows.to_csv(path, index=False, encoding=["utf-8-sig", "gb18030"][i % 3 - 1])
        out.append(path)
    return out


def _stored(paths: SurveyPaths) -> dict[str, object]:
    return {"responses": pd.read_parquet(paths.interim / "responses.parquet"),
            "audit": pd.read_parquet(paths.interim / "audit.parquet"),
            "rules": json.loads((paths.interim / "cleaning.json").read_text(encoding="utf-8"))}


def test_clean_and_analyze_of_a_multi_file_survey_equal_the_local_run(cluster, small_raw, questionnaire,
                                                                      tmp_path):
    inputs = _exports(small_raw, tmp_path / "raw")
    local, remote = SurveyPaths("local", tmp_path / "a"), SurveyPaths("remote", tmp_path / "b")
    counts_local = stage_clean(inputs, questionnaire, local)
    counts_remote = stage_clean(inputs, questionnaire, remote, scheduler=cluster)
    assert counts_remote == counts_local and counts_local["rows_in"] == len(small_raw)
    a, b = _stored(local), _stored(remote)
    pd.testing.assert_frame_equal(a["responses"], b["responses"])
    pd.testing.assert_frame_equal(a["audit"], b["audit"])
    assert a["rules"] == b["rules"]
    assert len(list((remote.interim / "ingested").glob("*.parquet"))) == 3  # each file read by a worker
    stage_analyze(questionnaire, local, DEFAULT_QUESTIONNAIRE)
    stage_analyze(questionnaire, remote, DEFAULT_QUESTIONNAIRE, scheduler=cluster)  # a task per row group
    tables = sorted(p.name for p in local.processed.glob("*.parquet"))
    assert "unit_dimensions.parquet" in tables
    assert tables == sorted(p.name for p in remote.processed.glob("*.parquet"))
    for table in tables:  # exactly: the workers' sums add up to the local ones
        pd.testing.assert_frame_equal(pd.read_parquet(local.processed / table),
                                      pd.read_parquet(remote.processed / table), check_exact=True, obj=table)
    findings = sorted(f.name for f in (local.processed / "findings").iterdir())
    assert findings == sorted(f.name for f in (remote.processed / "findings").iterdir()) and findings
    for name in findings:
        here, there = (p.processed / "findings" / name for p in (local, remote))
        assert here.read_bytes() == there.read_bytes(), name


def test_under_a_declared_design_the_workers_sums_give_the_local_tables(cluster, small_raw, questionnaire,
                                                                         tmp_path):
    """Units as strata and communities as clusters: the per-PSU sums summed on the workers (with those of
    the groups within units) give the local run's tables, to rounding (floating sums added in another
    order)."""
    import shutil

    from pipeline.questionnaire.model import Design

    q = questionnaire.model_copy(update={"design": Design(strata="unit")})
    local, remote = SurveyPaths("local", tmp_path / "a"), SurveyPaths("remote", tmp_path / "b")
    stage_clean(_exports(small_raw, tmp_path / "raw"), q, local)
    shutil.copytree(local.interim, remote.interim)
    stage_analyze(q, local, DEFAULT_QUESTIONNAIRE)
    stage_analyze(q, remote, DEFAULT_QUESTIONNAIRE, scheduler=cluster)
    tables = sorted(p.name for p in local.processed.glob("*.parquet"))
    assert "se" in pd.read_parquet(local.processed / "unit_dimensions.parquet")
    for table in tables:
        pd.testing.assert_frame_equal(pd.read_parquet(local.processed / table),
                                      pd.read_parquet(remote.processed / table), rtol=1e-10, obj=table)


def test_a_broken_file_read_on_a_worker_is_the_same_chinese_error(cluster, small_raw, questionnaire,
                                                                  tmp_path):
    raw = small_raw.copy()
    raw.loc[raw.index[raw[UNIT] == "西城街道"][2], UNIT] = "火星街道"
    inputs = _exports(raw, tmp_path / "raw")
    with pytest.raises(SurveyError) as here:
        stage_clean(inputs, questionnaire, SurveyPaths("local", tmp_path / "a"))
    with pytest.raises(SurveyError) as there:
        stage_clean(inputs, questionnaire, SurveyPaths("remote", tmp_path / "b"), scheduler=cluster)
    assert str(there.value) == str(here.value) and "不认识的街道（乡镇）“火星街道”" in str(here.value)
    assert not (tmp_path / "b" / "data" / "interim" / "remote").exists()  # nothing half-written


def test_survey_clean_and_analyze_take_the_cluster_on_the_command_line(cluster, small_raw, tmp_path, capsys,
                                                                        monkeypatch):
    """Inputs and a root named relative to where ``survey`` runs are found by workers that run elsewhere."""
    from pipeline.cli import main

    _exports(small_raw, tmp_path / "raw")
    monkeypatch.chdir(tmp_path)  # the workers started in another directory
    args = ["clean", "-i", "raw", "-s", "s", "--root", "root"]
    assert main([*args, "--executor", "dask", "--scheduler", cluster]) == 0
    assert f"共 {len(small_raw)} 份" in capsys.readouterr().out
    assert main([*args, "--executor", "dask"]) == 2
    assert "需要用 --scheduler" in capsys.readouterr().err
    assert main(["analyze", "-s", "s", "--root", "root", "--scheduler", cluster]) == 0
    assert "分析完成：3 个单位" in capsys.readouterr().out
