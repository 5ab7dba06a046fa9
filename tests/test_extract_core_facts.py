"""Extraction patterns for the shared clinical facts (rules/extraction/core.yaml) and the treatment-to-date list
cues they read (rules/extraction/lists.yaml): positive, negative, negated, plan and UR/IMR administrative wording,
with sentences written for these tests."""

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



PERSIST = "symptoms_persist_despite_treatment"
FAILED = "conservative_care_failed"
HEP = "home_exercise_program"


@pytest.mark.parametrize("text, expected", [
    # persistence in the summary's own words
    ("The patient has not seemed to improve with physical therapy.", True),
    ("She continues to have clicking and popping of the shoulder.", True),
    ("Since the fall he has been in severe pain.", True),
    ("The applicant was having difficulty with pain and swelling about the ankle.", True),
    # a present complaint, with treatment given reported in another sentence, after or before it
    pytest.param("On 11/2/2016 the worker complained of low back pain. Treatment to date has included medications.", True),
    pytest.param("Prior treatments included chiropractic care. Pain was rated 7/10 on the visual analog scale.", True),
    pytest.param("Treatment has included physical therapy and Naproxen. He rates his neck pain at 6 out of 10.", True),
    pytest.param("Current medications include ibuprofen. She presented with complaints of wrist pain and stiffness.", True),
    pytest.param("The patient has had 6 chiropractic visits. Her pain was rated 5-6 on a 10-point scale.", True),
    # a complaint with no treatment given yet (only planned) documents nothing
    ("He complained of right knee pain rated 8/10. The treatment plan included physical therapy.", ABSENT),
    ("She reported neck pain at 9/10 the day after the injury.", ABSENT),
    # mild pain, a denied symptom, or UR/IMR language documents nothing
    ("Treatment to date has included medications. Pain was rated 2/10.", ABSENT),
    ("Treatment to date has included medications. She denies any pain in the arms.", ABSENT),
    ("Treatment to date has included medications. The utilization review noted complaints of back pain.", ABSENT),
])
def test_symptoms_persist_despite_treatment(extractor, text, expected):
    assert value(extractor, PERSIST, text) == expected


@pytest.mark.parametrize("text, expected", [
    # in one sentence
    ("He failed conservative care including physical therapy.", True),
    ("Pain persists despite medications and chiropractic care.", True),
    # ongoing pain in a summary that documents the treatment given
    pytest.param("Treatment to date has included physical therapy and medications. He reported ongoing issues with back pain.", True),
    pytest.param("On 12/1 she complained of increased right hip pain. Treatment included physical therapy and medications.", True),
    pytest.param("Prior treatment included ibuprofen. On 11/11 he complained of no improvement in the pain of the neck.", True),
    # care said to help documents false; the latest mention decides
    ("Past treatments included therapy and medications. She reported overall improvement with physical therapy.", False),
    ("The patient has had treatment to include medications. She has not improved much; however, physical therapy "
     "has helped.", False),
    pytest.param("Physical therapy helped at first. Treatment to date has included physical therapy. Pain has persisted.", True),
    # pain provoked by movement is an examination finding, not worsening; a plan is not care given
    ("Treatment to date has included medications. Minimal shoulder movement increased pain.", ABSENT),
    ("He reported continued low back pain. The treatment plan includes physical therapy.", ABSENT),
    # UR/IMR language documents nothing
    ("Treatment to date has included medications. The request was denied for lack of evidence of failure of "
     "conservative treatment.", ABSENT),
])
def test_conservative_care_failed(extractor, text, expected):
    assert value(extractor, FAILED, text) == expected


@pytest.mark.parametrize("text", [
    "There was no improvement with chiropractic care.",
    "The patient reports minimal relief from physical therapy.",
    "She had little benefit from acupuncture.",
])
def test_a_statement_is_read_whole_not_as_the_shorter_one_inside_it(extractor, text):
    """"no improvement with chiropractic care" contains "improvement with chiropractic care": the longer reading
    (care that failed) is the statement; the contained one of another value does not count."""
    assert value(extractor, FAILED, text) is True
    assert value(extractor, FAILED, "There was improvement with chiropractic care.") is False


@pytest.mark.parametrize("text, expected", [
    ("He performs a home exercise program daily.", True),
    ("She started range of motion exercises and walking in the home as exercise.", True),
    ("He was instructed in stretching exercises to do at home.", True),
    ("He does not do any exercises at home.", False),
    # closed treatment-to-date lists, in the cue wordings summaries use
    ("Treatment has included physical therapy, TENS unit and Tylenol.", False),
    ("Treatment included chiropractic care and medications.", False),
    ("Treatment and evaluation to date has included medications and x-rays.", False),
    ("The treatment and diagnostic testing to date has included: x-rays, 4 sessions of physical therapy and a boot.",
     False),
    ("Past treatments were noted to include medication and activity modification.", False),
    ("Prior relevant treatment included physical therapy, medications, and acupuncture.", False),
    ("This patient has had treatment to include activity modifications and physical therapy.", False),
    ("Treatment to date includes physical therapy and a home exercise program.", True),
    # a plan or a request is not a list of treatment given; an open list documents no absence
    ("The requested treatment included physical therapy.", ABSENT),
    ("The treatment plan included physical therapy and medications.", ABSENT),
    ("Treatment has included physical therapy, medications, etc.", ABSENT),
])
def test_home_exercise_program(extractor, text, expected):
    assert value(extractor, HEP, text) == expected


NEUROPLASTY = ("Neuroplasty, lumbar spine", "ADHESIOLYSIS-LUMBAR")
LUMBAR_ESI = ("Right L5-S1 epidural steroid injection", "ESI-LUMBAR")
LUMBAR_MRI = ("MRI of the lumbar spine", "MRI-LUMBAR")
SECOND_OPINION = ("Second opinion orthopedic consultation", "SPECIALIST-CONSULTATION")


@pytest.mark.parametrize("text, item, expected", [
    ("Prior relevant treatment included physical therapy, cold therapy unit, and medications.", NEUROPLASTY, 0),
    ("Prior relevant treatment included physical therapy, cold therapy unit, and medications.", LUMBAR_ESI, 0),
    ("He had two prior lumbar epidural steroid injections.", LUMBAR_ESI, 2),
    # an imaging item is not read from the list; the request's 'second' counts for an injection only
    ("Treatment to date has included medications and x-rays.", LUMBAR_MRI, ABSENT),
    ("Treatment to date has included medications.", SECOND_OPINION, ABSENT),
    ("", ("Second lumbar epidural steroid injection at L4-5", "ESI-LUMBAR"), 1),
])
def test_prior_procedure_count(extractor, text, item, expected):
    request, code = item
    assert value(extractor, "prior_procedure_count", text, request, code) == expected


PT = ("Additional physical therapy two times a week for three weeks", "PHYSICAL-THERAPY")
CHIRO = ("Additional chiropractic three times a week for two weeks", "CHIROPRACTIC")
POSTOP_PT = ("Associated surgical service: Physical therapy, times 12", "POSTOP-PT")
KNEE_MRI = ("MRI of the right knee without contrast", "MRI-KNEE")
KNEE_SURGERY = ("Right knee arthroscopy with partial medial meniscectomy", "MENISCECTOMY")
SHOULDER_ARTHROGRAM = ("MR arthrogram of the left shoulder", "MR-ARTHROGRAM-SHOULDER")
LUMBAR_ESI_ITEM = ("Right L5-S1 epidural steroid injection", "ESI-LUMBAR")
CASE = ("", None)  # a letter's case facts are read without a request


@pytest.mark.parametrize("fact, text, item, expected", [
    # the prior course of the requested therapy, one kind per pattern
    ("prior_treatment_functional_improvement", "Treatment included 6 chiropractic treatments (without documentation "
     "of functional objective improvement).", CHIRO, False),
    ("prior_treatment_functional_improvement", "Physical therapy improved his ability to walk.", PT, True),
    ("prior_treatment_functional_improvement", "Physical therapy improved his ability to walk.", CHIRO, ABSENT),
    ("prior_treatment_functional_improvement", "The same, unchanged 15-pound lifting limitation was imposed.", PT, False),
    ("prior_treatment_functional_improvement", "Physical therapy was denied for lack of documentation of functional "
     "improvement.", PT, ABSENT),
    ("prior_sessions_completed", "The patient has had 5 physical therapy visits.", PT, 5),
    ("prior_sessions_completed", "Treatment to date has included medications and 6 chiropractic treatments.", CHIRO, 6),
    ("prior_sessions_completed", "He had 6 chiropractic treatments.", PT, ABSENT),
    ("prior_sessions_completed", "The provider asked for an additional 6 physical therapy visits.", PT, ABSENT),
    ("prior_sessions_completed", "She completed 4 physical therapy treatments through this particular request.", PT,
     ABSENT),
    # surgery and the services around it
    ("associated_surgery_certified", "The request for spine surgery evaluation was non-certified.", POSTOP_PT, ABSENT),
    ("associated_surgery_certified", "The right shoulder arthroscopy was certified on 12/1/2016.", POSTOP_PT, True),
    ("associated_surgery_type", "The utilization review denied the request for shoulder surgery due to there is no "
     "evidence of recurrent instability.", POSTOP_PT, "shoulder_instability_or_labral_repair"),
    ("associated_surgery_type", "He is scheduled for shoulder surgery for a rotator cuff tear.", POSTOP_PT, ABSENT),
    ("surgical_lesion_exam_findings", "There was medial joint line tenderness.", KNEE_SURGERY, True),
    ("surgical_lesion_exam_findings", "There was medial joint line tenderness.", KNEE_MRI, ABSENT),
    ("labral_tear_suspected", "He continues to have clicking, popping, and instability of his left shoulder.",
     SHOULDER_ARTHROGRAM, True),
    ("labral_tear_suspected", "The left shoulder is stable, without clicking.", SHOULDER_ARTHROGRAM, ABSENT),
    ("acute_carpal_tunnel_syndrome", "She had persistent pain in the right wrist with no numbness or tingling.", CASE,
     False),
    # case facts read without a request: the joint is named in the sentence, or the sign belongs to one joint
    ("knee_mechanical_symptoms", "He returned with right knee pain, locking, and giving way.", CASE, True),
    ("knee_mechanical_symptoms", "The ring finger was locking.", CASE, ABSENT),
    ("knee_mechanical_symptoms", "He denies locking or catching of the knee.", CASE, False),
    ("recurrent_shoulder_instability", "The patient has had multiple events of apprehension.", CASE, True),
    ("recurrent_shoulder_instability", "He has had multiple dislocations of the left shoulder.", CASE, True),
    ("recurrent_shoulder_instability", "There was a single dislocation of the right shoulder.", CASE, False),
    ("recurrent_shoulder_instability", "Multiple episodes of patellar apprehension were described.", CASE, ABSENT),
    ("knee_instability_symptomatic", "Lachman's test was positive.", CASE, True),
    ("knee_instability_symptomatic", "The knee was stable.", CASE, False),
    # red flags: one ruled out is not all ruled out
    ("red_flags", "X-rays showed no compression fractures.", CASE, ABSENT),
    ("red_flags", "There were no red flags on examination.", CASE, False),
    ("red_flags", "Diagnoses include closed fracture of fourth lumbar vertebra with delayed healing.", CASE, True),
    ("red_flags", "The UR denied the MRI as there was no evidence of red flag conditions.", CASE, ABSENT),
    # radicular symptoms and examination
    ("radicular_symptoms", "She complained of right shoulder pain radiating to her arm.", CASE, ABSENT),
    ("radicular_symptoms", "She had neck pain with radiation into her shoulders and hands.", CASE, True),
    ("radicular_symptoms", "Low back pain radiates down the left leg to the foot.", CASE, True),
    ("radicular_exam_findings", "Examination showed decreased C5 and C6 dermatome sensation.", CASE, True),
    ("radicular_exam_findings", "He had hypersensitivity of the anterior thigh at the L1-L3.", CASE, True),
    ("radicular_exam_findings", "Sensation was intact to light touch.", CASE, False),
    ("radicular_exam_levels", "Examination showed decreased C5 and C6 dermatome sensation.", CASE, ["C5", "C6"]),
    # a dermatome names roots, never the disc levels between them (issue 12, point 6)
    ("radicular_exam_levels", "There was decreased sensation in the L4-S1 distribution.", CASE, ["L4", "L5", "S1"]),
    ("radicular_exam_levels", "Examination showed decreased sensation in the L5-S1 dermatomes.", CASE, ["L5", "S1"]),
    ("radicular_exam_levels", "Hypoesthesia was noted in the L4-5 dermatomes.", CASE, ["L4", "L5"]),
    ("imaging_levels", "MRI showed a disc protrusion at L4-S1.", CASE, ["L4-L5", "L5-S1"]),
    ("imaging_levels", "MRI showed minimal foraminal narrowing at L3-4.", CASE, ABSENT),
    ("imaging_levels", "MRI showed foraminal stenosis at L4-5.", CASE, ["L4-L5"]),
])
def test_item_and_case_facts(extractor, fact, text, item, expected):
    assert value(extractor, fact, text, *item) == expected
