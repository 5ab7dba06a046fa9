"""The treating office's tools: requirements, the questionnaire, the pre-submission report, exit codes."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import main

from .conftest import SEEDS


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--engine", "reference", *args], input=input, catch_exceptions=False)


@pytest.mark.parametrize("treatment", ["SNRB-LUMBAR", "lumbar sympathetic block", "left lumbar medial branch block",
                                       "MRA of the iliac artery", "Consultation with pain management",
                                       "Lumbar facet injections", "Follow up visit for the lumbar spine"])
def test_requirements_lists_every_criterion_with_question_and_citation(catalog, treatment):
    res = run("requirements", treatment, "--date", "2014-06-01", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rule = catalog.rules[data["rule"]]
    assert [c["code"] for c in data["criteria"]] == [c.code for c in rule.spec.criteria]
    for c in data["criteria"]:
        assert c["citation"] and c["questions"], c["code"]
        assert all(q["question"] for q in c["questions"])


def test_requirements_from_free_text_reads_the_request(tmp_path):
    res = run("requirements", "lumbar ESI L4-5 x2", "--date", "2014-06-01")
    assert res.exit_code == 0
    flat = " ".join(res.output.split())
    assert "requested_levels = L4-L5;" in flat and "requested_count = 2" in flat
    md = run("requirements", "lumbar ESI L4-5 x2", "--date", "2014-06-01", "--format", "markdown").output
    assert md.startswith("# Documentation checklist") and "- [ ] " in md and "p.46" in md


def test_requirements_for_an_unknown_treatment_is_exit_2():
    res = run("requirements", "aromatherapy")
    assert res.exit_code == 2 and "unknown treatment" in res.output


def test_new_esi_without_imaging_is_not_certifiable_and_says_imaging_would_fix_it(tmp_path):
    out = tmp_path / "esi.yaml"
    # radicular exam yes; imaging ?; imaging levels ?; exam levels L5; EMG ?; EMG levels ?; conservative care y;
    # prior ESIs 0 (a first injection: the repeat-block criterion is then not asked about)
    answers = "y\n?\n?\nL5\n?\n?\ny\n0\n"
    res = run("new", "lumbar ESI L4-5", "-o", str(out), "--date", "2014-06-01", input=answers)
    assert res.exit_code == 0, res.output
    assert "relief" not in res.output  # no questions about a repeat block for a first one
    data = yaml.safe_load(out.read_text())
    assert data["facts"]["radicular_exam_findings"] is True
    assert "imaging_nerve_root_compromise" not in data["facts"]
    data["dates"] = {"ur_decision": "2014-06-01"}
    out.write_text(yaml.safe_dump(data))
    res = run("check", str(out))
    assert res.exit_code == 1
    text = " ".join(res.output.split())
    assert "ESI-001 undocumented" in text
    assert "certifiable with: imaging_nerve_root_compromise = true" in text and "[meets ESI-001]" in text


def test_new_with_no_input_takes_answers_from_a_file(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("symptoms_persist_despite_treatment: true\n")
    out = tmp_path / "consult.yaml"
    res = run("new", "Consultation with pain management", "-o", str(out), "--no-input", "--answers", str(answers),
              "--date", "2016-10-03")  # today's consultation rule (Initial Approaches) is unconfirmed: no decision
    assert res.exit_code == 0, res.output
    assert run("check", str(out)).exit_code == 0
    answers.write_text("symptoms_persist: true\n")
    res = run("new", "Consultation with pain management", "-o", str(out), "--no-input", "--answers", str(answers))
    assert res.exit_code == 2 and "unknown fact 'symptoms_persist'" in res.output


def test_check_report_markdown_and_html(tmp_path):
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    case = str(SEEDS / "004-selective-nerve-root-block.yaml")
    assert run("check", case, "--report", str(md)).exit_code == 1
    text = md.read_text()
    assert "likely NOT certified" in text and "ESI-001" in text and "Records to attach" in text
    assert "Examination revealed hypoesthesia" in text  # the evidence is quoted
    run("check", case, "--report", str(page))
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "http" not in html


def test_fail_on_selects_which_findings_fail():
    case = str(SEEDS / "004-selective-nerve-root-block.yaml")  # ESI-001/002 not documented, nothing not met
    assert run("check", case, "--fail-on", "undocumented").exit_code == 1
    assert run("check", case, "--fail-on", "not-met").exit_code == 0
    facet = str(SEEDS / "003-pain-consult-facet.yaml")  # facet injections: not recommended, FCT-001 not met
    assert run("check", facet, "--fail-on", "not-met").exit_code == 1


def test_check_a_progress_note_shows_what_was_found_and_what_is_missing(tmp_path):
    note = tmp_path / "pr2.txt"
    note.write_text("PR-2 progress report 06/02/2014. The patient reports low back pain radiating to the right "
                    "leg with numbness. Examination reveals a positive straight leg raise on the right and "
                    "decreased sensation in the right L5 dermatome. He completed 8 sessions of physical therapy "
                    "without relief. No MRI has been done. Plan: lumbar epidural steroid injection.\n")
    res = run("check", str(note), "--treatment", "right L4-5 transforaminal ESI")
    # the note's date of service (06/02/2014) picks the edition in force then, whose criteria block: no MRI
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "Facts found in" in text
    assert "radicular_exam_findings = true" in text and "positive straight leg raise" in text
    assert "Not found in the note (confirm, or document):" in text and "imaging_nerve_root_compromise" in text
    assert "ESI-LUMBAR" in text


def test_check_a_note_with_an_unknown_treatment_is_exit_2(tmp_path):
    note = tmp_path / "pr2.txt"
    note.write_text("Low back pain.")
    res = run("check", str(note), "--treatment", "aromatherapy")
    assert res.exit_code == 2 and "unknown treatment" in res.output
