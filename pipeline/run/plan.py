"""The render plan: one task per report, each with the key of everything it depends on.

A report is rendered again only when its key changes — a hash of the unit's slice of the stored tables
and its findings, the template, the package's code, the questionnaire and the version — or with ``force``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline import __version__, code_hash
from pipeline.common.names import DISTRICT, output_path
from pipeline.common.paths import NOTEBOOKS, findings_path
from pipeline.run.tasks import OVERVIEW_NAME, RenderTask

STREET_TEMPLATE = NOTEBOOKS / "street_report.ipynb"
DISTRICT_TEMPLATE = NOTEBOOKS / "district_overview.ipynb"


def report_code_hash() -> str:
    """A hash of the package's code: a report made by other code (views, plots, page) is out of date."""
    return code_hash()


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def _slice_hashes(processed: Path, units: list[str]) -> dict[str, str]:
    """A hash of each unit's slice of every stored table (and of the whole set, for the overview)."""
    import pandas as pd

    per_unit = {u: [] for u in units}
    whole = []
    for path in sorted(processed.glob("*.parquet")):
        df = pd.read_parquet(path)
        whole.append(path.read_bytes())
        if "unit" in df.columns:  # every stored table spells its unit column "unit" (the contracts check it)
            for u, part in df.groupby(df["unit"].astype("string"), observed=True):
                if u in per_unit:
                    per_unit[u].append(part.to_json(orient="records", force_ascii=False))
            district = df.loc[df["unit"].astype("string").eq(DISTRICT).fillna(False).astype(bool)]
            district_json = district.to_json(orient="records", force_ascii=False)
            for u in units:
                per_unit[u].append(district_json)
    out = {u: _sha(*parts, findings_path(processed, u).read_bytes()) for u, parts in per_unit.items()}
    out[OVERVIEW_NAME] = _sha(*whole)
    return out


def plan(processed: Path, reports: Path, units: list[str] | None = None) -> list[RenderTask]:
    """One task per report, each with the key of everything it depends on."""
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    units = units if units is not None else manifest["units"]
    hashes = _slice_hashes(processed, units)
    common = _sha(
        __version__,
        report_code_hash(),
        manifest.get("questionnaire_sha256", ""),
        manifest["title"],
        manifest["data_until"],
    )
    nb_dir = reports / "notebooks"

    def task(name: str, template: Path, params: dict) -> RenderTask:
        key = _sha(
            common,
            template.read_bytes(),
            hashes[name],
            json.dumps(params, ensure_ascii=False, sort_keys=True),
        )
        return RenderTask(name, str(template), params, str(output_path(reports, name, ".html")),
                          str(output_path(nb_dir, name, ".ipynb")), key)

    tasks = [task(OVERVIEW_NAME, DISTRICT_TEMPLATE, {"processed_dir": str(processed)})]
    tasks += [task(u, STREET_TEMPLATE, {"unit": u, "processed_dir": str(processed)}) for u in units]
    return tasks


def up_to_date(task: RenderTask) -> bool:
    key_file = Path(task.notebook_path).with_suffix(".key")
    return (
        Path(task.html_path).exists()
        and key_file.exists()
        and key_file.read_text(encoding="utf-8") == task.key
    )
