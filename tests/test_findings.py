"""Findings: every unit its own problems, causes and measures — on the two shipped surveys and a third
questionnaire — each kind of evidence planted and found in its own wording, 显著 only with the test, reports
that do not read alike, no quote in two units."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from said import cause, group, said

import pipeline.findings as fd
from pipeline.analyze.evidence import unit_problems
from pipeline.analyze.tables import Analysis, analyze
from pipeline.clean import audit_counts, clean
from pipeline.common.names import DISTRICT
from pipeline.common.paths import PROJECT_ROOT
from pipeline.common.rules import significantly_low
from pipeline.demo import demo_spec, generate_responses, plain_spec
from pipeline.ingest import ingest_frame
from pipeline.questionnaire import load_questionnaire

WANGGE = Path(__file__).parent / "questionnaires" / "wangge_fuwu_6pt.yaml"
WEISHENG = Path(__file__).parent / "questionnaires" / "weisheng_0to10.yaml"
JIANFU = PROJECT_ROOT / "questionnaires" / "jiceng_jianfu.yaml"
STATISTICS = ("Hedges", "FDR", "Welch", "LMG", "g=", "p=", "p<")


def _analysed(q, spec):
    raw = generate_responses(q, spec).astype(str)
    res = clean(ingest_frame(raw, q, "x.xlsx").frame, q)
    return analyze(res.kept, audit_counts(res.audit), q)


@pytest.fixture(scope="module")
def surveys(demo_analysis, questionnaire):
    """The three questionnaires analysed, with every unit's findings and the district's: name → (q, a, units,
    district) and what was planted in each."""
    jianfu = load_questionnaire(JIANFU)
    wangge = load_questionnaire(WANGGE)
    wangge_spec = plain_spec(
        wangge, sizes={u: 110 for u in wangge.unit_question.options}, planted={"城东街道": {"chuzhi": -1.0}},
        area_shifts={"gongkai": -0.6}, seed=21,
        multi_links={"wenti": ["lianxi", "chuzhi", "gongkai", "xuncha", "bianmin"]})
    weisheng = load_questionnaire(WEISHENG)
    weisheng_spec = plain_spec(weisheng, sizes={u: 100 for u in weisheng.unit_question.options},
                               planted={"白云乡": {"jiuzhen": -1.0}, "金沙镇": {"gonggong": 0.8}}, seed=5)
    out = {}
    for name, q, a in (("jiceng", questionnaire, demo_analysis[0]),
                       ("jianfu", jianfu, _analysed(jianfu, demo_spec(jianfu))),
                       ("wangge", wangge, _analysed(wangge, wangge_spec)),
                       ("weisheng", weisheng, _analysed(weisheng, weisheng_spec))):
        units, district = fd.all_findings(a, q)
        out[name] = (q, a, units, district)
    return out


PLANTED_WIDE = {"jiceng": "基层减负", "jianfu": "督查检查考核", "wangge": "信息公开"}


def _text(f, q, keys=("basic", "problems", "causes", "suggestions")) -> str:
    return "".join(t for k in keys for t in said(f, q)[k])


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_problems_only_where_the_evidence_says_the_unit_is_worse(surveys, name):
    """A problem stands on evidence that the unit is worse — significantly below the rest, below the area
    since an earlier wave, or the area's shared weakness where the unit is not above the rest — never on its
    own lowest dimension alone, never where it is significantly above; each problem has a measure from the
    library; a unit without a problem says so and analyses no cause; the overview names the planted
    area-wide weakness and measures for it."""
    q, a, units, district = surveys[name]
    ud = a.unit_dimensions.set_index(["unit", "dimension"])
    library = {d.id: [m.text for m in d.measures] for d in q.dimensions}
    without = 0
    for unit, f in units.items():
        for p in f.problems.items:
            assert set(p.evidence) & {"significant", "persistent", "district_wide"}, (unit, p.evidence)
            r = ud.loc[(unit, p.dimension)]
            assert not (r["significant"] and r["diff"] > 0), (unit, p.name)
            if p.evidence[0] == "district_wide":
                assert round(r["mean"], 2) <= round(r["rest_mean"], 2), (unit, p.name)
        assert {p.dimension for p in f.problems.items} == {m.dimension for m in f.suggestions.measures}
        for m in f.suggestions.measures:
            assert set(m.measures) <= set(library[m.dimension])
            assert all(x.rstrip("。；;") in "".join(said(f, q)["suggestions"]) for x in m.measures)
        if f.basic.tested and not f.problems.items:
            without += 1
            assert "本次调查未发现需要列出的问题" in said(f, q)["problems"][0], unit
            assert said(f, q)["causes"] == ["本次调查未发现本单位需要分析成因的问题。"], unit
    significant = {u for u, f in units.items() if any("significant" in p.evidence for p in f.problems.items)}
    assert significant == set(a.unit_dimensions.loc[significantly_low(a.unit_dimensions), "unit"])
    wide = PLANTED_WIDE[name]
    assert district.district_wide[0] == wide
    assert said(district, q)["problems"][0].startswith(f"（一）“{wide}”是{q.words().area}普遍存在的薄弱方面")
    area = q.words().area
    lead = said(district, q)["suggestions"][0]
    assert lead.startswith(f"（一）针对{area}普遍存在的“{wide}”问题，建议在{area}层面统筹：一是")
    dim = next(d for d in q.dimensions if d.name == wide)
    assert any(m.text in lead for m in dim.measures)
    assert not any(s.startswith("其余") for s in said(district, q)["suggestions"])


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_the_area_wide_weakness_is_named_in_every_unit_where_it_holds(surveys, name):
    q, a, units, _ = surveys[name]
    wide = PLANTED_WIDE[name]
    for unit, f in units.items():
        p = next((p for p in f.problems.items if p.name == wide), None)
        high = a.unit_dimensions.loc[(a.unit_dimensions["unit"] == unit)
                                     & (a.unit_dimensions["dimension_name"] == wide)]
        above = (high["mean"].round(2) > high["rest_mean"].round(2)).any()
        if f.basic.valid < 5 or (high["significant"] & (high["diff"] > 0)).any() or above:
            assert p is None or "district_wide" not in p.evidence, unit  # a unit above the rest: not shared
            continue
        assert p is not None and "district_wide" in p.evidence, unit
        text = next(t for t in said(f, q)["problems"] if f"“{wide}”" in t)
        assert f"{q.words().area}共性问题" in text
        m = next(m for m in said(f, q)["suggestions"] if f"针对“{wide}”这一{q.words().area}共性问题" in m)
        assert f"{q.words().area}层面的统筹措施见{q.words().area}总体报告" in m


def test_planted_significant_problem_reason_and_concentration(surveys):
    """石桥乡: 信息化建设 significantly low, its reason chosen significantly more often than elsewhere, the
    low score concentrated among the over-60s — each in its own words; the measure answers its
    weakest item."""
    q, a, units, _ = surveys["jiceng"]
    f = units["石桥乡"]
    p = f.problems.items[0]
    assert p.name == "信息化建设" and p.evidence[0] == "significant"
    lead = said(f, q)["problems"][0]
    assert lead.startswith("（一）“信息化建设”得分") and "（5分制），显著低于全区其他街道（乡镇）的" in lead
    assert "差异经统计检验显著" in lead
    reason = next(c for c in f.causes.items if c.dimension == "digital" and c.kind == "reason")
    row = a.problems.set_index(["unit", "option"]).loc[("石桥乡", "信息化平台不好用")]
    assert row["significant"] and row["share"] > row["rest_share"]
    assert "从保障条件看" in cause(reason, q) and "选择了“信息化平台不好用”" in cause(reason, q)
    said_reason = cause(reason, q)
    assert said_reason.endswith(f"高于全区其他街道（乡镇）的{row['rest_share']:.1%}（差异经统计检验显著）")
    assert [group(g, q) for g in f.causes.concentrated["digital"]] == ["年龄段为“60岁以上”的受访者"]
    assert "重点关注年龄段为“60岁以上”的受访者" in said(f, q)["suggestions"][2]
    digital = next(d for d in q.dimensions if d.id == "digital")
    m = f.suggestions.measures[0]
    # the measure aimed at the located group first (``for: {age: [60岁以上]}``), then the weakest item's
    aimed = next(x.text for x in digital.measures if x.groups.get("age") == ["60岁以上"])
    assert m.dimension == "digital" and m.measures[0] == aimed and m.aims[0].aim == "group"
    assert m.aims[1].aim == "item" and m.aims[1].target in {i.item for i in p.items}
    assert "一是针对“60岁以上”的受访者，" in said(f, q)["suggestions"][2]


def test_a_reason_not_chosen_more_often_is_not_called_different(surveys):
    q, a, units, _ = surveys["jiceng"]
    for unit, f in units.items():
        for c in f.causes.items:
            if c.kind != "reason":
                continue
            option = re.search(r"选择了“([^”]+)”", cause(c, q)).group(1)
            row = a.problems.set_index(["unit", "option"]).loc[(unit, option)]
            assert ("差异经统计检验显著" in cause(c, q)) == bool(row["significant"]), (unit, cause(c, q))


def test_a_unit_without_real_differences_gets_no_problem_of_its_own(surveys):
    """西城街道 has no real differences: its own lowest dimension is not a problem by itself; what it lists is
    the area's shared weakness, where it is not above the rest, worded as shared, with no 显著."""
    q, a, units, _ = surveys["jiceng"]
    f = units["西城街道"]
    assert all(p.evidence[0] == "district_wide" for p in f.problems.items), f.problems.items
    text = "".join(said(f, q)["problems"])
    assert "显著" not in text
    for p in f.problems.items:
        assert f"“{p.name}”是全区共性问题" in text


def test_a_persistent_problem_is_named_as_such(surveys):
    """A unit below the area in the earlier wave and still below it now, not significantly: "上次调查中已低于
    …", "虽有所上升但变化不明显" beside a rise, its measure, and the overview's 持续存在的问题."""
    q, a, units, _ = surveys["jiceng"]
    ud = a.unit_dimensions
    area = ud["dimension"].map(a.district_dimensions.set_index("dimension")["mean"])
    below = ud.loc[~ud["significant"] & (ud["mean"] - area <= -0.1) & (ud["mean"] > 3.40)]
    r = below.iloc[0]  # below the area now, not significantly
    unit, dim, name = r["unit"], r["dimension"], r["dimension_name"]
    area_now = a.district_dimensions.set_index("dimension").loc[dim, "mean"]
    changes = pd.DataFrame({
        "wave": "demo_2025年度", "wave_title": "2025年的调查", "unit": [unit, DISTRICT],
        "dimension": dim, "dimension_name": name, "mean_prev": [3.40, 3.62],
        "mean": [r["mean"], area_now], "diff": [r["mean"] - 3.40, area_now - 3.62], "significant": False,
        "p_fdr": 0.5, "shared_items": 4, "items": 4})
    problems = unit_problems(ud, a.district_dimensions, changes, q)
    planted = replace(a, unit_problems=problems, changes=changes)
    f = fd.build_findings(unit, planted, q)
    p = next(p for p in f.problems.items if p.dimension == dim)
    assert p.evidence[0] == "persistent"
    text = next(t for t in said(f, q)["problems"] if f"“{name}”在2025年的调查中已低于全区平均" in t)
    assert "（3.40分，全区3.62分）" in text and "显著低于" not in text.split("具体看")[0]
    # the score rose (3.40 → now), not significantly: never "未见改善" beside a rise
    assert p.mean > 3.40 and "虽有所上升但变化不明显" in text and "未见改善" not in text
    assert any(m.dimension == dim for m in f.suggestions.measures)
    d = fd.district_findings(planted, q)
    lead = f"持续存在的问题：与2025年的调查相比仍低于全区平均、没有明显改善的有{unit}“{name}”"
    assert any(lead in s for s in said(d, q)["problems"])


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge", "weisheng"])
def test_no_problem_above_the_rest_unless_a_standard_or_shared(surveys, name):
    """On every questionnaire: a dimension where the unit is above the rest is a problem only where it misses
    the questionnaire's stated standard or is the area's shared weakness, worded as such — never by its own
    evidence; descriptive dimensions are never a problem nor a strength."""
    q, a, units, _ = surveys[name]
    ud = a.unit_dimensions.set_index(["unit", "dimension"])
    descriptive = {d.id for d in q.dimensions if d.direction == "none"}
    names = {d.name for d in q.dimensions if d.direction == "none"}
    for unit, f in units.items():
        assert not {p.dimension for p in f.problems.items} & descriptive, unit
        assert not {s.name for s in f.strengths.high + f.strengths.best} & names, unit
        for p, text in zip(f.problems.items, said(f, q)["problems"][-len(f.problems.items):], strict=False):
            r = ud.loc[(unit, p.dimension)]
            if round(r["mean"], 2) > round(r["rest_mean"], 2):
                assert p.evidence[0] in {"standard", "district_wide"}, (unit, p.name, p.evidence)
                assert "未达到" in text or "共性问题" in text, text


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge", "weisheng"])
def test_lowest_and_no_improvement_only_where_the_figures_say_so(surveys, name):
    """"最低" only for the lowest (of the unit's dimensions, of the area's); "未见改善" only where the score
    did not rise — checked against the figures behind every problem of every unit and the overview."""
    q, a, units, district = surveys[name]
    for unit, f in units.items():
        texts = said(f, q)["problems"][-len(f.problems.items):] if f.problems.items else []
        for p, text in zip(f.problems.items, texts, strict=True):
            if f"“{p.name}”" in text and "得分最低" in text.split("具体看")[0]:
                assert p.rank == 1, (unit, text)
            if "未见改善" in text:
                assert p.mean_prev is not None and round(p.mean, 2) <= round(p.mean_prev, 2), (unit, text)
    for r, text in zip(district.wide, said(district, q)["problems"], strict=False):
        if "得分最低" in text:
            assert r.rank == 1, text


def test_scores_on_numbered_options_are_the_numbers(surveys):
    """A 0–10 scale is scored 0–10 (pandas' mean of the options' numbers), said "（0–10分）"; its 满意率
    counts the configured options; a descriptive dimension is reported, never judged; a dimension's
    standard and the rate's are worded as work targets; every ledger row has owner, deadline and target."""
    q, a, units, district = surveys["weisheng"]
    spec = plain_spec(q, sizes={u: 100 for u in q.unit_question.options},
                      planted={"白云乡": {"jiuzhen": -1.0}, "金沙镇": {"gonggong": 0.8}}, seed=5)
    raw = generate_responses(q, spec).astype(str)
    kept = clean(ingest_frame(raw, q, "x.xlsx").frame, q).kept
    rows = raw.loc[raw["序号"].isin(kept["resp_id"].astype(str))]  # the kept rows, as typed
    items = rows[[c for c in raw.columns if c.startswith("4、")]]
    numbers = items.apply(lambda c: c.str.extract(r"^(\d+)", expand=False).astype(float))
    expected = numbers.mean(axis=1).groupby(rows["1、您所在的乡镇"]).mean()
    got = a.unit_dimensions.loc[a.unit_dimensions["dimension"] == "jiuzhen"].set_index("unit")["mean"]
    assert len(rows) == len(kept) and got.to_dict() == pytest.approx(expected.to_dict(), abs=1e-12)
    assert (got < 7).all() and (got > 4).all()  # on 0–10, not shifted up to 1–11
    f = units["白云乡"]
    text = "".join(said(f, q)["problems"])
    assert re.search(r"“看病就医”得分\d\.\d\d分（0–10分），显著低于全县其他乡镇", text)
    assert "未达到7.00分以上的工作目标" in text
    basic = "".join(said(units["红石乡"], q)["basic"])
    assert "未达到总体满意率60.0%以上的工作目标" in basic
    assert "（0–10分）" not in "".join(said(units["红石乡"], q)["strengths"])
    assert any(s.name == "公共卫生服务" for s in units["金沙镇"].strengths.high)
    assert set(a.ipa["dimension"]) == {"jiuzhen", "gonggong"}  # no IPA quadrant for the descriptive one
    assert not any("significant" in p.evidence for p in units["金沙镇"].problems.items)
    lead = said(units["红石乡"], q)["problems"][0]
    assert lead.endswith("以下列出未达到工作目标的方面。"), lead


def test_a_unit_good_on_everything_is_told_its_strengths(surveys):
    q, a, _, _ = surveys["jiceng"]
    ud = a.unit_dimensions.copy()
    mine = ud["unit"] == "柳河镇"
    ud.loc[mine, "diff"] = 0.3
    ud.loc[mine, "significant"] = True
    ud.loc[mine, "mean"] = ud.loc[mine, "rest_mean"] + 0.3
    planted = replace(a, unit_dimensions=ud,
                      unit_problems=unit_problems(ud, a.district_dimensions, a.changes, q))
    f = fd.build_findings("柳河镇", planted, q)
    text = "".join(said(f, q)["problems"])
    strengths = "".join(said(f, q)["strengths"])
    assert "显著高于全区其他街道（乡镇），差异经统计检验显著" in strengths
    assert len(f.strengths.high) == len(q.dimensions)
    assert not f.problems.items and "本次调查未发现需要列出的问题" in text  # no slot filled
    assert "显著低于" not in text


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_significant_only_with_an_fdr_significant_test(surveys, name):
    """Every "显著低于/高于" about a dimension, an option or a group stands on a significant test."""
    q, a, units, _ = surveys[name]
    ud = a.unit_dimensions.set_index(["unit", "dimension_name"])
    for unit, f in units.items():
        for t in said(f, q)["problems"]:
            for dim in re.findall(r"“([^”]+)”得分[^。；]*?显著低于", t):
                assert ud.loc[(unit, dim), "significant"] and ud.loc[(unit, dim), "diff"] < 0, (unit, t)
        for c in f.causes.items:
            if c.kind == "concentration":
                text = cause(c, q)
                assert ("经统计检验显著" in text) == bool(f.causes.concentrated.get(c.dimension)), text
        if not (a.unit_dimensions.loc[a.unit_dimensions["unit"] == unit, "significant"].any()
                or a.unit_items.loc[a.unit_items["unit"] == unit, "significant"].any()
                or a.problems.loc[a.problems["unit"] == unit, "significant"].any()
                or a.subgroups.loc[a.subgroups["unit"] == unit, "significant"].any()):
            assert "显著" not in _text(f, q), unit  # not even negated: the body says 显著 for a test only


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_wording_scales_quotes_and_no_statistics_terms_in_the_body(surveys, name):
    q, _, units, district = surveys[name]
    ids = {q.id, *(d.id for d in q.dimensions), *(x.id for x in q.questions)}
    for f in units.values():
        text = _text(f, q)
        for term in STATISTICS:
            assert term not in text, (f.unit, term)
        assert not re.search(r"“[^”]*“", text), f.unit  # no “…“…”…”: inner quotes are 「」
        assert not re.search(r"[a-z_]+\.(yaml|xlsx|csv)|demo_", text), f.unit
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]+", text))
        assert not words & ids, (f.unit, words & ids)
        for t in said(f, q)["problems"]:
            if t.startswith("（"):
                assert re.search(r"分（\d分制）", t), t
        assert "改进的优先程度次之" not in text
    body = "".join(t for k in ("basic", "problems", "causes", "suggestions") for t in said(district, q)[k])
    for term in STATISTICS:
        assert term not in body, term


@pytest.mark.parametrize("name", ["jiceng", "jianfu"])
def test_reports_do_not_read_alike(surveys, name):
    """Masking unit names and numbers, at most 40% of the sentences of 原因分析 and 对策建议 appear in more
    than one unit's report."""
    q, _, units, _ = surveys[name]

    def sentences(f) -> list[str]:
        text = "".join(said(f, q)["causes"] + said(f, q)["suggestions"])
        for u in units:
            text = text.replace(u, "〇")
        text = re.sub(r"\d+(\.\d+)?", "#", text)
        return [s for s in re.split(r"[。！？\n]", text) if s.strip()]

    per = {u: sentences(f) for u, f in units.items()}
    owners = Counter(s for ss in per.values() for s in set(ss))
    total = sum(len(ss) for ss in per.values())
    shared = sum(owners[s] >= 2 for ss in per.values() for s in ss)
    assert total >= 2 * len(units) and shared / total <= 0.4, (shared, total)


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_no_quote_in_two_units_and_none_twice_in_one(surveys, name):
    """No quote twice, and none that recurs in another unit with only a unit's or community's name changed."""
    q, _, units, _ = surveys[name]
    mask = _masker(q, units)
    seen: dict[str, str] = {}
    for unit, f in units.items():
        quotes = [c.quote for c in f.causes.items if c.quote]
        quotes += [x for m in f.suggestions.measures for x in m.quotes]
        quotes += [x for t in f.suggestions.themes for x in t.quotes]
        assert len(quotes) == len(set(quotes)), unit
        for x in quotes:
            assert seen.setdefault(mask(x), unit) == unit, (x, unit, seen[mask(x)])
            assert "已隐去" not in x
    assert len(seen) >= (2 if name != "wangge" else 1) * len(units)  # each unit's own words are quoted


def _masker(q, units):
    """Text with every unit's and community's name masked and every number as 0 (what is left is what a
    reader would see repeated between units)."""
    names = sorted(set(units) | {c for cs in demo_spec(q).units.values() for c in cs}, key=len, reverse=True)

    def mask(text: str) -> str:
        for n in names:
            text = text.replace(n, "＃")
        return re.sub(r"\d+(?:\.\d+)?", "0", text)

    return mask


@pytest.mark.parametrize("name", ["jiceng", "jianfu"])
def test_causes_and_measures_are_not_copied_between_units(surveys, name):
    """At most 30% of the clauses of 原因分析 and 对策建议 (split at ；and 。, names and figures masked) recur
    in another unit's report."""
    q, _, units, _ = surveys[name]
    mask = _masker(q, units)
    clauses = {u: [mask(c).strip() for k in ("causes", "suggestions") for t in said(f, q)[k]
                   for c in re.split("[；。]", t) if c.strip()] for u, f in units.items()}
    where = Counter(c for cs in clauses.values() for c in set(cs))
    shared = sum(where[c] > 1 for cs in clauses.values() for c in cs)
    assert shared / sum(map(len, clauses.values())) <= 0.30


@pytest.mark.parametrize(("name", "unit", "planted"), [
    ("jiceng", "北关街道", {"服务群众与工作作风"}), ("jianfu", "城关镇", {"督查检查考核"})])
def test_a_planted_strong_unit_gets_its_strengths_and_no_problem_of_its_own(surveys, name, unit, planted):
    q, _, units, district = surveys[name]
    f = units[unit]
    assert planted <= {s.name for s in f.strengths.high}
    assert all(p.evidence[0] in {"standard", "district_wide"} for p in f.problems.items)
    assert any(f"{unit}" in t and next(iter(planted)) in t for t in said(district, q)["strengths"])


@pytest.mark.parametrize("name", ["jiceng", "jianfu", "wangge"])
def test_no_reason_cited_for_two_problems_of_a_unit(surveys, name):
    """An option that explains two of a unit's problems is cited under the first only: the same sentence
    twice in one 原因分析 reads as a template."""
    q, _, units, _ = surveys[name]
    cited = 0
    for unit, f in units.items():
        reasons = [cause(c, q).split("看，")[-1] for c in f.causes.items if c.kind == "reason"]
        assert len(reasons) == len(set(reasons)), unit
        cited += len(reasons)
    assert cited >= 1 if name != "wangge" else True


def test_basic_section(surveys):
    q, a, units, _ = surveys["jiceng"]
    f = units["石桥乡"].model_dump()
    assert fd.UnitFindings.model_validate_json(json.dumps(f, ensure_ascii=False)).model_dump() == f
    u = a.units.set_index("unit").loc["石桥乡"]
    basic = " ".join(said(units["石桥乡"], q)["basic"])
    assert f"发放问卷300份，回收{u['received']}份（回收率" in basic and f"其中有效问卷{u['valid']}份" in basic
    rates = a.units.set_index("unit")["satisfaction_rate"].dropna()
    rank = int((rates > rates["石桥乡"]).sum()) + 1
    area = a.district.iloc[0]["satisfaction_rate"]
    assert f"全区为{area:.1%}，在{len(rates)}个街道（乡镇）中排第{rank}位" in basic
    assert f"征集意见建议{u['suggestions']}条" in basic and "覆盖4个社区（村）" in basic
    assert sum(f["basic"]["rejected_by_rule"].values()) == u["rejected"]
    assert f["suggestions"]["count"] == u["suggestions"] and f["suggestions"]["themes"]


def test_small_sample_wording(demo_analysis, questionnaire):
    a, _ = demo_analysis
    units = a.units.copy()
    units.loc[units["unit"] == "白马乡", "valid"] = 12
    ud = a.unit_dimensions.copy()
    mask = ud["unit"] == "白马乡"
    ud.loc[mask, ["tested", "significant"]] = False
    small = replace(a, units=units, unit_dimensions=ud)
    f = said(fd.build_findings("白马乡", small, questionnaire), questionnaire)
    assert "样本量较小，结论仅供参考" in " ".join(f["problems"])
    assert not any("显著低于" in t or "显著高于" in t for t in f["problems"])


def test_small_cells_are_not_quoted(demo_analysis, questionnaire):
    a, _ = demo_analysis
    comp = a.composition.copy()
    row = (comp["unit"] == "东湖街道") & (comp["question"] == "age") & (comp["option"] == "60岁以上")
    comp.loc[row, ["count", "share", "suppressed"]] = [pd.NA, pd.NA, True]
    f = fd.build_findings("东湖街道", replace(a, composition=comp), questionnaire)
    assert "60岁以上的人数不予显示" in " ".join(said(f, questionnaire)["basic"])


def test_district_summary(surveys):
    """The overview in the reference reports' order; its first screen holds counts and shares, no test
    statistic; the area's weakness first, then every unit significantly low, with its dimensions."""
    q, a, _, d = surveys["jiceng"]
    assert d.valid == int(a.district.iloc[0]["valid"])
    assert "街道6个、乡镇4个" in said(d, q)["basic"][0]
    first_screen = "".join(said(d, q)["basic"])
    for statistic in ("KMO", "χ²", "α", "R²", "Hedges", "p=", "p<", "Welch", "F="):
        assert statistic not in first_screen, statistic
    problems = "".join(said(d, q)["problems"])
    assert "共有2个街道（乡镇）的2项得分显著低于" in problems
    low = a.unit_dimensions.loc[significantly_low(a.unit_dimensions)]
    assert set(d.units_with_problems) == set(low["unit"]) == {"石桥乡", "新华街道"}
    for _, r in low.iterrows():
        assert f"{r['unit']}（" in problems and f"“{r['dimension_name']}”" in problems
    causes = "".join(said(d, q)["causes"])
    assert "与“基层党组织建设工作总体评价”关联最密切的方面依次是：" in causes
    reason = "关于“基层减负”：全区受访者在“当前基层党建最突出的问题”中选择“填表报数、过度留痕负担重”的占"
    assert reason in causes
    assert "石桥乡“信息化建设”得分偏低主要集中在年龄段为“60岁以上”的受访者" in causes
    assert "新华街道“基层减负”得分偏低主要集中在幸福社区" in causes
    suggestions = "".join(said(d, q)["suggestions"])
    assert "新华街道显著低于全区其他街道（乡镇），应作为重点" in suggestions
    assert "针对个别街道（乡镇）的突出问题，由所在单位对照本单位报告中的对策建议整改" in suggestions
    assert "石桥乡“信息化建设”" in suggestions
    total = int(a.district.iloc[0]["suggestions"])
    assert said(d, q)["suggestions"][-1].startswith(f"共征集意见建议{total}条，按主题归类")


def test_rejection_reasons_follow_rule_order(demo_analysis, questionnaire):
    from pipeline.clean import RULE_ORDER

    a, _ = demo_analysis
    rules = list(fd.district_findings(a, questionnaire).rejected_by_rule)
    assert rules == [r for r in RULE_ORDER if r in rules] and len(rules) == 3


def test_no_causal_verbs(surveys):
    for q, _, units, d in surveys.values():
        for f in units.values():
            unquoted = re.sub(r"“[^”]*”", "", _text(f, q))  # item wording and answers are quoted as written
            for verb in ("导致", "造成", "决定了", "使得", "因为"):
                assert verb not in unquoted, (f.unit, verb)
        causes = re.sub(r"“[^”]*”", "", "".join(said(d, q)["causes"]))
        assert not any(v in causes for v in ("导致", "造成", "因为"))


def test_findings_from_a_unit_slice_equal_findings_from_everything(demo_analysis, questionnaire):
    a, _ = demo_analysis
    slices = fd.unit_slices(a)
    for unit in ("石桥乡", "新华街道", "西城街道"):
        sliced = fd.build_findings(unit, slices[unit], questionnaire)
        assert sliced == fd.build_findings(unit, a, questionnaire)


def test_analysis_type_is_what_findings_read():
    assert "unit_problems" in Analysis.__dataclass_fields__


def test_ordinals_count_past_ten():
    """A province's overview lists more than ten measures: (十一), (二十), (二十一) — never an IndexError."""
    from pipeline.wording.say import ordinal

    assert [ordinal(n) for n in (1, 9, 10, 11, 19, 20, 21, 99)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "九十九"]
    assert ordinal(100) == "100"
