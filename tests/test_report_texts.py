"""What the reports say, pinned: every text of every composed report of both shipped demo surveys equals
the fixture (``tests/report_texts.py`` writes it). A refactoring of the wording (issue 32) keeps this test
green; a deliberate change of wording rewrites the fixture in the same commit."""

from __future__ import annotations

import difflib
import json

import pytest
from report_texts import FIXTURE, demo_texts


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    return demo_texts(tmp_path_factory.mktemp("texts"))


def test_every_report_says_what_the_fixture_says(texts):
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert sorted(texts) == sorted(expected)
    for survey, reports in expected.items():
        assert sorted(texts[survey]) == sorted(reports), survey
        for name, lines in reports.items():
            if texts[survey][name] != lines:
                diff = difflib.unified_diff(lines, texts[survey][name], lineterm="", n=0)
                diff = "\n".join(list(diff)[:12])
                pytest.fail(f"{survey}/{name} says something else (python tests/report_texts.py rewrites the "
                            f"fixture when that is meant):\n{diff}")


def test_the_body_keeps_the_words_of_statistics_for_the_appendix(texts):
    """"统计显著水平", "统计学意义" and the like appear in a report's appendices and 方法说明 only: the body
    says 显著 where a test supports it, and a difference no test supports as "经检验不明显"."""
    for survey, reports in texts.items():
        for name, lines in reports.items():
            end = next((i for i, t in enumerate(lines) if t.startswith(("附录", "方法说明"))), len(lines))
            body = lines[:end]
            assert len(body) < len(lines), (survey, name)
            for words in ("统计显著水平", "统计学意义", "统计显著性"):
                assert not [t for t in body if words in t], (survey, name, words)
