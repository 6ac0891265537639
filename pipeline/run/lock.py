"""One run at a time per survey: a second run (say, cron overlapping a slow one) exits at once."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.common.errors import SurveyError


class LockedError(SurveyError):
    """Another run holds the survey's lock."""


_held: set[int] = set()  # this process's lock descriptors


def _drop_in_child() -> None:
    """A forked child (a report worker) does not share the lock: the lock lives exactly as long as the run's
    own process, so a run killed with ``kill -9`` never blocks the next one through its orphans."""
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_drop_in_child)


def _open_lock(path: Path) -> int:
    """The lock file opened without following a symbolic link, and only if it is a regular file: a
    ``.lock`` planted as a link to a file elsewhere is never written through."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        kind = "符号链接" if path.is_symlink() else "文件夹" if path.is_dir() else "无法打开的文件"
        if kind == "无法打开的文件" and exc.errno not in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise
        raise SurveyError(f"锁文件 {path} 是一个{kind}，不是普通文件；本次运行没有写入任何内容。"
                          "请确认没有其他运行后删除它，再重新运行") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise SurveyError(f"锁文件 {path} 不是普通文件；本次运行没有写入任何内容。"
                          "请确认没有其他运行后删除它，再重新运行")
    return fd


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
    fd = _open_lock(path)
    _held.add(fd)
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
        _held.discard(fd)
        os.close(fd)
        if created and [p.name for p in directory.iterdir()] == [".lock"]:
            path.unlink(missing_ok=True)
            for d in created:  # deepest first
                if d.exists() and not any(d.iterdir()):
                    d.rmdir()
