"""A course of the requested therapy already given (`prior_course_given`), read from the narrative as a reviewer
reads it, and the `{def:NAME}` splice its patterns share their pieces with (rules/extraction/physical-medicine.yaml)."""

from __future__ import annotations

import pytest

from checker.errors import InputError
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import rules_edited

FACT = "prior_course_given"
PT, CHIRO, ACU = "Physical therapy 6 sessions", "Chiropractic care 6 visits", "Acupuncture 6 sessions"
CODES = {PT: "PHYSICAL-THERAPY", CHIRO: "CHIROPRACTIC", ACU: "ACUPUNCTURE"}


def _given(extractor, summary: str, request: str):
    found = extractor.extract(summary, request, CODES[request], scope="item").get(FACT)
    return None if found is None else found.value


@pytest.mark.parametrize("summary, asked", [
    ("She has had physical therapy for the low back.", PT),
    ("The patient has been attending physical therapy twice a week.", PT),
    ("A physical therapy initial examination performed on 11/2/2016 documented hip pain.", PT),
    ("A physical therapy progress note dated 12/12/2016 reported 4 visits.", PT),
    ("She reported overall improvement with physical therapy.", PT),
    ("Physical therapy did not help.", PT),
    ("He failed conservative care including physical therapy and medications.", PT),
    ("The treatment plan included additional physical therapy.", PT),  # more of it: some was given
    ("The patient had prior chiropractic care with minimal relief.", CHIRO),
    ("He completed 12 sessions of chiropractic treatment.", CHIRO),
    ("Previous acupuncture provided temporary relief.", ACU),
    ("She underwent a course of acupuncture last year.", ACU),
])
def test_a_course_given_is_read_from_the_narrative(extractor, summary, asked):
    assert _given(extractor, summary, asked) is True


@pytest.mark.parametrize("summary, asked", [
    ("She has not had physical therapy.", PT),                       # negated
    ("There has been no prior physical therapy.", PT),
    ("The plan is to start physical therapy.", PT),                  # a plan is not a course had
    ("Physical therapy was recommended.", PT),
    ("Physical therapy two times a week for six weeks was requested.", PT),
    ("A referral to physical therapy was made.", PT),                # a referral or an authorization is no visit
    ("She received authorization for physical therapy.", PT),
    ("Pt has improved since the last visit.", PT),                   # 'pt' the patient, not physical therapy
    ("He had acupuncture with relief.", PT),                         # another therapy's course
    ("She has had physical therapy.", CHIRO),
])
def test_no_course_of_this_therapy_is_read_where_none_was_given(extractor, summary, asked):
    assert _given(extractor, summary, asked) is None


def test_the_closed_treatment_list_still_documents_none(extractor):
    summary = "Treatment to date has included medications and chiropractic care."
    assert _given(extractor, summary, PT) is False
    assert _given(extractor, summary, CHIRO) is True


def test_a_course_given_makes_the_request_a_continuation(checker, catalog):
    """The first-course rule (at most six visits) gives way to the continuation criterion: functional
    improvement from the visits so far."""
    from checker.reading.cases import Case
    case = Case.model_validate({"case": "T", "dates": {"ur_decision": "2016-12-01"}, "items": [{"request": "Physical therapy 6 sessions for the hip", "facts": {
        FACT: {"value": True}}}]}, context={"vocabulary": catalog.vocabulary, "treatments": catalog.treatments})
    result = checker.check_item(case, 1, case.items[0])
    verdicts = {c.code: c.verdict for c in result.criteria}
    assert result.rule == "MTUS-CP2016-PHYSICAL-MEDICINE"
    assert "PM-002" not in verdicts and verdicts["PM-003"] == "not_documented"


def test_definitions_are_spliced_into_the_patterns(extractor):
    regexes = [cp.pattern.regex for cp in extractor._patterns if cp.name == FACT]
    assert regexes and not any("{def:" in r for r in regexes)
    assert any("physiotherap" in r for r in regexes)


@pytest.mark.parametrize("replacement, says", [
    ("{def:course_notes}", "'course_notes' is not defined (did you mean 'course_note'"),
    ("{def:therapy_codes}", "'therapy_codes' is a list, not a regex"),
])
def test_a_bad_definition_names_file_field_and_what_is_wrong(tmp_path, replacement, says):
    rules = rules_edited(tmp_path, "extraction/physical-medicine.yaml", "{def:course_note}", replacement)
    with pytest.raises(InputError) as exc:
        Extractor(rules, load_vocabulary(rules))
    message = str(exc.value)
    assert "physical-medicine.yaml" in message and f"facts.{FACT}.patterns." in message and says in message
