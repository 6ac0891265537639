"""Ingest on distinct values and the column-wise quality rules give exactly what the cell-by-cell path gave.

``slow_reference`` holds the previous, per-cell implementation (reader, formats, answers, rules). Every
export here is read both ways and compared row for row: kept rows, codes, texts, metadata, and the rule and
explanation of every rejected row; and a broken file gives the same error message both ways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from export_formats import paper, write_all
from slow_reference import files as slow_files
from slow_reference import rules as slow_rules

from pipeline.clean.rules import quality_flags
from pipeline.common.errors import SurveyError
from pipeline.common.paths import PROJECT_ROOT
from pipeline.demo import DemoSpec, demo_spec, generate_responses, plain_spec
from pipeline.ingest import ingest_file
from pipeline.questionnaire import load_questionnaire

HERE = Path(__file__).parent / "questionnaires"
SHIPPED = PROJECT_ROOT / "questionnaires"


def _same(path: Path, q) -> pd.DataFrame:
    fast = ingest_file(path, q).frame
    assert fast.pop("_note").isna().all()  # nothing cut here (the snapshot predates cutting)
    slow = slow_files.ingest_file(path, q).frame
    pd.testing.assert_frame_equal(fast, slow)
    pd.testing.assert_frame_equal(quality_flags(fast, q), slow_rules.quality_flags(slow, q))
    return fast


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory) -> list[tuple[Path, object]]:
    root = tmp_path_factory.mktemp("fast")
    out = []
    for name in ("jiceng_dangjian", "jiceng_jianfu"):
        q = load_questionnaire(SHIPPED / f"{name}.yaml")
        path = root / f"{name}.csv"
        generate_responses(q, demo_spec(q)).to_csv(path, index=False)
        out.append((path, q))
    q = load_questionnaire(HERE / "cunwu_4pt_paper.yaml")
    raw = paper(generate_responses(q, plain_spec(q, sizes={u: 35 for u in q.unit_question.options},
                                                 times=False, seed=12)), q)
    raw.to_excel(root / "cunwu.xlsx", index=False)
    out.append((root / "cunwu.xlsx", q))
    q = load_questionnaire(HERE / "shequ_zhili_7pt.yaml")
    raw = generate_responses(q, plain_spec(q, sizes={u: 40 for u in q.unit_question.options}, seed=11))
    raw.loc[raw.index[:3], "1、您居住的社区"] = "(空)"
    raw.to_excel(root / "shequ.xlsx", index=False)
    out.append((root / "shequ.xlsx", q))
    return out


def test_demo_and_own_surveys_ingest_and_flag_alike(demo_exports):
    rejected = 0
    for path, q in demo_exports:
        frame = _same(path, q)
        rejected += int(quality_flags(frame, q)["rule"].notna().sum())
    assert rejected > 50  # the demo's planted speeders, straight-liners and duplicates were compared too


def test_every_export_format_ingests_alike(tmp_path, questionnaire):
    spec = DemoSpec.small({"青山镇": ["青松村", "竹林村"], "东湖街道": ["东湖社区"]}, 25, {}, None, seed=21)
    df = generate_responses(questionnaire, spec).astype(str)
    for name, path in write_all(df, questionnaire, tmp_path).items():
        try:
            _same(path, questionnaire)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


DIRTY = {
    "unknown unit": ("1、您所在的街道（乡镇）", 7, "火星街道"),
    "bad option": ("5、您的年龄段", 3, "一百岁"),
    "bad multi part": ("18、您认为当前基层党建工作中最突出的问题是（最多选3项）", 5, "外星人"),
    "bad time": ("提交答卷时间", 9, "昨天下午"),
    "bad duration": ("所用时间", 4, "很久"),
}


@pytest.mark.parametrize("case", list(DIRTY))
def test_a_broken_cell_gives_the_same_message(case, tmp_path, questionnaire, small_raw):
    col, row, value = DIRTY[case]
    raw = small_raw.copy()
    assert col in raw.columns, col
    raw.loc[raw.index[row], col] = value
    raw.loc[raw.index[row + 20], col] = value
    path = tmp_path / "dirty.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(SurveyError) as fast:
        ingest_file(path, questionnaire)
    with pytest.raises(SurveyError) as slow:
        slow_files.ingest_file(path, questionnaire)
    assert str(fast.value) == str(slow.value)
    assert f"第{row + 2}行" in str(fast.value)


def test_answers_holding_personal_data_and_odd_cells_ingest_alike(tmp_path, questionnaire, small_raw):
    raw = small_raw.copy()
    open_col = "20、您对加强基层党组织建设有哪些意见建议？"
    raw.loc[raw.index[:8], open_col] = [
        "电话１３８１２３４５６７８",
        " 多开会 ",
        "\u200b无",
        "(空)",
        "(跳过)",
        "x@qq.com 联系",
        "好\x00的",
        "123456789012345678",
    ]
    raw.loc[raw.index[8:12], "序号"] = ["a\u200b1", "１２３４５", " 7777 ", "13812345678"]
    unit = "1、您所在的街道（乡镇）"
    raw.loc[raw.index[12:14], unit] = raw.loc[raw.index[12:14], unit].str.replace("街道", "街道办事处") + " "
    raw.loc[raw.index[14], unit] = "(空)"
    path = tmp_path / "odd.xlsx"
    raw.to_excel(path, index=False)
    _same(path, questionnaire)


def test_a_new_export_is_the_only_file_read_again(tmp_path, questionnaire, small_raw, monkeypatch):
    from pipeline.ingest import files
    from pipeline.run.stages import SurveyPaths, stage_clean

    unit = "1、您所在的街道（乡镇）"
    exports = []
    for i, (_, part) in enumerate(small_raw.groupby(unit, sort=True)):
        exports.append(tmp_path / "raw" / f"export_{i}.csv")
        exports[-1].parent.mkdir(exist_ok=True)
        part.to_csv(exports[-1], index=False)
    paths = SurveyPaths("nightly", tmp_path)
    stage_clean(exports[:2], questionnaire, paths)
    read: list[str] = []
    real = files.iter_table
    monkeypatch.setattr(files, "iter_table", lambda p, *a: (read.append(Path(p).name), real(p, *a))[1])
    counts = stage_clean(exports, questionnaire, paths)
    assert read == ["export_2.csv"]
    assert counts["rows_in"] == len(small_raw)
    folder = paths.interim / "ingested"
    cached = [json.loads(p.read_text(encoding="utf-8"))["file"] for p in folder.glob("*.json")]
    assert sorted(cached) == ["export_0.csv", "export_1.csv", "export_2.csv"]

    fresh = SurveyPaths("fresh", tmp_path)  # the same exports with no cache: the same tables
    stage_clean(exports, questionnaire, fresh)
    for table in ("responses", "audit"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(paths.interim / f"{table}.parquet"),
            pd.read_parquet(fresh.interim / f"{table}.parquet"),
        )

    read.clear()  # another questionnaire (here: a changed quality rule) reads every file again
    quality = questionnaire.quality.model_copy(update={"speeder_fraction_of_median": 0.25})
    changed = questionnaire.model_copy(update={"quality": quality})
    stage_clean(exports, changed, paths)
    assert sorted(read) == ["export_0.csv", "export_1.csv", "export_2.csv"]
