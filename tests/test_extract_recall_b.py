"""Extraction patterns written from the facts' meanings and clinical wording (issue 12, recall and precision on
letters the patterns were not written on): therapy and procedure counts in their many forms, prior surgery of the
requested region, the operation a service is for, device trials, plain films, and what the meanings exclude
(a chronic case's strain, past therapy, a surgery mention not about the studied part). Every sentence is written
for these tests: positive, negative, negated, planned, and UR/IMR administrative wording that documents nothing."""

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


# ---- acute_sprain_strain: a recent injury's sprain or strain, not a chronic case's ----------------------------

@pytest.mark.parametrize("summary, expected", [
    ("The worker sustained an industrial injury on 11-02-2016. Diagnoses include lumbar strain.", True),
    ("She was diagnosed with a right ankle sprain after a fall at work.", True),
    ("He strained his low back lifting a box.", True),
    ("The current diagnosis is cervical sprain, initial encounter.", True),
    # a chronic or gradual course, or a late effect, is not an acute sprain
    ("The diagnoses have included lumbar sprain/strain. He complains of chronic low back pain.", ABSENT),
    ("She was injured eight years ago. The diagnoses include cervical strain.", ABSENT),
    ("The mechanism of injury is cumulative trauma. The diagnosis is a sprain of the lumbar spine.", ABSENT),
    ("He was declared permanent and stationary. Diagnoses: lumbar strain.", ABSENT),
    ("The current diagnosis is sprain of ligaments of lumbar spine, subsequent encounter.", ABSENT),
    ("The diagnosis is strain of the right shoulder, sequela.", ABSENT),
    ("He has a history of a lumbar strain.", ABSENT),
    ("He felt a slight strain in the back while bending.", ABSENT),
    ("There was no sprain or fracture.", False),
])
def test_acute_sprain_strain(extractor, summary, expected):
    assert value(extractor, "acute_sprain_strain", summary) == expected


def test_chronic_pain_guidelines_named_in_a_summary_do_not_make_a_case_chronic(extractor):
    summary = ("Diagnoses include lumbar strain. Utilization review cited the Chronic Pain Medical Treatment "
               "Guidelines.")
    assert value(extractor, "acute_sprain_strain", summary) is True


# ---- active_rehabilitation_program: taking part now, not therapy given in the past ---------------------------

@pytest.mark.parametrize("summary, expected", [
    ("She continues with a home exercise program.", True),
    ("Treatment to date has included a home exercise program and medications.", True),
    ("He stretches daily and walks for exercise.", True),
    # therapy named in the treatment to date was given; whether it goes on is not said
    ("Treatment to date has included physical therapy and medications.", ABSENT),
    ("Prior treatment included 12 sessions of physical therapy.", ABSENT),
    # a closed list without therapy or exercise documents none
    ("Treatment to date has included medications and chiropractic care.", False),
    # past courses and symptoms are not a program
    ("She had physical therapy in the past.", ABSENT),
    ("He reported previous improvement with physical therapy.", ABSENT),
    ("She has difficulty walking daily.", ABSENT),
    ("Walking at home was painful.", ABSENT),
    # plans and UR language
    ("A home exercise program was recommended.", ABSENT),
    ("Utilization review noted the absence of a home exercise program.", ABSENT),
])
def test_active_rehabilitation_program(extractor, summary, expected):
    assert value(extractor, "active_rehabilitation_program", summary) == expected


# ---- prior_sessions_completed: the count of the requested therapy's visits, however it is written -------------

PT = ("Physical therapy 2x6 for the lumbar spine", "PHYSICAL-THERAPY")
POSTOP_PT = ("Post-operative physical therapy 12 sessions for the right shoulder", "POSTOP-PT")
CHIRO = ("Chiropractic care two times a week for four weeks", "CHIROPRACTIC")
ACUPUNCTURE = ("Acupuncture x 6 for the neck", "ACUPUNCTURE")
SESSIONS = "prior_sessions_completed"


@pytest.mark.parametrize("summary, item, expected", [
    ("Treatment to date has included 12 sessions of physical therapy and medications.", PT, 12),
    ("She had twelve sessions of outpatient physical therapy in 2015.", PT, 12),
    ("He has attended 8 physiotherapy visits.", PT, 8),
    ("Prior treatment: physical therapy x 10, medications.", PT, 10),
    ("He underwent physical therapy, 6 visits, with some relief.", PT, 6),
    ("Physical therapy (9 sessions) was completed in October.", PT, 9),
    ("She has completed 8 of 12 authorized physical therapy visits.", PT, 8),
    ("He has gone to 5 visits so far and physical therapy has helped.", PT, 5),
    ("She has had a total of 24 physical therapy sessions; after the first 6 sessions she improved.", PT, 24),
    ("The patient completed 6 sessions of occupational therapy after the surgery.", POSTOP_PT, 6),
    ("He has had 6 chiropractic visits.", CHIRO, 6),
    ("Chiropractic treatment times 6 gave temporary relief.", CHIRO, 6),
    ("She underwent manual therapy for 8 sessions.", CHIRO, 8),
    ("He completed six sessions of acupuncture.", ACUPUNCTURE, 6),
    ("Electroacupuncture x 4 was tried.", ACUPUNCTURE, 4),
    # the count of another therapy, or of a schedule, is not this therapy's
    ("He has had 6 chiropractic visits.", PT, ABSENT),
    ("She completed 6 sessions of acupuncture and had physical therapy.", PT, ABSENT),
    ("Physical therapy 2 x 6 was recommended.", PT, ABSENT),
    ("He did physical therapy x 3 weeks.", PT, ABSENT),
    # visits requested, authorized, planned or under review are not completed
    ("The provider requested 12 sessions of physical therapy.", PT, ABSENT),
    ("12 sessions of physical therapy were requested on 11/2/2016.", PT, ABSENT),
    ("An additional 6 physical therapy visits are needed.", PT, ABSENT),
    ("She had 6 physical therapy visits authorized in October.", PT, ABSENT),
    ("The claims administrator approved 6 sessions of physical therapy.", PT, ABSENT),
    ("Utilization review modified the request to 6 sessions of physical therapy.", PT, ABSENT),
    ("The plan is physical therapy x 12.", PT, ABSENT),
    ("She completed 4 physical therapy treatments through this particular request.", PT, ABSENT),
])
def test_prior_sessions_completed_counts(extractor, summary, item, expected):
    assert value(extractor, SESSIONS, summary, *item) == expected


# ---- prior_procedure_count: procedures of the requested kind in the requested region, however counted --------

LUMBAR_ESI = ("Right L5-S1 transforaminal epidural steroid injection", "ESI-LUMBAR")
CERVICAL_ESI = ("Cervical epidural steroid injection C6-C7", "ESI-CERVICAL")
KNEE_CSI = ("Cortisone injection to the right knee", "CSI-KNEE")
SHOULDER_CSI = ("Right shoulder subacromial injection", "CSI-SHOULDER")
TPI = ("Trigger point injections x 3", "TRIGGER-POINT-INJECTION")
MBB = ("Lumbar medial branch block L4-5", "MBB-LUMBAR")
SYNVISC = ("Synvisc injection to the left knee", "VISCOSUPPLEMENTATION")
LUMBAR_MRI = ("MRI of the lumbar spine without contrast", "MRI-LUMBAR")
KNEE_MRI = ("MRI of the right knee", "MRI-KNEE")
PROCEDURES = "prior_procedure_count"


@pytest.mark.parametrize("summary, item, expected", [
    ("He has had two prior lumbar epidural steroid injections.", LUMBAR_ESI, 2),
    ("Treatment to date has included medications and 3 ESIs.", LUMBAR_ESI, 3),
    ("She had a previous transforaminal epidural steroid injection with 50% relief.", LUMBAR_ESI, 1),
    ("He is status post an L4-L5 epidural injection.", LUMBAR_ESI, 1),
    ("Lumbar ESIs on 3/2/2015 and 6/1/2015 gave partial relief.", LUMBAR_ESI, 2),
    ("The patient has had ESI x 2 in the past.", LUMBAR_ESI, 2),
    ("There have been no prior epidural steroid injections.", LUMBAR_ESI, 0),
    ("He has never had an epidural injection.", LUMBAR_ESI, 0),
    ("She has had three cortisone injections to the right knee.", KNEE_CSI, 3),
    ("He received one steroid injection in the shoulder in 2015.", SHOULDER_CSI, 1),
    ("The patient had 4 trigger point injections last year.", TPI, 4),
    ("He underwent a medial branch block at L4-5 with 80% relief.", MBB, 1),
    ("She completed a series of 3 Synvisc injections in 2014.", SYNVISC, 3),
    ("An MRI of the lumbar spine dated 04/12/2015 showed a disc protrusion.", LUMBAR_MRI, 1),
    ("He had a prior MRI of the lumbar spine.", LUMBAR_MRI, 1),
    # another kind or another region is not counted
    ("He has had two prior lumbar epidural steroid injections.", CERVICAL_ESI, ABSENT),
    ("She has had three cortisone injections to the right knee.", SHOULDER_CSI, ABSENT),
    ("He had 2 trigger point injections.", LUMBAR_ESI, ABSENT),
    ("An MRI of the cervical spine dated 04/12/2015 was normal.", LUMBAR_MRI, ABSENT),
    ("X-rays of the right knee on 10/3/2016 were normal.", KNEE_MRI, ABSENT),
    # requested, recommended, planned or UR wording is not a procedure done
    ("Two lumbar epidural steroid injections were requested.", LUMBAR_ESI, ABSENT),
    ("The physician recommended a lumbar epidural steroid injection.", LUMBAR_ESI, ABSENT),
    ("She had a recommendation for an epidural injection.", LUMBAR_ESI, ABSENT),
    ("An MRI of the lumbar spine was requested on 11/2/2016.", LUMBAR_MRI, ABSENT),
    ("Utilization review denied 2 lumbar epidural steroid injections.", LUMBAR_ESI, ABSENT),
])
def test_prior_procedure_count_counts(extractor, summary, item, expected):
    assert value(extractor, PROCEDURES, summary, *item) == expected


def test_the_largest_count_is_the_number_so_far(extractor):
    summary = "He has had 3 prior lumbar epidural steroid injections. The last epidural injection helped for a month."
    assert value(extractor, PROCEDURES, summary, *LUMBAR_ESI) == 3


def test_each_date_of_a_procedure_counts_one(extractor):
    summary = "She received lumbar ESI injections on 2/26/14, 3/5/14 and 3/12/14."
    assert value(extractor, PROCEDURES, summary, *LUMBAR_ESI) == 3


# ---- prior_surgery_same_region: an operation done before on the part to be imaged ---------------------------

SURGERY = "prior_surgery_same_region"
SHOULDER_MRI = ("MRI of the left shoulder", "MRI-SHOULDER")
HIP_XRAY = ("X-rays of the right hip", "XRAY-HIP")
WRIST_MRI = ("MRI of the right wrist", "MRI-WRIST-HAND")
CERVICAL_MRI = ("MRI of the cervical spine", "MRI-CERVICAL")


@pytest.mark.parametrize("summary, item, expected", [
    ("She is status post right knee arthroscopy in 2013.", KNEE_MRI, True),
    ("He underwent a left shoulder arthroscopic rotator cuff repair on 3/4/2014.", SHOULDER_MRI, True),
    ("Past surgical history: right total hip arthroplasty.", HIP_XRAY, True),
    ("Right carpal tunnel release in 2012 was followed by therapy.", WRIST_MRI, True),
    ("He has had two prior surgeries on the right wrist.", WRIST_MRI, True),
    ("She is status post medial meniscectomy.", KNEE_MRI, True),
    ("He had an L4-L5 microdiscectomy.", LUMBAR_MRI, True),
    ("He is status post ACDF at C5-C6.", CERVICAL_MRI, True),
    ("There were well-healed arthroscopic portals about the left shoulder.", SHOULDER_MRI, True),
    ("She denies prior knee surgery.", KNEE_MRI, False),
    ("He has never had any surgery.", LUMBAR_MRI, False),
    # another region's operation
    ("She is status post right knee arthroscopy in 2013.", SHOULDER_MRI, ABSENT),
    ("He is status post ACDF at C5-C6.", LUMBAR_MRI, ABSENT),
    ("She is status post medial meniscectomy.", SHOULDER_MRI, ABSENT),
    ("He had an L4-L5 microdiscectomy.", CERVICAL_MRI, ABSENT),
    # planned, recommended or UR wording; not for a request other than a study
    ("Right knee arthroscopy was recommended by the surgeon.", KNEE_MRI, ABSENT),
    ("He is scheduled for left shoulder surgery on 12/15/2016.", SHOULDER_MRI, ABSENT),
    ("She had a right knee surgery consultation.", KNEE_MRI, ABSENT),
    ("Utilization review denied the right knee arthroscopy.", KNEE_MRI, ABSENT),
    ("She is status post right knee arthroscopy in 2013.", ("Physical therapy for the right knee x 6", "PHYSICAL-THERAPY"),
     ABSENT),
])
def test_prior_surgery_same_region(extractor, summary, item, expected):
    assert value(extractor, SURGERY, summary, *item) == expected


# ---- physical_medicine_diagnosis: the schedule's category, or another condition named as the diagnosis --------

@pytest.mark.parametrize("summary, expected", [
    ("Diagnoses have included lumbar sprain and contusion of the right hip.", "other"),
    ("The diagnoses were noted to include cervical strain and a wrist contusion.", "other"),
    ("The diagnoses have been documented as right knee medial meniscus tear.", "other"),
    ("Diagnoses have included lumbar radiculopathy and lumbar sprain.", "neuralgia_radiculitis"),
    ("He is being treated for myofascial syndrome of the trapezius.", "myalgia_myositis"),
    ("She is being treated for right knee arthritis.", "arthritis"),
    ("Diagnoses include post-traumatic arthritis of the ankle.", "arthritis"),
    ("Diagnoses include rheumatoid arthritis of the hands.", "other"),
    ("Utilization review noted that radiculopathy was not supported by the examination.", ABSENT),
    ("The physician suspected lumbar radiculopathy.", ABSENT),
])
def test_physical_medicine_diagnosis(extractor, summary, expected):
    assert value(extractor, "physical_medicine_diagnosis", summary) == expected


# ---- plain_films_nondiagnostic: x-rays of the part were normal or explained nothing ---------------------------

FILMS = "plain_films_nondiagnostic"
ANKLE_MRI = ("MRI of the left ankle", "MRI-ANKLE-FOOT")
THORACIC_MRI = ("MRI of the thoracic spine", "MRI-THORACIC")


@pytest.mark.parametrize("summary, item, expected", [
    ("X-rays of the right knee were unremarkable.", KNEE_MRI, True),
    ("Negative x-rays of the left ankle were reviewed.", ANKLE_MRI, True),
    ("Radiographs of the right wrist did not show any fracture.", WRIST_MRI, True),
    ("X-rays of the left shoulder were obtained without acute osseous abnormality.", SHOULDER_MRI, True),
    ("There was no fracture seen on the ankle x-rays.", ANKLE_MRI, True),
    ("X-rays of the thoracic spine: normal.", THORACIC_MRI, True),
    ("X-rays of the lumbar spine showed no fracture or listhesis.", LUMBAR_MRI, True),
    # films that show the lesion explain it; another part's films; films not normal; not taken; planned
    ("X-rays of the left ankle revealed a displaced fibular fracture.", ANKLE_MRI, False),
    ("X-rays of the right knee were unremarkable.", SHOULDER_MRI, ABSENT),
    ("X-rays of the right knee were not normal.", KNEE_MRI, ABSENT),
    ("X-rays of the right knee were ordered.", KNEE_MRI, ABSENT),
    ("X-rays of the knee were recommended to rule out fracture.", KNEE_MRI, ABSENT),
    ("Utilization review noted that x-rays of the knee were normal.", KNEE_MRI, ABSENT),
])
def test_plain_films_nondiagnostic(extractor, summary, item, expected):
    assert value(extractor, FILMS, summary, *item) == expected


# ---- device_trial_completed: a trial of the requested stimulation device ------------------------------------

TRIAL = "device_trial_completed"
TENS = ("TENS unit purchase", "TENS")
HWAVE = ("Home H-wave device purchase", "H-WAVE")
IF_UNIT = ("Interferential unit purchase", "INTERFERENTIAL-STIMULATION")


@pytest.mark.parametrize("summary, item, expected", [
    ("She completed a 30-day TENS unit trial with 50% pain relief.", TENS, True),
    ("The H-wave rental from 10/1/2016 to 10/30/2016 reduced his medication use.", HWAVE, True),
    ("He reported improved function during the H-wave trial.", HWAVE, True),
    ("The interferential unit trial was successful.", IF_UNIT, True),
    ("He has been using a TENS unit at home for the past two months.", TENS, True),
    ("She has not had a trial of H-wave.", HWAVE, False),
    # another device, or a trial requested, recommended, pending or authorized
    ("She completed a 30-day TENS unit trial with 50% pain relief.", HWAVE, ABSENT),
    ("A one-month H-wave trial was recommended.", HWAVE, ABSENT),
    ("The physician requested a 30-day rental of the interferential unit.", IF_UNIT, ABSENT),
    ("Purchase would be considered after a successful one-month TENS trial.", TENS, ABSENT),
    ("Utilization review authorized a 30-day H-wave trial.", HWAVE, ABSENT),
    ("She completed a 30-day TENS unit trial.", ("Physical therapy x 6", "PHYSICAL-THERAPY"), ABSENT),
])
def test_device_trial_completed(extractor, summary, item, expected):
    assert value(extractor, TRIAL, summary, *item) == expected


# ---- associated_surgery_type and surgery_cardiac_risk: the operation a service is for -------------------------

SURGERY_TYPE = "associated_surgery_type"
CARDIAC = "surgery_cardiac_risk"
POSTOP = ("Post-operative physical therapy x 12", "POSTOP-PT")
PREOP_ECG = ("Pre-operative EKG", "PREOP-ECG")


@pytest.mark.parametrize("summary, expected", [
    ("She underwent left rotator cuff surgery on 10/2/2016.", "rotator_cuff_or_impingement"),
    ("He had a distal clavicle excision of the right shoulder.", "rotator_cuff_or_impingement"),
    ("She is status post right knee meniscus surgery.", "knee_meniscectomy"),
    ("He underwent ACL repair of the left knee.", "acl_reconstruction"),
    ("She had carpal tunnel surgery on the right.", "carpal_tunnel_release"),
    ("He underwent a left L5-S1 hemilaminectomy.", "lumbar_discectomy"),
    ("He underwent an anterior cervical discectomy and fusion.", ABSENT),
    ("The MRI showed a rotator cuff tear.", ABSENT),
])
def test_associated_surgery_type(extractor, summary, expected):
    assert value(extractor, SURGERY_TYPE, summary, *POSTOP) == expected


@pytest.mark.parametrize("summary, expected", [
    ("He is scheduled for a right rotator cuff repair.", "low"),
    ("The surgeon recommended a left knee partial meniscectomy.", "low"),
    ("Excision of a ganglion cyst of the wrist is planned.", "low"),
    ("She is to undergo removal of the lumbar hardware.", "low"),
    ("A right TKA was certified by utilization review.", "intermediate"),
    ("He is scheduled for an L4-L5 decompression.", "intermediate"),
    ("Open reduction internal fixation of the ankle is planned.", "intermediate"),
    # an operation done before is not the one the service is for
    ("He is status post right knee arthroscopy.", ABSENT),
])
def test_surgery_cardiac_risk(extractor, summary, expected):
    assert value(extractor, CARDIAC, summary, *PREOP_ECG) == expected


def test_a_meniscectomy_is_the_operation_named(extractor):
    summary = "She underwent a right knee arthroscopic partial medial meniscectomy on 10/20/2016."
    assert value(extractor, SURGERY_TYPE, summary, *POSTOP) == "knee_meniscectomy"


@pytest.mark.parametrize("summary, item, expected", [
    # a spinal injection's sentence names the limb it relieved, not the spine
    ("She had two epidural steroid injections with relief of her leg pain.", LUMBAR_ESI, 2),
    ("He had two prior ESIs in the cervical spine.", LUMBAR_ESI, ABSENT),
    ("He had two prior ESIs in the cervical spine.", CERVICAL_ESI, 2),
    ("A previous C6-C7 epidural injection relieved the arm pain.", CERVICAL_ESI, 1),
    ("A previous C6-C7 epidural injection relieved the arm pain.", LUMBAR_ESI, ABSENT),
])
def test_a_spinal_injection_is_kept_to_its_spinal_region(extractor, summary, item, expected):
    assert value(extractor, PROCEDURES, summary, *item) == expected


def test_a_spinal_operation_is_not_held_to_the_limbs_its_sentence_names(extractor):
    summary = "He is status post L4-L5 fusion with residual pain down the left leg."
    assert value(extractor, SURGERY, summary, *LUMBAR_MRI) is True
    assert value(extractor, SURGERY, summary, *CERVICAL_MRI) is ABSENT


# ---- facts of a study of a body part: read for imaging items, about that part --------------------------------

@pytest.mark.parametrize("fact, summary, item, expected", [
    # an exam sign is a reason for a study, not for therapy or an operation
    ("exam_findings_suggest_lesion", "There was a positive McMurray test of the right knee.", KNEE_MRI, True),
    ("exam_findings_suggest_lesion", "There was a positive McMurray test of the right knee.",
     ("Physical therapy for the right knee x 6", "PHYSICAL-THERAPY"), ABSENT),
    ("exam_findings_suggest_lesion", "The current diagnosis is dislocation of the right shoulder.",
     ("Right shoulder arthroscopic Bankart repair", "BANKART-REPAIR"), ABSENT),
    # surgery considered for the part to be studied
    ("surgery_considered", "He is a candidate for right knee arthroscopy.", KNEE_MRI, True),
    ("surgery_considered", "He is a candidate for right knee arthroscopy.", SHOULDER_MRI, ABSENT),
    ("surgery_considered", "She was referred for a surgical consultation.", KNEE_MRI, ABSENT),
    ("surgery_considered", "He is a surgical candidate.", ("Physical therapy x 6", "PHYSICAL-THERAPY"), ABSENT),
    # an invasive procedure planned with the study
    ("invasive_procedure_planned", "An MRI was requested before the planned lumbar epidural steroid injection.",
     LUMBAR_MRI, True),
    ("invasive_procedure_planned", "The physician recommended a lumbar epidural steroid injection.", LUMBAR_MRI, ABSENT),
    # a change since the earlier study of the part
    ("significant_change_since_prior_study", "Since the 2014 MRI he has developed new weakness of the left foot.",
     LUMBAR_MRI, True),
    ("significant_change_since_prior_study", "He reports new numbness in the right foot.", LUMBAR_MRI, ABSENT),
    ("significant_change_since_prior_study", "Her condition is unchanged.", LUMBAR_MRI, ABSENT),
    ("significant_change_since_prior_study", "Her symptoms are unchanged since the prior MRI.", LUMBAR_MRI, False),
    ("significant_change_since_prior_study", "Since the prior MRI he reports new numbness in the right foot.",
     ("Physical therapy x 6", "PHYSICAL-THERAPY"), ABSENT),
])
def test_study_facts_are_read_for_imaging_items_about_the_part(extractor, fact, summary, item, expected):
    assert value(extractor, fact, summary, *item) == expected


def test_a_spinal_procedure_planned_with_the_study_may_name_only_the_legs(extractor):
    summary = "An MRI was ordered before the planned epidural injection for the leg pain."
    assert value(extractor, "invasive_procedure_planned", summary, *LUMBAR_MRI) is True


# ---- radicular_exam_findings: signs of a nerve root, not of a peripheral nerve or of the back alone ------------

@pytest.mark.parametrize("summary, expected", [
    ("There was decreased sensation to light touch in the L5 dermatome on the left.", True),
    ("Straight leg raise was positive on the right at 45 degrees.", True),
    ("The Achilles reflex was diminished on the left.", True),
    ("There was decreased sensation in the median nerve distribution of the right hand.", ABSENT),
    ("Sensation was decreased in a stocking-glove distribution.", ABSENT),
    ("There was decreased sensation around the surgical scar.", ABSENT),
    ("Reflexes were decreased symmetrically throughout.", ABSENT),
    ("Straight leg raise was positive for low back pain only.", ABSENT),
    ("Sensation was intact and straight leg raise was negative.", False),
    ("Utilization review noted no decreased sensation or reflexes.", ABSENT),
])
def test_radicular_exam_findings(extractor, summary, expected):
    assert value(extractor, "radicular_exam_findings", summary) == expected


# ---- prior_treatment_functional_improvement: function better after the requested treatment ------------------

GAIN = "prior_treatment_functional_improvement"
NORCO = ("Norco 10/325 mg #90", "OPIOID-SHORT-ACTING")
FLEXERIL = ("Cyclobenzaprine 7.5 mg #60", "MUSCLE-RELAXANT")
HWAVE_ITEM = ("Home H-wave device purchase", "H-WAVE")


@pytest.mark.parametrize("summary, item, expected", [
    ("With Norco she is able to perform her activities of daily living.", NORCO, True),
    ("Despite Norco she is unable to perform her activities of daily living.", NORCO, ABSENT),
    ("Norco allows her to perform her ADLs and continue working.", NORCO, True),
    ("Her medications help her function and remain active.", NORCO, True),
    ("He reported increased walking tolerance with physical therapy.", PT, True),
    ("After the chiropractic visits he returned to full duty.", CHIRO, True),
    ("The trigger point injections improved her ability to sleep.", TPI, True),
    ("The H-wave unit helped him walk longer and decreased his work restrictions.", HWAVE_ITEM, True),
    ("Physical therapy did not improve his function.", PT, False),
    ("There was no functional improvement with physical therapy.", PT, False),
    # another treatment's gain, or UR language
    ("Norco allows her to perform her ADLs.", FLEXERIL, ABSENT),
    ("Physical therapy improved his ability to walk.", NORCO, ABSENT),
    ("Utilization review noted no documentation of functional improvement with Norco.", NORCO, ABSENT),
])
def test_prior_treatment_functional_improvement(extractor, summary, item, expected):
    assert value(extractor, GAIN, summary, *item) == expected


@pytest.mark.parametrize("summary, expected", [
    ("Red flag signs and symptoms were negative.", False),
    ("There were no signs of red flags on examination.", False),
    ("The physician noted the absence of red flags.", False),
    ("He has a history of prostate cancer.", True),
    ("There was no compression fracture.", ABSENT),
    ("Utilization review noted no evidence of red flags.", ABSENT),
])
def test_red_flags(extractor, summary, expected):
    assert value(extractor, "red_flags", summary) == expected
