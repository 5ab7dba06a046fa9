"""Every rule's own fixtures (rules/**/X.fixtures.yaml), through both evaluators, and their coverage."""

from __future__ import annotations

import pytest

from checker.authoring.verify import run_fixtures
from checker.evaluation.checker import Checker
from checker.evaluation.engine import ReferenceEvaluator
from checker.ruleset.rules import load_catalog

from .conftest import RULES

_CATALOG = load_catalog(RULES)
_RESULTS, _GAPS = run_fixtures(_CATALOG, Checker(_CATALOG, ReferenceEvaluator()))


@pytest.mark.parametrize("result", _RESULTS, ids=lambda r: f"{r.rule}: {r.name}")
def test_fixture(result):
    assert result.passed, "\n".join(result.problems)


def test_every_criterion_is_shown_met_not_met_and_not_documented():
    assert _GAPS == []
    assert len(_RESULTS) >= 3 * sum(len(r.spec.criteria) for r in _CATALOG.rules.values()) // 2


def test_durable_engine_passes_the_same_fixtures(checker):
    results, gaps = run_fixtures(checker.catalog, checker)
    assert [r.name for r in results if not r.passed] == [] and gaps == []
