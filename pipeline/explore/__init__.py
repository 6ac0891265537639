"""交叉分析 for researchers in JupyterLab (``pipeline.explore.survey``), with the reports' disclosure
rules."""

from pipeline.explore.result import Result
from pipeline.explore.survey import Survey, open_survey

__all__ = ["Result", "Survey", "open_survey"]
