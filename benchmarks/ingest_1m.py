"""Ingest + clean + analyze of a 1,000,000-row × 60-item 问卷星 CSV, against a bare parse of the same file.

Generates (vectorised, a few seconds) a realistic export: 序号, submit times, durations, 来源, IPs, a unit
column written several ways ("XX街道" / "XX街道办事处" / full-width), an identity question, 12 matrix
dimensions × 5 agreement items as option texts, some "(跳过)" cells, an overall item and an open answer
(mostly "无", some suggestions, some with a phone number in them); dirty rows: duplicates of other rows,
speeders and straight-liners. Then, in the same process, it times:

- ``pyarrow.csv.read_csv`` of the file (the parse cost: the baseline);
- ``survey clean`` (ingest + quality rules + audit), as the CLI runs it;
- ``survey analyze``;

and prints wall times, the peak RSS, and the ratio of ingest+clean to the bare parse. No assertions.

    .venv/bin/python benchmarks/ingest_1m.py [--rows 1000000] [--units 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

SCALE = ["非常不同意", "比较不同意", "一般", "比较同意", "非常同意"]
IDENTITY = ["党员", "群众", "干部", "其他"]
SUGGESTIONS = [
    "加强宣传",
    "多听听群众意见",
    "减少填表报数，给基层减负",
    "希望干部多下沉到小区",
    "物业管理需要加强",
    "停车难问题希望解决",
    "老旧小区改造要加快",
]


COMMUNITIES = 8  # per unit, with a declared design: the clusters


def questionnaire_yaml(units: list[str], dims: int, items: int, design: bool = False) -> dict:
    """The benchmark questionnaire; with ``design``, a community question (the clusters), a weight column and
    the design (weights, units as strata, communities as clusters)."""
    out = _questionnaire(units, dims, items)
    if design:
        out["outcomes"] += [
            {"id": "community", "number": 5 + dims, "text": "您所在的社区（村）", "type": "text",
             "role": "community"},
            {"id": "weight", "number": 6 + dims, "text": "权重", "type": "number", "min": 0},
        ]
        out["design"] = {"weight": "weight", "strata": "unit"}
    return out


def _questionnaire(units: list[str], dims: int, items: int) -> dict:
    return {
        "id": "bench",
        "title": "基准测试调查",
        "district": "测试区",
        "likert_scales": {"agree": SCALE},
        "profile": [
            {
                "id": "unit",
                "number": 1,
                "text": "您所在的街道（乡镇）",
                "type": "single",
                "role": "unit",
                "options": units,
            },
            {
                "id": "identity",
                "number": 2,
                "text": "您的身份",
                "type": "single",
                "label": "身份",
                "options": IDENTITY,
            },
        ],
        "dimensions": [
            {
                "id": f"d{d}",
                "name": f"维度{d}",
                "scale": "agree",
                "number": 3 + d,
                "text": f"关于维度{d}",
                "items": [{"id": f"d{d}_{i}", "text": f"维度{d}的第{i}个说法"} for i in range(items)],
            }
            for d in range(dims)
        ],
        "outcomes": [
            {
                "id": "overall",
                "number": 3 + dims,
                "text": "总体满意度",
                "type": "likert",
                "scale": "agree",
                "role": "overall",
            },
            {
                "id": "advice",
                "number": 4 + dims,
                "text": "您有什么意见建议？",
                "type": "text",
                "role": "open",
            },
        ],
    }


def _pick(options: list[str], codes: np.ndarray) -> pa.Array:
    """Option texts by 0-based code, as an arrow string array (built from a dictionary: fast)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(options)).cast(
        pa.string()
    )


def generate(path: Path, rows: int, units: list[str], dims: int, items: int, seed: int = 1,
             chunk: int = 1_000_000, design: bool = False) -> None:
    """The export, ``chunk`` rows at a time (each from its own seed; 序号 run on): memory holds one chunk."""
    first = export_table(min(rows, chunk), units, dims, items, seed, 1, design)
    with pacsv.CSVWriter(path, first.schema) as out:
        out.write_table(first)
        for i, start in enumerate(range(chunk, rows, chunk), start=1):
            out.write_table(export_table(min(chunk, rows - start), units, dims, items, seed + i, start + 1,
                                         design))


def export_table(rows: int, units: list[str], dims: int, items: int, seed: int, first: int,
                 design: bool = False) -> pa.Table:
    """``rows`` rows of the export, their 序号 from ``first`` (with ``design``: each row's community and
    weight, drawn from their own seed, after the rest)."""
    rng = np.random.default_rng(seed)
    unit_idx = rng.integers(0, len(units), rows)
    spelled = units + [u.replace("街道", "街道办事处") for u in units] + [u + " " for u in units]
    spelling = unit_idx + len(units) * rng.choice(3, rows, p=[0.9, 0.07, 0.03])
    g = rng.normal(size=rows)
    cols: dict[str, pa.Array] = {
        "序号": pa.array(np.arange(first, first + rows).astype(str)),
        "提交答卷时间": _pick(
            [
                f"2026/3/{d} {h}:{m:02d}:{s:02d}"
                for d in range(1, 29)
                for h in (9, 14, 20)
                for m in (3, 17, 41)
                for s in (5, 30)
            ],
            rng.integers(0, 28 * 18, rows),
        ),
        "所用时间": pa.array(np.char.add(rng.integers(150, 900, rows).astype(str), "秒")),
        "来源": _pick(["微信", "手机提交", "链接"], rng.integers(0, 3, rows)),
        "来自IP": _pick(
            [f"10.{a}.{b}.{c}(某省-某市)" for a in range(4) for b in range(16) for c in range(16)],
            rng.integers(0, 1024, rows),
        ),
        "1、您所在的街道（乡镇）": _pick(spelled, spelling),
        "2、您的身份": _pick(IDENTITY, rng.integers(0, 4, rows)),
    }
    speeder = rng.random(rows) < 0.02
    straight = rng.random(rows) < 0.01
    cols["所用时间"] = pa.array(
        np.where(speeder, "20秒", np.asarray(cols["所用时间"].to_pylist(), dtype=object))
    )
    for d in range(dims):
        theta = 0.55 * g + 0.835 * rng.normal(size=rows) + np.where(unit_idx % dims == d, -0.4, 0.0)
        for i in range(items):
            latent = 0.8 * theta + 0.6 * rng.normal(size=rows) + 0.9
            code = np.digitize(latent, [-0.9, -0.2, 0.5, 1.5])
            code = np.where(straight, 4, code)
            options = SCALE + ["(跳过)"]
            code = np.where(rng.random(rows) < 0.003, 5, code)
            cols[f"{3 + d}、(维度{d}的第{i}个说法)"] = _pick(options, code)
    cols[f"{3 + dims}、总体满意度"] = _pick(
        SCALE, np.digitize(0.9 + 0.3 * g + 0.5 * rng.normal(size=rows), [-0.9, -0.2, 0.5, 1.5])
    )
    advice = ["无", "没有", "", *SUGGESTIONS, "请联系我13812345678", "好"]
    p = np.array([0.45, 0.15, 0.2] + [0.025] * len(SUGGESTIONS) + [0.005, 0.02])
    cols[f"{4 + dims}、您有什么意见建议？"] = _pick(advice, rng.choice(len(advice), rows, p=p / p.sum()))
    if design:
        own = np.random.default_rng(seed + 100_000)
        cols[f"{5 + dims}、您所在的社区（村）"] = _pick([f"第{k}社区" for k in range(COMMUNITIES)],
                                                  own.integers(0, COMMUNITIES, rows))
        cols[f"{6 + dims}、权重"] = pa.array(np.round(own.uniform(0.5, 2.0, rows), 3).astype(str))
    table = pa.table(cols)
    dup = np.flatnonzero(rng.random(rows) < 0.01)
    if len(dup):  # duplicates: another row's answers under a new 序号
        src = rng.integers(0, rows, len(dup))
        idx = np.arange(rows)
        idx[dup] = src
        answers = table.drop_columns(["序号"]).take(pa.array(idx))
        table = answers.add_column(0, "序号", table["序号"])
    return table


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--dims", type=int, default=12)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()

    from pipeline.cli import main as survey

    root = args.keep or Path(tempfile.mkdtemp(prefix="ingest_1m_"))
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "questionnaires").mkdir(exist_ok=True)
    units = [f"第{i:03d}街道" for i in range(args.units)]
    qfile = root / "questionnaires" / "bench.yaml"
    qfile.write_text(
        yaml.safe_dump(questionnaire_yaml(units, args.dims, args.items), allow_unicode=True), encoding="utf-8"
    )
    export = root / "data" / "raw" / "bench_wjx.csv"
    t0 = time.perf_counter()
    generate(export, args.rows, units, args.dims, args.items)
    print(
        f"generated {args.rows:,} rows × {args.dims * args.items} items "
        f"({export.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    parsed = pacsv.read_csv(export, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    parse = time.perf_counter() - t0
    del parsed
    print(f"bare pyarrow.csv.read_csv: {parse:.2f} s")

    common = ["--root", str(root), "--survey", "bench", "-q", str(qfile)]
    t0 = time.perf_counter()
    code = survey(["clean", "-i", str(export), *common])
    clean = time.perf_counter() - t0
    print(
        f"survey clean (ingest + rules + audit): {clean:.1f} s, exit {code}; "
        f"peak RSS so far {rss_mib():.0f} MiB"
    )
    t0 = time.perf_counter()
    code = survey(["analyze", *common])
    analyze = time.perf_counter() - t0
    print(f"survey analyze: {analyze:.1f} s, exit {code}; peak RSS {rss_mib():.0f} MiB")
    print(
        f"ratio ingest+clean / bare parse: {clean / parse:.1f}×; "
        f"ingest+clean+analyze: {clean + analyze:.1f} s"
    )
    if args.keep is None:
        print(f"(work folder {root} left for inspection; delete it when done)", file=sys.stderr)


if __name__ == "__main__":
    main()
