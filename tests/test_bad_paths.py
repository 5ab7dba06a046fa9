"""Every command given a bad or unwritable path, or a file that is not what it should be: one line naming the
path and the problem, exit code 2, never a traceback."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from checker.cli import main

from .conftest import ROOT, SEEDS

SEED = str(SEEDS / "004-selective-nerve-root-block.yaml")
README = str(ROOT / "README.md")
NOTE = str(ROOT / "tests" / "data" / "notes" / "pr2-lumbar-radiculopathy.txt")


def cases(tmp: str) -> list[tuple[list[str], str]]:
    return [
        (["audit", str(SEEDS), "--db", README], "not an imrcheck audit store"),
        (["audit", str(SEEDS), "--db", "/dev/null/x.sqlite"], "/dev/null is not a folder"),
        (["audit", str(SEEDS), "--db", f"{tmp}/missing/x.sqlite"], "does not exist"),
        (["report", "--db", README, "-o", f"{tmp}/r.html"], "not an imrcheck audit store"),
        (["report", "--from-json", README, "-o", f"{tmp}/r.html"], "not audit JSON"),
        (["report", "--from-json", README, "-o", "/dev/null/r.html"], "not a folder"),
        (["report", "--from-json", README, "-o", f"{tmp}/r.pdf"], "cannot write a consistency report as .pdf"),
        (["doc", "-o", "/dev/null/x"], "cannot create the folder"),
        (["new", "ESI-LUMBAR", "--no-input", "-o", "/missing/dir/x.yaml"], "folder /missing/dir does not exist"),
        (["new", "ESI-LUMBAR", "--no-input", "-o", f"{tmp}/x.yaml", "--answers", "/nonexistent.yaml"],
         "file not found"),
        (["new", "ESI-LUMBAR", "--no-input", "-o", f"{tmp}/x.yaml", "--answers", README], "malformed YAML"),
        (["check", SEED, "--report", f"{tmp}/x.pdf"], "cannot write a pre-submission report as .pdf"),
        (["check", SEED, "--report", "/dev/null/x.md"], "/dev/null is not a folder"),
        (["check", "/nonexistent.yaml"], "file not found"),
        (["check", README.replace(".md", ".yaml")], "file not found"),
        (["explain", "/nonexistent.txt"], "cannot read letter"),
        (["ingest", str(ROOT / "cases" / "letters"), "-o", "/dev/null/x"], "cannot create the folder"),
        (["--rules", "/nonexistent", "lint"], "rules folder /nonexistent (--rules) does not exist"),
        (["--rules", README, "check", SEED], "is not a folder"),
        (["--rules", "/nonexistent", "verify"], "does not exist"),
        (["--rules", "/nonexistent", "rule"], "does not exist"),
        (["requirements", "frobnicate the spleen"], "unknown treatment"),
        (["check", tmp], "folder holds no case files or letters"),
        (["explain", tmp], "folder holds no case files or letters"),
        (["check", NOTE], "if it is a progress note, add --treatment T"),
        (["explain", NOTE, "--item", "1"], "if it is a progress note, add --treatment T"),
        (["check", NOTE, NOTE, "--treatment", "frobnicate the spleen"], "unknown treatment"),  # said once
        (["check", SEED, SEED, "--report", f"{tmp}/x.md"], "--report writes the report of one case"),
        (["check", SEED, "--statistics", "--format", "github"], "--statistics prints text or json, not github"),
        (["--rules", "/nonexistent", "lint", "--format", "sarif"], "does not exist"),
        (["--color", "always", "check", "/nonexistent.yaml"], "file not found"),
    ]


@pytest.mark.parametrize("index", range(len(cases("/tmp"))))
def test_bad_paths_are_one_line_and_exit_2(tmp_path, index):
    args, expected = cases(str(tmp_path))[index]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, (args, res.output)
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    lines = [line for line in click.unstyle(res.output).splitlines()
             if line.startswith("error:") or re.match(r"\S+:\d+(:\d+)?: ", line)]  # errors.error_line
    assert len(lines) == 1 and expected in lines[0], (args, res.output)
