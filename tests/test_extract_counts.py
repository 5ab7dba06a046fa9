"""Visit counts in every written form (prior_sessions_completed): "x6", "six sessions", "6 visits of",
"twelve (12) sessions", "physical therapy (6)"; a frequency or a request is no count of visits had."""

from __future__ import annotations

import pytest

DONE = "prior_sessions_completed"
PT = ("Physical therapy x6 for the lumbar spine", "PHYSICAL-THERAPY")


@pytest.mark.parametrize("summary, count", [
    ("She has completed physical therapy x6.", 6),
    ("She completed six sessions of physical therapy.", 6),
    ("She has had 6 visits of physical therapy.", 6),
    ("She has had twelve (12) sessions of physical therapy.", 12),
    ("Treatment to date has included physical therapy (6).", 6),
    ("Treatment to date has included chiropractic care (8) and medications.", 0),  # a closed list without PT
    ("Treatment to date has included physical therapy (2x6).", None),                  # a frequency, not a count
])
def test_visit_counts(extractor, summary, count):
    found = extractor.extract(summary, *PT, scope="item")
    assert (found[DONE].value if DONE in found else None) == count


def test_a_count_for_another_therapy_request(extractor):
    found = extractor.extract("Treatment to date has included chiropractic care (8).", "Chiropractic care x6",
                              "CHIROPRACTIC", scope="item")
    assert found[DONE].value == 8


@pytest.mark.parametrize("summary, count", [
    ("She has had two (2) prior lumbar epidural steroid injections.", 2),
    ("She has had two prior lumbar epidural steroid injections.", 2),
])
def test_procedure_counts_with_their_digits(extractor, summary, count):
    found = extractor.extract(summary, "Lumbar epidural steroid injection L4-5", "ESI-LUMBAR", scope="item")
    assert found["prior_procedure_count"].value == count
