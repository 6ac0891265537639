"""Stage 4, analyze: every statistic the reports need, for all units in one pass, stored as small tables that
keep their declared contracts (``contracts``), with disclosure control applied (``disclosure``), and the
problem ledger (``ledger``). The statistics themselves are the topic modules of ``pipeline.stats``.

The names below are imported when first used, so a stage that only reads the manifest (``survey clean``)
does not load the statistics libraries."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.analyze.tables import TABLES, Analysis, analyze, read_analysis, write_analysis

__all__ = ["TABLES", "Analysis", "analyze", "read_analysis", "write_analysis"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("pipeline.analyze.tables"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
