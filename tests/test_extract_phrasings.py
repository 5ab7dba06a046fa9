"""Phrasings the patterns were not written from: sentences written independently of the extraction rules (by a
person who read the fact's meaning, the guidelines and the development letters only) in the ways IMR summaries say
things, with the wording that must not count. Each group checks a mechanism, not one phrase: conservative care named
once for every pattern (drugs by class), its failure said before or after it, a relative's history, a guideline's
text quoted in a summary, an unclear trial."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES

ABSENT = None


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


def value(extractor, fact, summary, request="", treatment=None):
    found = extractor.extract(summary, request, treatment)
    return found[fact].value if fact in found else ABSENT


FAILED = "conservative_care_failed"
PERSIST = "symptoms_persist_despite_treatment"


@pytest.mark.parametrize("text, expected", [
    # the care first, its failure after
    ("Conservative treatment, including a wrist splint and anti-inflammatory medications, was unsuccessful.", True),
    ("Acupuncture x6 and chiropractic care x12 were of no benefit.", True),
    ("Physical therapy was discontinued after 8 visits because it was not helping.", True),
    ("Naproxen and cyclobenzaprine provided only minimal and temporary relief of his neck pain.", True),  # drugs
    ("The patient reported that the medications are not helping and the pain is getting worse.", True),
    ("Conservative measures have been exhausted.", True),
    ("The provider noted that the injured worker has plateaued with physical therapy and remains symptomatic.", True),
    # the failure first
    (("Per the orthopedic surgeon, the patient has failed nonoperative management, including two cortisone "
      "injections and six weeks of physical therapy."), True),
    ("The patient did not respond to a six-week trial of physical therapy.", True),
    ("Despite 4 weeks of bracing and activity modification, the wrist pain and numbness persist.", True),
    # pain that persists, unchanged with the care or after it
    ("The pain is unchanged with medications and therapy.", True),
    (("On 11-22-16, she continued to complain of right knee pain rated 7/10 after completing 6 sessions of "
      "physical therapy."), True),
    (("Treatment to date includes medications, physical therapy (24 sessions) and a lumbar epidural steroid "
      "injection. The pain continues to be rated 8/10 with radiation to the left leg."), True),
    # not a failure: help, a plan, the reviewer's words, an unclear trial, care words in other words
    ("Physical therapy helped significantly and she has returned to full duty.", False),
    ("If conservative care fails, surgery will be considered.", ABSENT),
    ("There is no documentation that the patient has failed conservative care.", ABSENT),
    ("It is unclear from the records whether the patient has tried and failed physical therapy.", ABSENT),
    ("Despite restrictions, he returned to work at the office.", ABSENT),
])
def test_conservative_care_failed_in_other_words(extractor, text, expected):
    assert value(extractor, FAILED, text) == expected


@pytest.mark.parametrize("text", [
    "Guidelines support imaging when neurologic symptoms persist after at least one month of conservative care.",
    "The MTUS recommends 9-10 visits over 8 weeks for myalgia and myositis, unspecified.",
    "Chronic pain is defined as pain persisting beyond the expected time of healing.",
])
def test_a_guideline_quoted_in_a_summary_documents_nothing(extractor, text):
    found = extractor.extract(text, "", None)
    assert PERSIST not in found and "physical_medicine_diagnosis" not in found, found


@pytest.mark.parametrize("text, expected", [
    ("Family history is notable for a father who had a lumbar fusion for spinal stenosis.", ABSENT),
    ("Her mother had a lumbar fusion.", ABSENT),
    ("He had a lumbar fusion in 2012; his father also had back surgery.", True),  # the worker's own, then a relative's
    ("He had a lumbar fusion in 2012.", True),
])
def test_a_relatives_history_is_not_the_workers(extractor, text, expected):
    assert value(extractor, "prior_surgery_same_region", text, "MRI of the lumbar spine", "MRI-LUMBAR") == expected


@pytest.mark.parametrize("text, expected", [
    ("She is currently in aquatic therapy and reports that the pool exercises help her tolerate standing.", True),
    ("Per the physical therapy progress note, therapy is ongoing.", True),
    ("He continues to perform his home exercise program daily.", True),
    ("She is not doing any exercises.", False),
    ("The injured worker has not had any physical therapy or home exercise to date.", False),
    ("He stopped performing his home exercises several months ago because they increased his pain.", False),
    ("She will start a home exercise program.", ABSENT),  # a plan
])
def test_active_rehabilitation_program_in_other_words(extractor, text, expected):
    assert value(extractor, "active_rehabilitation_program", text) == expected


@pytest.mark.parametrize("text, fact, expected", [
    # the reviewer certifying the drug, in the active voice: the worker is prescribed it
    ("Utilization Review modified the request for Naprosyn 500mg #90 to #30.", "concurrent_nsaid", True),
    ("On 12-01-2016, UR certified the request for tramadol 50 mg #60.", "current_opioid_prescription", True),
    ("Utilization Review modified the request for Norco 10/325mg #90 to #45 for weaning.",
     "current_opioid_prescription", ABSENT),  # as the passive form: a certification to wean is left out
    ("Utilization Review non-certified the request for Norco 10/325mg #90.", "current_opioid_prescription", ABSENT),
    # stopped, or not to be taken
    ("NSAIDs were discontinued in August 2016 due to gastrointestinal bleeding.", "concurrent_nsaid", False),
    ("She is unable to take NSAIDs because of chronic kidney disease.", "concurrent_nsaid", False),
    ("The physician instructed him to stop ibuprofen because of elevated blood pressure.", "concurrent_nsaid",
     ABSENT),  # advice to stop: still taken (as test_extract_recall_a)
    ("Norco was discontinued in 2015.", "current_opioid_prescription", False),
    ("The patient denies taking any opioid medications.", "current_opioid_prescription", False),
    ("Norco was discontinued and he was transitioned to tramadol 50 mg.", "current_opioid_prescription", True),
])
def test_medications_certified_or_stopped(extractor, text, fact, expected):
    assert value(extractor, fact, text) == expected


@pytest.mark.parametrize("text, asked, code, expected", [
    ("Treatment to date has included physical therapy, medications, lumbar spine surgery (2014) and acupuncture.",
     "MRI of the lumbar spine", "MRI-LUMBAR", True),                   # dated in parentheses, in a list
    ("The injured worker is 6 months post right total knee arthroplasty.", "X-rays of the right knee", "XRAY-KNEE",
     True),                                                               # "N months post" marks it done
    ("Surgical hx: R knee scope 2012, appendectomy.", "MRI of the right knee", "MRI-KNEE", True),
    ("Surgical hx: L knee scope 2012.", "MRI of the right knee", "MRI-KNEE", ABSENT),  # the other knee
    ("A right knee arthroscopy has been recommended.", "MRI of the right knee", "MRI-KNEE", ABSENT),
])
def test_prior_surgery_in_other_words(extractor, text, asked, code, expected):
    assert value(extractor, "prior_surgery_same_region", text, asked, code) == expected


@pytest.mark.parametrize("text, asked, code, expected", [
    # one template set for every kind of injection: the same phrasings count an ESI, a block or a joint injection
    ("The applicant is status post ESI with temporary benefit.", "Lumbar ESI at L4-5", "ESI-LUMBAR", 1),
    ("He has had multiple cortisone injections into the left knee.", "Left knee corticosteroid injection", "CSI-KNEE",
     2),                                                                  # several: at least two
    ("Sympathetic blocks x 3 gave relief for two weeks each.", "Lumbar sympathetic block", "SYMPATHETIC-BLOCK", 3),
    ("Cervical ESIs were performed on 01-12-2015, 06-20-2015 and 02-02-2016.", "Cervical ESI C5-6", "ESI-CERVICAL",
     3),
    ("This would be her first epidural injection.", "Lumbar ESI at L5-S1", "ESI-LUMBAR", 0),
    ("She has not had any injections.", "Right shoulder corticosteroid injection", "CSI-SHOULDER", 0),
    # the region: the mention's own site, a spinal level, the other side
    ("She had two prior cervical ESIs and one lumbar ESI.", "Lumbar ESI at L4-5", "ESI-LUMBAR", 1),
    ("She had a prior ESI at C5-6.", "Lumbar ESI at L4-5", "ESI-LUMBAR", ABSENT),
    ("She had a previous ESI at L5-S1 with 50% relief of her leg pain.", "Lumbar ESI at L4-5", "ESI-LUMBAR", 1),
    ("He received two cortisone injections to the left shoulder.", "Right shoulder corticosteroid injection",
     "CSI-SHOULDER", ABSENT),                                             # read from a care-given list, sides too
    ("She had a prior left L4-5 transforaminal ESI.", "Right L4-5 TFESI", "ESI-LUMBAR", 1),  # the spine has no sides
])
def test_prior_procedures_counted_the_same_way_for_every_kind(extractor, text, asked, code, expected):
    assert value(extractor, "prior_procedure_count", text, asked, code) == expected


def test_a_level_names_a_spinal_region_only_for_a_spinal_request(extractor):
    """For a limb, a level is the root of a finding there: an EMG showing L5 radiculopathy is a study of the legs."""
    text = "A prior EMG/NCV study showed chronic L5 radiculopathy."
    assert value(extractor, "prior_procedure_count", text, "EMG/NCV of the bilateral lower extremities",
                 "EDX-LOWER") == 1
    assert value(extractor, "prior_procedure_count", "A prior MRI at C5-6 showed a disc protrusion.",
                 "MRI of the lumbar spine", "MRI-LUMBAR") is ABSENT


@pytest.mark.parametrize("text, expected", [
    ("Current pain was rated 10 out of 10 while on Flexeril 5 mg.", True),        # care named by its drug
    ("Functional limitations persist after 12 sessions of therapy.", True),
    ("The symptoms were not resolving with rest and ice.", True),
    ("Chronic pain is defined as pain persisting beyond the expected time of healing.", ABSENT),
])
def test_symptoms_persist_in_other_words(extractor, text, expected):
    assert value(extractor, PERSIST, text) == expected


@pytest.mark.parametrize("text, asked, code, expected", [
    ("The patient reports that the Lidoderm patches allow her to sleep through the night.", "Lidoderm 5% patch #30",
     "LIDOCAINE-PATCH", True),                                            # the plural's verb
    ("OxyContin 20 mg every 12 hours has been prescribed since at least 2014.", "OxyContin 20mg #60",
     "OPIOID-LONG-ACTING", True),
    ("Medication refills were provided for Soma 350 mg and Norco 10/325 mg.", "Soma 350mg #60", "CARISOPRODOL", True),
    ("On 12-01-2016 she reported that she ran out of Norco two weeks ago.", "Norco 10/325mg #90",
     "OPIOID-SHORT-ACTING", True),
])
def test_continuing_medication_in_other_words(extractor, text, asked, code, expected):
    assert value(extractor, "continuing_medication", text, asked, code) == expected
