"""environment.yml (for conda users) must pin exactly what pyproject.toml pins."""

import re
import tomllib

import yaml

from pipeline.common.paths import PROJECT_ROOT


def _norm(spec: str) -> tuple[str, str]:
    name, version = re.split(r"==|=", spec.strip(), maxsplit=1)
    return re.sub(r"[-_.]+", "-", name.lower()), version


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(map(_norm, project["dependencies"] + project["optional-dependencies"]["dev"]))
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = dict(map(_norm, [p for p in pip_section if not p.startswith("-e")]))
    assert listed == wanted
    assert "-e ." in pip_section
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.startswith("python=3.11")
