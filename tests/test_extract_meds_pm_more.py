"""More extraction cases for the medication and physical-medicine facts (rules/extraction/medications.yaml,
rules/extraction/physical-medicine.yaml, and the current-medication and diagnosis lists of lists.yaml):
sentences written for the class of wording, with negations, plans and UR language that document nothing."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.reading.requests import normalize_request

from .conftest import RULES


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def value(extractor, fact, summary, request="", treatment=None):
    entry = extractor.extract(summary, request, treatment).get(fact)
    return None if entry is None else entry.value


def code(extractor, request):
    """The treatment code the checker gives the request."""
    return normalize_request(request, extractor.treatments()).code


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
    # none started: no program now (a statement of the worker's, not a negated finding)
    ("She has not started physical therapy.", False),
    # UR language
    ("Utilization review noted no improvement with physical therapy was documented.", None),
    ("The claims administrator denied the request for physical therapy as the patient had completed therapy.", None),
])
def test_active_rehabilitation_from_therapy_attended(extractor, summary, expected):
    assert value(extractor, "active_rehabilitation_program", summary) == expected


# ---- the current-medication list: what opens it, and a history of medications is not it ------------------

@pytest.mark.parametrize("summary, fact, expected", [
    ("Current medication was Ibuprofen.", "concurrent_nsaid", True),
    ("Current medication was Ibuprofen.", "current_opioid_prescription", False),
    ("Current mediations included Naproxen and Omeprazole.", "current_opioid_prescription", False),
    ("Medication regimen listed Methotrexate, Ibuprofen and Cyclobenzaprine.", "current_opioid_prescription", False),
    ("Relevant medications included Norco and baclofen.", "current_opioid_prescription", True),
    ("Relevant medications included Norco and baclofen.", "concurrent_nsaid", False),
    # a history of medications is not the current ones (it documents neither use nor absence)
    ("Medications have included: Norco 10-325mg and Flexeril 5mg.", "current_opioid_prescription", None),
    ("Medications have included: Norco 10-325mg, Ketoprofen 50mg, and Flexeril 5mg.", "concurrent_nsaid", None),
    ("Treatment to date has included oral medications including Ketoprofen 50mg and Tylenol.", "concurrent_nsaid", None),
    # not a list at all
    ("The current medication regimen was not provided.", "current_opioid_prescription", None),
    ("No medications were listed.", "concurrent_nsaid", None),
])
def test_current_medication_list_cues(extractor, summary, fact, expected):
    assert value(extractor, fact, summary) == expected


# ---- continuing_medication and medication_use_weeks: the requested drug itself -----------------------------

@pytest.mark.parametrize("summary, asked, expected", [
    # the list names the drug (same ingredient, another brand) or leaves it out (a closed list)
    ("Current medications include Flexeril 5 mg.", "Cyclobenzaprine 7.5mg #60", True),
    ("The patient's medications were noted to include omeprazole, ibuprofen and cyclobenzaprine.", "Etodolac 400mg", False),
    ("Relevant medications included Norco and cyclobenzaprine.", "Orphenadrine ER 100mg #60", False),
    # continued, switched to, or stopped: the patient has taken it
    ("The patient was to continue with Salonpas.", "Salonpas pad #60", True),
    ("The patient was to stop AneCream and use ice.", "Anecream cream 4% #30", True),
    ("Omeprazole was changed to Pantoprazole due to epigastric pain.", "Pantoprazole 40mg #60", True),
    ("She has been taking Protonix for reflux.", "Pantoprazole 40mg #60", True),
    ("He has been on Ambien for sleep.", "Zolpidem 10mg #30", True),
    ("She discontinued the Lidoderm patches because of a rash.", "Lidoderm patch #30", True),
    # not yet taken: could not be filled, or given until the requested drug is approved
    ("Valium was not able to be filled per insurance.", "Diazepam 5mg #10", False),
    ('"Valium and Zofran not able to fill per insurance."', "Diazepam 5mg #10", False),
    ("Ibuprofen was given until approval is obtained for Voltaren topical gel and Lidoderm patches.",
     "Lidoderm patch #30", False),
    ("Ibuprofen was given until approval is obtained for Voltaren topical gel.", "Voltaren gel 1% #100g", False),
    # another drug of the class, or a drug of another class, says nothing of the requested one
    ("She has been taking Protonix for reflux.", "Lidoderm patch #30", None),
    ("Utilization review noted he has been taking Ambien.", "Zolpidem 10mg #30", None),
])
def test_continuing_medication(extractor, summary, asked, expected):
    assert value(extractor, "continuing_medication", summary, asked, code(extractor, asked)) == expected


@pytest.mark.parametrize("summary, asked, expected", [
    ("The patient's medications were noted to include omeprazole, ibuprofen and cyclobenzaprine.", "Etodolac 400mg", 0),
    ("Current medications include Flexeril 5 mg.", "Cyclobenzaprine 7.5mg #60", None),   # named, since when not said
    ("Ibuprofen was given until approval is obtained for Voltaren topical gel and Lidoderm patches.",
     "Lidoderm patch #30", 0),
    ('"Valium and Zofran not able to fill per insurance."', "Diazepam 5mg #10", 0),
    ("She has been on Lyrica for the past 3 months.", "Pregabalin 75mg #60", 13.0),     # every class reads durations
])
def test_medication_use_weeks_not_yet_started(extractor, summary, asked, expected):
    assert value(extractor, "medication_use_weeks", summary, asked, code(extractor, asked)) == expected


# ---- concurrent_nsaid and current_opioid_prescription ------------------------------------------------------

@pytest.mark.parametrize("summary, fact, expected", [
    ("The patient was prescribed Cyclobenzaprine and Naproxen.", "concurrent_nsaid", True),
    ("The treatment plan included chiropractic, Naproxen 500 mg #60 twice a day and Flexeril.", "concurrent_nsaid", True),
    ("The plan of care included Ibuprofen suspension 600mg three times daily.", "concurrent_nsaid", True),
    ("Naproxen 550 mg was certified by the claims administrator.", "concurrent_nsaid", True),
    ("She discontinued naproxen because of stomach upset.", "concurrent_nsaid", False),
    ("Past treatment included naproxen.", "concurrent_nsaid", None),
    ("Utilization review denied naproxen 500 mg #60.", "concurrent_nsaid", None),
    ("The request for celecoxib 200mg was denied.", "concurrent_nsaid", None),
    ("Voltaren topical gel 1% was prescribed for the knee.", "concurrent_nsaid", None),   # topical, not oral
    ("The injured worker was depending on Percocet for pain.", "current_opioid_prescription", True),
    ("He has been relying on tramadol at night.", "current_opioid_prescription", True),
    ("Norco 10/325mg #25 was authorized by the Claims Administrator.", "current_opioid_prescription", True),
    ("Norco was authorized by the claims administrator for weaning.", "current_opioid_prescription", None),
    ("Norco 10/325mg #60 was non-certified by utilization review.", "current_opioid_prescription", None),
    ("He discontinued Norco last month.", "current_opioid_prescription", False),  # stopped: as naproxen above
])
def test_nsaid_and_opioid_in_the_regimen(extractor, summary, fact, expected):
    assert value(extractor, fact, summary) == expected


# ---- current_medications_documented: the current medications with their doses ----------------------------

@pytest.mark.parametrize("summary, expected", [
    ("Medications include cyclobenzaprine 10 mg and nabumetone 750 mg.", True),
    ("Current medications: Norco 10/325 mg twice daily, gabapentin 300 mg at night.", True),
    ("She is currently taking naproxen 550 mg twice a day.", True),
    ("The patient's current medication regimen was not provided.", False),
    # names without doses, a history of medications, a treatment list, a plan or UR language: not the regimen
    ("Current medications include Ibuprofen and Tizanidine.", None),
    ("Medications have included: Norco 10-325mg and Flexeril 5mg.", None),
    ("Treatment to date has included oral medications including Orphenadrine Citrate 100mg and Tylenol.", None),
    ("Utilization review noted medications include Norco 10/325 mg.", None),
])
def test_current_medications_documented_with_doses(extractor, summary, expected):
    assert value(extractor, "current_medications_documented", summary) == expected


# ---- neuropathic_pain: localized (peripheral) neuropathic pain, not radicular pain ------------------------

@pytest.mark.parametrize("summary, expected", [
    ("She describes burning pain in the dorsum of the foot.", True),
    ("There was allodynia over the scar.", True),
    ("He has a history of postherpetic neuralgia.", True),
    ("Decreased sensation was noted in the ulnar nerve distribution of the left hand.", True),
    ("The diagnosis is right carpal tunnel syndrome.", None),   # an entrapment named as a diagnosis
    ("He denies burning pain.", False),
    # radicular, not localized neuropathic pain
    ("Diagnoses included lumbar disc displacement and lumbar radiculopathy.", None),
    ("The patient is being treated for low back pain with sciatica.", None),
    ("There was decreased sensation in the L4-S1 distribution.", None),
    ("There was decreased sensation at the L5-S1 dermatomes.", None),
    # plans and UR language
    ("The plan includes EMG/NCV to rule out the possibility of neuropathy.", None),
    ("The request was non-certified as topical lidocaine is indicated for neuropathic pain, which was not present.", None),
])
def test_neuropathic_pain_is_localized(extractor, summary, expected):
    assert value(extractor, "neuropathic_pain", summary) == expected


# ---- depression_diagnosis vs anxiety_or_agitation: anxiety is not depression ------------------------------

@pytest.mark.parametrize("summary, fact, expected", [
    ("She reports depressed mood since the injury.", "depression_diagnosis", True),
    ("His PHQ-9 score was 15.", "depression_diagnosis", True),
    ("The diagnoses include major depressive disorder.", "depression_diagnosis", True),
    ("She denies depression.", "depression_diagnosis", False),
    ("The patient reported increased anxiety at night.", "depression_diagnosis", None),
    ("She is anxious about returning to work.", "depression_diagnosis", None),
    ("Opioids may cause respiratory depression.", "depression_diagnosis", None),
    ("The request was denied as there was no documentation of depression.", "depression_diagnosis", None),
    # anxiety as the reason for a benzodiazepine
    ("He has generalized anxiety disorder.", "anxiety_or_agitation", True),
    ("She reports panic attacks at night.", "anxiety_or_agitation", True),
    ("Xanax was prescribed for her anxiety.", "anxiety_or_agitation", True),
    ("He takes an anti-anxiety medication for nervousness.", "anxiety_or_agitation", True),
    ("The patient reported increased anxiety at night time as well.", "anxiety_or_agitation", None),
    ("She denies anxiety or panic attacks.", "anxiety_or_agitation", False),
    ("Utilization review denied the request for Xanax for anxiety.", "anxiety_or_agitation", None),
])
def test_depression_is_not_anxiety(extractor, summary, fact, expected):
    assert value(extractor, fact, summary) == expected


# ---- acute_sprain_strain: the strain felt at the moment of injury is the mechanism -------------------------

@pytest.mark.parametrize("summary, expected", [
    ("The current diagnosis is lumbar sprain/strain.", True),
    ("She was diagnosed with a right shoulder sprain.", True),
    ("He bent down to pick up a wrench and felt a slight strain in the back.", None),
    ("He felt a strain in his neck while lifting.", None),
    ("The patient denies any sprain.", False),
    ("She has a history of an ankle sprain years ago.", None),
])
def test_acute_sprain_strain(extractor, summary, expected):
    assert value(extractor, "acute_sprain_strain", summary) == expected


# ---- working_full_duty ------------------------------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ('"She can return to work as of 12-05-2016."', False),
    ("He may return to work on 11/15/2016.", False),
    ("She is cleared to return to full duty as of 12/01/2016.", True),     # the full duty named wins
    ("Prior treatment has included medication and work restrictions.", False),
    ("Treatment to date has included physical therapy, medications and modified duty.", False),
    ("He has returned to work without restrictions.", True),
    ("Past treatment included physical therapy and medications.", None),
    ("The request was denied; the patient may return to work on 12/1.", None),
])
def test_working_full_duty_status(extractor, summary, expected):
    assert value(extractor, "working_full_duty", summary) == expected


# ---- severe_acute_injury -----------------------------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("The mechanism of injury is detailed as a crushing injury after being pinned between 2 trucks.", True),
    ("He slipped and fell while working and broke his ribs.", True),
    ("X-rays revealed a displaced fracture of the distal radius.", True),
    ("The current diagnosis is documented as dislocation, shoulder.", None),
    ("X-rays showed no fracture.", False),
    ("MRI to rule out a fracture was requested.", None),
])
def test_severe_acute_injury(extractor, summary, expected):
    assert value(extractor, "severe_acute_injury", summary) == expected


# ---- pain medication reduced or not tolerated; first-line drugs failed ----------------------------------------

@pytest.mark.parametrize("summary, fact, expected", [
    ("The treatment plan included stop Tylenol (caused nausea) and chiropractic therapy.",
     "pain_medication_reduced_or_not_tolerated", True),
    ("The treatment plan included stop Tylenol (caused nausea) and chiropractic therapy.", "acetaminophen_failed", True),
    ("The physician recommended the patient stop nonsteroidal anti-inflammatory drugs until her blood pressure is checked.",
     "pain_medication_reduced_or_not_tolerated", True),
    ("The plan is to wean Norco over the next month.", "pain_medication_reduced_or_not_tolerated", True),
    ("The TENS unit is requested to reduce medication use.", "pain_medication_reduced_or_not_tolerated", None),
    ("Acupuncture may help decrease pain medications.", "pain_medication_reduced_or_not_tolerated", None),
    ("The UR denied the request as there was no evidence medications were reduced.",
     "pain_medication_reduced_or_not_tolerated", None),
    ("Ibuprofen is given as he is not able to tolerate oral medications.", "non_opioid_analgesics_failed", True),
    ("The plan is to try Tylenol first.", "acetaminophen_failed", None),
    ("The plan included stopping Tylenol (caused nausea).", "non_opioid_analgesics_failed", None),   # one drug, not the first line
])
def test_medications_reduced_or_failed(extractor, summary, fact, expected):
    assert value(extractor, fact, summary) == expected


# ---- gi_risk_factors: dyspepsia from the NSAID, two NSAIDs at once ------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("Naproxen caused stomach upset.", True),
    ("He reports dyspepsia while taking ibuprofen.", True),
    ("Medication regimen listed Methotrexate, Ibuprofen, Cyclobenzaprine and Nabumetone.", True),
    ("She is taking naproxen 550 mg and meloxicam 15 mg.", True),
    ("Current medications include naproxen and naproxen sodium.", None),      # one NSAID
    ("Omeprazole was changed to Pantoprazole due to epigastric pain.", None),  # not attributed to an NSAID
    ("He has a history of acid reflux treated with omeprazole.", None),
    ("She denies GI upset on naproxen.", False),
    ("This is a 70 year old male.", True),
])
def test_gi_risk_factors(extractor, summary, expected):
    assert value(extractor, "gi_risk_factors", summary) == expected


# ---- a medication statement: a drug written with its strength or quantity is a drug the worker takes ------

@pytest.mark.parametrize("summary, expected", [
    ("On exam she was alert. She takes naproxen 550 mg twice daily for pain.", True),
    ("Medications: Motrin 800mg #90, omeprazole 20 mg.", True),
    ("The patient was seen on 03/02/2016 with low back pain. Naproxen sodium 550 mg, one tablet twice a day.", True),
    # the request itself is not a drug taken (a plan to prescribe one is read by its own pattern, for a PPI)
    ("Naproxen 550 mg #60 is requested.", None),
    # a treatment history is not the current regimen
    ("Medications have included: Ketoprofen 50mg and tramadol.", None),
    ("Treatment to date has included oral medications including naproxen 550 mg.", None),
    # a topical form is not an oral NSAID
    ("She applies Voltaren 1% gel 4 grams to the knee.", None),
    ("Ketoprofen 20% cream was dispensed.", None),
])
def test_concurrent_nsaid_from_a_medication_statement(extractor, summary, expected):
    assert value(extractor, "concurrent_nsaid", summary) == expected


@pytest.mark.parametrize("summary, expected", [
    ("The worker reports pain of 7/10. Norco 10/325 mg, one every six hours.", True),
    ("Current treatment: tramadol ER 150mg daily and home exercise.", True),
    ("Percocet #60 was last filled in May.", True),
    # the request itself is not a prescription the worker has
    ("Norco 10/325 mg #90 is requested.", None),
    ("The physician plans to start tramadol 50 mg as needed.", None),
    ("Medications have included Norco 10/325 mg and gabapentin.", None),
])
def test_current_opioid_from_a_medication_statement(extractor, summary, expected):
    assert value(extractor, "current_opioid_prescription", summary) == expected
