"""``survey init`` on surveys of other shapes than the shipped ones, exported 按文本 and 按序号: the unedited
draft either runs with exactly the scores of the true questionnaire, or is refused with a message naming the
scale whose order is to be confirmed — never run with a guessed order; no phone number in the draft or in
any file a run stores."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import confirmed
from export_formats import wjx_by_code

from pipeline.cli import main
from pipeline.common.errors import SurveyError
from pipeline.demo import generate_responses, plain_spec
from pipeline.questionnaire import load_questionnaire

HERE = Path(__file__).parent / "questionnaires"
SURVEYS = {"shequ4": HERE / "shequ_4pt_overall.yaml", "wangge6": HERE / "wangge_fuwu_6pt.yaml"}
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _export(name: str, fmt: str, root: Path) -> tuple[Path, object]:
    q = load_questionnaire(SURVEYS[name])
    units = q.unit_question.options
    raw = generate_responses(q, plain_spec(q, sizes={u: 40 for u in units}, seed=21))
    open_q = q.role("open")
    column = next(c for c in raw.columns if c.endswith(open_q.text))
    raw.loc[raw.index[:8], column] = [f"希望多办实事，联系电话1391234{i:04d}" for i in range(8)]
    path = root / f"{name}_{fmt}.xlsx"
    (raw if fmt == "text" else wjx_by_code(raw, q, "number")).to_excel(path, index=False)
    return path, q


def _run(args: list[str]) -> None:
    assert main(args) == 0, args


def _item_means(root: Path, survey: str, q) -> dict[tuple[str, str], float]:
    items = pd.read_parquet(root / "data" / "processed" / survey / "unit_items.parquet")
    text = {i.id: i.text for i in q.likert_items}
    rows = zip(items["unit"], items["item"], items["mean"], strict=True)
    return {(u, text[i]): round(m, 9) for u, i, m in rows}


def _stored_text(root: Path) -> str:
    """Every stored file's text: tables read back, others as written."""
    out = []
    for path in (root / "data").rglob("*"):
        if path.suffix == ".parquet":
            out.append(pd.read_parquet(path).astype(str).to_csv())
        elif path.suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=str).values()
            out += [df.astype(str).to_csv() for df in sheets]
        elif path.suffix in (".yaml", ".json", ".csv", ".txt"):
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(out)


@pytest.mark.parametrize("fmt", ["text", "code"])
@pytest.mark.parametrize("name", list(SURVEYS))
def test_a_draft_runs_with_the_true_scores_or_names_what_to_confirm(name, fmt, tmp_path, capsys):
    export, truth = _export(name, fmt, tmp_path)
    draft = tmp_path / "draft.yaml"
    _run(["init", "-i", str(export), "-o", str(draft)])
    text = draft.read_text(encoding="utf-8")
    assert not PHONE.search(text)
    printed = capsys.readouterr().out
    try:
        load_questionnaire(draft)
    except SurveyError as exc:  # refused: the message names the scale, the draft and init say so too
        assert fmt == "code", f"a 按文本 export's scales are ordered by their words: {exc}"
        assert "顺序尚未确认" in str(exc) and "unconfirmed" in text and "请确认顺序" in printed
        assert main(["clean", "-q", str(draft), "-i", str(export), "-s", "d", "--root", str(tmp_path)]) != 0
        assert "顺序尚未确认" in capsys.readouterr().err
        # the user's one edit: the codes do run from the lowest to the highest here
        draft.write_text(confirmed(text), encoding="utf-8")
    else:
        assert fmt == "text", "a 按序号 export says nothing of which end of a scale is high"
    drafted = load_questionnaire(draft)
    if fmt == "text":  # the overall question is found as such, not taken for a community question
        assert drafted.overall is not None and drafted.overall.text == truth.overall.text
        assert drafted.overall.options == truth.overall.options
    for survey, q in (("truth", SURVEYS[name]), ("draft", draft)):
        _run(["clean", "-q", str(q), "-i", str(export), "-s", survey, "--root", str(tmp_path)])
        _run(["analyze", "-q", str(q), "-s", survey, "--root", str(tmp_path)])
    coded = {f"选项{k}": u for k, u in enumerate(truth.unit_question.options, start=1)}  # 按序号: codes
    means = {(coded.get(u, u), t): m for (u, t), m in _item_means(tmp_path, "draft", drafted).items()}
    assert means == _item_means(tmp_path, "truth", truth)
    assert not PHONE.search(_stored_text(tmp_path))


def test_answers_with_personal_data_are_never_drafted_as_options(tmp_path):
    """A question with few distinct short answers looks like a single choice; one of them carries a phone
    number, so it is open text and none of its answers is written into the draft."""
    export, _ = _export("shequ4", "text", tmp_path)
    raw = pd.read_excel(export, dtype=str)
    raw["9、其他情况"] = (["无", "没有", "挺好", "无", "联系我13912340000"] * len(raw))[: len(raw)]
    raw["10、您的意见是否被采纳"] = (["是", "否"] * len(raw))[: len(raw)]
    raw.to_excel(export, index=False)
    draft = tmp_path / "draft.yaml"
    _run(["init", "-i", str(export), "-o", str(draft)])
    q = load_questionnaire(draft)
    assert next(x for x in q.questions if x.text == "其他情况").type == "text"
    assert next(x for x in q.questions if x.text == "您的意见是否被采纳").type == "single"  # 意见, but 是/否
    assert not PHONE.search(draft.read_text(encoding="utf-8"))


def test_codes_listed_highest_first_are_scored_right_once_the_order_is_written(tmp_path):
    """A questionnaire that listed 非常同意 first exports code 1 for the highest answer. The draft cannot know
    it and refuses; writing the codes from the lowest to the highest (['4', '3', '2', '1']) scores them
    exactly as the true questionnaire does."""
    import yaml

    truth = load_questionnaire(SURVEYS["shequ4"])
    sizes = {u: 40 for u in truth.unit_question.options}
    raw = generate_responses(truth, plain_spec(truth, sizes=sizes, seed=4))
    listed = yaml.safe_load(SURVEYS["shequ4"].read_text(encoding="utf-8"))
    listed["likert_scales"] = {k: v[::-1] for k, v in listed["likert_scales"].items()}  # as the sheet listed
    as_listed = tmp_path / "as_listed.yaml"
    as_listed.write_text(yaml.safe_dump(listed, allow_unicode=True), encoding="utf-8")
    export = tmp_path / "codes.xlsx"
    wjx_by_code(raw, load_questionnaire(as_listed), "number").to_excel(export, index=False)
    draft = tmp_path / "draft.yaml"
    _run(["init", "-i", str(export), "-o", str(draft)])
    text = draft.read_text(encoding="utf-8")
    with pytest.raises(SurveyError, match="顺序尚未确认"):
        load_questionnaire(draft)
    edited = confirmed(text).replace("['1', '2', '3', '4']", "['4', '3', '2', '1']")
    assert edited.count("['4', '3', '2', '1']") == 1
    draft.write_text(edited, encoding="utf-8")
    truth_file = tmp_path / "truth.xlsx"
    raw.to_excel(truth_file, index=False)
    for survey, q, source in (("truth", SURVEYS["shequ4"], truth_file), ("draft", draft, export)):
        _run(["clean", "-q", str(q), "-i", str(source), "-s", survey, "--root", str(tmp_path)])
        _run(["analyze", "-q", str(q), "-s", survey, "--root", str(tmp_path)])
    coded = {f"选项{k}": u for k, u in enumerate(truth.unit_question.options, start=1)}
    drafted = load_questionnaire(draft)
    means = {(coded.get(u, u), t): m for (u, t), m in _item_means(tmp_path, "draft", drafted).items()}
    assert means == _item_means(tmp_path, "truth", truth)
