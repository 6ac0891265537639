"""Plots for the reports: seaborn on a CJK font, returned as embedded PNG images.

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so nothing is shown twice and no
global figure state leaks between cells.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

FONT_FILE = "NotoSansCJKsc-Regular.otf"
PALETTE = {"本单位": "#c0392b", "对比": "#7f8c8d"}


@cache
def cjk_font_path() -> Path:
    """The Noto Sans CJK SC font shipped by the ``mplfonts`` package (installed with the project)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("缺少中文字体包 mplfonts，请重新运行 make env 安装依赖")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE


@cache
def register_cjk_font() -> str:
    """Register the CJK font file with matplotlib (once per process); returns its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _theme() -> None:
    """The report style: seaborn's whitegrid with the CJK font (set every time: set_theme resets rc)."""
    import seaborn as sns

    name = register_cjk_font()
    sns.set_theme(style="whitegrid", font=name,
                  rc={"font.sans-serif": [name, "DejaVu Sans"], "axes.unicode_minus": False})


def to_png(fig: Figure, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _versus(
    ax,
    fig: Figure,
    d: pd.DataFrame,
    labels: list[str],
    what: str,
    unit: str,
    comparison: str,
    size: int,
    top: int,
) -> None:
    """The unit's means (dots) against the comparison group's (diamonds), one row per label; legend below."""
    import seaborn as sns

    long = pd.concat([pd.DataFrame({"得分": d["mean"].to_numpy(), what: labels, "对象": unit}),
                      pd.DataFrame({"得分": d["rest_mean"].to_numpy(), what: labels, "对象": comparison})])
    sns.scatterplot(data=long, x="得分", y=what, hue="对象", style="对象", ax=ax, s=size,
                    palette=[PALETTE["本单位"], PALETTE["对比"]], markers=["o", "D"], zorder=3)
    ax.set_xlim(0.9, top + 0.1)
    ax.set_ylabel("")
    ax.legend(title="", loc="upper center", bbox_to_anchor=(0.5, -0.7 / fig.get_figheight() - 0.06), ncol=2,
              fontsize=9, frameon=False)


def dimension_plot(unit_dims: pd.DataFrame, unit: str, comparison: str, top: int = 5) -> Figure:
    """Dot plot: the unit's dimension means with 95% CIs against the comparison group's means."""

    _theme()
    d = unit_dims.sort_values("mean")
    fig = Figure(figsize=(7.5, 0.45 * len(d) + 1.2))
    ax = fig.subplots()
    y = range(len(d))
    ax.errorbar(d["mean"], y, xerr=[d["mean"] - d["ci_low"], d["ci_high"] - d["mean"]], fmt="none",
                ecolor=PALETTE["本单位"], elinewidth=1.5, capsize=3)
    _versus(ax, fig, d, d["dimension_name"].tolist(), "维度", unit, comparison, size=70, top=top)
    sig = d.loc[
        d["significant"].fillna(False).astype(bool)
    ]  # marked either way: the axis shows the direction
    for _, r in sig.iterrows():
        ax.annotate(
            "*",
            (r["ci_high"], list(d.index).index(r.name)),
            xytext=(4, -4),
            textcoords="offset points",
            fontsize=14,
            color=PALETTE["本单位"],
        )
    ax.set_xlabel(f"平均得分（1–{top}分，越高越好；横线为95%置信区间，* 为显著差异）")
    ax.set_title(f"{unit}各维度得分与{comparison}对比", fontsize=12)
    return fig


def share_bar(table: pd.DataFrame, label: str, value: str, title: str) -> Figure:
    """Horizontal bar chart of shares (0–1), largest on top."""
    import seaborn as sns

    _theme()
    t = table.sort_values(value, ascending=False)
    fig = Figure(figsize=(7.5, 0.4 * len(t) + 1.0))
    ax = fig.subplots()
    sns.barplot(data=t, x=value, y=label, ax=ax, color="#2e86c1", orient="h")
    for patch, v in zip(ax.patches, t[value], strict=False):
        ax.text(
            patch.get_width() + 0.005,
            patch.get_y() + patch.get_height() / 2,
            f"{v:.0%}",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, min(1.0, max(0.1, float(t[value].max()) * 1.2)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=12)
    return fig


def heatmap(matrix: pd.DataFrame, title: str) -> Figure:
    """Units × dimensions heatmap of mean scores."""
    import seaborn as sns

    _theme()
    fig = Figure(figsize=(1.0 * matrix.shape[1] + 2.5, 0.45 * matrix.shape[0] + 1.8))
    ax = fig.subplots()
    sns.heatmap(
        matrix,
        annot=True,
        fmt=".2f",
        cmap="RdYlGn",
        center=float(pd.Series(matrix.to_numpy().ravel()).mean()),
        cbar_kws={"label": "平均得分"},
        ax=ax,
        annot_kws={"fontsize": 8},
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=12)
    ax.tick_params(axis="x", rotation=40)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    return fig


def ipa_plot(ipa: pd.DataFrame, unit: str, outcome: str) -> Figure:
    """Importance–performance scatter against the district: x is the unit's score minus the district's mean
    on the dimension (the line at 0), y the relative importance (the line at the mean importance). Colours are
    the stored quadrants, so the chart says what the text says: red only for a significantly low dimension."""
    import seaborn as sns

    from pipeline.stats.drivers import QUADRANT_ORDER

    _theme()
    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.subplots()
    shown = [q for q in QUADRANT_ORDER if q in set(ipa["quadrant"])]
    colours = dict(zip(QUADRANT_ORDER, ["#c0392b", "#e6a23c", "#27ae60", "#95a5a6", "#7f8c8d"], strict=True))
    sns.scatterplot(data=ipa, x="gap", y="importance", hue="quadrant", ax=ax, s=70, hue_order=shown,
                    palette=[colours[q] for q in shown])
    for _, r in ipa.iterrows():
        ax.annotate(
            r["dimension_name"],
            (r["gap"], r["importance"]),
            xytext=(5, 3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axvline(0, color="#999", ls="--", lw=1)
    ax.axhline(ipa["importance"].mean(), color="#999", ls="--", lw=1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("表现：本单位得分减全区平均得分（0 以左低于全区）")
    ax.set_ylabel(f"重要性：与“{outcome}”关联的相对重要性")
    ax.set_title(f"{unit}重要性—表现（IPA）分析", fontsize=12)
    ax.legend(title="", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def item_plot(items: pd.DataFrame, unit: str, comparison: str, top: int = 5, max_label: int = 20) -> Figure:
    """Dot plot of item means (unit vs comparison), the items with the largest gaps first."""

    _theme()
    d = items.sort_values("diff")  # the largest gap on top
    labels = [t if len(t) <= max_label else t[: max_label - 1] + "…" for t in d["item_text"]]
    fig = Figure(figsize=(7.5, 0.42 * len(d) + 1.4))
    ax = fig.subplots()
    y = list(range(len(d)))
    ax.hlines(y, d["rest_mean"], d["mean"], color="#bbb", lw=1.5)
    _versus(ax, fig, d, labels, "题目", unit, comparison, size=55, top=top)
    ax.set_xlabel(f"平均得分（1–{top}分，越高越好）")
    ax.set_title(f"{unit}与{comparison}差距最大的题目", fontsize=12)
    return fig


def grouped_share_bar(table: pd.DataFrame, label: str, value: str, hue: str, title: str) -> Figure:
    """Shares (0–1) by category for two or more groups side by side."""
    import seaborn as sns

    _theme()
    fig = Figure(figsize=(7.5, 0.5 * table[label].nunique() + 1.4))
    ax = fig.subplots()
    sns.barplot(
        data=table, x=value, y=label, hue=hue, ax=ax, orient="h", palette=[PALETTE["本单位"], PALETTE["对比"]]
    )
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.legend(title="", fontsize=9, frameon=False)
    ax.set_title(title, fontsize=12)
    return fig


def ranking_plot(
    table: pd.DataFrame, label: str, value: str, low: str, high: str, title: str, xlabel: str
) -> Figure:
    """Units ranked by a proportion with its confidence interval."""
    _theme()
    d = table.sort_values(value)
    fig = Figure(figsize=(7.5, 0.38 * len(d) + 1.3))
    ax = fig.subplots()
    y = range(len(d))
    ax.errorbar(
        d[value], y, xerr=[d[value] - d[low], d[high] - d[value]], fmt="o", color="#2e86c1", capsize=3
    )
    ax.set_yticks(list(y), d[label].tolist())
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=12)
    return fig
