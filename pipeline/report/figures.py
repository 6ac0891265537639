"""The figures of a document, drawn: seaborn on a CJK font, as PNG images — for a page, a phone (a narrow
rendering whose smallest label stays readable on a 390-px screen) or print.

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so nothing is shown twice and no global
figure state leaks between cells. Each drawing function takes the rows a ``document.Figure`` holds; nothing
here computes a statistic.
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.patches
import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.text import Text

from pipeline.report.document import Figure
from pipeline.report.figure_style import (  # noqa: F401 - the sizes, read from here too
    PAGE,
    PALETTE,
    PHONE,
    PRINT,
    QUADRANT_COLOURS,
    Drawn,
    Size,
    _new,
    theme,
)


def draw(figure: Figure, size: Size = PAGE) -> Drawn:
    """A document's figure as a PNG image of ``size``."""
    theme(size)
    data = pd.DataFrame(figure.data)
    fig = DRAW[figure.plot](data, figure, size)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=size.dpi, bbox_inches="tight")  # drawn: every text now exists
    smallest = min(
        (t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()),
        default=size.text,
    )
    png = buf.getvalue()
    width = int.from_bytes(png[16:20], "big")  # the PNG header's width field
    return Drawn(png, width, smallest * size.dpi / 72)


def _versus(
    ax,
    fig: MplFigure,
    d: pd.DataFrame,
    labels: list[str],
    what: str,
    unit: str,
    comparison: str,
    marker: int,
    span: tuple[int, int],
    size: Size,
) -> None:
    """The unit's means (dots) against the comparison group's (diamonds), one row per label; legend below."""
    import seaborn as sns

    long = pd.concat(
        [
            pd.DataFrame({"得分": d["mean"].to_numpy(), what: labels, "对象": unit}),
            pd.DataFrame({"得分": d["rest_mean"].to_numpy(), what: labels, "对象": comparison}),
        ]
    )
    sns.scatterplot(
        data=long,
        x="得分",
        y=what,
        hue="对象",
        style="对象",
        ax=ax,
        s=marker,
        palette=[PALETTE["本单位"], PALETTE["对比"]],
        markers=["o", "D"],
        zorder=3,
    )
    ax.set_xlim(span[0] - 0.1, span[1] + 0.1)
    ax.set_ylabel("")
    ax.legend(
        title="",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.7 / fig.get_figheight() - 0.06),
        ncol=2,
        fontsize=size.text,
        frameon=False,
    )


def _span(f: Figure) -> tuple[int, int]:
    """The lowest and highest score of a score plot's axis (1 and the longest scale's length unless the
    options carry their own numbers, as 0–10)."""
    return int(f.options.get("bottom", 1)), int(f.options["top"])


def _spans(mid: pd.Series, low: pd.Series, high: pd.Series) -> list[np.ndarray]:
    """Error bar lengths below and above each estimate: never negative (an interval that rounding put a hair
    inside its estimate, as for a rate of 100 %), none where there is no interval (no variance)."""
    below = np.clip(np.nan_to_num((mid - low).to_numpy(dtype=float)), 0, None)
    above = np.clip(np.nan_to_num((high - mid).to_numpy(dtype=float)), 0, None)
    return [below, above]


def _short(labels, limit: int, lines: int = 3) -> list[str]:
    """Labels wrapped at ``limit`` characters a line, whole up to ``lines`` lines (a longer one ends "…"):
    a name on a phone is read, not guessed."""
    out = []
    for t in map(str, labels):
        parts = [t[i:i + limit] for i in range(0, len(t), limit)] or [""]
        if len(parts) > lines:
            parts = parts[:lines]
            parts[-1] = parts[-1][: limit - 1] + "…"
        out.append("\n".join(parts))
    return out


def _rows(labels: list[str], per_row: float) -> float:
    """Height for one row per label, taller where labels wrap."""
    return sum(per_row * (1 + 0.55 * label.count("\n")) for label in labels)


def dimensions(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Dot plot: the unit's dimension means with 95% CIs against the comparison group's means."""
    d = d.sort_values("mean").reset_index(drop=True)
    labels = _short(d["dimension_name"], 8 if size is PHONE else 20)
    fig = _new(size, _rows(labels, 0.45) + 1.3)
    ax = fig.subplots()
    y = range(len(d))
    ax.errorbar(
        d["mean"],
        y,
        xerr=_spans(d["mean"], d["ci_low"], d["ci_high"]),
        fmt="none",
        ecolor=PALETTE["本单位"],
        elinewidth=1.5,
        capsize=3,
    )
    bottom, top = _span(f)
    _versus(ax, fig, d, labels, "维度", str(f.options["unit"]), str(f.options["comparison"]), 70,
            (bottom, top), size)
    for i, r in d.loc[d["significant"].fillna(0).astype(bool)].iterrows():  # the axis shows the direction
        ax.annotate(
            "*",
            (r["ci_high"], i),
            xytext=(4, -4),
            textcoords="offset points",
            fontsize=14,
            color=PALETTE["本单位"],
        )
    ax.set_xlabel(
        f"平均得分（{bottom}–{top}分，越高越好）"
        if size is PHONE
        else f"平均得分（{bottom}–{top}分，越高越好；横线为95%置信区间，* 为显著差异）"
    )
    ax.set_title(f.title)
    return fig


def items(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Dot plot of item means (unit vs comparison), the largest gap on top."""
    d = d.sort_values("diff").reset_index(drop=True)
    labels = _short(d["item_text"], 10 if size is PHONE else 20)
    fig = _new(size, _rows(labels, 0.42) + 1.4)
    ax = fig.subplots()
    ax.hlines(list(range(len(d))), d["rest_mean"], d["mean"], color="#bbb", lw=1.5)
    bottom, top = _span(f)
    _versus(ax, fig, d, labels, "题目", str(f.options["unit"]), str(f.options["comparison"]), 55,
            (bottom, top), size)
    ax.set_xlabel(f"平均得分（{bottom}–{top}分，越高越好）")
    ax.set_title(f.title)
    return fig


def choices(t: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Horizontal bars of shares (0–1), largest on top, each labelled."""
    import seaborn as sns

    from pipeline.common.formatting import pct

    t = t.sort_values("share", ascending=False).assign(
        option=lambda x: _short(x["option"], 10 if size is PHONE else 24)
    )
    fig = _new(size, _rows(list(t["option"]), 0.4) + 1.0)
    ax = fig.subplots()
    sns.barplot(data=t, x="share", y="option", ax=ax, color="#2e86c1", orient="h")
    for patch, v in zip(ax.patches, t["share"], strict=False):
        ax.text(
            patch.get_width() + 0.005,
            patch.get_y() + patch.get_height() / 2,
            pct(v, 0),
            va="center",
            fontsize=size.text,
        )
    ax.set_xlim(0, min(1.0, max(0.1, float(t["share"].max()) * 1.25)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f.title)
    return fig


def composition(t: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Shares (0–1) by category for the unit and the area side by side."""
    import seaborn as sns

    t = t.assign(category=_short(t["category"], 12 if size is PHONE else 30))
    fig = _new(size, _rows(list(t["category"].drop_duplicates()), 0.5) + 1.4)
    ax = fig.subplots()
    sns.barplot(
        data=t,
        x="share",
        y="category",
        hue="whom",
        ax=ax,
        orient="h",
        palette=[PALETTE["本单位"], PALETTE["对比"]],
    )
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.legend(title="", fontsize=size.text, frameon=False)
    ax.set_title(f.title)
    return fig


def _clash(box, frame, taken: list) -> float:
    """How badly a label's box sits: one per label or point it overlaps, a half if it leaves the axes."""
    inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    return sum(box.overlaps(t) for t in taken) + (0 if inside else 0.5)


def place_labels(ax, points: list[tuple[float, float]], labels: list[str], fontsize: float) -> list:
    """Each point's label beside it, where it overlaps neither another label nor a point and stays inside the
    axes: candidate places around the point (right, left, above, below, then farther out), the first free one
    taken; a label moved away from its point gets a thin line to it. Deterministic and quick (adjustText took
    over a second a figure here and still left overlapping labels in one figure of five)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    scale = ax.figure.dpi / 72  # pixels per point
    frame = ax.get_window_extent(renderer)
    centres = [ax.transData.transform(p) for p in points]
    taken = [Bbox.from_bounds(x - 5 * scale, y - 5 * scale, 10 * scale, 10 * scale) for x, y in centres]
    placed = []
    for (x, y), point, label in zip(centres, points, labels, strict=True):
        probe = ax.text(0, 0, label, fontsize=fontsize)
        w, h = probe.get_window_extent(renderer).size
        probe.remove()
        options = []
        for g in (5 * scale, 12 * scale, 22 * scale, 34 * scale, 48 * scale):
            options += [(g, g / 2), (g, -h - g / 2), (-w - g, g / 2), (-w - g, -h - g / 2), (-w / 2, g + 2),
                        (-w / 2, -h - g - 2), (g, -h / 2), (-w - g, -h / 2)]
        boxes = [Bbox.from_bounds(x + dx, y + dy, w, h) for dx, dy in options]
        scores = [_clash(b, frame, taken) for b in boxes]
        best = next((i for i, sc in enumerate(scores) if sc == 0), scores.index(min(scores)))
        taken.append(boxes[best])
        arrow = {"arrowstyle": "-", "color": "#999", "lw": 0.6} if best >= 8 else None  # moved farther out
        dx, dy = options[best]
        placed.append(ax.annotate(label, point, xytext=(dx / scale, dy / scale), textcoords="offset points",
                                  fontsize=fontsize, ha="left", va="bottom", arrowprops=arrow))
    return placed


def ipa(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Importance–performance scatter against the district: x is the unit's score minus the district's mean
    on the dimension (the line at 0), y the relative importance (the line at the mean importance). Colours are
    the stored quadrants, so the chart says what the text says; no label overlaps another
    (``place_labels``)."""
    import seaborn as sns

    order = list(f.options["quadrants"])  # the quadrants in their order, as the document names them
    fig = _new(size, 5.2 if size is not PHONE else 4.6)
    fig.set_dpi(size.dpi)  # labels are placed in the pixels the image will have
    ax = fig.subplots()
    shown = [q for q in order if q in set(d["quadrant"])]
    colours = dict(zip(order, QUADRANT_COLOURS, strict=True))
    sns.scatterplot(data=d, x="gap", y="importance", hue="quadrant", ax=ax, s=70, hue_order=shown,
                    palette=[colours[q] for q in shown])
    ax.axvline(0, color="#999", ls="--", lw=1)
    ax.axhline(d["importance"].mean(), color="#999", ls="--", lw=1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("表现：本单位得分减全区平均（0以左低于全区）")
    outcome = f.options["outcome"]
    ax.set_ylabel("重要性（相对重要性）" if size is PHONE else f"重要性：与“{outcome}”关联的相对重要性")
    ax.set_title(f.title)
    if size is PHONE:
        ax.legend(title="", fontsize=size.text, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2,
                  frameon=False)
    else:
        ax.legend(title="", fontsize=size.text, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(x0 - 0.15 * (x1 - x0), x1 + 0.15 * (x1 - x0))  # room for labels at the edges
    y0, y1 = ax.get_ylim()
    ax.set_ylim(y0 - 0.08 * (y1 - y0), y1 + 0.12 * (y1 - y0))
    place_labels(ax, list(zip(d["gap"], d["importance"], strict=True)),
                 _short(d["dimension_name"], 7 if size is PHONE else 14, lines=2), size.text)
    return fig


def heatmap(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Units × dimensions heatmap of mean scores (annotated on a page; colours only on a phone)."""
    import seaborn as sns

    matrix = d.pivot(index="unit", columns="dimension_name", values="mean").reindex(
        columns=[c for c in f.options["dimensions"] if c in set(d["dimension_name"])],
        index=[u for u in f.options["units"] if u in set(d["unit"])],
    )
    phone = size is PHONE
    fig = _new(
        size
        if phone
        else Size(max(size.width, 1.0 * matrix.shape[1] + 2.5), size.text, size.title, size.dpi),
        0.45 * matrix.shape[0] + (2.6 if phone else 1.8),
    )
    ax = fig.subplots()
    sns.heatmap(
        matrix,
        annot=not phone,
        fmt=".2f",
        cmap="RdYlGn",
        center=float(pd.Series(matrix.to_numpy().ravel()).mean()),
        cbar_kws={"label": "平均得分"},
        ax=ax,
        annot_kws={"fontsize": size.text - 1},
    )
    if "overlap" in d:  # cells whose 95% interval holds the area's mean: hatched, not told apart by colour
        overlap = d.pivot(index="unit", columns="dimension_name", values="overlap").reindex_like(matrix)
        for (row, col), hatched in np.ndenumerate(overlap.fillna(False).to_numpy(dtype=bool)):
            if hatched:
                ax.add_patch(matplotlib.patches.Rectangle((col, row), 1, 1, fill=False, hatch="///",
                                                          edgecolor="#00000055", linewidth=0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticklabels(_short([t.get_text() for t in ax.get_xticklabels()], 6 if phone else 20))
    ax.set_title(f.title)
    ax.tick_params(axis="x", rotation=60 if phone else 40)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return fig


def ranking(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Units ranked by a proportion with its confidence interval."""
    d = d.sort_values("satisfaction_rate").reset_index(drop=True)
    fig = _new(size, 0.38 * len(d) + 1.3)
    ax = fig.subplots()
    y = range(len(d))
    ax.errorbar(
        d["satisfaction_rate"],
        y,
        xerr=_spans(d["satisfaction_rate"], d["satisfaction_ci_low"], d["satisfaction_ci_high"]),
        fmt="o",
        color="#2e86c1",
        capsize=3,
    )
    ax.set_yticks(list(y), d["unit"].tolist())
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(str(f.options["xlabel"]) if size is not PHONE else "")
    ax.set_title(f.title)
    return fig


def trends(d: pd.DataFrame, f: Figure, size: Size) -> MplFigure:
    """Small multiples: a panel per dimension, its means over the waves (unit solid, area dashed)."""
    names = list(dict.fromkeys(d["dimension_name"]))
    columns = 2 if size is PHONE else 3
    rows = -(-len(names) // columns)
    fig = _new(size, 1.9 * rows + 1.0)
    axes = fig.subplots(rows, columns, sharey=True, squeeze=False)
    unit, area = str(f.options["unit"]), str(f.options.get("area") or "")
    for ax, name in zip(axes.flat, names, strict=False):
        part = d.loc[d["dimension_name"] == name]
        for who, style, colour in ((unit, "-o", PALETTE["本单位"]), (area, "--", PALETTE["对比"])):
            line = part.loc[part["who"] == who].sort_values("order")
            if not line.empty:
                ax.plot(line["order"], line["mean"], style, color=colour, markersize=4)
        waves = part.drop_duplicates("order").sort_values("order")
        ax.set_xticks(waves["order"].tolist(), waves["wave"].tolist(), fontsize=size.text - 2)
        ax.set_title(_short([name], 8 if size is PHONE else 12, 2)[0], fontsize=size.text)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f.title, fontsize=size.title)
    fig.tight_layout()
    return fig


DRAW = {
    "dimensions": dimensions,
    "items": items,
    "choices": choices,
    "composition": composition,
    "ipa": ipa,
    "heatmap": heatmap,
    "ranking": ranking,
    "trends": trends,
}
