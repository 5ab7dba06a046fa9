"""The command line: output shapes, exit codes, 80-column text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from checker.cli import main

from .conftest import SEEDS

SNRB = str(SEEDS / "004-selective-nerve-root-block.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_audit_json_on_the_seeds(engine):
    res = run("--engine", engine, "audit", str(SEEDS), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) >= {"summary", "items", "errors"}
    s = data["summary"]
    assert s["items"] == 11 and s["agree"] == 11 and s["inputs_failed"] == 0
    assert s["confusion"]["upheld"]["upheld"] == 10 and s["confusion"]["overturned"]["overturned"] == 1
    assert s["balanced_accuracy"] == 1.0
    first = data["items"][0]
    assert {"case", "item", "treatment", "decision", "predicted", "actual", "agree", "criteria"} <= set(first)
    assert [i["case"] for i in data["items"]] == sorted(i["case"] for i in data["items"])  # letter order
    assert data["items"][0]["item"] == "Lumbar sympathetic nerve block"


def test_audit_jsonl_ends_with_summary():
    res = run("--engine", "reference", "audit", str(SEEDS), "--format", "jsonl")
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert [line["type"] for line in lines].count("item") == 11
    assert lines[-1]["type"] == "summary" and lines[-1]["agree"] == 11


def test_text_output_fits_80_columns():
    for args in (("audit", str(SEEDS)), ("check", SNRB), ("explain", SNRB, "--item", "1"), ("rule",),
                 ("rule", "ESI-001"), ("rule", "MTUS-CP-ESI")):
        res = run("--engine", "reference", *args)
        assert res.output.strip(), args
        assert max(len(line) for line in res.output.splitlines()) <= 80, args


def test_check_exit_code_is_1_when_an_item_is_not_certifiable():
    res = run("--engine", "reference", "check", SNRB)
    assert res.exit_code == 1
    assert "SNRB-LUMBAR" in res.output and "ESI-001" in res.output


def test_check_exit_code_is_0_when_every_item_is_certifiable(tmp_path):
    case = tmp_path / "consult.yaml"
    case.write_text("case: ok\ndates: {service: 2016-10-03}\nfacts: {symptoms_persist_despite_treatment: true}\n"
                    "items:\n  - request: Consultation with pain management\n")
    res = run("--engine", "reference", "check", str(case))
    assert res.exit_code == 0, res.output


def test_explain_names_the_missing_corroboration_and_the_page():
    res = run("explain", SNRB, "--item", "1")
    assert res.exit_code == 0
    out = " ".join(res.output.split())
    assert "NON-CERTIFY" in out
    assert "ESI-001 not documented: Radiculopathy on examination, corroborated by imaging" in out
    assert "p.46" in out
    assert "not documented: imaging_nerve_root_compromise" in out
    assert "Receipt" in out and "engine durable" in out


def test_explain_json_has_receipt_and_evidence():
    res = run("--engine", "reference", "explain", SNRB, "--item", "1", "--format", "json")
    data = json.loads(res.output)
    assert data["receipt"]["rules"] == ["MTUS-CP-ESI"] and len(data["receipt"]["ruleset"]) == 16
    assert data["guideline"] == "MTUS"
    esi1 = data["criteria"][0]
    assert esi1["facts"][0]["inputs"][0]["evidence"]["source"] == "clinical case summary"


def test_explain_rejects_an_item_out_of_range():
    res = run("explain", SNRB, "--item", "7")
    assert res.exit_code == 2 and "items 1 to 1" in res.output


def test_rule_catalog_and_unknown_code():
    res = run("rule")
    assert "MTUS-CP-ESI" in res.output and "ESI-001" in res.output
    res = run("rule", "NOPE-999")
    assert res.exit_code == 2 and "no rule or criterion" in res.output


def test_lint_is_clean_on_the_bundled_rules_and_seeds():
    res = run("lint", str(SEEDS))
    assert res.exit_code == 0, res.output
    assert "0 problem(s) in " in res.output and "1 case input(s) checked" in res.output


def test_verify_runs_every_fixture():
    res = run("--engine", "reference", "verify")
    assert res.exit_code == 0, res.output
    assert " 0 failed; 0 coverage gap(s)" in res.output
    junit = run("--engine", "reference", "verify", "--format", "junit").output
    assert junit.startswith("<testsuite") and 'failures="0"' in junit
