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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.common.errors import WriteError, is_write_problem, write_error


@contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """An ``OSError`` the machine raises while ``path`` is written (disk full, read-only, no permission) as
    one Chinese ``WriteError``."""
    try:
        yield
    except OSError as exc:
        if not is_write_problem(exc):
            raise
        raise write_error(exc, path) from None


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success."""
    target = Path(target)
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                   dir=target.parent)
        os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs are meant to be shared
    try:
        with writing(target):
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


class ParquetParts:
    """Frames of one schema appended as the row groups of one Parquet file (the schema, pandas' types
    included, is the first frame's), so that a table is written one part in memory at a time."""

    def __init__(self, path: Path) -> None:
        self.path, self.writer = path, None

    def write(self, part: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self.writer.schema if self.writer is not None else None
        table = pa.Table.from_pandas(part, preserve_index=False, schema=schema)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)


@contextmanager
def parquet_parts(target: str | Path) -> Iterator[ParquetParts]:
    """A ``ParquetParts`` writing to a temporary file moved onto ``target`` when the block ends without an
    error (and with at least one part written)."""
    with atomic_path(target) as tmp:
        parts = ParquetParts(tmp)
        try:
            yield parts
        finally:
            if parts.writer is not None:
                parts.writer.close()
        if parts.writer is None:
            raise ValueError(f"no part written to {Path(target).name}")


def write_parquet_parts(target: str | Path, parts: Iterable[pd.DataFrame]) -> Path:
    """Frames of one schema written as the row groups of one Parquet file, atomically."""
    with parquet_parts(target) as out:
        for part in parts:
            out.write(part)
    return Path(target)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if obj is pd.NA:
        return None
    raise TypeError(f"cannot serialise {type(obj).__name__}")


class Transaction:
    """Several stages' results kept together: a stage's new directory is swapped in at once (the next stage
    reads it), but the previous one is kept aside until ``commit``; ``rollback`` puts every previous
    directory back and every replaced file (``keep``) too. After a crash, ``recover_dir`` and
    ``remove_leftovers`` settle on the newer complete results."""

    def __init__(self) -> None:
        self.swapped: list[tuple[Path, Path]] = []  # (directory, its previous version aside)
        self.kept: list[tuple[Path, Path | None]] = []  # (file, its previous version, or None: it is new)
        self.backup: Path | None = None

    def keep(self, folder: Path) -> None:
        """Remember every file now under ``folder`` (hard links beside it, no copy) so that ``rollback`` can
        restore it; files written later that did not exist are removed by ``rollback``. Logs and the lock
        are not results: they are left as the run wrote them."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.backup = Path(tempfile.mkdtemp(prefix=".", suffix=BACKUP_SUFFIX, dir=folder))
        self.folder = folder
        for path in sorted(folder.rglob("*")):
            if path.is_file() and self.backup not in path.parents and not _not_a_result(path):
                link = self.backup / path.relative_to(folder)
                link.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, link)
                self.kept.append((path, link))

    def commit(self) -> None:
        for _, old in self.swapped:
            shutil.rmtree(old, ignore_errors=True)
        if self.backup is not None:
            shutil.rmtree(self.backup, ignore_errors=True)
        self.swapped, self.kept, self.backup = [], [], None

    def rollback(self) -> list[Path]:
        """Put every previous result back; the paths that could not be (the machine refused the write: they
        hold this run's version, or are gone), so that the user can be told exactly what is new."""
        left: list[Path] = []
        for target, old in reversed(self.swapped):
            try:
                shutil.rmtree(target, ignore_errors=True)
                if old.exists():
                    os.rename(old, target)
            except OSError:
                left.append(target)
        if self.backup is not None:
            known = {path for path, _ in self.kept}
            for path in sorted(self.folder.rglob("*")):
                if path.is_file() and self.backup not in path.parents and path not in known \
                        and not _not_a_result(path):
                    try:
                        path.unlink(missing_ok=True)  # written by the run that failed
                    except OSError:
                        left.append(path)
            for path, link in self.kept:
                try:
                    os.replace(link, path)
                except OSError:
                    if not (path.exists() and os.path.samefile(link, path)):  # not still the previous file
                        left.append(path)
            shutil.rmtree(self.backup, ignore_errors=True)
        self.swapped, self.kept, self.backup = [], [], None
        return left


BACKUP_SUFFIX = ".backup"


def _not_a_result(path: Path) -> bool:
    return path.suffix == ".log" or path.name == ".lock" or BACKUP_SUFFIX in path.name


def remove_leftovers(folder: str | Path) -> int:
    """What a killed run left in ``folder``: temporary files of atomic writes and a transaction's backup of
    the files it replaced (the files themselves are complete: the newer stay)."""
    folder = Path(folder)
    stale = [p for p in folder.rglob(".*.tmp*") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    for backup in folder.glob(f".*{BACKUP_SUFFIX}"):
        shutil.rmtree(backup, ignore_errors=True)
    return len(stale)


@contextmanager
def transaction() -> Iterator[Transaction]:
    """A ``Transaction`` committed when the block ends, rolled back when it raises."""
    tx = Transaction()
    try:
        yield tx
    except BaseException as exc:
        left = tx.rollback()
        if left and isinstance(exc, WriteError):
            raise WriteError(not_restored(exc.message, left)) from None
        raise
    tx.commit()


def not_restored(message: str, left: list[Path]) -> str:
    """A refused write's message when the previous results could not all be put back either: which files are
    this run's (or missing) and that everything else is the previous run's."""
    said = message.split("。上一次的完整结果保持不变")[0]
    left = sorted(left)
    names = "、".join(p.name for p in left[:8]) + (f"等{len(left)}个" if len(left) > 8 else "")
    return (f"{said}。恢复上一次的结果时也被拒绝：{names}是本次运行写入的新版本（或已缺失），"
            "其余文件仍是上一次的完整结果；请检查权限或腾出空间后重新运行，即可补齐")


@contextmanager
def staged_dir(target: str | Path, tx: Transaction | None = None) -> Iterator[Path]:
    """Yield an empty staging directory beside ``target``; on success it replaces ``target`` as a whole.

    The swap is two renames (the old directory aside, the new one in); ``recover_dir`` puts the old
    directory back if a crash fell between them. On failure the staging directory is removed and
    ``target`` is left as it was (folders made for the staging directory are removed again). Within a
    transaction ``tx`` the old directory is kept aside until the transaction ends.
    """
    target = Path(target)
    recover_dir(target)
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    done = False
    try:
        with writing(target):
            yield staging
            old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
            if target.exists():
                os.rename(target, old)
            os.rename(staging, target)
        if tx is not None:
            tx.swapped.append((target, old))
        else:
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
