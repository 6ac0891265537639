"""Read an export file into a table of text cells: xlsx, legacy xls, CSV (any common encoding and
separator) and SPSS .sav (value labels applied, variable labels as headers)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.errors import SurveyError

ENCODINGS = ("utf-8-sig", "gb18030", "big5")


def read_table(path: Path) -> pd.DataFrame:
    """Every cell as text ("" for empty); a Chinese error naming the file for anything unreadable."""
    path = Path(path)
    if not path.exists():
        raise SurveyError("文件不存在", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):  # calamine reads both, and far faster than openpyxl
            df = pd.read_excel(path, dtype=str, sheet_name=0, engine="calamine")
        elif suffix in (".csv", ".txt"):
            df = _read_csv(path)
        elif suffix == ".sav":
            df = _read_sav(path)
        else:
            raise SurveyError("不支持的文件类型，应为 .xlsx、.xls、.csv 或 .sav", file=str(path))
    except SurveyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing error
        raise SurveyError(f"文件无法读取（{type(exc).__name__}: {exc}）", file=str(path)) from None
    if df.shape[1] == 0:
        raise SurveyError("文件是空的，没有表头", file=str(path))
    if len(df) == 0:
        raise SurveyError("文件只有表头，没有答卷数据", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    return df.fillna("")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise SurveyError("文件是空的，没有表头", file=str(path))
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SurveyError("无法识别文件编码（已尝试 UTF-8、GB18030、Big5）", file=str(path))


def _read_csv(path: Path) -> pd.DataFrame:
    text = _decode(path)
    first = text.splitlines()[0] if text else ""
    try:
        sep = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    return pd.read_csv(io.StringIO(text), dtype=str, sep=sep, keep_default_na=False)


def _read_sav(path: Path) -> pd.DataFrame:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    labels = meta.column_names_to_labels
    df.columns = [labels.get(c) or c for c in df.columns]

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return df.map(text)
