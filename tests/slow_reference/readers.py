"""The reader as it was before the pyarrow fast path: every text file through pandas' tolerant CSV reader.

The project's reader keeps that path as its fallback (ragged rows, blank lines); here it is taken always.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from pipeline.ingest import readers, text_tables
from pipeline.ingest.grid import Scorer, Table, header_score


def read_table(path: Path, score: Scorer = header_score) -> Table:
    with mock.patch.object(text_tables, "_arrow_grid", lambda *args: None):
        return readers.read_table(path, score)
