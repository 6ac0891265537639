"""Memory does not grow with the number of rows (issue 23): ``survey clean`` and ``survey analyze`` of a
400,000-row export each peak within 25 % of the same survey at 100,000 rows, at a block size both runs fill
several times over (the analysis sums the cleaned table's row groups, one per block). Each run is its own
process, its peak read from ``/proc/self/status`` (RSS, which counts a memory-mapped file's pages too)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.common.paths import PROJECT_ROOT

# VmHWM, the peak RSS of this process's own memory (``ru_maxrss`` would carry the forking parent's over)
MEASURE = """
import re, sys
from pathlib import Path
from pipeline.cli import main
from pipeline.ingest import text_tables
text_tables.CSV_BLOCK_BYTES = 1 << 24  # 16 MB blocks: several even at 100,000 rows (about 97 MB)
code = main(sys.argv[1:])
status = Path("/proc/self/status").read_text()
print("PEAK", re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), code)
"""


def _bench():
    spec = importlib.util.spec_from_file_location("ingest_1m", PROJECT_ROOT / "benchmarks" / "ingest_1m.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peaks_kib(root: Path, rows: int, bench) -> tuple[int, int]:
    """Peak RSS of ``survey clean`` and of ``survey analyze`` of a generated export of ``rows`` rows."""
    root.mkdir()
    units = [f"第{i:02d}街道" for i in range(20)]
    qfile = root / "bench.yaml"
    qfile.write_text(yaml.safe_dump(bench.questionnaire_yaml(units, 12, 5), allow_unicode=True), "utf-8")
    export = root / "bench_wjx.csv"
    bench.generate(export, rows, units, 12, 5)
    common = ["-q", str(qfile), "--root", str(root), "--survey", "bench"]
    peaks = []
    for command in (["clean", "-i", str(export), *common], ["analyze", *common]):
        run = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True)
        peak = [line for line in run.stdout.splitlines() if line.startswith("PEAK")]
        assert peak and peak[0].endswith(" 0"), run.stdout + run.stderr
        peaks.append(int(peak[0].split()[1]))
    export.unlink()
    return peaks[0], peaks[1]


def test_clean_and_analyze_peak_alike_at_100k_and_400k_rows(tmp_path):
    bench = _bench()
    small = _peaks_kib(tmp_path / "small", 100_000, bench)
    large = _peaks_kib(tmp_path / "large", 400_000, bench)
    for stage, a, b in zip(("clean", "analyze"), small, large, strict=True):
        assert b <= 1.25 * a, f"{stage}: 100,000 rows {a >> 10} MiB; 400,000 rows {b >> 10} MiB"
