"""``survey demo``: the shipped questionnaires' demo surveys made (once: raw data is immutable) and run end to
end, the first compared with a planted earlier wave."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline.analyze.manifest import MANIFEST
from pipeline.common.paths import DEMOS
from pipeline.demo.generate import write_demo_export
from pipeline.demo.specs import PREVIOUS_WAVE, demo_spec, previous_wave_spec
from pipeline.questionnaire import Questionnaire, load_questionnaire
from pipeline.run.commands import print_counts, print_results
from pipeline.run.stages import SurveyPaths, run_survey, stage_analyze, stage_clean


def _previous_wave(questionnaire: Questionnaire, questionnaire_path: Path, paths: SurveyPaths,
                   seed: int | None, force: bool) -> list[str] | None:
    """The demo's earlier wave, cleaned and analysed (no reports), for the current one to compare with."""
    spec = previous_wave_spec(questionnaire)
    if spec is None:
        return None
    earlier = SurveyPaths(f"{paths.survey}_{PREVIOUS_WAVE}", paths.root)
    export = paths.root / "data" / "raw" / f"{earlier.survey}_wjx_按文本.xlsx"
    if not export.exists():
        write_demo_export(questionnaire, export, spec if seed is None else replace(spec, seed=seed + 1))
        print(f"已生成示范数据（往次调查）：{export}")
    if force or not (earlier.processed / MANIFEST).exists():
        with earlier.lock():
            stage_clean([export], questionnaire, earlier)
            stage_analyze(questionnaire, earlier, questionnaire_path)
    return [earlier.survey]


def run_demo(root: Path, seed: int | None = None, workers: int | None = None, force: bool = False,
             scheduler: str | None = None, pdf: str | None = None) -> int:
    """Every shipped demo survey, made and run; the exit code of the worst."""
    code = 0
    for questionnaire_path, survey, export_name in DEMOS:
        paths = SurveyPaths(survey, root)
        questionnaire = load_questionnaire(questionnaire_path)
        export = paths.root / "data" / "raw" / export_name
        if not export.exists():  # raw data is immutable: generate once
            spec = demo_spec(questionnaire)
            write_demo_export(questionnaire, export, spec if seed is None else replace(spec, seed=seed))
            print(f"已生成示范数据：{export}")
        previous = _previous_wave(questionnaire, questionnaire_path, paths, seed, force)
        print(f"示范调查“{questionnaire.title}”：")
        counts, results = run_survey([export], questionnaire_path, paths, workers, force=force,
                                     scheduler=scheduler, previous=previous, pdf=pdf)
        print_counts(counts)
        code = max(code, print_results(results, paths.reports))
    return code
