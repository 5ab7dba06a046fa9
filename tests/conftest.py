"""Shared fixtures: the bundled catalog, and a checker per evaluator (both must give the same answers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.cli import make_evaluator
from checker.evaluation import Checker
from checker.rules import load_catalog

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEEDS = ROOT / "cases" / "seeds"


def pytest_configure(config):
    """Refuse to test another checkout's code (a stale editable install points elsewhere)."""
    import checker

    here = Path(checker.__file__).resolve().parent
    if here != ROOT / "checker":
        raise pytest.UsageError(f"checker is imported from {here}, not from {ROOT / 'checker'}: reinstall with "
                                "`pip install -e .` in this checkout")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(RULES)


@pytest.fixture(params=["reference", "durable"])
def checker(request, catalog):
    evaluator = make_evaluator(request.param)
    yield Checker(catalog, evaluator)
    evaluator.close()
