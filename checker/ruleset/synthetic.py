"""Random fact sets for a rule, for property tests and benchmarks (input to `engine.prepare`)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from checker.ruleset.conditions import Compare, Node, leaves
from checker.ruleset.facts import FactSpec, FactType, FactVocabulary
from checker.ruleset.rules import CompiledRule, Rule

LEVEL_POOL = ("L2", "L3", "L4", "L5", "S1", "L2-L3", "L3-L4", "L4-L5", "L5-S1", "C5", "C6", "C5-C6")
TEXTS = ("iliac artery", "left lower extremity", "lumbar spine")
_EPOCH = dt.date(2005, 1, 1).toordinal()


def random_facts(rule: Rule | CompiledRule, vocabulary: FactVocabulary, rng: random.Random,
                 missing: float = 0.15) -> dict[str, Any]:
    """Values for the documented facts a rule reads, each absent with probability `missing`.

    Numbers and dates cluster around the constants the rule compares them with, so that both sides of
    every threshold (and the threshold itself) come up.
    """
    compiled = rule.compiled if isinstance(rule, Rule) else rule
    constants: dict[str, list[Any]] = {}
    for _, node in compiled.derived + compiled.checks:
        _collect(node, constants)
    facts: dict[str, Any] = {}
    for name in compiled.inputs:
        if rng.random() >= missing:
            facts[name] = _value(vocabulary[name], constants.get(name, []), rng)
    return facts


def _collect(node: Node, out: dict[str, list[Any]]) -> None:
    for leaf in leaves(node):
        if isinstance(leaf, Compare):
            out.setdefault(leaf.fact, []).extend(leaf.value if leaf.op == "in" else [leaf.value])


def _value(spec: FactSpec, constants: list[Any], rng: random.Random) -> Any:
    t = spec.type
    near = [c + d for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool) for d in (-1, 0, 1)]
    if t is FactType.BOOL:
        return rng.random() < 0.5
    if t is FactType.INTEGER:
        return max(0, int(rng.choice(near))) if near and rng.random() < 0.7 else rng.randint(0, 4)
    if t is FactType.NUMBER:
        if near and rng.random() < 0.7:
            return float(rng.choice(near) + rng.choice((0, -0.5, 0.5)))
        return round(rng.uniform(0, 100), 1)
    if t is FactType.DATE:
        return dt.date.fromordinal(int(rng.choice(near)) if near and rng.random() < 0.7
                                   else _EPOCH + rng.randint(0, 5000))
    if t is FactType.ENUM:
        return rng.choice(spec.values)
    if t is FactType.LEVELS:
        return rng.sample(LEVEL_POOL, rng.randint(1, 3))
    return rng.choice(TEXTS)
