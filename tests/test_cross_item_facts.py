"""Facts one disputed item of a letter documents for the others (checker/reading/cases.py `_across_items`)."""

from __future__ import annotations

import pytest

from checker.errors import InputErrors
from checker.reading.cases import _across_items
from checker.reading.extraction import Extractor
from checker.reading.requests import normalize_request
from checker.ruleset.rules import load_catalog

from .conftest import CORPUS, RULES, rules_copy, rules_edited


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(catalog.root, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


@pytest.fixture
def across(catalog, extractor):
    def run(*requests: str):
        parsed = [(i, text, normalize_request(text, catalog.treatments)) for i, text in enumerate(requests, 1)]
        return _across_items(parsed, catalog.treatments, catalog.vocabulary, extractor)
    return run


def test_a_surgical_service_has_its_operation_in_dispute_when_the_letter_requests_one(across):
    out = across("Right shoulder arthroscopic rotator cuff repair", "Associated surgical service: "
                 "post-operative physical therapy 12 visits", "Pre-operative medical clearance")
    for n in (2, 3):
        assert out[n]["associated_surgery_in_dispute"]["value"] is True
        assert out[n]["associated_surgery_in_dispute"]["evidence"]["quote"].startswith("item 1: Right shoulder")
    # the kind of operation is read for post-operative therapy only (the Postsurgical Treatment Guidelines)
    assert out[2]["associated_surgery_type"]["value"] == "rotator_cuff_or_impingement"
    assert "associated_surgery_type" not in out[3]
    assert 1 not in out  # the operation itself gets nothing from its own services


def test_no_operation_among_the_disputed_items_means_it_is_not_in_dispute(across):
    out = across("Pre-op labs: CBC", "Pre-operative medical clearance", "MRI of the lumbar spine")
    assert out[1]["associated_surgery_in_dispute"]["value"] is False
    assert out[2]["associated_surgery_in_dispute"]["value"] is False
    assert "no operation" in out[1]["associated_surgery_in_dispute"]["evidence"]["note"]
    assert 3 not in out  # an MRI is not a surgical service


def test_a_co_requested_opioid_is_an_opioid_being_prescribed(across):
    out = across("Norco 10/325 mg #90", "Colace 100 mg #60")
    assert out[None]["current_opioid_prescription"]["value"] is True
    assert out[None]["current_opioid_prescription"]["evidence"]["quote"] == "item 1: Norco 10/325 mg #90"
    assert "associated_surgery_in_dispute" not in out.get(2, {})


def test_a_letter_without_cross_item_facts_gives_none(across):
    assert across("MRI of the lumbar spine", "Physical therapy 2x6 for the low back") == {}


def test_an_unknown_fact_in_establishes_is_a_load_error_with_a_suggestion(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "treatments" / "medications.yaml"
    path.write_text(path.read_text().replace("establishes: {current_opioid_prescription: true}",
                                             "establishes: {current_opioid_prescriptions: true}", 1))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    text = str(exc.value)
    assert "medications.yaml" in text and "current_opioid_prescriptions" in text
    assert "current_opioid_prescription" in text.split("current_opioid_prescriptions", 1)[1]


def test_a_bad_value_in_establishes_is_a_load_error(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "treatments" / "surgery-injections.yaml"
    path.write_text(path.read_text().replace("{associated_surgery_type: knee_meniscectomy}",
                                             "{associated_surgery_type: knee_replacement}", 1))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    assert "knee_replacement" in str(exc.value) and "associated_surgery_type" in str(exc.value)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus not beside the checkout")
def test_the_bankart_letter_ties_its_services_to_the_disputed_repair(catalog, extractor):
    from checker.reading.cases import case_from_letter
    from checker.reading.letters import read_letter

    case = case_from_letter(read_letter(CORPUS / "CM16-0246487.txt"), extractor, catalog.treatments,
                            catalog.vocabulary)
    services = [it for it in case.items if "associated_surgery_in_dispute" in it.facts]
    assert len(services) >= 3
    assert all(it.facts["associated_surgery_in_dispute"].value is True for it in services)


@pytest.fixture
def partial(catalog):
    def run(request: str, original: str | None, facts: dict | None = None):
        from checker.reading.cases import _partially_certified
        facts = dict(facts or {})
        attributes = _partially_certified(request, original, normalize_request(request, catalog.treatments), facts,
                                          catalog.treatments, catalog.vocabulary)
        return attributes, facts
    return run


def test_visits_in_dispute_after_a_partial_certification_continue_the_certified_course(partial):
    attributes, facts = partial("Physical therapy to the low back two sessions",
                                "Physical therapy to the low back eight sessions")
    assert attributes["requested_continuation"]["value"] is True
    assert "6 of the 8 visits certified" in attributes["requested_continuation"]["evidence"]["note"]
    assert facts["course_visits_total"]["value"] == 8
    assert facts["course_visits_total"]["evidence"]["quote"].startswith("Physical therapy to the low back eight")


def test_a_partial_certification_adds_the_visits_completed_and_keeps_a_larger_documented_total(partial):
    _, facts = partial("Nine sessions of chiropractic care", "Twelve sessions of chiropractic care",
                       {"prior_sessions_completed": {"value": 6}})
    assert facts["course_visits_total"]["value"] == 18
    assert "+ 6 completed" in facts["course_visits_total"]["evidence"]["note"]
    _, facts = partial("Acupuncture 2 sessions", "Acupuncture 8 sessions", {"course_visits_total": {"value": 20}})
    assert facts["course_visits_total"]["value"] == 20


@pytest.mark.parametrize("request_text, original", [
    ("Physical therapy 6 sessions", None),                                  # not a partial certification
    ("Physical therapy 2 sessions", "Chiropractic care 8 sessions"),         # another treatment
    ("Physical therapy for the low back", "Physical therapy 8 sessions"),    # no count in dispute
    ("Physical therapy 8 sessions", "Physical therapy 8 sessions"),          # nothing certified
    ("Norco 10/325mg #35", "Norco 10/325mg #60"),                            # not a course of visits
])
def test_no_continuation_without_a_certified_part_of_the_same_counted_therapy(partial, request_text, original):
    assert partial(request_text, original) == ({}, {})


def test_a_corpus_partial_certification_is_judged_as_a_continuation(checker, catalog, extractor):
    """CM16-0230651 item 10: eight sessions asked, six certified; the two in dispute follow the six, so the
    therapy's continuation criterion (functional improvement from the visits so far) decides them."""
    from checker.reading.cases import case_from_letter
    from checker.reading.letters import read_letter
    case = case_from_letter(read_letter(CORPUS / "CM16-0230651.txt"), extractor, catalog.treatments, catalog.vocabulary)
    item = next(it for it in case.items if it.number == 10)
    assert item.attributes["requested_continuation"].value is True
    assert item.facts["course_visits_total"].value == 8
    result = checker.check_item(case, 10, item)
    verdicts = {c.code: c.verdict for c in result.criteria}
    assert "PM-002" not in verdicts  # not a first course
    assert verdicts["PM-003"] == "not_documented"
    assert result.predicted == "upheld"


def test_an_item_fact_is_vetoed_by_a_case_fact_as_a_case_fact_is(tmp_path):
    """`vetoed_by` holds for item facts too: a rule author's veto of an item fact by the weeks since the injury drops
    it from the letter's item, as it drops a case fact."""
    from checker.reading.cases import case_from_letter
    from checker.reading.letters import read_letter
    anchor = "  prior_course_given:\n"
    rules = rules_edited(tmp_path, "extraction/physical-medicine.yaml", anchor,
                         anchor + "    vetoed_by: [{fact: weeks_since_injury, above: 0, why: test}]\n")
    letter = read_letter(CORPUS / "CM16-0235869.txt")
    for root, vetoed in ((RULES, False), (rules, True)):
        catalog = load_catalog(root)
        extractor = Extractor(catalog.root, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)
        case = case_from_letter(letter, extractor, catalog.treatments, catalog.vocabulary)
        assert ("prior_course_given" not in case.items[0].facts) is vetoed
