"""Patterns written once per kind (`kinds` and `for_kinds` in an extraction file): one copy per drug class or
therapy at load, each reading for that kind's treatment codes; the mistakes an author can make are load errors
naming the file and the pattern."""

from __future__ import annotations

import pytest

from checker.errors import InputError, InputErrors
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import rules_edited

MEDS = "medications.yaml"


def test_a_template_becomes_one_pattern_per_kind_with_its_codes(extractor):
    copies = [cp for cp in extractor._patterns if cp.name == "continuing_medication"
              and cp.pattern.regex.startswith("(?:until|pending|awaiting)")]
    codes = {c for cp in copies for c in cp.pattern.when_treatment}
    assert {"OPIOID-SHORT-ACTING", "MUSCLE-RELAXANT", "PPI", "TOPICAL-SALICYLATE"} <= codes
    assert not any("{kind}" in cp.pattern.regex for cp in extractor._patterns)


@pytest.mark.parametrize("summary, asked, code", [
    ("She has been on Lyrica for the past 3 months.", "Pregabalin 75mg #60", "ANTICONVULSANT"),
    ("He has been taking Norco for 3 months.", "Norco 10/325mg #90", "OPIOID-SHORT-ACTING"),
    ("She has used Protonix for 3 months.", "Protonix 20mg #60", "PPI"),
])
def test_every_class_reads_the_same_wordings(extractor, summary, asked, code):
    assert extractor.extract(summary, asked, code, scope="item")["medication_use_weeks"].value == 13.0


def test_another_class_is_not_read_for_the_request(extractor):
    found = extractor.extract("She has been on Lyrica for the past 3 months.", "Norco 10/325mg #90",
                              "OPIOID-SHORT-ACTING", scope="item")
    assert "medication_use_weeks" not in found


def _broken(tmp_path, old: str, new: str, codes: set[str] | None = None):
    rules = rules_edited(tmp_path, f"extraction/{MEDS}", old, new)
    with pytest.raises((InputError, InputErrors)) as exc:
        Extractor(rules, load_vocabulary(rules), codes)
    return str(exc.value)


def test_an_unknown_kind_is_named_with_the_closest(tmp_path):
    message = _broken(tmp_path, "for_kinds: all", "for_kinds: [opiod]")
    assert MEDS in message and "unknown kind 'opiod'" in message and "opioid" in message


def test_a_kind_placeholder_without_for_kinds_is_refused(tmp_path):
    message = _broken(tmp_path, "        for_kinds: all\n", "")
    assert MEDS in message and "{kind} is only for a pattern with `for_kinds`" in message


def test_for_kinds_and_when_treatment_together_are_refused(tmp_path):
    message = _broken(tmp_path, "        for_kinds: all\n", "        for_kinds: all\n        when_treatment: [PPI]\n")
    assert "takes no when_treatment" in message


def test_a_kind_with_an_unknown_code_is_refused(tmp_path, catalog):
    message = _broken(tmp_path, "ppi: {words: *ppi_names, codes: *ppi_codes}", "ppi: {words: *ppi_names, codes: [PPIS]}",
                      set(catalog.treatments.treatments))
    assert MEDS in message and "unknown treatment code 'PPIS'" in message


@pytest.mark.parametrize("summary, asked, code", [
    ("Her massage therapy was helpful; she has completed 4 of 6 visits.", "Massage therapy 6 sessions", "MASSAGE-THERAPY"),
    ("His chiropractic care was helpful; he has completed 4 of 6 visits.", "Chiropractic care 6 visits", "CHIROPRACTIC"),
    ("Her physical therapy was helpful; she has completed 4 of 6 visits.", "Physical therapy 6 sessions", "PHYSICAL-THERAPY"),
])
def test_every_therapy_counts_visits_in_the_same_wordings(extractor, summary, asked, code):
    """prior_sessions_completed is written once for physical therapy, chiropractic care, acupuncture and massage."""
    assert extractor.extract(summary, asked, code, scope="item")["prior_sessions_completed"].value == 4
