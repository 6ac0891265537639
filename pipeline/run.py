"""The stages chained: ingest+clean → analyze (+findings) → render. Each is callable on its own."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.errors import SurveyError
from pipeline.paths import PROJECT_ROOT, interim_dir, processed_dir, reports_dir
from pipeline.questionnaire import Questionnaire, load_questionnaire


@dataclass
class SurveyPaths:
    """Where one survey's stages read and write."""

    survey: str
    root: Path = PROJECT_ROOT

    @property
    def interim(self) -> Path:
        return interim_dir(self.survey, self.root)

    @property
    def processed(self) -> Path:
        return processed_dir(self.survey, self.root)

    @property
    def reports(self) -> Path:
        return reports_dir(self.survey, self.root)


def stage_clean(inputs: list[Path], questionnaire: Questionnaire, paths: SurveyPaths,
                mapping: Path | None = None) -> dict[str, int]:
    """Ingest every input file, apply the quality rules and write responses + audit to interim/."""
    from pipeline.clean import clean, write_clean
    from pipeline.ingest import ingest_files, read_mapping

    frame = ingest_files(inputs, questionnaire, read_mapping(mapping))
    result = clean(frame, questionnaire)
    write_clean(result, paths.interim)
    counts = result.counts
    assert counts["rows_in"] == counts["kept"] + counts["rejected"]
    return counts


def stage_analyze(questionnaire: Questionnaire, paths: SurveyPaths, questionnaire_path: Path,
                  population: Path | None = None, weight_by: str | None = None, input_fingerprint: str | None = None) -> dict:
    """Compute all statistics from interim/ in one pass; write tables, findings and the manifest.

    With a population table and a weighting question, weighted unit means are added beside the
    unweighted ones (see ``pipeline.weights``).
    """
    from pipeline.analyze import MIN_N_TEST, analyze, write_analysis
    from pipeline.atomic import write_parquet
    from pipeline.findings import write_findings
    from pipeline.workbook import problem_ledger

    kept = pd.read_parquet(paths.interim / "responses.parquet")
    audit = pd.read_parquet(paths.interim / "audit.parquet")
    weights = None
    if population is not None:
        from pipeline.weights import cell_weights, read_population

        if not weight_by or weight_by not in questionnaire.by_id:
            raise SurveyError(f"加权需要用 --weight-by 指定问卷中的一道单选题（如 identity），当前为“{weight_by}”")
        unit = kept[questionnaire.unit_question.id]
        weights = cell_weights(unit, kept[weight_by], read_population(population, weight_by), weight_by)
    result = analyze(kept, audit, questionnaire, weights=weights)
    manifest = {
        "survey": paths.survey,
        "title": questionnaire.title,
        "district": questionnaire.district,
        "questionnaire": questionnaire_path.name,
        "questionnaire_sha256": hashlib.sha256(Path(questionnaire_path).read_bytes()).hexdigest(),
        "input_files": sorted(audit["来源文件"].unique().tolist()),
        "created": datetime.now().isoformat(timespec="seconds"),
        "data_until": kept["submitted_at"].max().strftime("%Y-%m-%d") if len(kept) else "—",
        "units": result.units.loc[result.units["valid"] > 0, "unit"].tolist(),
        "processed_dir": str(paths.processed.resolve()),
        "interim_dir": str(paths.interim.resolve()),
        "quality_rules": questionnaire.quality.model_dump(),
        "min_n_test": MIN_N_TEST,
        "weighting": {"population": population.name, "by": weight_by} if population is not None else None,
        "rows_in": int(len(audit)),
        "kept": int(len(kept)),
        "version": __version__,
        "fingerprint": input_fingerprint,
    }
    write_analysis(result, paths.processed, manifest)
    write_findings(result, questionnaire, paths.processed)
    write_parquet(paths.processed / "problem_ledger.parquet", problem_ledger(result, questionnaire))
    return manifest


def stage_report(paths: SurveyPaths, workers: int | None = None, force: bool = False, scheduler: str | None = None):
    from pipeline.render import render_all

    return render_all(paths.processed, paths.reports, workers=workers, force=force, scheduler=scheduler)


def fingerprint(inputs: list[Path], questionnaire_path: Path, population: Path | None, weight_by: str | None,
                mapping: Path | None = None, places: Path | None = None) -> str:
    """A hash of everything cleaning and analysis depend on: input files, questionnaire and its places list,
    mapping, weighting, version."""
    h = hashlib.sha256(__version__.encode())
    for path in [*inputs, questionnaire_path, *(p for p in (population, mapping, places) if p)]:
        h.update(Path(path).name.encode())
        h.update(Path(path).read_bytes())
    h.update(str(weight_by).encode())
    return h.hexdigest()


def _previous_fingerprint(paths: SurveyPaths) -> str | None:
    manifest = paths.processed / "manifest.json"
    if not manifest.exists() or not (paths.interim / "audit.parquet").exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")


def run_survey(inputs: list[Path], questionnaire_path: Path, paths: SurveyPaths, workers: int | None = None,
               population: Path | None = None, weight_by: str | None = None, force: bool = False,
               scheduler: str | None = None, mapping: Path | None = None):
    """Run every stage under the survey's lock; skip cleaning and analysis when no input changed.

    Returns (clean counts or None when skipped, render results).
    """
    from pipeline.lock import survey_lock

    with survey_lock(paths.reports):
        questionnaire = load_questionnaire(questionnaire_path)
        for path in inputs:
            if not Path(path).exists():
                raise SurveyError("文件不存在", file=str(path))
        questionnaire.known_places()  # a missing reference list is reported before any work
        fp = fingerprint(inputs, questionnaire_path, population, weight_by, mapping, questionnaire.places_path())
        counts = None
        if force or _previous_fingerprint(paths) != fp:
            counts = stage_clean(inputs, questionnaire, paths, mapping)
            stage_analyze(questionnaire, paths, questionnaire_path, population, weight_by, input_fingerprint=fp)
        results = stage_report(paths, workers, force, scheduler)
    return counts, results
