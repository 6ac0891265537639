"""Reading exports: one file, several files, a folder; each row mapped onto the questionnaire.

Output is one row per input row with the source file and row number, metadata (序号, submit time,
duration, an IP column that the clean stage consumes and drops) and one column per question:

- single choice: an ordered categorical of option texts (unit names normalised against the
  questionnaire's list: "XX街道办事处" is "XX街道"; an unknown unit is an error naming the closest ones);
- Likert items and Likert outcomes: the raw option code 1..k (not yet reverse-coded);
- multi-select: one boolean column per option (``problems__1`` …) and ``problems__other_text``;
- number: float; text: string (kept as written, after traditional → simplified conversion).

"(跳过)"/−3 (hidden by skip logic) and "(空)"/−2 become missing; the clean stage decides from
``show_if`` whether a missing answer was applicable. An answer that breaks a rule of its question is kept
for the clean stage to reject, with the reason in ``_issue`` — which never repeats the answer itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from pipeline.common.contracts import conform
from pipeline.common.distinct import as_text
from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file
from pipeline.common.names import strip_invisible
from pipeline.common.privacy import redact, redact_series
from pipeline.ingest import batch
from pipeline.ingest.answers import (
    Source,
    code_choice,
    code_multi,
    metadata,
    normalise_communities,
    number_answers,
    text_answers,
)
from pipeline.ingest.cache import IngestCache, file_key
from pipeline.ingest.folder import folder_exports
from pipeline.ingest.formats import normalise
from pipeline.ingest.mapping import header_scorer, map_headers, match_headers
from pipeline.ingest.readers import Ragged, Table, iter_table, read_table
from pipeline.questionnaire import Question, Questionnaire

T = TypeVar("T")


@dataclass
class Ingested:
    """The result of reading one export."""

    frame: pd.DataFrame
    file: str
    format: str = "wjx"
    mapping: dict[str, str] = field(default_factory=dict)  # header -> question id
    unmapped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader worked out (sheet, header row, encoding)
    date_order: str | None = None  # the order of day and month the submit times were read in


def ingest_frame(raw: pd.DataFrame, questionnaire: Questionnaire, file: str,
                 overrides: dict[str, str] | None = None, *, rows: np.ndarray | None = None,
                 date_order: str | None = None, row_notes: dict[int, str] | None = None,
                 files: np.ndarray | None = None) -> Ingested:
    """Map an export already read as text cells onto the questionnaire.

    ``rows`` are the file's line numbers of the rows (default: a header on line 1, then 2, 3, …);
    ``row_notes`` what the reader did to some of them (a long answer cut), kept in ``_note`` for the audit;
    ``files``, each row's file where the rows come from several files with one header (a batch of small
    exports, ``pipeline.ingest.batch``): ``row_notes`` are then not used, and 序号 is unique per file.
    """
    src = Source(file, np.asarray(rows) if rows is not None else np.arange(2, len(raw) + 2),
                 None if files is None else np.asarray(files, dtype=object))
    raw = raw.reset_index(drop=True)
    raw.columns = [strip_invisible(c) for c in raw.columns]
    twice = raw.columns[raw.columns.duplicated()].unique().tolist()
    if twice:
        raise SurveyError("、".join(f"表头“{c}”出现了{int((raw.columns == c).sum())}次" for c in twice)
                          + "；每一列的表头应不同（请检查导出文件，或用列对应文件区分）", file=file)
    df, fmt = normalise(as_text(raw), questionnaire)
    mapping, unmapped = map_headers(list(df.columns), questionnaire, file, fmt, overrides)
    meta, issues, date_order = metadata(df, src, date_order)
    where = redact(file) if files is None else redact_series(pd.Series(src.files, dtype="string")).to_numpy()
    parts: list[pd.DataFrame | pd.Series] = [
        pd.DataFrame({"_file": where, "_row": src.rows}, index=df.index), meta,
    ]
    for col, qid in mapping.items():
        q = questionnaire.by_id[qid]
        if q.type == "single":
            codes = code_choice(df[col], q, src, col)
            cat = pd.Categorical.from_codes(
                (codes.fillna(0).astype(int) - 1).to_numpy(), categories=q.options, ordered=True
            )
            parts.append(pd.Series(cat, index=df.index, name=qid))
        elif q.type == "likert":
            parts.append(code_choice(df[col], q, src, col).rename(qid))
        elif q.type == "multi":
            block, issue = code_multi(df[col], q, src, col)
            parts.append(block)
            issues = issues.fillna(issue)
        elif q.type == "number":
            nums, issue = number_answers(df[col], q, col)
            parts.append(nums.rename(qid))
            issues = issues.fillna(issue)
        else:
            parts.append(text_answers(df[col]).rename(qid))
    parts.append(issues.rename("_issue"))
    notes = pd.Series(src.rows, index=df.index).map(row_notes or {}).astype("string")
    parts.append(redact_series(notes).rename("_note"))
    frame = pd.concat(parts, axis=1)
    community = questionnaire.role("community")
    places = questionnaire.known_places()
    if community is not None and places is not None:
        col = next(c for c, i in mapping.items() if i == community.id)
        frame[community.id] = normalise_communities(
            frame[community.id], frame[questionnaire.unit_question.id], places, src, col, community.short
        )
    dup = frame["resp_id"].duplicated() if files is None else \
        pd.Series(list(zip(src.files, frame["resp_id"], strict=True)), index=frame.index).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise src.error(f"序号“{frame['resp_id'].iloc[i]}”重复出现，每份答卷的序号应唯一", i, "序号")
    return Ingested(frame=frame, file=file, format=fmt, mapping=mapping, unmapped=unmapped,
                    date_order=date_order)


def header_report(
    path: str | Path, questionnaire: Questionnaire, overrides: dict[str, str] | None = None
) -> tuple[list[tuple[Question, list[str]]], list[str], Ingested]:
    """Per question, the export's columns matched to it (none: not found); the columns matched to nothing;
    and what the reader worked out. Never raises on headers: this is the report ``survey ingest`` prints."""
    path = Path(path)
    table = read_table(path, header_scorer(questionnaire, overrides))
    raw = table.frame.reset_index(drop=True)
    raw.columns = [strip_invisible(c) for c in raw.columns]
    df, fmt = normalise(as_text(raw), questionnaire)
    mapping, unmapped = match_headers(list(df.columns), questionnaire, overrides)
    origin = df.attrs.get("origin", {})
    rows = [
        (q, [o for c, qid in mapping.items() if qid == q.id for o in origin.get(c, [c])])
        for q in questionnaire.questions
    ]
    return (
        rows,
        unmapped,
        Ingested(frame=raw.head(0), file=path.name, format=fmt, mapping=mapping, notes=table.notes),
    )


def ingest_file(path: str | Path, questionnaire: Questionnaire, overrides: dict[str, str] | None = None,
                date_order: str | None = None) -> Ingested:
    """Read one export file and return it mapped onto the questionnaire."""
    path = Path(path)
    table = read_table(path, header_scorer(questionnaire, overrides))
    parts = []
    for sheet in (table, *table.more):
        parts.append(ingest_frame(sheet.frame, questionnaire, source_label(path, sheet), overrides,
                                  rows=sheet.frame.index.to_numpy(), date_order=date_order,
                                  row_notes=sheet.row_notes))
        date_order = parts[-1].date_order
    out = parts[0]
    if len(parts) > 1:
        out.frame = pd.concat([p.frame for p in parts], ignore_index=True)
    out.notes = table.notes
    return out


def source_label(path: Path, table: Table) -> str:
    """How rows of ``table`` name their source: the file, and the worksheet where a workbook has more than
    one that counts (several read together, or hidden ones beside it)."""
    return path.name if table.sheet is None else f"{path.name}［工作表：{table.sheet}］"


def ingest_parts(path: Path, questionnaire: Questionnaire, overrides: dict[str, str] | None = None,
                 date_order: str | None = None, *, stream: bool = True) -> Iterator[pd.DataFrame]:
    """One export mapped onto the questionnaire part by part (``iter_table``: a large CSV batch by batch),
    each part as ``ingest_frame`` maps it. What the whole file decides is carried from part to part: the
    order of day and month (from the first part whose dates show it), and every 序号 seen so far — a 序号
    that repeats one of an earlier part is the same error as within a part. ``stream=False`` reads the file
    whole (one part). Raises ``Ragged`` where a later batch is not a regular CSV."""
    scorer = header_scorer(questionnaire, overrides)
    if stream:
        tables = iter_table(path, scorer)
    else:
        whole = read_table(path, scorer)
        tables = iter([whole, *whole.more])
    ids: list[np.ndarray] = []  # per part, a hash of each row's 序号
    file_rows: list[np.ndarray] = []
    for table in tables:
        rows = table.frame.index.to_numpy()
        label = source_label(path, table)
        for note in table.notes:
            print(f"提示：{path.name}：{note}", file=sys.stderr)
        out = ingest_frame(table.frame, questionnaire, label, overrides, rows=rows, date_order=date_order,
                           row_notes=table.row_notes)
        date_order = out.date_order
        resp_id = out.frame["resp_id"]
        if table.sheet is not None:  # 序号 unique within each sheet, as within a file
            resp_id = table.sheet + "\0" + resp_id.astype(str)
        ids.append(pd.util.hash_array(resp_id.to_numpy(dtype=object), categorize=False))
        file_rows.append(out.frame["_row"].to_numpy())
        yield out.frame
    if len(ids) > 1:
        _unique_ids(np.concatenate(ids), np.concatenate(file_rows), path.name)


def _unique_ids(ids: np.ndarray, rows: np.ndarray, file: str) -> None:
    """Refuse a 序号 that repeats one of an earlier row of the file (naming both rows)."""
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        j = int(np.flatnonzero(ids == ids[i])[0])
        message = f"序号与第{int(rows[j])}行的序号相同（重复出现），每份答卷的序号应唯一"
        raise Source(file, rows).error(message, i, "序号")


def expand_inputs(paths: list[str | Path]) -> list[Path]:
    """Input paths with folders replaced by the export files in them (``folder_exports``)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += folder_exports(p)
        else:
            out.append(regular_file(p, "导出文件"))
    return out


def _checked_inputs(paths: list[str | Path]) -> list[Path]:
    if not paths:
        raise SurveyError("没有指定要导入的问卷导出文件")
    paths = expand_inputs(paths)
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise SurveyError(
            "有重名的导出文件："
            + "、".join(sorted({n for n in names if names.count(n) > 1}))
            + "，请改名以便区分来源"
        )
    return paths


def ingest_files(
    paths: list[str | Path],
    questionnaire: Questionnaire,
    overrides: dict[str, str] | None = None,
    date_order: str | None = None,
    cache: IngestCache | None = None,
    pool: Executor | None = None,
) -> pd.DataFrame:
    """Ingest several exports of one survey (one per street, web + paper …), source file recorded per row,
    as one table (``cache_inputs`` and ``IngestCache.parts`` read them part by part instead)."""
    if cache is not None:
        keys = cache_inputs(paths, questionnaire, overrides, date_order, cache, pool)
        return pd.concat([part for key in keys for part in cache.parts(key)], ignore_index=True)
    frames = []
    for path in _checked_inputs(paths):  # typed as the cache reads them back
        frames += read_parts(lambda parts: [conform("ingested", p) for p in parts], path, questionnaire,
                             overrides, date_order)
    return pd.concat(frames, ignore_index=True)


def read_parts(consume: Callable[[Iterator[pd.DataFrame]], T], path: Path, questionnaire: Questionnaire,
               overrides: dict[str, str] | None, date_order: str | None) -> T:
    """``consume`` of the export's parts (``ingest_parts``); where a later block turns out not to be a
    regular CSV, ``consume`` again of the file read whole the tolerant way (what it made of the first try is
    its own to discard: the cache writes atomically)."""
    try:
        return consume(ingest_parts(path, questionnaire, overrides, date_order))
    except Ragged:
        return consume(ingest_parts(path, questionnaire, overrides, date_order, stream=False))


def cache_inputs(
    paths: list[str | Path],
    questionnaire: Questionnaire,
    overrides: dict[str, str] | None,
    date_order: str | None,
    cache: IngestCache,
    pool: Executor | None = None,
) -> list[str]:
    """Every export ingested into ``cache`` (a file already there with the same questionnaire, options and
    code is not read again); the files' cache keys, in the order of ``paths``.

    With a ``pool`` (a ``concurrent.futures`` executor, e.g. a Dask cluster's), each file still to be read
    is one task: the worker reads it and writes it to the cache (on the file system the workers share) —
    the export's text never travels through the scheduler."""
    items = batch.plan(_checked_inputs(paths), header_scorer(questionnaire, overrides))
    keys = [file_key(p, questionnaire, overrides, date_order) for p in items]
    todo = [i for i, k in enumerate(keys) if not cache.carry(k)]
    if pool is not None and todo:
        cache.secret()  # made once here, before the workers hash addresses with it
        # absolute paths: a worker runs in a directory of its own
        futures = [pool.submit(ingest_into_cache, _resolved(items[i]), questionnaire, overrides, date_order,
                               cache, keys[i]) for i in todo]
        for future in futures:  # in order: the first file that fails is the one reported, as on one machine
            future.result()
    else:
        for i in todo:
            ingest_into_cache(items[i], questionnaire, overrides, date_order, cache, keys[i])
    return keys


def _resolved(item: Path | list[Path]) -> Path | list[Path]:
    return [p.resolve() for p in item] if isinstance(item, list) else item.resolve()


def ingest_into_cache(path: Path | list[Path], questionnaire: Questionnaire, overrides: dict[str, str] | None,
                      date_order: str | None, cache: IngestCache, key: str) -> None:
    """One export (or a batch of small ones) ingested part by part, protected and stored in the cache under
    ``key`` (a worker's task)."""

    def put(parts: Iterator[pd.DataFrame]) -> None:
        cache.put(name, key, (conform("ingested", cache.protect(p, questionnaire)) for p in parts))

    if isinstance(path, list):
        name = f"{path[0].name}等{len(path)}个文件"
        read = batch.read_batch(path)
        if read is None:  # each file on its own, as the reader reads it, into the batch's one entry
            put(p for f in path for p in ingest_parts(f, questionnaire, overrides, date_order, stream=False))
            return
        table, files, lines = read
        frame = ingest_frame(table.frame, questionnaire, path[0].name, overrides, rows=lines,
                             date_order=date_order, files=files).frame
        put(iter([frame]))
        return
    name = path.name
    read_parts(put, path, questionnaire, overrides, date_order)
