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

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from pipeline.common.atomic import write_with
from pipeline.demo.specs import DemoSpec, demo_spec
from pipeline.ingest.formats import MULTI_SEP, export_header
from pipeline.questionnaire import Question, Questionnaire

SKIPPED = "(跳过)"
EMPTY = "(空)"
PROVINCE_CITY = "(江苏-南京)"
NO_SUGGESTION = ["无", "暂无", "没有", "无意见"]

def centred_effects(spec: DemoSpec, dimensions: list[str]) -> pd.DataFrame:
    """Unit × dimension latent shifts: planted effects, centred so the null unit has none.

    Every unit except the null unit gets an equal share of the opposite of the planted effects,
    weighted by size, so the size-weighted mean over all units but the null one is zero; then every unit,
    the null one too, gets the area-wide shifts, and an earlier wave's units their ``changes`` (not centred:
    no other unit moves).
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
    for unit, shifts in spec.changes.items():
        for dim, delta in shifts.items():
            eff.loc[unit, dim] += delta
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
    pool = spec.suggestions or _theme_suggestions(qn)
    for number, (unit, communities) in enumerate(spec.units.items()):
        own = dealt(pool, number, len(spec.units)), {t: len(s) for t, s in pool.items()}
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
                    rec[q.id] = _suggestion(rng, th, spec, own, communities)
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


def dealt(pool: dict[str, list[str]], number: int, units: int) -> dict[str, list[str]]:
    """The ``number``-th unit's own sentences of a pool of open answers: per topic, each sentence's opening
    (up to its first "，") joined with every other sentence's rest, and the combinations dealt out to the
    units in turn — what one unit writes is never another's sentence with a name swapped."""
    own = {}
    for topic, sentences in pool.items():
        parts = [s.rstrip("。").split("，", 1) for s in sentences]
        heads = [p[0] for p in parts]
        tails = [p[1] for p in parts if len(p) == 2]
        combined = list(dict.fromkeys([f"{h}，{t}。" for t in tails for h in heads]
                                      + [f"{p[0]}。" for p in parts if len(p) == 1]))
        own[topic] = combined[number::units] or combined
    return own


def _suggestion(rng: np.random.Generator, th: dict[str, float], spec: DemoSpec,
                own: tuple[dict[str, list[str]], dict[str, int]], communities: list[str]) -> str:
    """An open answer on one of the respondent's lowest dimensions, from the unit's own sentences (``dealt``);
    "{community}" in a sentence is one of the unit's communities (``own``: those sentences, and how many the
    pool has per topic: the random draws are the pool's, so the answers to every other question stay)."""
    pool, sizes = own
    r = rng.random()
    if r < 0.40:
        return EMPTY
    if r < 0.50:
        return str(rng.choice(NO_SUGGESTION))
    topics = [d for d in pool if d != "general"]
    candidates = sorted(topics, key=lambda d: th.get(d, 0.0))[:2] + (["general"] if "general" in pool else [])
    p = np.array([0.55, 0.25, 0.2][:len(candidates)])
    topic = candidates[int(rng.choice(len(candidates), p=p / p.sum()))]
    text = pool[topic][int(rng.integers(sizes[topic])) % len(pool[topic])]
    text = text.replace("{community}", str(rng.choice(communities)))
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



def write_demo_export(questionnaire: Questionnaire, target: str | Path, spec: DemoSpec | None = None) -> Path:
    """Generate a demo export and write it as an xlsx file (atomically)."""
    df = generate_responses(questionnaire, spec or demo_spec(questionnaire))
    return write_with(target, lambda p: df.to_excel(p, index=False, sheet_name="Sheet1", engine="openpyxl"))
