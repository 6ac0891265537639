"""Every export format users bring ingests to the same answers as the 问卷星 按文本 xlsx."""

import pandas as pd
import pytest
from export_formats import write_all

from pipeline.demo import DemoSpec, generate_responses
from pipeline.ingest import ingest_file


@pytest.fixture(scope="module")
def files(tmp_path_factory, questionnaire):
    spec = DemoSpec.small({"青山镇": ["青松村", "竹林村"], "东湖街道": ["东湖社区"]}, 25, {}, None, seed=21)
    df = generate_responses(questionnaire, spec).astype(str)
    return write_all(df, questionnaire, tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="module")
def reference(files, questionnaire):
    return ingest_file(files["wjx_text_xlsx"], questionnaire).frame


def answers(frame: pd.DataFrame, questionnaire, text: bool = True) -> pd.DataFrame:
    cols = []
    for q in questionnaire.questions:
        if q.type == "multi":
            cols += [f"{q.id}__{k}" for k in range(1, len(q.options) + 1)]
        elif q.type != "text" or text:
            cols.append(q.id)
    out = frame[cols].copy()
    for c in out.columns:
        out[c] = out[c].astype("string")
    return out.reset_index(drop=True)


@pytest.mark.parametrize(
    "name",
    [
        "wjx_code_number",
        "wjx_code_comma",
        "wjx_code_dash",
        "wjx_xls",
        "csv_gb18030",
        "csv_utf8_bom",
        "traditional",
        "tencent",
        "kobo",
        "sav",
        "paper",
    ],
)
def test_format_ingests_to_the_same_answers(name, files, reference, questionnaire):
    got = ingest_file(files[name], questionnaire)
    pd.testing.assert_frame_equal(
        answers(got.frame, questionnaire), answers(reference, questionnaire), check_dtype=False
    )
    assert len(got.frame) == len(reference)


def test_formats_are_detected(files, questionnaire):
    kinds = {
        name: ingest_file(files[name], questionnaire).format
        for name in ("wjx_code_number", "tencent", "kobo", "paper")
    }
    assert kinds == {"wjx_code_number": "wjx", "tencent": "tencent", "kobo": "kobo", "paper": "paper"}


def test_metadata_survives_where_the_platform_has_it(files, reference, questionnaire):
    tencent = ingest_file(files["tencent"], questionnaire).frame
    assert (tencent["duration_s"] == reference["duration_s"]).all()
    assert (tencent["submitted_at"] == reference["submitted_at"]).all()
    kobo = ingest_file(files["kobo"], questionnaire).frame
    assert (kobo["duration_s"] == reference["duration_s"]).all()
    paper = ingest_file(files["paper"], questionnaire).frame
    assert paper["submitted_at"].isna().all() and paper["duration_s"].isna().all()


def test_personal_columns_are_dropped_at_ingest(files, questionnaire):
    tencent = ingest_file(files["tencent"], questionnaire)
    kobo = ingest_file(files["kobo"], questionnaire)
    assert not any("昵称" in c or "地理位置" in c for c in tencent.frame.columns)
    assert (
        "phonenumber" not in kobo.frame.columns
        and not kobo.frame.astype(str).isin(["13800000000"]).any().any()
    )


@pytest.mark.parametrize("converter", ["s2t", "s2tw"])
def test_a_big5_export_reads_into_the_same_rows_as_its_utf8_twin(files, questionnaire, tmp_path, converter):
    """Big5 as Windows (cp950) and Hong Kong (HKSCS) write it, made with Python's codec: the same rows as the
    same export in UTF-8. OpenCC's "s2t" forms (裏, 羣, 衆) are outside plain Big5, which once sent such a
    file to the GB18030 decoder and a garbled header."""
    import opencc
    from export_formats import wjx_by_code

    cc = opencc.OpenCC(converter)
    df = wjx_by_code(pd.read_excel(files["wjx_text_xlsx"], dtype=str).fillna(""), questionnaire)
    df = df.map(lambda v: cc.convert(v) if not str(v).isascii() else v)
    df.columns = [cc.convert(c) for c in df.columns]
    big5 = df.to_csv(index=False).replace("爲", "為").encode("big5hkscs")  # 爲: in no Big5 table
    (tmp_path / "big5.csv").write_bytes(big5)
    (tmp_path / "utf8.csv").write_bytes(big5.decode("big5hkscs").encode("utf-8"))
    got = ingest_file(tmp_path / "big5.csv", questionnaire)
    twin = ingest_file(tmp_path / "utf8.csv", questionnaire)
    assert "文件编码：BIG5" in got.notes
    pd.testing.assert_frame_equal(got.frame.drop(columns="_file"), twin.frame.drop(columns="_file"))
    pd.testing.assert_frame_equal(answers(got.frame, questionnaire, text=False),
                                  answers(ingest_file(files["wjx_text_xlsx"], questionnaire).frame,
                                          questionnaire, text=False))
