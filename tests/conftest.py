"""Shared fixtures: the bundled catalog, and a checker per evaluator (both must give the same answers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from checker.evaluation.checker import Checker
from checker.ruleset.rules import load_catalog
from checker.session import make_evaluator

# Property tests draw the same examples on every run (a CI failure can be replayed) and keep no database.
settings.register_profile("imrcheck", derandomize=True, database=None, deadline=None)
settings.load_profile("imrcheck")

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEEDS = ROOT / "cases" / "seeds"
SHARED = ROOT.parent / "shared"  # the project's shared/ folder sits beside the checkout
CORPUS = SHARED / "corpus" / "letters"


def rules_copy(tmp_path: Path) -> Path:
    """A copy of the bundled rules folder to edit in a test."""
    import shutil
    dst = tmp_path / "rules"
    shutil.copytree(RULES, dst)
    return dst


def rules_edited(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    """A copy of the bundled rules with one edit: the first `old` in the file at `relative` (which must hold it)
    replaced by `new`, as a rule author's change or mistake would be."""
    rules = rules_copy(tmp_path)
    path = rules / relative
    text = path.read_text()
    assert old in text, f"{relative} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))
    return rules


def corpus_facts_seen(extractor, treatments) -> set[str]:
    """Extract from every corpus letter's summary and item requests as the checker does; every fact
    found must carry a quote with a span. Returns the names of the facts found."""
    from checker.reading.letters import read_letter
    from checker.reading.requests import normalize_request

    letters = sorted(CORPUS.glob("*.txt"))
    if not letters:
        pytest.skip("corpus not available")
    seen: set[str] = set()
    for path in letters:
        letter = read_letter(path)
        for item in letter.items:
            code = normalize_request(item.request, treatments).code
            for name, e in extractor.extract(letter.summary, item.request, code).items():
                assert e.quote and e.start < e.end, (path.name, name)
                seen.add(name)
    return seen


def pytest_configure(config):
    """Refuse to test another checkout's code (a stale editable install points elsewhere); keep the catalog
    cache of test runs in a folder of their own."""
    import os
    import tempfile

    import checker

    os.environ.setdefault("IMRCHECK_CACHE_DIR", tempfile.mkdtemp(prefix="imrcheck-test-cache-"))

    here = Path(checker.__file__).resolve().parent
    if here != ROOT / "checker":
        raise pytest.UsageError(f"checker is imported from {here}, not from {ROOT / 'checker'}: reinstall with "
                                "`pip install -e .` in this checkout")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(RULES)


@pytest.fixture(scope="session")
def extractor(catalog):
    """The bundled extractor, with the catalog's vocabulary and treatments (a module may define its own)."""
    from checker.reading.extraction import Extractor
    return Extractor(RULES, catalog.vocabulary, treatments=catalog.treatments)


@pytest.fixture(params=["reference", "durable"])
def checker(request, catalog):
    evaluator = make_evaluator(request.param)
    yield Checker(catalog, evaluator)
    evaluator.close()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache folder of the test's own for the catalog and extractor caches."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMRCHECK_CACHE_DIR", str(folder))
    monkeypatch.delenv("IMRCHECK_NO_CACHE", raising=False)
    return folder
