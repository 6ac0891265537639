"""Figures drawn once: each figure of a document is drawn once for print and once for a phone, and both
images are kept on disk by the figure's content (and the package's code). The page shows the print drawing
at the page's size (the same layout: ``PAGE`` is ``PRINT`` at a lower resolution), so the HTML page, its phone
version, the Word file and the PDF printed from the page all show one drawing, and a rerun draws only the
figures that changed.

A store without a folder (a notebook opened by hand in JupyterLab) keeps its drawings in memory only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import code_hash
from pipeline.common.atomic import write_text
from pipeline.report.document import Figure
from pipeline.report.figure_style import PAGE, PHONE, PRINT, Drawn

assert replace(PRINT, dpi=PAGE.dpi) == PAGE  # the page shows the print drawing, at the page's size

SIZES = {"print": PRINT, "phone": PHONE}


@dataclass(frozen=True)
class Drawings:
    """One figure's images: for print (and the page) and for a phone."""

    print: Drawn
    phone: Drawn

    @property
    def page_width(self) -> int:
        """The width, in CSS pixels, the page shows the print drawing at: as wide as drawn for a page."""
        return round(self.print.width_px * PAGE.dpi / PRINT.dpi)


def draw_for(figure: Figure, kind: str) -> Drawn:
    """The figure drawn for print or for a phone."""
    from pipeline.report.figures import draw

    return draw(figure, SIZES[kind])


class FigureStore:
    """Drawings kept by each figure's content in ``folder`` (``reports/<survey>/.figures``), or in memory."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder else None
        self._memory: dict[str, Drawn] = {}

    def drawings(self, figure: Figure) -> Drawings:
        """The figure's images for print (and the page) and for a phone."""
        return Drawings(self.drawn(figure, "print"), self.drawn(figure, "phone"))

    def drawn(self, figure: Figure, kind: str) -> Drawn:
        """The figure's image for ``kind`` (print or phone): read where drawn before, drawn (and kept)
        otherwise."""
        key = hashlib.sha256(f"{code_hash()}\0{kind}\0{figure.model_dump_json()}".encode()).hexdigest()
        if key in self._memory:
            return self._memory[key]
        path = self.folder / f"{key}.json" if self.folder else None
        found = _read(path) if path is not None else None
        if found is None:
            found = draw_for(figure, kind)
            if path is not None:
                write_text(path, json.dumps(_plain(found)))
        self._memory[key] = found
        return found

    def prune(self, before: float) -> int:
        """Remove the drawings no report used since ``before`` (a time stamp): figures of earlier results."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        old = [p for p in self.folder.glob("*.json") if p.stat().st_mtime < before]
        for p in old:
            p.unlink(missing_ok=True)
        return len(old)


def _plain(d: Drawn) -> dict:
    return {"png": base64.b64encode(d.png).decode("ascii"), "width_px": d.width_px, "label_px": d.label_px}


def _read(path: Path) -> Drawn | None:
    """A drawing kept at ``path`` (marked as used now), or None where there is none (or it is damaged: drawn
    again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        drawn = Drawn(base64.b64decode(data["png"]), int(data["width_px"]), float(data["label_px"]))
        os.utime(path)
        return drawn
    except (OSError, ValueError, KeyError, TypeError):
        return None
