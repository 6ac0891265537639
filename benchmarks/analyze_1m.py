"""Analyse 1,000,000 responses × 60 Likert items in one pass; compare with looping pingouin per unit.

Prints the wall time of the whole ``pipeline.analyze.analyze`` on synthetic data (500 units, 12
dimensions × 5 items, an overall item and one profile question) and the process's peak memory
(max RSS). Then, like for like, the unit-vs-rest tests per dimension: the one-pass
``pipeline.analyze.unit_tests`` against what a notebook-per-unit approach does, ``pingouin.ttest`` +
``compute_effsize`` of each unit vs the rest. The loop is measured on ``--loop-units`` units and scaled
linearly to all units (it is linear in the number of units); the ratio is printed. No assertions.

    .venv/bin/python benchmarks/analyze_1m.py [--rows 1000000] [--units 500] [--loop-units 20]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd


def questionnaire(units: list[str], dims: int, items: int):
    from pipeline.questionnaire import Questionnaire

    scale = ["非常不同意", "比较不同意", "一般", "比较同意", "非常同意"]
    return Questionnaire.model_validate(
        {
            "id": "bench",
            "title": "基准测试",
            "district": "测试区",
            "likert_scales": {"agree": scale},
            "profile": [
                {"id": "unit", "text": "单位", "type": "single", "role": "unit", "options": units},
                {
                    "id": "identity",
                    "text": "身份",
                    "type": "single",
                    "options": ["党员", "群众", "干部", "其他"],
                },
            ],
            "dimensions": [
                {
                    "id": f"d{d}",
                    "name": f"维度{d}",
                    "scale": "agree",
                    "items": [{"id": f"d{d}_{i}", "text": f"维度{d}题目{i}"} for i in range(items)],
                }
                for d in range(dims)
            ],
            "outcomes": [
                {"id": "overall", "text": "总体满意度", "type": "likert", "scale": "agree", "role": "overall"}
            ],
        }
    )


def synthetic(rows: int, units: list[str], dims: int, items: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit_idx = rng.integers(0, len(units), rows)
    g = rng.normal(size=rows)
    out: dict[str, object] = {
        "unit": pd.Categorical.from_codes(unit_idx, units),
        "identity": pd.Categorical.from_codes(rng.integers(0, 4, rows), ["党员", "群众", "干部", "其他"]),
    }
    thetas = []
    for d in range(dims):
        theta = 0.55 * g + 0.835 * rng.normal(size=rows) + np.where(unit_idx == d, -0.5, 0.0)
        thetas.append(theta)
        for i in range(items):
            latent = 0.8 * theta + 0.6 * rng.normal(size=rows) + 0.9
            out[f"d{d}_{i}"] = (np.digitize(latent, [-0.9, -0.2, 0.5, 1.5]) + 1).astype("float32")
    sat = 0.9 + 0.2 * sum(thetas[:3]) + 0.5 * rng.normal(size=rows)
    out["overall"] = (np.digitize(sat, [-0.9, -0.2, 0.5, 1.5]) + 1).astype("float32")
    return pd.DataFrame(out)


def loop_baseline(kept: pd.DataFrame, q, units: list[str]) -> float:
    """pingouin one unit at a time, as a notebook per unit would do it."""
    import pingouin as pg

    from pipeline.analyze.scores import dimension_scores

    start = time.perf_counter()
    scores = dimension_scores(kept, q)
    for u in units:
        mask = (kept["unit"] == u).to_numpy()
        for dim in scores.columns:
            x, y = scores.loc[mask, dim].dropna(), scores.loc[~mask, dim].dropna()
            pg.ttest(x, y, correction=True)
            pg.compute_effsize(x, y, eftype="hedges")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--dims", type=int, default=12)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--loop-units", type=int, default=20)
    args = parser.parse_args()

    from pipeline.analyze.tables import analyze
    from pipeline.clean import KEPT, audit_counts

    units = [f"单位{i:04d}街道" for i in range(args.units)]
    q = questionnaire(units, args.dims, args.items)
    t0 = time.perf_counter()
    kept = synthetic(args.rows, units, args.dims, args.items)
    audit = audit_counts(pd.DataFrame({"unit": kept["unit"].astype("string"), "status": KEPT, "rule": pd.NA}))
    print(f"data: {args.rows:,} rows × {args.dims * args.items} items, {args.units} units "
          f"(generated in {time.perf_counter() - t0:.1f} s)")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = analyze(kept, audit, q)
    seconds = time.perf_counter() - start
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"analyze, everything for all units: {seconds:.1f} s; peak RSS {rss_peak:.0f} MiB "
        f"(data in memory before: {rss_before:.0f} MiB); {len(result.unit_dimensions):,} unit×dimension and "
        f"{len(result.unit_items):,} unit×item tests, "
        f"reliability for {result.reliability['unit'].nunique()} units and the district"
    )

    from pipeline.analyze.sums import survey_sums
    from pipeline.analyze.tables import unit_tests

    start = time.perf_counter()
    unit_tests(survey_sums(kept, q).likert.scores, "dimension")
    one_pass = time.perf_counter() - start
    sample = units[: args.loop_units]
    loop = loop_baseline(kept, q, sample)
    total = loop / len(sample) * len(units)
    print(f"unit vs rest per dimension, one pass: {one_pass:.2f} s")
    print(f"unit vs rest per dimension, pingouin per unit: {loop:.1f} s for {len(sample)} units "
          f"→ {total:.0f} s for all {len(units)} units (scaled linearly)")
    print(f"ratio (pingouin loop / one pass): {total / one_pass:.0f}×")


if __name__ == "__main__":
    main()
