"""The extractor's prefilter (required literals found by one Aho-Corasick scan; each pattern run only on the
sentences holding one of its literals, or, when every match starts with one, tried only where one occurs)
changes nothing: with it off, every pattern that applies runs over every sentence of the text, and every fact,
value, quote, span, note and section is the same, on every corpus letter and seed letter (case facts, then each
item's facts with its treatment code and the request's date, as a letter is read) and on probe texts."""
from __future__ import annotations

import re

import pytest

from checker.reading.extraction import Extractor
from checker.reading.letters import read_letter
from checker.reading.requests import normalize_request
from checker.ruleset.regexes import prefix_literals, required_literals

from .conftest import CORPUS, ROOT, RULES

LETTERS = (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []) + sorted((ROOT / "cases" / "letters").glob("*.txt"))


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def _facts(found) -> dict:
    return {k: (v.value, v.quote, v.source, v.start, v.end, v.note, v.section) for k, v in found.items()}


def _all(extractor, summary, requests, prefilter, day=None):
    """Case facts, then each (request, code)'s item facts, with the prefilter on or off."""
    extractor.prefilter = prefilter
    try:
        out = [_facts(extractor.extract(summary, "", None, "case", reference_date=day))]
        for request, code in requests:
            out.append(_facts(extractor.extract(summary, request, code, "item", reference_date=day)))
        return out
    finally:
        extractor.prefilter = True


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus letters not available")
def test_the_prefilter_changes_nothing_on_the_corpus_and_the_seeds(extractor, catalog):
    differing, facts = [], 0
    for path in LETTERS:
        letter = read_letter(path)
        requests = [(it.request, normalize_request(it.request, catalog.treatments).code) for it in letter.items]
        day = letter.dates.get("ur_denial") or letter.dates.get("decision")
        fast = _all(extractor, letter.summary, requests, True, day)
        facts += sum(len(f) for f in fast)
        if fast != _all(extractor, letter.summary, requests, False, day):
            differing.append(path.name)
    assert not differing
    assert facts > 1000  # the comparison covers many facts, not empty outputs


@pytest.mark.parametrize("summary", [
    "He completed 12 sessions of physical therapy without benefit. No home exercise program. Pain 8/10.",
    "Treatment to date has included medications, chiropractic care and acupuncture. MRI showed L4-5 HNP.",
    "Current medications include Norco 10/325, Flexeril and Motrin. Positive straight leg raise on the right.",
    "",
    "PHYSICAL THERAPY x12. HEP. hx of DM, HTN. s/p ESI L5-S1 on 3/2/15 with 60% relief for 8 weeks.",
    "The patient was injured on 01/02/2014. Industrial injury on 1/2/2014 and injured again on 3/4/2015.",
    "SUBJECTIVE: low back pain.\nOBJECTIVE: Positive SLR on the left. Decreased sensation L5.\n"
    "PLAN: physical therapy 2x6, Norco 10/325 #90.",
])
def test_the_prefilter_changes_nothing_on_probe_texts(extractor, catalog, summary):
    import datetime as dt
    requests = [(r, normalize_request(r, catalog.treatments).code)
                for r in ["Physical therapy 2x6", "Norco 10/325 #90", "Lumbar ESI L5-S1", "MRI lumbar spine"]]
    for day in (None, dt.date(2016, 5, 1)):
        assert _all(extractor, summary, requests, True, day) == _all(extractor, summary, requests, False, day)


@pytest.mark.parametrize("pattern, text", [
    (r"home (?:exercise|stretching)(?: program)?|hep\b", "does a hep daily"),
    (r"(?:completed|attended) (?P<n>\d+) (?:sessions|visits)", "attended 6 visits"),
    (r"(?:a|b)?c+d{2,}", "xcdd"),
    (r"(?:no|never) (?:prior )?esi", "never esi"),
    (r"x(?=yz)|q", "q"),
])
def test_every_match_holds_one_of_its_required_literals(pattern, text):
    required = required_literals(pattern)
    m = re.search(pattern, text)
    assert m is not None and (required is None or any(lit in m.group(0) for lit in required))


@pytest.mark.parametrize("pattern, text, expected", [
    (r"(?<!prior )(?:injur(?:y|ies|ed)|hurt) on", "she was injured on", {"injur", "hurt"}),
    (r"\b(?:norco|percocet)\b", "took percocet daily", {"norco", "percocet"}),
    (r"(?P<finding>(?:complain\w*|complaints?) of) pain", "complaints of pain", {"complain"}),
    (r"(?:stiff|tight)+ neck", "tightstiff neck", {"stiff", "tight"}),
    (r"(?:left |right )?knee effusion", "right knee effusion", {"left ", "right ", "knee effusion"}),  # an optional start
])
def test_every_match_starts_with_one_of_its_prefix_literals(pattern, text, expected):
    prefixes = prefix_literals(pattern)
    assert prefixes == expected
    m = re.search(pattern, text)
    assert m is not None and any(m.group(0).startswith(p) for p in prefixes)


@pytest.mark.parametrize("pattern", [
    r"(?:[lr]\w+ )?knee",      # an optional start without a literal of its own
    r"(?P<n>\d+) weeks",       # a class first
    r"x(?=yz)|qqq",            # one alternative too short
    r"(?i)knee",               # case-insensitive: the literals are not the text's
    r"(?:ab|cd)e",             # shorter than three characters
])
def test_no_prefix_literals_where_a_match_may_start_elsewhere(pattern):
    assert prefix_literals(pattern) is None
