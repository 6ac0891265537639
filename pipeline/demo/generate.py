"""Synthetic but realistic survey exports with planted effects, for any questionnaire.

``generate_responses`` answers a questionnaire question by question, in its order, the way respondents
of a district would; ``DemoSpec`` says how many respondents each unit has, which effects are planted,
and the touches of realism a particular survey has (who answers, what drives overall satisfaction,
what people write). The shipped questionnaires have their own specs (``demo_spec``); any other
questionnaire gets a plain one.

Response model (documented so that tests can check the analysis finds what was planted):

- each respondent has a general attitude ``g ~ N(0, 1)``; each dimension's latent score is
  ``0.55 g + 0.835 e_d + effect[unit, dimension]`` with ``e_d ~ N(0, 1)``;
- an item's latent response is ``0.8 θ_d + 0.6 ε + intercept`` cut into the scale's categories
  (about 3.8 of 5 on average); a reverse-worded item records the mirror category;
- overall satisfaction depends on the ``drivers`` dimensions (and a little on all of them);
- multi-select choices lean to the options linked to the respondent's lowest dimensions, and open
  suggestions to the respondent's lowest dimensions;
- planted effects are centred: every unit but the ``null_unit`` is shifted so that the size-weighted
  mean of all units except the null unit is the baseline, which is where the null unit sits; area-wide
  shifts (``area_shifts``) then move every unit alike — a weakness of the whole area, no unit's gap;
- open answers come from a pool per dimension; a sentence naming "{community}" names one of the unit's own.

The 示范区 demo (``questionnaires/jiceng_dangjian.yaml``): six streets and four townships with four
communities or villages each; 石桥乡 is clearly low on 信息化建设 (−1.0), lower still among its
respondents aged 60 and over; 新华街道 is low on 基层减负 (−0.8), lower still in 幸福社区; 西城街道 has no
real differences; 基层减负 is low across the district (−0.5 everywhere). Contamination: about 3% speeders
(random answers in 25–80 s), 2% straight-liners and 2% duplicate submissions (an exact copy sent 1–15
minutes later); a few open answers carry a planted mobile number, which the clean stage must mask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from pipeline.common.atomic import write_with
from pipeline.ingest.formats import MULTI_SEP, export_header
from pipeline.questionnaire import Question, Questionnaire

SKIPPED = "(跳过)"
EMPTY = "(空)"
PROVINCE_CITY = "(江苏-南京)"
NO_SUGGESTION = ["无", "暂无", "没有", "无意见"]

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
DEFAULT_AREA_SHIFTS: dict[str, float] = {"burden": -0.5}  # 基层减负 is low everywhere
# problems concentrated in one group of a unit: unit → (question, its answer, dimension, extra shift)
DEFAULT_CONCENTRATED: dict[str, tuple[str, str, str, float]] = {
    "石桥乡": ("age", "60岁以上", "digital", -1.2),
    "新华街道": ("community", "幸福社区", "burden", -1.4),
}

# the 示范区 demo's realism: who answers (by unit kind), what drives satisfaction, what people choose
# and write
JICENG_PROFILE = {
    "identity": {"": [0.45, 0.35, 0.1, 0.1]},
    "age": {"街道": [0.3, 0.5, 0.2], "乡镇": [0.2, 0.45, 0.35]},
    "education": {"街道": [0.15, 0.25, 0.3, 0.3], "乡镇": [0.35, 0.3, 0.2, 0.15]},
}
JICENG_DRIVERS = {"service": 1.0, "burden": 1.0, "org_life": 1.0}
JICENG_MULTI = {
    "problems": [
        "responsibility",
        "org_life",
        "education_mgmt",
        "service",
        "cadres",
        "burden",
        "regional",
        "digital",
    ]
}
JICENG_OTHER = {"problems": "其他〖社区办公用房紧张〗"}
JICENG_NUMBERS = {"meetings": (10.0, "org_life", 3.0)}
JICENG_SUGGESTIONS: dict[str, list[str]] = {  # "{community}": one of the respondent's unit's communities
    "burden": [
        "建议进一步精简填表报数，减少重复统计，让社区干部有更多时间服务居民。",
        "微信群打卡截图太多了，希望真正为基层减负，不要过度留痕。",
        "会议和文件还是偏多，台账检查太频繁，希望减少。",
        "{community}几个干部天天忙着填各种表，入户走访的时间都挤没了。",
        "{community}一个月要迎接好几次检查，每次都要补台账，希望检查合并。",
        "上面要的数据{community}已经报过好几遍了，部门之间能不能共享。",
    ],
    "digital": [
        "各类App重复登录、重复填报，希望整合成一个平台。",
        "村里老党员不会用手机学习，线上平台要简化操作，多教一教。",
        "{community}网络信号不好，线上学习经常打不开，希望改善。",
        "{community}老党员多，智能手机用不来，建议保留线下学习。",
        "党员信息系统和其他系统数据不通，{community}要录好几遍。",
    ],
    "service": [
        "希望社区办事更方便一些，多听听居民的意见。",
        "为辖区老人提供更多上门服务，解决养老的实际困难。",
        "{community}的独居老人多，希望党员干部常上门看看。",
        "{community}反映的停车难问题拖了很久，希望有个答复。",
    ],
    "org_life": [
        "三会一课要有实际内容，不要走过场。",
        "主题党日活动形式可以更丰富一些，吸引年轻党员参加。",
        "{community}的主题党日总是读文件，建议结合小区的实事来办。",
        "{community}组织生活会批评不到点子上，希望上级来指导。",
    ],
    "cadres": [
        "多培养年轻干部，后备力量明显不足。",
        "社区工作者待遇偏低，人员流动大，建议提高报酬。",
        "{community}的干部年纪偏大，年轻人留不住，建议想办法引进。",
        "{community}今年走了两个社工，新来的不熟悉情况，希望多培训。",
    ],
    "education_mgmt": [
        "加强对流动党员的联系和管理。",
        "党员培训可以更贴近实际，多组织讲座和现场教学。",
        "{community}外出务工党员多，希望建个线上的联系渠道。",
        "{community}的党员培训希望多讲政策怎么落地。",
    ],
    "regional": [
        "驻区单位参与共建积极性不高，建议建立资源清单和项目清单。",
        "加强与辖区企业和两新组织的共建共享。",
        "{community}周边的企业多，希望把他们的场地和资源用起来。",
        "{community}和驻区单位签了协议，但活动很少，希望真正落实。",
    ],
    "leadership": [
        "网格党支部作用发挥还不够，建议配强网格长和网格员。",
        "{community}的网格党小组很少活动，希望发挥作用。",
        "{community}遇到大事时党组织要站出来牵头协调。",
    ],
    "responsibility": [
        "书记要把党建放在心上，不能重业务轻党建。",
        "{community}的书记事务太多，抓党建的精力不够。",
    ],
    "general": [
        "党群服务中心场地太小，希望改善活动场所。",
        "希望增加活动经费保障。",
        "总体感觉不错，希望继续保持。",
        "{community}的党群服务中心场地太小，希望改善活动场所。",
    ],
}


@dataclass
class DemoSpec:
    """What to generate; the defaults are the README's 示范区 demo."""

    units: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_UNITS))
    sizes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    planted: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_PLANTED))
    null_unit: str | None = DEFAULT_NULL_UNIT
    # weaknesses of the whole area: every unit shifted alike on these dimensions (not centred)
    area_shifts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_AREA_SHIFTS))
    concentrated: dict[str, tuple[str, str, str, float]] = field(
        default_factory=lambda: dict(DEFAULT_CONCENTRATED)
    )
    seed: int = 20261122
    speeder_rate: float = 0.03
    straightliner_rate: float = 0.02
    duplicate_rate: float = 0.02
    pii_rate: float = 0.01
    start: datetime = datetime(2026, 9, 1, 8, 0, 0)
    # realism of a particular survey (empty: plain random answers)
    profile_weights: dict[str, dict[str, list[float]]] = field(default_factory=lambda: dict(JICENG_PROFILE))
    drivers: dict[str, float] = field(default_factory=lambda: dict(JICENG_DRIVERS))
    multi_links: dict[str, list[str]] = field(
        default_factory=lambda: dict(JICENG_MULTI)
    )  # question → dimension per option
    multi_other: dict[str, str] = field(
        default_factory=lambda: dict(JICENG_OTHER)
    )  # question → "其他〖…〗" now and then
    numbers: dict[str, tuple[float, str, float]] = field(
        default_factory=lambda: dict(JICENG_NUMBERS)
    )  # base, dim, slope
    suggestions: dict[str, list[str]] = field(default_factory=lambda: dict(JICENG_SUGGESTIONS))
    times: bool = True  # submit times and durations (paper entry has none)
    # an earlier wave of the same survey: item levels drawn as the wave with this seed draws them
    intercept_seed: int | None = None

    @classmethod
    def small(cls, units: dict[str, list[str]], n: int, planted: dict[str, dict[str, float]],
              null_unit: str | None, seed: int = 7) -> DemoSpec:
        return cls(units=units, sizes={u: n for u in units}, planted=planted, null_unit=null_unit, seed=seed,
                   concentrated={}, area_shifts={})


def plain_spec(questionnaire: Questionnaire, **changes) -> DemoSpec:
    """A spec for any questionnaire: its units with four communities each, 120 respondents a unit, no
    planted effects, plain random profiles and answers."""
    units = {u: [f"{u}第{i}社区" for i in "一二三四"] for u in questionnaire.unit_question.options}
    spec = DemoSpec(
        units=units,
        sizes={u: 120 for u in units},
        planted={},
        null_unit=None,
        area_shifts={},
        concentrated={},
        profile_weights={},
        drivers={},
        multi_links={},
        multi_other={},
        numbers={},
        suggestions={},
    )
    return replace(spec, **changes)


def centred_effects(spec: DemoSpec, dimensions: list[str]) -> pd.DataFrame:
    """Unit × dimension latent shifts: planted effects, centred so the null unit has none.

    Every unit except the null unit gets an equal share of the opposite of the planted effects,
    weighted by size, so the size-weighted mean over all units but the null one is zero; then every unit,
    the null one too, gets the area-wide shifts.
    """
    eff = pd.DataFrame(0.0, index=list(spec.units), columns=dimensions)
    for unit, shifts in spec.planted.items():
        for dim, delta in shifts.items():
            eff.loc[unit, dim] += delta
    others = [u for u in spec.units if u != spec.null_unit]
    sizes = pd.Series({u: spec.sizes[u] for u in others}, dtype=float)
    mean = (eff.loc[others].mul(sizes, axis=0).sum() / sizes.sum())
    eff.loc[others] = eff.loc[others] - mean
    for dim, delta in spec.area_shifts.items():
        eff[dim] += delta
    return eff


def _fmt_time(ts: datetime) -> str:
    """问卷星 style "2026/9/3 9:07:03" (no leading zeros on month, day and hour)."""
    return f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}:{ts.second:02d}"


CUTS_5 = [-0.9, -0.2, 0.5, 1.5]


def cuts(k: int) -> list[float]:
    """Latent thresholds of a k-point scale: most answers in the upper middle, as in real surveys."""
    if k == 5:
        return CUTS_5
    return list(0.9 + norm.ppf(np.linspace(0, 1, k + 1)[1:-1] ** 1.6))


def _category(latent: float, k: int) -> int:
    return int(np.digitize([latent], cuts(k))[0]) + 1


def _applies(q: Question, rec: dict[str, object]) -> bool:
    return all(rec.get(ref) in values for ref, values in (q.show_if or {}).items())


def generate_responses(questionnaire: Questionnaire, spec: DemoSpec) -> pd.DataFrame:
    """Return the export as a DataFrame (columns exactly as 问卷星 names them)."""
    rng = np.random.default_rng(spec.seed)
    qn = questionnaire
    dims = [d.id for d in qn.dimensions]
    effects = centred_effects(spec, dims)
    records: list[dict[str, object]] = []
    items = qn.likert_items
    levels = rng if spec.intercept_seed is None else np.random.default_rng(spec.intercept_seed)
    intercepts = {it.id: 0.9 + levels.normal(0, 0.15) for it in items}
    overall = qn.overall
    drivers = spec.drivers or {d: 1.0 for d in dims}
    for unit, communities in spec.units.items():
        n = spec.sizes[unit]
        kind = qn.unit_kind(unit)
        g = rng.normal(size=n)
        theta = 0.55 * g[:, None] + 0.835 * rng.normal(size=(n, len(dims))) + effects.loc[unit].to_numpy()
        for i in range(n):
            th = dict(zip(dims, theta[i], strict=True))
            rec: dict[str, object] = {"_unit": unit}
            for q in qn.questions:
                if not _applies(q, rec):
                    rec[q.id] = SKIPPED
                elif q.role == "unit":
                    rec[q.id] = unit
                elif q.role == "community":
                    rec[q.id] = communities[int(rng.integers(len(communities)))]
                elif q.dimension is not None:
                    latent = 0.8 * th[q.dimension] + 0.6 * rng.normal() + intercepts[q.id]
                    where = spec.concentrated.get(unit)
                    if where is not None and where[2] == q.dimension:
                        latent += 0.8 * _concentration_shift(where, rec, qn, kind, spec, communities)
                    cat = _category(latent, len(q.options))
                    rec[q.id] = q.options[(len(q.options) + 1 - cat if q.reverse else cat) - 1]
                elif q is overall:
                    sat = (
                        0.9
                        + 0.3 * sum(w * th[d] for d, w in drivers.items()) / (0.5 * sum(drivers.values()))
                        + 0.1 * sum(th.values()) / len(th)
                    )
                    rec[q.id] = q.options[_category(sat + 0.5 * rng.normal(), len(q.options)) - 1]
                elif q.type == "single":
                    weights = spec.profile_weights.get(q.id, {})
                    p = weights.get(kind, weights.get(""))
                    rec[q.id] = rng.choice(q.options, p=p) if p is not None else rng.choice(q.options)
                elif q.type == "multi":
                    rec[q.id] = _multi(q, th, rng, spec)
                elif q.type == "number":
                    rec[q.id] = _number(q, th, rng, spec)
                elif q.role == "open":
                    rec[q.id] = _suggestion(rng, th, spec, qn, communities)
                else:
                    rec[q.id] = EMPTY
            records.append(rec)
    df = pd.DataFrame.from_records(records)
    df = _add_contamination(df, qn, rng, spec)
    return _to_export(df, qn, rng, spec)


def _concentration_shift(where: tuple[str, str, str, float], rec: dict[str, object], qn: Questionnaire,
                         kind: str, spec: DemoSpec, communities: list[str]) -> float:
    """The planted group's extra shift, and the opposite share for everyone else in the unit, so that the
    unit's mean (and every other comparison) is as without the concentration: only where it sits changes."""
    question, option, _, shift = where
    q = qn.by_id[question]
    if q.role == "community":
        share = 1 / len(communities)
    else:
        weights = spec.profile_weights.get(question, {})
        p = weights.get(kind, weights.get(""))
        share = p[q.options.index(option)] if p is not None else 1 / len(q.options)
    if rec.get(question) == option or share >= 1:
        return shift
    return -shift * share / (1 - share)


def _multi(q: Question, th: dict[str, float], rng: np.random.Generator, spec: DemoSpec) -> str:
    links = spec.multi_links.get(q.id)
    linked = len(links) if links else len(q.options)
    score = (-np.array([th[d] for d in links]) if links else np.zeros(linked)) + rng.gumbel(size=linked)
    most = min(q.max_choices or 3, 3, linked)
    k = int(
        rng.choice([1, 2, 3][:most], p=np.array([0.2, 0.35, 0.45][:most]) / sum([0.2, 0.35, 0.45][:most]))
    )
    chosen = [q.options[j] for j in sorted(np.argsort(-score)[:k])]
    if rng.random() < 0.02 and q.id in spec.multi_other and len(chosen) < (q.max_choices or len(q.options)):
        chosen.append(spec.multi_other[q.id])
    return MULTI_SEP.join(chosen)


def _number(q: Question, th: dict[str, float], rng: np.random.Generator, spec: DemoSpec) -> int:
    base, dim, slope = spec.numbers.get(q.id, (None, None, 0.0))
    lo = int(q.min) if q.min is not None else 0
    hi = int(q.max) if q.max is not None else lo + 20
    if base is None:
        return int(rng.integers(lo, min(hi, lo + 20) + 1))
    return int(min(hi, max(lo, rng.poisson(max(1.0, base + slope * th.get(dim, 0.0))))))


def _suggestion(rng: np.random.Generator, th: dict[str, float], spec: DemoSpec, qn: Questionnaire,
                communities: list[str]) -> str:
    """An open answer on one of the respondent's lowest dimensions; "{community}" in a sentence of the pool is
    one of the unit's communities, so what people write differs from unit to unit, as it does."""
    pool = spec.suggestions or _theme_suggestions(qn)
    r = rng.random()
    if r < 0.40:
        return EMPTY
    if r < 0.50:
        return str(rng.choice(NO_SUGGESTION))
    topics = [d for d in pool if d != "general"]
    candidates = sorted(topics, key=lambda d: th.get(d, 0.0))[:2] + (["general"] if "general" in pool else [])
    p = np.array([0.55, 0.25, 0.2][:len(candidates)])
    topic = candidates[int(rng.choice(len(candidates), p=p / p.sum()))]
    text = str(rng.choice(pool[topic])).replace("{community}", str(rng.choice(communities)))
    if rng.random() < spec.pii_rate:
        text += f"有事可以联系我，电话1{rng.integers(3, 9)}{rng.integers(10**8, 10**9 - 1)}。"
    return text


def _theme_suggestions(qn: Questionnaire) -> dict[str, list[str]]:
    """Suggestions for a questionnaire without a demo spec: one sentence per theme keyword, filed under the
    dimensions the theme addresses (so they lean to the respondent's lowest dimensions)."""
    pool: dict[str, list[str]] = {}
    for theme in qn.themes.values():
        for dim in theme.dimensions or ["general"]:
            pool.setdefault(dim, []).extend(
                text for kw in theme.keywords[:3]
                for text in (f"建议在{kw}方面多想办法，把工作做实。",
                             f"{{community}}在{kw}方面还有不少问题，希望早日解决。")
            )
    return pool or {"general": ["希望继续改进工作。", "建议多听取群众意见。"]}


def _add_contamination(
    df: pd.DataFrame, qn: Questionnaire, rng: np.random.Generator, spec: DemoSpec
) -> pd.DataFrame:
    n = len(df)
    df["_kind"] = "genuine"
    likert_ids = [it.id for it in qn.likert_items] + ([qn.overall.id] if qn.overall is not None else [])
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
            options = qn.by_id[qid].options
            df.at[i, qid] = options[min(pick, len(options) - 1)]
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
    submitted = [
        spec.start + timedelta(days=int(d), minutes=int(m), seconds=int(s))
        for d, m, s in zip(day, minute, sec, strict=True)
    ]
    ips = [
        f"{rng.integers(36, 223)}.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
        for _ in range(n)
    ]
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
        out[export_header(q)] = df[q.id].to_numpy()
    out = out.sort_values("提交答卷时间", kind="stable").reset_index(drop=True)
    out["提交答卷时间"] = out["提交答卷时间"].map(_fmt_time)
    out.insert(0, "序号", np.arange(1, n + 1))
    if not spec.times:
        out = out.drop(columns=["提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"])
    return out


JIANFU_UNITS: dict[str, list[str]] = {
    "城关镇": ["城北社区", "城南社区", "梨园村"], "河口镇": ["河口社区", "渡口村", "沙洲村"],
    "桃源镇": ["桃源社区", "桃花村", "杏林村"], "松林镇": ["松林社区", "青松村", "林场村"],
    "龙泉乡": ["龙泉村", "龙井村", "泉水村"], "三溪乡": ["三溪村", "上溪村", "下溪村"],
    "东风街道": ["东风社区", "红星社区", "前进社区"], "新城街道": ["新城社区", "锦园社区", "滨河社区"],
}
JIANFU_SUGGESTIONS: dict[str, list[str]] = {
    "apps": [
        "政务App太多了，建议合并成一个入口，数据一次录入多处共用。",
        "工作群里打卡截图的要求还是不少，希望真正取消。",
        "{community}干部手机上装了十几个App，每天登录打卡就要半小时。",
        "{community}所在的工作群晚上还在布置任务，希望非工作时间别发。",
    ],
    "forms": [
        "各部门要的报表内容差不多，建议统一表格、数据共享，不要重复报。",
        "填表报数占了大量时间，希望继续精简报表。",
        "{community}一个人口数据要报给四五个部门，希望一次报送。",
        "{community}月底集中填报表，正常工作都顾不上。",
    ],
    "papers": [
        "会议还是偏多，能合并的会议建议合并召开。",
        "文件转发层层加码，希望精简文件。",
        "{community}书记一周有三天在开会，希望多开视频会。",
    ],
    "inspections": [
        "检查前要补很多台账材料，希望考核多看实际效果。",
        "督查考核次数能不能再少一些。",
        "{community}上个月迎接了五次检查，每次都要准备材料。",
        "{community}的台账比干的活还多，希望检查看实效。",
    ],
    "access": [
        "部门把工作下沉到村里却不给经费，建议严格执行准入清单。",
        "属地责任压得太多，希望权责对等。",
        "{community}承担的事项越来越多，人员和经费却没跟上。",
    ],
    "time_use": [
        "村干部人手少、加班多，建议提高待遇补贴。",
        "{community}干部周末经常加班，希望落实调休。",
    ],
    "general": [
        "减负工作有进步，希望坚持下去。",
        "希望多听听一线干部的意见。",
        "{community}的减负工作有进步，希望坚持下去。",
    ],
}


def jianfu_spec(questionnaire: Questionnaire) -> DemoSpec:
    """The 示范县 基层减负 demo: eight townships and streets; 桃源镇 clearly low on 政务App和工作群,
    东风街道 low on 报表填报, 新城街道 with no real differences, 督查检查考核 low across the county;
    community and village cadres answer."""
    return DemoSpec(
        units=dict(JIANFU_UNITS),
        sizes={
            "城关镇": 110,
            "河口镇": 95,
            "桃源镇": 90,
            "松林镇": 85,
            "龙泉乡": 70,
            "三溪乡": 65,
            "东风街道": 100,
            "新城街道": 105,
        },
        planted={"桃源镇": {"apps": -1.1}, "东风街道": {"forms": -0.9}},
        null_unit="新城街道",
        area_shifts={"inspections": -0.6},  # 督查检查考核 weighs on the whole county
        concentrated={"桃源镇": ("post", "两委委员", "apps", -1.2)},
        seed=20261123,
        profile_weights={
            "post": {"": [0.2, 0.45, 0.2, 0.15]},
            "tenure": {"": [0.35, 0.45, 0.2]},
            "area_type": {"街道": [0.9, 0.1], "镇": [0.35, 0.65], "乡": [0.1, 0.9]},
        },
        drivers={"forms": 1.0, "apps": 1.0, "time_use": 1.0},
        multi_links={"heaviest": ["papers", "forms", "inspections", "apps", "access"]},
        multi_other={"heaviest": "其他〖人手不够〗"},
        numbers={"overtime": (8.0, "time_use", -2.0)},
        suggestions=dict(JIANFU_SUGGESTIONS),
        start=datetime(2026, 10, 8, 8, 0, 0),
    )


DEMO_SPECS: dict[str, Callable[[Questionnaire], DemoSpec]] = {"jiceng_dangjian": lambda q: DemoSpec(),
                                                              "jiceng_jianfu": jianfu_spec}


PREVIOUS_WAVE = "2025年度"  # the earlier wave the 示范区 demo is compared with
# planted changes since the earlier wave: 东湖街道 and 白马乡 improve (they were low then), 新华街道 declines
# (its 基层减负 was fine then), 石桥乡 stays low on 信息化建设, 西城街道 stays as it was
PREVIOUS_PLANTED = {"石桥乡": {"digital": -1.0}, "东湖街道": {"service": -0.8}, "白马乡": {"org_life": -0.8}}


def previous_wave_spec(questionnaire: Questionnaire) -> DemoSpec | None:
    """The earlier wave of a shipped demo (same item levels, its own respondents), or None."""
    if questionnaire.id != "jiceng_dangjian":
        return None
    spec = demo_spec(questionnaire)
    return replace(spec, planted=dict(PREVIOUS_PLANTED), concentrated={}, seed=20251122,
                   intercept_seed=spec.seed, start=spec.start.replace(year=spec.start.year - 1))


def demo_spec(questionnaire: Questionnaire) -> DemoSpec:
    """The demo spec registered for a shipped questionnaire, or a plain one for any other."""
    make = DEMO_SPECS.get(questionnaire.id)
    return make(questionnaire) if make is not None else plain_spec(questionnaire)


def write_demo_export(questionnaire: Questionnaire, target: str | Path, spec: DemoSpec | None = None) -> Path:
    """Generate a demo export and write it as an xlsx file (atomically)."""
    df = generate_responses(questionnaire, spec or demo_spec(questionnaire))
    return write_with(target, lambda p: df.to_excel(p, index=False, sheet_name="Sheet1", engine="openpyxl"))
