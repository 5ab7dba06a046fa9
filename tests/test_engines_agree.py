"""The durable_rules evaluator and the plain-Python reference evaluator give identical Outcomes."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from checker.evaluation.durable import DurableEvaluator
from checker.evaluation.engine import ReferenceEvaluator, prepare
from checker.ruleset.facts import FactType
from checker.ruleset.rules import load_catalog
from checker.ruleset.synthetic import random_facts

CATALOG = load_catalog(Path(__file__).resolve().parents[1] / "rules")
RULE_IDS = sorted(CATALOG.rules)
EXAMPLES_PER_RULE = max(100, 6000 // len(RULE_IDS))  # thousands of random fact sets in all, in well under a minute


@pytest.fixture(scope="module")
def engines():
    durable, reference = DurableEvaluator(), ReferenceEvaluator()
    yield durable, reference
    durable.close()
    reference.close()


@pytest.mark.parametrize("rule_id", RULE_IDS)
@settings(max_examples=EXAMPLES_PER_RULE, deadline=None)
@given(rng=st.randoms(use_true_random=False), missing=st.sampled_from([0.0, 0.15, 0.5]))
def test_same_outcome_on_random_facts(engines, rule_id, rng, missing):
    durable, reference = engines
    rule = CATALOG.rules[rule_id].compiled
    env = prepare(rule, random_facts(rule, CATALOG.vocabulary, rng, missing))
    note(f"env={env}")
    assert durable.evaluate(rule, env) == reference.evaluate(rule, env)


def _items(n: int, seed: int) -> list:
    rng = random.Random(seed)
    rules = [CATALOG.rules[r].compiled for r in RULE_IDS]
    return [(rule, prepare(rule, random_facts(rule, CATALOG.vocabulary, rng)))
            for rule in (rules[i % len(rules)] for i in range(n))]


NUMERIC = (FactType.INTEGER, FactType.NUMBER)


def _extremes(seed: int) -> list:
    """Per rule, the facts with every yes/no fact false, and with every one true, then with every number at zero
    and with every one far above any threshold: an any-of or all-of condition over yes/no facts, or over
    limits on several numbers at once, then takes both values whatever the random draws give."""
    rng = random.Random(seed)
    out = []
    for rule in (CATALOG.rules[r].compiled for r in RULE_IDS):
        for kinds, values in (((FactType.BOOL,), (False, True)), (NUMERIC, (0, 10**6))):
            for value in values:
                facts = random_facts(rule, CATALOG.vocabulary, rng, missing=0.0)
                facts.update({f: value for f in facts if CATALOG.vocabulary[f].type in kinds})
                out.append((rule, prepare(rule, facts)))
    return out


def test_ten_thousand_evaluations_in_one_evaluator():
    """Far beyond durable_rules' 1,024 live states: every state must be deleted after use."""
    durable, reference = DurableEvaluator(), ReferenceEvaluator()
    seen: dict[str, set] = defaultdict(set)
    items = _items(10_500, seed=2024) + _extremes(seed=2025)
    for rule, env in items:
        got = durable.evaluate(rule, env)
        assert got == reference.evaluate(rule, env), (rule.id, env)
        for key, value in got.items():
            seen[key].add(value)
    durable.close()
    # the generated facts really exercise the rules: every check varies, derived facts take all three values
    keys = {k for rule, _ in items for k in reference.evaluate(rule, {})}
    assert keys == set(seen)
    assert all(len(values) >= 2 for values in seen.values()), seen
    assert seen["derived:radiculopathy_corroborated"] == {True, False, None}


def test_two_evaluators_coexist():
    first, second, reference = DurableEvaluator(), DurableEvaluator(), ReferenceEvaluator()
    for rule, env in _items(700, seed=7):
        expected = reference.evaluate(rule, env)
        assert first.evaluate(rule, env) == expected
        assert second.evaluate(rule, env) == expected
    first.close()
    for rule, env in _items(70, seed=8):
        assert second.evaluate(rule, env) == reference.evaluate(rule, env)
    second.close()
