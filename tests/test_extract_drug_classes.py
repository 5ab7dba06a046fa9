"""A pattern names a drug class ({drugs:CLASS,...}) instead of a hand list: the names come from the drug lexicon
(rules/requests/drugs.yaml), so the opioid facts know every ingredient, brand and product the requests do."""

from __future__ import annotations

import pytest

from checker.errors import InputError
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import rules_edited

OPIOID = "current_opioid_prescription"


@pytest.mark.parametrize("drug", ["Norco", "hydrocodone/APAP", "Tylenol #3", "Xtampza ER", "Hysingla", "tramadol HCl",
                                  "Zohydro ER", "buprenorphine"])
def test_every_opioid_of_the_lexicon_is_read(extractor, drug):
    found = extractor.extract(f"The patient is currently taking {drug} for pain.", "", scope="case")
    assert found[OPIOID].value is True


def test_another_class_is_not_an_opioid(extractor):
    found = extractor.extract("The patient is currently taking naproxen for pain.", "", scope="case")
    assert found[OPIOID].value is False  # the current medications name no opioid


def test_the_class_is_expanded_from_the_lexicon(extractor):
    regexes = [cp.pattern.regex for cp in extractor._patterns if cp.name == OPIOID]
    assert regexes and not any("{drugs:" in r for r in regexes)
    for name in ("hydrocodone APAP", "Xtampza ER", "Norco"):  # an ingredient's synonym, an ER brand, a product
        assert extractor.extract(f"She is currently taking {name} daily.", "", scope="case")[OPIOID].value is True


def test_an_unknown_class_names_file_field_and_the_closest_class(tmp_path):
    rules = rules_edited(tmp_path, "extraction/medications.yaml", "{drugs:opioid_short_acting,opioid_long_acting}",
                         "{drugs:opioid_short_actin}")
    with pytest.raises(InputError) as exc:
        Extractor(rules, load_vocabulary(rules))
    message = str(exc.value)
    assert "medications.yaml" in message and OPIOID in message and "opioid_short_acting" in message


@pytest.mark.parametrize("summary", [
    "The patient reported taking Percocet.",
    "The injured worker has been utilizing Norco.",
    "He reports pain of 8/10 without and 4/10 with Norco.",
    "The medications listed were Norco and Soma.",
])
def test_more_wordings_of_current_use(extractor, summary):
    assert extractor.extract(summary, "", scope="case")[OPIOID].value is True


def test_a_listed_medication_closes_the_list(extractor):
    found = extractor.extract("The medications listed were Norco and Soma.", "", scope="case")
    assert found["concurrent_nsaid"].value is False
