"""Bad input: a clear one-line error naming the file and field, exit 2, and the batch goes on."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from checker.cli import main

from .conftest import SEEDS, rules_copy


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = write(tmp_path, "bad.yaml", "case: x\nitems:\n  - request: [unclosed\n")
    res = run("check", str(bad))
    assert res.exit_code == 2
    assert f"{bad}:" in res.output and "malformed YAML" in res.output and len(res.output.splitlines()) == 1
    assert res.output.startswith(f"{bad}:4:1: malformed YAML")  # path:line:col, as editors jump on


def test_audit_names_the_line_as_path_line_col(tmp_path):
    bad = write(tmp_path, "bad.yaml", "case: x\nitems:\n  - request: [unclosed\n")
    data = json.loads(run("audit", str(bad), "--format", "json").output)
    [error] = data["errors"]
    assert error["reason"].startswith("4:1: malformed YAML")
    text = run("audit", str(bad)).output
    assert any(line.startswith(f"{bad}:4:1: malformed YAML") for line in text.splitlines())


def test_unknown_fact_in_a_case(tmp_path):
    bad = write(tmp_path, "typo.yaml", "case: x\nfacts:\n  radicular_exam_finding: true\n"
                                      "items:\n  - request: Lumbar ESI\n")
    res = run("check", str(bad))
    assert res.exit_code == 2
    assert "typo.yaml:3: facts.radicular_exam_finding: unknown fact 'radicular_exam_finding'" in res.output


def test_wrong_type_names_the_field(tmp_path):
    bad = write(tmp_path, "type.yaml", "case: x\nitems:\n  - request: Lumbar ESI\n"
                                      "    facts: {prior_procedure_count: many}\n")
    res = run("check", str(bad))
    assert res.exit_code == 2
    assert "items.0.facts" in res.output and "prior_procedure_count" in res.output


def test_unknown_treatment_code_and_typo_field(tmp_path):
    bad = write(tmp_path, "t.yaml", "case: x\nitems:\n  - request: something\n    treatment: ESI-KNEE\n")
    assert "unknown treatment code 'ESI-KNEE'" in run("check", str(bad)).output
    bad = write(tmp_path, "f.yaml", "case: x\nitems:\n  - request: Lumbar ESI\n    outcom: upheld\n")
    res = run("check", str(bad))
    assert "f.yaml:4: items.0.outcom: unknown field 'outcom' (did you mean 'outcome'?)" in res.output


def test_missing_file():
    res = run("check", "no/such/case.yaml")
    assert res.exit_code == 2 and "no/such/case.yaml: file not found" in res.output


def test_audit_goes_on_and_accounts_for_every_input(tmp_path):
    shutil.copy(SEEDS / "004-selective-nerve-root-block.yaml", tmp_path / "good.yaml")
    letters = tmp_path.parent / "letters"
    letters.mkdir(exist_ok=True)
    (letters / "004_853e0c89f26f5077.txt").write_text("x")
    write(tmp_path, "broken.yaml", "case: [\n")
    write(tmp_path, "notes.md", "not a case")
    write(tmp_path, "junk.txt", "this is not an IMR letter")
    res = run("audit", str(tmp_path), "missing.yaml", "--format", "json")
    assert res.exit_code == 2
    data = json.loads(res.output)
    reasons = {e["input"]: e["reason"] for e in data["errors"]}
    assert any("broken.yaml" in k and "malformed YAML" in v for k, v in reasons.items())
    assert reasons["missing.yaml"] == "no such file or folder"
    assert any("junk.txt" in k for k in reasons)
    assert [s["input"].endswith("notes.md") for s in data["skipped"]] == [True]
    assert data["summary"]["items"] == 1 and data["summary"]["agree"] == 1
    assert data["summary"]["inputs"] == 5  # good, broken, junk, missing, notes.md: all accounted for


def test_an_unknown_request_gets_no_prediction_not_a_guess(tmp_path):
    case = write(tmp_path, "c.yaml", "case: x\nitems:\n  - request: Hyperbaric oxygen therapy x12\n    outcome: upheld\n")
    data = json.loads(run("audit", str(case), "--format", "json").output)
    [item] = data["items"]
    assert item["treatment"] is None and item["predicted"] is None
    assert data["summary"]["confusion"]["upheld"]["none"] == 1


def test_lint_reports_every_problem_in_every_file(tmp_path):
    rules = rules_copy(tmp_path)
    esi = rules / "mtus" / "chronic-pain-2009" / "epidural-steroid-injections.yaml"
    esi.write_text(esi.read_text().replace("condition: {fact: conservative_care_failed}",
                                           "condition: {fact: conservative_care_faild}"))
    mra = rules / "odg" / "mr-angiography.yaml"
    mra.write_text(mra.read_text().replace("to_meet:", "to_meat:"))
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint"])
    assert res.exit_code == 1
    assert "epidural-steroid-injections.yaml" in res.output and "unknown fact 'conservative_care_faild'" in res.output
    assert "mr-angiography.yaml" in res.output and "unknown field 'to_meat' (did you mean 'to_meet'?)" in res.output
    assert "criteria.0.to_meet: required field is missing" in res.output
    assert "3 problem(s) in " in res.output  # no cascade from the failed files


def test_lint_rejects_a_rule_that_uses_a_fact_with_the_wrong_operator(tmp_path):
    rules = rules_copy(tmp_path)
    sym = rules / "mtus" / "chronic-pain-2009" / "sympathetic-blocks.yaml"
    sym.write_text(sym.read_text().replace("condition: {fact: requested_count, lte: 1}",
                                           "condition: {fact: crps_diagnosis, lte: 1}"))
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint"])
    assert res.exit_code == 1 and "'lte' needs a number or date fact" in res.output


def test_bad_rules_make_check_exit_2_with_every_error(tmp_path):
    rules = rules_copy(tmp_path)
    (rules / "odg" / "mr-angiography.yaml").write_text("id: [\n")
    res = CliRunner().invoke(main, ["--rules", str(rules), "check", str(SEEDS / "002-medial-branch-block.yaml")])
    assert res.exit_code == 2 and "mr-angiography.yaml:2:1: malformed YAML" in res.output


def test_lint_rejects_an_unconfirmed_criterion_that_decides(tmp_path):
    rules = rules_copy(tmp_path)
    ref = rules / "mtus" / "acoem-2004" / "spine-specialist-referral.yaml"
    text = ref.read_text()
    assert text.count("    confirmed: true\n") == 2
    ref.write_text(text.replace("    confirmed: true\n", "    confirmed: false\n", 1))
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint"])
    assert res.exit_code == 1
    assert "spine-specialist-referral.yaml" in res.output
    assert "an unconfirmed criterion must be `role: advisory` (it is required)" in res.output


@pytest.mark.parametrize("folder, kind", [("treatments", "treatment"), ("facts", "fact"),
                                          ("requests/procedures", "procedure")])
def test_a_name_defined_in_two_files_names_both(tmp_path, folder, kind):
    rules = rules_copy(tmp_path)
    first = sorted((rules / folder).glob("*.yaml"))[0]
    shutil.copy(first, first.with_name("zz-copy.yaml"))
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint"])
    assert res.exit_code in (1, 2)
    line = next(x for x in res.output.splitlines() if "zz-copy.yaml" in x)
    assert f"{kind} '" in line and f"is already defined in {first}" in line
