"""``survey demo``: the shipped questionnaires' demo surveys made (once: raw data is immutable) and run end to
end, the first compared with its planted earlier waves."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from pipeline.analyze.manifest import MANIFEST
from pipeline.common.paths import DEMOS, QUESTIONNAIRES
from pipeline.demo.generate import write_demo_export
from pipeline.demo.specs import demo_spec, earlier_wave_specs
from pipeline.questionnaire import Questionnaire, load_questionnaire
from pipeline.run.commands import print_counts, print_results
from pipeline.run.stages import SurveyPaths, run_survey, stage_analyze, stage_clean


def _previous_wave(questionnaire: Questionnaire, questionnaire_path: Path, paths: SurveyPaths,
                   seed: int | None, force: bool) -> list[str] | None:
    """The demo's earlier waves, each cleaned and analysed (no reports), for the current one to compare with
    (oldest first); None for a demo without them."""
    specs = earlier_wave_specs(questionnaire)
    if not specs:
        return None
    surveys = []
    for offset, (name, spec) in enumerate(specs.items(), start=1):
        earlier = SurveyPaths(f"{paths.survey}_{name}", paths.root)
        export = paths.root / "data" / "raw" / f"{earlier.survey}_wjx_按文本.xlsx"
        if not export.exists():
            made = spec if seed is None else replace(spec, seed=seed + offset)
            write_demo_export(questionnaire, export, made)
            print(f"已生成示范数据（往次调查）：{export}")
        if force or not (earlier.processed / MANIFEST).exists():
            with earlier.lock():
                stage_clean([export], questionnaire, earlier)
                stage_analyze(questionnaire, earlier, questionnaire_path)
        surveys.append(earlier.survey)
    return surveys


def _demo_materials(paths: SurveyPaths) -> None:
    """The demo's fieldwork notes and unit facts (shipped beside the questionnaires) put where a research
    office keeps its own: ``data/raw/<survey>/fieldwork/`` and ``data/external/<survey>/units.csv`` (once:
    raw data is immutable, and an office's own files are never replaced)."""
    shipped = QUESTIONNAIRES / "demo" / paths.survey
    notes = paths.root / "data" / "raw" / paths.survey / "fieldwork"
    if (shipped / "fieldwork").is_dir() and not notes.exists():
        shutil.copytree(shipped / "fieldwork", notes)
        print(f"已放入示范调研记录：{notes}")
    facts = paths.root / "data" / "external" / paths.survey / "units.csv"
    if (shipped / "units.csv").is_file() and not facts.exists():
        facts.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped / "units.csv", facts)
        print(f"已放入示范单位基本数据：{facts}")


def run_demo(root: Path, seed: int | None = None, workers: int | None = None, force: bool = False,
             scheduler: str | None = None, pdf: str | None = None) -> int:
    """Every shipped demo survey, made and run; the exit code of the worst."""
    code = 0
    for questionnaire_path, survey, export_name in DEMOS:
        paths = SurveyPaths(survey, root)
        questionnaire = load_questionnaire(questionnaire_path)
        export = paths.root / "data" / "raw" / export_name
        _demo_materials(paths)
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
