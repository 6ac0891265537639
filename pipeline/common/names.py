"""Names are data, never paths: one function turns a unit, survey or title into a safe file name.

Every file named after something a user or a respondent typed (a report per unit, the findings JSON,
the workbook named after the survey's title) gets its name from ``safe_name``, and ``inside`` checks
that the path it builds stays within the directory it belongs to. A name that cannot be made safe is
a clear Chinese error before anything is written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from pipeline.common.errors import SurveyError
from pipeline.common.limits import MAX_SHOWN_CHARS

DISTRICT = "全区"  # the district aggregate's name in stored tables
NO_UNIT = "未填写单位"  # how rows without a unit are listed (counted in the district totals, then rejected)
OVERVIEW_NAME = (
    "全区总体情况"  # the district overview's report (its file name; the link says the area's own name)
)
INDEX_NAME = "index"
RESERVED_UNIT_NAMES = (DISTRICT, OVERVIEW_NAME, INDEX_NAME, NO_UNIT)  # no unit may take these names
MAX_NAME_CHARS = 60  # 180 bytes in UTF-8: room for suffixes and temporary-file prefixes under 255 bytes
_PATH_CHARS = re.compile(r'[\\/:*?"<>|]')
_SPACES = re.compile(r"\s+")
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def strip_invisible(text: str) -> str:
    """Drop control and format characters (NUL, zero-width spaces, BOM, direction marks) and outer spaces."""
    return "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")).strip()


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds control characters (NUL, line breaks, escapes), which no name may contain."""
    return any(unicodedata.category(ch) == "Cc" for ch in str(text))


def shown(text: str) -> str:
    """``text`` as a message can show it: invisible characters spelled out (``东湖街道[U+200B]``), and a long
    value cut to its first ``MAX_SHOWN_CHARS`` characters with its length ("…（共5000000字）")."""
    text = str(text)
    out = "".join(
        f"[U+{ord(ch):04X}]" if unicodedata.category(ch) in ("Cc", "Cf") else ch
        for ch in text[:MAX_SHOWN_CHARS]
    )
    return out if len(text) <= MAX_SHOWN_CHARS else f"{out}…（共{len(text)}字）"


def safe_name(name: str, what: str = "名称") -> str:
    """A file-name stem for ``name``: no path separators, no invisible characters, at most 60 characters.

    Path characters (``/ \\ : * ? " < > |``) become ``_``; invisible characters are dropped; leading and
    trailing dots and spaces are removed; a long name is cut and given a short hash of the whole name,
    so two long names stay apart. Raises ``SurveyError`` when nothing usable is left (``..``, ``/``).
    """
    text = _SPACES.sub(" ", _PATH_CHARS.sub("_", strip_invisible(name))).strip(" .")
    if not text.strip("_ "):
        raise SurveyError(
            f"{what}“{shown(name)}”不能用作文件名（去掉路径符号和不可见字符后什么也不剩），请改用普通的文字名称"
        )
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text) > MAX_NAME_CHARS:
        digest = hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
        text = f"{text[: MAX_NAME_CHARS - 9].rstrip(' .')}_{digest}"
    return text


def survey_directory_name(name: str) -> str:
    """The survey name as a directory name; it must already be one (no silent renaming of a survey)."""
    safe = safe_name(name, "调查名称")
    if safe != str(name).strip() or str(name).strip() in (".", ".."):
        raise SurveyError(
            f'调查名称“{shown(name)}”不能包含路径符号（/ \\ : * ? " < > |）、不可见字符或“..”，'
            "也不能超过60个字；请用简单的名称，如“2026年度”"
        )
    return safe


def inside(path: Path, base: Path) -> Path:
    """``path`` resolved, after checking it lies within ``base`` (a guard against any name escaping)."""
    resolved, root = Path(path).resolve(), Path(base).resolve()
    if resolved != root and root not in resolved.parents:
        raise SurveyError(f"拒绝写入“{resolved}”：它不在本次调查的目录“{root}”之内")
    return resolved


def output_path(base: Path, name: str, suffix: str, what: str = "单位名称") -> Path:
    """``base/<safe name><suffix>``, checked to stay within ``base``."""
    return inside(Path(base) / f"{safe_name(name, what)}{suffix}", base)

OTHER_OPTION = "其他"  # an option "其他（请注明）" is never among what respondents chose most
