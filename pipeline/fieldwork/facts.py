"""Facts about each unit (党组织数, 党员数, 城镇化率 …) from the research office's own statistics table,
``data/external/<survey>/units.csv`` (or ``.xlsx``): a ``unit`` column and the columns the questionnaire
declares under ``facts:``. Every error names the file, row and column; an unknown unit names the closest
known ones. A unit the table leaves out simply has no facts, and so does every unit of a survey without the
table (a questionnaire declaring facts is also a template for surveys whose office has no such table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import read_small_table
from pipeline.common.matching import Names, nearest, unit_key
from pipeline.questionnaire import Questionnaire

FACT_COLUMNS = ["unit", "fact", "value", "text"]


def facts_file(root: Path, survey: str) -> Path | None:
    """The survey's unit facts table, if there is one."""
    folder = root / "data" / "external" / survey
    return next((p for p in (folder / "units.csv", folder / "units.xlsx") if p.is_file()), None)


def read_facts(path: Path | None, q: Questionnaire) -> pd.DataFrame:
    """The declared facts per unit, long (``FACT_COLUMNS``: unit, fact column, its number, its text); empty
    where the questionnaire declares none or there is no table (``path`` None)."""
    if not q.facts or path is None:
        return pd.DataFrame(columns=FACT_COLUMNS)
    file = str(path)
    table = read_small_table(path, "单位基本数据表", dtype=str)
    table.columns = [str(c).strip() for c in table.columns]
    needed = ["unit", *(f.column for f in q.facts)]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise SurveyError(f"单位基本数据表缺少列：{'、'.join(missing)}（问卷的 facts 声明了这些列）",
                          file=file)
    units = Names(q.unit_question.options, unit_key)
    rows, seen = [], set()
    for i, record in enumerate(table[needed].itertuples(index=False), start=2):
        written = str(record[0]).strip()
        found = units.match(written)
        if found is None:
            hint = nearest(written, units.names, "问卷中的单位有")
            raise SurveyError(f"单位“{written}”不是问卷中的单位；{hint}", file=file, row=i, column="unit")
        unit = units.names[found]
        if unit in seen:
            raise SurveyError(f"单位“{unit}”在单位基本数据表中出现了不止一次", file=file, row=i,
                              column="unit")
        seen.add(unit)
        for fact, raw in zip(q.facts, record[1:], strict=True):
            text = "" if not isinstance(raw, str) else raw.strip()
            rows.append((unit, fact.column, _number(text, fact.kind, file, i, fact.column), text))
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def _number(text: str, kind: str, file: str, row: int, column: str) -> float:
    """A fact's value as a number (NaN for text facts and empty cells)."""
    if kind == "text" or text == "":
        return np.nan
    share = kind == "share" and text.endswith(("%", "％"))
    value = pd.to_numeric(text.rstrip("%％").replace(",", ""), errors="coerce")
    if pd.isna(value) or (kind == "count" and value % 1) or (kind == "share" and not 0 <= (
            value / 100 if share else value) <= 1):
        expected = {"count": "整数", "number": "数字", "share": "0到1之间的比例或百分数（如18.5%）"}[kind]
        raise SurveyError(f"“{text}”不是{expected}", file=file, row=row, column=column)
    return float(value) / 100 if share else float(value)
