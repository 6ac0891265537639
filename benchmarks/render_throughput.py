"""Report throughput: every report's HTML, Word and PDF, against the naive loop, on one machine.

Naive loop (what a notebook-per-unit set-up does): for each unit, the ``papermill`` CLI runs a notebook
that loads all responses, computes its own statistics (Cronbach's α, Welch t-tests vs the rest with
pingouin) and draws three seaborn plots, then the ``jupyter nbconvert --to html`` CLI converts it.
It is timed on ``--naive-units`` units (it is linear in the number of units); it writes HTML only.

Renderer: ``pipeline.run.render.render_all`` renders every unit of a generated survey, plus the overview, the
index and the workbook, for each size in ``--units``: each format alone (HTML; Word; PDF, printed from the
pages the HTML pass wrote), then all three together as ``survey run`` writes them — each pass from an empty
figure store, so that each pays for its own figures. Prints seconds per unit for each (flat across sizes =
linear total cost) and the ratio to the naive loop. With ``--dask 1 2``, the all-formats pass is timed again
on a dask.distributed LocalCluster of that many single-threaded workers. No assertions.

    .venv/bin/python benchmarks/render_throughput.py [--units 100 1000] [--naive-units 4] [--workers N]
        [--dask 1 2] [--together-from 1000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import DemoSpec, write_demo_export
from pipeline.questionnaire import load_questionnaire
from pipeline.run.execute import default_workers
from pipeline.run.render import render_all
from pipeline.run.stages import SurveyPaths, stage_analyze, stage_clean
from pipeline.run.tasks import FIGURES_FOLDER

NAIVE_CELLS = [
    "import pandas as pd\nimport pingouin as pg\nimport seaborn as sns\n"
    "import matplotlib.pyplot as plt\nimport yaml",
    "q = yaml.safe_load(open(questionnaire, encoding='utf-8'))\ndf = pd.read_parquet(responses)\n"
    "dims = {d['name']: [i['id'] for i in d['items']] for d in q['dimensions']}\n"
    "scores = pd.DataFrame({n: df[c].astype(float).mean(axis=1) for n, c in dims.items()})\n"
    "mine = (df['unit'].astype(str) == unit).to_numpy()",
    "rows = []\nfor n, cols in dims.items():\n"
    "    a, ci = pg.cronbach_alpha(df.loc[mine, cols].astype(float))\n"
    "    t = pg.ttest(scores.loc[mine, n], scores.loc[~mine, n], correction=True)\n"
    "    rows.append({'维度': n, 'alpha': a, 'T': t['T'].iloc[0], 'p': t['p_val'].iloc[0]})\n"
    "pd.DataFrame(rows)",
    "fig, ax = plt.subplots(figsize=(7, 4))\n"
    "sns.barplot(x=scores.loc[mine].mean().values, y=list(dims), ax=ax)\nplt.show()",
    "fig, ax = plt.subplots(figsize=(7, 4))\nsns.histplot(scores.loc[mine].mean(axis=1), ax=ax)\nplt.show()",
    "fig, ax = plt.subplots(figsize=(7, 4))\n"
    "sns.boxplot(data=scores.loc[mine], orient='h', ax=ax)\nplt.show()",
]


def naive_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('unit = ""\nresponses = ""\nquestionnaire = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in NAIVE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def build_survey(root: Path, n_units: int, per_unit: int) -> SurveyPaths:
    """A generated survey with ``n_units`` streets of ``per_unit`` responses, cleaned and analysed."""
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    units = [f"第{i:04d}街道" for i in range(n_units)]
    raw["profile"][0]["options"] = units
    raw.pop("places", None)  # the generated streets are not in the demo district's reference list
    qpath = root / "questionnaire.yaml"
    qpath.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(qpath)
    spec = DemoSpec(
        units={u: [f"{u[:5]}社区"] for u in units},
        sizes=dict.fromkeys(units, per_unit),
        planted={},
        null_unit=None,
        seed=5,
    )
    export = write_demo_export(q, root / "data" / "raw" / "bench.xlsx", spec)
    paths = SurveyPaths("bench", root)
    stage_clean([export], q, paths)
    stage_analyze(q, paths, qpath)
    return paths


def naive_seconds(paths: SurveyPaths, units: list[str], qpath: Path, work: Path) -> float:
    bin_dir = Path(sys.executable).parent
    template = naive_notebook(work / "naive.ipynb")
    start = time.perf_counter()
    for i, unit in enumerate(units):
        out = work / f"naive_{i}.ipynb"
        subprocess.run(
            [
                str(bin_dir / "papermill"),
                str(template),
                str(out),
                "-p",
                "unit",
                unit,
                "-p",
                "responses",
                str(paths.interim / "responses.parquet"),
                "-p",
                "questionnaire",
                str(qpath),
                "--log-level",
                "ERROR",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", str(out)], check=True, capture_output=True
        )
    return (time.perf_counter() - start) / len(units)


PASSES = {"HTML": ("html",), "Word": ("word",), "PDF": ("pdf",), "all three": ("html", "word", "pdf")}


def timed_pass(paths: SurveyPaths, kinds: tuple[str, ...], workers: int,
               scheduler: str | None = None) -> float:
    """Seconds to render ``kinds`` of every report (forced), from an empty figure store."""
    shutil.rmtree(paths.reports / FIGURES_FOLDER, ignore_errors=True)
    start = time.perf_counter()
    results = render_all(paths.processed, paths.reports, workers=workers, force=True, kinds=kinds,
                         pdf="yes" if "pdf" in kinds else "no", scheduler=scheduler)
    seconds = time.perf_counter() - start
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return seconds


def dask_pass(paths: SurveyPaths, n_workers: int) -> float:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        return timed_pass(paths, PASSES["all three"], n_workers, c.scheduler_address)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, nargs="+", default=[100])
    parser.add_argument("--per-unit", type=int, default=40)
    parser.add_argument("--naive-units", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dask", type=int, nargs="*", default=[], help="LocalCluster sizes to time")
    parser.add_argument("--together-from", type=int, default=None,
                        help="from this many units on, time all three formats together only")
    args = parser.parse_args()
    workers = args.workers or default_workers()
    naive = None
    per_unit: dict[int, dict[str, float]] = {}
    for n in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            paths = build_survey(root, n, args.per_unit)
            if naive is None:
                units = [f"第{i:04d}街道" for i in range(args.naive_units)]
                naive = naive_seconds(paths, units, root / "questionnaire.yaml", root)
                print(f"naive loop (papermill CLI + nbconvert CLI, statistics in the notebook; HTML only): "
                      f"{naive:.2f} s per report (measured on {len(units)} units)")
            per_unit[n] = {}
            for label, kinds in PASSES.items():
                if args.together_from and n >= args.together_from and label != "all three":
                    continue
                seconds = timed_pass(paths, kinds, workers)
                per_unit[n][label] = seconds / n
                print(f"{n} units, {label} (+ overview, index, workbook), {workers} workers: "
                      f"{seconds:.1f} s, {seconds / n:.2f} s per unit", flush=True)
            for size in args.dask:
                seconds = dask_pass(paths, size)
                print(f"{n} units, all three on a LocalCluster of {size} workers: {seconds:.1f} s, "
                      f"{seconds / n:.2f} s per unit", flush=True)
    for n, row in per_unit.items():
        alone = f"; HTML alone {naive / row['HTML']:.1f}× the naive loop" if "HTML" in row else ""
        print(f"at {n} units: " + ", ".join(f"{k} {v:.2f} s" for k, v in row.items()) + " per unit" + alone)
    if len(per_unit) > 1:
        print("per-unit cost of all three: " + " → ".join(f"{row['all three']:.2f} s ({n} units)"
                                                       for n, row in sorted(per_unit.items())))


if __name__ == "__main__":
    main()
