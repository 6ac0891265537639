"""survey plan: questionnaires to issue per unit equal the textbook sample size for a share (Cochran, with
design effect, finite-population correction and response rate), written as the questionnaire's ``issued:``."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import yaml
from scipy.stats import norm

from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.questionnaire import load_questionnaire
from pipeline.stats.plan import plan_sizes, read_unit_population


def _textbook(N: int, moe: float, deff: float, rate: float, p: float = 0.5) -> int:
    """n0 = z²p(1−p)/e², times the design effect, corrected for the finite population (N n / (N + n − 1)),
    divided by the response rate — each step rounded up, as survey practice (and svy) does."""
    z = norm.ppf(0.975)
    n0 = math.ceil(z**2 * p * (1 - p) / moe**2)
    n1 = math.ceil(deff * n0)
    n2 = math.ceil(N * n1 / (N + n1 - 1))
    return min(N, math.ceil(n2 / rate))


@pytest.mark.parametrize(("moe", "deff", "rate"), [(0.05, 1.0, 1.0), (0.05, 1.5, 0.85), (0.03, 2.0, 0.7),
                                                   (0.1, 1.2, 0.9)])
def test_sizes_equal_the_textbook_formula(moe, deff, rate):
    population = {"甲街道": 52000, "乙镇": 9000, "丙乡": 1200, "丁村": 150, "戊社区": 40}
    plan = plan_sizes(population, moe, deff, rate).set_index("unit")
    for unit, N in population.items():
        assert plan.loc[unit, "issue"] == _textbook(N, moe, deff, rate), unit
        assert plan.loc[unit, "needed"] == _textbook(N, moe, deff, 1.0), unit
    # a unit too small for the target is surveyed in full, never asked for more than it has
    assert plan.loc["丁村", "census"] == (math.ceil(_textbook(150, moe, deff, 1.0) / rate) >= 150)
    small = plan.loc["戊社区"]
    assert small["issue"] <= 40 and small["census"] == (small["issue"] == 40)
    assert plan.loc["甲街道", "issue"] == _textbook(52000, moe, deff, rate) < 52000


def test_a_larger_population_never_needs_fewer_and_the_fpc_matters_for_small_units():
    plan = plan_sizes({"a": 500, "b": 5000, "c": 500000}, 0.05, 1.0, 1.0).set_index("unit")["needed"]
    assert plan["a"] < plan["b"] < plan["c"] == 385  # 1.96² × 0.25 / 0.05² = 384.1 → 385 without FPC
    assert plan["a"] == 218  # 500 × 385 / 884 = 217.8


def test_the_population_table_is_checked_against_the_units(tmp_path):
    units = ["东湖街道", "西城街道"]
    good = tmp_path / "pop.csv"
    good.write_text("unit,population\n东湖街道,52000\n西城街道,48000\n", encoding="utf-8")
    assert read_unit_population(good, units) == {"东湖街道": 52000, "西城街道": 48000}
    for text, message in [
        ("unit,population\n东湖街,52000\n西城街道,48000\n",
         "单位“东湖街”不在问卷的单位中（最接近的是：东湖街道）"),
        ("unit,population\n东湖街道,52000\n", "单位人口表缺少这些单位：西城街道"),
        ("unit,population\n东湖街道,五万\n西城街道,48000\n", "population 应为正整数"),
        ("unit,people\n东湖街道,5\n", "单位人口表缺少列：population"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(SurveyError, match=message.replace("（", r"\（").replace("）", r"\）")):
            read_unit_population(bad, units)


def test_survey_plan_writes_the_issued_section_the_reports_read(tmp_path):
    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    units = list(q.unit_question.options)
    table = tmp_path / "人口.csv"
    table.write_text("unit,population\n" + "".join(f"{u},{1000 * (i + 1)}\n" for i, u in enumerate(units)),
                     encoding="utf-8")
    command = [sys.executable, "-m", "pipeline.cli", "plan", "--population", str(table), "--survey", "计划",
               "--root", str(tmp_path)]
    run = subprocess.run([*command, "--moe", "0.05", "--deff", "1.5", "--response-rate", "0.8"],
                         capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 0, run.stderr
    written = yaml.safe_load((tmp_path / "reports" / "计划" / "发放计划.yaml").read_text(encoding="utf-8"))
    assert written["issued"] == {u: _textbook(1000 * (i + 1), 0.05, 1.5, 0.8) for i, u in enumerate(units)}
    assert f"合计应发放 {sum(written['issued'].values())} 份" in run.stdout
    table.write_text("unit,population\n东湖街,52000\n", encoding="utf-8")
    run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 2 and "最接近的是：东湖街道" in run.stderr


def test_the_overview_and_index_table_show_progress_against_the_plan(demo_analysis, questionnaire):
    """Half-way through fieldwork (each unit has half of what the plan issues): the unit table the overview,
    the workbook and the index share says 回收进度 50.0% for each unit and the area; without a plan, no
    such column."""
    from types import SimpleNamespace

    from pipeline.report.compose.district import units_table
    from pipeline.wording import Wording

    a, _ = demo_analysis
    plan = {u: 2 * int(n) for u, n in zip(a.units["unit"], a.units["received"], strict=True)}
    for issued in (plan, {}):
        w = questionnaire.words().model_copy(update={"issued": issued})
        table = units_table(a, SimpleNamespace(words=w), Wording.of(w))
        names = [c.name for c in table.columns]
        if not issued:
            assert "回收进度" not in names
            continue
        rows = {r[0]: dict(zip(names, r, strict=True)) for r in table.rows}
        assert all(rows[unit]["回收进度"] == 0.5 for unit in plan)
        total = next(r for k, r in rows.items() if k not in plan)
        assert total["回收进度"] == pytest.approx(0.5)
