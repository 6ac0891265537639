"""User-facing errors: one clear Chinese message naming file, row and column."""

from __future__ import annotations

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
