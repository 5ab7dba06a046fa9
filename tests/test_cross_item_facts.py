"""Facts one disputed item of a letter documents for the others (checker/reading/cases.py `_across_items`)."""

from __future__ import annotations

import pytest

from checker.errors import InputErrors
from checker.reading.cases import _across_items
from checker.reading.extraction import Extractor
from checker.reading.requests import normalize_request
from checker.ruleset.rules import load_catalog

from .conftest import CORPUS, rules_copy


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
