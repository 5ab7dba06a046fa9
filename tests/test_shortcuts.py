"""The shortcuts that skip work on text that cannot match change nothing: the guards of find_dates (a written date
needs a digit, a relative one a unit of time), the extractor's test for a sentence that may hold a full date, and
the letter reader's binary-content check. (The pattern prefilter and the list cue filter are compared with the
extractor's reference mode in test_extraction_prefilter.py.)"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from checker.reading import dates, extraction
from checker.reading.dates import find_dates
from checker.reading.letters import parse_letter_text, read_letter

from .conftest import CORPUS, ROOT

LETTERS = (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else []) + sorted((ROOT / "cases" / "letters").glob("*.txt"))
PROBES = ["", "no dates here", "for the past year", "for about 6 weeks", "x2 years", "three months ago",
          "Since 2014 and in early 2013.", "On 1/2/14 and 2014-01-02", "January 2nd, 2014", "Jan. 2014", "08/2014",
          "pain 8/10 for 3 wks", "FOR THE LAST 2 MONTHS", "over the last year"]


def _sentences() -> list[str]:
    texts = PROBES + [read_letter(p).summary for p in LETTERS]
    return texts + [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t)]


def test_the_date_guards_change_nothing(monkeypatch):
    texts = _sentences()
    reference = dt.date(2016, 6, 1)
    guarded = [find_dates(t, reference) for t in texts] + [find_dates(t) for t in PROBES]
    always = re.compile("")
    monkeypatch.setattr(dates, "_GUARDS", {name: always for name in dates._GUARDS})
    assert guarded == [find_dates(t, reference) for t in texts] + [find_dates(t) for t in PROBES]
    assert any(guarded)


def test_every_sentence_with_a_full_date_passes_the_full_date_test():
    for text in _sentences():
        if any(not d.relative and d.precision == "day" for d in find_dates(text, dt.date(2016, 6, 1))):
            assert extraction._MAYBE_FULL_DATE.search(text), text[:80]


@pytest.mark.parametrize("text, binary", [
    ("IMR letter\n\twith tabs\r\n and a form feed\f", False),
    ("text \u00e9\u00e8 accents " * 10, False),
    ("\x00\x01\x02" * 100, True),
    ("mostly text " * 50 + "\x00", False),  # one control character in 600 is under the 5% the check allows
])
def test_the_binary_check_counts_as_before(text, binary):
    sample = text[:4096]
    counted = sum(ch.isprintable() or ch in "\n\r\t\f" for ch in sample) < 0.95 * len(sample)
    assert counted == binary
    try:
        parse_letter_text(text)
    except Exception as exc:  # noqa: BLE001 - a non-letter text is refused for its layout; only the reason matters
        assert ("binary content" in str(exc)) == binary
    else:
        raise AssertionError("not a letter")


def test_the_ascii_fast_path_of_find_dates_finds_what_ignorecase_finds():
    """ASCII text is searched lower-cased with case-sensitive forms; a non-ASCII character at the end takes the
    IGNORECASE forms on the text as written, and the dates are the same."""
    reference = dt.date(2016, 6, 1)
    for text in _sentences():
        assert find_dates(text, reference) == find_dates(text + " \u00e9", reference), text[:80]


def test_the_date_forms_are_written_in_lower_case():
    for kind, regex in dates._PATTERNS:
        literal = re.sub(r"\\.|\(\?P[<=]\w+>?", "", regex.pattern)
        assert literal == literal.lower(), kind
