"""The request grammar on phrasings written from the guidelines' taxonomy (tests/data/request_phrasings*.tsv):
modality x site x side, injection x region x level, therapy x site x frequency, visit x specialty, surgery x site,
drug x strength x form x route, misspellings, and requests that must get no code (with the reason's kind)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.reading.requests import normalize_request

TABLES = sorted((Path(__file__).parent / "data").glob("request_phrasings*.tsv"))


def _value(raw: str):
    if raw in ("true", "false"):
        return raw == "true"
    if raw.lstrip("-").isdigit():
        return int(raw)
    if "," in raw:
        return [v.strip() for v in raw.split(",")]
    return raw


def _rows():
    for table in TABLES:
        yield from _table_rows(table)


def _table_rows(table: Path):
    for n, line in enumerate(table.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        request, codes = cols[0], cols[1]
        expected = {}
        for pair in filter(None, (p.strip() for p in (cols[2] if len(cols) > 2 else "").split(";"))):
            fact, _, raw = pair.partition("=")
            expected[fact.strip()] = _value(raw.strip())
        yield pytest.param(request, codes, expected, id=f"{table.stem}:{n}:{request[:40]}")


ROWS = list(_rows())


def test_the_table_is_large_and_covers_every_kind_of_outcome():
    codes = [r.values[1] for r in ROWS]
    assert len(ROWS) >= 300
    assert sum(c == "-" for c in codes) >= 20 and sum("+" in c for c in codes) >= 4


@pytest.mark.parametrize("request_text,codes,expected", ROWS)
def test_request_phrasing(catalog, request_text, codes, expected):
    n = normalize_request(request_text, catalog.treatments)
    if codes == "-":
        assert n.code is None, f"{request_text!r} read as {n.code} ({n.parse.get('parts')})"
        assert n.reason
        if "reason" in expected:
            assert n.reason_kind == expected.pop("reason"), n.reason
    else:
        got = [p["code"] for p in n.parse.get("parts") or []] or [n.code]
        assert sorted(got) == sorted(codes.split("+")), f"{request_text!r}: {n.reason or got}"
    for fact, value in expected.items():
        if value == "absent":
            assert fact not in n.attributes, f"{request_text!r}: {fact}={n.attributes.get(fact)!r}"
        else:
            got = n.attributes.get(fact)
            if isinstance(got, list) and not isinstance(value, list):
                value = [value]
            assert got == value, f"{request_text!r}: {fact}={n.attributes.get(fact)!r}"


WORDS = ["mri", "lumbar", "and", "of", "the", "right", "left", "knee", "spine", "with", "x", "2x6", "#60", "10mg",
         "injection", "consultation", "pain", "management", "surgery", "arthroscopy", ",", "/", "(", ")", "cream",
         "lidocaine", "5%", "post-op", "L4-5", "C5-6", "bilateral", "brace", "follow-up", "visit", "ESI", "times"]


@given(st.lists(st.sampled_from(WORDS), max_size=14) | st.text(max_size=80))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_parses_to_a_code_or_a_reason_never_an_exception(catalog, words):
    text = " ".join(words) if isinstance(words, list) else words
    n = normalize_request(text, catalog.treatments)
    assert (n.code is None) == bool(n.reason)
    assert n.code is None or n.code in catalog.treatments.treatments


@pytest.mark.parametrize("form", ["{w} sessions of physical therapy", "physical therapy {w} times a week for {w} weeks",
                                  "{w} chiropractic visits", "acupuncture times {w}"])
def test_every_number_word_of_the_table_reads_as_a_count(catalog, form):
    """The count patterns read every word of the grammar's `numbers` table (`{number}`), not a hand-picked few:
    "nine sessions" is nine visits as "six sessions" is six."""
    numbers = catalog.treatments.lexicon.grammar.numbers
    for word, n in numbers.items():
        if word in ("once", "twice"):
            continue
        got = normalize_request(form.format(w=word), catalog.treatments).attributes.get("requested_count")
        expected = n * n if "weeks" in form else n
        assert got == expected, (word, got)


def test_a_number_splice_without_a_numbers_table_is_refused():
    from checker.ruleset.lexicon import Grammar
    with pytest.raises(ValueError, match="no numbers table"):
        Grammar.model_validate({"side": {}, "patterns": [{"fact": "requested_count", "regex": "(?P<n>{number}) visits"}]})
