"""The block-by-block xlsx reader gives every cell the text the whole-sheet reader gives (python-calamine
through pandas, ``dtype=str``): dates, times and durations by number format, numbers, formulas' cached
values, merged and empty cells, 繁体, shared, rich and inline strings, both date systems; in its fast path
(one regular expression) and in its lxml path alike; and an export read either way is read the same."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from pipeline.ingest import xlsx_cells
from pipeline.ingest.readers import iter_table, read_table
from pipeline.ingest.xlsx_cells import custom_format, read_book, sheet_grids


def whole(path: Path) -> pd.DataFrame:
    """Today's reader: every cell as python-calamine and pandas give it (None where empty)."""
    df = pd.read_excel(path, dtype=str, header=None, engine="calamine")
    return df.astype(object).where(df.notna(), None)


def streamed(path: Path, member: str = "xl/worksheets/sheet1.xml", rows: int = 3) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        grids = list(sheet_grids(archive, member, read_book(archive), rows))
    df = pd.concat(grids)
    return df.astype(object).where(df.notna(), None)


def assert_same_cells(path: Path) -> int:
    """Both readers' cells, compared one by one; how many non-empty cells there are."""
    a, b = whole(path), streamed(path)
    b = b.reindex(index=a.index, columns=a.columns)
    b = b.astype(object).where(b.notna(), None)
    different = [(r, c, a.iat[r, c], b.iat[r, c]) for r in range(a.shape[0]) for c in range(a.shape[1])
                 if a.iat[r, c] != b.iat[r, c]]
    assert not different, different[:10]
    return int(a.notna().to_numpy().sum())


def written_workbook(path: Path) -> Path:
    """A workbook as xlsxwriter writes it (shared strings, styles): every kind of value an export has."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("答卷")
    formats = {code: wb.add_format({"num_format": code}) for code in (
        "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm", "[h]:mm:ss", 'yyyy"年"m"月"d"日"', "0.00", "0%",
        "m/d/yy h:mm", '"Y: "0.00', "@")}
    builtin14 = wb.add_format({"num_format": 14})
    ws.write_row(0, 0, ["序号", "提交答卷时间", "所用时间", "来源", "1、您所在的街道", "2、评分", "3、建议"])
    ws.write_number(1, 0, 1)
    ws.write_datetime(1, 1, datetime(2024, 1, 5, 10, 3, 0), formats["yyyy-mm-dd hh:mm:ss"])
    ws.write_datetime(1, 2, timedelta(hours=1, minutes=2, seconds=3), formats["[h]:mm:ss"])
    ws.write_string(1, 3, "手機提交")
    ws.write_string(1, 4, "新華街道")  # 繁体
    ws.write_number(1, 5, 0.1 + 0.2)
    ws.write_string(1, 6, "  前後有空格  ")
    ws.write_number(2, 0, 2)
    ws.write_datetime(2, 1, date(2024, 2, 29), formats["yyyy-mm-dd"])
    ws.write_datetime(2, 2, time(10, 3, 30), formats["hh:mm"])
    ws.write_string(2, 3, "NA")  # pandas' NA word: empty in both
    ws.write_number(2, 4, 1e20)
    ws.write_number(2, 5, -3)
    ws.write_rich_string(2, 6, "加强", wb.add_format({"bold": True}), "宣传", "工作")
    ws.write_number(3, 0, 3)
    ws.write_datetime(3, 1, datetime(2024, 3, 1, 8, 0, 0, 500000), formats["m/d/yy h:mm"])
    ws.write_number(3, 2, 45000, builtin14)
    ws.write_boolean(3, 3, True)
    ws.write_formula(3, 4, "=1+1", None, 2)  # a formula with its cached value
    ws.write_formula(3, 5, '="乙"&"丙"', None, "乙丙")
    ws.write_string(3, 6, "第一行\n第二行\r第三行")
    ws.merge_range(4, 0, 4, 2, "合併單元格")
    ws.write_number(4, 3, 0.25, formats["0%"])
    ws.write_number(4, 4, 1234567890123, formats["0.00"])
    ws.write_number(4, 5, 7.5, formats['"Y: "0.00'])
    ws.write_string(4, 6, "null")
    ws.write_number(6, 0, 1e-7)  # a blank row above
    ws.write_string(6, 1, "")
    ws.write_number(6, 2, 45000.75, formats["yyyy-mm-dd hh:mm:ss"])
    ws.write_formula(6, 3, "=1/0", None, "#DIV/0!")
    ws.write_string(6, 4, "12", formats["@"])
    ws.write_boolean(6, 5, False)
    ws.write_string(6, 9, "遠處的單元格")
    wb.close()
    return path


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def crafted_workbook(path: Path, rows: str, strings: list[str], date1904: bool = False,
                     prefix: str = "") -> Path:
    """A workbook written by hand: ``rows`` is the XML inside ``sheetData`` (inline strings, odd layouts)."""
    p = f"{prefix}:" if prefix else ""
    ns = MAIN.replace("xmlns=", f"xmlns:{prefix}=") if prefix else MAIN
    styles = (f'<styleSheet {MAIN}><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
              '<numFmt numFmtId="165" formatCode="[mm]:ss"/></numFmts><cellXfs count="5">'
              '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/>'
              '<xf numFmtId="2"/>'
              "</cellXfs></styleSheet>")
    sst = "".join(f"<si>{s}</si>" for s in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
                   'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                   'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   f'<?xml version="1.0"?><workbook {MAIN} xmlns:r="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships"><workbookPr date1904="{int(date1904)}"/><sheets>'
                   '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://'
                   'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                   'Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/styles.xml", f'<?xml version="1.0"?>{styles}')
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {MAIN}>{sst}</sst>')
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<?xml version="1.0"?><{p}worksheet {ns}><{p}sheetData>{rows}</{p}sheetData>'
                   f"</{p}worksheet>")
    return path


STRINGS = ["甲", "  留白  ", '<t xml:space="preserve">  保留  </t>', "<r><t>富</t></r><r><t>文本</t></r>",
           "<t>臺灣</t><rPh sb=\"0\" eb=\"1\"><t>たいわん</t></rPh>", "<t>换行_x000D_符</t>",
           "<t>&amp;&lt;</t>", "<t/>"]
ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>行内</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t xml:space="preserve"> 行内留白 </t></is></c>'
    '<c r="C2" t="inlineStr"><is><r><t>富</t></r><r><t>行内</t></r></is></c>'
    '<c r="D2" t="str"><v>公式&amp;文本</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#N/A</v></c>'
    '<c r="G2" t="s"><v>6</v></c><c r="H2" t="s"><v>7</v></c></row>'
    '<row r="3"><c r="A3" s="1"><v>45296</v></c><c r="B3" s="2"><v>0.5</v></c><c r="C3" s="3"><v>45296.25</v>'
    '</c><c r="D3" s="4"><v>3.14159</v></c><c r="E3"><v>1E3</v></c><c r="F3" t="d"><v>2024-01-05T10:00:00</v>'
    '</c><c r="G3" t="d"><v>2024-01-05</v></c><c r="H3" s="3"><v>0.75</v></c></row>'
    '<row r="5"><c r="A5"><f>1+1</f><v>2</v></c><c r="B5" t="str"><f>"a"</f><v>a</v></c><c r="C5"><v></v></c>'
    '<c r="D5" t="s"/><c r="E5" t="inlineStr"><is><t>&#x4E2D;文</t></is></c><c r="F5"><v>-0.0</v></c>'
    '<c r="G5" s="1"><v>59</v></c><c r="H5" s="1"><v>61</v></c></row>'
)


def test_custom_number_formats_are_read_as_calamine_reads_them():
    assert custom_format("yyyy-mm-dd") is xlsx_cells.Format.DATETIME
    assert custom_format("[h]:mm:ss") is xlsx_cells.Format.DURATION
    assert custom_format('"Y: "0.00') is xlsx_cells.Format.OTHER
    assert custom_format('0_ ;[Red]\\-0\\ ') is xlsx_cells.Format.OTHER
    assert custom_format("h:mm AM/PM") is xlsx_cells.Format.DATETIME
    assert custom_format('yyyy"年"m"月"d"日"') is xlsx_cells.Format.DATETIME


def test_a_written_workbook_reads_cell_by_cell_as_the_whole_sheet_reader(tmp_path):
    path = written_workbook(tmp_path / "写出.xlsx")
    assert assert_same_cells(path) >= 30
    cells = streamed(path)
    assert cells.iat[1, 4] == "新華街道" and cells.iat[2, 4] == "100000000000000000000"
    assert cells.iat[1, 1] == "2024-01-05 10:03:00" and cells.iat[3, 4] == "2"  # a formula's cached value
    assert cells.iat[4, 0] == "合併單元格" and cells.iat[4, 1] is None  # merged: the first cell holds it
    assert cells.iat[2, 3] is None and cells.iat[5, 0] is None  # "NA", and the blank row


@pytest.mark.parametrize("path_taken", ["fast", "lxml"])
@pytest.mark.parametrize("date1904", [False, True])
def test_a_crafted_workbook_reads_the_same_by_either_path(tmp_path, monkeypatch, path_taken, date1904):
    """Inline and rich strings, phonetic runs, escapes, entities, ISO dates, errors, formulas, empty values,
    the 1904 date system — through the regular expression and through lxml."""
    if path_taken == "lxml":
        monkeypatch.setattr(xlsx_cells.SheetCells, "_cells", lambda self, body: self._parsed(body))
    path = crafted_workbook(tmp_path / "手写.xlsx", ROWS, STRINGS, date1904)
    assert assert_same_cells(path) == 24
    cells = streamed(path)
    assert cells.iat[0, 4] == "臺灣" and cells.iat[1, 2] == "富行内" and cells.iat[1, 1] == " 行内留白 "


def test_layouts_the_expression_does_not_know_are_read_by_lxml(tmp_path):
    """Attributes in another order, cells without positions, a namespace prefix, CDATA: the same cells."""
    odd = ('<x:row r="1"><x:c t="s" r="A1"><x:v>0</x:v></x:c><x:c><x:v>7</x:v></x:c>'
           '<x:c r="D1" t="inlineStr"><x:is><x:t><![CDATA[<标签>]]></x:t></x:is></x:c></x:row>'
           '<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="B2" s="1"><x:v>45296</x:v></x:c>'
           "</x:row>")
    path = crafted_workbook(tmp_path / "前缀.xlsx", odd, STRINGS, prefix="x")
    assert assert_same_cells(path) == 4
    assert streamed(path).iat[0, 3] == "<标签>" and streamed(path).iat[0, 1] == "7"


def test_a_block_boundary_inside_the_sheet_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_cells, "BLOCK_BYTES", 97)  # blocks end mid-row, mid-cell, mid-tag
    path = written_workbook(tmp_path / "小块.xlsx")
    assert_same_cells(path)
    assert_same_cells(crafted_workbook(tmp_path / "手写.xlsx", ROWS, STRINGS))


def _export(path: Path, rows: int) -> Path:
    """A 问卷星-like export: a title row, the header, ``rows`` answers, a second sheet with its header."""
    wb = xlsxwriter.Workbook(str(path))
    header = ["序号", "提交答卷时间", "所用时间", "1、您所在的街道", "2、您的身份", "3、满意度", "4、建议"]
    for sheet, offset in (("新华街道", 0), ("石桥乡", rows)):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, ["示范区调查问卷"])
        ws.write_row(1, 0, header)
        stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for i in range(rows):
            ws.write_number(i + 2, 0, offset + i + 1)
            ws.write_datetime(i + 2, 1, datetime(2024, 5, 1) + timedelta(minutes=7 * i), stamp)
            ws.write_string(i + 2, 2, f"{100 + i % 50}秒")
            ws.write_string(i + 2, 3, sheet)
            ws.write_string(i + 2, 4, ["党员", "群众", "干部"][i % 3])
            ws.write_number(i + 2, 5, 1 + i % 5)
            ws.write_string(i + 2, 6, "无" if i % 4 else f"建议{i}")
    wb.add_worksheet("隐藏").hide()
    wb.close()
    return path


def test_an_export_read_in_parts_equals_the_export_read_whole(tmp_path, monkeypatch):
    """Title row skipped, two sheets with the same header read together, a hidden sheet left out: the same
    rows, row numbers, sheets and notes, read whole and read block by block in parts of 40 rows."""
    path = _export(tmp_path / "问卷星.xlsx", 150)
    before = read_table(path)
    monkeypatch.setenv("SURVEY_XLSX_STREAM_BYTES", "0")
    monkeypatch.setattr("pipeline.ingest.sheets.GRID_ROWS", 40)
    monkeypatch.setattr(xlsx_cells, "BLOCK_BYTES", 2000)
    parts = list(iter_table(path))
    assert len(parts) > 4 and {p.sheet for p in parts} == {"新华街道", "石桥乡"}
    for sheet, expected in ((before.sheet, before), (before.more[0].sheet, before.more[0])):
        got = pd.concat([p.frame for p in parts if p.sheet == sheet])
        pd.testing.assert_frame_equal(got, expected.frame)
    assert [n for p in parts for n in p.notes] == before.notes + before.more[0].notes
    assert read_table(path).frame.equals(before.frame)


def test_a_workbook_beyond_the_whole_read_limit_is_read_in_parts(tmp_path, monkeypatch):
    """The 1 GiB refusal is for zip bombs: a workbook over the whole-read limit is read block by block."""
    path = _export(tmp_path / "大.xlsx", 300)
    monkeypatch.setattr("pipeline.ingest.readers.MAX_UNPACKED_BYTES", 1 << 10)
    monkeypatch.setenv("SURVEY_XLSX_STREAM_BYTES", "1024")
    rows = sum(len(p.frame) for p in iter_table(path))
    assert rows == 600
    assert np.array_equal(read_table(path).frame.index.to_numpy(), np.arange(3, 303))
