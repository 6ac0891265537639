"""What a cross-analysis gives back: a tidy table with English columns for code (``.table``), the test,
and the display a researcher reads — a pivot with Chinese headers, counts and percentages formatted,
totals, the test beneath (``.pivot()``, shown in JupyterLab, written by ``.to_excel()`` with number
formats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import atomic_path
from pipeline.common.excel import excel_writer, text_safe
from pipeline.common.formatting import EXCEL_FORMATS, ColumnKind, cell, fixed, p_cell
from pipeline.common.rules import MIN_CELL

WITHHELD = "不予显示"
TEST_NAMES = {"chi2": "χ²", "dof": "自由度", "p": "p值", "cramer_v": "Cramér's V", "Welch F": "Welch F",
              "df1": "自由度1", "df2": "自由度2", "np2": "偏η²",
              "share_expected_below_5": "期望频数<5的单元格占比",
              "weighted": "加权", "note": "说明", "design": "抽样设计", "Rao-Scott F": "Rao–Scott F"}


@dataclass
class Result:
    """A cross-analysis. ``kind``: "crosstab" (``row``, ``col``, ``n``, ``row_share``, ``col_share``), "multi"
    (``group``, ``option``, ``chosen``, ``answered``, ``share``) or "compare" (``group``, ``n``, ``mean``,
    ``sd``); every kind has ``suppressed``. ``labels`` names the row and column questions in Chinese."""

    title: str
    table: pd.DataFrame
    test: dict = field(default_factory=dict)
    note: str = ""
    kind: str = "crosstab"
    labels: tuple[str, str] = ("", "")
    total: int | None = None  # respondents in a crosstab (the grand total)

    # -- what a reader sees ------------------------------------------------------------------------------
    def plot(self):
        """A bar plot of the shares (or means) by group, Chinese labels; withheld cells left out."""
        import seaborn as sns
        from matplotlib.figure import Figure

        from pipeline.report.figures import theme

        theme()
        x, y, hue, label = {
            "crosstab": ("row", "row_share", "col", "行百分比"),
            "multi": ("group", "share", "option", "选择比例"),
            "compare": ("group", "mean", None, "平均分"),
        }[self.kind]
        data = self.table.dropna(subset=[y])
        fig = Figure(figsize=(7.5, 4.2))
        ax = fig.subplots()
        sns.barplot(data=data, x=x, y=y, hue=hue, ax=ax)
        ax.set(title=self.title, xlabel=self.labels[0], ylabel=label)
        if hue is not None:
            ax.legend(title=self.labels[1], fontsize=8)
        return fig

    def pivot(self) -> pd.DataFrame:
        """The table as a reader reads it: Chinese headers, groups and options in questionnaire order,
        totals, withheld cells said as such (numbers stay numbers; ``_repr_html_`` formats them)."""
        t = self.table
        row, col = self.labels
        if self.kind == "compare":
            names = {"group": row, "n": "人数", "mean": "平均分", "sd": "标准差", "se": "标准误",
                     "lci": "95%置信区间下限", "uci": "95%置信区间上限"}
            out = t.rename(columns=names)
            return out[[names[c] for c in names if c in t.columns]].set_index(row)
        if self.kind == "multi":
            out = t.pivot(index="group", columns="option", values="share")
            out = out.reindex(index=list(dict.fromkeys(t["group"])), columns=list(dict.fromkeys(t["option"])))
            out.index.name, out.columns.name = row, f"{col}（选择比例）"
            answered = t.drop_duplicates("group").set_index("group")["answered"]
            out.insert(0, "回答人数", answered.reindex(out.index))
            return out
        counts = t.pivot(index="row", columns="col", values="n")
        shares = t.pivot(index="row", columns="col", values="row_share")
        order_r, order_c = list(dict.fromkeys(t["row"])), list(dict.fromkeys(t["col"]))
        counts, shares = counts.reindex(index=order_r, columns=order_c), shares.reindex(index=order_r,
                                                                                          columns=order_c)
        parts = {}
        for c in order_c:
            parts[(c, "人数")] = counts[c]
            parts[(c, "行百分比")] = shares[c]
        out = pd.DataFrame(parts)
        totals = t.groupby("row", sort=False)["n_total"].first().reindex(order_r)
        out[("合计", "人数")] = totals
        out[("合计", "行百分比")] = np.where(totals.notna(), 1.0, np.nan)
        col_totals = t.groupby("col", sort=False)["col_total"].first().reindex(order_c)
        grand = float(self.total) if self.total else np.nan
        last = {}
        for c in order_c:
            last[(c, "人数")] = col_totals[c]
            last[(c, "行百分比")] = col_totals[c] / grand if grand else np.nan
        last[("合计", "人数")], last[("合计", "行百分比")] = grand, 1.0 if grand else np.nan
        out.loc["合计"] = pd.Series(last)
        out.index.name = row
        out.columns = pd.MultiIndex.from_tuples(out.columns, names=[col, ""])
        return out

    def kinds(self, table: pd.DataFrame) -> list[ColumnKind]:
        """Each column's kind of number in ``pivot()``, as the pivot builds it (never guessed from its name):
        counts and means, or counts and shares in pairs."""
        first = "count"
        rest = "score" if self.kind == "compare" else "share"
        if self.kind == "crosstab":  # (人数, 行百分比) for every column and the total
            return ["count" if j % 2 == 0 else "share" for j in range(len(table.columns))]
        return [first, *[rest] * (len(table.columns) - 1)]

    def test_lines(self) -> list[str]:
        """The test beneath the table, in words a researcher reads."""
        lines = []
        for k, v in self.test.items():
            if k in ("Games-Howell", "各选项检验", "两两比较"):
                continue
            name = TEST_NAMES.get(k, k)
            lines.append(f"{name}：{_number(v, k)}")
        return lines

    def _repr_html_(self) -> str:
        table = self.pivot()
        shown = _formatted(table, self.kinds(table))
        test = "；".join(self.test_lines())
        return (f"<h4>{escape(self.title)}</h4>" + shown.to_html(na_rep=WITHHELD)
                + (f"<p>{escape(test)}</p>" if test else "") + (f"<p>{escape(self.note)}</p>" if self.note
                                                                 else ""))

    def to_excel(self, path: str | Path) -> Path:
        """The display as an Excel sheet: counts as whole numbers, shares as 0.0%, means as 0.00, withheld
        cells said in words, the test and the note beneath; strings always text, never formulas."""
        path = Path(path)
        table = self.pivot()
        kinds = ["text", *self.kinds(table)]  # the row labels first
        flat = table.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = [" ".join(str(x) for x in c if x) for c in flat.columns]
        flat = flat.reset_index()
        with atomic_path(path) as tmp, excel_writer(tmp) as xw:
            book = xw.book
            ws = book.add_worksheet("交叉分析")
            bold = book.add_format({"bold": True})
            formats = {k: book.add_format({"num_format": f}) for k, f in EXCEL_FORMATS.items()}
            ws.write_string(0, 0, self.title, bold)
            safe = text_safe(flat)
            for j, name in enumerate(safe.columns):
                ws.write_string(2, j, str(name), bold)
                ws.set_column(j, j, max(10, min(30, len(str(name)) * 2)))
            for i, values in enumerate(safe.astype(object).to_numpy().tolist(), start=3):
                for j, (kind, v) in enumerate(zip(kinds, values, strict=True)):
                    if v is None or (isinstance(v, float) and np.isnan(v)):
                        ws.write_string(i, j, WITHHELD if j else "")
                    elif isinstance(v, int | float | np.integer | np.floating):
                        ws.write_number(i, j, float(v), formats[kind])
                    else:
                        ws.write_string(i, j, str(v))
            row = len(safe) + 4
            for line in [*self.test_lines(), *([self.note] if self.note else [])]:
                ws.write_string(row, 0, line)
                row += 1
        return path


def _formatted(table: pd.DataFrame, kinds: list[ColumnKind]) -> pd.DataFrame:
    """Counts as whole numbers, shares as 48.8%, means as 3.52, each by its column's kind and rounded as the
    reports round (``common.formatting``); withheld cells stay empty."""
    out = table.astype(object)
    for j, kind in enumerate(kinds):
        out.iloc[:, j] = [None if pd.isna(v) else cell(v, kind) for v in table.iloc[:, j]]
    return out


def _number(v, key: str) -> str:
    """A test's figure as the reports print it: p as "<0.001"/"0.012", degrees of freedom whole where they
    are, other statistics to three decimals."""
    if isinstance(v, bool) or not isinstance(v, int | float | np.floating):
        return str(v)
    if key == "p":
        return p_cell(v)
    if key in ("dof", "df1") and float(v).is_integer():
        return fixed(v, 0)
    return fixed(v, 3)


def suppressed_note(small: pd.Series) -> str:
    return f"人数不足{MIN_CELL}人的{int(small.sum())}个单元格不予显示。" if small.any() else ""
