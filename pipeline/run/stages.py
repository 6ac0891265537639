"""The stages chained: ingest+clean → analyze (+findings) → render. Each is callable on its own.

Each stage writes its whole directory at once (``pipeline.common.atomic.staged_dir``): after a crash the
directory holds the previous complete result, and ``run_survey`` redoes what is missing or stale
without ``--force``. Every stage runs under the survey's lock.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline import __version__, code_hash
from pipeline.analyze.manifest import MANIFEST, Manifest, read_manifest
from pipeline.common.atomic import Transaction, staged_dir, transaction
from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file
from pipeline.common.integrity import content_hash, damaged, letters, seal
from pipeline.common.names import survey_directory_name
from pipeline.common.paths import PROJECT_ROOT, interim_dir, processed_dir, reports_dir
from pipeline.fieldwork.facts import facts_file, read_facts
from pipeline.fieldwork.notes import fieldwork_folder, note_files, read_notes
from pipeline.questionnaire import Questionnaire, load_questionnaire
from pipeline.run.analysis_inputs import (
    analysis_manifest,
    audit_tally,
    enough_to_show,
    raking_for,
    response_sums,
    weighting_for,
)
from pipeline.stats.raking import RAKE_FACTORS, stored_factors

QUESTIONNAIRE_COPY = "questionnaire.yaml"  # stored with the results: what a later wave compares against
INTERIM_UNSEALED = ("ingested",)  # the ingest cache checks each of its files itself (``IngestCache.carry``)


@dataclass
class SurveyPaths:
    """Where one survey's stages read and write: ``root`` is resolved once (a relative root works from any
    working directory, including the report kernels'), and the survey name must be a plain name."""

    survey: str
    root: Path = PROJECT_ROOT

    def __post_init__(self) -> None:
        self.survey = survey_directory_name(self.survey)
        self.root = Path(self.root).resolve()

    def lock(self):
        """The survey's lock (``reports/<survey>/.lock``): one stage or run at a time."""
        from pipeline.run.lock import survey_lock

        for folder in (self.reports, self.interim, self.processed):  # a planted link leads nowhere else
            if folder.exists() and not folder.resolve().is_relative_to(self.root):
                raise SurveyError(f"{folder} 指向项目目录之外（{folder.resolve()}）；"
                                  "本次运行没有写入任何内容。请删除这个链接后重新运行")
        return survey_lock(self.reports)

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
                mapping: Path | None = None, date_order: str | None = None,
                tx: Transaction | None = None, scheduler: str | None = None,
                previous_release: bool = True) -> dict[str, int]:
    """Ingest every input file, apply the quality rules and write responses + audit to interim/; a unit whose
    respondents changed by fewer than ``MIN_CELL`` since the previous run keeps its previous rows
    (``pipeline.clean.release``; ``previous_release=False``: the rows as they are now, for a new survey).

    Each export is ingested part by part into the ingest cache, then cleaned from it part by part
    (``pipeline.clean.clean_parts``): memory holds one part and a few numbers per row, never the survey.
    With a Dask ``scheduler``, each export file is read on a worker (one task per file, written to the
    ingest cache on the shared file system)."""
    from contextlib import nullcontext

    from pipeline.clean import KEPT, RULE_ORDER, clean_parts
    from pipeline.clean.release import hold_changes
    from pipeline.common.tables import coalesced
    from pipeline.ingest import cache_inputs, read_mapping
    from pipeline.ingest.cache import IngestCache

    def cluster():
        from pipeline.run.execute import executor

        return executor(1, scheduler, len(inputs))

    with staged_dir(paths.interim, tx) as staging, (cluster() if scheduler else nullcontext()) as pool:
        cache = IngestCache(paths.interim / "ingested", staging / "ingested")
        keys = cache_inputs(inputs, questionnaire, read_mapping(mapping), date_order, cache, pool)
        by = clean_parts(lambda columns: coalesced(p for k in keys for p in cache.parts(k, columns)),
                         questionnaire, staging)
        by_status = by.groupby(level=1).sum()
        kept = int(by_status.get(KEPT, 0))
        counts = {"rows_in": int(by.sum()), "kept": kept, "rejected": int(by.sum()) - kept}
        if kept == 0:
            by_rule = by.groupby(level=2).sum()
            listed = "、".join(f"{r}{int(by_rule[r])}份" for r in RULE_ORDER if r in by_rule)
            raise SurveyError(f"全部{counts['rows_in']}份答卷都未通过清洗规则（{listed}），没有可分析的数据；"
                              "请核对导出文件，或问卷定义中的清洗规则（quality:）")
        if previous_release:
            hold_changes(paths.interim, staging, questionnaire)
        seal(staging, INTERIM_UNSEALED)  # every file checked when a later run reads it (``stored_damage``)
    return counts


def earlier_questionnaires(paths: SurveyPaths, names: list[str],
                           questionnaire: Questionnaire) -> list[tuple[SurveyPaths, Questionnaire]]:
    """Each earlier survey named by ``--previous`` and the questionnaire it used (the copy stored with its
    results; this one when it has none) — after checking it can be compared: not this survey itself,
    analysed already, and asking at least one Likert item this questionnaire asks too."""
    from pipeline.analyze.waves import other_scale, shared_items

    out = []
    for name in names:
        earlier = SurveyPaths(name, paths.root)
        if earlier.survey == paths.survey:
            raise SurveyError(f"--previous 指定的“{name}”就是本次调查，不能和自己比较；请写往次调查的名称")
        responses = earlier.interim / "responses.parquet"
        if not responses.exists():
            raise SurveyError(f"找不到上一轮调查“{name}”的清洗结果（{responses}），请先对它运行 survey run")
        copy = earlier.processed / QUESTIONNAIRE_COPY
        q = load_questionnaire(copy) if copy.exists() else questionnaire
        differ = other_scale(questionnaire, q)
        levels = {i: (len(q.by_id[questionnaire.renamed.get(i, i)].options),
                      len(questionnaire.by_id[i].options)) for i in differ}
        listed = "、".join(f"{questionnaire.by_id[i].short}（往次{a}级、本次{b}级）" for i, (a, b) in
                           list(levels.items())[:6]) + ("等" if len(differ) > 6 else "")
        if differ and not shared_items(questionnaire, q):
            raise SurveyError(f"往次调查“{name}”与本次问卷的量表不同：两次都问的{len(differ)}道题（{listed}）"
                              "选项个数或文字不一致，得分不能直接比较；请去掉 --previous")
        if differ:
            print(f"提示：往次调查“{name}”中有{len(differ)}道题（{listed}）的量表与本次不同（选项个数或文字不一致），"
                  "这些题不参加与往次的比较", file=sys.stderr)
        if not shared_items(questionnaire, q):
            raise SurveyError(f"往次调查“{name}”与本次问卷没有一道相同的量表题（按题目 id 对照，也查了 "
                              "renamed:），无法比较；如果题目改过 id，请在问卷定义的 renamed: 中写明"
                              "“新id: 旧id”")
        out.append((earlier, q))
    return out


def stage_analyze(
    questionnaire: Questionnaire,
    paths: SurveyPaths,
    questionnaire_path: Path,
    population: Path | None = None,
    weight_by: str | None = None,
    input_fingerprint: str | None = None,
    previous: list[str] | None = None,
    tx: Transaction | None = None,
    scheduler: str | None = None,
) -> Manifest:
    """Compute all statistics from interim/ in one pass; write the tables, the findings, every report's
    document and the manifest (last).

    With a population table and a weighting question, weighted unit means are added beside the
    unweighted ones (see ``pipeline.stats.weights``). With a Dask ``scheduler``, the stored responses are
    summed on the workers, one task per row group (``pipeline.analyze.sums``), and merged here.
    """
    from pipeline.analyze import analyze, write_analysis
    from pipeline.analyze.ledger import problem_ledger
    from pipeline.analyze.sums import analysis_columns
    from pipeline.analyze.waves import EarlierWave
    from pipeline.common.atomic import write_parquet, write_text
    from pipeline.common.contracts import conform
    from pipeline.common.tables import read_table_parts, stored_columns
    from pipeline.findings import all_findings, write_findings
    from pipeline.report.compose import compose_documents, write_documents

    if not (paths.interim / "responses.parquet").exists():
        raise SurveyError(f"找不到清洗后的数据 {paths.interim / 'responses.parquet'}，请先运行 survey clean")
    stored = set(stored_columns(paths.interim, "responses"))
    columns = analysis_columns(questionnaire)
    missing = [c for c in columns if c not in stored]
    if missing:
        raise SurveyError(f"清洗结果中没有问卷里的这些列：{'、'.join(missing)}；问卷在清洗之后改过，"
                          "请重新运行 survey clean（或 survey run）")
    weighting = weighting_for(questionnaire, population, weight_by)
    earlier = earlier_questionnaires(paths, previous or [], questionnaire)
    waves = [EarlierWave(e.survey, _title_of(e, q, questionnaire),
                         partial(read_table_parts, e.interim.resolve(), "responses"), q, _until_of(e),
                         stored_factors(e.processed, q) if questionnaire.design is not None else None)
             for e, q in earlier]
    # the survey's other materials, checked before any pass over the responses
    notes = read_notes(fieldwork_folder(paths.root, paths.survey), questionnaire)
    facts = read_facts(facts_file(paths.root, paths.survey), questionnaire)
    raking = raking_for(paths, questionnaire, population)
    sums = response_sums(paths, questionnaire, columns, waves, scheduler, raking)
    audit, files = audit_tally(paths)
    enough_to_show(audit, questionnaire)
    result = analyze(None, audit, questionnaire, weighting=weighting, waves=waves, sums=sums, notes=notes,
                     facts=facts)
    manifest = analysis_manifest(paths, questionnaire, questionnaire_path, result, sums, audit, files, waves,
                                 population, weight_by, input_fingerprint)
    ledger = conform("problem_ledger", problem_ledger(result, questionnaire))
    units, district = all_findings(result, questionnaire)
    documents = compose_documents(result, units, district, manifest, ledger)
    with staged_dir(paths.processed, tx) as staging:
        write_analysis(result, staging)
        write_findings(units, district, staging)
        write_documents(documents, staging)
        write_text(staging / QUESTIONNAIRE_COPY, Path(questionnaire_path).read_text(encoding="utf-8"))
        write_parquet(staging / "problem_ledger.parquet", ledger)
        if raking is not None:  # explore weights the rows as the analysis did
            write_parquet(staging / RAKE_FACTORS, raking.table())
        seal(staging)
        write_text(staging / MANIFEST, manifest.model_dump_json(indent=2))  # last: the stage completed
    return manifest


def _until_of(earlier: SurveyPaths) -> str:
    """When an earlier wave's data ran to (its manifest's), which orders the waves in time; "" if unknown."""
    try:
        return read_manifest(earlier.processed).data_until
    except SurveyError:
        return ""


def _title_of(earlier: SurveyPaths, q: Questionnaire, current: Questionnaire) -> str:
    """How reports name an earlier wave: its title — or, when it had the same title as this one,
    "2025年的调查" (the year its data ran to) — never its folder's name."""
    try:
        m = read_manifest(earlier.processed)
    except SurveyError:
        return q.title if q.title != current.title else "上次调查"
    if m.title != current.title:
        return m.title
    return f"{m.data_until[:4]}年的调查" if m.data_until[:4].isdigit() else "上次调查"


def stage_report(paths: SurveyPaths, workers: int | None = None, force: bool = False,
                 scheduler: str | None = None, tx: Transaction | None = None, pdf: str | None = None):
    """Render the reports; the previous report set stays as it was until the new one is complete."""
    from pipeline.run.render import render_all

    if tx is None:
        with transaction() as own:
            return stage_report(paths, workers, force, scheduler, own, pdf)
    return render_all(paths.processed, paths.reports, workers=workers, force=force, scheduler=scheduler,
                      tx=tx, pdf=pdf)


def fingerprint(
    inputs: list[Path],
    questionnaire_path: Path,
    population: Path | None,
    weight_by: str | None,
    mapping: Path | None = None,
    places: Path | None = None,
    date_order: str | None = None,
    earlier: list[str] | None = None,
    files: list[Path] = (),
) -> str:
    """A hash of everything cleaning and analysis depend on: input files, questionnaire, its places list,
    mapping, weighting, date order, the package's version and code, and the survey's other ``files``
    (wording overrides, raking margins, fieldwork notes, unit facts)."""
    h = hashlib.sha256(f"{__version__}|{code_hash()}".encode())
    for path in [*inputs, questionnaire_path, *(p for p in (population, mapping, places) if p), *files]:
        h.update(Path(path).name.encode())
        h.update(content_hash(regular_file(path)).encode())
    h.update(f"{weight_by}|{date_order}".encode())
    for manifest in earlier or []:  # an earlier wave analysed again changes this one's comparison
        h.update(Path(manifest).read_bytes() if Path(manifest).exists() else b"-")
    return letters(h.hexdigest())


def stored_damage(paths: SurveyPaths) -> list[str]:
    """The stored results (cleaned data, analysis) changed or damaged since their stage wrote them."""
    stages = (("清洗结果", paths.interim, INTERIM_UNSEALED), ("分析结果", paths.processed, (MANIFEST,)))
    return [f"{label}/{name}" for label, folder, exclude in stages for name in damaged(folder, exclude)]


def _previous_fingerprint(paths: SurveyPaths) -> str | None:
    if not (paths.interim / "audit.parquet").exists():
        return None
    hurt = stored_damage(paths)
    if hurt:
        print(f"提示：已保存的结果文件有损坏或被改动（{'、'.join(hurt[:5])}），重新清洗和分析",
              file=sys.stderr)
        return None
    try:
        return read_manifest(paths.processed).fingerprint
    except SurveyError:  # none yet, or written by an older version: analyse again
        return None


def run_survey(inputs: list[Path], questionnaire_path: Path, paths: SurveyPaths, workers: int | None = None,
               population: Path | None = None, weight_by: str | None = None, force: bool = False,
               scheduler: str | None = None, mapping: Path | None = None, date_order: str | None = None,
               previous: list[str] | None = None, pdf: str | None = None):
    """Run every stage under the survey's lock; skip cleaning and analysis when no input changed.

    Returns (clean counts or None when skipped, render results).
    """
    from pipeline.ingest import expand_inputs

    with paths.lock():
        questionnaire = load_questionnaire(questionnaire_path)
        inputs = expand_inputs(inputs)
        questionnaire.known_places()  # a missing reference list is reported before any work
        earlier_questionnaires(paths, previous or [], questionnaire)  # and an earlier wave that cannot be
        fp = fingerprint(
            inputs,
            questionnaire_path,
            population,
            weight_by,
            mapping,
            questionnaire.places_path(),
            date_order,
            [SurveyPaths(name, paths.root).processed / MANIFEST for name in previous or []],
            [*questionnaire.wording_files(), *note_files(fieldwork_folder(paths.root, paths.survey)),
             *filter(None, [questionnaire.margins_path(), facts_file(paths.root, paths.survey)])],
        )
        counts = None
        with transaction() as tx:  # data and reports change together, or not at all (a full disk)
            if force or _previous_fingerprint(paths) != fp:
                counts = stage_clean(inputs, questionnaire, paths, mapping, date_order, tx, scheduler)
                stage_analyze(
                    questionnaire, paths, questionnaire_path, population, weight_by, input_fingerprint=fp,
                    previous=previous, tx=tx, scheduler=scheduler,
                )
            results = stage_report(paths, workers, force, scheduler, tx, pdf)
    return counts, results
