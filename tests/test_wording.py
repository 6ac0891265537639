"""The wording layer: every sentence in one catalogue a research office can override by name, checked
when the questionnaire is loaded; findings and the composer hold no sentence of their own."""

from __future__ import annotations

import ast
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml

from pipeline.cli import EXIT_BAD_INPUT, main
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.questionnaire import load_questionnaire
from pipeline.wording import Wording, WordingError, read_overrides
from pipeline.wording.catalogue import shipped

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _han_literals(path: Path) -> list[str]:
    """String literals with Chinese characters, other than docstrings and the messages of ``raise``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))
        if isinstance(node, ast.Raise):
            skip.update(id(x) for x in ast.walk(node))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        and HAN.search(node.value)
    ]


def test_findings_and_the_composer_hold_no_sentence():
    found = [x for folder in ("pipeline/findings", "pipeline/report/compose")
             for p in sorted((ROOT / folder).rglob("*.py")) for x in _han_literals(p)]
    assert not found, "\n".join(found)


def test_every_shipped_template_parses_and_every_key_the_code_says_exists():
    w = Wording()
    for key, entry in shipped().items():
        w.env.parse(entry.text)  # a syntax error names its template
        assert entry.line >= 1 and entry.file.endswith(".yaml"), key
    said = set()
    for p in (ROOT / "pipeline").rglob("*.py"):
        said |= set(re.findall(r"""say\(\s*"([a-z_.]+[a-z_])\"""", p.read_text(encoding="utf-8")))
    assert said and said <= set(shipped()), sorted(said - set(shipped()))


def test_a_template_is_strict():
    with pytest.raises(WordingError, match="problems.lead.weakest"):
        Wording().say("problems.lead.weakest", name="甲")  # mean, points … missing


def _override(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"problems.yaml": "lead:\n  signficant: 甲\n"},
         "措辞文件“problems.yaml”第2行的“problems.lead.signficant”不是可替换的措辞名称，最接近的是“problems.lead.significant”"),
        ({"problems.yaml": "withheld: 有效问卷不足{{ min_cel }}份\n"},
         "措辞文件“problems.yaml”第1行的“problems.withheld”用到了未知的名称“min_cel”（可用的名称：area、"),
        ({"report.yaml": "# 标题\nsections:\n  problems: 二、{{ 问题\n"},
         "措辞文件“report.yaml”第3行的“report.sections.problems”有语法错误"),
        ({"report.yaml": "sections: [\n"}, "措辞文件“report.yaml”第2行无法解析（YAML 格式错误）"),
    ],
)
def test_a_broken_override_names_its_file_line_and_template(tmp_path, files, message):
    with pytest.raises(WordingError) as exc:
        read_overrides(_override(tmp_path / "措辞", files))
    assert str(exc.value.message).startswith(message), exc.value.message


def _questionnaire_with(tmp_path: Path, wording: str) -> Path:
    raw = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    raw.setdefault("report", {})["wording"] = wording
    if raw.get("places"):  # the shipped reference list, where the copy is not
        raw["places"] = str(DEFAULT_QUESTIONNAIRE.parent / raw["places"])
    path = tmp_path / "问卷.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_broken_override_stops_the_run_before_anything_is_written(tmp_path, small_raw, capsys):
    _override(tmp_path / "措辞", {"problems.yaml": "lead:\n  significant: \"{{ name|quoted }}{{ 分数 }}\"\n"})
    q = _questionnaire_with(tmp_path, "措辞")
    export = tmp_path / "导出.xlsx"
    small_raw.head(40).to_excel(export, index=False)
    code = main(["run", "--input", str(export), "--questionnaire", str(q), "--survey", "s", "--root",
                 str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "措辞文件“problems.yaml”第2行的“problems.lead.significant”用到了未知的名称“分数”" in err
    assert "Traceback" not in err and not (tmp_path / "data" / "interim").exists()
    assert not (tmp_path / "reports").exists()
    missing = _questionnaire_with(tmp_path, "没有这个文件夹")
    with pytest.raises(WordingError, match="措辞文件夹.*没有这个文件夹.*不存在"):
        load_questionnaire(missing)


# a research office's own wording: a heading, a table's title and two sentences, each marked so that putting
# the shipped words back must give every text of the shipped run
OVERRIDE = {
    "report.yaml": "sections:\n  problems: 三、主要问题\ntables:\n  dimensions: 各方面得分一览\n",
    "problems.yaml": "lead:\n  significant: \"{{ name|quoted }}得分{{ mean|scored(points) }}，"
                     "明显落后于{{ rest }}的{{ rest_mean|score }}分"
                     "（低{{ (-diff)|score }}分，差异经统计检验显著）\"\n",
    "ledger.yaml": "found: \"【台账】本单位{{ mean|score }}分{{ compared }}"
                   "{% if unfavourable is not none %}，负面评价占{{ unfavourable|pct }}{% endif %}\"\n",
}
BACK = [("三、主要问题", "三、存在的问题"), ("各方面得分一览", "各方面得分"), ("明显落后于", "显著低于"),
        ("【台账】", "")]
NEW = [new for new, _ in BACK]


def _shipped_words(text: str) -> str:
    for new, old in BACK:
        text = text.replace(new, old)
    return text


def _html_text(path: Path) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", path.read_text(encoding="utf-8"), flags=re.S)
    html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "", html)  # when the index was made
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _docx_text(path: Path) -> str:
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


def _xlsx_cells(path: Path) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
            if v is not None and not re.match(r"\d{4}-\d\d-\d\dT", str(v))]  # not when it was made


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))  # fonts map 二 to the radical ⼆


def test_an_override_changes_its_words_in_every_format_and_nothing_else(e2e_copy, e2e):
    from pipeline.run.stages import run_survey

    root = e2e_copy["root"]
    _override(root / "questionnaires" / "我们的措辞", OVERRIDE)
    q = _questionnaire_with(root / "questionnaires", "我们的措辞")
    run_survey([e2e_copy["export"]], q, e2e_copy["paths"], workers=2, pdf="yes")
    before, after = Path(e2e["paths"].reports), Path(e2e_copy["paths"].reports)
    shown = {n: "" for n in NEW}
    for page in sorted(before.glob("*.html")):
        new = _html_text(after / page.name)
        assert _shipped_words(new) == _html_text(page), page.name
        shown = {n: shown[n] + new for n in NEW}
        pdf = after / "pdf" / f"{page.stem}.pdf"
        assert pdf.exists() == (page.stem != "index"), page.stem
        assert not pdf.exists() or "三、主要问题" in _pdf_text(pdf), page.stem
    assert all(n in shown[n] for n in NEW)
    words = sorted(before.glob("word/*.docx"))
    assert words and all(_shipped_words(_docx_text(after / "word" / w.name)) == _docx_text(w) for w in words)
    assert any("明显落后于" in _docx_text(after / "word" / w.name) for w in words)
    book = next(before.glob("*.xlsx"))
    cells = _xlsx_cells(after / book.name)
    assert [_shipped_words(c) for c in cells] == _xlsx_cells(book)
    assert any(c.startswith("【台账】") for c in cells) and "各方面得分一览" in cells
