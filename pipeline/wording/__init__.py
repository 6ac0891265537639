"""The one wording layer: every sentence, heading, caption and column name a report shows, as keyed Jinja2
templates (``zh/*.yaml``), filled by ``pipeline.report.compose`` from typed findings. A research office can
replace any template by name (questionnaire ``report: wording: <folder>``)."""

from pipeline.wording.catalogue import WordingError, read_overrides
from pipeline.wording.say import Wording

__all__ = ["Wording", "WordingError", "read_overrides"]
