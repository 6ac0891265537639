"""Synthetic but realistic 问卷星 "按文本" export with planted effects.

The demo district (示范区) has six streets (街道) and four townships (镇/乡) with four communities
or villages each. Respondents answer the default questionnaire (`questionnaires/jiceng_dangjian.yaml`).

Response model (documented so that tests can check the analysis finds what was planted):

- each respondent has a general attitude ``g ~ N(0, 1)``; each dimension's latent score is
  ``0.55 g + 0.835 e_d + effect[unit, dimension]`` with ``e_d ~ N(0, 1)``;
- an item's latent response is ``0.8 θ_d + 0.6 ε + intercept`` cut into five categories
  (about 3.8 on average); a reverse-worded item records ``6 - category``;
- overall satisfaction depends most on 服务群众, 基层减负 and 组织生活 (the "drivers");
- the multi-select problem choices and the open suggestions lean to the respondent's lowest
  dimensions.

Planted effects (latent SD units) in the default demo:

- 石桥乡 (a township) is clearly low on 信息化建设 (−1.0);
- 新华街道 (a street) is low on 基层减负 (−0.8);
- 西城街道 has no real differences: the planted effects are centred, i.e. every other unit is
  shifted up slightly so that the size-weighted mean of all units except the no-effect unit is
  exactly the baseline, which is where the no-effect unit sits.

Contamination: about 3% speeders (random answers in 25–80 s), 2% straight-liners (the same option
for every Likert item) and 2% duplicate submissions (an exact copy sent 1–15 minutes later).
A few open answers carry a planted mobile number, which the clean stage must redact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.atomic import write_with
from pipeline.formats import MULTI_SEP
from pipeline.questionnaire import Question, Questionnaire

SKIPPED = "(跳过)"
EMPTY = "(空)"

DEFAULT_UNITS: dict[str, list[str]] = {
    "东湖街道": ["东湖社区", "湖滨社区", "桂园社区", "翠湖社区"],
    "西城街道": ["西门社区", "城西社区", "文昌社区", "锦绣社区"],
    "南苑街道": ["南苑社区", "花园社区", "康乐社区", "阳光社区"],
    "北关街道": ["北关社区", "朝阳社区", "长安社区", "和平社区"],
    "新华街道": ["新华社区", "幸福社区", "光明社区", "建设社区"],
    "滨江街道": ["滨江社区", "江景社区", "望江社区", "白鹭社区"],
    "青山镇": ["青山社区", "青松村", "竹林村", "茶园村"],
    "柳河镇": ["柳河社区", "杨柳村", "河湾村", "新桥村"],
    "石桥乡": ["石桥村", "上石村", "下石村", "石岭村"],
    "白马乡": ["白马村", "马鞍村", "清泉村", "枫树村"],
}
DEFAULT_SIZES: dict[str, int] = {
    "东湖街道": 380, "西城街道": 360, "南苑街道": 330, "北关街道": 300, "新华街道": 350,
    "滨江街道": 320, "青山镇": 300, "柳河镇": 280, "石桥乡": 260, "白马乡": 240,
}
DEFAULT_PLANTED: dict[str, dict[str, float]] = {"石桥乡": {"digital": -1.0}, "新华街道": {"burden": -0.8}}
DEFAULT_NULL_UNIT = "西城街道"

PROBLEM_DIMENSIONS = [
    "responsibility", "org_life", "education_mgmt", "service", "cadres", "burden", "regional", "digital",
]

SUGGESTIONS: dict[str, list[str]] = {
    "burden": [
        "建议进一步精简填表报数，减少重复统计，让社区干部有更多时间服务居民。",
        "微信群打卡截图太多了，希望真正为基层减负，不要过度留痕。",
        "会议和文件还是偏多，台账检查太频繁，希望减少。",
    ],
    "digital": [
        "各类App重复登录、重复填报，希望整合成一个平台。",
        "村里老党员不会用手机学习，线上平台要简化操作，多教一教。",
        "希望加强信息化建设，网上办事和党员线上学习更方便。",
    ],
    "service": [
        "希望社区办事更方便一些，多听听居民的意见。",
        "为辖区老人提供更多上门服务，解决养老的实际困难。",
    ],
    "org_life": [
        "三会一课要有实际内容，不要走过场。",
        "主题党日活动形式可以更丰富一些，吸引年轻党员参加。",
    ],
    "cadres": [
        "多培养年轻干部，后备力量明显不足。",
        "社区工作者待遇偏低，人员流动大，建议提高报酬。",
    ],
    "education_mgmt": [
        "加强对流动党员的联系和管理。",
        "党员培训可以更贴近实际，多组织讲座和现场教学。",
    ],
    "regional": [
        "驻区单位参与共建积极性不高，建议建立资源清单和项目清单。",
        "加强与辖区企业和两新组织的共建共享。",
    ],
    "leadership": ["网格党支部作用发挥还不够，建议配强网格长和网格员。"],
    "responsibility": ["书记要把党建放在心上，不能重业务轻党建。"],
    "general": [
        "党群服务中心场地太小，希望改善活动场所。",
        "希望增加活动经费保障。",
        "总体感觉不错，希望继续保持。",
    ],
}
NO_SUGGESTION = ["无", "暂无", "没有", "无意见"]
PROVINCE_CITY = "(江苏-南京)"


@dataclass
class DemoSpec:
    """What to generate; the defaults are the README's demo district."""

    units: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_UNITS))
    sizes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    planted: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_PLANTED))
    null_unit: str | None = DEFAULT_NULL_UNIT
    seed: int = 20261122
    speeder_rate: float = 0.03
    straightliner_rate: float = 0.02
    duplicate_rate: float = 0.02
    pii_rate: float = 0.01
    start: datetime = datetime(2026, 9, 1, 8, 0, 0)

    @classmethod
    def small(cls, units: dict[str, list[str]], n: int, planted: dict[str, dict[str, float]],
              null_unit: str | None, seed: int = 7) -> DemoSpec:
        return cls(units=units, sizes={u: n for u in units}, planted=planted, null_unit=null_unit, seed=seed)


def centred_effects(spec: DemoSpec, dimensions: list[str]) -> pd.DataFrame:
    """Unit × dimension latent shifts: planted effects, centred so the null unit has none.

    Every unit except the null unit gets an equal share of the opposite of the planted effects,
    weighted by size, so the size-weighted mean over all units but the null one is zero.
    """
    eff = pd.DataFrame(0.0, index=list(spec.units), columns=dimensions)
    for unit, shifts in spec.planted.items():
        for dim, delta in shifts.items():
            eff.loc[unit, dim] += delta
    others = [u for u in spec.units if u != spec.null_unit]
    sizes = pd.Series({u: spec.sizes[u] for u in others}, dtype=float)
    mean = (eff.loc[others].mul(sizes, axis=0).sum() / sizes.sum())
    eff.loc[others] = eff.loc[others] - mean
    return eff


def _fmt_time(ts: datetime) -> str:
    """问卷星 style "2026/9/3 9:07:03" (no leading zeros on month, day and hour)."""
    return f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}:{ts.second:02d}"


def _categories(latent: np.ndarray) -> np.ndarray:
    return np.digitize(latent, [-0.9, -0.2, 0.5, 1.5]) + 1


def _header(q: Question) -> str:
    return f"{q.number}、{q.text}"


def generate_responses(questionnaire: Questionnaire, spec: DemoSpec) -> pd.DataFrame:
    """Return the export as a DataFrame (columns exactly as 问卷星 names them)."""
    rng = np.random.default_rng(spec.seed)
    qn = questionnaire
    dims = [d.id for d in qn.dimensions]
    effects = centred_effects(spec, dims)
    records: list[dict[str, object]] = []
    items = qn.likert_items
    intercepts = {it.id: 0.9 + rng.normal(0, 0.15) for it in items}
    for unit, communities in spec.units.items():
        n = spec.sizes[unit]
        township = not unit.endswith("街道")
        g = rng.normal(size=n)
        theta = 0.55 * g[:, None] + 0.835 * rng.normal(size=(n, len(dims))) + effects.loc[unit].to_numpy()
        for i in range(n):
            rec: dict[str, object] = {"_unit": unit}
            rec["unit"] = unit
            rec["community"] = communities[int(rng.integers(len(communities)))]
            identity = rng.choice(qn.by_id["identity"].options, p=[0.45, 0.35, 0.1, 0.1])
            rec["identity"] = identity
            rec["gender"] = rng.choice(qn.by_id["gender"].options)
            age_p = [0.2, 0.45, 0.35] if township else [0.3, 0.5, 0.2]
            rec["age"] = rng.choice(qn.by_id["age"].options, p=age_p)
            edu_p = [0.35, 0.3, 0.2, 0.15] if township else [0.15, 0.25, 0.3, 0.3]
            rec["education"] = rng.choice(qn.by_id["education"].options, p=edu_p)
            member = identity == "党员"
            rec["party_years"] = rng.choice(qn.by_id["party_years"].options) if member else SKIPPED
            th = dict(zip(dims, theta[i], strict=True))
            for it in items:
                cat = int(_categories(np.array([0.8 * th[it.dimension] + 0.6 * rng.normal() + intercepts[it.id]]))[0])
                raw = 6 - cat if it.reverse else cat
                rec[it.id] = it.options[raw - 1]
            sat = 0.9 + 0.3 * (th["service"] + th["burden"] + th["org_life"]) / 1.5 + 0.1 * sum(th.values()) / len(th)
            rec["overall"] = qn.by_id["overall"].options[int(_categories(np.array([sat + 0.5 * rng.normal()]))[0]) - 1]
            problems = qn.by_id["problems"].options
            score = -np.array([th[d] for d in PROBLEM_DIMENSIONS]) + rng.gumbel(size=len(PROBLEM_DIMENSIONS))
            k = int(rng.choice([1, 2, 3], p=[0.2, 0.35, 0.45]))
            chosen = [problems[j] for j in sorted(np.argsort(-score)[:k])]
            if rng.random() < 0.02 and len(chosen) < (qn.by_id["problems"].max_choices or len(problems)):
                chosen.append("其他〖社区办公用房紧张〗")
            rec["problems"] = MULTI_SEP.join(chosen)
            rec["meetings"] = int(max(0, rng.poisson(max(1.0, 10 + 3 * th["org_life"])))) if member else SKIPPED
            rec["suggestion"] = _suggestion(rng, th, spec.pii_rate)
            records.append(rec)
    df = pd.DataFrame.from_records(records)
    df = _add_contamination(df, qn, rng, spec)
    return _to_export(df, qn, rng, spec)


def _suggestion(rng: np.random.Generator, th: dict[str, float], pii_rate: float) -> str:
    r = rng.random()
    if r < 0.40:
        return EMPTY
    if r < 0.50:
        return str(rng.choice(NO_SUGGESTION))
    candidates = sorted(SUGGESTIONS.keys() - {"general"}, key=lambda d: th.get(d, 0.0))[:2] + ["general"]
    topic = candidates[int(rng.choice(3, p=[0.55, 0.25, 0.2]))]
    text = str(rng.choice(SUGGESTIONS[topic]))
    if rng.random() < pii_rate:
        text += f"有事可以联系我，电话1{rng.integers(3, 9)}{rng.integers(10**8, 10**9 - 1)}。"
    return text


def _add_contamination(df: pd.DataFrame, qn: Questionnaire, rng: np.random.Generator, spec: DemoSpec) -> pd.DataFrame:
    n = len(df)
    df["_kind"] = "genuine"
    likert_ids = [it.id for it in qn.likert_items] + ["overall"]
    speeders = rng.choice(n, size=int(round(spec.speeder_rate * n)), replace=False)
    for i in speeders:
        for qid in likert_ids:
            df.at[i, qid] = str(rng.choice(qn.by_id[qid].options))
        df.at[i, "_kind"] = "speeder"
    rest = np.setdiff1d(np.arange(n), speeders)
    liners = rng.choice(rest, size=int(round(spec.straightliner_rate * n)), replace=False)
    for i in liners:
        pick = int(rng.integers(2, 5))
        for qid in likert_ids:
            df.at[i, qid] = qn.by_id[qid].options[pick]
        df.at[i, "_kind"] = "straightliner"
    genuine = np.setdiff1d(rest, liners)
    originals = rng.choice(genuine, size=int(round(spec.duplicate_rate * n)), replace=False)
    dups = df.loc[originals].copy()
    dups["_kind"] = "duplicate"
    dups["_dup_of"] = originals
    return pd.concat([df, dups], ignore_index=True)


def _to_export(df: pd.DataFrame, qn: Questionnaire, rng: np.random.Generator, spec: DemoSpec) -> pd.DataFrame:
    n = len(df)
    seconds = np.exp(rng.normal(np.log(330), 0.35, size=n)).round()
    seconds[df["_kind"].to_numpy() == "speeder"] = rng.integers(25, 80, size=(df["_kind"] == "speeder").sum())
    day = rng.integers(0, 14, size=n)
    minute = rng.integers(0, 12 * 60, size=n)
    sec = rng.integers(0, 60, size=n)
    submitted = [spec.start + timedelta(days=int(d), minutes=int(m), seconds=int(s)) for d, m, s in zip(day, minute, sec, strict=True)]
    ips = [f"{rng.integers(36, 223)}.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}" for _ in range(n)]
    dup_mask = (df["_kind"] == "duplicate").to_numpy()
    for i in np.flatnonzero(dup_mask):
        j = int(df.at[i, "_dup_of"])
        submitted[i] = submitted[j] + timedelta(minutes=int(rng.integers(1, 16)))
        ips[i] = ips[j]
    out = pd.DataFrame({
        "提交答卷时间": submitted,
        "所用时间": [f"{int(s)}秒" for s in seconds],
        "来源": rng.choice(["手机提交", "微信", "链接"], size=n, p=[0.5, 0.4, 0.1]),
        "来源详情": rng.choice(["N/A", "直接访问"], size=n),
        "来自IP": [f"{ip}{PROVINCE_CITY}" for ip in ips],
    })
    for q in qn.questions:
        out[_header(q)] = df[q.id].to_numpy()
    out = out.sort_values("提交答卷时间", kind="stable").reset_index(drop=True)
    out["提交答卷时间"] = out["提交答卷时间"].map(_fmt_time)
    out.insert(0, "序号", np.arange(1, n + 1))
    return out


def write_demo_export(questionnaire: Questionnaire, target: str | Path, spec: DemoSpec | None = None) -> Path:
    """Generate the demo export and write it as an xlsx file (atomically)."""
    df = generate_responses(questionnaire, spec or DemoSpec())
    return write_with(target, lambda p: df.to_excel(p, index=False, sheet_name="Sheet1", engine="openpyxl"))
