"""More extraction cases for the medication and physical-medicine facts (rules/extraction/medications.yaml,
rules/extraction/physical-medicine.yaml, and the current-medication and diagnosis lists of lists.yaml):
sentences written for the class of wording, with negations, plans and UR language that document nothing."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor

from .conftest import RULES


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def value(extractor, fact, summary, request="", treatment=None):
    entry = extractor.extract(summary, request, treatment).get(fact)
    return None if entry is None else entry.value


# ---- physical_medicine_diagnosis: what the worker is treated for is the diagnosis list --------------------

@pytest.mark.parametrize("summary, expected", [
    ("The injured worker is being treated for the diagnoses of right wrist contusion and neck strain.", "other"),
    ("The injured worker is undergoing treatment for a right ankle sprain and contusion of the knee.", "other"),
    ("Records indicate the worker is undergoing treatments for cervicalgia and strain of the neck.", "other"),
    ("She has been treated for left knee sprain.", "other"),
    ("He is receiving conservative treatment for a closed fracture of the fibula.", "other"),
    ("The patient presented with a diagnosis of right shoulder impingement syndrome.", "other"),
    ("He is undergoing treatment for low back pain with sciatica and knee pain.", "neuralgia_radiculitis"),
    ("She is being treated for myofascial pain of the upper back.", "myalgia_myositis"),
    ("She is being treated for osteoarthritis of the knee and a wrist sprain.", "arthritis"),
    # a duration, not a diagnosis list
    ("She has been treated for six weeks with physical therapy.", None),
    ("He was treated for approximately 3 months with medications.", None),
    ("He was treated for 4 weeks.", None),
    # no diagnosis of X is not a diagnosis list
    ("There was no diagnosis of radiculopathy.", None),
])
def test_diagnosis_lists_opened_by_what_the_worker_is_treated_for(extractor, summary, expected):
    assert value(extractor, "physical_medicine_diagnosis", summary) == expected


# ---- active_rehabilitation_program: therapy attended, started or completed, and what it did ----------------

@pytest.mark.parametrize("summary, expected", [
    ("The patient has had 6 physical therapy visits.", True),
    ("She completed 4 physical therapy treatments through the last authorization.", True),
    ("The injured worker has started physical therapy.", True),
    ("He underwent a course of occupational therapy for the hand.", True),
    ("He began aquatic therapy last week.", True),
    ("She reported overall improvement with physical therapy.", True),
    ("He has made gains during the sessions of physical therapy.", True),
    ("The physician indicated physical therapy has helped.", True),
    ("The patient started passive range of motion exercises.", True),
    ("He performs stretching exercises at home.", True),
    ("She is walking in the home around 200 feet as exercise.", True),
    # a referral, request, plan or authorization is not attendance
    ("He had a physical therapy referral in October.", None),
    ("She had physical therapy authorized by the carrier.", None),
    ("The patient was referred for physical therapy.", None),
    ("The treatment plan included physical therapy 2x6.", None),
    ("He would benefit from physical therapy.", None),
    ("The patient will start physical therapy next week.", None),
    # negated and UR language
    ("She has not started physical therapy.", None),
    ("Utilization review noted no improvement with physical therapy was documented.", None),
    ("The claims administrator denied the request for physical therapy as the patient had completed therapy.", None),
])
def test_active_rehabilitation_from_therapy_attended(extractor, summary, expected):
    assert value(extractor, "active_rehabilitation_program", summary) == expected
