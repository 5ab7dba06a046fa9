"""Extraction patterns for the extremities imaging and surgery facts (rules/extraction/extremities-imaging-surgery.yaml
and the wrist/hand patterns of imaging.yaml): positive, negated and plan wording, written for these tests."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES

ABSENT = object()


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


def value(extractor, fact, summary, request="", treatment=None):
    found = extractor.extract(summary, request, treatment)
    return found[fact].value if fact in found else ABSENT


ANKLE_XRAY = ("X-rays of the right ankle", "XRAY-ANKLE-FOOT")
WRIST_MRI = ("MRI of the left wrist", "MRI-WRIST-HAND")
BRAIN_MRI = ("MRI of the brain", "MRI-BRAIN")
TKA = ("Right total knee arthroplasty", "TOTAL-KNEE-ARTHROPLASTY")
RCR = ("Left shoulder arthroscopy with rotator cuff repair", "ROTATOR-CUFF-REPAIR")
CUBITAL = ("Left cubital tunnel release", "CUBITAL-TUNNEL-RELEASE")
TRIGGER = ("Right ring trigger finger release", "TRIGGER-FINGER-RELEASE")
DEQ = ("Left de Quervain's release", "DE-QUERVAIN-RELEASE")
ICS = ("Interferential unit, 30 day rental", "INTERFERENTIAL-STIMULATION")
HWAVE = ("H-wave unit 30 day trial", "H-WAVE")
NONE = ("", None)


@pytest.mark.parametrize("fact, text, item, expected", [
    # plain films
    ("fracture_suspected_on_exam", "After the fall she was unable to bear weight on the right ankle.", ANKLE_XRAY, True),
    ("fracture_suspected_on_exam", "There was point tenderness over the lateral malleolus.", ANKLE_XRAY, True),
    ("fracture_suspected_on_exam", "Examination showed tenderness in the anatomical snuffbox.", WRIST_MRI, True),
    ("fracture_suspected_on_exam", "He is able to bear weight and there is no bony tenderness.", ANKLE_XRAY, False),
    ("fracture_suspected_on_exam", "The knee had a large hemarthrosis after the twisting injury.", ("X-rays of the left knee", "XRAY-KNEE"), True),
    # in a headed note's history too, where the summary ties the inability to bear weight to the injury or its first
    # care; a limit on walking today is not that, nor is a plan
    ("fracture_suspected_on_exam", ("HISTORY: He went to the emergency department the next day, unable to bear weight.\n"
                                    "EXAMINATION: The knee has an effusion."), ("MRI of the right knee", "MRI-KNEE"), True),
    ("fracture_suspected_on_exam", ("HISTORY: He is unable to walk more than two blocks.\n"
                                    "EXAMINATION: The knee has an effusion."), ("MRI of the right knee", "MRI-KNEE"), ABSENT),
    ("fracture_suspected_on_exam", ("HISTORY: Knee pain.\nPLAN: Go to the emergency room if unable to bear weight.\n"
                                    "EXAMINATION: The knee has an effusion."), ("MRI of the right knee", "MRI-KNEE"), ABSENT),
    # head MRI
    ("prolonged_disturbed_consciousness", "He had a loss of consciousness for approximately 20 minutes.", BRAIN_MRI, True),
    ("prolonged_disturbed_consciousness", "She reports post-traumatic amnesia after the fall.", BRAIN_MRI, True),
    ("prolonged_disturbed_consciousness", "He denies loss of consciousness.", BRAIN_MRI, ABSENT),
    # joint replacement
    ("patient_age_years", "The injured worker is a 62 year old male with right knee pain.", TKA, 62),
    ("patient_age_years", "The injured worker is a 46-year-old female.", TKA, 46),
    ("body_mass_index", "His BMI is 37.5 and he is trying to lose weight.", TKA, 37.5),
    ("body_mass_index", "Body mass index of 31.", TKA, 31),
    ("joint_motion_limited", "Right knee flexion was limited to 85 degrees.", TKA, True),
    ("joint_motion_limited", "The right knee has decreased range of motion with crepitus.", TKA, True),
    ("joint_motion_limited", "The knee has full range of motion.", TKA, False),
    ("nighttime_joint_pain", "She reports night pain that wakes her from sleep.", TKA, True),
    ("nighttime_joint_pain", "He denies night pain.", TKA, False),
    ("joint_functional_limitation", "He can only walk two blocks and has difficulty climbing stairs.", TKA, True),
    ("joint_functional_limitation", "She ambulates with a cane.", TKA, True),
    ("single_compartment_arthritis", "Standing films showed isolated medial compartment bone-on-bone arthritis.", TKA, True),
    ("single_compartment_arthritis", "X-rays revealed tricompartmental degenerative changes.", TKA, False),
    # shoulder
    ("rotator_cuff_tear_type", "MRI revealed a full-thickness tear of the supraspinatus tendon.", RCR, "full_thickness"),
    ("rotator_cuff_tear_type", "MRI showed a partial-thickness articular-sided tear of the supraspinatus.", RCR, "partial_thickness"),
    ("rotator_cuff_tear_type", "The rotator cuff was intact on MRI.", RCR, "none"),
    ("rotator_cuff_tear_type", "An MRI was requested to rule out a full-thickness tear.", RCR, ABSENT),
    ("arm_elevation_weakness", "There was weakness with abduction and external rotation, 4-/5.", RCR, True),
    ("arm_elevation_weakness", "Motor strength was 5/5 in all planes.", RCR, False),
    ("calcific_tendinitis_shoulder", "X-rays showed calcific tendinitis of the supraspinatus.", NONE, True),
    # elbow
    ("ulnar_neuropathy_exam_findings", "Tinel's sign was positive at the cubital tunnel with numbness of the ring and small fingers.", CUBITAL, True),
    ("ulnar_neuropathy_exam_findings", "Negative Tinel's at the elbow.", CUBITAL, False),
    ("electrodiagnostic_ulnar_neuropathy", "EMG/NCV showed moderate ulnar neuropathy at the elbow.", CUBITAL, True),
    ("electrodiagnostic_ulnar_neuropathy", "EMG/NCV of the upper extremities was normal.", CUBITAL, False),
    ("electrodiagnostic_ulnar_neuropathy", "An EMG/NCV was ordered to rule out ulnar neuropathy.", CUBITAL, ABSENT),
    ("ulnar_intrinsic_atrophy", "There is atrophy of the first dorsal interosseous.", CUBITAL, True),
    # hand and wrist
    ("finger_triggering_persistent", "The right ring finger continues to lock despite two injections.", TRIGGER, True),
    ("de_quervain_diagnosis", "Finkelstein's test was positive on the left.", DEQ, True),
    ("de_quervain_diagnosis", "Diagnoses include a de Quervain's fracture of the right wrist.", DEQ, ABSENT),
    ("de_quervain_diagnosis", "Negative Finkelstein test.", DEQ, False),
    ("exam_findings_suggest_lesion", "There was tenderness at the anatomic snuffbox of the left wrist.", WRIST_MRI, True),
    ("exam_findings_suggest_lesion", "A TFCC tear of the left wrist is suspected.", WRIST_MRI, True),
    ("plain_films_nondiagnostic", "X-rays of the left wrist were negative for fracture.", WRIST_MRI, True),
    ("plain_films_nondiagnostic", "X-rays of the left wrist were normal.", ANKLE_XRAY, ABSENT),
    # foot
    ("plantar_fasciitis_diagnosis", "Diagnoses: left plantar fasciitis.", NONE, True),
    # stimulators
    ("medications_ineffective", "Her medications provide little relief.", ICS, True),
    ("medications_ineffective", "NSAIDs caused gastritis.", ICS, True),
    ("medications_ineffective", "His medications are helpful and allow him to work.", ICS, False),
    ("substance_abuse_history", "He has a history of alcohol abuse.", ICS, True),
    ("substance_abuse_history", "She denies drug abuse.", ICS, False),
    ("postoperative_pain_limits_therapy", "Post-operative pain has limited her ability to perform physical therapy.", ICS, True),
    ("tens_trial_failed", "A TENS unit trial provided no relief.", HWAVE, True),
    ("tens_trial_failed", "She has failed TENS, physical therapy and medications.", HWAVE, True),
    ("tens_trial_failed", "The TENS unit helps with her pain.", HWAVE, False),
    ("hwave_indicated_condition", "He has diabetic peripheral neuropathy.", HWAVE, True),
    ("stroke_rehabilitation", "He is in rehabilitation after a stroke with left hemiparesis.", NONE, True),
])
def test_extremity_facts(extractor, fact, text, item, expected):
    assert value(extractor, fact, text, *item) == expected
