"""How many questionnaires to issue per unit (``survey plan``): the sample size that estimates a share
(满意率) within a target margin of error, with an assumed design effect, the finite-population correction and
an expected response rate — svy's ``SampleSize.estimate_prop``:

    n0 = z² p (1 − p) / e²,  n1 = ⌈deff · n0⌉,  n2 = ⌈N n1 / (N + n1 − 1)⌉,  issue = ⌈n2 / response rate⌉

(each step rounded up), never more than the unit's population. The population table has one row per unit:
columns ``unit`` and ``population``; a unit it names that the questionnaire does not know is an error naming
the closest known ones, as is a unit of the questionnaire the table leaves out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import SurveyError
from pipeline.common.inputs import read_small_table
from pipeline.common.matching import nearest


def read_unit_population(path: str | Path, units: list[str]) -> dict[str, int]:
    """Each unit's population from a CSV or Excel table (``unit``, ``population``), checked against the
    questionnaire's units (``units``)."""
    path = Path(path)
    table = read_small_table(path, "单位人口表", dtype={"unit": str})
    missing = [c for c in ("unit", "population") if c not in table.columns]
    if missing:
        raise SurveyError(f"单位人口表缺少列：{'、'.join(missing)}（应有 unit、population 两列）",
                          file=str(path))
    size = pd.to_numeric(table["population"], errors="coerce")
    bad = size.isna() | (size <= 0) | (size % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise SurveyError("population 应为正整数（该单位的人口或应答对象总数）", file=str(path), row=row,
                          column="population")
    names = table["unit"].astype(str).str.strip()
    for i, name in enumerate(names):
        if name not in units:
            raise SurveyError(f"单位“{name}”不在问卷的单位中（{nearest(name, units, '问卷中的单位')}）",
                              file=str(path), row=i + 2, column="unit")
    twice = names[names.duplicated()].tolist()
    if twice:
        raise SurveyError(f"单位人口表中“{twice[0]}”出现了不止一次", file=str(path))
    left_out = [u for u in units if u not in set(names)]
    if left_out:
        raise SurveyError(f"单位人口表缺少这些单位：{'、'.join(left_out)}", file=str(path))
    return {u: int(n) for u, n in zip(names, size, strict=True)}


def plan_sizes(population: dict[str, int], moe: float, deff: float = 1.0, response_rate: float = 1.0,
               share: float = 0.5, alpha: float = 0.05) -> pd.DataFrame:
    """Per unit: its population, the completed questionnaires needed (``needed``: n2 above) and those to
    issue (``issue``: for the expected response rate, at most the population; ``census``: everyone)."""
    if not 0 < moe < 0.5:
        raise SurveyError(f"误差范围应在0到0.5之间（如0.05表示±5个百分点），而不是{moe}")
    if deff <= 0:
        raise SurveyError(f"设计效应应大于0（简单随机抽样为1），而不是{deff}")
    if not 0 < response_rate <= 1:
        raise SurveyError(f"预计回收率应在0到1之间（如0.85），而不是{response_rate}")
    from svy.size.base import SampleSize

    def sized(rate: float) -> dict[str, int]:
        n = SampleSize().estimate_prop(p=share, moe=moe, pop_size=population, deff=deff, resp_rate=rate,
                                       alpha=alpha).n
        return {u: int(n[u]) for u in population}

    needed, issue = sized(1.0), sized(response_rate)
    out = pd.DataFrame({"unit": list(population), "population": list(population.values()),
                        "needed": [needed[u] for u in population], "issue": [issue[u] for u in population]})
    out["census"] = out["issue"] >= out["population"]
    out["issue"] = out["issue"].clip(upper=out["population"])
    return out


def issued_yaml(plan: pd.DataFrame, note: str) -> str:
    """The plan as the questionnaire's ``issued:`` section (paste it into the questionnaire file)."""
    import yaml

    lines = [f"# {line}" for line in note.splitlines()]
    issued = dict(zip(plan["unit"], plan["issue"].astype(int).tolist(), strict=True))
    body = yaml.safe_dump({"issued": issued}, allow_unicode=True, sort_keys=False)
    return "\n".join(lines) + "\n" + body
