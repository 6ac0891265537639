"""Every text a reader sees in the composed reports of both shipped demo surveys, as a fixture: moving the
sentences into a wording layer (issue 32) must change where words live, not what they say.

The texts come from the stored documents (``documents/<report>.json``), which the HTML, Word, Excel and PDF
only render: titles, section headings, paragraphs, table titles, column names and every cell as formatted,
figure titles, quotes, and the ledger's rows. ``python tests/report_texts.py`` analyses both demo surveys
(no rendering) and writes ``tests/fixtures/report_texts.json``; run it when a change of wording is deliberate,
and say so in the commit.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "report_texts.json"


def document_texts(processed: Path) -> dict[str, list[str]]:
    """Per report (by file name), its texts in reading order."""
    from pipeline.report.document import Figure, Paragraph, Quotes, Table, load_document

    out = {}
    for path in sorted((processed / "documents").glob("*.json")):
        doc = load_document(path)
        texts = [doc.title, doc.subtitle]
        for section in doc.sections:
            texts.append(section.title)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    texts.append(block.text)
                elif isinstance(block, Table):
                    texts += [block.title or "", "｜".join(c.name for c in block.columns)]
                    texts += ["｜".join(row) for row in block.cells()]
                elif isinstance(block, Figure):
                    texts.append(block.title)
                elif isinstance(block, Quotes):
                    texts += [block.title, *block.quotes]
        texts += ["｜".join(str(v) for v in row.model_dump().values()) for row in doc.ledger]
        out[path.stem] = texts
    return out


def demo_texts(root: Path) -> dict[str, dict[str, list[str]]]:
    """Both demo surveys made and analysed under ``root`` (the first against its planted earlier wave, as
    ``survey demo`` does), without rendering; their texts by survey."""
    from pipeline.common.paths import DEMOS
    from pipeline.demo.generate import write_demo_export
    from pipeline.demo.specs import demo_spec
    from pipeline.demo.survey import _demo_materials, _previous_wave
    from pipeline.questionnaire import load_questionnaire
    from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean

    out = {}
    for questionnaire_path, survey, export_name in DEMOS:
        paths = SurveyPaths(survey, root)
        q = load_questionnaire(questionnaire_path)
        export = root / "data" / "raw" / export_name
        _demo_materials(paths)  # its fieldwork notes and unit facts
        write_demo_export(q, export, demo_spec(q))
        previous = _previous_wave(q, questionnaire_path, paths, None, False)
        stage_clean([export], q, paths)
        stage_analyze(q, paths, questionnaire_path, previous=previous)
        out[survey] = document_texts(paths.processed)
    return out


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        texts = demo_texts(Path(tmp))
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(texts, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{FIXTURE}: {sum(len(v) for s in texts.values() for v in s.values())} texts", file=sys.stderr)
