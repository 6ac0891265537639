"""Many small exports: ``survey clean`` of N one-row CSV files (each with its header, as a 问卷星 download of
one paper questionnaire or a per-respondent export would be) against one CSV of the same N rows.

Each clean runs in its own process (``survey clean`` as the CLI runs it); prints wall time and peak RSS
(VmHWM) of both and their ratio. No assertions.

    .venv/bin/python benchmarks/many_files.py [--files 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = """
import sys
from pipeline.cli import main
code = main(sys.argv[1:])
peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))
print('PEAK', int(peak.split()[1]) // 1024, file=sys.stderr)
sys.exit(code)
"""


def exports(root: Path, n: int) -> tuple[Path, Path]:
    """One CSV of ``n`` rows and a folder of ``n`` one-row CSVs, from the demo questionnaire."""
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.demo import DemoSpec, generate_responses
    from pipeline.questionnaire import load_questionnaire

    q = load_questionnaire(DEFAULT_QUESTIONNAIRE)
    places = q.known_places() or {}
    units = {u: places.get(u, [])[:2] for u in q.unit_question.options}
    spec = DemoSpec(units=units, sizes={u: n // len(units) + 1 for u in units}, planted={}, null_unit=None,
                    seed=5)
    raw = generate_responses(q, spec).head(n).astype(str)
    raw["序号"] = [str(i + 1) for i in range(len(raw))]
    whole = root / "one" / "全部.csv"
    whole.parent.mkdir(parents=True)
    raw.to_csv(whole, index=False)
    folder = root / "many"
    folder.mkdir()
    header = ",".join(f'"{c}"' for c in raw.columns)
    lines = raw.to_csv(index=False, header=False).splitlines()
    for i, line in enumerate(lines):
        (folder / f"答卷{i + 1:05d}.csv").write_text(f"{header}\n{line}\n", encoding="utf-8")
    return whole, folder


def clean(inputs: Path, survey: str, root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUN, "clean", "-i", str(inputs), "-s", survey,
                           "--root", str(root)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    peak = int(next(ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK")).split()[1])
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="many-files-"))
    whole, folder = exports(root, args.files)
    one_s, one_mb = clean(whole, "one", root)
    many_s, many_mb = clean(folder, "many", root)
    print(f"one file of {args.files} rows: {one_s:.1f} s, peak {one_mb} MB")
    print(f"{args.files} files of one row: {many_s:.1f} s, peak {many_mb} MB")
    print(f"ratio: {many_s / one_s:.2f}x the time, {many_mb / one_mb:.2f}x the memory")


if __name__ == "__main__":
    main()
