"""User-facing errors: one clear Chinese message naming file, row and column."""

from __future__ import annotations

import errno

from pipeline.common.limits import clip


class SurveyError(Exception):
    """An error caused by the user's input, reported without a traceback.

    The message is in Chinese and names where the problem is (file, row, column or item id)
    and what was expected.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"文件“{self.file}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列“{clip(self.column)}”")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


WRITE_PROBLEMS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出了磁盘配额",
    errno.EROFS: "磁盘或目录是只读的",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EIO: "磁盘读写出错",
    errno.EFBIG: "文件超出了文件系统允许的大小",
}


class WriteError(SurveyError):
    """A file could not be written (disk full, read-only, no permission): the machine's problem, said in
    Chinese, with what was kept."""


def write_error(exc: OSError, path: object) -> WriteError:
    """``exc``, raised while writing ``path``, as one Chinese sentence."""
    why = WRITE_PROBLEMS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return WriteError(f"写入失败：{why}（{path}）。上一次的完整结果保持不变；请腾出空间或检查权限后重新运行")


def is_write_problem(exc: BaseException) -> bool:
    """Whether ``exc`` is the machine refusing a write (not a bug): disk full, read-only, no permission."""
    return isinstance(exc, WriteError) or (isinstance(exc, OSError) and exc.errno in WRITE_PROBLEMS)


def write_message(exc: BaseException, path: object) -> str:
    """What to tell the user about a refused write, whether already a ``WriteError`` or a bare ``OSError``."""
    return exc.message if isinstance(exc, WriteError) else write_error(exc, path).message  # type: ignore[arg-type]
