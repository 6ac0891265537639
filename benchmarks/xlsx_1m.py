"""A workbook as large as Excel holds: a 1,048,576-row × 100-column 问卷星 .xlsx cleaned beside its CSV twin.

Generates one export (``ingest_1m.export_table``: 13 dimensions × 7 items, metadata, an open answer; dirty
rows included) written twice from the same rows: as CSV, and as an xlsx the way 问卷星 writes one (shared
strings, 序号 as numbers, a cell reference on every cell). Then each of these is cleaned by ``survey clean``
in its own process, with its wall time and peak RSS:

- the CSV twin;
- the xlsx (read block by block from its sheet XML: ``pipeline/ingest/xlsx_cells.py``);
- the first ``--baseline-rows`` rows as an xlsx read whole, as before (python-calamine through pandas), for
  the cost per row of the previous reader.

and checks that the xlsx and the CSV gave the same responses and the same audit (``assert_frame_equal``).
Prints the table; no assertions about time.

    .venv/bin/python benchmarks/xlsx_1m.py [--rows 1048575] [--baseline-rows 200000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_1m import export_table, questionnaire_yaml  # noqa: E402

DIMS, ITEMS = 13, 7  # 91 items + 9 other columns = 100 columns
CHUNK = 100_000

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
    'xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName='
    '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>")
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>")
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>")
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
    ' Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.'
          'openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/>'
          '<name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
          '</fills><borders '
          'count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
          'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
          'borderId="0" xfId="0"/></cellXfs></styleSheet>')


def letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class XlsxWriter:
    """The sheet written row by row as 问卷星's export is: shared strings, numbers for 序号."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.strings: dict[str, int] = {}
        self.cols = [letters(j) for j in range(len(header))]
        self.sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
                         b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        self.row = 1
        self._write_rows([[("s", h) for h in header]])

    def _index(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def _write_rows(self, rows: list[list[tuple[str, str]]]) -> None:
        out = []
        for cells in rows:
            n = str(self.row)
            parts = [f'<row r="{n}">']
            for col, (kind, value) in zip(self.cols, cells, strict=True):
                if value == "":
                    continue
                if kind == "n":
                    parts.append(f'<c r="{col}{n}"><v>{value}</v></c>')
                else:
                    parts.append(f'<c r="{col}{n}" t="s"><v>{self._index(value)}</v></c>')
            parts.append("</row>")
            out.append("".join(parts))
            self.row += 1
        self.sheet.write("".join(out).encode())

    def write(self, table: pa.Table) -> None:
        columns = [table.column(j).to_pylist() for j in range(table.num_columns)]
        kinds = ["n"] + ["s"] * (table.num_columns - 1)  # 序号 is a number in 问卷星's xlsx
        for start in range(0, table.num_rows, 10_000):
            block = [list(zip(kinds, (c[i] for c in columns), strict=True))
                     for i in range(start, min(start + 10_000, table.num_rows))]
            self._write_rows(block)

    def close(self) -> None:
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in self.strings)
        self.zip.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                          '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
                          f'{len(self.strings)}" uniqueCount="{len(self.strings)}">{sst}</sst>')
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/styles.xml", STYLES)):
            self.zip.writestr(name, text)
        self.zip.close()


def generate(folder: Path, rows: int, baseline_rows: int, units: list[str]) -> tuple[Path, Path, Path]:
    """The CSV, the xlsx of the same rows, and the xlsx of their first ``baseline_rows`` rows."""
    csv, xlsx, small = folder / "bench_wjx.csv", folder / "bench_wjx.xlsx", folder / "bench_small.xlsx"
    first = export_table(min(rows, CHUNK), units, DIMS, ITEMS, 1, 1)
    header = first.column_names
    big, little = XlsxWriter(xlsx, header), XlsxWriter(small, header)
    with pacsv.CSVWriter(csv, first.schema) as out:
        for i, start in enumerate(range(0, rows, CHUNK)):
            table = first if i == 0 else export_table(min(CHUNK, rows - start), units, DIMS, ITEMS, 1 + i,
                                                      start + 1)
            out.write_table(table)
            big.write(table)
            if start < baseline_rows:
                little.write(table.slice(0, baseline_rows - start))
    big.close()
    little.close()
    return csv, xlsx, small


def clean(root: Path, survey: str, qfile: Path, export: Path, env: dict) -> tuple[float, float, int]:
    """``survey clean`` in a process of its own: seconds, peak RSS (MiB), exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("survey")), "clean", "-i", str(export),
                             "--root", str(root), "--survey", survey, "-q", str(qfile)],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status:
        print(proc.stderr.read().decode()[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def same_results(root: Path, a: str, b: str) -> str:
    """Whether two surveys' cleaned responses and audits are equal (the source file's name aside)."""
    from pipeline.common.tables import read_table

    for table in ("responses", "audit"):
        x = read_table(root / "data" / "interim" / a, table)
        y = read_table(root / "data" / "interim" / b, table)
        drop = [c for c in x.columns if x[c].astype(str).str.contains("bench_wjx", regex=False).any()]
        x, y = x.drop(columns=drop), y.drop(columns=drop)
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True), check_dtype=False)
    return f"same responses and audit ({len(x):,} audit rows)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_048_575)  # and the header: 1,048,576 rows
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="xlsx_1m_"))
    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    units = [f"第{i:03d}街道" for i in range(args.units)]
    qfile = root / "questionnaire.yaml"
    qfile.write_text(yaml.safe_dump(questionnaire_yaml(units, DIMS, ITEMS), allow_unicode=True),
                     encoding="utf-8")
    start = time.perf_counter()
    csv, xlsx, small = generate(raw, args.rows, args.baseline_rows, units)
    with zipfile.ZipFile(xlsx) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    print(f"generated {args.rows + 1:,} rows × 100 columns in {time.perf_counter() - start:.0f} s: "
          f"CSV {csv.stat().st_size / 2**20:.0f} MiB, xlsx {xlsx.stat().st_size / 2**20:.0f} MiB "
          f"({unpacked / 2**30:.2f} GiB unpacked)")
    runs = {
        "CSV twin": clean(root, "bench_csv", qfile, csv, {}),
        "xlsx, block by block": clean(root, "bench_xlsx", qfile, xlsx, {"SURVEY_XLSX_STREAM_BYTES": "0"}),
        f"xlsx of {args.baseline_rows:,} rows, read whole (before)": clean(
            root, "bench_small", qfile, small, {"SURVEY_XLSX_STREAM_BYTES": str(1 << 62)}),
    }
    sizes = {"CSV twin": args.rows, "xlsx, block by block": args.rows}
    print(f"{'survey clean of':<42} {'seconds':>8} {'µs/row':>8} {'peak RSS':>10}  exit")
    for name, (seconds, peak, code) in runs.items():
        rows = sizes.get(name, args.baseline_rows)
        print(f"{name:<42} {seconds:8.1f} {seconds / rows * 1e6:8.1f} {peak:8.0f} MiB  {code}")
    print("xlsx against its CSV twin:", same_results(root, "bench_csv", "bench_xlsx"))
    if args.keep is None:
        print(f"(work folder {root} left for inspection; delete it when done)", file=sys.stderr)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
