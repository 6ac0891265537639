"""The demo survey in every export format users bring, for fixtures and tests.

All are derived from one 问卷星 "按文本" frame (``pipeline.demo.generate_responses``), so every format
must ingest to the same answers: 问卷星 按序号 (0/1 columns per multi-select option, −3 for skipped,
Likert rows in the three matrix header forms), legacy .xls, CSV in GB18030 or UTF-8 with BOM,
traditional characters, 腾讯问卷 CSV, KoboToolbox CSV, SPSS .sav and paper entry with option codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.demo import EMPTY, SKIPPED
from pipeline.ingest.formats import MULTI_SEP
from pipeline.ingest.formats import export_header as _header
from pipeline.questionnaire import Question, Questionnaire


def _code(q: Question, value: str, skipped: str = "-3", empty: str = "") -> str:
    if value == SKIPPED:
        return skipped
    if value in (EMPTY, ""):
        return empty
    return str(q.options.index(value) + 1)


def _chosen(value: str) -> set[str]:
    if value in (SKIPPED, EMPTY, ""):
        return set()
    return {p.split("〖")[0] for p in value.split(MULTI_SEP)}


def wjx_by_code(df: pd.DataFrame, q: Questionnaire, matrix: str = "number") -> pd.DataFrame:
    """问卷星 按序号: codes; multi-select as 0/1 columns; Likert headers in one of the matrix forms.

    ``matrix``: "number" → "第N题(行)"; "comma" → "N、(行)"; "dash" → "题干—行1" then bare row texts.
    """
    out = df[["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]].copy()
    first_in_dim = {d.items[0].id: d.text or d.name for d in q.dimensions}
    for qq in q.questions:
        col = df[_header(qq)]
        if qq.type in ("single", "likert"):
            codes = col.map(lambda v, qq=qq: _code(qq, v))
            if qq.dimension:
                if matrix == "number":
                    name = f"第{qq.number}题({qq.text})"
                elif matrix == "comma":
                    name = f"{qq.number}、({qq.text})"
                else:
                    name = f"{first_in_dim[qq.id]}—{qq.text}" if qq.id in first_in_dim else qq.text
                out[name] = codes
            else:
                out[_header(qq)] = codes
        elif qq.type == "multi":
            for opt in qq.options:
                name = f"{qq.number}、({opt})" if matrix != "number" else f"第{qq.number}题({opt})"
                out[name] = col.map(
                    lambda v, opt=opt: "-3" if v == SKIPPED else ("1" if opt in _chosen(v) else "0")
                )
        elif qq.type == "number":
            out[_header(qq)] = col.map(lambda v: "-3" if v == SKIPPED else v)
        else:
            out[_header(qq)] = col
    return out


def tencent(df: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """腾讯问卷 CSV: 编号/开始答题时间/结束答题时间/答题时长, "N.题干" headers, one column per option."""
    end = pd.to_datetime(df["提交答卷时间"], format="mixed")
    secs = df["所用时间"].str.rstrip("秒").astype(int)
    out = pd.DataFrame(
        {
            "编号": df["序号"],
            "开始答题时间": (end - pd.to_timedelta(secs, unit="s")).dt.strftime("%d-%b-%Y %H:%M:%S"),
            "结束答题时间": end.dt.strftime("%d-%b-%Y %H:%M:%S"),
            "答题时长": secs.astype(str),
            "地理位置国家和地区": "中国",
            "地理位置省": "江苏",
            "地理位置市": "南京",
            "自定义字段": "",
            "昵称": "微信用户" + df["序号"].astype(str),
            "IP": df["来自IP"].str.extract(r"^([\d.]+)")[0],
        }
    )
    for qq in q.questions:
        col = df[_header(qq)].replace({SKIPPED: "", EMPTY: ""})
        if qq.type == "multi":
            for opt in qq.options:
                out[f"{qq.number}.{qq.text}:{opt}"] = df[_header(qq)].map(
                    lambda v, opt=opt: opt if opt in _chosen(v) else ""
                )
        else:
            out[f"{qq.number}.{qq.text}"] = col
    return out


def kobo(df: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """KoboToolbox CSV (XML values): group paths, codes, select_multiple as "q" and "q/choice" 0/1 columns."""
    end = pd.to_datetime(df["提交答卷时间"], format="mixed")
    secs = df["所用时间"].str.rstrip("秒").astype(int)
    out = pd.DataFrame({
        "start": (end - pd.to_timedelta(secs, unit="s")).dt.strftime("%Y-%m-%dT%H:%M:%S.000+08:00"),
        "end": end.dt.strftime("%Y-%m-%dT%H:%M:%S.000+08:00"), "phonenumber": "13800000000",
    })
    for qq in q.questions:
        group = "profile" if qq in q.profile else ("likert" if qq.dimension else "outcomes")
        col = df[_header(qq)]
        if qq.type in ("single", "likert"):
            out[f"{group}/{qq.id}"] = col.map(lambda v, qq=qq: _code(qq, v, skipped="", empty=""))
        elif qq.type == "multi":
            out[f"{group}/{qq.id}"] = col.map(
                lambda v, qq=qq: " ".join(str(qq.options.index(o) + 1) for o in qq.options if o in _chosen(v))
            )
            for k, opt in enumerate(qq.options, start=1):
                out[f"{group}/{qq.id}/{k}"] = col.map(
                    lambda v, opt=opt: "" if v in (SKIPPED, EMPTY) else ("1" if opt in _chosen(v) else "0")
                )
        else:
            out[f"{group}/{qq.id}"] = col.replace({SKIPPED: "", EMPTY: ""})
    out["_id"] = range(1, len(df) + 1)
    out["_uuid"] = [f"uuid-{int(i):06d}" for i in df["序号"]]
    out["_submission_time"] = end.dt.strftime("%Y-%m-%dT%H:%M:%S")
    out["_index"] = range(1, len(df) + 1)
    return out


def paper(df: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Typed in from paper questionnaires: question ids as headers, option codes, multi-select as "1,3"."""
    out = pd.DataFrame({"序号": df["序号"]})
    for qq in q.questions:
        col = df[_header(qq)]
        if qq.type in ("single", "likert"):
            out[qq.id] = col.map(lambda v, qq=qq: _code(qq, v, skipped="", empty=""))
        elif qq.type == "multi":
            out[qq.id] = col.map(
                lambda v, qq=qq: ",".join(str(qq.options.index(o) + 1) for o in qq.options if o in _chosen(v))
            )
        else:
            out[qq.id] = col.replace({SKIPPED: "", EMPTY: ""})
    return out


def traditional(df: pd.DataFrame) -> pd.DataFrame:
    """The same export with traditional characters in headers and cells (as some regions send)."""
    import opencc

    cc = opencc.OpenCC("s2t")
    out = df.astype(str).map(lambda v: cc.convert(v) if not v.isascii() else v)
    out.columns = [cc.convert(c) for c in df.columns]
    return out


def write_xls(df: pd.DataFrame, path: Path) -> Path:
    """A legacy BIFF .xls, as older 问卷星 downloads were."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for j, col in enumerate(df.columns):
        sheet.write(0, j, str(col))
    for i, row in enumerate(df.astype(str).itertuples(index=False), start=1):
        for j, v in enumerate(row):
            sheet.write(i, j, v)
    book.save(str(path))
    return path


def write_sav(df: pd.DataFrame, q: Questionnaire, path: Path) -> Path:
    """SPSS .sav from 问卷星 按序号 data: numeric codes with value labels, "N、题干" variable labels."""
    import pyreadstat

    coded = wjx_by_code(df, q, matrix="comma")
    data, labels, value_labels = {}, [], {}
    for i, col in enumerate(coded.columns):
        name = f"V{i + 1}"
        values = coded[col]
        numeric = pd.to_numeric(values.replace({"-3": None, "": None}), errors="coerce")
        qq = _question_for(col, q)
        if qq is not None and qq.type in ("single", "likert") and numeric.notna().any():
            data[name] = numeric
            value_labels[name] = {float(k): o for k, o in enumerate(qq.options, start=1)}
        elif col in ("序号", "所用时间") or (values.str.fullmatch(r"-?\d+").all()):
            data[name] = pd.to_numeric(values.str.rstrip("秒"), errors="coerce")
        else:
            data[name] = values.astype(str)
        labels.append(col)
    pyreadstat.write_sav(
        pd.DataFrame(data), str(path), column_labels=labels, variable_value_labels=value_labels
    )
    return path


def _question_for(header: str, q: Questionnaire) -> Question | None:
    for qq in q.questions:
        if header == _header(qq):
            return qq
    return None


def write_all(df: pd.DataFrame, q: Questionnaire, directory: Path) -> dict[str, Path]:
    """Every format of the same responses, written into ``directory``; returns name → path."""
    directory.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    out["wjx_text_xlsx"] = directory / "wjx_按文本.xlsx"
    df.to_excel(out["wjx_text_xlsx"], index=False)
    for style in ("number", "comma", "dash"):
        path = directory / f"wjx_按序号_{style}.xlsx"
        wjx_by_code(df, q, style).to_excel(path, index=False)
        out[f"wjx_code_{style}"] = path
    out["wjx_xls"] = write_xls(df, directory / "1234_1_0.xls")
    out["csv_gb18030"] = directory / "wjx_gbk.csv"
    df.to_csv(out["csv_gb18030"], index=False, encoding="gb18030")
    out["csv_utf8_bom"] = directory / "wjx_utf8.csv"
    df.to_csv(out["csv_utf8_bom"], index=False, encoding="utf-8-sig")
    out["traditional"] = directory / "wjx_繁體.xlsx"
    traditional(df).to_excel(out["traditional"], index=False)
    out["tencent"] = directory / "tencent.csv"
    tencent(df, q).to_csv(out["tencent"], index=False, encoding="gb18030")
    out["kobo"] = directory / "kobo.csv"
    kobo(df, q).to_csv(out["kobo"], index=False, sep=";")
    out["sav"] = write_sav(df, q, directory / "wjx.sav")
    out["paper"] = directory / "paper.xlsx"
    paper(df, q).to_excel(out["paper"], index=False)
    return out


