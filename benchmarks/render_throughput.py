"""Report throughput: the naive loop vs ``survey``'s renderer, side by side on one machine.

Naive loop (what a notebook-per-unit set-up does): for each unit, the ``papermill`` CLI runs a notebook
that loads all responses, computes its own statistics (Cronbach's α, Welch t-tests vs the rest with
pingouin) and draws three seaborn plots, then the ``jupyter nbconvert --to html`` CLI converts it.
It is timed on ``--naive-units`` units (it is linear in the number of units).

Renderer: ``pipeline.run.render.render_all`` (warm kernels in a process pool, precomputed statistics,
nbconvert's Python API) renders every unit of a generated survey, plus the overview, index and
workbook, for each size in ``--units`` — printing the seconds per report to show the cost grows
linearly. Prints the throughput ratio. No assertions.

    .venv/bin/python benchmarks/render_throughput.py [--units 100 1000] [--naive-units 4] [--workers N]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, nargs="+", default=[100])
    parser.add_argument("--per-unit", type=int, default=40)
    parser.add_argument("--naive-units", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    workers = args.workers or default_workers()
    ours: dict[int, float] = {}
    naive = None
    for n in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            paths = build_survey(root, n, args.per_unit)
            if naive is None:
                units = [f"第{i:04d}街道" for i in range(args.naive_units)]
                naive = naive_seconds(paths, units, root / "questionnaire.yaml", root)
                print(
                    "naive loop (papermill CLI + nbconvert CLI, statistics in the notebook): "
                    f"{naive:.2f} s per report "
                    f"(measured on {len(units)} units)"
                )
            start = time.perf_counter()
            results = render_all(paths.processed, paths.reports, workers=workers, force=True)
            total = time.perf_counter() - start
            assert all(r.ok for r in results), [r.error for r in results if not r.ok]
            ours[n] = total / n
            print(f"renderer, {n} units (+ overview, index, workbook), {workers} workers: {total:.1f} s, "
                  f"{ours[n]:.2f} s per report")
    for n, per in ours.items():
        print(f"throughput ratio at {n} units: {naive / per:.1f}× the naive loop")
    if len(ours) > 1:
        sizes = sorted(ours)
        print(
            "per-report cost "
            + " → ".join(f"{ours[s]:.2f} s ({s} units)" for s in sizes)
            + " (flat = linear total cost)"
        )


if __name__ == "__main__":
    main()
