"""``survey init`` drafts a questionnaire from an export: the draft loads and runs as written, and on the
demo export it finds what the shipped questionnaire finds, apart from names a person would edit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import confirmed, small_spec
from export_formats import write_all

from pipeline.cli import main
from pipeline.common.errors import SurveyError
from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
from pipeline.demo import generate_responses
from pipeline.questionnaire import load_questionnaire

SURVEY = Path(sys.executable).with_name("survey")


CODES_ONLY = {"wjx_code_number", "wjx_code_comma", "wjx_code_dash", "kobo", "paper"}


def _run(args: list[str]) -> None:
    assert main(args) == 0, args


def _confirm(draft: Path) -> None:
    """The user's one edit to a draft whose scales are codes: they run from the lowest to the highest."""
    draft.write_text(confirmed(draft.read_text(encoding="utf-8")), encoding="utf-8")


def _findings(processed: Path) -> dict[str, dict]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (processed / "findings").glob("*.json")
    }


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, questionnaire):
    root = tmp_path_factory.mktemp("init")
    export = root / "123456_按文本_示范区基层党组织建设情况调查_240_240.xlsx"
    generate_responses(questionnaire, small_spec()).to_excel(export, index=False)
    draft = root / "draft.yaml"
    _run(["init", "-i", str(export), "-o", str(draft)])
    for survey, q in (("shipped", DEFAULT_QUESTIONNAIRE), ("drafted", draft)):
        _run(["clean", "-q", str(q), "-i", str(export), "-s", survey, "--root", str(root)])
        _run(["analyze", "-q", str(q), "-s", survey, "--root", str(root)])
    return {"root": root, "draft": load_questionnaire(draft), "export": export,
            "shipped": _findings(root / "data" / "processed" / "shipped"),
            "drafted": _findings(root / "data" / "processed" / "drafted")}


def test_the_draft_recovers_the_questionnaire(drafted, questionnaire):
    d = drafted["draft"]
    assert (
        d.title == "示范区基层党组织建设情况调查"
        and d.district == "示范区"
        and d.report.topic == "基层党组织建设"
    )
    assert [len(x.items) for x in d.dimensions] == [len(x.items) for x in questionnaire.dimensions]
    texts = {i.text: i.reverse for x in d.dimensions for i in x.items}
    assert texts == {
        i.text: i.reverse for x in questionnaire.dimensions for i in x.items
    }  # reverse items found exactly
    assert {q.role: q.text for q in d.questions if q.role} == {
        q.role: q.text for q in questionnaire.questions if q.role
    }
    assert sorted(map(tuple, d.likert_scales.values())) == sorted(
        map(tuple, questionnaire.likert_scales.values())
    )
    by_text = {q.text: q for q in d.questions}
    assert by_text["您的党龄"].show_if == {
        by_text["您的身份"].id: ["党员"]
    }  # skip logic from the (跳过) markers
    assert by_text["您认为当前基层党建工作中最突出的问题是（最多选3项）"].max_choices == 3
    assert set(by_text["您的年龄段"].options) == set(questionnaire.by_id["age"].options)


def test_the_draft_finds_what_the_shipped_questionnaire_finds(drafted, questionnaire):
    shipped, draft = drafted["shipped"], drafted["drafted"]
    assert set(shipped) == set(draft)
    items = {i.text: i for x in drafted["draft"].dimensions for i in x.items}
    names = {x.name: frozenset(i.text for i in x.items) for x in questionnaire.dimensions}
    names_d = {x.name: frozenset(i.text for i in x.items) for x in drafted["draft"].dimensions}
    same = {n: next(m for m, t in names_d.items() if t == texts) for n, texts in names.items()}
    assert len(items) == len(questionnaire.likert_items)
    for unit, f in shipped.items():
        g = draft[unit]
        if unit == "全区":
            assert {k: f[k] for k in ("received", "valid", "rejected_by_rule", "significant_low")} == \
                   {k: g[k] for k in ("received", "valid", "rejected_by_rule", "significant_low")}
            continue
        for key in (
            "received",
            "valid",
            "rejected",
            "rejected_by_rule",
            "suggestions",
            "communities",
            "satisfaction_rate",
        ):
            assert f["basic"][key] == g["basic"][key], (unit, key)
        def problems(findings, names=None):
            return [
                (
                    names[x["name"]] if names else x["name"],
                    x["evidence"],
                    round(x["mean"], 6),
                    None if x["p_fdr"] is None else round(x["p_fdr"], 6),
                    [(i["text"], i["mean"]) for i in x["items"]],
                )
                for x in findings["problems"]["items"]
            ]

        assert problems(f, same) == problems(g)
        # ties keep each questionnaire's option order, which the draft takes from the answers' frequency
        assert sorted((c["share"], c["option"]) for c in f["problems"]["top_choices"]) == \
               sorted((c["share"], c["option"]) for c in g["problems"]["top_choices"])
    assert "significant" in {e for x in shipped["石桥乡"]["problems"]["items"] for e in x["evidence"]}


@pytest.fixture(scope="module")
def formats(tmp_path_factory, questionnaire):
    root = tmp_path_factory.mktemp("formats_init")
    df = generate_responses(questionnaire, small_spec(n=40, seed=5)).astype(str)
    return root, write_all(df, questionnaire, root / "exports")


@pytest.mark.parametrize(
    "name",
    [
        "wjx_text_xlsx",
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
def test_a_draft_of_every_format_is_accepted(name, formats):
    """Accepted as drafted where the answers are words; where the export has codes only, refused until the
    user confirms which end of each scale is high — one edit."""
    root, files = formats
    draft = root / f"{name}.yaml"
    _run(["init", "-i", str(files[name]), "-o", str(draft)])
    if name in CODES_ONLY:
        with pytest.raises(SurveyError, match="顺序尚未确认"):
            load_questionnaire(draft)
        _confirm(draft)
    else:
        assert "unconfirmed" not in draft.read_text(encoding="utf-8")
    q = load_questionnaire(draft)
    assert q.unit_question is not None and q.dimensions and len(q.questions) == 45
    _run(["clean", "-q", str(draft), "-i", str(files[name]), "-s", name, "--root", str(root)])
    _run(["analyze", "-q", str(draft), "-s", name, "--root", str(root)])


def test_survey_run_accepts_a_draft_of_codes_only(formats):
    """The hardest draft (paper entry: question ids and codes, no times), once its scales are confirmed,
    through every stage to HTML."""
    root, files = formats
    draft = root / "paper_run.yaml"
    _run(["init", "-i", str(files["paper"]), "-o", str(draft)])
    _confirm(draft)
    proc = subprocess.run(
        [
            str(SURVEY),
            "run",
            "-q",
            str(draft),
            "-i",
            str(files["paper"]),
            "-s",
            "paper_run",
            "--root",
            str(root),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "新生成 4 份" in proc.stdout


def test_init_refuses_to_overwrite_and_says_what_to_check(drafted, capsys):
    target = drafted["root"] / "draft.yaml"
    assert main(["init", "-i", str(drafted["export"]), "-o", str(target)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["init", "-i", str(drafted["export"]), "-o", str(target), "--force"]) == 0
    out = capsys.readouterr().out
    assert "9 个量表维度" in out and "7 道疑似反向题" in out and "单位题：您所在的街道（乡镇）" in out
    assert "请确认" in target.read_text(encoding="utf-8")
