"""Where things live: the package's own files (report templates, the shipped questionnaires), the project
root that holds ``data/`` and ``reports/``, and per-survey directories.

The report notebooks and the shipped questionnaires are package data (``pipeline/notebooks`` and
``pipeline/questionnaires`` are the project's ``notebooks/`` and ``questionnaires/``, installed with the
package), found with ``importlib.resources``: ``pip install .`` works outside the checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pipeline.common.names import output_path

PACKAGE = Path(str(files("pipeline")))


def _project_root() -> Path:
    """The checkout this package was installed from (editable), else the current directory."""
    checkout = PACKAGE.resolve().parent
    from_checkout = (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir()
    return checkout if from_checkout else Path.cwd()


PROJECT_ROOT = _project_root()
NOTEBOOKS = PACKAGE / "notebooks"
QUESTIONNAIRES = PACKAGE / "questionnaires"
DEFAULT_QUESTIONNAIRE = QUESTIONNAIRES / "jiceng_dangjian.yaml"
DEMO_SURVEY = "demo"
# the shipped questionnaires and their demo surveys: (questionnaire, survey name, export written to data/raw/)
DEMOS = (
    (DEFAULT_QUESTIONNAIRE, DEMO_SURVEY, "demo_wjx_按文本.xlsx"),
    (QUESTIONNAIRES / "jiceng_jianfu.yaml", "demo_jianfu", "demo_jianfu_按文本.xlsx"),
)


def notebook_template(name: str) -> Path:
    """A report notebook template shipped with the package."""
    return NOTEBOOKS / name


def interim_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "data" / "interim" / survey


def processed_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "data" / "processed" / survey


def reports_dir(survey: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "reports" / survey


def findings_path(processed: str | Path, unit: str) -> Path:
    """Where a unit's (or the district's) findings JSON is stored: a safe file name inside ``findings/``."""
    return output_path(Path(processed) / "findings", unit, ".json")
