"""Stage 1, the questionnaire as code: the validated model, loading it with Chinese messages, and drafting
one from an export (``survey init``)."""

from pipeline.questionnaire.load import load_questionnaire
from pipeline.questionnaire.model import Dimension, Question, Questionnaire
from pipeline.questionnaire.words import ReportWords, Words

__all__ = ["Dimension", "Question", "Questionnaire", "ReportWords", "Words", "load_questionnaire"]
