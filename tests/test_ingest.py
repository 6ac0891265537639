import pandas as pd
import pytest

from pipeline.common.errors import SurveyError
from pipeline.common.matching import fold as normalize_text
from pipeline.ingest import ingest_file, ingest_frame

UNIT_COL = "1、您所在的街道（乡镇）"
MULTI_COL = "18、您认为当前基层党建工作中最突出的问题是（最多选3项）"


def test_codes_skips_and_multi_select(small_raw, questionnaire):
    raw = small_raw.head(6).copy()
    raw.loc[0, "8、(所在党组织书记切实履行抓党建“第一责任人”职责)"] = "比较同意"
    raw.loc[1, "8、(所在党组织书记切实履行抓党建“第一责任人”职责)"] = "（跳过）"  # full-width form
    raw.loc[0, MULTI_COL] = "组织生活流于形式┋其他〖办公用房紧张〗"
    raw.loc[0, "19、过去一年，您参加“三会一课”的次数"] = "12"
    raw.loc[1, "19、过去一年，您参加“三会一课”的次数"] = "(跳过)"
    f = ingest_frame(raw, questionnaire, "x.xlsx").frame
    assert f.loc[0, "resp_1"] == 4 and pd.isna(f.loc[1, "resp_1"])
    assert (
        bool(f.loc[0, "problems__2"]) and bool(f.loc[0, "problems__9"]) and not bool(f.loc[0, "problems__1"])
    )
    assert f.loc[0, "problems__other_text"] == "办公用房紧张"
    assert f.loc[0, "meetings"] == 12 and pd.isna(f.loc[1, "meetings"])
    assert list(f["_row"]) == [2, 3, 4, 5, 6, 7]
    assert f["unit"].cat.categories.tolist() == questionnaire.unit_question.options
    assert f.loc[0, "duration_s"] == float(raw.loc[0, "所用时间"].rstrip("秒"))


def test_headers_tolerate_spaces_and_full_width(small_raw, questionnaire):
    raw = small_raw.head(3).rename(
        columns={UNIT_COL: "1、 您所在的街道(乡镇) ", "4、您的性别": "4. 您的性别"}
    )
    f = ingest_frame(raw, questionnaire, "x.xlsx").frame
    assert f["unit"].notna().all() and f["gender"].notna().all()


def test_unknown_option_names_row_and_column(small_raw, questionnaire):
    raw = small_raw.head(5).copy()
    raw.loc[3, "4、您的性别"] = "未知"
    with pytest.raises(SurveyError) as err:
        ingest_frame(raw, questionnaire, "wjx.xlsx")
    msg = str(err.value)
    assert (
        "wjx.xlsx" in msg and "第5行" in msg and "4、您的性别" in msg and "“未知”" in msg and "男、女" in msg
    )


def test_missing_columns_are_listed_together(small_raw, questionnaire):
    raw = small_raw.head(3).drop(columns=["4、您的性别", "所用时间"])
    with pytest.raises(SurveyError) as err:
        ingest_frame(raw, questionnaire, "wjx.xlsx")
    msg = str(err.value)
    assert "所用时间" in msg and "4、您的性别（gender）" in msg


def test_duplicated_serial_number(small_raw, questionnaire):
    raw = small_raw.head(4).copy()
    raw.loc[2, "序号"] = raw.loc[0, "序号"]
    with pytest.raises(SurveyError, match="第4行.*序号"):
        ingest_frame(raw, questionnaire, "wjx.xlsx")


def test_number_out_of_range_rejects_the_row_not_the_file(small_raw, questionnaire):
    from pipeline.clean import RULE_INVALID, clean

    raw = small_raw.head(4).copy()
    member = raw.index[raw["3、您的身份"] == "党员"][0]
    raw.loc[member, "19、过去一年，您参加“三会一课”的次数"] = "500"
    frame = ingest_frame(raw, questionnaire, "wjx.xlsx").frame
    assert (
        pd.isna(frame.loc[member, "meetings"]) and "的答案不是0–100之间的数字" in frame.loc[member, "_issue"]
    )
    audit = clean(frame, questionnaire).audit
    assert audit.loc[member, "rule"] == RULE_INVALID and "0–100" in audit.loc[member, "detail"]
    assert "500" not in audit.loc[member, "detail"]  # the raw answer is never copied into an explanation


def test_reads_xlsx_and_gbk_csv_alike(small_raw, questionnaire, tmp_path):
    raw = small_raw.head(10)
    raw.to_excel(tmp_path / "a.xlsx", index=False)
    raw.to_csv(tmp_path / "a.csv", index=False, encoding="gb18030")
    a = ingest_file(tmp_path / "a.xlsx", questionnaire).frame.drop(columns="_file")
    b = ingest_file(tmp_path / "a.csv", questionnaire).frame.drop(columns="_file")
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    said = raw["20、您对加强基层党组织建设有哪些意见建议？"]
    real = said != "(空)"
    assert (
        a.loc[real.to_numpy(), "suggestion"].tolist() == said[real].tolist()
    )  # kept as written, full-width punctuation too
    assert a.loc[~real.to_numpy(), "suggestion"].isna().all()


def test_empty_and_header_only_files(small_raw, questionnaire, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SurveyError, match="empty.csv.*空"):
        ingest_file(tmp_path / "empty.csv", questionnaire)
    small_raw.head(0).to_excel(tmp_path / "head.xlsx", index=False)
    with pytest.raises(SurveyError, match="只有表头"):
        ingest_file(tmp_path / "head.xlsx", questionnaire)
    (tmp_path / "x.xlsx").write_text("not a workbook")
    with pytest.raises(SurveyError, match="x.xlsx.*内容不是Excel表格"):
        ingest_file(tmp_path / "x.xlsx", questionnaire)


def test_normalize_text():
    assert normalize_text("3、性别 ") == normalize_text("3，性别")
    assert normalize_text("社区（村）干部") == normalize_text("社区(村)干部")
