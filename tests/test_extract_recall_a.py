"""Extraction of the medication-regimen and persistence facts written for the class of wording (issue 12, recall):
current opioid, concurrent NSAID, the requested drug continued, the topical's site, neuropathic pain, persisting
symptoms and failed conservative care. Sentences written for these tests: positive, negative, negated, plans, and
UR/IMR administrative language that documents nothing."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.reading.requests import normalize_request

from .conftest import RULES

OPIOID = "current_opioid_prescription"
NSAID = "concurrent_nsaid"


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def value(extractor, fact, summary, request="", treatment=None):
    entry = extractor.extract(summary, request, treatment).get(fact)
    return None if entry is None else entry.value


def lexicon_words(catalog, classes: set[str], exclude: set[str] = frozenset()) -> list[str]:
    """Every name the drug lexicon gives the ingredients of these classes (ingredient, brands, synonyms) and the
    oral products holding one of them."""
    drugs = catalog.treatments.lexicon.drugs
    words: set[str] = set()
    for name, ing in drugs.ingredients.items():
        if name not in exclude and (ing.drug_class in classes or ing.extended_release_class in classes):
            words |= {name, *ing.brands, *ing.extended_release_brands, *ing.synonyms}
    for product in drugs.products.values():
        mine = [i for i in product.ingredients if i in drugs.ingredients and drugs.ingredients[i].drug_class in classes]
        if product.route == "oral" and mine and not set(mine) & exclude:
            words |= set(product.words)
    return sorted(words)


# ---- every drug of the class, as the lexicon names it ----------------------------------------------------

@pytest.mark.parametrize("frame", ["He takes {} twice a day.", "She has been on {} since 2015.",
                                   "{} helps her pain.", "The physician refilled {}."])
def test_every_lexicon_opioid_is_read(extractor, catalog, frame):
    words = lexicon_words(catalog, {"opioid_short_acting", "opioid_long_acting"})
    assert len(words) > 50
    missed = [w for w in words if value(extractor, OPIOID, frame.format(w)) is not True]
    assert not missed, missed


@pytest.mark.parametrize("frame", ["He takes {} twice a day.", "She has been on {} since 2015.",
                                   "{} helps her pain.", "The physician refilled {}."])
def test_every_lexicon_oral_nsaid_is_read(extractor, catalog, frame):
    # aspirin (and its combinations with a muscle relaxant or butalbital) is read for GI risk, not as the NSAID
    # of a pain regimen; the topical brands are not oral
    words = [w for w in lexicon_words(catalog, {"nsaid", "ketorolac"}, exclude={"aspirin"})
             if not any(f in w for f in ("gel", "patch", "topical"))]
    assert len(words) > 40
    missed = [w for w in words if value(extractor, NSAID, frame.format(w)) is not True]
    assert not missed, missed


# ---- current_opioid_prescription ----------------------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    # current use, as the records write it
    ("He takes hydrocodone/APAP 10/325 three times a day for pain.", True),
    ("The patient is on Percocet 5/325 as needed.", True),
    ("She remains on methadone 10 mg twice daily.", True),
    ("He has been using a Butrans patch weekly.", True),
    ("The patient continues to take tramadol ER at night.", True),
    ("He was given a prescription for Tylenol #3.", True),
    ("The provider prescribed oxycodone 5 mg for breakthrough pain.", True),
    ("Nucynta 50 mg was refilled on 11/02/2016.", True),
    ("Tramadol brings his pain down from 8/10 to 5/10.", True),
    ("With Norco, her pain decreases to 4/10.", True),
    ("He has used morphine sulfate for the past two years.", True),
    ("The treatment plan included continuation of Norco 10/325 mg.", True),   # a plan to continue: current use
    ("Post-operative Percocet 5/325 mg #30 was certified by utilization review.", True),
    # not current, or not said
    ("He is not taking any narcotics.", False),
    ("She has never been on opioids.", False),
    ("The patient is opioid-naive.", False),
    ("Non-opioid analgesics have helped her pain.", None),
    ("He previously took Norco, which was stopped in 2014.", None),
    ("The physician recommended a trial of tramadol.", None),
    ("A prescription for Norco would be considered if the pain worsens.", None),
    ("The utilization review noted that the patient takes Norco 10/325 mg.", None),
    ("The request for Ultram 50 mg was denied as there was no documentation of functional benefit.", None),
])
def test_current_opioid_prescription(extractor, summary, expected):
    assert value(extractor, OPIOID, summary) == expected


# ---- concurrent_nsaid: an oral NSAID in the regimen ------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("She takes over-the-counter Aleve for her knee pain.", True),
    ("He has been using ibuprofen 800 mg three times a day.", True),
    ("The patient continues meloxicam 15 mg daily.", True),
    ("Naproxen provides about 30% relief.", True),
    ("The physician refilled Celebrex 200 mg.", True),
    ("He has taken anti-inflammatory medications for several months.", True),
    ("The request for Mobic 7.5 mg was approved.", True),
    ("Current medications include Vimovo and Norco.", True),
    ("She stopped ibuprofen because of heartburn.", False),
    ("He is no longer taking NSAIDs.", False),
    ("He is not taking any anti-inflammatory medications.", False),
    # a topical NSAID or a Toradol shot is not an oral NSAID; a recommendation to stop says she still takes it
    ("She has been using diclofenac sodium 1% gel on the knee.", None),
    ("He has been applying topical diclofenac to the knee.", None),
    ("He was given a Toradol injection in the clinic.", None),
    ("Current medications include Flector patch and cyclobenzaprine.", False),
    ("The physician advised her to stop NSAIDs until her blood pressure is controlled.", None),
    ("Past treatment included naproxen.", None),
    ("Utilization review certified the request and noted she takes naproxen.", None),
])
def test_concurrent_nsaid(extractor, summary, expected):
    assert value(extractor, NSAID, summary) == expected


# ---- the current-medication list: how the records open it ----------------------------------------------------

@pytest.mark.parametrize("summary, opioid, nsaid", [
    ("Medications were listed as Norco and Soma.", True, False),
    ("Her medications were noted to include ibuprofen and tizanidine.", False, True),
    ("Medications currently include Motrin.", False, True),
    ("He takes the following medications: tramadol, Flexeril.", True, False),
    ("Medications prescribed at this visit included Naproxen and Prilosec.", False, True),
    ("Current pain medications include Percocet.", True, False),
    ("She takes no medications.", False, False),
    ("Current medications: none.", False, False),
    # a history of medications or a treatment list is not the current regimen
    ("Medications have included Norco and ibuprofen.", None, None),
    ("Treatment to date has included oral medications including Ketoprofen 50mg and Tylenol.", None, None),
])
def test_current_medication_list(extractor, summary, opioid, nsaid):
    assert (value(extractor, OPIOID, summary), value(extractor, NSAID, summary)) == (opioid, nsaid)


# ---- continuing_medication: the requested drug (or one of its class) already taken ------------------------

def code(extractor, request):
    return normalize_request(request, extractor.treatments()).code


@pytest.mark.parametrize("summary, asked, expected", [
    ("She takes Zanaflex at night for spasms.", "Tizanidine 4mg #60", True),
    ("He remains on gabapentin 300 mg three times daily.", "Gabapentin 600mg #90", True),
    ("The patient uses Lidoderm patches on the low back.", "Lidocaine 5% patch #30", True),
    ("Long-term use of omeprazole was noted.", "Omeprazole 20mg #60", True),
    ("Cymbalta has helped his mood and pain.", "Duloxetine 60mg #30", True),
    ("The physician is weaning Norco.", "Hydrocodone/APAP 10/325mg #60", True),
    ("She has been taking Lorcet for six months.", "Norco 10/325mg #90", True),
    ("He takes Aleve as needed.", "Naproxen sodium 550mg #60", True),
    # first prescription, another class, a topical for an oral request, UR language
    ("This is the first prescription of tramadol.", "Tramadol 50mg #60", False),
    ("She takes Zanaflex at night for spasms.", "Gabapentin 600mg #90", None),
    ("He has been applying Voltaren gel to the knee.", "Naproxen sodium 550mg #60", None),
    ("Utilization review noted that she takes Zanaflex.", "Tizanidine 4mg #60", None),
])
def test_continuing_medication(extractor, summary, asked, expected):
    assert value(extractor, "continuing_medication", summary, asked, code(extractor, asked)) == expected


@pytest.mark.parametrize("summary, expected", [
    ("At the last visit he was given Oxycodone ER 20 mg, but this was not certified.", False),
    ("Oxycodone ER 20 mg was prescribed and it was never filled.", False),
    ("He has been taking Oxycodone ER 20 mg twice a day.", True),
])
def test_a_prescription_never_certified_was_never_taken(extractor, summary, expected):
    assert value(extractor, "continuing_medication", summary, "Oxycodone ER 20mg #60", "OPIOID-LONG-ACTING") == expected


# ---- topical_site_amenable: the part a topical NSAID treats ------------------------------------------------

@pytest.mark.parametrize("summary, request_text, expected", [
    ("Voltaren gel was prescribed for the right knee.", "Voltaren gel 1% #100g", True),
    ("She applies the gel to both hands twice a day.", "Diclofenac sodium 1% gel #100g", True),
    ("She complained of right wrist pain and swelling.", "Voltaren gel 1% #100g", True),
    ("He complains of constant left ankle and foot pain.", "Flector patch 1.3% #30", True),
    ("", "Voltaren gel 1% apply to the left elbow #100g", True),
    ("The patient complained of back pain at the L4-5 level.", "Flector patch 1.3% #30", False),
    ("Flector patches were used on the lumbar spine.", "Flector patch 1.3% #30", False),
    ("He complained of neck and right shoulder pain.", "Voltaren gel 1% #100g", False),
    # several kinds of part, or no part: not said; another item says nothing of it
    ("He complained of low back and right knee pain.", "Voltaren gel 1% #100g", None),
    ("She complained of pain.", "Voltaren gel 1% #100g", None),
])
def test_topical_site_amenable(extractor, summary, request_text, expected):
    assert value(extractor, "topical_site_amenable", summary, request_text, "TOPICAL-NSAID") == expected


def test_topical_site_is_read_only_for_a_topical_nsaid(extractor):
    assert value(extractor, "topical_site_amenable", "She complained of right wrist pain.", "Lidoderm 5% patch #30",
                 "LIDOCAINE-PATCH") is None


# ---- neuropathic_pain -----------------------------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("She describes the pain as sharp, burning and electric along the scar.", True),
    ("He reports a burning feeling over the dorsum of the foot.", True),
    ("The diagnoses include intercostal neuralgia.", True),
    ("There was a painful neuroma at the amputation site.", True),
    ("He sustained a digital nerve injury of the index finger.", True),
    ("He denies shooting pain.", False),
    ("He complained of burning epigastric pain after meals.", None),
    ("She reports burning with urination.", None),
    ("Diagnoses include bilateral carpal tunnel syndrome and de Quervain's tenosynovitis.", None),
    ("The MRI showed nerve root irritation at L5.", None),
    ("Topical lidocaine is only indicated for neuropathic pain, per the utilization review.", None),
])
def test_neuropathic_pain(extractor, summary, expected):
    assert value(extractor, "neuropathic_pain", summary) == expected


# ---- non_opioid_analgesics_failed ---------------------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("Over-the-counter ibuprofen gave her only temporary relief.", True),
    ("Meloxicam was discontinued due to gastritis.", True),
    ("He cannot take NSAIDs because of his kidney disease.", True),
    ("She is refractory to acetaminophen and naproxen.", True),
    ("Gabapentin did not help his burning foot pain.", True),
    ("Trials of Celebrex and Mobic were without relief.", True),
    ("He has not yet tried acetaminophen.", False),
    ("She stopped ibuprofen last month.", None),
    ("Naproxen was prescribed for the knee pain.", None),
    ("The reviewer noted a lack of documentation that first-line medications had failed.", None),
])
def test_non_opioid_analgesics_failed(extractor, summary, expected):
    assert value(extractor, "non_opioid_analgesics_failed", summary) == expected


# ---- pain_medication_reduced_or_not_tolerated ---------------------------------------------------------------

@pytest.mark.parametrize("summary, expected", [
    ("She reports constipation and drowsiness from Norco.", True),
    ("He has significant side effects with oxycodone.", True),
    ("Celebrex caused stomach upset.", True),
    ("The patient is tapering Nucynta.", True),
    ("His Ultram use was decreased to twice a day.", True),
    ("He denies side effects from his pain medications.", False),
    ("Acupuncture is requested to help reduce pain medication use.", None),
    ("He takes Norco twice a day.", None),
])
def test_pain_medication_reduced_or_not_tolerated(extractor, summary, expected):
    assert value(extractor, "pain_medication_reduced_or_not_tolerated", summary) == expected


# ---- symptoms_persist_despite_treatment and conservative_care_failed, in one sentence --------------------------

PERSIST = "symptoms_persist_despite_treatment"
FAILED = "conservative_care_failed"


@pytest.mark.parametrize("summary, expected", [
    ("He reports constant aching pain in the right shoulder.", True),
    ("She has chronic low back pain radiating to the left leg.", True),
    ("There has been no change in his neck pain since the last visit.", True),
    ("Her knee pain is essentially unchanged.", True),
    ("His progress in therapy has plateaued.", True),
    ("The injections gave only temporary relief.", True),
    ("He had a flare-up of low back pain last week.", True),
    ("The fracture shows delayed healing.", True),
    ("He has not fully recovered from the injury.", True),
    ("She rated her pain 7/10 after six sessions of physical therapy.", True),
    ("He complains of neck pain despite taking Norco.", True),
    ("At the follow-up visit he reported sharp low back pain.", True),
    # a complaint the care relieved, a complaint before any care, a plan, a denial, UR language
    ("She complained of wrist pain with improvement after physical therapy.", None),
    ("He complained of right knee pain the day after the injury.", None),
    ("A chronic pain management program was recommended.", None),
    ("He denies constant pain.", None),
    ("The utilization review found no documentation of continued pain despite conservative care.", None),
])
def test_symptoms_persist_in_one_sentence(extractor, summary, expected):
    assert value(extractor, PERSIST, summary) == expected


@pytest.mark.parametrize("summary, expected", [
    ("He has exhausted conservative care.", True),
    ("She underwent an unsuccessful course of physical therapy.", True),
    ("Chiropractic treatment provided only temporary relief.", True),
    ("Home exercises have not helped her knee pain.", True),
    ("His pain persisted after eight sessions of acupuncture.", True),
    ("She has not responded to anti-inflammatory medications.", True),
    ("There was a poor response to bracing.", True),
    ("Physical therapy has been ineffective.", True),
    # care that helped; a plan; UR language
    ("She reports significant improvement with physical therapy.", False),
    ("If conservative care fails, surgery will be considered.", None),
    ("The request was non-certified as there was no evidence that conservative care had failed.", None),
])
def test_conservative_care_failed_in_one_sentence(extractor, summary, expected):
    assert value(extractor, FAILED, summary) == expected


@pytest.mark.parametrize("summary, opioid, nsaid", [
    ("Medications: Norco and Soma.", True, False),
    ("Current medication regimen: Motrin 800 mg.", False, True),
    ("The patient utilizes the following medication regimen: tramadol, Wellbutrin and trazodone.", True, False),
    ("The patient notes pain relief with rest, ice, heat, opioids and changing position.", True, None),
    ("Her pain is better with ibuprofen.", None, True),
    ("Past medications: Norco.", None, None),
    ("The utilization review non-certified the following medications: Norco, Soma.", None, None),
    ("He would benefit from a trial of tramadol.", None, None),
])
def test_colon_lists_and_relief_with_the_drug(extractor, summary, opioid, nsaid):
    assert (value(extractor, OPIOID, summary), value(extractor, NSAID, summary)) == (opioid, nsaid)


def test_a_treatment_list_after_a_colon_is_read(extractor):
    assert value(extractor, "home_exercise_program", "Treatment to date: physical therapy and medications.") is False
