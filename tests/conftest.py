"""Shared fixtures: the default questionnaire, a small generated survey, and one end-to-end run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, generate_responses
from pipeline.questionnaire import Questionnaire, load_questionnaire

SMALL_UNITS = {
    "石桥乡": ["石桥村", "上石村"],
    "新华街道": ["新华社区", "幸福社区"],
    "西城街道": ["西门社区", "城西社区"],
}
SMALL_PLANTED = {"石桥乡": {"digital": -1.2}, "新华街道": {"burden": -1.0}}
SMALL_NULL = "西城街道"
# hostile answers planted in the end-to-end survey (six times each, so they are the most frequent and
# get quoted): reports must show them as text, never run them
HOSTILE_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">希望减少填表"
HOSTILE_SCRIPT = "<script>document.body.setAttribute('data-pwned','1')</script>希望减少填表"
HOSTILE_ANSWER = "<b>减负</b>"


@pytest.fixture(scope="session", autouse=True)
def _quiet_env(tmp_path_factory):
    os.environ.setdefault("MPLCONFIGDIR", str(tmp_path_factory.mktemp("mpl")))
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    os.environ.setdefault("SURVEY_PDF", "no")  # runs print PDFs only where a test asks for them


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire(DEFAULT_QUESTIONNAIRE)


def small_spec(n: int = 80, seed: int = 7) -> DemoSpec:
    return DemoSpec.small(SMALL_UNITS, n, SMALL_PLANTED, SMALL_NULL, seed=seed)


@pytest.fixture(scope="session")
def small_raw(questionnaire) -> pd.DataFrame:
    """3 units × 80 responses as an export read back as text (what read_table returns)."""
    return generate_responses(questionnaire, small_spec()).astype(str)


@pytest.fixture(scope="session")
def e2e(tmp_path_factory, questionnaire):
    """One real run of every stage (papermill + nbconvert) on the small survey."""
    from pipeline.run.stages import SurveyPaths, run_survey

    root = tmp_path_factory.mktemp("project")
    export = root / "data" / "raw" / "small_wjx.xlsx"
    export.parent.mkdir(parents=True)
    raw = generate_responses(questionnaire, small_spec())
    unit_col, open_col = "1、您所在的街道（乡镇）", "20、您对加强基层党组织建设有哪些意见建议？"
    rows = raw.index[raw[unit_col] == "新华街道"]
    raw.loc[rows[:6], open_col] = HOSTILE_IMG
    raw.loc[rows[6:12], open_col] = HOSTILE_SCRIPT
    raw.loc[raw.index[raw[unit_col] == "石桥乡"][:6], open_col] = HOSTILE_ANSWER
    raw.to_excel(export, index=False)
    paths = SurveyPaths("small", root)
    counts, results = run_survey([export], DEFAULT_QUESTIONNAIRE, paths, workers=2)
    return {"root": root, "paths": paths, "counts": counts, "results": results, "export": export}


def copied_run(run: dict, dest: Path) -> dict:
    """A private copy of a finished run (data, reports, the export): tests that change it share one real run.

    Nothing a run keys on holds the project's path, so the copy is up to date as it stands."""
    import shutil

    from pipeline.run.stages import SurveyPaths

    root = dest / "project"
    shutil.copytree(run["root"], root, symlinks=True)
    paths = SurveyPaths(run["paths"].survey, root)
    export = root / Path(run["export"]).relative_to(run["root"])
    return {**run, "root": root, "paths": paths, "export": export}


@pytest.fixture
def e2e_copy(e2e, tmp_path) -> dict:
    """The session's end-to-end run, copied for a test that changes it."""
    return copied_run(e2e, tmp_path)


def reports_html(paths) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in Path(paths.reports).glob("*.html")}


@pytest.fixture(scope="session")
def demo_analysis(questionnaire):
    """The full demo survey analysed in memory: (Analysis, CleanResult)."""
    from pipeline.analyze.tables import analyze
    from pipeline.clean import audit_counts, clean
    from pipeline.ingest import ingest_frame

    raw = generate_responses(questionnaire, DemoSpec()).astype(str)
    res = clean(ingest_frame(raw, questionnaire, "demo.xlsx").frame, questionnaire)
    return analyze(res.kept, audit_counts(res.audit), questionnaire), res


def dump_dom(html: Path, timeout: float = 60, width: int = 1280) -> str:
    """The page's DOM after load, as headless Chromium serialises it (scripts, if any, have run)."""
    from pipeline.report.browser import run_chromium

    proc = run_chromium([f"--window-size={width},2000", "--virtual-time-budget=2000", "--dump-dom",
                         Path(html).resolve().as_uri()], timeout)
    return proc.stdout


def confirmed(draft_text: str) -> str:
    """A drafted questionnaire after the user's one edit: its scales' orders confirmed as drafted."""
    import re

    return re.sub(r"\nunconfirmed: .*\n", "\n", draft_text)


def cleaned_demo(q: Questionnaire, survey: str, root: Path):
    """A questionnaire's demo export written under ``root`` (``data/raw/<survey>.xlsx``) and cleaned: the
    survey's ``SurveyPaths``."""
    from pipeline.demo import demo_spec, write_demo_export
    from pipeline.run.stages import SurveyPaths, stage_clean

    paths = SurveyPaths(survey, root)
    export = root / "data" / "raw" / f"{survey}.xlsx"
    export.parent.mkdir(parents=True, exist_ok=True)
    write_demo_export(q, export, demo_spec(q))
    stage_clean([export], q, paths)
    return paths


def with_weights(q: Questionnaire) -> Questionnaire:
    """``q`` with a respondent weight column ``wt`` (a number question) declared as its design's weight (the
    community question the clusters by default)."""
    from pipeline.questionnaire.model import Design

    number = q.profile[0].model_copy(update={"id": "wt", "text": "权重", "type": "number", "role": None,
                                             "options": [], "number": None})
    return q.model_copy(update={"profile": [*q.profile, number], "design": Design(weight="wt")})
