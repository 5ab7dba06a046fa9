"""Visits UR already authorized count in the course (course_visits_total = authorized + requested + completed): a
rule's `add` adds the request's attributes and other documented facts to the number its patterns find."""

from __future__ import annotations

import pytest

from checker.errors import InputErrors
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import rules_edited

TOTAL = "course_visits_total"


@pytest.mark.parametrize("summary, asked, code, total", [
    ("Chiropractic therapy sessions for the cervical spine, #6 was authorized by the Claims Administrator.",
     "Chiropractic therapy sessions for the cervical spine, #2", "CHIROPRACTIC", 8),
    ("On 11/05/2016 the provider reported #6 sessions physical therapy authorized.",
     "Additional physical therapy two times four visits (8) for the lumbar spine", "PHYSICAL-THERAPY", 14),
    ("A prior review has already authorized the patient with an initial 6 sessions of chiropractic care.",
     "Chiropractic care for the lumbar spine, 2 sessions", "CHIROPRACTIC", 8),
    ("She has completed 4 physical therapy visits. Six sessions of physical therapy were authorized.",
     "Physical therapy x4", "PHYSICAL-THERAPY", 14),
])
def test_authorized_visits_count_in_the_course(extractor, summary, asked, code, total):
    found = extractor.extract(summary, asked, code, scope="item")
    assert found[TOTAL].value == total
    assert "found" in found[TOTAL].note and "requested_count" in found[TOTAL].note


@pytest.mark.parametrize("summary, asked, code", [
    # another therapy's authorization, an authorization denied, a request with no count, another body region
    ("Six sessions of acupuncture were authorized.", "Physical therapy x6", "PHYSICAL-THERAPY"),
    ("Six sessions of physical therapy were not authorized.", "Physical therapy x6", "PHYSICAL-THERAPY"),
    ("Six sessions of physical therapy were authorized.", "Physical therapy", "PHYSICAL-THERAPY"),
    ("Six sessions of physical therapy for the right knee were authorized.", "Physical therapy for the neck x6",
     "PHYSICAL-THERAPY"),
])
def test_no_total_without_an_authorization_of_this_course(extractor, summary, asked, code):
    assert TOTAL not in extractor.extract(summary, asked, code, scope="item")


@pytest.mark.parametrize("add, message", [
    ("{request: [requested_cont], facts: []}", "requested_count"),
    ("{request: [requested_count], facts: [radicular_symptoms]}", "not a number fact"),
    ("{request: [requested_count], extra: [x]}", "extra"),
])
def test_add_names_known_number_facts(tmp_path, add, message):
    line = "    add: {request: [requested_count], facts: [prior_sessions_completed]}"
    rules = rules_edited(tmp_path, "extraction/physical-medicine.yaml", line, f"    add: {add}")
    with pytest.raises(InputErrors) as exc:
        Extractor(rules, load_vocabulary(rules))
    assert "physical-medicine.yaml" in str(exc.value) and message in str(exc.value)
