"""A plan is not a treatment had: the plan trigger reads "requesting X" and "X is (being) requested" alike."""

from __future__ import annotations

import pytest

HEP = "home_exercise_program"


@pytest.mark.parametrize("summary", [
    "The provider is requesting a home exercise program.",
    "A home exercise program is requested.",
    "A home exercise program is being requested.",
    "A home exercise program was also recommended.",
])
def test_a_planned_treatment_is_not_documented(extractor, summary):
    assert HEP not in extractor.extract(summary, "", scope="case")


def test_a_treatment_had_is(extractor):
    assert extractor.extract("She does a home exercise program daily.", "", scope="case")[HEP].value is True
