"""Where things live: the project layout and per-survey directories."""

from __future__ import annotations

from pathlib import Path

from pipeline.common.names import output_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_QUESTIONNAIRE = PROJECT_ROOT / "questionnaires" / "jiceng_dangjian.yaml"
NOTEBOOKS = PROJECT_ROOT / "notebooks"
DEMO_SURVEY = "demo"
# the shipped questionnaires and their demo surveys: (questionnaire, survey name, export written to data/raw/)
DEMOS = (
    (DEFAULT_QUESTIONNAIRE, DEMO_SURVEY, "demo_wjx_按文本.xlsx"),
    (PROJECT_ROOT / "questionnaires" / "jiceng_jianfu.yaml", "demo_jianfu", "demo_jianfu_按文本.xlsx"),
)


def interim_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "data" / "interim" / survey


def processed_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "data" / "processed" / survey


def reports_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "reports" / survey


def findings_path(processed: str | Path, unit: str) -> Path:
    """Where a unit's (or the district's) findings JSON is stored: a safe file name inside ``findings/``."""
    return output_path(Path(processed) / "findings", unit, ".json")
