"""The extraction gold standard (tests/data/annotations): valid annotations of real letters, and the
extractor's measured precision and recall against them (benchmarks/extraction_accuracy.py)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from checker.reading.letters import read_letter
from checker.reading.requests import normalize_request
from checker.ruleset.facts import coerce_value
from checker.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = ROOT / "tests" / "data" / "annotations"
from .conftest import CORPUS  # noqa: E402

LETTERS = CORPUS
MAX_QUOTE_WORDS = 40  # a normal exam is documented by its parts: sensation, reflexes, strength, SLR

# Measured on the test half (the 60 CM17 letters) when the 97 complete annotations came in, before any tuning
# against them: micro precision 0.68 (230 TP, 107 FP), recall 0.38 (230 of 605 documented values); dev half
# (37 CM16 letters) 0.74 / 0.44. The floors sit a little below, so a regression fails; raise them as the
# extraction improves. Raised after issue 12's mechanism work (sentence splitting, gates, authorized visits, drug
# classes...): test half 0.85 / 0.65 (393 TP, 72 FP), dev 0.94 / 0.94.
MIN_MICRO_PRECISION = 0.80
MIN_MICRO_RECALL = 0.60

needs_letters = pytest.mark.skipif(not LETTERS.is_dir(), reason="corpus letters (shared/ beside the checkout) not available")


@functools.cache
def _bench():
    """benchmarks/extraction_accuracy.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("extraction_accuracy", ROOT / "benchmarks" / "extraction_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def _files() -> list[Path]:
    return sorted(ANNOTATIONS.glob("CM*.yaml"))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_corpus_letter_is_annotated_completely_and_split_once():
    assert len(_files()) >= 97
    split = load_yaml(ANNOTATIONS / "split.yaml")
    dev, test = set(split["split"]["dev"]), set(split["split"]["test"])
    assert not dev & test and dev | test == {p.stem for p in _files()}
    assert all(load_yaml(p).get("complete") is True for p in _files())


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_annotation_facts_and_values_are_valid(path, catalog):
    data = load_yaml(path)
    assert data["case"] == path.stem
    assert data.get("annotator"), "say who annotated and from what"
    vocab = catalog.vocabulary
    scopes = [("case", None, data.get("facts") or {})]
    scopes += [("item", item["index"], item.get("facts") or {}) for item in data["items"]]
    for scope, index, facts in scopes:
        for name, entry in facts.items():
            where = f"{name} (item {index})" if index else name
            assert name in vocab, f"{where}: not in the fact vocabulary"
            assert vocab[name].source == "clinical", f"{where}: a {vocab[name].source} fact"
            assert vocab[name].scope == scope, f"{where}: a {vocab[name].scope}-scope fact annotated as {scope}"
            assert set(entry) <= {"value", "quote", "note"}, f"{where}: unknown keys {set(entry) - {'value', 'quote', 'note'}}"
            if entry.get("value") is None:
                continue
            coerce_value(vocab[name], entry["value"])  # raises on a value of the wrong type
            quote = entry.get("quote")
            assert quote, f"{where}: a documented value needs a quote"
            assert len(quote.split()) <= MAX_QUOTE_WORDS, f"{where}: quote longer than {MAX_QUOTE_WORDS} words"


@needs_letters
@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_annotation_matches_its_letter(path):
    data = load_yaml(path)
    letter_path = LETTERS / f"{data['case']}.txt"
    assert letter_path.is_file(), f"no letter {letter_path}"
    letter = read_letter(letter_path)
    assert [item["index"] for item in data["items"]] == [it.index for it in letter.items]
    summary = _flat(letter.summary)
    for item, it in zip(data["items"], letter.items):
        assert _flat(item["request"]) == _flat(it.request)
        sources = [summary, _flat(it.request)]
        for name, entry in list((data.get("facts") or {}).items()) + list((item.get("facts") or {}).items()):
            quote = entry.get("quote")
            if quote:
                assert any(_flat(quote) in text for text in sources), f"{name}: quote not in summary or request"


@needs_letters
def test_annotations_span_treatment_families(catalog):
    families = set()
    for path in _files():
        for item in load_yaml(path)["items"]:
            code = normalize_request(item["request"], catalog.treatments).code
            if code:
                families.add(catalog.treatments.treatments[code].family)
    assert len(families) >= 6, families


@needs_letters
def test_extractor_precision_and_recall_floors(catalog):
    bench = _bench()
    result = bench.measure(catalog, bench.annotation_files(ANNOTATIONS, "test"), LETTERS)
    micro = result.micro()
    assert result.letters == len(load_yaml(ANNOTATIONS / "split.yaml")["split"]["test"])
    assert micro.support >= 50
    assert micro.precision is not None and micro.precision >= MIN_MICRO_PRECISION, bench.report(result)
    assert micro.recall is not None and micro.recall >= MIN_MICRO_RECALL, bench.report(result)


def test_value_comparison(catalog):
    bench = _bench()
    vocab = catalog.vocabulary
    assert bench.same_value(vocab, "radicular_exam_levels", ["L5-S1", "L4"], ["L4", "L5-S1"])
    assert not bench.same_value(vocab, "radicular_exam_levels", ["L5"], ["L4", "L5"])
    assert bench.same_value(vocab, "prior_treatment_relief_pct", 50, 50.4)
    assert not bench.same_value(vocab, "prior_treatment_relief_pct", 50, 60)
    assert not bench.same_value(vocab, "continuing_medication", False, True)


@needs_letters
def test_scoring_of_right_wrong_and_null_annotations(catalog, tmp_path):
    """Against what the extractor finds in one letter: the same value is a TP, another value both an FP
    and an FN, null an FP, and a null where nothing is found counts nothing."""
    bench = _bench()
    case_number = "CM16-0237163"
    found = bench.measure(catalog, [ANNOTATIONS / f"{case_number}.yaml"], LETTERS)
    assert found.per_fact["continuing_medication"].tp == 1  # the letter documents Flexeril as a current drug

    def score(value):
        path = tmp_path / f"{case_number}-{value}.yaml"
        path.write_text(f"case: {case_number}\nannotator: test\nitems:\n  - index: 1\n    request: x\n"
                        f"    facts:\n      continuing_medication: {{value: {value}}}\n"
                        f"      prior_treatment_relief_pct: {{value: null}}\n")
        result = bench.measure(catalog, [path], LETTERS)
        c, nothing = result.per_fact["continuing_medication"], result.per_fact["prior_treatment_relief_pct"]
        assert (nothing.tp, nothing.fp, nothing.fn) == (0, 0, 0)
        return c.support, c.tp, c.fp, c.fn

    assert score("true") == (1, 1, 0, 0)
    assert score("false") == (1, 0, 1, 1)
    assert score("null") == (0, 0, 1, 0)


@needs_letters
def test_a_complete_annotation_counts_a_fact_it_leaves_out_as_documented_absent(catalog, tmp_path):
    bench = _bench()
    case_number = "CM16-0237163"
    path = tmp_path / f"{case_number}.yaml"
    path.write_text(f"case: {case_number}\nannotator: test\ncomplete: true\nitems:\n  - index: 1\n    request: x\n"
                    "    facts: {}\n")
    result = bench.measure(catalog, [path], LETTERS)
    assert result.per_fact["continuing_medication"].fp == 1  # found, and the annotation says the letter lacks it
    path.write_text(path.read_text().replace("complete: true\n", ""))
    assert "continuing_medication" not in bench.measure(catalog, [path], LETTERS).per_fact  # not complete: unscored


def test_folds_split_a_half_into_alternate_letters():
    bench = _bench()
    dev = bench.annotation_files(ANNOTATIONS, "dev")
    a, b = bench.fold(dev, "a"), bench.fold(dev, "b")
    assert not set(a) & set(b) and set(a) | set(b) == set(dev)
    assert 0 <= len(a) - len(b) <= 1
    ordered = sorted(dev, key=lambda f: f.stem)
    assert a[0] == ordered[0] and b[0] == ordered[1]
