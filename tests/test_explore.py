"""交叉分析 (``pipeline.explore``) equals pingouin and scipy on the same cleaned rows; small cells are hidden;
the explore notebook runs top to bottom with papermill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from pipeline import explore
from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE, NOTEBOOKS
from pipeline.common.rules import MIN_CELL


@pytest.fixture(scope="module")
def survey(e2e):
    return explore.open_survey("small", root=e2e["root"], questionnaire=DEFAULT_QUESTIONNAIRE)


def test_crosstab_equals_scipy_and_hides_small_cells(survey):
    r = survey.crosstab("identity", "age")
    kept = survey.responses
    table = pd.crosstab(kept["identity"].astype(str), kept["age"].astype(str))
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    v = np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1)))
    assert r.test["chi2"] == pytest.approx(chi2, rel=1e-10) and r.test["p"] == pytest.approx(p, rel=1e-8)
    assert r.test["dof"] == dof and r.test["cramer_v"] == pytest.approx(v, rel=1e-10)
    shown = r.table.loc[~r.table["suppressed"]]
    for _, row in shown.iterrows():
        assert row["人数"] == table.loc[row["身份"], row["年龄段"]] >= MIN_CELL
    hidden = r.table.loc[r.table["suppressed"]]
    assert hidden["人数"].isna().all() and hidden["行占比"].isna().all()
    assert all(table.loc[h["身份"], h["年龄段"]] < MIN_CELL for _, h in hidden.iterrows())


def test_small_cells_within_a_unit_are_suppressed(survey):
    r = survey.crosstab("identity", "education", unit="石桥乡")
    kept = survey.responses.loc[survey.responses["unit"].astype(str) == "石桥乡"]
    counts = pd.crosstab(kept["identity"].astype(str), kept["education"].astype(str))
    assert (counts.to_numpy() < MIN_CELL).any()  # the case is real
    assert r.table["suppressed"].sum() == int((counts.stack() < MIN_CELL).sum())
    assert "不予显示" in r.note


def test_compare_equals_pingouin_welch_anova(survey):
    from pipeline.analyze.scores import dimension_scores

    r = survey.compare("digital", by="age")
    kept = survey.responses
    scores = dimension_scores(kept, survey.questionnaire)
    data = pd.DataFrame({"g": kept["age"].astype(str), "y": scores["digital"]})
    ref = pg.welch_anova(data=data.dropna(), dv="y", between="g").iloc[0]
    assert r.test["Welch F"] == pytest.approx(ref["F"], rel=1e-10)
    assert r.test["p"] == pytest.approx(ref["p_unc"], rel=1e-8)
    means = data.dropna().groupby("g")["y"].mean()
    assert dict(zip(r.table["年龄段"], r.table["平均分"], strict=True)) == pytest.approx(means.to_dict())


def test_multi_select_and_subgroups(survey):
    r = survey.crosstab("age", "problems")
    assert {"选项", "选择比例", "suppressed"} <= set(r.table.columns)
    assert all("p_fdr" in t for t in r.test["各选项检验"])
    sub = survey.subgroups(by="identity")
    assert {"维度", "身份", "p_fdr", "significant"} <= set(sub.columns)
    assert sub.loc[sub["suppressed"], "mean"].isna().all()
    with pytest.raises(SurveyError, match="不是单选题"):
        survey.crosstab("suggestion", "age")


def test_explore_notebook_runs_top_to_bottom(e2e, tmp_path):
    import papermill as pm

    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / "explore.ipynb"), str(out), kernel_name="python3", progress_bar=False,
                        parameters={"survey": "small", "root": str(e2e["root"]),
                                    "questionnaire": str(DEFAULT_QUESTIONNAIRE)})
    text = out.read_text(encoding="utf-8")
    assert "身份 × 性别" in text and "Welch F" in text and "Traceback" not in text
