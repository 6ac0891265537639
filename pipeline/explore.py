"""交叉分析 in JupyterLab: open a survey analysed by this pipeline and cross any two of its questions.

    from pipeline import explore
    s = explore.open_survey("demo")
    s.crosstab("identity", "age")                 # single × single: counts, shares, χ² and Cramér's V
    s.crosstab("age", "problems", unit="石桥乡")    # single × multi: share choosing each option, per group
    s.compare("digital", by="age")                # group × dimension (or item): Welch ANOVA + Games–Howell
    s.subgroups(by="age", unit="石桥乡")            # every dimension, each group against the rest, FDR

Every result is a ``Result``: a tidy DataFrame with Chinese labels (``.table``), the test (``.test``) and a
plot on request (``.plot()``). The same rules as the reports: cells of fewer than ``MIN_CELL`` respondents
are suppressed (their counts, shares and means are not shown and they are left out of the tests), and only
cleaned responses are used (rejected rows never appear). Questions are named by their id in the
questionnaire; dimensions by their id.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.disclosure import complementary, exposed_totals
from pipeline.common.errors import SurveyError
from pipeline.common.paths import PROJECT_ROOT, interim_dir, processed_dir
from pipeline.common.rules import ALPHA, MIN_CELL
from pipeline.questionnaire import Question, Questionnaire, load_questionnaire

__all__ = ["Result", "Survey", "open_survey"]


@dataclass
class Result:
    """A cross-analysis: the tidy table, the test, and what the plot draws."""

    title: str
    table: pd.DataFrame
    test: dict = field(default_factory=dict)
    note: str = ""
    _plot: tuple[str, str, str] | None = None  # (x, y, hue) columns of ``table`` for ``plot``

    def plot(self):
        """A bar plot of the table (Chinese labels; suppressed cells left out)."""
        import seaborn as sns
        from matplotlib.figure import Figure

        from pipeline.report.figures import theme as _theme

        _theme()
        if self._plot is None:
            raise ValueError("这个结果没有可画的图")
        x, y, hue = self._plot
        data = self.table.dropna(subset=[y])
        fig = Figure(figsize=(7.5, 4.2))
        ax = fig.subplots()
        sns.barplot(data=data, x=x, y=y, hue=hue, ax=ax)
        ax.set_title(self.title, fontsize=12)
        return fig

    def _repr_html_(self) -> str:
        test = "；".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.test.items())
        return (f"<h4>{self.title}</h4>" + self.table.to_html(index=False, na_rep="—")
                + (f"<p>{test}</p>" if test else "") + (f"<p>{self.note}</p>" if self.note else ""))


@dataclass
class Survey:
    """A survey's cleaned responses and questionnaire."""

    name: str
    questionnaire: Questionnaire
    responses: pd.DataFrame

    # -- what a researcher can name --------------------------------------------------------------------
    def group_questions(self) -> list[str]:
        """Ids of the questions that can group respondents (single-choice profile questions, not the unit)."""
        return [q.id for q in self.questionnaire.profile if q.type == "single" and q.role != "unit"]

    def multi_questions(self) -> list[str]:
        return [q.id for q in self.questionnaire.questions if q.type == "multi"]

    def units(self) -> list[str]:
        uid = self.questionnaire.unit_question.id
        return [u for u in self.questionnaire.unit_question.options if (self.responses[uid] == u).any()]

    def _question(self, qid: str) -> Question:
        q = self.questionnaire.by_id.get(qid)
        if q is None:
            raise SurveyError(f"问卷中没有题目“{qid}”；可用的题目：{'、'.join(self.questionnaire.by_id)}")
        return q

    def _rows(self, unit: str | None) -> pd.DataFrame:
        if unit is None:
            return self.responses
        uid = self.questionnaire.unit_question.id
        rows = self.responses.loc[self.responses[uid].astype("string") == unit]
        if rows.empty:
            raise SurveyError(f"没有“{unit}”的有效答卷")
        return rows

    def _groups(self, qid: str, rows: pd.DataFrame) -> pd.Series:
        q = self._question(qid)
        if q.type not in ("single",) and q.role != "community":
            raise SurveyError(f"“{q.short}”不是单选题，不能作为分组")
        return rows[qid].astype("string").rename(q.short)

    def _values(self, target: str, rows: pd.DataFrame) -> tuple[pd.Series, str]:
        """A dimension's scores or a Likert item's codes, and its name."""
        from pipeline.analyze.scores import dimension_scores

        names = self.questionnaire.dimension_names()
        if target in names:
            return dimension_scores(rows, self.questionnaire)[target], names[target]
        q = self._question(target)
        if q.type != "likert":
            raise SurveyError(f"“{q.short}”不是量表题或维度")
        return rows[target].astype(float), q.short

    # -- analyses ------------------------------------------------------------------------------------------
    def crosstab(self, row: str, col: str, unit: str | None = None) -> Result:
        """Single × single (counts, row and column shares, Pearson χ² and Cramér's V) or single × multi (the
        share of each group choosing each option, χ² per option)."""
        rows = self._rows(unit)
        groups = self._groups(row, rows)
        where = f"（{unit}）" if unit else ""
        target = self._question(col)
        if target.type == "multi":
            return self._crosstab_multi(groups, target, rows, where)
        other = self._groups(col, rows)
        data = pd.DataFrame({"row": groups, "col": other}).dropna()
        counts = pd.crosstab(data["row"], data["col"])
        counts = counts.reindex(index=_in_order(counts.index, self._options(row)),
                                columns=_in_order(counts.columns, self._options(col)))
        tidy = counts.stack().rename("人数").reset_index()
        tidy.columns = [groups.name, other.name, "人数"]
        tidy["行占比"] = tidy["人数"] / tidy.groupby(groups.name)["人数"].transform("sum")
        tidy["列占比"] = tidy["人数"] / tidy.groupby(other.name)["人数"].transform("sum")
        # a cell under MIN_CELL is withheld, and complementary cells in its row and column, so that no row or
        # column total (which the shares give away) minus the shown cells recovers it
        n = tidy["人数"].copy()
        small = complementary(tidy, n.between(1, MIN_CELL - 1), n, [[groups.name], [other.name]])
        tidy["suppressed"] = small
        tidy.loc[small, ["人数", "行占比", "列占比"]] = np.nan
        for key, share in ((groups.name, "行占比"), (other.name, "列占比")):
            exposed = exposed_totals(tidy, small, n, [key])
            tidy.loc[tidy[key].isin(exposed[exposed].index), share] = np.nan  # its total is not to be known
        test = _chi2(data["row"], data["col"])
        return Result(f"{groups.name} × {other.name}{where}", tidy, test, _suppressed_note(small),
                      (groups.name, "行占比", other.name))

    def _crosstab_multi(self, groups: pd.Series, q: Question, rows: pd.DataFrame, where: str) -> Result:
        from pipeline.stats.comparisons import fdr

        parts, tests = [], []
        for k, option in enumerate(q.options, start=1):
            chosen = rows[f"{q.id}__{k}"].astype("boolean")
            data = pd.DataFrame({"row": groups, "chosen": chosen}).dropna()
            count = data.groupby("row")["chosen"].sum()
            answered = data.groupby("row").size()
            parts.append(pd.DataFrame({groups.name: count.index, "选项": option, "选择人数": count.to_numpy(),
                                       "回答人数": answered.to_numpy(),
                                       "选择比例": (count / answered).to_numpy()}))
            test = _chi2(data["row"], data["chosen"].astype(int))
            tests.append({"选项": option, **test})
        tidy = pd.concat(parts, ignore_index=True)
        # a group under MIN_CELL is withheld whole; a count under MIN_CELL is withheld, with complementary
        # groups per option (their counts add up to the option's total)
        primary = tidy["选择人数"].between(1, MIN_CELL - 1) | (tidy["回答人数"] < MIN_CELL)
        small = complementary(tidy, primary, tidy["选择人数"], [["选项"]])
        tidy["suppressed"] = small
        tidy.loc[small, ["选择人数", "选择比例"]] = np.nan
        tidy.loc[tidy["回答人数"] < MIN_CELL, "回答人数"] = np.nan
        per_option = pd.DataFrame(tests)
        per_option["p_fdr"] = fdr(per_option["p"]) if "p" in per_option else np.nan
        return Result(f"{groups.name} × {q.short}（多选）{where}", tidy,
                      {"各选项检验": per_option.to_dict("records")}, _suppressed_note(small),
                      (groups.name, "选择比例", "选项"))

    def compare(self, target: str, by: str, unit: str | None = None) -> Result:
        """A dimension (or Likert item) across the groups of a question: n, mean, SD per group; Welch's ANOVA
        and Games–Howell pairs (pingouin) over the groups with at least ``MIN_CELL`` respondents."""
        import pingouin as pg

        rows = self._rows(unit)
        groups = self._groups(by, rows)
        values, name = self._values(target, rows)
        data = pd.DataFrame({"group": groups, "score": values}).dropna()
        stats = data.groupby("group")["score"].agg(["count", "mean", "std"]).reset_index()
        stats.columns = [groups.name, "人数", "平均分", "标准差"]
        # the groups' means add up to the whole's (shown elsewhere): complementary groups withheld too
        small = complementary(stats.assign(_all=1), stats["人数"] < MIN_CELL, stats["人数"], [["_all"]])
        stats["suppressed"] = small
        stats.loc[small, ["人数", "平均分", "标准差"]] = np.nan
        data = data.loc[data["group"].isin(stats.loc[~small, groups.name])]
        test: dict = {}
        if data["group"].nunique() >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aov = pg.welch_anova(data=data, dv="score", between="group").iloc[0]
                pairs = pg.pairwise_gameshowell(data=data, dv="score", between="group")
            test = {"Welch F": float(aov["F"]), "df1": float(aov["ddof1"]), "df2": float(aov["ddof2"]),
                    "p": float(aov["p_unc"]), "np2": float(aov["np2"]),
                    "Games-Howell": pairs[["A", "B", "diff", "pval", "hedges"]].to_dict("records")}
        where = f"（{unit}）" if unit else ""
        return Result(f"{name}：按{groups.name}比较{where}", stats, test, _suppressed_note(small),
                      (groups.name, "平均分", None))

    def subgroups(self, by: str, unit: str | None = None) -> pd.DataFrame:
        """Every dimension, each group of ``by`` against the rest (Welch t, Hedges g), FDR over the table;
        groups or rests under ``MIN_CELL`` are not tested and their means not shown."""
        from pipeline.analyze.scores import dimension_scores
        from pipeline.stats.comparisons import compare_units, fdr

        rows = self._rows(unit)
        groups = self._groups(by, rows)
        scores = dimension_scores(rows, self.questionnaire)
        t = compare_units(scores, groups, "dimension", "group")
        small = (t["n"] < MIN_CELL) | (t["rest_n"] < MIN_CELL)
        t["suppressed"] = complementary(t, small, t["n"], [["dimension"]])
        t["p_fdr"] = fdr(t["p"].where(~t["suppressed"]))
        t["significant"] = (t["p_fdr"] < ALPHA).fillna(False)
        t.loc[t["suppressed"], ["mean", "rest_mean", "diff", "hedges_g", "p", "p_fdr"]] = np.nan
        t["维度"] = t["dimension"].map(self.questionnaire.dimension_names())
        return t.rename(columns={"group": groups.name})[
            ["维度", groups.name, "n", "mean", "rest_n", "rest_mean", "diff", "hedges_g", "p", "p_fdr",
             "significant", "suppressed"]]

    def _options(self, qid: str) -> list[str]:
        return list(self._question(qid).options)


def _in_order(present: pd.Index, options: list[str]) -> list[str]:
    """The labels present, in the questionnaire's option order (others, such as communities, after)."""
    return [o for o in options if o in present] + [v for v in present if v not in options]


def _chi2(x: pd.Series, y: pd.Series) -> dict:
    """Pearson χ² test of independence and Cramér's V (pingouin), with the share of small expected counts."""
    import pingouin as pg

    data = pd.DataFrame({"x": x.astype(str), "y": y.astype(str)})
    if data["x"].nunique() < 2 or data["y"].nunique() < 2:
        return {"note": "类别不足，无法检验"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, _, st = pg.chi2_independence(data, x="x", y="y")
    r = st.loc[st["test"] == "pearson"].iloc[0]
    low = float((expected.to_numpy() < 5).mean())
    return {"chi2": float(r["chi2"]), "dof": float(r["dof"]), "p": float(r["pval"]),
            "cramer_v": float(r["cramer"]), "share_expected_below_5": low}


def _suppressed_note(small: pd.Series) -> str:
    return f"人数不足{MIN_CELL}人的{int(small.sum())}个单元格不予显示。" if small.any() else ""


def open_survey(name: str, root: str | Path | None = None, questionnaire: str | Path | None = None) -> Survey:
    """A survey analysed by this pipeline (``survey run``), by its name, from any working directory: its
    cleaned responses and the questionnaire the analysis used (the copy stored with its results), or
    ``questionnaire`` when given."""
    from pipeline.analyze.manifest import read_manifest
    from pipeline.common.tables import read_table

    root = Path(root) if root else PROJECT_ROOT
    processed = processed_dir(name, root)
    manifest = read_manifest(processed)
    path = Path(questionnaire) if questionnaire else processed / "questionnaire.yaml"
    if questionnaire and hashlib.sha256(path.read_bytes()).hexdigest() != manifest.questionnaire_sha256:
        warnings.warn(f"问卷定义 {path.name} 与分析时使用的版本不同", stacklevel=2)
    return Survey(name, load_questionnaire(path), read_table(interim_dir(name, root), "responses"))
