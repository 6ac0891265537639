"""Grassroots survey research pipeline (基层调研问卷分析流水线).

Stages, one module each: ``ingest`` → ``clean`` → ``analyze`` → ``findings`` → ``render``.
Importing the package is cheap: submodules are imported where they are used.
"""

__version__ = "0.1.0"


def code_hash() -> str:
    """A hash of the package's code: results made by other code are out of date (cached per process)."""
    global _CODE_HASH
    if _CODE_HASH is None:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256()
        for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
            h.update(path.read_bytes())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


_CODE_HASH: str | None = None
