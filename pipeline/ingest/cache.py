"""Per-file ingest cache: an export already read with the same questionnaire, options and code is not read
again. A nightly run that finds one new export in ``data/raw/`` parses only that file.

The key of a file is its name and the hash of its bytes (an export corrected in place, times kept, is read
again), the
questionnaire as loaded (with its places list), the column mapping, the date order and the package's code.
Cached files live in the clean stage's own directory (``data/interim/<survey>/ingested/``) and move with it
when the stage's directory is swapped in: a failed run leaves the previous cache as it was. Each is checked
against the hash recorded beside it before it is used: a damaged or swapped cache file is read again from
its export. They hold no
personal data in clear: free text is masked as the clean stage masks it, and IP addresses are replaced by a
keyed hash (the clean stage only needs to know which rows share an address).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import code_hash
from pipeline.common.atomic import write_parquet_parts
from pipeline.common.distinct import factorize
from pipeline.common.integrity import LETTERS_ONLY, content_hash, letters
from pipeline.common.privacy import address_part, mask_answers, redact
from pipeline.common.tables import read_table_parts
from pipeline.questionnaire import Questionnaire


def file_key(path: Path | list[Path], questionnaire: Questionnaire, overrides: dict[str, str] | None,
             date_order: str | None) -> str:
    """What an ingested file (or a batch of small files, ``pipeline.ingest.batch``) depends on, hashed."""
    from pipeline.ingest.batch import batch_key

    parts = {
        "file": ["batch", batch_key(path)] if isinstance(path, list) else [path.name, content_hash(path)],
        "questionnaire": questionnaire.model_dump_json(),
        "places": questionnaire.known_places(),
        "overrides": overrides or {},
        "date_order": date_order,
        "code": code_hash(),
    }
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True)
    return letters(hashlib.sha256(text.encode()).hexdigest()[:32])


@dataclass
class IngestCache:
    """Ingested files of the previous run (``previous``), and where this run's are put (``current``)."""

    previous: Path
    current: Path

    @staticmethod
    def _path(folder: Path, key: str) -> Path:
        """Named by the key alone: an export's file name can hold anything, even a phone number."""
        return folder / f"{key}.parquet"

    def secret(self) -> bytes:
        """The key IP addresses are hashed with: the previous run's, or a new random one."""
        old, new = self.previous / "ip-key.bin", self.current / "ip-key.bin"
        if not new.exists():
            self.current.mkdir(parents=True, exist_ok=True)
            new.write_bytes(old.read_bytes() if old.exists() else secrets.token_bytes(32))
            new.chmod(0o600)
        return new.read_bytes()

    def protect(self, frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
        """Free text masked exactly as the clean stage masks it (``mask_answers``), IP addresses replaced by a
        keyed hash."""
        out = mask_answers(frame, questionnaire.questions)
        if "ip" in out:
            secret = self.secret()
            codes, uniques = factorize(out["ip"])  # each distinct address hashed once
            address = address_part(pd.Series(uniques, dtype="string"))
            hashed = np.array(
                [None if pd.isna(a) else hmac.new(secret, a.encode(), hashlib.sha256).hexdigest()[:20]
                 .translate(LETTERS_ONLY) for a in address],
                dtype=object,
            )
            out["ip"] = pd.Series(hashed[codes], index=out.index, dtype="string")
        return out

    def carry(self, key: str) -> bool:
        """Whether the previous run cached this file under ``key``; if so it is carried over into this run's
        directory (linked, not copied, where the file system allows)."""
        old = self._path(self.previous, key)
        meta = old.with_suffix(".json")
        if not (old.exists() and meta.exists()):
            return False
        try:
            recorded = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(recorded, dict) or recorded.get("key") != key \
                or recorded.get("sha256") != content_hash(old):
            return False  # another file's cache, or damaged: the export is read again
        self.secret()  # carried over with the files hashed with it
        for src in (old, meta):
            dst = self._path(self.current, key).with_suffix(src.suffix)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        return True

    def parts(self, key: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """A file this run holds (carried over, or put by this process or a worker), part by part as it
        was ingested, each checked against the ``ingested`` contract (only ``columns``, when given)."""
        yield from read_table_parts(self.current, "ingested", file=self._path(self.current, key).name,
                                    columns=columns)

    def put(self, name: str, key: str, parts: Iterable[pd.DataFrame]) -> None:
        """A file's parts stored under ``key``, atomically, one part in memory at a time."""
        self.current.mkdir(parents=True, exist_ok=True)
        path = self._path(self.current, key)
        write_parquet_parts(path, parts)
        meta = json.dumps({"file": redact(name), "key": key, "sha256": content_hash(path)},
                          ensure_ascii=False)
        path.with_suffix(".json").write_text(meta, encoding="utf-8")
