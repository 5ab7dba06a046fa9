"""Rule documentation pages and `verify --diff`: what a rule change changes."""

from __future__ import annotations

import json
import shutil
import subprocess

from click.testing import CliRunner

from checker.cli import main

from .conftest import RULES, SEEDS


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


def test_doc_writes_a_page_per_rule_and_an_index(tmp_path, catalog):
    res = run("doc", "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    pages = {p.stem for p in tmp_path.glob("*.md")}
    assert pages == set(catalog.rules) | {"index"}
    esi = (tmp_path / "MTUS-CP-ESI.md").read_text()
    for part in ("### ESI-001", "p.46", "## Questions for the treating office", "imaging_nerve_root_compromise",
                 "## Example: certified", "## Example: not certified", "Decision: **non-certify**"):
        assert part in esi, part
    index = (tmp_path / "index.md").read_text()
    assert "[MTUS-CP-ESI](MTUS-CP-ESI.md)" in index and "[ODG-MRA](ODG-MRA.md)" in index


def _rules_repo(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "rules"], check=True)
    return repo / "rules"


def test_verify_diff_names_the_fixtures_and_items_a_rule_change_moves(tmp_path):
    rules = _rules_repo(tmp_path)
    unchanged = CliRunner().invoke(main, ["--engine", "reference", "--rules", str(rules), "verify", "--diff",
                                          "HEAD", "--cases", str(SEEDS)])
    assert unchanged.exit_code == 0 and "0 fixture(s) and 0 of 11 item(s)" in unchanged.output
    consult = rules / "mtus" / "acoem-2004" / "consultation.yaml"
    consult.write_text(consult.read_text().replace("        - fact: symptoms_persist_despite_treatment\n", ""))
    res = CliRunner().invoke(main, ["--engine", "reference", "--rules", str(rules), "verify", "--diff", "HEAD",
                                    "--cases", str(SEEDS), "--format", "json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    [item] = data["items"]
    assert item["case"] == "seed-003" and item["before"] == "certify" and item["after"] == "non-certify"
    assert "CON-001: met -> not_documented" in item["criteria"]
    assert data["fixtures"] and all(f["rule"] == "MTUS-ACOEM-CONSULT" for f in data["fixtures"])


def test_verify_diff_with_an_unknown_ref_is_a_clear_error(tmp_path):
    rules = _rules_repo(tmp_path)
    res = CliRunner().invoke(main, ["--rules", str(rules), "verify", "--diff", "no-such-ref", "--cases", str(SEEDS)])
    assert res.exit_code == 2 and "cannot read the rules at 'no-such-ref'" in res.output
