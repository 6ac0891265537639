"""Atomic writes: a file is written to a temporary file beside it, then renamed; a stage's whole
directory is written to a staging directory beside it, then swapped in (``staged_dir``).

After a crash or ``kill -9`` at any point, a reader finds either the complete previous state or the
complete new one: never a half-written file, never a stage directory that mixes two runs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs are meant to be shared
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_with(target: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    return write_with(target, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(target: str | Path, data: Any) -> Path:
    return write_text(target, json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def write_parquet(target: str | Path, df: pd.DataFrame) -> Path:
    return write_with(target, lambda p: df.to_parquet(p, index=False))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if obj is pd.NA:
        return None
    raise TypeError(f"cannot serialise {type(obj).__name__}")


@contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory beside ``target``; on success it replaces ``target`` as a whole.

    The swap is two renames (the old directory aside, the new one in); ``recover_dir`` puts the old
    directory back if a crash fell between them. On failure the staging directory is removed and
    ``target`` is left as it was (folders made for the staging directory are removed again).
    """
    target = Path(target)
    recover_dir(target)
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    done = False
    try:
        yield staging
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
        done = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made if not done else []:
            try:
                folder.rmdir()
            except OSError:
                break


def recover_dir(target: str | Path) -> None:
    """Undo what a crash left of a swap: restore the previous directory if the new one never arrived;
    remove stale staging and old directories."""
    target = Path(target)
    if not target.parent.exists():
        return
    olds = sorted(target.parent.glob(f".{glob_escape(target.name)}.*.old"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for leftover in [*olds, *target.parent.glob(f".{glob_escape(target.name)}.*.staging")]:
        shutil.rmtree(leftover, ignore_errors=True)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
