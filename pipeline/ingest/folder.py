"""The exports in a folder given as ``--input``: every file that is an export, a note for each file that is
not (a 说明.txt beside them), and a refusal where the files belong to different surveys (two waves' exports
left in one raw folder) — named by their file names: 问卷星 names a download
``{问卷ID}_按文本_{标题}_{N}_{M}.xlsx``, and offices put the year in the name. Files named one by one on the
command line are taken as the user's choice and not compared.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipeline.common.errors import SurveyError
from pipeline.ingest.readers import content_kind, table_width

EXPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".sav")
WJX_NAME = re.compile(r"^(?P<id>\d{5,})_按(?:文本|序号|分数)_(?P<title>.+?)(?:_\d+){0,2}$")
YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _is_export(path: Path) -> bool:
    """Whether a text file is a table (a header of at least two columns); every other kind counts as an
    export here (a damaged or protected workbook is still said to be one, by its own reader)."""
    if content_kind(path) != "text":
        return True
    return table_width(path) >= 2


def survey_marks(path: Path) -> tuple[str | None, frozenset[str]]:
    """What a file's name says of its survey: the 问卷星 questionnaire's id, and the years named."""
    m = WJX_NAME.match(path.stem)
    return (f"问卷星问卷{m['id']}" if m else None), frozenset(YEAR.findall(path.stem))


def folder_exports(folder: Path) -> list[Path]:
    """The export files in ``folder`` (sorted), after the checks above."""
    found = sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith((".", "~$"))
                   and f.suffix.lower() in EXPORT_SUFFIXES)
    exports = []
    for f in found:
        if _is_export(f):
            exports.append(f)
        else:
            print(f"提示：文件夹中的“{f.name}”不是问卷导出文件（不是表格），已跳过", file=sys.stderr)
    if not exports:
        raise SurveyError("文件夹中没有导出文件（.xlsx、.xls、.csv、.sav）", file=str(folder))
    _one_survey(folder, exports)
    return exports


def _one_survey(folder: Path, files: list[Path]) -> None:
    marks = {f: survey_marks(f) for f in files}
    titles = {t for t, _ in marks.values() if t}
    years = {y for _, ys in marks.values() for y in ys}
    if len(titles) > 1 or len(years) > 1:
        which = sorted(titles) if len(titles) > 1 else sorted(f"{y}年" for y in years)
        named = "、".join(f"“{f.name}”" for f in files[:6]) + ("等" if len(files) > 6 else "")
        raise SurveyError(
            f"文件夹中的导出文件看起来属于不同的调查（{'、'.join(which)}）：{named}；两次调查一起导入会被"
            "当作同一次分析。请把往次的文件移到别的文件夹（与往次比较用 --previous），"
            "或在 --input 中逐个写明要导入的文件",
            file=str(folder))
