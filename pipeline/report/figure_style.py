"""How the figures look: the sizes drawn for a page, a phone (its smallest label readable on a 390-px
screen) and print, the CJK font shipped with the project, the seaborn theme and the colours."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure as MplFigure

FONT_FILE = "NotoSansCJKsc-Regular.otf"
PALETTE = {"本单位": "#c0392b", "对比": "#7f8c8d"}
QUADRANT_COLOURS = ["#c0392b", "#e67e22", "#27ae60", "#2e86c1", "#8e44ad"]  # five distinct hues


@dataclass(frozen=True)
class Size:
    """How big a figure is drawn: its width (inches), its text (points) and its resolution."""

    width: float
    text: float
    title: float
    dpi: int


PAGE = Size(width=7.5, text=9, title=12, dpi=110)
PHONE = Size(width=4.0, text=10, title=11, dpi=160)  # shown ~366 CSS px wide: 10 pt ≈ 12.7 CSS px
PRINT = Size(width=7.5, text=9, title=12, dpi=150)


@dataclass(frozen=True)
class Drawn:
    png: bytes
    width_px: int  # the image's natural width
    label_px: float  # its smallest text, in image pixels (× shown width / natural width = CSS px on screen)


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


def theme(size: Size = PAGE) -> None:
    """The report style: seaborn's whitegrid with the CJK font (set every time: set_theme resets rc)."""
    import seaborn as sns

    name = register_cjk_font()
    sns.set_theme(
        style="whitegrid",
        font=name,
        rc={
            "font.sans-serif": [name, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "font.size": size.text,
            "axes.labelsize": size.text,
            "xtick.labelsize": size.text,
            "ytick.labelsize": size.text,
            "legend.fontsize": size.text,
            "axes.titlesize": size.title,
        },
    )



def _new(size: Size, height: float) -> MplFigure:
    return MplFigure(figsize=(size.width, height))
