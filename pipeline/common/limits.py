"""Bounds on what an input may cost: every limit in one place, each with its documented default.

An export or a questionnaire is data someone typed or a program wrote; none of it may make a run take
unbounded memory or time. The limits that a large legitimate input could reach can be raised with an
environment variable of the same name (``SURVEY_MAX_CELL_CHARS=50000 survey run …``; bounds in
``pipeline.common.settings``).
"""

from __future__ import annotations

from pipeline.common.settings import setting

# an answer longer than this is cut to this length, with a note in the audit (a suggestion is rarely over a
# thousand characters; 问卷星's longest text box takes 10,000)
MAX_CELL_CHARS = int(setting("SURVEY_MAX_CELL_CHARS"))
# a header cell is read up to this many characters (a question's text is never longer)
MAX_HEADER_CHARS = 1_000
# an xlsx (a zip of XML) is refused before it is opened when its parts unpack to more than this …
MAX_UNPACKED_BYTES = int(setting("SURVEY_MAX_UNPACKED_BYTES"))
# … or unpack to more than this many times their packed size (real exports: 5–30×; a zip bomb: 1000×)
MAX_UNPACK_RATIO = int(setting("SURVEY_MAX_UNPACK_RATIO"))
# a YAML file (questionnaire, mapping) whose aliases expand to more nodes than this is refused
MAX_YAML_NODES = 200_000
# a value quoted in a message is shown up to this many characters, then "…（共N字）"
MAX_SHOWN_CHARS = 60


def clip(text: object) -> str:
    """``text`` as a message quotes it: at most ``MAX_SHOWN_CHARS`` characters, then its length."""
    text = str(text)
    return text if len(text) <= MAX_SHOWN_CHARS else f"{text[:MAX_SHOWN_CHARS]}…（共{len(text)}字）"
