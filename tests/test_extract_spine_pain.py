"""Extraction patterns for the spine and pain procedures facts (rules/extraction/spine-pain-procedures.yaml):
positive, negated and false wording on text written for the test, and a run over the corpus."""

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


FUSION = ("L4-L5 posterior lumbar interbody fusion", "FUSION-LUMBAR")
ACDF = ("ACDF C5-C6", "FUSION-CERVICAL")
SCS_TRIAL = ("Spinal cord stimulator trial", "SCS")
SCS_PERM = ("Permanent spinal cord stimulator implantation", "SCS")
PUMP = ("Intrathecal pump implantation", "IDDS")
PSYCH = ("Psychological evaluation for spinal cord stimulator trial", "PSYCH-EVAL-IMPLANT")
SHOULDER = ("Right shoulder subacromial steroid injection", "CSI-SHOULDER")
LUMBAR_ESI = ("Lumbar epidural steroid injection L4-L5", "ESI-LUMBAR")
HIP = ("Left trochanteric bursa injection", "CSI-HIP")
GONB = ("Greater occipital nerve block", "OCCIPITAL-NERVE-BLOCK")
BOTOX = ("Botox injection", "BOTOX-INJECTION")
HARDWARE = ("Removal of lumbar hardware", "HARDWARE-REMOVAL-LUMBAR")
KYPHO = ("Kyphoplasty L1", "KYPHOPLASTY")
NONE = ("", None)


@pytest.mark.parametrize("fact, text, item, expected", [
    # spine surgery
    ("spinal_instability", "Flexion-extension x-rays show grade I spondylolisthesis at L4-5.", FUSION, True),
    ("spinal_instability", "There is 4 mm of translation on flexion and extension views at L4-L5.", FUSION, True),
    ("spinal_instability", "Flexion-extension x-rays showed no instability.", FUSION, False),
    ("spinal_instability", "There is no spondylolisthesis.", FUSION, False),
    ("spinal_instability", "Examination of the knee showed instability.", FUSION, ABSENT),
    ("spinal_fracture_or_dislocation", "CT showed an L1 burst fracture after the fall.", FUSION, True),
    ("spinal_fracture_or_dislocation", "X-rays showed no compression fracture.", FUSION, False),
    ("spinal_fracture_or_dislocation", "She fractured her wrist in 2010.", FUSION, ABSENT),
    ("myelopathy", "He has a positive Hoffmann's sign and hyperreflexia in the upper extremities.", ACDF, True),
    ("myelopathy", "MRI shows cord compression at C5-C6.", ACDF, True),
    ("myelopathy", "There are no signs of myelopathy.", ACDF, False),
    ("myelopathy", "Hoffmann's sign is negative bilaterally.", ACDF, False),
    ("psychological_clearance", "The psychological evaluation found him an appropriate candidate for the stimulator.", SCS_TRIAL, True),
    ("psychological_clearance", "She was cleared by the psychologist for the procedure.", SCS_TRIAL, True),
    ("psychological_clearance", "A psychological evaluation has not been performed.", SCS_TRIAL, False),
    ("psychological_clearance", "There is no documentation of a psychological evaluation.", FUSION, False),
    ("psychological_clearance", "Psychological clearance is pending.", SCS_TRIAL, ABSENT),
    ("psychological_clearance", "She was cleared by the psychologist for the procedure.", SHOULDER, ABSENT),
    ("hardware_failure", "CT shows a broken left L5 pedicle screw.", HARDWARE, True),
    ("hardware_failure", "There is lucency around the S1 screws consistent with loosening.", HARDWARE, True),
    ("hardware_failure", "The hardware is intact and in good position.", HARDWARE, False),
    ("hardware_pain_confirmed", "A hardware block gave 80% relief for several hours.", HARDWARE, True),
    ("hardware_pain_confirmed", "She has tenderness over the prominent hardware.", HARDWARE, True),
    ("hardware_pain_confirmed", "There is no tenderness over the hardware.", HARDWARE, False),
    ("vertebral_compression_fracture", "MRI shows an acute L1 compression fracture with marrow edema.", KYPHO, True),
    ("vertebral_compression_fracture", "There is an osteoporotic fracture of the T12 vertebra.", KYPHO, True),
    ("vertebral_compression_fracture", "X-rays show no compression fracture.", KYPHO, False),
    # implanted pain devices
    ("failed_back_surgery_syndrome", "Diagnoses: failed back surgery syndrome, lumbar radiculopathy.", SCS_TRIAL, True),
    ("failed_back_surgery_syndrome", "He has persistent low back and leg pain after an L4-S1 fusion in 2012.", SCS_TRIAL, True),
    ("failed_back_surgery_syndrome", "Post-laminectomy syndrome of the lumbar region.", SCS_TRIAL, True),
    ("failed_back_surgery_syndrome", "She has persistent knee pain after arthroscopy.", SCS_TRIAL, ABSENT),
    ("scs_other_indication", "He has phantom limb pain after a below-knee amputation.", SCS_TRIAL, True),
    ("scs_other_indication", "Diagnosis: postherpetic neuralgia of the chest wall.", SCS_TRIAL, True),
    ("substance_use_disorder_current", "He has ongoing alcohol abuse.", SCS_TRIAL, True),
    ("substance_use_disorder_current", "She denies drug or alcohol abuse.", SCS_TRIAL, False),
    ("substance_use_disorder_current", "He has a history of cocaine abuse in the 1990s.", SCS_TRIAL, ABSENT),
    ("implant_contraindication", "She is being treated for an active infection of the lumbar wound.", SCS_TRIAL, True),
    ("implant_contraindication", "There are no signs of systemic infection.", SCS_TRIAL, False),
    ("implant_trial_planned", "The pain specialist recommended a spinal cord stimulator trial.", PSYCH, True),
    ("implant_trial_planned", "He is not a candidate for a spinal cord stimulator.", NONE, False),
    ("implant_trial_planned", "He would like to proceed with an intrathecal pump trial.", NONE, True),
    ("implant_trial_planned", "Physical therapy was recommended.", PSYCH, True),
    ("implant_trial_relief_pct", "During the spinal cord stimulator trial she reported 70% relief of her leg pain.", SCS_PERM, 70),
    ("implant_trial_relief_pct", "The intrathecal morphine trial reduced his pain by about 60%.", PUMP, 60),
    ("implant_trial_relief_pct", "The epidural injection gave 70% relief.", SCS_PERM, ABSENT),
    ("implant_trial_relief_pct", "During the spinal cord stimulator trial she reported 70% relief.", LUMBAR_ESI, ABSENT),
    ("implant_trial_benefit", "During the SCS trial he reduced his Norco use and was able to walk longer.", SCS_PERM, True),
    ("implant_trial_benefit", "The spinal cord stimulator trial gave no relief.", SCS_PERM, False),
    ("pain_pathology_objective", "MRI showed epidural fibrosis and arachnoiditis at L4-5.", PUMP, True),
    ("pain_pathology_objective", "The lumbar MRI was unremarkable.", PUMP, False),
    # injections and nerve blocks
    ("rotator_cuff_impingement", "Diagnosis: right shoulder impingement syndrome with a positive Hawkins test.", SHOULDER, True),
    ("rotator_cuff_impingement", "MRI showed supraspinatus tendinosis and subacromial bursitis.", SHOULDER, True),
    ("rotator_cuff_impingement", "There is no impingement.", SHOULDER, False),
    ("rotator_cuff_impingement", "MRI shows nerve root impingement at L5.", LUMBAR_ESI, ABSENT),
    ("trochanteric_bursitis", "She has tenderness over the left greater trochanter; diagnosis trochanteric bursitis.", HIP, True),
    ("trochanteric_bursitis", "There is no trochanteric tenderness.", HIP, False),
    ("occipital_neuralgia_or_cervicogenic_headache", "Diagnoses: occipital neuralgia and cervicogenic headache.", GONB, True),
    ("occipital_neuralgia_or_cervicogenic_headache", "There is tenderness over the right greater occipital nerve.", GONB, True),
    ("occipital_neuralgia_or_cervicogenic_headache", "He denies occipital neuralgia.", GONB, False),
    ("cervical_dystonia", "Diagnosis: cervical dystonia with rotational torticollis.", BOTOX, True),
    ("cervical_dystonia", "There is no torticollis.", BOTOX, False),
])
def test_spine_pain_facts(extractor, fact, text, item, expected):
    assert value(extractor, fact, text, *item) == expected


def test_every_corpus_summary_and_request_is_read(extractor):
    from checker.ruleset.treatments import load_treatments
    corpus_facts_seen(extractor, load_treatments(RULES))
