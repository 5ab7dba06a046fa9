"""The extractor's prefilter (required literals found by one Aho-Corasick scan; each pattern run only on the
sentences holding one of its literals, or, when every match starts with one, tried only where one occurs)
changes nothing: with it off, every pattern that applies runs over every sentence of the text, and every fact,
value, quote, span, note and section is the same, on every corpus letter and seed letter (case facts, then each
item's facts with its treatment code and the request's date, as a letter is read) and on probe texts."""
from __future__ import annotations

import itertools
import re

import pytest

from checker.reading.extraction import Extractor
from checker.reading.letters import read_letter
from checker.reading.requests import normalize_request
from checker.ruleset.regexes import literal_alternation, prefix_literals, required_literals

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
    # context phrases of every kind: a pain score without medication, negations, uncertainty, a relative, a plan
    ("Pain 7/10 without Norco and 3/10 with it; she denies numbness; no improvement with PT? Unclear whether an "
     "MRI was done. Her mother has diabetes. He would consider an ESI; s/p L5-S1 fusion, r/o HNP (pain 8/10)."),
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
    (r"(?<!prior )(?:injur(?:y|ies|ed)|hurt) on", "she was injured on",
     {"injury on", "injuries on", "injured on", "hurt on"}),  # a run of exact elements: every way it is spelled
    (r"(?<!prior )(?:injur(?:y|ies|ed)|hurt) \w+", "she was injured at", {"injury ", "injuries ", "injured ", "hurt "}),
    (r"(?:chronic pain program|frp)(?: care| therapy)? for", "frp therapy for",  # spelled on until 12 long
     {"chronic pain program", "frp care for", "frp therapy for", "frp for"}),
    (r"(?:stiff|tight)+ neck", "tightstiff neck", {"stiff", "tight"}),
    (r"(?:left |right )?knee effusion", "right knee effusion",  # an optional start
     {"left knee effusion", "right knee effusion", "knee effusion"}),
    (r"work[- ]related", "work-related injury", {"work-related", "work related"}),  # a small class
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
    r"(?:ab|cd)\w",            # shorter than three characters
])
def test_no_prefix_literals_where_a_match_may_start_elsewhere(pattern):
    assert prefix_literals(pattern) is None


def _longest_first(words: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


def test_a_trie_of_words_matches_what_their_longest_first_alternation_matches():
    """Same matches, same spans, whatever follows (a literal, a lookahead, a boundary, an optional part that
    makes the engine backtrack into the words): random word lists and texts over a small alphabet, seeded."""
    import random
    rng = random.Random(20261204)
    tails = ["", "c", "(?!b)", "b", " ?a", r"\b", "(?:a|ab)c"]
    for _ in range(3000):
        words = ["".join(rng.choice("ab c") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 7))]
        tail = rng.choice(tails)
        text = "".join(rng.choice("ab c") for _ in range(16))
        flat, trie = re.compile(_longest_first(words) + tail), re.compile(literal_alternation(words) + tail)
        assert [m.span() for m in flat.finditer(text)] == [m.span() for m in trie.finditer(text)], (words, tail, text)


def test_a_trie_shares_prefixes_and_keeps_its_words_as_literals():
    words = ["tylenol", "tylenol #3", "tylenol 3", "tramadol", "ab", "a.b"]
    trie = literal_alternation(words)
    assert trie == r"(?:a(?:\.b|b)|t(?:ramadol|ylenol(?: (?:\#3|3))?))"
    assert required_literals(trie) == frozenset(words)
    assert prefix_literals(r"\b" + trie + r"\b", min_length=2) == frozenset(words)
    assert literal_alternation([]) == "(?!)" and re.search(literal_alternation([""]), "x") is None


def _random_regex(rng, depth: int = 0) -> str:
    """A small random regex over the letters a-c and space: literals, classes, groups, alternations, optional
    and repeated parts, lookarounds, word boundaries."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["lit", "lit", "class", "alt", "opt", "rep", "look", "bound"] if depth < 3 else ["lit", "class"])
        if kind == "lit":
            parts.append("".join(rng.choice("abc ") for _ in range(rng.randint(1, 3))))
        elif kind == "class":
            parts.append(rng.choice(["[ab]", "[a-c]", r"\w", "[^a]", "[- ]"]))
        elif kind == "alt":
            parts.append("(?:" + "|".join(_random_regex(rng, depth + 1) for _ in range(rng.randint(2, 3))) + ")")
        elif kind == "opt":
            parts.append("(?:" + _random_regex(rng, depth + 1) + ")?")
        elif kind == "rep":
            parts.append("(?:" + _random_regex(rng, depth + 1) + rng.choice([")+", "){1,2}", ")*"]))
        elif kind == "look":
            parts.append(rng.choice(["(?=", "(?!", "(?<!"]) + rng.choice("abc") + ")")
        else:
            parts.append(r"\b")
    return "".join(parts)


def test_every_match_of_random_regexes_holds_a_required_literal_and_starts_with_a_prefix_literal():
    """The literal analysis is sound: whatever the regex, a match contains one of its required literals and
    starts with one of its prefix literals (seeded random regexes and texts)."""
    import random
    rng = random.Random(7)
    checked_matches = 0
    for _ in range(4000):
        pattern = _random_regex(rng)
        try:
            regex = re.compile(pattern)
        except re.error:
            continue
        required, prefixes = required_literals(pattern), prefix_literals(pattern, min_length=1)
        for _ in range(3):
            text = "".join(rng.choice("abc -") for _ in range(24))
            for m in regex.finditer(text):
                if not m.group():
                    continue
                checked_matches += 1
                assert required is None or any(lit in m.group() for lit in required), (pattern, text, required)
                assert prefixes is None or any(m.group().startswith(p) for p in prefixes), (pattern, text, prefixes)
    assert checked_matches > 1000


def test_the_literal_analysis_keeps_nothing_of_a_pattern_once_read():
    """Its memo of nested elements' spellings is emptied after each pattern: holding it kept every parse tree
    of the rules alive (five times the objects, a 120 ms garbage collection in the middle of an audit)."""
    from checker.ruleset import regexes
    pattern = "(?:" + "|".join(f"word{i} (?:a|b)" for i in range(50)) + r") \w+"
    assert required_literals(pattern) and prefix_literals(pattern)
    assert not regexes._EXACT


def test_two_long_word_lists_in_a_row_are_read_without_spelling_their_product():
    """1024 x 1024 strings would be too many: that is known before any is spelled (the analysis stays linear in
    the lists), and the literals found are still sound."""
    first = ["".join(w) for w in itertools.product("abcd", repeat=5)]  # 1024 words, each spelled out
    second = ["x" + "".join(w) for w in itertools.product("efgh", repeat=5)]
    pattern = literal_alternation(first) + " " + literal_alternation(second)
    required, prefixes = required_literals(pattern), prefix_literals(pattern, min_length=1)
    for text in ("a abcda xeefgh b", "dddd ddddd xhhhhh"):
        m = re.search(pattern, text)
        assert m and any(lit in m.group() for lit in required) and any(m.group().startswith(p) for p in prefixes)
