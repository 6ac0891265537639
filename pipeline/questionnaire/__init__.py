"""Stage 1, the questionnaire as code: the validated model, loading it with Chinese messages, and drafting
one from an export (``survey init``)."""

from pipeline.questionnaire.load import load_questionnaire
from pipeline.questionnaire.model import Dimension, Question, Questionnaire, ReportWords

__all__ = ["Dimension", "Question", "Questionnaire", "ReportWords", "load_questionnaire"]
