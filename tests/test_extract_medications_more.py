"""Extraction patterns for the facts of the medication classes added with the drug lexicon's new classes
(rules/extraction/medications-more.yaml): acute flare, acetaminophen dose, liver disease, steroid risks
discussed, migraine, nutritional deficiency. Sentences written in general clinical language."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


def facts(extractor, summary, request="", treatment=None):
    return {name: e.value for name, e in extractor.extract(summary, request, treatment).items()}


@pytest.mark.parametrize("text, fact, expected", [
    # acute_pain_flare
    ("She presented with an acute flare-up of low back pain after lifting boxes.", "acute_pain_flare", True),
    ("He reports a recent exacerbation of his neck pain.", "acute_pain_flare", True),
    ("The patient had sudden onset of severe low back pain on 11-2-2016.", "acute_pain_flare", True),
    ("His radicular symptoms have flared over the last week.", "acute_pain_flare", True),
    ("Her pain has flared since the weekend.", "acute_pain_flare", True),
    ("He denies any acute flare-up.", "acute_pain_flare", False),
    ("Pain is chronic and unchanged, rated 6/10.", "acute_pain_flare", None),
    # acetaminophen_daily_mg
    ("He takes Tylenol 500 mg, about 3000 mg per day.", "acetaminophen_daily_mg", 3000),
    ("She uses 4000 mg of acetaminophen a day.", "acetaminophen_daily_mg", 4000),
    ("She uses 4,000 mg of acetaminophen a day.", "acetaminophen_daily_mg", None),  # never read as 000
    ("He takes Norco and Tylenol, 3 g a day.", "acetaminophen_daily_mg", None),  # grams are not read
    ("Current medications include Tylenol.", "acetaminophen_daily_mg", None),
    # hepatic_disease_or_alcohol_use
    ("Past medical history is significant for hepatitis C.", "hepatic_disease_or_alcohol_use", True),
    ("Laboratory studies showed elevated liver enzymes.", "hepatic_disease_or_alcohol_use", True),
    ("He drinks six beers a day.", "hepatic_disease_or_alcohol_use", True),
    ("Liver function tests were within normal limits.", "hepatic_disease_or_alcohol_use", False),
    ("He denies alcohol use.", "hepatic_disease_or_alcohol_use", False),
    ("There is no history of liver disease.", "hepatic_disease_or_alcohol_use", False),
    # steroid_risks_discussed
    ("The risks and benefits of a Medrol Dosepak were discussed with the patient.", "steroid_risks_discussed", True),
    ("The provider discussed the potential side effects of oral steroids.", "steroid_risks_discussed", True),
    ("The patient was counseled about the risks of prednisone, including elevated blood sugar.",
     "steroid_risks_discussed", True),
    ("The risks of surgery were discussed.", "steroid_risks_discussed", None),
    ("A prednisone taper was prescribed.", "steroid_risks_discussed", None),
    # migraine_diagnosis
    ("Diagnoses include post-traumatic migraine headaches.", "migraine_diagnosis", True),
    ("She has migraines with aura twice a month.", "migraine_diagnosis", True),
    ("He denies migraines.", "migraine_diagnosis", False),
    ("She reports tension-type headaches.", "migraine_diagnosis", None),
    # nutritional_deficiency_documented
    ("Laboratory testing showed a low vitamin B12 level.", "nutritional_deficiency_documented", True),
    ("She has a history of pernicious anemia.", "nutritional_deficiency_documented", True),
    ("He was found to have vitamin D deficiency.", "nutritional_deficiency_documented", True),
    ("There is no vitamin B12 deficiency.", "nutritional_deficiency_documented", False),
    ("Vitamin B12 injections were requested for neuropathy.", "nutritional_deficiency_documented", None),
])
def test_case_facts(extractor, text, fact, expected):
    assert facts(extractor, text).get(fact) == expected


def test_utilization_review_language_documents_nothing(extractor):
    text = ("Utilization review non-certified the Medrol Dosepak as there was no acute flare-up and the risks "
            "of steroids were not documented.")
    found = facts(extractor, text, "Medrol dosepak", "CORTICOSTEROID-ORAL")
    assert not {"acute_pain_flare", "steroid_risks_discussed"} & set(found)


@pytest.mark.parametrize("summary, request_text, code", [
    ("She has been taking Keppra since the injury.", "Levetiracetam 500 mg", "ANTICONVULSANT"),
    ("Current medications include Savella and Norco.", "Savella 50 mg", "ANTIDEPRESSANT"),
    ("She continues with Zonegran.", "Zonisamide 100 mg", "ANTICONVULSANT"),
])
def test_continuing_medication_knows_the_added_names(extractor, summary, request_text, code):
    assert facts(extractor, summary, request_text, code).get("continuing_medication") is True


@pytest.mark.parametrize("summary, request_text, code, weeks", [
    ("He has been taking Halcion for 6 months.", "Triazolam 0.25 mg", "BENZODIAZEPINE", 26.0),
    ("She has used Belsomra for two years.", "Belsomra 10 mg", "SLEEP-AID", 104.0),
    ("He has been taking Ponstel for 6 months.", "Mefenamic acid 250 mg", "NSAID-ORAL", 26.0),
])
def test_medication_use_weeks_knows_the_added_names(extractor, summary, request_text, code, weeks):
    assert facts(extractor, summary, request_text, code).get("medication_use_weeks") == weeks
