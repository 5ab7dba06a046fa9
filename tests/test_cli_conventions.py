"""The conventions users bring from ruff and pytest (issue 15): several inputs, SARIF and GitHub annotations,
--statistics, a quiet verify, one-line errors, colour only on a terminal, shell completion."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.render.findings import Finding, github
from checker.render.office import md_escape, report_html

from .conftest import ROOT, SEEDS, rules_copy

SNRB = str(SEEDS / "004-selective-nerve-root-block.yaml")
SYMPATHETIC = str(SEEDS / "000-lumbar-sympathetic-block.yaml")
LETTER = str(ROOT / "cases" / "letters" / "004_853e0c89f26f5077.txt")
NOTE = ROOT / "tests" / "data" / "notes" / "pr2-lumbar-radiculopathy.txt"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False, **kwargs)


def certifiable_case(tmp_path):
    case = tmp_path / "consult.yaml"
    case.write_text("case: ok\ndates: {service: 2016-10-03}\nfacts: {symptoms_persist_despite_treatment: true}\n"
                    "items:\n  - request: Consultation with pain management\n")
    return str(case)


# ---- several inputs ---------------------------------------------------------------------------------------

def test_check_takes_several_files_and_folders_with_one_block_per_input(tmp_path):
    seeds = sorted(str(p) for p in SEEDS.glob("*.yaml"))
    by_files = run("check", *seeds)
    by_folder = run("check", str(SEEDS))
    assert by_files.exit_code == by_folder.exit_code == 1
    assert by_files.stdout == by_folder.stdout
    for path in seeds:
        assert f"({path})" in by_files.stdout
    assert by_files.stdout.count("  # treatment") == len(seeds)


def test_check_exit_code_is_the_worst_of_the_inputs_and_a_bad_input_does_not_stop_the_others(tmp_path):
    ok = certifiable_case(tmp_path)
    assert run("check", ok).exit_code == 0
    assert run("check", ok, SNRB).exit_code == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: x\nitems:\n  - request: [unclosed\n")
    res = run("check", str(bad), ok, "no/such.yaml", SNRB)
    assert res.exit_code == 2
    assert "ok  (" in res.stdout and "(" + SNRB + ")" in res.stdout  # the rest went on
    errors = res.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"{bad}:4:1: malformed YAML")
    assert errors[1] == "error: no/such.yaml: file not found"


def test_check_json_is_one_document_for_one_file_and_a_list_of_cases_for_several(tmp_path):
    one = json.loads(run("check", SNRB, "--format", "json").stdout)
    assert one["case"] == "seed-004" and len(one["items"]) == 1
    several = json.loads(run("check", SNRB, SYMPATHETIC, "missing.yaml", "--format", "json").stdout)
    assert [c["case"] for c in several["cases"]] == ["seed-004", "seed-000"]
    assert several["cases"][0] == one and several["inputs_failed"] == 1


def test_explain_takes_several_inputs_and_a_folder():
    res = run("explain", SNRB, SYMPATHETIC, "--item", "1")
    assert res.exit_code == 0
    assert "seed-004, item 1:" in res.stdout and "seed-000, item 1:" in res.stdout
    data = json.loads(run("explain", str(SEEDS), "--format", "json").stdout)
    assert len(data) == len(list(SEEDS.glob("*.yaml"))) and all(isinstance(d, list) for d in data)
    res = run("explain", SNRB, SYMPATHETIC, "--item", "2")  # seed-004 has one item: reported, seed-000 shown
    assert res.exit_code == 2 and "seed-000, item 2:" in res.stdout
    assert res.stderr == f"error: {SNRB}: --item 2: the case has items 1 to 1\n"


def test_explain_reads_progress_notes_with_treatment(tmp_path):
    other = tmp_path / "again.txt"
    shutil.copy(NOTE, other)
    shutil.copy(SNRB, tmp_path / "case.yaml")  # in a folder of notes, only the notes are read as notes
    res = run("explain", str(NOTE), str(tmp_path), "--treatment", "left L4-5 transforaminal epidural steroid injection")
    assert res.exit_code == 0, res.output
    assert res.stdout.count("Progress note ") == 2 and res.stdout.count("\nDecision ") == 2
    assert "case.yaml" not in res.stdout


def test_a_text_that_is_not_a_letter_asks_for_treatment(tmp_path):
    note = tmp_path / "NOTE.txt"
    shutil.copy(NOTE, note)
    for command in ("check", "explain"):
        res = run(command, str(note))
        assert res.exit_code == 2
        [line] = res.stderr.splitlines()
        assert line.startswith(f"error: {note}: no recognizable IMR letter layout") and "add --treatment T" in line


# ---- SARIF and GitHub annotations -------------------------------------------------------------------------

def assert_sarif_2_1_0(log: dict) -> None:
    """The SARIF 2.1.0 properties a consumer needs (the spec's required ones, and what GitHub code scanning
    reads): version, runs, tool.driver with name and rules, each result with a message, a ruleId among the
    driver's rules (and the matching ruleIndex), a level, and physical locations with a 1-based start line."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert isinstance(log["runs"], list) and log["runs"]
    for run_ in log["runs"]:
        driver = run_["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for r in driver["rules"]:
            assert r["shortDescription"]["text"] and r["help"]["text"]
        for invocation in run_.get("invocations", []):
            assert isinstance(invocation["executionSuccessful"], bool)
            for notification in invocation["toolExecutionNotifications"]:
                assert notification["message"]["text"]
        for result in run_["results"]:
            assert isinstance(result["message"]["text"], str) and result["message"]["text"]
            assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
            assert result["level"] in ("none", "note", "warning", "error")
            for loc in result.get("locations", []):
                physical = loc["physicalLocation"]
                assert physical["artifactLocation"]["uri"]
                if "region" in physical:
                    assert isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1


def test_check_sarif_has_one_result_per_blocking_criterion_with_title_and_citation():
    inputs = [str(SEEDS), LETTER]
    res = run("check", *inputs, "--format", "sarif")
    assert res.exit_code == 1
    log = json.loads(res.stdout)
    assert_sarif_2_1_0(log)
    [sarif_run] = log["runs"]
    cases = json.loads(run("check", *inputs, "--format", "json").stdout)["cases"]
    blocking = [(item["index"], c) for case in cases for item in case["items"] for c in item["criteria"]
                if c["blocking"]]
    not_recommended = [item["rule"] for case in cases for item in case["items"] if "STATUS" in item["reasons"]]
    assert [r["ruleId"] for r in sarif_run["results"] if r["ruleId"] not in not_recommended] == \
        [c["code"] for _, c in blocking]
    assert [r["ruleId"] for r in sarif_run["results"] if r["ruleId"] in not_recommended] == not_recommended
    rules = {r["id"]: r for r in sarif_run["tool"]["driver"]["rules"]}
    for _, c in blocking:
        assert rules[c["code"]]["shortDescription"]["text"] == c["title"]
        assert rules[c["code"]]["properties"]["citation"] == c["citation"]
        assert c["citation"] in rules[c["code"]]["help"]["text"]
    for result, (_, c) in zip([r for r in sarif_run["results"] if r["ruleId"] not in not_recommended], blocking):
        assert result["level"] == ("error" if c["verdict"] == "not_met" else "warning")


def test_sarif_locations_point_at_the_fact_or_the_item_in_the_case_file(tmp_path):
    case = tmp_path / "esi.yaml"
    case.write_text("case: esi\n"
                    "dates: {service: 2015-03-01}\n"
                    "facts:\n"
                    "  conservative_care_failed: false\n"
                    "items:\n"
                    "  - request: Lumbar ESI L4-5\n")
    log = json.loads(run("check", str(case), "--format", "sarif").stdout)
    assert_sarif_2_1_0(log)
    where = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]}
    assert where["ESI-002"]["region"]["startLine"] == 4  # documented not met: the fact's line
    assert where["ESI-001"]["region"]["startLine"] == 6  # not documented: the item's line
    assert where["ESI-001"]["artifactLocation"]["uri"] == case.as_uri()


def test_sarif_location_in_a_letter_is_the_line_of_the_evidence_or_the_request():
    log = json.loads(run("check", LETTER, "--format", "sarif").stdout)
    assert_sarif_2_1_0(log)
    lines = open(LETTER, encoding="utf-8").read().splitlines()
    located = [r for r in log["runs"][0]["results"] if "region" in r["locations"][0]["physicalLocation"]]
    assert located
    for r in located:
        line = lines[r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1]
        assert line.strip(), r


def test_an_input_that_cannot_be_read_is_in_the_sarif_and_github_output(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: x\nitems:\n  - request: [unclosed\n")
    res = run("check", SNRB, str(bad), "--format", "sarif")
    assert res.exit_code == 2 and res.stderr.startswith(f"{bad}:4:1:")
    log = json.loads(res.stdout)
    assert_sarif_2_1_0(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("malformed YAML")
    assert note["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": bad.as_uri()},
                                                        "region": {"startLine": 4, "startColumn": 1}}
    assert log["runs"][0]["results"]  # the good input's findings are still there
    clean = json.loads(run("check", SNRB, "--format", "sarif").stdout)
    assert clean["runs"][0]["invocations"][0]["executionSuccessful"] is True
    lines = run("check", SNRB, str(bad), "--format", "github").stdout.splitlines()
    assert lines[-1].startswith(f"::error file={bad},line=4,col=1,title=input::malformed YAML")


def test_check_github_annotations_one_per_blocking_criterion(tmp_path):
    res = run("check", SNRB, SYMPATHETIC, "--format", "github")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert lines and all(re.fullmatch(r"::(error|warning) file=[^,]+,line=\d+,title=[A-Z]+-\d{3}::.+", ln)
                         for ln in lines), lines
    assert any(ln.startswith(f"::warning file={SNRB},") and "ESI-001 not documented" in ln for ln in lines)
    assert any(ln.startswith(f"::error file={SYMPATHETIC},") and "SYM-001 not met" in ln for ln in lines)


def test_github_commands_escape_their_properties_and_message():
    [line] = github([Finding("ESI-001", "error", "50% relief\nfor 6 weeks", "a,b:c.yaml", 3)])
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=ESI-001::50%25 relief%0Afor 6 weeks"


def test_lint_sarif_and_github_on_broken_and_clean_rules(tmp_path):
    rules = rules_copy(tmp_path)
    mra = rules / "odg" / "mr-angiography.yaml"
    mra.write_text(mra.read_text().replace("to_meet:", "to_meat:", 1))
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint", "--format", "sarif"])
    assert res.exit_code == 1
    log = json.loads(res.stdout)
    assert_sarif_2_1_0(log)
    results = log["runs"][0]["results"]
    assert results and all(r["ruleId"] == "lint" for r in results)
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == mra.as_uri()
               and "to_meat" in r["message"]["text"] for r in results)
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint", "--format", "github"])
    assert res.exit_code == 1
    assert any(re.fullmatch(rf"::error file={re.escape(str(mra))},line=\d+,title=lint::.*to_meat.*", ln)
               for ln in res.stdout.splitlines())
    clean = run("lint", "--format", "sarif")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["runs"][0]["results"] == []
    assert run("lint", "--format", "github").stdout == ""


# ---- --statistics -----------------------------------------------------------------------------------------

def expected_counts(cases: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        for item in case["items"]:
            for c in item["criteria"]:
                if c["blocking"]:
                    counts[c["code"]] = counts.get(c["code"], 0) + 1
    return counts


def test_check_and_audit_statistics_count_blocking_criteria_by_code_sorted():
    cases = json.loads(run("check", str(SEEDS), "--format", "json").stdout)["cases"]
    stats = json.loads(run("check", str(SEEDS), "--statistics", "--format", "json").stdout)["statistics"]
    assert {s["code"]: s["count"] for s in stats} == expected_counts(cases)
    assert all(s["count"] == s["not_met"] + s["not_documented"] for s in stats)
    assert [(-s["count"], s["code"]) for s in stats] == sorted((-s["count"], s["code"]) for s in stats)
    text = run("check", str(SEEDS), "--statistics")
    assert text.exit_code == 1
    rows = text.stdout.splitlines()[1:]
    assert [row.split()[3] for row in rows] == [s["code"] for s in stats]
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    audit = json.loads(run("audit", str(SEEDS), "--statistics", "--format", "json").stdout)
    assert audit["statistics"] == stats
    audit_text = run("audit", str(SEEDS), "--statistics").stdout
    assert all(row in audit_text for row in rows)


def test_statistics_is_for_text_or_json():
    res = run("check", SNRB, "--statistics", "--format", "sarif")
    assert res.exit_code == 2 and res.stderr == "error: --statistics prints text or json, not sarif\n"


# ---- verify -----------------------------------------------------------------------------------------------

def test_verify_prints_a_summary_by_default_and_every_fixture_with_v():
    quiet = run("verify")
    assert quiet.exit_code == 0
    [summary] = quiet.stdout.splitlines()
    assert re.fullmatch(r"\d+ passed, 0 failed; 0 coverage gap\(s\)", summary)
    loud = run("verify", "-v")
    lines = loud.stdout.splitlines()
    assert len(lines) == int(summary.split()[0]) + 1 and lines[-1] == summary
    assert max(len(line) for line in lines) <= 80


def test_verify_shows_the_failing_fixture_with_its_problem(tmp_path):
    rules = rules_copy(tmp_path)
    fixtures = rules / "odg" / "mr-angiography.fixtures.yaml"
    text = fixtures.read_text()
    flipped = text.replace("decision: certify", "decision: non-certify", 1)
    assert flipped != text
    fixtures.write_text(flipped)
    res = CliRunner().invoke(main, ["--engine", "reference", "--rules", str(rules), "verify"])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert lines[0].startswith("FAIL  ODG-MRA  ")
    assert "decision: expected non-certify, got certify" in lines[1]
    assert not any(line.startswith("pass") for line in lines)
    assert re.fullmatch(r"\d+ passed, 1 failed; 0 coverage gap\(s\)", lines[-1])


# ---- errors on one line -----------------------------------------------------------------------------------

def test_audit_text_error_lines_are_path_line_col_on_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case: x\nitems:\n  - request: [unclosed with a long enough text to pass eighty columns\n")
    typo = tmp_path / "typo.yaml"
    typo.write_text("case: x\nitems:\n  - request: Lumbar ESI\n    outcom: upheld\n")
    res = run("audit", str(tmp_path))
    errors = [line for line in res.stdout.splitlines() if line.startswith(str(tmp_path))]
    assert len(errors) == 2, res.stdout
    assert re.fullmatch(rf"{re.escape(str(bad))}:4:\d+: malformed YAML: .*", errors[0])
    assert errors[1].startswith(f"{typo}:4: items.0.outcom: unknown field 'outcom'")
    assert len(errors[0]) > 80  # not wrapped: the next line is not a continuation
    after = res.stdout.splitlines()[res.stdout.splitlines().index(errors[0]) + 1]
    assert after == errors[1]


# ---- colour -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("terminal, env, option, coloured", [
    (True, {}, [], True),
    (False, {}, [], False),  # piped
    (True, {"NO_COLOR": "1"}, [], False),
    (True, {}, ["--color", "never"], False),
    (False, {}, ["--color", "always"], True),
    (True, {"NO_COLOR": "1"}, ["--color", "always"], True),
])
def test_colour_only_on_a_terminal_unless_asked(terminal, env, option, coloured):
    res = CliRunner().invoke(main, [*option, "--engine", "reference", "check", SNRB], color=terminal,
                             env={"NO_COLOR": None, **env})
    assert bool(ANSI.search(res.stdout)) == coloured
    plain = CliRunner().invoke(main, ["--engine", "reference", "check", SNRB]).stdout
    assert click.unstyle(res.stdout) == plain


def test_error_lines_are_coloured_on_a_terminal_only():
    res = CliRunner().invoke(main, ["check", "/nonexistent.yaml"], color=True, env={"NO_COLOR": None})
    assert res.stderr.startswith("\x1b[") and click.unstyle(res.stderr) == "error: /nonexistent.yaml: file not found\n"


# ---- new asks the date --------------------------------------------------------------------------------------

def test_new_asks_the_requests_date_and_writes_it(tmp_path):
    out = tmp_path / "esi.yaml"
    res = run("new", "ESI-LUMBAR", "-o", str(out), input="03/01/2015\n2015-03-01\n" + "\n" * 60)
    assert res.exit_code == 0, res.output
    assert "not a date: '03/01/2015'" in res.stderr
    assert "edition in force on 2015-03-01" in res.stdout
    assert "dates:\n  service: '2015-03-01'" in out.read_text()
    undated = tmp_path / "undated.yaml"
    assert run("new", "ESI-LUMBAR", "-o", str(undated), input="\n" * 60).exit_code == 0
    assert "dates:" not in undated.read_text()


def test_new_keeps_date_with_no_input_and_answers(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("conservative_care_failed: true\n")
    out = tmp_path / "esi.yaml"
    res = run("new", "ESI-LUMBAR", "--no-input", "--answers", str(answers), "--date", "2016-01-02", "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "service: '2016-01-02'" in text and "conservative_care_failed: true" in text
    [item] = json.loads(run("check", str(out), "--format", "json").stdout)["items"]
    assert "2016-01-02" in item["selection"]  # the date written picks the edition when the case is checked


# ---- --report -----------------------------------------------------------------------------------------------

def test_report_refuses_a_suffix_it_cannot_write_before_any_work(tmp_path):
    res = run("check", SNRB, "--report", str(tmp_path / "x.pdf"))
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.splitlines() == [f"error: {tmp_path / 'x.pdf'}: cannot write a pre-submission report as "
                                       ".pdf: use .md or .html or .htm"]
    assert not (tmp_path / "x.pdf").exists()


def test_report_takes_one_case(tmp_path):
    res = run("check", SNRB, SYMPATHETIC, "--report", str(tmp_path / "x.md"))
    assert res.exit_code == 2 and res.stderr == "error: --report writes the report of one case: give one CASE\n"


# ---- Markdown -----------------------------------------------------------------------------------------------

def test_report_html_keeps_asterisks_underscores_and_angle_brackets_of_a_quote():
    quote = "SLR *positive* at 40 degrees, L5_S1 <worse> | x"
    page = report_html(f"# Report\n\n- ESI-001 evidence: \u201c{md_escape(quote)}\u201d (progress note)\n", "t")
    assert "<li>ESI-001 evidence: \u201cSLR *positive* at 40 degrees, L5_S1 &lt;worse&gt; | x\u201d" in page
    assert "<em>" not in page and "<worse>" not in page


def test_report_of_a_note_with_markdown_characters_in_its_evidence(tmp_path):
    note = tmp_path / "pr2.txt"
    note.write_text("PR-2 progress report 06/02/2014. The patient reports low back pain radiating to the right "
                    "leg. Examination reveals a positive straight leg raise on the right (SLR *positive* at 40 "
                    "degrees, L5_S1 <worse>) and decreased sensation in the right L5 dermatome. Plan: ESI.\n")
    page = tmp_path / "r.html"
    run("check", str(note), "--treatment", "right L4-5 transforaminal ESI", "--report", str(page))
    html = page.read_text()
    assert "(SLR *positive* at 40 degrees, L5_S1 &lt;worse&gt;)" in html
    assert "<em>positive</em>" not in html and "<table>" in html and "<h2>Item 1:" in html
    markdown = tmp_path / "r.md"
    run("check", str(note), "--treatment", "right L4-5 transforaminal ESI", "--report", str(markdown))
    assert r"(SLR \*positive\* at 40 degrees, L5\_S1 \<worse\>)" in markdown.read_text()


# ---- shell completion ---------------------------------------------------------------------------------------

def completion(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from checker.cli import main; main(prog_name='imrcheck')"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_shell_completion_script_and_completions():
    script = completion({"_IMRCHECK_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "_imrcheck_completion()" in script.stdout
    assert "complete -o nosort -F _imrcheck_completion imrcheck" in script.stdout
    words = completion({"_IMRCHECK_COMPLETE": "bash_complete", "COMP_WORDS": "imrcheck ch", "COMP_CWORD": "1"})
    assert words.stdout.split() == ["plain,check"]
