"""A real install: the wheel carries the rules as package data, so an installed imrcheck audits the seeds from any
folder; `[tool.imrcheck]` in a project's pyproject.toml sets the rules folder, engine and format."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checker.config import load_settings
from checker.errors import InputError

from .conftest import ROOT, SEEDS


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return next(out.glob("imrcheck-*.whl"))


def test_the_wheel_carries_every_rules_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {f"checker/_rules/{p.relative_to(ROOT / 'rules').as_posix()}" for p in (ROOT / "rules").rglob("*.yaml")}
    assert bundled and bundled <= names
    assert "checker/ruleset/layout.py" in names and "checker/audit/batch.py" in names
    assert {"checker/web/templates/questionnaire.html", "checker/web/templates/result.html",
            "checker/web/static/style.css"} <= names  # `imrcheck serve` from an installed wheel


def test_an_installed_imrcheck_audits_the_seeds_from_another_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "IMRCHECK_RULES"}
    env["PYTHONPATH"] = str(site)
    script = ("import sys, checker; assert checker.__file__.startswith(sys.argv[1]), checker.__file__;"
              "from checker.cli import main; sys.argv = ['imrcheck', 'audit', sys.argv[2], '--format', 'json']; main()")
    res = subprocess.run([sys.executable, "-c", script, str(site), str(SEEDS)], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    import json
    summary = json.loads(res.stdout)["summary"]
    assert summary["items"] == 11 and summary["agree"] == 11


def test_tool_imrcheck_in_pyproject_sets_rules_engine_and_format(tmp_path):
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.imrcheck]\nrules = "my-rules"\nengine = "reference"\n'
                                            'format = "json"\n')
    settings = load_settings(cwd=project / "sub", environ={})
    assert settings.rules_dir == (project / "my-rules").resolve()
    assert (settings.engine, settings.format) == ("reference", "json")
    assert load_settings(cwd=project, environ={"IMRCHECK_RULES": "/elsewhere"}).rules_dir == Path("/elsewhere")
    assert load_settings(cwd=tmp_path, environ={}).rules_dir.name in ("rules", "_rules")  # no project: bundled


def test_the_configured_format_is_every_command_s_default(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from checker.cli import main
    (tmp_path / "pyproject.toml").write_text('[tool.imrcheck]\nformat = "json"\n')
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", str(SEEDS / "004-selective-nerve-root-block.yaml")])
    assert res.output.lstrip().startswith("{")
    res = CliRunner().invoke(main, ["check", str(SEEDS / "004-selective-nerve-root-block.yaml"), "--format", "text"])
    assert not res.output.lstrip().startswith("{")


@pytest.mark.parametrize("table, message", [
    ('[tool.imrcheck]\nengine = "fast"\n', "expected one of durable, reference"),
    ('[tool.imrcheck]\nrule = "x"\n', "unknown key 'rule'"),
    ('[tool.imrcheck\n', "malformed TOML"),
])
def test_a_bad_tool_imrcheck_table_is_an_error_naming_the_file(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(table)
    with pytest.raises(InputError) as err:
        load_settings(cwd=tmp_path, environ={})
    assert err.value.path.endswith("pyproject.toml") and message in err.value.message
