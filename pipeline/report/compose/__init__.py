"""Composing the reports: each unit's and the district's document, once, from the findings and the stored
tables (``unit``, ``district``); the renderers (HTML, Word, Excel, PDF) only render what is composed here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analyze.manifest import Manifest
from pipeline.common.atomic import write_text
from pipeline.common.names import DISTRICT, OVERVIEW_NAME
from pipeline.findings.model import DistrictFindings, UnitFindings
from pipeline.report.compose.district import district_document
from pipeline.report.compose.parts import UnitTables, ledger_rows
from pipeline.report.compose.unit import unit_document
from pipeline.report.document import Document, document_path
from pipeline.wording import Wording


def unit_tables(a, unit: str, split: dict[str, dict[str, pd.DataFrame]]) -> UnitTables:
    """A unit's slice of the tables (``split``: each table split by unit once)."""

    def part(name: str) -> pd.DataFrame:
        return split[name].get(unit, getattr(a, name).iloc[0:0])

    return UnitTables(
        unit=unit,
        dimensions=part("unit_dimensions"),
        items=part("unit_items"),
        composition=part("composition"),
        district_composition=split["composition"].get(DISTRICT, a.composition.iloc[0:0]),
        problems=part("problems"),
        ipa=part("ipa"),
    )


def compose_documents(
    a, findings: dict[str, UnitFindings], district: DistrictFindings, manifest: Manifest, ledger: pd.DataFrame
) -> dict[str, Document]:
    """Every report's document: one per unit with findings, and the overview."""
    names = ("unit_dimensions", "unit_items", "composition", "problems", "ipa")
    split = {n: dict(tuple(getattr(a, n).groupby("unit", observed=True))) for n in names}
    wd = Wording.of(manifest.words)  # its templates compiled once for every document
    # the ledger in words once, not once per unit
    every = ledger_rows(ledger, manifest.words, wd, manifest.data_until)
    rows: dict[str, list] = {}
    for r in every:
        rows.setdefault(r.unit, []).append(r)
    docs = {
        unit: unit_document(unit_tables(a, unit, split), f, manifest, rows.get(unit, []), wd)
        for unit, f in findings.items()
    }
    docs[OVERVIEW_NAME] = district_document(a, district, manifest, every, wd)
    return docs


def write_documents(docs: dict[str, Document], processed: Path) -> dict[str, Path]:
    """``documents/<name>.json`` for every report, written atomically."""
    return {
        name: write_text(document_path(processed, name), doc.model_dump_json(indent=1))
        for name, doc in docs.items()
    }


__all__ = ["compose_documents", "write_documents"]
