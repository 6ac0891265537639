"""The wording catalogue: every sentence, heading and caption a report says, as keyed Jinja2 templates in
YAML files (``zh/<part>.yaml``; the key ``problems.lead.significant`` is ``lead: significant:`` in
``problems.yaml``), read with each template's file and line so that an error can name them.

A research office overrides templates by name with a folder of the same files holding only the keys it
changes; an override is checked when the questionnaire is loaded — its key must exist, its template must
parse and use no name the shipped template does not have — and every problem is one Chinese sentence naming
the file, line and template.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, meta

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import regular_file

SHIPPED = Path(__file__).parent / "zh"


class WordingError(SurveyError):
    """A wording override (or a template) that cannot be used, in one Chinese sentence."""


@dataclass(frozen=True)
class Entry:
    """One template: its key, its text and where it was written."""

    key: str
    text: str
    file: str
    line: int

    def where(self) -> str:
        return f"措辞文件“{self.file}”第{self.line}行的“{self.key}”"


def _entries(node: yaml.Node, prefix: str, file: str) -> list[Entry]:
    """The templates of a YAML mapping, keys joined with dots, each with its line (1-based)."""
    if not isinstance(node, yaml.MappingNode):
        raise WordingError(f"措辞文件“{file}”第{node.start_mark.line + 1}行应为“名称: 措辞”的键值对")
    out = []
    for key, value in node.value:
        name = f"{prefix}.{key.value}"
        if isinstance(value, yaml.ScalarNode):
            out.append(Entry(name, str(value.value), file, value.start_mark.line + 1))
        else:
            out += _entries(value, name, file)
    return out


def read_folder(folder: Path) -> dict[str, Entry]:
    """Every template of a folder of ``<part>.yaml`` files, by key."""
    out: dict[str, Entry] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        text = regular_file(path, "措辞文件").read_text(encoding="utf-8")
        try:
            node = yaml.SafeLoader(text).get_single_node()
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            at = f"第{line + 1}行" if line is not None else ""
            raise WordingError(
                f"措辞文件“{path.name}”{at}无法解析（YAML 格式错误）", file=str(path)
            ) from None
        if node is not None:
            out.update({e.key: e for e in _entries(node, path.stem, path.name)})
    return out


@cache
def shipped() -> dict[str, Entry]:
    """The templates the project ships."""
    return read_folder(SHIPPED)


def environment() -> Environment:
    """The strict environment every template renders in: an undefined name is an error, nothing escaped."""
    return Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def _names(env: Environment, entry: Entry) -> set[str]:
    """The names a template uses (its variables, not its filters)."""
    try:
        return meta.find_undeclared_variables(env.parse(entry.text))
    except TemplateSyntaxError as exc:
        raise WordingError(f"{entry.where()}有语法错误（模板第{exc.lineno}行：{exc.message}）") from None


def read_overrides(folder: Path) -> dict[str, str]:
    """A research office's templates (key → text), each checked against the shipped one it replaces."""
    folder = Path(folder)
    if not folder.is_dir():
        raise WordingError(f"问卷定义中 report.wording 指定的措辞文件夹“{folder}”不存在")
    from pipeline.wording.say import Wording  # the environment with the filters templates use

    own, base = read_folder(folder), shipped()
    env = Wording().env
    for key, entry in own.items():
        if key not in base:
            close = difflib.get_close_matches(key, list(base), n=1)
            hint = f"，最接近的是“{close[0]}”" if close else ""
            raise WordingError(f"{entry.where()}不是可替换的措辞名称{hint}")
        unknown = sorted(_names(env, entry) - _names(env, base[key]) - set(GLOBALS))
        if unknown:
            allowed = "、".join(sorted(_names(env, base[key]) | set(GLOBALS))) or "（无）"
            raise WordingError(
                f"{entry.where()}用到了未知的名称“{'、'.join(unknown)}”（可用的名称：{allowed}）"
            )
    return {key: entry.text for key, entry in own.items()}


# the survey's own words every template may use, filled from the questionnaire's report section
GLOBALS = ("area", "rest", "unit_label", "community_label", "respondents", "rate_name", "topic")
