"""Per-file ingest cache: an export already read with the same questionnaire, options and code is not read
again. A nightly run that finds one new export in ``data/raw/`` parses only that file.

The key of a file is its name, size and modification time (raw data is never modified in place), the
questionnaire as loaded (with its places list), the column mapping, the date order and the package's code.
Cached files live in the clean stage's own directory (``data/interim/<survey>/ingested/``) and move with it
when the stage's directory is swapped in: a failed run leaves the previous cache as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import code_hash
from pipeline.common.atomic import write_parquet
from pipeline.common.names import output_path
from pipeline.questionnaire import Questionnaire


def file_key(path: Path, questionnaire: Questionnaire, overrides: dict[str, str] | None,
             date_order: str | None) -> str:
    """What an ingested file depends on, hashed."""
    stat = path.stat()
    parts = {
        "file": [path.name, stat.st_size, stat.st_mtime_ns],
        "questionnaire": questionnaire.model_dump_json(),
        "places": questionnaire.known_places(),
        "overrides": overrides or {},
        "date_order": date_order,
        "code": code_hash(),
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class IngestCache:
    """Ingested files of the previous run (``previous``), and where this run's are put (``current``)."""

    previous: Path
    current: Path

    def _path(self, folder: Path, name: str, key: str) -> Path:
        return output_path(folder, f"{name}.{key[:12]}", ".parquet")

    def get(self, name: str, key: str) -> pd.DataFrame | None:
        """The cached frame of a file, carried over into this run's directory; None if there is none."""
        old = self._path(self.previous, name, key)
        meta = old.with_suffix(".json")
        if not (old.exists() and meta.exists()):
            return None
        if json.loads(meta.read_text(encoding="utf-8")).get("key") != key:
            return None
        frame = pd.read_parquet(old)
        self.current.mkdir(parents=True, exist_ok=True)
        for src in (old, meta):
            dst = self._path(self.current, name, key).with_suffix(src.suffix)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        return frame

    def put(self, name: str, key: str, frame: pd.DataFrame) -> None:
        path = self._path(self.current, name, key)
        write_parquet(path, frame)
        path.with_suffix(".json").write_text(json.dumps({"file": name, "key": key}, ensure_ascii=False),
                                             encoding="utf-8")
