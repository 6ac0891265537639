"""Wave over wave: the demo's planted improvements and declines are exactly what is called significant; a
questionnaire that changed between waves (an item added, one removed, one renamed) is compared on what both
waves asked, and the change is said."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.analyze.waves import EarlierWave, item_changes, wave_changes
from pipeline.clean import clean
from pipeline.common.names import DISTRICT
from pipeline.demo import PREVIOUS_CHANGES, demo_spec, generate_responses, previous_wave_spec
from pipeline.findings.changes import district_changes, unit_changes
from pipeline.ingest import ingest_frame
from pipeline.questionnaire import Questionnaire
from pipeline.report.compose.text_changes import area_changes_text, unit_changes_text
from pipeline.wording import Wording


def _kept(q, spec):
    return clean(ingest_frame(generate_responses(q, spec).astype(str), q, "x.xlsx").frame, q).kept


@pytest.fixture(scope="module")
def waves(questionnaire):
    return _kept(questionnaire, demo_spec(questionnaire)), _kept(
        questionnaire, previous_wave_spec(questionnaire)
    )


def test_exactly_the_planted_changes_are_called(waves, questionnaire):
    now, before = waves
    earlier = EarlierWave("demo_2025年度", "2025年的调查", before, questionnaire)
    ch = wave_changes(now, questionnaire, [earlier])
    units = ch.loc[ch["unit"] != DISTRICT]
    called = {
        (r["unit"], r["dimension"], "up" if r["diff"] > 0 else "down")
        for _, r in units.loc[units["significant"]].iterrows()
    }
    assert called == {
        ("东湖街道", "service", "up"),
        ("北关街道", "service", "up"),  # strong now, average then
        ("白马乡", "org_life", "up"),
        ("新华街道", "burden", "down"),
    }
    control = units.set_index(["unit", "dimension"])
    assert not control.loc[("石桥乡", "digital"), "significant"]  # low in both waves: no change
    assert "石桥乡" not in PREVIOUS_CHANGES and not control.loc["西城街道", "significant"].any()
    assert (units["shared_items"] == units["items"]).all()
    wd = Wording.of(questionnaire.words())
    text = unit_changes_text(unit_changes("新华街道", _analysis(ch))[1], wd)
    assert text == [  # the earlier wave named by its title, never by its folder
        "与2025年的调查相比，“基层减负”得分明显下降"
        f"（{_mean(ch, '新华街道', 'burden', 'mean_prev')}→{_mean(ch, '新华街道', 'burden', 'mean')}分），"
        "变化经统计检验显著。"
    ]
    same = unit_changes_text(unit_changes("西城街道", _analysis(ch))[1], wd)
    assert same == ["与2025年的调查相比，各方面得分经检验没有明显变化。"]


def _mean(ch, unit, dim, col) -> str:
    return f"{ch.set_index(['unit', 'dimension']).loc[(unit, dim), col]:.2f}"


class _analysis:  # the findings builders read only ``changes``
    def __init__(self, changes):
        self.changes = changes


def test_a_changed_questionnaire_is_compared_on_shared_items(waves, questionnaire):
    now, before = waves
    current = questionnaire.model_copy(update={"renamed": {"digi_1": "digital_old_1"}})
    data = questionnaire.model_dump()
    for d in data["dimensions"]:
        if d["id"] == "burden":
            d["items"] = [i for i in d["items"] if i["id"] != "burden_1"]  # added this year
            d["measures"] = []
        if d["id"] == "digital":
            d["measures"] = []
        if d["id"] == "digital":
            d["items"][0]["id"] = "digital_old_1"  # renamed this year
        if d["id"] == "responsibility":
            d["items"].append({"id": "resp_9", "text": "已删去的题目", "reverse": False})  # removed this year
    earlier = Questionnaire.model_validate(data)
    before = before.drop(columns=["burden_1"]).rename(columns={"digi_1": "digital_old_1"})
    before["resp_9"] = np.random.default_rng(1).integers(1, 6, len(before)).astype(float)
    assert item_changes(current, earlier) == {
        "added": ["burden_1"],
        "removed": ["resp_9"],
        "renamed": ["digital_old_1→digi_1"],
        "other_scale": [],
    }
    ch = wave_changes(now, current, [EarlierWave("w", "2025年的调查", before, earlier)])
    ch = ch.set_index(["unit", "dimension"])
    assert ch.loc[(DISTRICT, "burden"), "shared_items"] == 3 and ch.loc[(DISTRICT, "burden"), "items"] == 4
    assert (
        ch.loc[(DISTRICT, "digital"), "shared_items"] == ch.loc[(DISTRICT, "digital"), "items"]
    )  # renamed: matched
    assert ch.loc[("新华街道", "burden"), "significant"]  # still found on the three shared items
    area = district_changes(_analysis(ch.reset_index()))
    text = area_changes_text(area, Wording.of(questionnaire.words()))[0]
    assert "“基层减负”只比较了两次都有的3道题" in text and "新华街道“基层减负”" in text
