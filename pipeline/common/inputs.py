"""What may be read as an input, and how, so that no input can hang a run or take unbounded memory:
regular files only (a FIFO or a device would block a read forever, holding the survey's lock), and YAML
whose aliases expand to a bounded number of nodes (a kilobyte "billion laughs" file expands to billions).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from pipeline.common.errors import SurveyError
from pipeline.common.limits import MAX_YAML_NODES

if TYPE_CHECKING:
    import pandas as pd


def regular_file(path: str | Path, what: str = "文件") -> Path:
    """``path`` if it is an existing regular file (symbolic links followed); a Chinese error otherwise."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SurveyError(f"{what}不存在", file=str(path)) from None
    except OSError as exc:
        raise SurveyError(f"{what}无法读取（{exc.strerror}）", file=str(path)) from None
    if stat.S_ISDIR(mode):
        raise SurveyError(f"这是一个文件夹，不是{what}", file=str(path))
    if not stat.S_ISREG(mode):
        raise SurveyError(f"这不是普通文件（是管道、设备或套接字），不能作为{what}读取", file=str(path))
    return path


def read_small_table(path: str | Path, what: str, dtype=None) -> pd.DataFrame:
    """A small reference table a user keeps beside the survey (CSV in UTF-8, or Excel), named ``what`` in
    every error: a missing, special or unreadable file is one Chinese sentence."""
    import pandas as pd

    path = regular_file(path, what)
    try:
        return (pd.read_excel(path, dtype=dtype) if path.suffix.lower() in (".xlsx", ".xls")
                else pd.read_csv(path, encoding="utf-8-sig", dtype=dtype))
    except (OSError, ValueError) as exc:
        raise SurveyError(f"{what}无法读取：{exc}", file=str(path)) from None


class _Recursive(Exception):
    """An alias that refers to a node containing it."""


def _expanded_size(node: yaml.Node, sizes: dict[int, int | None]) -> int:
    """How many nodes ``node`` stands for once every alias is expanded (each node counted once per use)."""
    if id(node) in sizes:
        size = sizes[id(node)]
        if size is None:
            raise _Recursive
        return size
    sizes[id(node)] = None  # being measured
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def load_yaml(path: str | Path, what: str) -> object:
    """A YAML file read safely: a regular file, plain data only (``SafeLoader``), and refused when its aliases
    would expand to more than ``MAX_YAML_NODES`` nodes. Errors are Chinese and name the file."""
    path = regular_file(path, what)
    try:
        text = path.read_text(encoding="utf-8")
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            try:
                too_big = node is not None and _expanded_size(node, {}) > MAX_YAML_NODES
            except _Recursive:
                raise SurveyError(f"{what}中有循环引用的 YAML 别名（“&”定义的内容又引用了自己）",
                                  file=str(path)) from None
            if too_big:
                raise SurveyError(f"{what}展开后超过{MAX_YAML_NODES}个条目（大量使用 YAML 别名“*”引用），"
                                  "拒绝读取", file=str(path))
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SurveyError(f"{what}无法解析（YAML 格式错误）：{exc}", file=str(path)) from None
    except RecursionError:
        raise SurveyError(f"{what}嵌套过深，无法解析", file=str(path)) from None
