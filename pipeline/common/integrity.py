"""Stored files checked on read: a hash of a file's bytes, and a stage directory's seal (the hash of every
file it wrote), so that a damaged or replaced file is noticed and derived again from its inputs — never used,
never an internal error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SEAL = "checksums.json"
LETTERS_ONLY = str.maketrans("0123456789", "ghijklmnop")


def letters(hexdigest: str) -> str:
    """A hex digest written without digits: a stored hash never looks like a phone or ID number to anyone
    (or any check) reading the file."""
    return hexdigest.translate(LETTERS_ONLY)


def content_hash(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (``letters``), read a megabyte at a time (memory does not grow with the
    file)."""
    with open(path, "rb") as fh:
        return letters(hashlib.file_digest(fh, "sha256").hexdigest())


def _sealed_files(directory: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Every file a stage wrote, but the seal, hidden ones (temporary files) and ``exclude``d names or
    folders."""
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and not p.name.startswith(".") and p.name != SEAL
                  and not set(p.relative_to(directory).parts) & set(exclude))


def seal(directory: str | Path, exclude: tuple[str, ...] = ()) -> None:
    """Record the hash of every file now under ``directory`` (but ``exclude``d names) in its seal."""
    from pipeline.common.atomic import write_text

    directory = Path(directory)
    hashes = {p.relative_to(directory).as_posix(): content_hash(p) for p in _sealed_files(directory, exclude)}
    write_text(directory / SEAL, json.dumps(hashes, ensure_ascii=False, indent=0, sort_keys=True))


def damaged(directory: str | Path, exclude: tuple[str, ...] = ()) -> list[str]:
    """The files of a sealed ``directory`` that are missing, changed or added since it was sealed (the seal
    itself when it is missing or unreadable); ``[]`` for an intact directory or one that does not exist."""
    directory = Path(directory)
    if not directory.exists():
        return []
    try:
        hashes = json.loads((directory / SEAL).read_text(encoding="utf-8"))
        assert isinstance(hashes, dict)
    except (OSError, ValueError, AssertionError):
        return [SEAL]
    present = {p.relative_to(directory).as_posix(): p for p in _sealed_files(directory, exclude)}
    wrong = sorted(set(hashes) ^ set(present))
    wrong += [name for name, p in present.items() if name in hashes and content_hash(p) != hashes[name]]
    return sorted(wrong)
