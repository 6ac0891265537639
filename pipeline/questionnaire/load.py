"""Load a questionnaire YAML file: validate it and say, in one Chinese sentence per problem, what is missing
or inconsistent, naming the file and the question id."""

from __future__ import annotations

import warnings
from pathlib import Path

from pydantic import ValidationError

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import load_yaml
from pipeline.common.names import has_control_characters, shown, strip_invisible
from pipeline.questionnaire.model import Questionnaire


def _clean_strings(raw: object, where: str = "") -> tuple[object, list[str]]:
    """Every string of the YAML without invisible format characters; where control characters are."""
    if isinstance(raw, str):
        bad = (
            [f"{where or '文件'}中的“{shown(raw)}”含有控制字符"]
            if has_control_characters(raw.strip("\r\n\t "))
            else []
        )
        return strip_invisible(raw), bad
    if isinstance(raw, dict):
        out, bad = {}, []
        for k, v in raw.items():
            key, b1 = _clean_strings(k, where)
            value, b2 = _clean_strings(v, f"{where} → {k}" if where else str(k))
            out[key] = value
            bad += b1 + b2
        return out, bad
    if isinstance(raw, list):
        items = [_clean_strings(v, where) for v in raw]
        return [v for v, _ in items], [b for _, bs in items for b in bs]
    return raw, []


_TOP_LEVEL = {
    "id": "问卷编号（id）",
    "title": "调查名称（title），报告标题要用",
    "district": "区县名称（district），报告标题和比较要用",
    "likert_scales": "量表选项（likert_scales）：量表题的选项从低到高",
    "profile": "基本情况题（profile）：至少要有标注 role: unit 的“所在单位”题",
    "dimensions": "量表维度（dimensions）：至少一个",
}

_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写是否有误？）",
    "literal_error": "取值不在允许范围内",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为键值对",
    "too_short": "条目太少",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
}


def _locate(raw: dict, loc: tuple) -> str:
    """Describe a pydantic error location, naming the item id where there is one."""
    node, parts = raw, []
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            parts.append(str(key))
            node = None
            continue
        if isinstance(node, dict) and "id" in node:
            parts.append(f"“{node['id']}”")
        elif not isinstance(key, int):
            parts.append(str(key))
    return " → ".join(parts)


def load_questionnaire(path: str | Path, unconfirmed_ok: bool = False) -> Questionnaire:
    """Read and validate a questionnaire YAML file; raise SurveyError with a Chinese message. A draft whose
    scale orders are still to be confirmed is refused, unless ``unconfirmed_ok`` (checking a fresh draft)."""
    path = Path(path)
    raw = load_yaml(path, "问卷定义文件")
    if not isinstance(raw, dict):
        raise SurveyError("问卷定义文件应为键值对结构（YAML 映射）", file=str(path))
    if unconfirmed_ok:
        raw.pop("unconfirmed", None)
    raw, control = _clean_strings(raw)
    if control:
        raise SurveyError(
            "问卷定义有误：" + "；".join(control[:5]) + "（名称和题干中不能有控制字符）", file=str(path)
        )
    try:
        questionnaire = Questionnaire.model_validate(raw)
        questionnaire._source = path.resolve()
        questionnaire.read_wording()
    except ValidationError as exc:
        raise _invalid(exc, raw, path) from None
    for advice in questionnaire.advice():
        warnings.warn(f"{path.name}：{advice}", QuestionnaireWarning, stacklevel=2)
    return questionnaire


class QuestionnaireWarning(UserWarning):
    """A questionnaire that loads but may mislead a reader (shown by the CLI as a Chinese 提示)."""


def _invalid(exc: ValidationError, raw: dict, path: Path) -> SurveyError:
    """A validation error as one Chinese message naming the file and the item ids."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
            lines.append(msg)
        elif err["type"] == "missing" and len(loc) == 1 and loc[0] in _TOP_LEVEL:
            lines.append(f"缺少{_TOP_LEVEL[loc[0]]}")
        elif err["type"] == "too_short" and loc == ("dimensions",):
            lines.append("至少需要一个量表维度（dimensions）：报告比较的就是各维度的得分")
        elif (
            err["type"] == "too_short" and len(loc) == 3 and loc[0] == "dimensions" and loc[2] == "items"
        ):
            lines.append(
                f"维度“{raw['dimensions'][loc[1]].get('id', loc[1] + 1)}”至少需要两道题（items）"
            )
        else:
            lines.append(f"{_locate(raw, loc)}：{_PYDANTIC_MESSAGES.get(err['type'], err['msg'])}")
    return SurveyError("问卷定义有误：" + "；".join(lines), file=str(path))
