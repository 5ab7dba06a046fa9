"""Extraction patterns for the medication and physical-medicine facts (rules/extraction/medications.yaml,
rules/extraction/physical-medicine.yaml): findings, negations, plans, UR language and item scope."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES, corpus_facts_seen


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


def facts(extractor, summary, request="", treatment=None):
    return {name: e.value for name, e in extractor.extract(summary, request, treatment).items()}


# ---- case facts: (sentence, fact, expected value; None = not documented) ----------------------------

@pytest.mark.parametrize("text, fact, expected", [
    ("Current medications include Norco 10/325 mg and Motrin.", "current_opioid_prescription", True),
    ("He has been taking hydrocodone for pain.", "current_opioid_prescription", True),
    ("The plan included a trial of tramadol.", "current_opioid_prescription", None),
    ("Utilization review denied the request for Norco 10/325 mg.", "current_opioid_prescription", None),
    ("Current medications include Ibuprofen and Tizanidine.", "concurrent_nsaid", True),
    ("She stopped NSAIDs because of stomach upset.", "concurrent_nsaid", False),
    ("She has tried Tylenol, which caused nausea.", "acetaminophen_failed", True),
    ("Acetaminophen did not relieve her knee pain.", "non_opioid_analgesics_failed", True),
    ("He has not tried NSAIDs.", "non_opioid_analgesics_failed", False),
    ("Gabapentin was not tolerated due to dizziness.", "first_line_neuropathic_agent_failed", True),
    ("The request was denied as there was no failed trial of gabapentin.", "first_line_neuropathic_agent_failed", None),
    ("He has difficulty swallowing oral medications.", "oral_medication_intolerance", True),
    ("She is able to tolerate oral medications.", "oral_medication_intolerance", False),
    ("He describes burning pain in the left foot.", "neuropathic_pain", True),
    ("He denies burning pain.", "neuropathic_pain", False),
    ("EMG was ordered to rule out neuropathy.", "neuropathic_pain", None),
    ("X-rays showed osteoarthritis of the right knee.", "osteoarthritis_diagnosis", True),
    ("There was no evidence of osteoarthritis.", "osteoarthritis_diagnosis", False),
    ("She has rheumatoid arthritis of the hands.", "osteoarthritis_diagnosis", None),
    ("Diagnoses include lumbar sprain/strain.", "acute_sprain_strain", True),
    ("There was spasm of the lumbar paraspinal muscles.", "acute_muscle_spasm", True),
    ("Tenderness was noted without spasms.", "acute_muscle_spasm", False),
    ("She reports depression since the injury.", "depression_diagnosis", True),
    ("He denies depression.", "depression_diagnosis", False),
    ("He reports anxiety and panic attacks at night.", "anxiety_or_agitation", True),
    ("X-rays revealed a displaced fracture of the distal radius.", "severe_acute_injury", True),
    ("X-rays of the knee showed no fracture.", "severe_acute_injury", False),
    ("A CT was ordered to rule out fracture.", "severe_acute_injury", None),
    ("She has a history of peptic ulcer disease.", "gi_risk_factors", True),
    ("The injured worker is a 71-year-old male.", "gi_risk_factors", True),
    ("He denies GI upset.", "gi_risk_factors", False),
    ("An opioid risk tool was completed and showed low risk.", "opioid_risk_screening_done", True),
    ("The CURES report was reviewed and was appropriate.", "cures_checked", True),
    ("The urine drug screen on 11-2-16 was consistent with prescribed medications.",
     "urine_drug_test_consistent", True),
    ("The urine drug screen was inconsistent, positive for cocaine.", "urine_drug_test_consistent", False),
    ("There was no evidence of aberrant drug behavior.", "opioid_aberrant_behavior", False),
    ("The pharmacy reported early refills of Norco twice this month.", "opioid_aberrant_behavior", True),
    ("His total daily dose is 120 mg MED.", "opioid_daily_med", 120),
    ("Norco was tapered from four to three tablets a day.", "opioid_wean_attempted", True),
    ("The plan is to wean opioids next month.", "opioid_wean_attempted", None),
    ("The plan included physical therapy.", "active_rehabilitation_program", None),
    ("She continues with a home exercise program.", "active_rehabilitation_program", True),
    ("He is currently attending physical therapy twice a week.", "active_rehabilitation_program", True),
    ("He was able to reduce his Norco use with acupuncture.", "pain_medication_reduced_or_not_tolerated", True),
    ("She is unable to tolerate NSAIDs.", "pain_medication_reduced_or_not_tolerated", True),
    ("The patient has reached maximum medical improvement.", "return_to_work_evaluation_needed", True),
    ("He had two unsuccessful attempts to return to work.", "return_to_work_evaluation_needed", True),
    ("The patient returned to full duty on 12-1-16.", "working_full_duty", True),
    ("She is working modified duty with a 10-pound lifting limit.", "working_full_duty", False),
    ("He is not working.", "working_full_duty", False),
    ("Past treatment included work restrictions.", "working_full_duty", False),  # the restrictions of the treatment to date
    ("In the past he was on work restrictions.", "working_full_duty", None),
    ("Current medications include Norco 10/325 mg and Baclofen 10 mg.", "current_medications_documented", True),
    ("Medications were not specified.", "current_medications_documented", False),
    ("The patient is homebound following the fall.", "homebound", True),
    ("Diagnoses include cervical radiculitis.", "physical_medicine_diagnosis", "neuralgia_radiculitis"),
    ("He is treated for myofascial pain of the trapezius.", "physical_medicine_diagnosis", "myalgia_myositis"),
    ("He has completed 8 weeks of cognitive behavioral therapy.", "cbt_weeks_completed", 8),
    ("He had 3 prior urine drug screens this year.", "urine_drug_tests_last_12_months", 3),
    ("He is able to tolerate three hours of therapy per day.", "intensive_rehabilitation_needed", True),
])
def test_case_facts(extractor, text, fact, expected):
    assert facts(extractor, text).get(fact) == expected


@pytest.mark.parametrize("text", [
    "Utilization review non-certified Norco as there was no documented urine drug screen or CURES report.",
    "The claims administrator denied the request for physical therapy citing no home exercise program.",
    "The request for Naprosyn was denied due to no evidence of osteoarthritis or GI risk factors.",
])
def test_utilization_review_language_documents_nothing(extractor, text):
    found = facts(extractor, text, "Naprosyn 550 mg #60", "NSAID-ORAL")
    mine = {"cures_checked", "urine_drug_test_consistent", "active_rehabilitation_program",
            "osteoarthritis_diagnosis", "gi_risk_factors", "current_opioid_prescription", "continuing_medication"}
    assert not mine & set(found)


# ---- item facts are tied to the item's treatment -------------------------------------------------------

def test_continuing_medication_reads_only_the_item_drug_class(extractor):
    summary = "Current medications include Norco. Norco has helped."
    assert facts(extractor, summary, "Norco 10/325 mg #90", "OPIOID-SHORT-ACTING")["continuing_medication"] is True
    # a drug the current medication list does not name is a new start (documented: the list is closed)
    assert facts(extractor, summary, "Cyclobenzaprine 7.5 mg #60", "MUSCLE-RELAXANT")["continuing_medication"] is False
    relaxant = "She has been taking Flexeril at bedtime."
    assert facts(extractor, relaxant, "Cyclobenzaprine 7.5 mg", "MUSCLE-RELAXANT")["continuing_medication"] is True
    assert "continuing_medication" not in facts(extractor, relaxant, "MRI of the lumbar spine", "MRI-LUMBAR")


@pytest.mark.parametrize("text, expected", [
    ("The provider advised the applicant to continue with orphenadrine.", True),
    ("Treatment has included Flexeril since at least 10-15-2016.", True),
    ("She is not taking Flexeril.", False),
    ("The applicant was not using any medications.", False),
    ("The plan included Flexeril 10 mg twice a day.", None),
    ("The request for Flexeril 10 mg was denied.", None),
])
def test_continuing_medication(extractor, text, expected):
    assert facts(extractor, text, "Cyclobenzaprine 7.5 mg", "MUSCLE-RELAXANT").get("continuing_medication") == expected


@pytest.mark.parametrize("text, expected", [
    ("He has been taking Norco for the past 6 months.", 26.0),
    ("She has used tramadol for over two years.", 104.0),
    ("Norco 10/325 mg one tablet every 6 hours for 30 days was prescribed.", None),
    ("He was on Flexeril for 3 months.", None),  # another class
])
def test_medication_use_weeks(extractor, text, expected):
    assert facts(extractor, text, "Norco 10/325 mg", "OPIOID-SHORT-ACTING").get("medication_use_weeks") == expected


def test_topical_and_device_facts_need_their_item(extractor):
    tens = "He completed a one-month home TENS trial with good relief."
    assert facts(extractor, tens, "TENS unit purchase", "TENS")["device_trial_completed"] is True
    assert "device_trial_completed" not in facts(extractor, tens, "Physical therapy x 6", "PHYSICAL-THERAPY")
    assert "device_trial_completed" not in facts(extractor, "A TENS trial is recommended.", "TENS unit", "TENS")
    need = "He is unable to bear weight on the right foot."
    assert facts(extractor, need, "Knee scooter", "DURABLE-MEDICAL-EQUIPMENT")["equipment_medical_need"] is True
    assert facts(extractor, "She ambulated with a normal gait.", "Walker",
                 "DURABLE-MEDICAL-EQUIPMENT")["equipment_medical_need"] is False


def test_supervised_therapy_and_goals(extractor):
    req, code = "Physical therapy 2x4 for the lumbar spine", "PHYSICAL-THERAPY"
    assert facts(extractor, "She would benefit from additional supervised therapy to improve strength.", req,
                 code)["supervised_therapy_needed"] is True
    assert facts(extractor, "He is independent with his home exercise program.", req,
                 code)["supervised_therapy_needed"] is False
    assert facts(extractor, "Functional goals of therapy include sitting for one hour.", "TENS unit",
                 "TENS")["treatment_goals_documented"] is True


def test_inpatient_rehabilitation_gains(extractor):
    req, code = "Extension of acute inpatient rehabilitation 7 days", "INPATIENT-REHABILITATION"
    assert facts(extractor, "During the rehabilitation stay she showed improvement in transfers and gait.", req,
                 code)["prior_stay_benefit_documented"] is True
    assert facts(extractor, "He has made no progress in rehab.", req, code)["prior_stay_benefit_documented"] is False


# ---- the corpus ---------------------------------------------------------------------------------------

def test_every_corpus_summary_and_item_is_read(extractor):
    from checker.ruleset.treatments import load_treatments
    seen = corpus_facts_seen(extractor, load_treatments(RULES))
    mine = {"current_opioid_prescription", "concurrent_nsaid", "acute_muscle_spasm", "working_full_duty",
            "neuropathic_pain", "current_medications_documented", "continuing_medication"}
    assert mine <= seen <= set(extractor.rules)
