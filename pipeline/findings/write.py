"""All findings at once: every unit's from its own slice of the tables (split once), and the district's;
stored as JSON, one file per unit."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pandas as pd

from pipeline.analyze.tables import Analysis
from pipeline.common.atomic import write_text
from pipeline.common.names import DISTRICT
from pipeline.common.paths import findings_path
from pipeline.findings.build import build_findings, district_findings
from pipeline.findings.model import DistrictFindings, UnitFindings
from pipeline.questionnaire import Questionnaire


def unit_slices(a: Analysis) -> dict[str, Analysis]:
    """Each unit's rows (and the area's) of every per-unit table, split once (filtering every table per unit
    is O(units²))."""
    tables = {f.name: getattr(a, f.name) for f in fields(Analysis)}
    whole = ("units", "district")  # one row per unit: a unit's text ranks it and sets it against the area
    split = {
        name: dict(tuple(df.groupby("unit", observed=True))) if "unit" in df and name not in whole else None
        for name, df in tables.items()
    }

    def part(name: str, parts: dict, unit: str) -> pd.DataFrame:
        """The unit's rows, and the area's, which a unit's text sets it against."""
        own = [parts[u] for u in (unit, DISTRICT) if u in parts]
        return pd.concat(own) if own else tables[name].iloc[0:0]

    return {
        unit: Analysis(
            **{
                name: part(name, parts, unit) if parts is not None else tables[name]
                for name, parts in split.items()
            }
        )
        for unit in a.units.loc[a.units["valid"] > 0, "unit"]
    }


def all_findings(
    a: Analysis, questionnaire: Questionnaire
) -> tuple[dict[str, UnitFindings], DistrictFindings]:
    """Every unit's findings and the district's."""
    units = {unit: build_findings(unit, part, questionnaire) for unit, part in unit_slices(a).items()}
    return units, district_findings(a, questionnaire, units)


def write_findings(
    units: dict[str, UnitFindings], district: DistrictFindings, out_dir: str | Path
) -> dict[str, Path]:
    """``findings/<unit>.json`` for every unit with valid responses, and ``findings/全区.json``."""
    paths = {
        unit: write_text(findings_path(out_dir, unit), f.model_dump_json(indent=2))
        for unit, f in units.items()
    }
    paths[DISTRICT] = write_text(findings_path(out_dir, DISTRICT), district.model_dump_json(indent=2))
    return paths
