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
    assert _no_cell_recoverable(r.table, table, "身份", "年龄段")


def _no_cell_recoverable(result: pd.DataFrame, reference: pd.DataFrame, row: str, col: str) -> bool:
    """Every small cell is withheld, and no row or column total whose shares are shown, minus its shown cells,
    leaves a withheld part of fewer than MIN_CELL respondents (or one withheld part alone)."""
    true = result.apply(lambda r: reference.loc[r[row], r[col]], axis=1)
    assert result.loc[true.between(1, MIN_CELL - 1), "suppressed"].all()
    for key, share in ((row, "行占比"), (col, "列占比")):
        for _, g in result.assign(_true=true).groupby(key):
            if g[share].isna().all():
                continue  # the total is not given away
            left = g.loc[g["suppressed"], "_true"]
            assert left.empty or (len(left) >= 2 and left.sum() >= MIN_CELL), g
    return True


def test_small_cells_within_a_unit_are_suppressed(survey):
    r = survey.crosstab("identity", "education", unit="石桥乡")
    kept = survey.responses.loc[survey.responses["unit"].astype(str) == "石桥乡"]
    counts = pd.crosstab(kept["identity"].astype(str), kept["education"].astype(str))
    assert ((counts.to_numpy() < MIN_CELL) & (counts.to_numpy() > 0)).any()  # the case is real
    assert _no_cell_recoverable(r.table, counts, "身份", "学历")
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


def _tiny(survey, n: int, identity: str | None = None) -> explore.Survey:
    """The same survey with only the first ``n`` respondents of one unit (of one identity): small groups."""
    rows = survey.responses.loc[survey.responses["unit"].astype(str) == "石桥乡"]
    if identity:
        rows = rows.loc[rows["identity"].astype(str) == identity]
    return explore.Survey("tiny", survey.questionnaire, rows.head(n))


def test_multi_select_on_a_small_unit_is_a_table_not_a_traceback(survey):
    r = _tiny(survey, 4, "党员").crosstab("identity", "problems", unit="石桥乡")
    assert r.table["suppressed"].all() and r.table["选择人数"].isna().all()
    assert all("note" in t for t in r.test["各选项检验"])


def test_a_withheld_group_mean_cannot_be_worked_back(survey):
    tiny = _tiny(survey, 20)  # groups of 10, 6, 3 and 1: the 3 and the 1 together are still under 5
    r = tiny.compare("digital", by="identity", unit="石桥乡")
    kept = tiny.responses
    n = kept["identity"].astype(str).value_counts()
    hidden = r.table.loc[r.table["suppressed"], "身份"]
    assert set(n[n < MIN_CELL].index) <= set(hidden)
    assert hidden.empty or (len(hidden) >= 2 and n[hidden].sum() >= MIN_CELL)
    sub = tiny.subgroups(by="identity", unit="石桥乡")
    for _, g in sub.groupby("维度"):
        left = g.loc[g["suppressed"], "n"]
        assert left.empty or (len(left) >= 2 and left.sum() >= MIN_CELL)
