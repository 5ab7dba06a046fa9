"""Findings tied to their body region: a pattern with `region: request` documents a fact only from a sentence
that names the request's site (or a site within or around it) or names no site at all."""

from __future__ import annotations

import pytest

from checker.errors import InputErrors
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary
from checker.ruleset.treatments import load_treatments

from .conftest import RULES, rules_edited

LESION = "exam_findings_suggest_lesion"
KNEE_MRI = ("MRI of the right knee", "MRI-KNEE")


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


@pytest.mark.parametrize("a, b, related", [
    ("knee", "knee", True), ("knee", "lower_extremity", True), ("lower_extremity", "knee", True),
    ("knee", "shoulder", False), ("lumbar_spine", "cervical_spine", False), ("sacrum", "lumbar_spine", True),
    ("thumb", "wrist_hand", True), ("body", "knee", False),
])
def test_sites_are_related_when_one_lies_within_the_other(a, b, related):
    assert load_treatments(RULES).lexicon.related(a, b) is related


@pytest.mark.parametrize("summary, documented", [
    ("Examination of the right knee revealed internal derangement.", True),
    ("There was evidence of internal derangement on examination.", True),          # no site named: kept
    ("Examination of the left shoulder revealed internal derangement.", False),   # another region
    ("The left leg showed internal derangement.", True),                          # the knee lies in the leg
    ("The shoulder and the knee both showed internal derangement.", True),        # one named site is the knee's
    ("He went back to work. The exam noted internal derangement.", True),         # 'back' is not the low back here
])
def test_an_exam_finding_of_another_region_documents_nothing(extractor, summary, documented):
    found = extractor.extract(summary, *KNEE_MRI)
    assert (LESION in found) is documented, found.get(LESION)


def test_region_is_rejected_on_a_case_fact(tmp_path):
    marker = "  symptoms_persist_despite_treatment:\n    patterns:\n      - {value: true, "
    rules = rules_edited(tmp_path, "extraction/core.yaml", marker, marker + "region: request, ")
    with pytest.raises(InputErrors) as exc:
        Extractor(rules, load_vocabulary(rules))
    assert "core.yaml" in str(exc.value) and "region: request" in str(exc.value)
