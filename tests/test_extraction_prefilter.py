"""The extractor's prefilter (required literals found by one Aho-Corasick scan, each pattern run only on the
sentences holding one of its literals) changes no fact, value or quote: the same output with it off, on every
corpus letter and on texts written to probe the literal analysis."""
from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.reading.letters import read_letter
from checker.ruleset.regexes import required_literals

from .conftest import CORPUS, RULES

LETTERS = sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def _all(extractor, summary, requests, prefilter):
    extractor.prefilter = prefilter
    extractor._summary = None
    try:
        out = [{k: (v.value, v.quote, v.start, v.end) for k, v in extractor.extract(summary, "", None, "case").items()}]
        for request in requests:
            found = extractor.extract(summary, request, None, "item")
            out.append({k: (v.value, v.quote, v.start, v.end) for k, v in found.items()})
        return out
    finally:
        extractor.prefilter = True


@pytest.mark.skipif(not LETTERS, reason="corpus letters not available")
def test_the_prefilter_changes_nothing_on_the_corpus(extractor):
    differing = []
    for path in LETTERS:
        letter = read_letter(path)
        requests = [it.request for it in letter.items]
        if _all(extractor, letter.summary, requests, True) != _all(extractor, letter.summary, requests, False):
            differing.append(path.name)
    assert not differing


@pytest.mark.parametrize("summary", [
    "He completed 12 sessions of physical therapy without benefit. No home exercise program. Pain 8/10.",
    "Treatment to date has included medications, chiropractic care and acupuncture. MRI showed L4-5 HNP.",
    "Current medications include Norco 10/325, Flexeril and Motrin. Positive straight leg raise on the right.",
    "",
    "PHYSICAL THERAPY x12. HEP. hx of DM, HTN. s/p ESI L5-S1 on 3/2/15 with 60% relief for 8 weeks.",
])
def test_the_prefilter_changes_nothing_on_probe_texts(extractor, summary):
    requests = ["Physical therapy 2x6", "Norco 10/325 #90", "Lumbar ESI L5-S1", "MRI lumbar spine"]
    assert _all(extractor, summary, requests, True) == _all(extractor, summary, requests, False)


@pytest.mark.parametrize("pattern, text", [
    (r"home (?:exercise|stretching)(?: program)?|hep\b", "does a hep daily"),
    (r"(?:completed|attended) (?P<n>\d+) (?:sessions|visits)", "attended 6 visits"),
    (r"(?:a|b)?c+d{2,}", "xcdd"),
    (r"(?:no|never) (?:prior )?esi", "never esi"),
    (r"x(?=yz)|q", "q"),
])
def test_every_match_holds_one_of_its_required_literals(pattern, text):
    import re
    required = required_literals(pattern)
    m = re.search(pattern, text)
    assert m is not None and (required is None or any(lit in m.group(0) for lit in required))
