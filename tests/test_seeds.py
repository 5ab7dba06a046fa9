"""The five seed letters, written by hand as cases: every item predicted as decided, for the reviewer's reasons."""

from __future__ import annotations

import re

import pytest

from checker.reading.cases import load_case

from .conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.yaml"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _letter_text(case_path, case) -> str:
    return _norm((case_path.parent / case.letter).read_text())


def test_there_are_five_seed_cases_with_eleven_items(catalog):
    cases = [load_case(p, catalog.vocabulary, catalog.treatments) for p in SEED_FILES]
    assert len(cases) == 5
    # The five seed letters dispute 11 items (000: 2, 001: 5, 002: 1, 003: 2, 004: 1).
    assert sum(len(c.items) for c in cases) == 11
    assert all(item.outcome for c in cases for item in c.items)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_every_seed_item_is_predicted_as_decided(path, catalog, checker):
    case = load_case(path, catalog.vocabulary, catalog.treatments)
    for item, result in zip(case.items, checker.check_case(case)):
        assert result.treatment is not None, item.request
        assert result.predicted == item.outcome, (item.request, result.reasons)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_reviewer_reasons_are_among_the_unmet_criteria(path, catalog, checker):
    case = load_case(path, catalog.vocabulary, catalog.treatments)
    letter = _letter_text(path, case)
    for item, result in zip(case.items, checker.check_case(case)):
        unmet = {c.code for c in result.criteria if c.verdict != "met"}
        for reason in item.reviewer_reasons:
            assert _norm(reason.quote) in letter, f"reason quote not in the letter: {reason.quote}"
            assert reason.criterion in unmet, f"{item.request}: reviewer reason {reason.criterion} not flagged"
        if item.outcome == "upheld":
            assert item.reviewer_reasons, f"{item.request}: an upheld seed item needs its reviewer reasons"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_evidence_quotes_are_in_the_letter(path, catalog):
    case = load_case(path, catalog.vocabulary, catalog.treatments)
    letter = _letter_text(path, case)
    entries = list(case.facts.items()) + [kv for item in case.items for kv in item.facts.items()]
    for name, entry in entries:
        assert entry.evidence is not None, f"{path.name}: {name} has no evidence"
        assert _norm(entry.evidence.quote) in letter, f"{path.name}: {name}: quote not in the letter"


def test_seed_letters_are_the_shared_originals():
    from .conftest import ROOT
    shared = ROOT.parent / "shared" / "letters"
    if not shared.is_dir():
        pytest.skip("shared/ not beside the checkout")
    for original in shared.glob("*.txt"):
        assert (ROOT / "cases" / "letters" / original.name).read_bytes() == original.read_bytes()


def test_snrb_is_not_certified_for_lack_of_imaging_corroboration(catalog, checker):
    case = load_case(SEEDS / "004-selective-nerve-root-block.yaml", catalog.vocabulary, catalog.treatments)
    [result] = checker.check_case(case)
    assert result.decision == "non-certify"
    assert result.rule == "MTUS-CP-ESI" and result.guideline == "MTUS"
    esi1 = next(c for c in result.criteria if c.code == "ESI-001")
    assert esi1.verdict == "not_documented" and esi1.blocking
    assert "p.46" in esi1.citation
    [derived] = esi1.facts
    assert derived.name == "radiculopathy_corroborated" and derived.value is None
    inputs = {f.name: f.value for f in derived.inputs}
    assert inputs["radicular_exam_findings"] is True
    assert inputs["imaging_nerve_root_compromise"] is None
