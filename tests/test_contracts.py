"""Every stored table matches its declared contract and the findings files are exactly what the model says,
on the shipped questionnaire and on the test questionnaires (a different scale, no overall question)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.common.contracts import CONTRACTS, ContractError, conform
from pipeline.common.names import DISTRICT
from pipeline.findings.model import DistrictFindings, UnitFindings, read_findings


def check_tables(paths) -> list[str]:
    """Every parquet table in processed/ (and the audit) has a contract and meets it; their names."""
    stored = sorted(paths.processed.glob("*.parquet")) + [paths.interim / "audit.parquet",
                                                           paths.interim / "responses.parquet"]
    for path in stored:
        assert path.stem in CONTRACTS, f"{path.name} is stored without a declared contract"
        table = pd.read_parquet(path)
        schema = CONTRACTS[path.stem].to_schema()
        required = {c for c, col in schema.columns.items() if col.required}
        assert required <= set(table.columns), path.name
        assert not schema.strict or set(table.columns) <= set(schema.columns), path.name
        conform(path.stem, table)
    return [p.stem for p in stored]


def check_documents(paths) -> int:
    """Every report's document parses into the document model and dumps back to the same JSON."""
    from pipeline.report.document import Document

    files = sorted((paths.processed / "documents").glob("*.json"))
    for path in files:
        parsed = Document.model_validate_json(path.read_text(encoding="utf-8"))
        assert json.loads(parsed.model_dump_json()) == json.loads(path.read_text(encoding="utf-8")), path.name
    return len(files)


def check_findings(paths) -> int:
    """Every findings file parses into its model and dumps back to the same JSON; how many there are."""
    files = sorted((paths.processed / "findings").glob("*.json"))
    assert files
    for path in files:
        model = DistrictFindings if path.stem == DISTRICT else UnitFindings
        parsed = read_findings(path, model)
        assert json.loads(parsed.model_dump_json()) == json.loads(path.read_text(encoding="utf-8")), path.name
    return len(files)


def test_shipped_survey_tables_and_findings_keep_their_contracts(e2e):
    names = check_tables(e2e["paths"])
    assert {"units", "district", "unit_dimensions", "unit_items", "audit", "problem_ledger",
            "responses"} <= set(names)
    assert check_findings(e2e["paths"]) == 4  # three units and the district
    assert check_documents(e2e["paths"]) == 4  # three reports and the overview


def test_a_table_that_breaks_its_contract_is_named_without_its_values(e2e):
    units = pd.read_parquet(e2e["paths"].processed / "units.parquet")
    broken = units.drop(columns=["valid"]).assign(received="电话13800138000")
    with pytest.raises(ContractError) as err:
        conform("units", broken)
    assert "units" in str(err.value) and "valid（column_in_dataframe）" in str(err.value)
    assert "received" in str(err.value)
    assert "13800138000" not in str(err.value)


def test_a_findings_file_that_does_not_match_the_model_is_refused(e2e, tmp_path: Path):
    path = next((e2e["paths"].processed / "findings").glob("新华*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["basic"]["valid"] = "很多"
    bad = tmp_path / path.name
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="已损坏或格式不对（basic→valid"):
        read_findings(bad, UnitFindings)
