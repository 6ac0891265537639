"""交叉分析 in JupyterLab: open a survey analysed by this pipeline and cross any two of its questions.

    from pipeline import explore
    s = explore.open_survey("<调查名称>")
    s.crosstab(GROUP, OVERALL)                          # counts, row %, totals, χ², Cramér's V
    s.crosstab(GROUP, OVERALL, where={OTHER: [OPTION]}, unit=UNIT)   # filtered
    s.crosstab(GROUP, MULTI)                            # single × multi: the share choosing each option
    s.compare(DIMENSION, by=GROUP)                      # a dimension (or item) by group: Welch ANOVA
    s.subgroups(by=GROUP, unit=UNIT)                    # every dimension, each group against the rest, FDR
    s.crosstab(GROUP, OVERALL).to_excel("交叉分析.xlsx")

where the capitals stand for ids from the survey's questionnaire (``s.group_questions()``,
``s.multi_questions()``), an option label, a unit (``s.units()``) and a dimension id.

Rows and columns may be any single-choice question, Likert item or overall question (as categories, with
their labels, in questionnaire order); a dimension as the column gives the score by group. ``weighted=True``
uses the survey's weights where it was analysed with a population table. Where the questionnaire declares a
sampling design, every share, mean, interval and test is design-based (svy: the design's weights, raked
where it rakes, strata and clusters; Taylor variances, Rao–Scott's χ², design t tests with FDR), as the
reports' are. Every result is a ``Result``:
``.table`` (tidy, English columns), ``.test``, ``.pivot()`` (Chinese, formatted in JupyterLab),
``.to_excel()`` and ``.plot()``. The same rules as the reports: cells of fewer than ``MIN_CELL`` respondents
are withheld so that no total recovers them, and only cleaned responses are used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.disclosure import complementary, exposed_totals
from pipeline.common.errors import SurveyError
from pipeline.common.integrity import content_hash
from pipeline.common.paths import PROJECT_ROOT, interim_dir, processed_dir
from pipeline.common.rules import ALPHA, MIN_CELL
from pipeline.explore.result import Result, suppressed_note
from pipeline.questionnaire import Question, Questionnaire, load_questionnaire

__all__ = ["Result", "Survey", "open_survey"]


@dataclass
class Survey:
    """A survey's cleaned responses and questionnaire (and its weights, where it has them)."""

    name: str
    questionnaire: Questionnaire
    responses: pd.DataFrame
    weights: pd.Series | None = None
    withheld: tuple[str, ...] = ()  # units too small to show: their rows are left out of everything
    design: pd.Series | None = None  # the declared design's weight per row (raked where it rakes)
    fieldwork: pd.DataFrame | None = None  # the notes' paragraphs with their headers (``notes``)
    unit_facts: pd.DataFrame | None = None  # the stored unit facts (long) and the units' dimension means
    unit_scores: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        """As the reports do: a unit with fewer than ``MIN_CELL`` valid responses shows nothing, and its rows
        count in no total (a district crosstab minus the shown units would recover them)."""
        uid = self.questionnaire.unit_question.id
        units = self.responses[uid].astype("string")
        sizes = units.value_counts()
        small = sorted(set(sizes.index[sizes < MIN_CELL]) | set(self.withheld))
        if small:
            keep = ~units.isin(small).fillna(False).to_numpy()
            self.responses = self.responses.loc[keep]
            if self.weights is not None:
                self.weights = self.weights.loc[keep]
        if self.questionnaire.design is not None and self.design is None:
            from pipeline.analyze.sums import base_weights

            if self.questionnaire.design.rake:
                raise SurveyError("问卷的抽样设计按人口边际加权（rake）：请用 open_survey 打开，"
                                  "它读取分析时算出的加权系数")
            self.design = base_weights(self.responses, self.questionnaire)
        elif self.design is not None and small:
            self.design = self.design.loc[keep]
        self.withheld = tuple(small)

    # -- what a researcher can name --------------------------------------------------------------------
    def group_questions(self) -> list[str]:
        """Ids of the questions that can group respondents or be crossed: single choices (not the unit),
        Likert items and the overall question."""
        return [q.id for q in self.questionnaire.questions
                if (q.type == "single" and q.role != "unit") or q.type == "likert"]

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

    def _rows(self, unit: str | None, where: dict[str, list[str]] | None = None) -> pd.DataFrame:
        """The cleaned rows of ``unit`` (all units if None) whose answers to each question in ``where`` are
        among the labels given (``{"<题目id>": ["<选项>"]}``)."""
        rows = self.responses
        if unit is not None:
            if unit in self.withheld:
                raise SurveyError(f"“{unit}”的有效答卷不足{MIN_CELL}份，按隐私规则不显示任何数字"
                                  "（报告中也不显示）")
            uid = self.questionnaire.unit_question.id
            rows = rows.loc[rows[uid].astype("string") == unit]
            if rows.empty:
                raise SurveyError(f"没有“{unit}”的有效答卷")
        for qid, labels in (where or {}).items():
            values = self._categories(qid, rows)
            unknown = set(labels) - set(values.cat.categories)
            if unknown:
                raise SurveyError(f"“{values.name}”没有选项“{'、'.join(sorted(unknown))}”"
                                  f"（可选：{'、'.join(values.cat.categories)}）")
            rows = rows.loc[values.isin(labels).to_numpy()]
        if rows.empty:
            raise SurveyError("筛选后没有有效答卷")
        return rows

    def _categories(self, qid: str, rows: pd.DataFrame) -> pd.Series:
        """A question's answers as ordered categories with their labels: a single choice, a Likert item or
        the overall question (codes shown as their labels), or the community question."""
        q = self._question(qid)
        if q.type == "likert":
            labels = list(q.options)
            codes = rows[qid].astype("Float64")
            missing = codes.fillna(0).astype(int).to_numpy() - 1  # code 0 → -1: no answer
            return pd.Series(pd.Categorical.from_codes(missing, categories=labels), index=rows.index,
                             name=q.short)
        if q.type == "single" or q.role == "community":
            values = rows[qid].astype("string")
            present = list(pd.unique(values.dropna()))
            order = [o for o in q.options if o in present] + [v for v in present if v not in q.options]
            return pd.Series(pd.Categorical(values, categories=order), index=rows.index).rename(q.short)
        kind = {"multi": "多选题", "text": "填空题", "number": "数字题"}.get(q.type, q.type)
        raise SurveyError(f"“{q.short}”是{kind}，不能作为分组；可用单选题、量表题或总体评价题")

    def _values(self, target: str, rows: pd.DataFrame) -> tuple[pd.Series, str]:
        """A dimension's scores or a Likert item's (or the overall question's) scores, and its name."""
        from pipeline.analyze.scores import dimension_scores

        names = self.questionnaire.dimension_names()
        if target in names:
            return dimension_scores(rows, self.questionnaire)[target], names[target]
        q = self._question(target)
        if q.type != "likert":
            raise SurveyError(f"“{q.short}”不是量表题或维度")
        return rows[target].astype(float), q.short

    def _sample(self, rows: pd.DataFrame, columns: dict[str, pd.Series]):
        """svy's sample of ``rows`` under the declared design, with ``columns`` (name → values)."""
        import polars as pl
        import svy

        _, strata, cluster = self.questionnaire.design_columns()
        unit = rows[self.questionnaire.unit_question.id].astype("string")
        data = pd.DataFrame({"_w": self.design.reindex(rows.index).to_numpy()}, index=rows.index)
        data["_s"] = (unit if strata == "unit" else rows[strata].astype("string")) if strata else "all"
        # a cluster's name is read within its unit (two units' 幸福社区 are two PSUs)
        data["_p"] = (unit + "/" + rows[cluster].astype("string")).fillna("") if cluster else np.arange(
            len(rows)).astype(str)
        for name, values in columns.items():
            text = isinstance(values.dtype, pd.CategoricalDtype)
            data[name] = (values.astype("string").to_numpy(dtype=object, na_value=None) if text
                          else values.astype(float).to_numpy())
        design = svy.Design(stratum="_s", psu="_p", wgt="_w")
        return svy.Sample(pl.from_pandas(data.reset_index(drop=True)), design)

    def _weights(self, rows: pd.DataFrame, weighted: bool) -> pd.Series | None:
        if self.design is not None:
            return self.design.reindex(rows.index)
        if not weighted:
            return None
        if self.weights is None:
            raise SurveyError("这次调查分析时没有使用人口加权（survey analyze --population），不能加权")
        return self.weights.reindex(rows.index)

    # -- analyses ------------------------------------------------------------------------------------------
    def crosstab(self, row: str, col: str, unit: str | None = None, where: dict[str, list[str]] | None = None,
                 weighted: bool = False) -> Result:
        """``row`` × ``col``: counts, row and column shares and totals, Pearson χ² and Cramér's V (on the
        unweighted counts); a multi-select column gives the share of each group choosing each option; a
        dimension as the column gives its score by group (``compare``)."""
        if col in self.questionnaire.dimension_names():
            return self.compare(col, by=row, unit=unit, where=where)
        rows = self._rows(unit, where)
        groups = self._categories(row, rows)
        scope = _scope(self.questionnaire, unit, where)
        target = self._question(col)
        if target.type == "multi":
            return self._crosstab_multi(groups, target, rows, scope, self._weights(rows, weighted))
        other = self._categories(col, rows)
        w = self._weights(rows, weighted)
        data = pd.DataFrame({"row": groups, "col": other, "w": 1.0 if w is None else w}).dropna()
        counts = pd.crosstab(data["row"], data["col"], dropna=False)
        mass = pd.crosstab(data["row"], data["col"], values=data["w"], aggfunc="sum", dropna=False).fillna(0)
        tidy = counts.stack().rename("n").reset_index()
        tidy["weighted_n"] = mass.stack().reindex(pd.MultiIndex.from_frame(tidy[["row", "col"]])).to_numpy()
        for key in ("row", "col"):
            whole = tidy.groupby(key, observed=True)["weighted_n"].transform("sum")
            tidy[f"{key}_share"] = tidy["weighted_n"] / whole
        tidy["n_total"] = tidy.groupby("row", observed=True)["n"].transform("sum").astype(float)
        tidy["col_total"] = tidy.groupby("col", observed=True)["n"].transform("sum").astype(float)
        # a cell under MIN_CELL is withheld, and complementary cells in its row and column, so that no row or
        # column total minus the shown cells recovers it; a total that would give one away is not shown
        n = tidy["n"].astype(float)
        # a row or column of fewer than MIN_CELL respondents is withheld whole: its zeros would tell the
        # few what they answered (a unit of one: every cell 0 but theirs)
        few = (tidy["n_total"] < MIN_CELL) | (tidy["col_total"] < MIN_CELL)
        small = complementary(tidy, n.between(1, MIN_CELL - 1) | (few & tidy["n_total"].gt(0)), n,
                              [["row"], ["col"]])
        tidy["suppressed"] = small
        tidy.loc[small, ["n", "weighted_n", "row_share", "col_share"]] = np.nan
        for key, share, total in (("row", "row_share", "n_total"), ("col", "col_share", "col_total")):
            exposed = exposed_totals(tidy, small, n, [key])
            hide = tidy[key].isin(exposed[exposed].index) | (tidy[total] < MIN_CELL)
            tidy.loc[hide, [share, total]] = np.nan
        tidy["n"] = tidy["n"].astype("Int64")
        if w is None:
            tidy = tidy.drop(columns="weighted_n")
        for key in ("row", "col"):
            tidy[key] = tidy[key].astype(str)
        if self.design is not None:
            answered = rows.loc[data.index]
            table = self._sample(answered, {"row": data["row"], "col": data["col"]}).categorical.tabulate(
                "row", "col")
            f = table.stats.f
            test = {"Rao-Scott F": float(f.value), "df1": float(f.df_num), "df2": float(f.df_den),
                    "p": float(f.p_value), "design": "比例为按抽样设计加权的比例；检验为Rao–Scott二阶校正"}
        else:
            test = _chi2(data["row"].astype(str), data["col"].astype(str))
        if w is not None and self.design is None:
            test["weighted"] = "比例为加权比例；检验基于未加权人数"
        return Result(f"{groups.name} × {other.name}{scope}", tidy, test, suppressed_note(small), "crosstab",
                      (groups.name, other.name), total=len(data))

    def _crosstab_multi(self, groups: pd.Series, q: Question, rows: pd.DataFrame, scope: str,
                        w: pd.Series | None) -> Result:
        from pipeline.stats.comparisons import fdr

        parts, tests = [], []
        for k, option in enumerate(q.options, start=1):
            chosen = rows[f"{q.id}__{k}"].astype("boolean")
            data = pd.DataFrame({"row": groups, "chosen": chosen, "w": 1.0 if w is None else w}).dropna()
            grouped = data.groupby("row", observed=True)
            count = grouped["chosen"].sum()
            answered = grouped.size()
            mass = (data["w"] * data["chosen"]).groupby(data["row"], observed=True).sum()
            share = mass / grouped["w"].sum()
            parts.append(pd.DataFrame({"group": count.index.astype(str), "option": option,
                                       "chosen": count.to_numpy(), "answered": answered.to_numpy(),
                                       "share": share.reindex(count.index).to_numpy()}))
            test = _chi2(data["row"].astype(str), data["chosen"].astype(int))
            tests.append({"选项": option, **test})
        tidy = pd.concat(parts, ignore_index=True)
        # a group under MIN_CELL is withheld whole; a count under MIN_CELL is withheld, with complementary
        # groups per option (their counts add up to the option's total)
        primary = tidy["chosen"].between(1, MIN_CELL - 1) | (tidy["answered"] < MIN_CELL)
        small = complementary(tidy, primary, tidy["chosen"], [["option"]])
        tidy["suppressed"] = small
        tidy.loc[small, ["chosen", "share"]] = np.nan
        tidy.loc[tidy["answered"] < MIN_CELL, "answered"] = np.nan
        per_option = pd.DataFrame(tests)
        per_option["p_fdr"] = fdr(per_option["p"]) if "p" in per_option else np.nan
        return Result(f"{groups.name} × {q.short}（多选）{scope}", tidy,
                      {"各选项检验": per_option.to_dict("records")}, suppressed_note(small), "multi",
                      (groups.name, q.short))

    def compare(self, target: str, by: str, unit: str | None = None,
                where: dict[str, list[str]] | None = None) -> Result:
        """A dimension (or Likert item, or the overall question) across the groups of a question: n, mean,
        SD per group; Welch's ANOVA and Games–Howell pairs (pingouin) over the groups with at least
        ``MIN_CELL`` respondents."""
        import pingouin as pg

        rows = self._rows(unit, where)
        groups = self._categories(by, rows)
        values, name = self._values(target, rows)
        if self.design is not None:
            return self._compare_design(rows, groups, values, name, _scope(self.questionnaire, unit, where))
        data = pd.DataFrame({"group": groups, "score": values}).dropna()
        stats = data.groupby("group", observed=True)["score"].agg(["count", "mean", "std"]).reset_index()
        stats.columns = ["group", "n", "mean", "sd"]
        stats["group"] = stats["group"].astype(str)
        # the groups' means add up to the whole's (shown elsewhere): complementary groups withheld too
        small = complementary(stats.assign(_all=1), stats["n"] < MIN_CELL, stats["n"], [["_all"]])
        stats["suppressed"] = small
        stats.loc[small, ["n", "mean", "sd"]] = np.nan
        data = data.loc[data["group"].astype(str).isin(stats.loc[~small, "group"])]
        data["group"] = data["group"].astype(str)
        test: dict = {}
        if data["group"].nunique() >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aov = pg.welch_anova(data=data, dv="score", between="group").iloc[0]
                pairs = pg.pairwise_gameshowell(data=data, dv="score", between="group")
            test = {"Welch F": float(aov["F"]), "df1": float(aov["ddof1"]), "df2": float(aov["ddof2"]),
                    "p": float(aov["p_unc"]), "np2": float(aov["np2"]),
                    "Games-Howell": pairs[["A", "B", "diff", "pval", "hedges"]].to_dict("records")}
        title = f"{name}：按{groups.name}比较{_scope(self.questionnaire, unit, where)}"
        return Result(title, stats, test, suppressed_note(small), "compare", (groups.name, name))

    def _compare_design(self, rows: pd.DataFrame, groups: pd.Series, values: pd.Series, name: str,
                        scope: str) -> Result:
        """``compare`` under the declared design: each group's weighted mean, Taylor SE and 95% interval
        (svy), and every pair of shown groups by a design t test (svy's contrast), FDR over the pairs."""
        import svy

        from pipeline.stats.comparisons import fdr

        has_group = groups.notna().to_numpy()
        rows, groups, values = rows.loc[has_group], groups.loc[has_group], values.loc[has_group]
        means = self._sample(rows, {"group": groups, "score": values}).estimation.mean(
            "score", by="group", drop_nulls=True)
        est = means.to_polars().to_pandas().set_index("group")
        n = values.notna().groupby(groups.astype(str)).sum()
        stats = pd.DataFrame({"group": [str(g) for g in groups.cat.categories if str(g) in n.index]})
        stats["n"] = stats["group"].map(n).astype(float)
        for column, source in (("mean", "est"), ("se", "se"), ("lci", "lci"), ("uci", "uci")):
            stats[column] = stats["group"].map(est[source]).astype(float)
        small = complementary(stats.assign(_all=1), stats["n"] < MIN_CELL, stats["n"], [["_all"]])
        stats["suppressed"] = small
        stats.loc[small, ["n", "mean", "se", "lci", "uci"]] = np.nan
        shown = stats.loc[~small & stats["mean"].notna(), "group"].tolist()
        pairs = []
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                c = means.contrast(svy.estd(a) - svy.estd(b)).to_polars().row(0, named=True)
                pairs.append({"A": a, "B": b, "diff": c["est"], "se": c["se"], "t": c["t"], "df": c["df"],
                              "pval": c["p_value"]})
        if pairs:
            p = fdr(pd.Series([r["pval"] for r in pairs]))
            for r, q in zip(pairs, p, strict=True):
                r["p_fdr"] = float(q)
        test = {"design": "平均分、标准误和置信区间按抽样设计估计；两两比较为基于抽样设计的t检验，"
                          "p值经Benjamini–Hochberg校正"} if shown else {}
        if pairs:
            test["两两比较"] = pairs
        title = f"{name}：按{groups.name}比较{scope}"
        return Result(title, stats, test, suppressed_note(small), "compare", (groups.name, name))

    def notes(self, unit: str | None = None, dimension: str | None = None, kind: str | None = None
              ) -> pd.DataFrame:
        """The fieldwork notes' paragraphs (座谈会、走访 …, masked as stored), filtered by unit, dimension
        (its id or name) and kind, with their unit, community, date, kind, people and the dimensions they
        bear on."""
        if self.fieldwork is None or self.fieldwork.empty:
            raise SurveyError("这次调查没有调研记录（data/raw/<调查名称>/fieldwork/ 中没有记录文件）")
        rows, names = self.fieldwork, self.questionnaire.dimension_names()
        if unit is not None:
            rows = rows.loc[rows["unit"] == unit]
        if dimension is not None:
            wanted = next((d for d, n in names.items() if dimension in (d, n)), None)
            if wanted is None:
                raise SurveyError(f"问卷中没有方面“{dimension}”；可用：{'、'.join(names.values())}")
            rows = rows.loc[rows["dimensions"].str.split(",").map(lambda ds: wanted in ds)]
        if kind is not None:
            rows = rows.loc[rows["kind"] == kind]
        shown = rows.assign(dimensions=rows["dimensions"].map(
            lambda ds: "、".join(names.get(d, d) for d in ds.split(",") if d)))
        columns = {"unit": "单位", "community": "社区（村）", "date": "日期", "kind": "形式",
                   "participants": "人数", "households": "户数", "text": "内容", "dimensions": "涉及方面",
                   "file": "文件"}
        return shown.rename(columns=columns)[list(columns.values())].reset_index(drop=True)

    def facts(self, dimension: str | None = None) -> pd.DataFrame:
        """The unit facts (one row per unit, the questionnaire's labels as columns, numbers as numbers) and,
        with ``dimension`` (id or name), each unit's score on it as the reports show it (withheld units
        blank): e.g. to set scores against 党员 per community."""
        q = self.questionnaire
        if not q.facts or self.unit_facts is None or self.unit_facts.empty:
            raise SurveyError("这次调查没有单位基本数据"
                              "（问卷的 facts 和 data/external/<调查名称>/units.csv）")
        long = self.unit_facts.assign(shown=self.unit_facts["value"].astype(object).where(
            self.unit_facts["value"].notna(), self.unit_facts["text"]))
        wide = long.pivot(index="unit", columns="fact", values="shown")
        labels = {f.column: f.label or f.column for f in q.facts}
        table = wide.reindex(columns=list(labels)).rename(columns=labels)
        table = table.reindex([u for u in q.unit_question.options if u in table.index])
        if dimension is not None:
            names = q.dimension_names()
            wanted = next((d for d, n in names.items() if dimension in (d, n)), None)
            if wanted is None:
                raise SurveyError(f"问卷中没有方面“{dimension}”；可用：{'、'.join(names.values())}")
            scores = self.unit_scores.loc[self.unit_scores["dimension"] == wanted].set_index("unit")
            shown = scores["mean"].where(~scores["suppressed"].astype(bool))
            table[f"{names[wanted]}得分"] = shown.reindex(table.index)
        table.index.name = q.report.unit_label
        return table

    def subgroups(self, by: str, unit: str | None = None) -> pd.DataFrame:
        """Every dimension, each group of ``by`` against the rest (Welch t, Hedges g), FDR over the table;
        groups or rests under ``MIN_CELL`` are not tested and their means not shown."""
        from pipeline.analyze.scores import dimension_scores
        from pipeline.analyze.sums import scales_of
        from pipeline.stats.comparisons import compare_units, fdr

        rows = self._rows(unit)
        groups = self._categories(by, rows).astype("string")
        scores = dimension_scores(rows, self.questionnaire)
        if self.design is not None:
            t, size = self._subgroups_design(rows, groups, scores), "se"
        else:
            scale = scales_of(self.questionnaire, list(scores.columns))
            t, size = compare_units(scores, groups, "dimension", "group", scale), "hedges_g"
        small = (t["n"] < MIN_CELL) | (t["rest_n"] < MIN_CELL)
        t["suppressed"] = complementary(t, small, t["n"], [["dimension"]])
        t["p_fdr"] = fdr(t["p"].where(~t["suppressed"]))
        t["significant"] = (t["p_fdr"] < ALPHA).fillna(False)
        t.loc[t["suppressed"], ["mean", "rest_mean", "diff", size, "p", "p_fdr"]] = np.nan
        t["维度"] = t["dimension"].map(self.questionnaire.dimension_names())
        return t.rename(columns={"group": groups.name})[
            ["维度", groups.name, "n", "mean", "rest_n", "rest_mean", "diff", size, "p", "p_fdr",
             "significant", "suppressed"]]

    def _subgroups_design(self, rows: pd.DataFrame, groups: pd.Series, scores: pd.DataFrame) -> pd.DataFrame:
        """Each group against the rest of the answering respondents, per dimension, under the declared
        design: weighted means and svy's design t test of their difference (``se``: its standard error)."""
        import svy

        out = []
        for g in groups.dropna().unique():
            side = pd.Series(np.where(groups == g, "group", "rest"), index=rows.index).where(groups.notna())
            side = side.astype("category")
            for d in scores.columns:
                n = scores[d].notna().groupby(side, observed=True).sum()
                record = {"dimension": d, "group": g, "n": float(n.get("group", 0)),
                          "rest_n": float(n.get("rest", 0))}
                if min(record["n"], record["rest_n"]) >= 2:
                    known = side.notna().to_numpy()
                    means = self._sample(rows.loc[known], {"side": side.loc[known], "y": scores[d].loc[known]}
                                         ).estimation.mean("y", by="side", drop_nulls=True)
                    est = means.to_polars().to_pandas().set_index("side")["est"]
                    c = means.contrast(svy.estd("group") - svy.estd("rest")).to_polars().row(0, named=True)
                    record |= {"mean": est["group"], "rest_mean": est["rest"], "diff": c["est"],
                               "se": c["se"], "p": c["p_value"]}
                out.append(record)
        columns = ["dimension", "group", "n", "rest_n", "mean", "rest_mean", "diff", "se", "p"]
        return pd.DataFrame(out, columns=columns)


def _scope(q: Questionnaire, unit: str | None, where: dict[str, list[str]] | None) -> str:
    """ "（<单位>；<题目>：<选项>）" — what the rows were limited to."""
    named = [f"{q.by_id[k].short}：{'、'.join(v)}" for k, v in (where or {}).items()]
    parts = ([unit] if unit else []) + named
    return f"（{'；'.join(parts)}）" if parts else ""


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


def open_survey(name: str, root: str | Path | None = None, questionnaire: str | Path | None = None,
                population: str | Path | None = None) -> Survey:
    """A survey analysed by this pipeline (``survey run``), by its name, from any working directory: its
    cleaned responses and the questionnaire the analysis used (the copy stored with its results), or
    ``questionnaire`` when given (a relative path is looked for in the working directory, then under
    ``root``); with ``population`` (the table the analysis was weighted by), its weights."""
    from pipeline.analyze.manifest import read_manifest
    from pipeline.common.tables import read_table

    root = Path(root) if root else PROJECT_ROOT
    processed = processed_dir(name, root)
    manifest = read_manifest(processed)
    path = processed / "questionnaire.yaml"
    if questionnaire:
        path = Path(questionnaire)
        if not path.is_absolute() and not path.exists() and (root / path).exists():
            path = root / path
        if content_hash(path) != manifest.questionnaire_sha256:
            warnings.warn(f"问卷定义 {path.name} 与分析时使用的版本不同", stacklevel=2)
    q = load_questionnaire(path)
    responses = read_table(interim_dir(name, root), "responses")
    weights = None
    if population is not None:
        from pipeline.stats.weights import cell_weights, read_population

        if manifest.weighting is None:
            raise SurveyError("这次调查分析时没有使用人口加权，不能按人口表加权")
        by = manifest.weighting.by
        unit = responses[q.unit_question.id]
        table = read_population(Path(population), by)
        weights = cell_weights(unit, responses[by], table, by, str(population))
    design = None
    if q.design is not None:  # each row's weight as the analysis had it (raked where the design rakes)
        from pipeline.analyze.sums import row_design
        from pipeline.stats.raking import stored_factors

        design = row_design(responses, responses[q.unit_question.id], q, stored_factors(processed, q))[0]
    return Survey(name, q, responses, weights, design=design, fieldwork=_stored(processed, "fieldwork"),
                  unit_facts=_stored(processed, "facts"), unit_scores=_stored(processed, "unit_dimensions"))


def _stored(processed: Path, name: str) -> pd.DataFrame | None:
    """A stored analysis table (None where an older analysis has no such table)."""
    from pipeline.common.tables import read_table

    return read_table(processed, name) if (processed / f"{name}.parquet").is_file() else None
