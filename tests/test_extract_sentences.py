"""Sentence splitting: an abbreviation's period ("Dr.") and a list number's ("Diagnoses: 1.") do not end a
sentence; a number that ends one ("rated 7 out of 10.") does."""

from __future__ import annotations

import pytest


def sentences(extractor, text: str) -> list[str]:
    prepared = extractor._prepare(text, "request")
    return [prepared.norm[a:b].strip() for a, b in map(prepared.sentence, prepared.sentence_starts)]


@pytest.mark.parametrize("text, expected", [
    ("He saw Dr. Smith on 10/1/2016. He was better.", ["He saw Dr. Smith on 10/1/2016.", "He was better."]),
    ("Pain was rated 7 out of 10. She declined.", ["Pain was rated 7 out of 10.", "She declined."]),
    ("Diagnoses: 1. Lumbar strain. 2. Neck pain.", ["Diagnoses: 1. Lumbar strain.", "2. Neck pain."]),
    ("Treatment included medications, etc. The patient improved.",
     ["Treatment included medications, etc.", "The patient improved."]),
    ("The pain was worse vs. Last month it was better.", ["The pain was worse vs. Last month it was better."]),
    # the space after the period missing, as in many summaries ("2016.On 1-12-17"): a capitalized word still starts
    # a sentence; a decimal, an abbreviation or a lower-case word does not
    ("She was injured in October 2016.On 1-12-17, she complained of pain.",
     ["She was injured in October 2016.", "On 1-12-17, she complained of pain."]),
    ("He was seen by Dr.Smith for 2.5 mg of it.", ["He was seen by Dr.Smith for 2.5 mg of it."]),
    ("The MRI was normal.no change since.", ["The MRI was normal.no change since."]),
])
def test_sentence_ends(extractor, text, expected):
    assert sentences(extractor, text) == expected


def test_a_quote_runs_past_an_abbreviation(extractor):
    found = extractor.extract("The patient was seen by Dr. Lee and has a home exercise program.", "", scope="case")
    assert found["home_exercise_program"].quote == "The patient was seen by Dr. Lee and has a home exercise program."
