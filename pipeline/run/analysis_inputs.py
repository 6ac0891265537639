"""What the analysis stage reads and records besides the responses: the weighting, the responses' sums part
by part (on Dask workers with a scheduler), the audit's counts, the refusal of a survey with nothing to show,
and the manifest written last."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline import __version__
from pipeline.analyze.manifest import Manifest
from pipeline.common.errors import SurveyError
from pipeline.common.integrity import content_hash
from pipeline.questionnaire import Questionnaire

if TYPE_CHECKING:
    from pipeline.run.stages import SurveyPaths


def cleaning_rules(paths: SurveyPaths) -> list[dict]:
    """The quality rules as the clean stage applied them (for the methods note)."""
    path = paths.interim / "cleaning.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def data_until(last: pd.Timestamp) -> str:
    """The last submit time, as a date ("—" for exports without submit times, such as paper entry)."""
    return "—" if pd.isna(last) else last.strftime("%Y-%m-%d")


def weighting_for(questionnaire: Questionnaire, population: Path | None, weight_by: str | None):
    """Cell weights from a population table by one single-choice question, or None (also where the design
    rakes: the table is then its margins, ``raking_for``)."""
    if population is None or rakes(questionnaire):
        return None
    from pipeline.stats.weights import Weighting, read_population

    singles = [p.id for p in questionnaire.profile if p.type == "single" and p.role is None]
    if weight_by not in singles:
        raise SurveyError(f"加权需要用 --weight-by 指定问卷中的一道单选题（可用：{'、'.join(singles)}），"
                          f"当前为“{weight_by}”")
    return Weighting(read_population(population, weight_by), weight_by, str(population))


def rakes(questionnaire: Questionnaire) -> bool:
    return questionnaire.design is not None and bool(questionnaire.design.rake)


def margins_file(questionnaire: Questionnaire, population: Path | None) -> Path | None:
    """The raking design's margins table: ``--population`` where given, else the design's ``margins``."""
    if not rakes(questionnaire):
        return None
    path = population or questionnaire.margins_path()
    if path is None:
        raise SurveyError("问卷的抽样设计要求按人口边际加权（design.rake），但没有人口边际表："
                          "请在 design.margins 中写明文件，或用 --population 指定")
    return path


def raking_for(paths: SurveyPaths, questionnaire: Questionnaire, population: Path | None):
    """The design's raking factors (``pipeline.stats.raking``) from the margins table and one pass over the
    stored responses' unit, weight and raking columns; None where the design does not rake."""
    path = margins_file(questionnaire, population)
    if path is None:
        return None
    from pipeline.analyze.sums import rake_cells
    from pipeline.common.tables import read_table_parts
    from pipeline.stats.raking import rake_factors, read_margins

    q = questionnaire
    assert q.design is not None
    options = {r: list(q.by_id[r].options) for r in q.design.rake}
    margins = read_margins(path, options, list(q.unit_question.options))
    columns = [q.unit_question.id, *q.design.rake, *([q.design.weight] if q.design.weight else [])]
    cells = None
    for part in read_table_parts(paths.interim, "responses", columns=columns):
        cells = rake_cells(part, q) if cells is None else cells + rake_cells(part, q)
    if cells is None:
        raise SurveyError("清洗后的数据中没有答卷，无法分析；请先运行 survey clean")
    return rake_factors(cells, margins)


def response_sums(paths: SurveyPaths, questionnaire: Questionnaire, columns: list[str], waves,
                  scheduler: str | None, raking=None):
    """The responses' sums and counts part by part (with a Dask scheduler, one task per row group on the
    workers): never the whole table."""
    from pipeline.analyze.sums import added, read_sums, row_group_sums
    from pipeline.common.tables import read_table_parts, row_groups

    if not scheduler:
        return read_sums(read_table_parts(paths.interim, "responses", columns=columns), questionnaire, waves,
                         raking)
    from pipeline.run.execute import executor

    groups = row_groups(paths.interim, "responses")
    with executor(1, scheduler, groups) as pool:
        tasks = [pool.submit(row_group_sums, paths.interim.resolve(), i, questionnaire, waves, raking)
                 for i in range(groups)]
        return added(tasks.pop(0).result() for _ in range(groups))


def audit_tally(paths: SurveyPaths) -> tuple[pd.Series, set[str]]:
    """Rows per unit, status and rule (a held unit's as last published), and the input files named."""
    from pipeline.clean import audit_counts
    from pipeline.clean.release import published_counts
    from pipeline.common.tables import read_table_parts
    from pipeline.common.tallies import add_tallies

    audit, files = [], set()
    for part in read_table_parts(paths.interim, "audit", columns=["file", "unit", "status", "rule"]):
        audit.append(audit_counts(part))
        files |= set(part["file"].dropna().unique())
    return published_counts(paths.interim, add_tallies(audit)), files


def analysis_manifest(paths: SurveyPaths, questionnaire: Questionnaire, questionnaire_path: Path, result,
                      sums, audit, files: set[str], waves, population: Path | None, weight_by: str | None,
                      input_fingerprint: str | None) -> Manifest:
    """What the analysis was made from and how: the manifest written last."""
    from pipeline.analyze.waves import item_changes
    from pipeline.clean.release import held_units
    from pipeline.common.rules import MIN_N_TEST

    return Manifest(
        survey=paths.survey, title=questionnaire.title, district=questionnaire.district,
        questionnaire=questionnaire_path.name,
        questionnaire_sha256=content_hash(questionnaire_path),
        input_files=sorted(files),
        created=datetime.now().isoformat(timespec="seconds"),
        data_until=data_until(sums.answers.latest),
        units=result.units.loc[result.units["valid"] > 0, "unit"].tolist(),
        processed_dir=str(paths.processed.resolve()), interim_dir=str(paths.interim.resolve()),
        quality_rules=questionnaire.quality.model_dump(), cleaning=cleaning_rules(paths),
        words=questionnaire.words(), min_n_test=MIN_N_TEST,
        weighting={"population": population.name, "by": weight_by} if population is not None else None,
        rows_in=int(audit.sum()), kept=sums.answers.rows, version=__version__, fingerprint=input_fingerprint,
        held=held_units(paths.interim),
        waves=[{"wave": w.name, "title": w.title, **item_changes(questionnaire, w.questionnaire)}
               for w in waves],
        design=design_note(questionnaire, result),
        fieldwork_notes=int(result.fieldwork["note"].nunique()),
    )


def design_note(questionnaire: Questionnaire, result) -> dict | None:
    """The declared design for the methods note: its parts named as the questionnaire names them, Kish's n of
    the area and the mean design effect of the area's dimension means."""
    if questionnaire.design is None:
        return None
    import numpy as np

    weight, strata, cluster = questionnaire.design_columns()
    by_id = {q.id: q.short for q in questionnaire.questions} | {"unit": questionnaire.report.unit_label}
    deff = result.district_dimensions["deff"].astype(float)
    rake = questionnaire.design.rake
    return {"weight": by_id.get(weight) if weight else None,
            "rake": [by_id[r] for r in rake],
            "strata": by_id.get(strata) if strata else None,
            "cluster": by_id.get(cluster) if cluster else None,
            "n_effective": float(result.district["n_effective"].iloc[0]),
            "deff": float(np.nanmean(deff)) if deff.notna().any() else None}


def enough_to_show(audit: pd.Series, questionnaire: Questionnaire) -> None:
    """Refuse (exit 2, one sentence) a survey in which no unit has enough valid responses to show a figure
    (the first night of fieldwork): every report would be withheld."""
    from pipeline.clean import KEPT
    from pipeline.common.rules import MIN_CELL

    kept = audit.xs(KEPT, level="status").groupby(level="unit").sum() if len(audit) else pd.Series(dtype=int)
    if kept.empty or int(kept.max()) < MIN_CELL:
        most = int(kept.max()) if not kept.empty else 0
        label = questionnaire.report.unit_label
        raise SurveyError(f"每个{label}的有效答卷都不足{MIN_CELL}份（最多{most}份），"
                          "按隐私规则不能显示任何数字，本次没有生成报告；请等回收更多答卷后再运行")
