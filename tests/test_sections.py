"""Sections of a clinical text (checker/reading/sections.py, rules/extraction/sections.yaml): headed progress notes,
prose case summaries, the header never read, quotes that stay inside one section, facts scoped to the sections the
guideline means, the note's date of service, and a bad sections file as a one-line error."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.reading.cases import case_from_note
from checker.reading.extraction import Extractor
from checker.reading.sections import load_sections

from .conftest import RULES, rules_copy

NOTES = Path(__file__).parent / "data" / "notes"
LUMBAR, SHOULDER, KNEE = (NOTES / n for n in ("pr2-lumbar-radiculopathy.txt", "soap-shoulder.txt",
                                               "pr2-knee-form.txt"))
REQUESTS = {LUMBAR: ("left L4-5 transforaminal epidural steroid injection", "ESI-LUMBAR"),
            SHOULDER: ("MRI of the right shoulder", "MRI-SHOULDER"), KNEE: ("MRI right knee without contrast", "MRI-KNEE")}


@pytest.fixture(scope="module")
def reader():
    return load_sections(RULES)


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def names(extractor, text: str) -> list[str]:
    return [s.name for s in extractor.read_sections(text)]


def found(extractor, text: str, fact: str, request: str = "", treatment: str | None = None):
    e = extractor.extract(text, request, treatment).get(fact)
    return (e.value, e.section) if e else None


# ---- headed notes --------------------------------------------------------------------------------

@pytest.mark.parametrize("note, expected", [
    (LUMBAR, ["header", "history", "treatment_to_date", "current_medications", "examination",
              "imaging_and_diagnostics", "assessment", "plan", "work_status", "header"]),
    (SHOULDER, ["header", "history", "current_medications", "examination", "imaging_and_diagnostics", "assessment",
                "plan", "work_status"]),
    (KNEE, ["header", "history", "examination", "assessment", "plan", "work_status", "header"]),
])
def test_a_note_splits_at_its_headings(extractor, note, expected):
    assert names(extractor, note.read_text()) == expected


def test_heading_forms(extractor):
    # capitals with a colon, a whole-line heading, capitals followed by a dash, a numbered heading, a run-in
    # heading after a sentence end; a mixed-case word followed by a dash is text, not a heading
    text = ("SUBJECTIVE: Neck pain.\nPhysical Examination\nTenderness of the trapezius.\nPlan - as before.\n"
            "PLAN - continue stretching.\n2. Diagnoses: cervical strain. Work status: full duty.\n")
    got = [(s.name, text[s.start:s.end].split()[0]) for s in extractor.read_sections(text)]
    assert got == [("history", "SUBJECTIVE:"), ("examination", "Physical"), ("plan", "PLAN"),
                   ("assessment", "Diagnoses:"), ("work_status", "Work")]


def test_a_report_impression_stays_in_the_report(extractor):
    text = "Subjective: Knee pain.\nImaging: MRI of the right knee 01/05/2017.\nImpression: Medial meniscus tear.\n" \
           "Assessment: Meniscus tear.\n"
    assert names(extractor, text) == ["history", "imaging_and_diagnostics", "assessment"]


def test_one_heading_is_not_a_headed_note(reader):
    assert reader.parts("Plan: continue home exercises.\nThe patient is doing well.") is None
    assert reader.parts("Subjective: pain.\nPlan: rest.") is not None


def test_a_header_ends_at_a_blank_line(extractor):
    text = "Patient: Jane Roe\nDOB: 02/03/1970\n\nShe reports low back pain.\nObjective: Tenderness.\nPlan: PT.\n"
    assert names(extractor, text) == ["header", "history", "examination", "plan"]


@pytest.mark.parametrize("note", [LUMBAR, SHOULDER, KNEE])
def test_quotes_stay_in_one_section_and_never_hold_identifiers(extractor, note):
    text = note.read_text()
    sections = extractor.read_sections(text)
    request, code = REQUESTS[note]
    extracted = extractor.extract(text, request, code)
    assert extracted
    for name, e in extracted.items():
        if e.source != "clinical case summary":
            continue
        inside = [s for s in sections if s.start <= e.start and e.end <= s.end]
        assert len(inside) == 1 and inside[0].name == e.section, (name, e.quote)
        assert e.section != "header"
        assert not re.search(r"DOB|Date of birth|Claim|WCAB|signed|Signature|Phone|perjury", e.quote), (name, e.quote)
        assert not re.match(r"[A-Z ]+:|(?:Subjective|Objective|Plan|Assessment|Diagnoses)\b", e.quote), e.quote


def test_the_header_is_never_read(extractor):
    header = "Patient: Jane Roe\nProvider: Sam Lee, MD, Spine and Radiculopathy Center\n\n"
    body = "Subjective: Low back pain.\nObjective: No tenderness.\nPlan: Follow up in 4 weeks.\n"
    assert found(extractor, header + body, "radiculopathy_diagnosis") is None
    assert found(extractor, body.replace("Low back pain.", "Seen at the Spine and Radiculopathy Center."),
                 "radiculopathy_diagnosis") == (True, "history")


# ---- prose summaries -----------------------------------------------------------------------------

@pytest.mark.parametrize("sentences, expected", [
    (["The injured worker was evaluated on 10-19-16 for complaints of neck pain.",
      "The pain was rated 6 out of 10.",
      "Objective findings included tenderness to palpation of the cervical spine.",
      "There was palpable spasm.",  # no cue: it continues the examination
      "X-ray of the right shoulder on 10-13-16 revealed rotator cuff tendinopathy.",
      "The treatment plan included MRI of the cervical spine.",
      "Treatment to date has included home exercise.",
      "On 11-3-16, utilization review determined the MRI was not medically necessary."],
     ["history", "history", "examination", "examination", "imaging_and_diagnostics", "plan", "treatment_to_date",
      None]),
    (["Physical exam revealed lumbar spasm.",
      "A progress report dated 11/20/2016 was reviewed.",  # a new record: it continues nothing
      "Diagnoses included lumbar radiculopathy.",
      "The patient tolerated it well.",  # no cue after a section that does not continue
      "Current medications include Norco and Baclofen.",
      "A request was made for physical therapy.",
      "The injured worker is temporarily totally disabled."],
     ["examination", None, "assessment", None, "current_medications", "plan", "work_status"]),
    (["The injured worker is a 48 year old male who sustained an industrial injury on 10-13-16."], [None]),
])
def test_prose_sentences_are_placed_by_their_cues(reader, sentences, expected):
    assert reader.classify(sentences) == expected


def test_a_summary_is_read_as_prose(extractor):
    summary = ("The injured worker complained of low back pain radiating to the left leg. Physical examination "
               "revealed a positive straight leg raise on the left. The treatment plan included an epidural "
               "steroid injection.")
    assert names(extractor, summary) == ["history", "examination", "plan"]
    assert found(extractor, summary, "radicular_exam_findings") == (True, "examination")


# ---- facts scoped to sections --------------------------------------------------------------------

def test_an_examination_finding_comes_from_the_examination_when_there_is_one(extractor):
    note = ("Subjective: She reports a positive straight leg raise at a visit elsewhere.\n"
            "Objective: Straight leg raise is negative bilaterally. Sensation is intact.\nPlan: Home exercises.\n")
    assert found(extractor, note, "radicular_exam_findings") == (False, "examination")
    # a summary without an examination is read whole
    assert found(extractor, "She had a positive straight leg raise at a prior visit.", "radicular_exam_findings") \
        == (True, "examination")


def test_a_plan_is_not_a_course_completed(extractor):
    request = ("Physical therapy x 8 for the neck", "PHYSICAL-THERAPY")
    note = "Subjective: Neck pain.\nObjective: Tenderness.\nPlan: He has completed 12 sessions of physical therapy.\n"
    assert found(extractor, note, "prior_sessions_completed", *request) is None
    assert found(extractor, note.replace("Plan:", "History:"), "prior_sessions_completed", *request) == (12, "history")


def test_radicular_symptoms_are_not_read_from_the_examination(extractor):
    text = "Physical exam revealed tenderness at the sciatic notch radiating to the right thigh."
    assert found(extractor, text, "radicular_symptoms") is None
    assert found(extractor, "She reports pain radiating to the right thigh.", "radicular_symptoms") == (True, "history")


# ---- the note's date and the case built from it ----------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Patient: A. Roe\nDate of Service: 03/04/2017\nDate of injury: 01/15/2016", dt.date(2017, 3, 4)),
    ("DOS 3-12-17\nProvider: A. Desai, MD", dt.date(2017, 3, 12)),
    ("PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT 02/05/2017\nEmployee: D. Reyes", dt.date(2017, 2, 5)),
    ("Date: 2017-01-09\nSubjective: knee pain.", dt.date(2017, 1, 9)),
    ("The patient was seen in the office on March 4, 2017 for knee pain.", dt.date(2017, 3, 4)),
    ("Date of service: 13/45/2017. The patient was seen on 2/1/2017.", dt.date(2017, 2, 1)),  # invalid date skipped
    ("Date of injury: 01/15/2016. Knee pain.", None),
])
def test_the_date_of_service(reader, text, expected):
    got = reader.note_date(text)
    assert (got.date if got else None) == expected


def test_a_case_from_a_note_has_its_date_and_sections(extractor, catalog):
    case = case_from_note("lumbar", LUMBAR.read_text(), *REQUESTS[LUMBAR], extractor, catalog)
    assert case.dates.service == dt.date(2017, 3, 4)
    facts = {**case.facts, **case.items[0].facts}
    assert facts["radicular_exam_findings"].evidence.section == "examination"
    assert facts["imaging_nerve_root_compromise"].evidence.section == "imaging_and_diagnostics"
    assert facts["imaging_levels"].value == ["L4-L5"]


# ---- the command line ----------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


def test_explain_a_note_shows_its_sections_date_and_quotes():
    res = run("explain", str(LUMBAR), "--treatment", REQUESTS[LUMBAR][0])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert text.startswith(f"Progress note {LUMBAR}")
    assert "Date 2017-03-04 (Date of Service: 03/04/2017)" in text
    assert "examination (lines 18-21)" in text and "header (lines 1-7)" in text
    assert '"Straight leg raise is positive on the left at 40 degrees, reproducing leg pain." ' \
           "[progress note, examination]" in text
    assert "edition in force on 2017-03-04" in text
    assert "04/12/1968" not in text and "Claim #" not in text


def test_explain_a_note_as_json():
    res = run("explain", str(SHOULDER), "--treatment", REQUESTS[SHOULDER][0], "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["treatment"] == "MRI-SHOULDER"
    assert data["note"]["date_of_service"] == "2017-03-12"
    assert [s["section"] for s in data["note"]["sections"]][:2] == ["header", "history"]
    evidence = [f["evidence"] for c in data["criteria"] for f in c["facts"] if f.get("evidence")]
    assert evidence and all("section" in e for e in evidence)


def test_check_a_note_shows_sections_and_json_evidence_sections():
    res = run("check", str(KNEE), "--treatment", REQUESTS[KNEE][0])
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "Date 2017-02-05" in text and "Sections header (lines 1-7); history (lines 9-11)" in text
    assert "[history]" in text
    data = json.loads(run("check", str(KNEE), "--treatment", REQUESTS[KNEE][0], "--format", "json").output)
    assert data["note"]["date_of_service"] == "2017-02-05"
    evidence = [f["evidence"] for c in data["items"][0]["criteria"] for f in c["facts"] if f.get("evidence")]
    assert any(e["section"] == "history" for e in evidence)


def test_check_a_letter_as_json_carries_evidence_sections(tmp_path):
    letter = next(iter(sorted((RULES.parent / "tests" / "data" / "letters").glob("*.txt"))), None)
    if letter is None:
        pytest.skip("no letters in tests/data/letters")
    data = json.loads(run("check", str(letter), "--format", "json").output)
    evidence = [f["evidence"] for item in data["items"] for c in item["criteria"] for f in c["facts"]
                if f.get("evidence") and f["evidence"]["source"] == "clinical case summary"]
    assert evidence and any(e["section"] for e in evidence)


@pytest.mark.parametrize("edit, message", [
    (("  history:\n", "  history:\n    colour: blue\n"), "sections.history.colour: unknown field"),
    (("      - 'complain\\w*\\b'\n", "      - 'complain(('\n"), "sections.history.cues: bad regular expression"),
    (("min_headings: 2", "min_headings: 0"), "headed.min_headings"),
    (("      - 'complain\\w*\\b'\n", "      - 'Complain\\w*\\b'\n"), "written in lower case"),
])
def test_a_bad_sections_file_is_a_one_line_error(tmp_path, edit, message):
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "sections.yaml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    res = CliRunner().invoke(main, ["--rules", str(rules), "--engine", "reference", "check", str(KNEE),
                                    "--treatment", REQUESTS[KNEE][0]])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line]
    assert len(lines) == 1 and message in lines[0], res.output
    assert lines[0].startswith(f"{path}:" if re.match(rf"{re.escape(str(path))}:\d+", lines[0]) else f"error: {path}:")
    assert "Traceback" not in res.output


def test_a_missing_sections_file_is_a_one_line_error(tmp_path):
    rules = rules_copy(tmp_path)
    (rules / "extraction" / "sections.yaml").unlink()
    res = CliRunner().invoke(main, ["--rules", str(rules), "--engine", "reference", "check", str(KNEE),
                                    "--treatment", REQUESTS[KNEE][0]])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "sections.yaml" in res.output
