"""The extractor's build cache: a warm build checks no regex again and extracts exactly what a cold one does; any
change to the extraction files gives a new entry (a bad regex is still rejected); a corrupt or foreign entry is
ignored and rewritten; the entry lives under $XDG_CACHE_HOME when no cache folder is given."""
from __future__ import annotations

import json
import re

import pytest

import checker.reading.extraction as extraction
from checker.errors import InputErrors
from checker.reading.extraction import Extractor
from checker.reading.extraction_cache import cache_key

from .conftest import RULES, rules_copy

SUMMARY = ("The patient was injured on 01/02/2014. Current medications include Norco 10/325 and Flexeril. "
           "On examination, positive straight leg raise on the left and decreased sensation at L5. MRI showed an "
           "L4-5 disc protrusion. Treatment to date has included medications and chiropractic care. "
           "The treatment plan included physical therapy 2x6.")
REQUESTS = [("Physical therapy 2x6", "PT-LUMBAR"), ("Norco 10/325 #90", None), ("", None)]


def _build(catalog, rules=RULES):
    return Extractor(rules, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments, cache=True)


def _read(extractor):
    import datetime as dt
    out = []
    for request, code in REQUESTS:
        for scope in ("case", "item"):
            found = extractor.extract(SUMMARY, request, code if code in extractor.treatments().treatments else None,
                                      scope, reference_date=dt.date(2016, 3, 1))
            out.append({k: (v.value, v.quote, v.start, v.end, v.note, v.section) for k, v in found.items()})
    return out


def _entries(folder):
    return sorted(folder.glob("extractor-*.json"))


def test_a_warm_build_checks_nothing_again_and_reads_the_same(cache_dir, catalog, monkeypatch):
    cold = _build(catalog)
    assert len(_entries(cache_dir)) == 1
    cold_read = _read(cold)

    def no_check(pattern):
        raise AssertionError(f"regex checked again on a warm build: {pattern[:60]!r}")
    monkeypatch.setattr(extraction, "_compile", no_check)
    monkeypatch.setattr(extraction, "_piece_analysis", no_check)
    warm = _build(catalog)
    monkeypatch.undo()
    assert [(p.source, p.anchor, p.required, p.prefixes, p.also) for p in warm._patterns] == \
        [(p.source, p.anchor, p.required, p.prefixes, p.also) for p in cold._patterns]
    assert _read(warm) == cold_read
    assert any(cold_read)


def test_editing_an_extraction_file_gives_a_new_entry_and_is_checked(cache_dir, catalog, tmp_path):
    rules = rules_copy(tmp_path)
    _build(catalog, rules)
    key = cache_key(rules)
    target = sorted((rules / "extraction").glob("*.yaml"))[0]
    target.write_text(target.read_text() + "\n# edited\n")
    assert cache_key(rules) != key
    _build(catalog, rules)
    assert len(_entries(cache_dir)) == 2
    one_line = re.compile(r"^(\s*(?:- )?regex: ')([^'\n]*'\s*)$", re.MULTILINE)  # a single-quoted pattern
    with_bad = next(p for p in sorted((rules / "extraction").glob("*.yaml")) if one_line.search(p.read_text()))
    # the same pattern behind an optional part that can backtrack exponentially
    with_bad.write_text(one_line.sub(r"\1(?:(?:a+)+b)?\2", with_bad.read_text(), count=1))
    with pytest.raises(InputErrors, match="backtrack"):
        _build(catalog, rules)


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": 1, "key": "other"}', None])
def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(cache_dir, catalog, content):
    reference = _read(_build(catalog))
    entry = _entries(cache_dir)[0]
    if content is None:  # the right key, a field of the wrong type
        data = json.loads(entry.read_text())
        data["pieces"] = {k: [1, 2, 3, 4, 5] for k in list(data["pieces"])[:3]}
        content = json.dumps(data)
    entry.write_text(content)
    assert _read(_build(catalog)) == reference
    assert json.loads(entry.read_text())["key"] == cache_key(RULES)


def test_the_entry_is_written_under_xdg_cache_home(tmp_path, catalog, monkeypatch):
    monkeypatch.delenv("IMRCHECK_CACHE_DIR", raising=False)
    monkeypatch.delenv("IMRCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _build(catalog)
    assert len(_entries(tmp_path / "xdg" / "imrcheck")) == 1


def test_no_entry_without_the_cache(tmp_path, catalog, monkeypatch):
    monkeypatch.setenv("IMRCHECK_CACHE_DIR", str(tmp_path / "cache"))
    Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)
    monkeypatch.setenv("IMRCHECK_NO_CACHE", "1")
    _build(catalog)
    assert not (tmp_path / "cache").exists()
