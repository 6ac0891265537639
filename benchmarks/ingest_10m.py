"""Ten million responses × 60 items (issue 23): ingest + clean + analyze on one machine, memory flat in rows.

Generates the benchmark export of ``ingest_1m.py`` (the same questionnaire, dirty rows and spellings) with
10,000,000 rows, 1,000,000 at a time (≈ 9 GB), then measures, each step in its own process (peak RSS from
``/proc/self/status``, VmHWM):

- a bare streaming parse of the file: ``pyarrow.csv.open_csv``, every batch read and dropped (the baseline);
- ``survey clean`` (ingest + rules + audit);
- ``survey analyze`` (every table, findings, documents);

and prints wall times, peaks and the ratio of clean to the bare parse. Goals: ingest+clean+analyze ≤ 10 min,
every peak ≤ 4 GB, clean ≤ 8× the bare parse. No assertions. ``--design`` adds a community and a weight to
every row and declares the design (weights, units as strata, communities as clusters): every estimate then
comes from the per-PSU weighted sums as well.

    .venv/bin/python benchmarks/ingest_10m.py [--rows 10000000] [--keep DIR] [--design]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

PEAK = """
import re, sys
from pathlib import Path
{body}
status = Path("/proc/self/status").read_text()
print("PEAK", re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""

PARSE = """
import pyarrow.csv as pacsv
rows = 0
with pacsv.open_csv(sys.argv[1], convert_options=pacsv.ConvertOptions(strings_can_be_null=False)) as reader:
    for batch in reader:
        rows += batch.num_rows
print("ROWS", rows)
"""

SURVEY = """
from pipeline.cli import main
code = main(sys.argv[1:])
print("EXIT", code)
"""


def _bench():
    spec = importlib.util.spec_from_file_location("ingest_1m", HERE / "ingest_1m.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(body: str, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (GiB) and output of ``body`` run in a fresh Python process."""
    start = time.perf_counter()
    command = [sys.executable, "-c", PEAK.format(body=body), *args]
    run = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(run.stdout + run.stderr)
    peak = [line for line in run.stdout.splitlines() if line.startswith("PEAK")]
    return seconds, int(peak[0].split()[1]) / 2**20, run.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    parser.add_argument("--design", action="store_true",
                        help="declare a design: weights, units as strata, 8 communities a unit as clusters")
    args = parser.parse_args()
    bench = _bench()

    root = args.keep or Path(tempfile.mkdtemp(prefix="ingest_10m_"))
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "questionnaires").mkdir(exist_ok=True)
    units = [f"第{i:03d}街道" for i in range(args.units)]
    qfile = root / "questionnaires" / "bench.yaml"
    text = yaml.safe_dump(bench.questionnaire_yaml(units, 12, 5, args.design), allow_unicode=True)
    qfile.write_text(text, encoding="utf-8")
    export = root / "data" / "raw" / "bench_wjx.csv"
    if not export.exists():
        t0 = time.perf_counter()
        bench.generate(export, args.rows, units, 12, 5, design=args.design)
        print(f"generated {args.rows:,} rows × 60 items ({export.stat().st_size / 2**30:.1f} GiB) "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)

    common = ["--root", str(root), "--survey", "bench", "-q", str(qfile)]
    parse, parse_peak, _ = timed(PARSE, str(export))
    print(f"bare streaming parse (pyarrow.csv.open_csv): {parse:.1f} s, peak {parse_peak:.2f} GiB",
          flush=True)
    clean, clean_peak, _ = timed(SURVEY, "clean", "-i", str(export), *common)
    print(f"survey clean: {clean:.1f} s ({clean / parse:.1f}× the parse), peak {clean_peak:.2f} GiB",
          flush=True)
    analyze, analyze_peak, _ = timed(SURVEY, "analyze", *common)
    print(f"survey analyze: {analyze:.1f} s, peak {analyze_peak:.2f} GiB", flush=True)
    print(f"ingest + clean + analyze: {clean + analyze:.0f} s ({(clean + analyze) / 60:.1f} min); "
          f"largest peak {max(clean_peak, analyze_peak):.2f} GiB")
    if args.keep is None:
        print(f"(work folder {root} left for inspection; delete it when done)", file=sys.stderr)


if __name__ == "__main__":
    main()
