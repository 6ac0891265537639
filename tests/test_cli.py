import subprocess
import sys
from pathlib import Path

from pipeline.cli import EXIT_BAD_INPUT, main


def test_bad_input_exits_with_chinese_message_and_no_output(small_raw, tmp_path, capsys):
    raw = small_raw.head(5).copy()
    raw.loc[2, "5、您的年龄段"] = "八十岁"
    export = tmp_path / "bad.xlsx"
    raw.to_excel(export, index=False)
    code = main(["run", "--input", str(export), "--survey", "bad", "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err.startswith("错误：文件“bad.xlsx”，第4行，列“5、您的年龄段”：无法识别的答案“八十岁”")
    assert "Traceback" not in err
    assert not (tmp_path / "data" / "interim").exists() and not (tmp_path / "reports").exists()


def test_console_script_reports_a_missing_file(tmp_path):
    survey = Path(sys.executable).with_name("survey")
    proc = subprocess.run(
        [str(survey), "ingest", "--input", str(tmp_path / "nope.xlsx")], capture_output=True, text=True
    )
    assert proc.returncode == EXIT_BAD_INPUT
    assert "nope.xlsx" in proc.stderr and "文件不存在" in proc.stderr and "Traceback" not in proc.stderr


def test_analyze_before_clean_says_what_to_do(tmp_path, capsys):
    assert main(["analyze", "--survey", "x", "--root", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "请先运行 survey clean" in capsys.readouterr().err


def test_ingest_command_reports_format_and_uses_the_mapping_file(small_raw, tmp_path, capsys):
    import yaml
    from export_formats import tencent

    raw = small_raw.head(10).rename(columns={"4、您的性别": "性别（自填）"})
    export = tmp_path / "x.xlsx"
    raw.to_excel(export, index=False)
    assert main(["ingest", "--input", str(export)]) == EXIT_BAD_INPUT
    said = capsys.readouterr()
    assert "44/45 道题在表头中找到" in said.out and "✗ 4、您的性别（gender）：未找到" in said.out
    assert (
        "✓ 8、(所在党组织书记切实履行抓党建“第一责任人”职责)（resp_1） "
        "← “8、(所在党组织书记切实履行抓党建“第一责任人”职责)”"
        in said.out
    )
    assert "未使用的列：性别（自填）" in said.out and "无法识别的列：性别（自填）" in said.err
    mapping = tmp_path / "map.yaml"
    mapping.write_text(yaml.safe_dump({"性别（自填）": "gender"}, allow_unicode=True), encoding="utf-8")
    assert main(["ingest", "--input", str(export), "--mapping", str(mapping)]) == 0
    out = capsys.readouterr().out
    assert "格式 wjx，45/45 道题在表头中找到" in out and "✓ 4、您的性别（gender） ← “性别（自填）”" in out
    assert "答案检查通过：10 行" in out
    from pipeline.common.paths import DEFAULT_QUESTIONNAIRE
    from pipeline.questionnaire import load_questionnaire

    tencent(small_raw.head(10), load_questionnaire(DEFAULT_QUESTIONNAIRE)).to_csv(
        tmp_path / "t.csv", index=False, encoding="gb18030"
    )
    assert main(["ingest", "--input", str(tmp_path / "t.csv")]) == 0
    assert "格式 tencent，45/45 道题在表头中找到" in capsys.readouterr().out


def test_an_internal_error_is_explained_and_logged(monkeypatch, tmp_path, capsys):
    from pipeline.run import stages as run

    def broken(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(run, "stage_analyze", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    (tmp_path / "data" / "interim" / "x").mkdir(parents=True)
    assert main(["analyze", "--survey", "x", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "程序内部出错（ZeroDivisionError），这不是您的数据的问题" in err and "Traceback" not in err
    log = Path(err.split("详细信息已写入 ")[1].split("，")[0])
    assert "ZeroDivisionError: division by zero" in log.read_text(encoding="utf-8")


def test_the_clean_stage_does_not_load_the_statistics_libraries():
    """``survey clean`` of a million rows paid ≈ 3 s to import pingouin, statsmodels and scipy it never uses
    (through ``pipeline.analyze``); the stages it runs load only what cleaning needs."""
    code = ("import sys; import pipeline.run.commands, pipeline.run.stages, pipeline.clean, pipeline.ingest; "
            "print(sorted(m for m in ('pingouin', 'statsmodels', 'scipy.stats', 'pipeline.analyze.tables') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
