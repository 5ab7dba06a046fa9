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
    ("The leg showed internal derangement.", True),                               # the knee lies in the leg
    ("The right leg showed internal derangement.", True),
    ("The shoulder and the knee both showed internal derangement.", True),        # one named site is the knee's
    ("He went back to work. The exam noted internal derangement.", True),         # 'back' is not the low back here
])
def test_an_exam_finding_of_another_region_documents_nothing(extractor, summary, documented):
    found = extractor.extract(summary, *KNEE_MRI)
    assert (LESION in found) is documented, found.get(LESION)


@pytest.mark.parametrize("summary, asked, documented", [
    ("Examination of the left knee revealed internal derangement.", "MRI of the right knee", False),
    ("The left leg showed internal derangement.", "MRI of the right knee", False),
    ("Examination of the L knee revealed internal derangement.", "MRI of the right knee", False),
    ("Examination of the left knee revealed internal derangement.", "MRI of the left knee", True),
    ("Examination of both knees revealed internal derangement.", "MRI of the right knee", True),
    ("Examination of the bilateral knees revealed internal derangement.", "MRI of the left knee", True),
    ("Examination of the left knee revealed internal derangement.", "MRI of the knee", True),       # no side asked
    ("Examination of the left knee revealed internal derangement.", "MRI of the bilateral knees", True),
    ("Examination of the knee revealed internal derangement.", "MRI of the right knee", True),      # no side given
    # one mention of the knee with no side, or on the requested side, keeps the sentence
    ("The left knee and the knee joint line showed internal derangement.", "MRI of the right knee", True),
    ("The left and right knees showed internal derangement.", "MRI of the right knee", True),
])
def test_a_finding_on_the_other_side_documents_nothing(extractor, summary, asked, documented):
    found = extractor.extract(summary, asked, "MRI-KNEE")
    assert (LESION in found) is documented, found.get(LESION)


def test_a_prior_surgery_on_the_other_side_is_no_surgery_of_the_region(extractor):
    for summary, request, expected in [
        ("She is status post left knee arthroscopy in 2015.", "MRI of the right knee", None),
        ("She is status post left knee arthroscopy in 2015.", "MRI of the left knee", True),
        ("He underwent a right total knee arthroplasty in 2014.", "X-rays of the right knee", True),
    ]:
        code = "MRI-KNEE" if request.startswith("MRI") else "XRAY-KNEE"
        got = extractor.extract(summary, request, code).get("prior_surgery_same_region")
        assert (got.value if got else None) == expected, (summary, request)


def test_region_is_rejected_on_a_case_fact(tmp_path):
    marker = "  symptoms_persist_despite_treatment:\n    patterns:\n      - {value: true, "
    rules = rules_edited(tmp_path, "extraction/core.yaml", marker, marker + "region: request, ")
    with pytest.raises(InputErrors) as exc:
        Extractor(rules, load_vocabulary(rules))
    assert "core.yaml" in str(exc.value) and "region: request" in str(exc.value)
