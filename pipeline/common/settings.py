"""Settings read from the environment: each name with its default, its bounds and what it means, checked
once when a command starts so that a value that makes no sense is one Chinese sentence naming the variable
(exit 2) — never silently replaced by the default, never blamed on the data.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One environment variable: a whole number or seconds within bounds, or one of ``choices``."""

    name: str
    meaning: str
    default: float | str
    minimum: float = 0
    maximum: float = math.inf
    whole: bool = True
    choices: tuple[str, ...] = ()

    def problem(self, text: str) -> str | None:
        """Why ``text`` is not a valid value (None: it is)."""
        if self.choices:
            return None if text in self.choices else f"可选：{'、'.join(self.choices)}"
        try:
            value = int(text) if self.whole else float(text)
        except ValueError:
            return "应为整数" if self.whole else "应为数字（秒）"
        if not self.minimum <= value <= self.maximum:
            high = "" if self.maximum == math.inf else f"、不大于{_number(self.maximum)}"
            return f"应不小于{_number(self.minimum)}{high}"
        return None

    def value(self) -> float | str:
        """The environment's value, or the default where unset (an invalid one too: ``check_environment``
        refuses it before any work)."""
        text = os.environ.get(self.name, "").strip()
        if not text or self.problem(text) is not None:
            return self.default
        if self.choices:
            return text
        return int(text) if self.whole else float(text)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


SETTINGS = {
    s.name: s
    for s in (
        # an answer longer than this is cut (问卷星's longest text box takes 10,000)
        Setting("SURVEY_MAX_CELL_CHARS", "单个答案的最大字数", 10_000, minimum=200),
        Setting("SURVEY_MAX_UNPACKED_BYTES", "xlsx 解压后的最大字节数", 1 << 30, minimum=1 << 20),
        Setting("SURVEY_MAX_UNPACK_RATIO", "xlsx 解压后与压缩前大小的最大倍数", 100, minimum=10),
        # a workbook whose sheets hold more XML than this is read block by block (any size Excel holds)
        Setting("SURVEY_XLSX_STREAM_BYTES", "xlsx 工作表超过此字节数时逐块读取", 64 << 20, minimum=0),
        Setting("SURVEY_DASK_CONNECT_TIMEOUT", "等待 Dask 调度器应答的秒数", 30.0, minimum=1, whole=False),
        Setting("SURVEY_DASK_WORKER_WAIT", "等待 Dask 集群出现 worker 的秒数", 60.0, minimum=1, whole=False),
        Setting("SURVEY_PDF", "是否打印 PDF", "auto", choices=("auto", "yes", "no")),
    )
}


def setting(name: str) -> float | str:
    """The value of the environment setting ``name`` (its default where unset)."""
    return SETTINGS[name].value()


def check_environment() -> None:
    """Refuse, in one Chinese sentence per variable, every environment setting whose value makes no sense."""
    # imported here: errors quotes values through limits, which reads the settings
    from pipeline.common.errors import SurveyError

    wrong = []
    for s in SETTINGS.values():
        text = os.environ.get(s.name, "").strip()
        if text and (why := s.problem(text)) is not None:
            wrong.append(f"环境变量 {s.name}（{s.meaning}）的值“{text[:40]}”无效，{why}")
    if wrong:
        raise SurveyError("；".join(wrong) + "。请改正或删去这个环境变量后重新运行")
