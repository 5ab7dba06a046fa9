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


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(RULES)


@pytest.fixture(params=["reference", "durable"])
def checker(request, catalog):
    evaluator = make_evaluator(request.param)
    yield Checker(catalog, evaluator)
    evaluator.close()
