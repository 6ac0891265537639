"""Bring your own survey: four questionnaires end to end through papermill to HTML.

- the shipped 基层党组织建设 survey (5-point scales; the session's e2e run);
- the shipped 基层减负 survey: 7-point agreement, a 3-level overall question where only “满意” counts;
- a 社区治理 survey: 7-point, no overall question, no community question, rows without a unit;
- a 村务公开 survey typed in from paper: 4-point, no submit times or durations, no open question.

Each run checks the satisfaction share against the share of the configured labels computed here from the
cleaned responses, and that no report holds a word of another questionnaire.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import reports_html
from export_formats import paper

from pipeline.common.paths import DEFAULT_QUESTIONNAIRE, PROJECT_ROOT
from pipeline.demo import demo_spec, generate_responses, plain_spec
from pipeline.questionnaire import ReportWords, load_questionnaire
from pipeline.run.stages import SurveyPaths, run_survey

HERE = Path(__file__).parent / "questionnaires"
JIANFU = PROJECT_ROOT / "questionnaires" / "jiceng_jianfu.yaml"
SURVEYS = {
    "jianfu": JIANFU,
    "shequ": HERE / "shequ_zhili_7pt.yaml",
    "cunwu": HERE / "cunwu_4pt_paper.yaml",
}


def _export(name: str, q, root: Path) -> Path:
    if name == "jianfu":
        spec = demo_spec(q)  # four of its units at half size: faster, the planted effects still found
        keep = ("城关镇", "桃源镇", "东风街道", "新城街道")
        spec.units = {u: c for u, c in spec.units.items() if u in keep}
        spec.sizes = {u: max(30, spec.sizes[u] // 2) for u in spec.units}
        raw = generate_responses(q, spec)
    elif name == "shequ":
        raw = generate_responses(q, plain_spec(q, sizes={u: 40 for u in q.unit_question.options},
                                               planted={"和谐社区": {"wuye": -1.2}}, seed=11))
        raw.loc[raw.index[:3], "1、您居住的社区"] = "(空)"  # three rows without a unit
    else:
        raw = paper(
            generate_responses(
                q, plain_spec(q, sizes={u: 35 for u in q.unit_question.options}, times=False, seed=12)
            ),
            q,
        )
    path = root / f"{name}.xlsx"
    raw.to_excel(path, index=False)
    return path


@pytest.fixture(scope="module", params=list(SURVEYS))
def survey(request, tmp_path_factory):
    name = request.param
    q = load_questionnaire(SURVEYS[name])
    root = tmp_path_factory.mktemp(name)
    export = _export(name, q, root)
    paths = SurveyPaths(name, root)
    counts, results = run_survey([export], SURVEYS[name], paths, workers=2)
    assert all(r.ok for r in results), [(r.name, r.error) for r in results if not r.ok]
    return {"name": name, "q": q, "paths": paths, "counts": counts, "pages": reports_html(paths)}


def _distinct_words(q) -> set[str]:
    """Words that belong to one questionnaire: its topic, dimensions, units, options, labels."""
    w = q.words()
    out = {w.topic, w.unit_label, *q.dimension_names().values(), *q.unit_question.options}
    for p in q.profile:
        out.update(p.options)
    if w.overall:
        out |= {w.overall.label, w.rate_name}
    defaults = set(ReportWords().model_dump(include={"rate_name", "unit_label", "area"}).values())
    return {x for x in out if len(x) >= 3} - defaults  # a default word belongs to no questionnaire


def test_satisfaction_share_is_the_share_of_the_configured_labels(survey):
    _check_satisfaction_share(survey["q"], survey["paths"], survey["pages"], survey["name"])


def test_the_shipped_survey_too(e2e, questionnaire):
    _check_satisfaction_share(questionnaire, e2e["paths"], reports_html(e2e["paths"]), "shipped")


def _check_satisfaction_share(q, paths, pages, name):
    units = pd.read_parquet(paths.processed / "units.parquet").set_index("unit")
    if q.overall is None:
        assert units.get("satisfaction_rate") is None
        overview = pages["全区总体情况"]
        text = re.sub(r"<[^>]+>", "", overview)
        assert f"本次问卷没有总体评价题，不计算{q.report.rate_name}" in text
        assert not re.search(r"满意率(?:为|（)", text)
        return
    kept = pd.read_parquet(paths.interim / "responses.parquet")
    labels = q.report.satisfied or q.likert_scales[q.overall.scale][-(len(q.overall.options) // 2):]
    answered = kept[q.overall.id].dropna().astype(int)
    chosen = answered.map(lambda c: q.overall.options[c - 1]).isin(labels)
    by_unit = chosen.groupby(kept.loc[answered.index, q.unit_question.id].astype(str)).mean()
    for unit, share in by_unit.items():
        assert units.loc[unit, "satisfaction_rate"] == pytest.approx(share)
        assert f"{q.words().rate_name}为{share * 100:.1f}%" in pages[unit]
    if name == "jianfu":  # 3 levels: only 满意 counts, never "the top two codes"
        assert labels == ["满意"] and chosen.mean() < 0.6


def test_no_report_holds_a_word_of_another_questionnaire(survey):
    _check_no_foreign_words(survey["q"], survey["pages"])


def test_the_shipped_survey_holds_no_foreign_word_either(e2e, questionnaire):
    _check_no_foreign_words(questionnaire, reports_html(e2e["paths"]))


def _check_no_foreign_words(questionnaire, pages: dict[str, str]) -> None:
    own = _distinct_words(questionnaire)
    places = questionnaire.places_path()
    own_text = questionnaire._source.read_text(encoding="utf-8") + (
        places.read_text(encoding="utf-8") if places else ""
    )
    others = set()
    for path in [DEFAULT_QUESTIONNAIRE, *SURVEYS.values()]:
        q = load_questionnaire(path)
        if q.id != questionnaire.id:
            others |= _distinct_words(q)
    assert others - own
    for name, html in pages.items():
        text = re.sub(r"<[^>]+>", " ", html)
        leaked = {w for w in others - own if w in text and w not in own_text}
        assert not leaked, (name, leaked)


def test_what_was_not_asked_is_said_not_guessed(survey):
    name, pages = survey["name"], survey["pages"]
    units = [u for u in survey["q"].unit_question.options if u in pages]
    text = " ".join(re.sub(r"<[^>]+>", " ", pages[u]) for u in units)
    assert "None" not in text and "nan" not in text
    if name == "shequ":  # no community question, no overall question
        assert (
            "覆盖" not in text
            and "重要性—表现" in text
            and "本次问卷没有总体评价题，不做重要性—表现分析" in text
        )
        overview = re.sub(r"<[^>]+>", " ", pages["全区总体情况"])
        assert "其中3份问卷未填写所在社区" in overview and "未填写单位" in overview
        assert "另有3份问卷未填写所在社区" in pages["index"]
        district = pd.read_parquet(survey["paths"].processed / "district.parquet").iloc[0]
        assert district["received"] == survey["counts"]["rows_in"] == 163
    if name == "cunwu":  # paper entry: no times, no open question
        assert "导出文件没有答题用时，未检查答题过快" in text and "数据截至—" in text
        assert "意见建议" not in text.split("方法说明")[0].replace("本次问卷没有意见建议题", "")
    if name == "jianfu":
        assert "桃源镇基层减负调研报告" in pages["桃源镇"] and "“政务App和工作群”得分" in pages["桃源镇"]
        assert "显著低于全县其他乡镇（街道）" in pages["桃源镇"]
        assert "1–7分" in pages["桃源镇"] or "7级" in text


def test_tables_and_findings_keep_their_contracts(survey):
    """The same contracts hold whatever the questionnaire (see test_contracts for the shipped one)."""
    from test_contracts import check_documents, check_findings, check_tables

    assert "unit_dimensions" in check_tables(survey["paths"])
    assert check_findings(survey["paths"]) >= 2 and check_documents(survey["paths"]) >= 2


def test_html_word_and_excel_say_the_same_numbers(survey):
    from test_document import check_same_numbers

    units = [u for u in survey["q"].unit_question.options if u in survey["pages"]]
    check_same_numbers(survey["paths"], units)


def test_the_area_is_called_by_its_own_name(survey):
    """A county's survey says 全县 wherever it speaks of the whole area — in the text, the tables and the
    ledger's evidence — never the default 全区."""
    area = survey["q"].words().area
    assert area != "全区"
    for name, html in survey["pages"].items():
        text = re.sub(r"<[^>]+>", "", html).replace("全区总体情况.html", "")
        assert "全区" not in text, (name, text[max(text.find("全区") - 40, 0):text.find("全区") + 40])
