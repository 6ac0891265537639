"""The analysis's manifest (``data/processed/<survey>/manifest.json``): what was analysed, from which files,
with which questionnaire and rules, and every word the reports use. Written last by the analyze stage (its
presence says the stage completed); read by the reports, the renderers, the CLI and ``pipeline.explore``.

Kept free of heavy imports: the report notebooks load it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.common.errors import SurveyError
from pipeline.questionnaire.words import Words

MANIFEST = "manifest.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CleaningRule(_Model):
    """A quality rule as the clean stage applied it to this export (for the methods note)."""

    rule: str
    applied: bool
    text: str


class Weighting(_Model):
    population: str  # the population table's file name
    by: str  # the weighting question's id


class Design(_Model):
    """A declared sampling design as the methods note describes it: what weights, stratifies and clusters
    the respondents (as questions are named), the questions whose population margins it was raked to, Kish's
    effective sample size and the mean design effect of the area's dimension means."""

    weight: str | None
    rake: list[str] = []
    strata: str | None
    cluster: str | None
    n_effective: float
    deff: float | None


class Wave(_Model):
    """An earlier survey compared with: its folder name, its own title, and how its items differ."""

    wave: str
    title: str
    added: list[str]
    removed: list[str]
    renamed: list[str]
    other_scale: list[str] = []  # asked in both waves on different scales: not compared


class Manifest(_Model):
    survey: str
    title: str
    district: str
    questionnaire: str  # the questionnaire's file name (a copy is stored beside the manifest)
    questionnaire_sha256: str
    input_files: list[str]
    created: str
    data_until: str
    units: list[str]  # units with valid responses, in the questionnaire's order
    processed_dir: str
    interim_dir: str
    quality_rules: dict[str, float]
    cleaning: list[CleaningRule]
    words: Words
    min_n_test: int
    weighting: Weighting | None
    rows_in: int
    kept: int
    version: str
    fingerprint: str | None
    waves: list[Wave]
    held: list[str] = []  # units whose figures are those last published (``pipeline.clean.release``)
    design: Design | None = None  # the declared sampling design, where there is one
    fieldwork_notes: int = 0  # 座谈、走访 notes read (``pipeline.fieldwork``)


def read_manifest(processed: str | Path) -> Manifest:
    """The manifest of an analysis; one Chinese sentence when there is none or it is damaged."""
    path = Path(processed) / MANIFEST
    if not path.is_file():
        raise SurveyError(f"找不到分析结果 {Path(processed)}，请先运行 survey run（或 survey analyze）")
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, json.JSONDecodeError):
        damaged = f"分析结果的清单文件已损坏或由旧版本写成：{path}；请重新运行 survey analyze"
        raise SurveyError(damaged) from None
