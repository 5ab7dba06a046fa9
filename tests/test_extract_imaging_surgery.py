"""Extraction patterns for the imaging and surgery/injection facts (rules/extraction/imaging.yaml and
surgery-injections.yaml): positive, negated and plan/administrative wording, and a run over the corpus."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES, corpus_facts_seen

ABSENT = object()


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


def value(extractor, fact, summary, request="", treatment=None):
    found = extractor.extract(summary, request, treatment)
    return found[fact].value if fact in found else ABSENT


KNEE_MRI = ("MRI of the left knee without contrast", "MRI-KNEE")
SHOULDER_MRI = ("MRI of the right shoulder", "MRI-SHOULDER")
LUMBAR_MRI = ("MRI of the lumbar spine", "MRI-LUMBAR")
ANKLE_MRI = ("MRI of the right ankle", "MRI-ANKLE-FOOT")
ELBOW_MRI = ("MRI of the right elbow", "MRI-ELBOW")
SHOULDER_ARTHROGRAM = ("MR arthrogram of the right shoulder", "MR-ARTHROGRAM-SHOULDER")
KNEE_SURGERY = ("Right knee arthroscopy with partial medial meniscectomy", "MENISCECTOMY")
SHOULDER_SURGERY = ("Right shoulder arthroscopy with SLAP repair", "SLAP-REPAIR")
POSTOP_PT = ("Post-operative physical therapy, 12 sessions", "POSTOP-PT")
PREOP_ECG = ("Associated surgical service: EKG", "PREOP-ECG")
PREOP_UA = ("Pre-op urinalysis", "PREOP-URINALYSIS")
CTR = ("Right open carpal tunnel release", "CARPAL-TUNNEL-RELEASE")
EDX = ("EMG/NCV of the bilateral lower extremities", "EDX-LOWER")
NONE = ("", None)


@pytest.mark.parametrize("fact, text, item, expected", [
    # would the study change the plan
    ("surgery_considered", "He is a surgical candidate and would consider surgery.", KNEE_MRI, True),
    ("surgery_considered", "She has failed therapy and will likely need surgery of the shoulder.", SHOULDER_MRI, True),
    ("surgery_considered", "He is not a surgical candidate.", LUMBAR_MRI, False),
    ("surgery_considered", "The patient declined surgery.", LUMBAR_MRI, False),
    ("surgery_considered", "He had knee surgery in 2012.", KNEE_MRI, ABSENT),
    ("invasive_procedure_planned", "The plan includes a lumbar epidural steroid injection at L4-5 after the MRI.",
     LUMBAR_MRI, True),
    ("invasive_procedure_planned", "She received an epidural injection in 2014.", LUMBAR_MRI, ABSENT),
    ("invasive_procedure_planned", "The plan includes a lumbar epidural steroid injection.", KNEE_MRI, ABSENT),
    # repeat studies
    ("significant_change_since_prior_study", "Since the prior MRI he reports new numbness in the right foot.", LUMBAR_MRI,
     True),
    ("significant_change_since_prior_study", "Her pain is progressively getting worse since the last MRI.", LUMBAR_MRI, True),
    ("significant_change_since_prior_study", "There are no new neurologic findings since the 2015 MRI.", LUMBAR_MRI, False),
    ("significant_change_since_prior_study", "The neurologic examination is unchanged from the prior study.", LUMBAR_MRI,
     False),
    # examination of the part to be studied
    ("exam_findings_suggest_lesion", "There was a positive McMurray's test medially.", KNEE_MRI, True),
    ("exam_findings_suggest_lesion", "The left knee had a moderate effusion.", KNEE_MRI, True),
    ("exam_findings_suggest_lesion", "The right knee had a moderate effusion.", KNEE_MRI, ABSENT),  # the other knee
    ("exam_findings_suggest_lesion", "McMurray's and Lachman's tests were negative.", KNEE_MRI, False),
    ("exam_findings_suggest_lesion", "There is no effusion of the knee.", KNEE_MRI, False),
    ("exam_findings_suggest_lesion", "There was a positive McMurray's test medially.", SHOULDER_MRI, ABSENT),
    ("exam_findings_suggest_lesion", "Neer's and Hawkins' tests were positive on the right.", SHOULDER_MRI, True),
    ("exam_findings_suggest_lesion", "Negative O'Brien's test and negative apprehension.", SHOULDER_MRI, False),
    ("exam_findings_suggest_lesion", "The shoulder showed no instability.", SHOULDER_MRI, False),
    ("exam_findings_suggest_lesion", "Tinel's sign was positive at the cubital tunnel; positive Tinel's at the elbow.", ELBOW_MRI, True),
    ("exam_findings_suggest_lesion", "Anterior drawer and talar tilt tests were positive on the right.", ANKLE_MRI, True),
    ("exam_findings_suggest_lesion", "The provider suspected an occult fracture of the right ankle.", ANKLE_MRI, True),
    ("exam_findings_suggest_lesion", "Utilization review denied the MRI as there was no positive McMurray test.", KNEE_MRI, ABSENT),
    ("plain_films_nondiagnostic", "X-rays of the right ankle were normal.", ANKLE_MRI, True),
    ("plain_films_nondiagnostic", "Elbow radiographs showed no fracture or dislocation.", ELBOW_MRI, True),
    ("plain_films_nondiagnostic", "X-rays of the right ankle revealed a displaced fibular fracture.", ANKLE_MRI, False),
    ("plain_films_nondiagnostic", "X-rays of the right ankle were requested.", ANKLE_MRI, ABSENT),
    ("plain_films_nondiagnostic", "X-rays of the left knee were normal.", ANKLE_MRI, ABSENT),
    ("prior_surgery_same_region", "He is status post L4-5 lumbar fusion.", LUMBAR_MRI, True),
    ("prior_surgery_same_region", "Lumbar spine surgery in 2011 was followed by therapy.", LUMBAR_MRI, True),
    ("prior_surgery_same_region", "Past surgical history: none.", LUMBAR_MRI, False),
    ("prior_surgery_same_region", "The surgeon recommended lumbar fusion.", LUMBAR_MRI, ABSENT),
    # electrodiagnostic and evoked potentials
    ("peripheral_neuropathy_suspected", "He has diabetic peripheral neuropathy with stocking-glove numbness.", EDX, True),
    ("peripheral_neuropathy_suspected", "Exam findings are concerning for possible neuropathy.", EDX, True),
    ("peripheral_neuropathy_suspected", "There is no evidence of peripheral neuropathy.", EDX, False),
    ("peripheral_neuropathy_suspected", "EMG/NCV was ordered to rule out neuropathy.", EDX, ABSENT),
    ("peripheral_neuropathy_suspected", "Exam findings suggest possible ulnar neuropathy.", EDX, ABSENT),
    ("rare_neurologic_disorder_suspected", "A positive Hoffmann's sign raised concern for cervical myelopathy.", NONE, True),
    ("rare_neurologic_disorder_suspected", "Hoffmann's sign was negative and there was no clonus.", NONE, False),
    # shoulder arthrography
    ("labral_tear_suspected", "There was a positive O'Brien's test; a labral tear is suspected.", SHOULDER_ARTHROGRAM, True),
    ("labral_tear_suspected", "O'Brien's test was negative.", SHOULDER_ARTHROGRAM, False),
    ("postoperative_retear_suspected", "After the 2015 rotator cuff repair, a re-tear is suspected.", SHOULDER_ARTHROGRAM, True),
    ("postoperative_retear_suspected", "The repair appeared intact on ultrasound.", SHOULDER_ARTHROGRAM, False),
    # head CT
    ("intracranial_red_flags", "After the fall he had confusion and a focal neurologic deficit.", NONE, True),
    ("intracranial_red_flags", "She was alert and oriented and the neurologic examination was normal.", NONE, False),
    ("intracranial_red_flags", "The knee was neurologically intact distally.", NONE, ABSENT),
])
def test_imaging_facts(extractor, fact, text, item, expected):
    assert value(extractor, fact, text, *item) == expected


@pytest.mark.parametrize("fact, text, item, expected", [
    ("radiculopathy_cause", "Diagnoses include L5 radiculopathy secondary to L4-5 disc herniation.", NONE, "disc_herniation"),
    ("radiculopathy_cause", "Lumbar spinal stenosis with radiculopathy.", NONE, "spinal_stenosis"),
    ("radiculopathy_cause", "MRI showed foraminal stenosis at L4-5.", NONE, ABSENT),
    ("muscle_relaxant_trial_failed", "Cyclobenzaprine was tried without relief of the spasm.", NONE, True),
    ("muscle_relaxant_trial_failed", "He reports good relief with cyclobenzaprine at night.", NONE, False),
    ("surgical_lesion_exam_findings", "Medial joint line tenderness and a positive McMurray sign were noted.", KNEE_SURGERY, True),
    ("surgical_lesion_exam_findings", "Negative McMurray's test.", KNEE_SURGERY, False),
    ("surgical_lesion_exam_findings", "There was a positive O'Brien sign.", SHOULDER_SURGERY, True),
    ("surgical_lesion_on_imaging", "MRI of the right knee revealed a tear of the posterior horn of the medial meniscus.", KNEE_SURGERY, True),
    ("surgical_lesion_on_imaging", "MRI of the right shoulder showed no labral tear.", SHOULDER_SURGERY, False),
    ("surgical_lesion_on_imaging", "An MRI was requested to rule out a meniscal tear.", KNEE_SURGERY, ABSENT),
    ("activity_limitation_months", "She has been off work for the past 4 months.", NONE, 4),
    ("slap_lesion_type", "MR arthrogram showed a type II SLAP lesion.", NONE, "type_2"),
    ("slap_lesion_type", "Findings were consistent with a SLAP tear, type 4.", NONE, "type_4"),
    ("recurrent_shoulder_instability", "He has had multiple dislocations of the left shoulder.", SHOULDER_SURGERY, True),
    ("recurrent_shoulder_instability", "There was a single dislocation event in 2015.", SHOULDER_SURGERY, False),
    ("knee_mechanical_symptoms", "His right knee gives way and there is locking.", KNEE_SURGERY, True),
    ("knee_mechanical_symptoms", "She denies locking or catching.", KNEE_SURGERY, False),
    ("knee_instability_symptomatic", "Lachman's test was positive with a soft end point.", ("ACL reconstruction, left knee", "ACL-RECONSTRUCTION"), True),
    ("knee_instability_symptomatic", "The knee was stable to Lachman's and drawer.", KNEE_SURGERY, False),
    ("carpal_tunnel_exam_findings", "Phalen's test was positive and there was thenar atrophy.", CTR, True),
    ("carpal_tunnel_exam_findings", "Positive Tinel's at the right cubital tunnel of the elbow.", CTR, ABSENT),
    ("carpal_tunnel_exam_findings", "Phalen's and Tinel's tests were negative at the wrist.", CTR, False),
    ("electrodiagnostic_carpal_tunnel", "Nerve conduction studies showed moderate right carpal tunnel syndrome.", CTR, True),
    ("electrodiagnostic_carpal_tunnel", "EMG/NCS of the upper extremities was normal.", CTR, False),
    ("electrodiagnostic_carpal_tunnel", "NCS was ordered to rule out carpal tunnel syndrome.", CTR, ABSENT),
    ("acute_carpal_tunnel_syndrome", "She developed acute carpal tunnel syndrome after the distal radius fracture.", CTR, True),
    ("associated_surgery_type", "The treatment plan included a right shoulder arthroscopy with SLAP repair.", POSTOP_PT, "shoulder_instability_or_labral_repair"),
    ("associated_surgery_type", "She underwent right carpal tunnel release on 10/12/2016.", POSTOP_PT, "carpal_tunnel_release"),
    ("associated_surgery_type", "The treatment plan included a right shoulder arthroscopy with SLAP repair.", KNEE_MRI, ABSENT),
    ("weeks_since_surgery", "He is now 8 weeks post-op from the meniscectomy.", POSTOP_PT, 8),
    ("weeks_since_surgery", "She is awaiting surgery on the right shoulder.", POSTOP_PT, 0),
    ("anemia_risk_or_blood_loss_expected", "Past history includes iron deficiency anemia.", PREOP_ECG, True),
    ("chronic_disease_or_electrolyte_risk", "Medical history is significant for hypertension and diabetes.", NONE, True),
    ("chronic_disease_or_electrolyte_risk", "He denies hypertension.", NONE, False),
    ("chronic_disease_or_electrolyte_risk", "Past medical history is unremarkable.", NONE, False),
    ("bleeding_risk_or_anticoagulant", "She takes warfarin for atrial fibrillation.", NONE, True),
    ("bleeding_risk_or_anticoagulant", "He is not on anticoagulants.", NONE, False),
    ("urologic_procedure_or_implant", "The plan is open reduction internal fixation with plate and screws.", PREOP_UA, True),
    ("urologic_procedure_or_implant", "The plan is an umbilical hernia repair.", PREOP_UA, ABSENT),
    ("pulmonary_complication_risk", "He smokes one pack a day and has COPD.", NONE, True),
    ("pulmonary_complication_risk", "She is a nonsmoker.", NONE, False),
    ("surgery_cardiac_risk", "The plan is a right shoulder arthroscopy.", PREOP_ECG, "low"),
    ("surgery_cardiac_risk", "The surgeon recommended an L4-5 fusion.", PREOP_ECG, "intermediate"),
    ("surgery_cardiac_risk", "There was a moderate knee effusion.", PREOP_ECG, ABSENT),
    ("cardiac_risk_factors", "He has coronary artery disease with a cardiac stent.", NONE, True),
    ("cardiac_risk_factors", "She presented with persistent, consistent pain.", NONE, ABSENT),
    ("surgical_risk_comorbidities", "History of diabetes mellitus and obesity.", NONE, True),
    ("osteoarthritis_symptomatic", "Diagnoses include right knee osteoarthritis.", NONE, True),
    ("osteoarthritis_symptomatic", "X-rays of the knee showed no degenerative changes.", NONE, False),
    ("osteoarthritis_severe", "X-rays show bone-on-bone medial compartment narrowing.", NONE, True),
    ("osteoarthritis_severe", "X-rays show mild osteoarthritis of the knee.", NONE, False),
    ("refractory_tendinopathy", "She has chronic patellar tendinosis despite therapy and bracing.", NONE, True),
    ("corticosteroid_injection_failed", "A cortisone injection to the knee gave only temporary relief.", ("Synvisc injection, right knee", "VISCOSUPPLEMENTATION"), True),
    ("corticosteroid_injection_failed", "A lumbar epidural steroid injection gave no relief.", ("Synvisc injection, right knee", "VISCOSUPPLEMENTATION"), ABSENT),
    ("myofascial_trigger_points", "Trigger points were palpated with a twitch response and referred pain.", NONE, True),
    ("myofascial_trigger_points", "Trigger points were noted in the trapezius.", NONE, ABSENT),
    ("myofascial_trigger_points", "There were no trigger points.", NONE, False),
    ("diagnostic_mbb_positive", "Diagnostic medial branch blocks at L4-5 gave 80% relief for six hours.", ("Radiofrequency ablation L4-5", "RFN-LUMBAR"), True),
    ("diagnostic_mbb_positive", "The medial branch blocks provided no relief.", ("Radiofrequency ablation L4-5", "RFN-LUMBAR"), False),
])
def test_surgery_injection_facts(extractor, fact, text, item, expected):
    assert value(extractor, fact, text, *item) == expected


def test_every_corpus_summary_and_request_is_read(extractor):
    from checker.ruleset.treatments import load_treatments
    seen = corpus_facts_seen(extractor, load_treatments(RULES))
    assert {"exam_findings_suggest_lesion", "plain_films_nondiagnostic", "surgical_lesion_exam_findings",
            "knee_mechanical_symptoms", "labral_tear_suspected"} <= seen
