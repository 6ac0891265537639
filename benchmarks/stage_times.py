"""Time each stage of the demo survey and print seconds per report (no assertions)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, write_demo_export
from pipeline.questionnaire import load_questionnaire
from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean, stage_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        export = write_demo_export(questionnaire, root / "data" / "raw" / "demo.xlsx", DemoSpec())
        paths = SurveyPaths("bench", root)
        t0 = time.perf_counter()
        counts = stage_clean([export], questionnaire, paths)
        t1 = time.perf_counter()
        stage_analyze(questionnaire, paths, DEFAULT_QUESTIONNAIRE)
        t2 = time.perf_counter()
        results = stage_report(paths, args.workers)
        t3 = time.perf_counter()
    n = len(results)
    print(f"rows {counts['rows_in']}: ingest+clean {t1 - t0:.2f} s, analyze {t2 - t1:.2f} s, "
          f"render {n} reports {t3 - t2:.2f} s ({(t3 - t2) / n:.2f} s per report)")


if __name__ == "__main__":
    main()
