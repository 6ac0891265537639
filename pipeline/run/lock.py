"""One run at a time per survey: a second run (say, cron overlapping a slow one) exits at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.common.errors import SurveyError


class LockedError(SurveyError):
    """Another run holds the survey's lock."""


@contextmanager
def survey_lock(directory: Path) -> Iterator[None]:
    """Hold ``directory/.lock`` exclusively (released automatically if the process dies).

    Directories created only to hold the lock are removed again if the run left nothing in them
    (a run that stopped on bad input leaves no trace).
    """
    created = []
    d = directory
    while not d.exists():
        created.append(d)
        d = d.parent
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "未知"
            raise LockedError(f"另一个运行（进程 {holder}）正在写入 {directory}，本次运行直接退出；"
                              "请等它结束后再运行") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
        if created and [p.name for p in directory.iterdir()] == [".lock"]:
            path.unlink(missing_ok=True)
            for d in created:  # deepest first
                if d.exists() and not any(d.iterdir()):
                    d.rmdir()
