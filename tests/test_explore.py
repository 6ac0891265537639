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
        assert row["n"] == table.loc[row["row"], row["col"]] >= MIN_CELL
    hidden = r.table.loc[r.table["suppressed"]]
    assert hidden["n"].isna().all() and hidden["row_share"].isna().all()
    assert _no_cell_recoverable(r.table, table)


def _no_cell_recoverable(result: pd.DataFrame, reference: pd.DataFrame, row: str = "row", col: str = "col"
                         ) -> bool:
    """Every small cell is withheld, and no row or column total whose shares are shown, minus its shown cells,
    leaves a withheld part of fewer than MIN_CELL respondents (or one withheld part alone)."""
    true = result.apply(lambda r: reference.loc[r[row], r[col]], axis=1)
    assert result.loc[true.between(1, MIN_CELL - 1), "suppressed"].all()
    for key, share in ((row, "row_share"), (col, "col_share")):
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
    assert _no_cell_recoverable(r.table, counts)
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
    assert dict(zip(r.table["group"], r.table["mean"], strict=True)) == pytest.approx(means.to_dict())
    assert list(r.table["group"]) == [o for o in survey.questionnaire.by_id["age"].options if o in means]


def test_multi_select_and_subgroups(survey):
    r = survey.crosstab("age", "problems")
    assert {"group", "option", "share", "suppressed"} <= set(r.table.columns)
    assert r.pivot().index.name == "年龄段" and "回答人数" in r.pivot().columns
    assert all("p_fdr" in t for t in r.test["各选项检验"])
    sub = survey.subgroups(by="identity")
    assert {"维度", "身份", "p_fdr", "significant"} <= set(sub.columns)
    assert sub.loc[sub["suppressed"], "mean"].isna().all()
    with pytest.raises(SurveyError, match="不能作为分组"):
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


def test_multi_select_on_a_small_group_is_a_table_not_a_traceback(survey):
    r = _tiny(survey, 8, "党员").crosstab("identity", "problems", unit="石桥乡")
    shown = r.table.loc[~r.table["suppressed"], "chosen"]
    assert r.table["suppressed"].any() and ((shown == 0) | (shown >= MIN_CELL)).all()
    with pytest.raises(SurveyError, match="有效答卷不足5份"):  # a unit the reports withhold: nothing at all
        _tiny(survey, 4, "党员").crosstab("identity", "problems", unit="石桥乡")


def test_a_withheld_group_mean_cannot_be_worked_back(survey):
    tiny = _tiny(survey, 20)  # groups of 10, 6, 3 and 1: the 3 and the 1 together are still under 5
    r = tiny.compare("digital", by="identity", unit="石桥乡")
    kept = tiny.responses
    n = kept["identity"].astype(str).value_counts()
    hidden = r.table.loc[r.table["suppressed"], "group"]
    assert set(n[n < MIN_CELL].index) <= set(hidden)
    assert hidden.empty or (len(hidden) >= 2 and n[hidden].sum() >= MIN_CELL)
    sub = tiny.subgroups(by="identity", unit="石桥乡")
    for _, g in sub.groupby("维度"):
        left = g.loc[g["suppressed"], "n"]
        assert left.empty or (len(left) >= 2 and left.sum() >= MIN_CELL)


def test_satisfaction_by_identity_equals_pandas_and_scipy(survey):
    """The most common 交叉分析: the overall question (a Likert question) by identity, as categories with
    their labels in questionnaire order, counts and shares as pandas computes them from the cleaned rows."""
    q = survey.questionnaire
    r = survey.crosstab("identity", "overall")
    kept = survey.responses.dropna(subset=["identity", "overall"])
    labels = kept["overall"].astype(int).map(dict(enumerate(q.by_id["overall"].options, start=1)))
    counts = pd.crosstab(kept["identity"].astype(str), labels)
    shares = pd.crosstab(kept["identity"].astype(str), labels, normalize="index")
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    assert r.test["chi2"] == pytest.approx(chi2, rel=1e-10) and r.test["p"] == pytest.approx(p, rel=1e-8)
    shown = r.table.loc[~r.table["suppressed"]]
    assert len(shown) >= 8
    for _, row in shown.iterrows():
        assert row["n"] == counts.loc[row["row"], row["col"]]
        assert row["row_share"] == pytest.approx(shares.loc[row["row"], row["col"]], rel=1e-12)
    assert list(dict.fromkeys(r.table["col"])) == [o for o in q.by_id["overall"].options if o in counts]
    pivot = r.pivot()
    assert pivot.loc["合计", ("合计", "人数")] == len(kept)
    assert "χ²" in r._repr_html_() and "%" in r._repr_html_() and "0.48" not in r.test_lines()[0]


def test_a_filter_and_weights_are_checked_the_same_way(survey):
    rng = np.random.default_rng(3)
    weights = pd.Series(rng.uniform(0.5, 2.0, len(survey.responses)), index=survey.responses.index)
    weighted = explore.Survey("w", survey.questionnaire, survey.responses, weights)
    r = weighted.crosstab("identity", "age", where={"gender": ["女"]}, weighted=True)
    women = survey.responses.loc[survey.responses["gender"].astype(str) == "女"]
    kept = women.dropna(subset=["identity", "age"])
    expected = pd.crosstab(kept["identity"].astype(str), kept["age"].astype(str), values=weights[kept.index],
                           aggfunc="sum", normalize="index")
    counts = pd.crosstab(kept["identity"].astype(str), kept["age"].astype(str))
    shown = r.table.loc[~r.table["suppressed"]]
    assert len(shown) >= 4 and "女" in r.title
    for _, row in shown.iterrows():
        assert row["n"] == counts.loc[row["row"], row["col"]]
        assert row["row_share"] == pytest.approx(expected.loc[row["row"], row["col"]], rel=1e-12)
    chi2, *_ = stats.chi2_contingency(counts, correction=False)
    assert r.test["chi2"] == pytest.approx(chi2, rel=1e-10)  # the test is on the respondents, not the weights
    with pytest.raises(SurveyError, match="没有使用人口加权"):
        survey.crosstab("identity", "age", weighted=True)
    with pytest.raises(SurveyError, match="没有选项"):
        survey.crosstab("identity", "age", where={"gender": ["男性"]})


def test_to_excel_writes_formatted_numbers(survey, tmp_path):
    import openpyxl

    path = survey.crosstab("identity", "overall").to_excel(tmp_path / "交叉.xlsx")
    ws = openpyxl.load_workbook(path)["交叉分析"]
    values = [[c for c in row] for row in ws.iter_rows(min_row=3)]
    header = [c.value for c in values[0]]
    cells = [(header[j], c) for row in values[1:] for j, c in enumerate(row) if j < len(header) and header[j]]
    shares = [c for h, c in cells if "行百分比" in h and isinstance(c.value, float | int)]
    counts = [c for h, c in cells if "人数" in h and isinstance(c.value, float | int)]
    assert shares and all(c.number_format == "0.0%" for c in shares)
    assert counts and all(c.number_format == "0" and c.value == int(c.value) for c in counts)
    assert any(isinstance(c.value, str) and c.value.startswith("χ²") for row in values for c in row)


def test_explore_rounds_as_the_reports_round_by_declared_kind():
    """Numbers in a cross-analysis are rounded half up by their column's declared kind (common.formatting),
    as the reports are — never by guessing from a Chinese column name, never half to even."""
    from pipeline.explore.result import Result

    table = pd.DataFrame({"group": ["平均分较高的组"], "n": [12], "mean": [3.125], "sd": [0.5],
                          "suppressed": [False]})
    r = Result(title="比较", table=table, kind="compare", labels=("人数比例", ""),
               test={"cramer_v": 0.1235, "p": 0.0004, "dof": 2.0})
    assert r.kinds(r.pivot()) == ["count", "score", "score"]
    html = r._repr_html_()
    assert "<td>3.13</td>" in html and "<td>12</td>" in html  # 3.125 → 3.13 (half to even gives 3.12)
    assert r.test_lines() == ["Cramér's V：0.124", "p值：<0.001", "自由度：2"]
