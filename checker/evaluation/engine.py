"""The evaluator interface and the plain-Python reference evaluator of compiled rules.

An evaluator takes a CompiledRule and a prepared fact environment and returns an Outcome: for every
derived fact ("derived:NAME") and every check ("applies:CODE", "criterion:CODE") a three-valued
truth: True, False or None (not documented). Explanations are built from the Outcome elsewhere, so
every evaluator only has to agree on this one mapping (tests/test_engines_agree.py checks that).
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Protocol

from checker.ruleset.conditions import All, AnyOf, Compare, Documented, Fold, Node, Not, Predicate, fold
from checker.ruleset.facts import levels_overlap
from checker.ruleset.rules import CompiledRule

Truth = bool | None
Outcome = dict[str, Truth]


def prepare(rule: CompiledRule, facts: dict[str, Any]) -> dict[str, Any]:
    """The environment an evaluator sees: the scalar facts the rule reads (documented ones only), with
    dates as ordinals, and every list test precomputed into its predicate key (absent if undecidable)."""
    env: dict[str, Any] = {}
    for name in rule.inputs:
        value = facts.get(name)
        if value is None or isinstance(value, list):
            continue
        env[name] = value.toordinal() if hasattr(value, "toordinal") else value
    for pred in rule.predicates:
        value = facts.get(pred.fact)
        if value is None:
            continue
        if pred.op == "count_lte":
            env[pred.key] = len(value) <= pred.operand
        elif pred.op == "count_gte":
            env[pred.key] = len(value) >= pred.operand
        else:  # overlaps
            other = facts.get(pred.operand)
            if other is not None:
                env[pred.key] = levels_overlap(value, other)
    for name in rule.inputs:  # `documented` tests on list facts read presence only
        if isinstance(facts.get(name), list):
            env.setdefault("has__" + name, True)
    return env


class Evaluator(Protocol):
    name: str

    def evaluate(self, rule: CompiledRule, env: dict[str, Any]) -> Outcome: ...

    def close(self) -> None: ...


# ---- reference evaluator: each compiled node becomes a Python closure -------------------------------

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "in": lambda a, b: a in b,
}

Fn = Callable[[dict[str, Any]], Truth]


def _closure(node: Node) -> Fn:
    return fold(node, _Closures())


def _junction(parts: list[Fn], dominant: bool) -> Fn:
    """Kleene AND (dominant False) or OR (dominant True) over closures."""
    def junction(env: dict[str, Any]) -> Truth:
        result: Truth = not dominant
        for part in parts:
            v = part(env)
            if v is dominant:
                return dominant
            if v is None:
                result = None
        return result
    return junction


class _Closures(Fold[Fn]):
    """Each node as a Python closure over the fact environment, with Kleene logic."""

    def all(self, node: All, parts: list[Fn]) -> Fn:
        return _junction(parts, dominant=False)  # one False decides; else any None leaves it undecided

    def any(self, node: AnyOf, parts: list[Fn]) -> Fn:
        return _junction(parts, dominant=True)  # one True decides

    def not_(self, node: Not, inner: Fn) -> Fn:
        def not_(env: dict[str, Any]) -> Truth:
            v = inner(env)
            return None if v is None else not v
        return not_

    def documented(self, node: Documented) -> Fn:
        fact = node.fact
        return lambda env: fact in env or ("has__" + fact) in env

    def predicate(self, node: Predicate) -> Fn:
        key = node.key
        return lambda env: env.get(key)

    def compare(self, node: Compare) -> Fn:
        cmp, fact, value = _CMP[node.op], node.fact, node.value

        def compare(env: dict[str, Any]) -> Truth:
            v = env.get(fact)
            return None if v is None else cmp(v, value)
        return compare


class ReferenceEvaluator:
    """Plain Python: derived facts in dependency order, then every check, with Kleene logic."""

    name = "reference"

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[list[tuple[str, Fn]], list[tuple[str, Fn]]]] = {}

    def _program(self, rule: CompiledRule) -> tuple[list[tuple[str, Fn]], list[tuple[str, Fn]]]:
        program = self._compiled.get(rule.id)
        if program is None or program[2] is not rule:
            derived = [(name, _closure(node)) for name, node in rule.derived]
            checks = [(key, _closure(node)) for key, node in rule.checks]
            program = self._compiled[rule.id] = (derived, checks, rule)
        return program[0], program[1]

    def evaluate(self, rule: CompiledRule, env: dict[str, Any]) -> Outcome:
        derived, checks = self._program(rule)
        env = dict(env)
        out: Outcome = {}
        for name, fn in derived:
            value = fn(env)
            out["derived:" + name] = value
            if value is not None:
                env[name] = value
        for key, fn in checks:
            out[key] = fn(env)
        return out

    def close(self) -> None:
        self._compiled.clear()
