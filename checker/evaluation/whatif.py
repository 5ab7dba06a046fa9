"""What would change the decision: for a non-certified item, the smallest sets of facts that, documented
(or documented differently), make it certifiable; for a certified item, the single facts whose absence
or opposite value would sink it. A search over the rule's own compiled conditions, run with the
reference evaluator (fast, and proven equal to the durable_rules engine)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from checker.evaluation.engine import ReferenceEvaluator, prepare
from checker.evaluation.verdicts import decide
from checker.ruleset.conditions import Compare, Documented, Predicate, leaves
from checker.ruleset.facts import FactType, FactVocabulary
from checker.ruleset.rules import Rule

MAX_SET = 4        # facts changed at once
MAX_OPTIONS = 5    # alternatives reported
_EVALUATOR = ReferenceEvaluator()


@dataclass
class Change:
    fact: str
    value: Any              # the value to document; None = leave it undocumented
    before: Any             # the value now (None = not documented)
    placeholder: bool = False  # the value stands for "state it" (e.g. name the levels)


@dataclass
class Option:
    changes: list[Change]
    satisfies: list[str] = field(default_factory=list)  # criterion codes it turns to met


def _domains(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> dict[str, list[Any]]:
    """Candidate values per fact: the values and thresholds the rule's conditions compare against."""
    nodes = [n for _, root in (*rule.compiled.derived, *rule.compiled.checks) for n in leaves(root)]
    domains: dict[str, list[Any]] = {}

    def add(name: str, value: Any) -> None:
        values = domains.setdefault(name, [])
        if value not in values:
            values.append(value)

    for n in nodes:
        if isinstance(n, Compare):
            spec = vocab[n.fact]
            if spec.type is FactType.BOOL:
                add(n.fact, True)
                add(n.fact, False)
            elif n.op == "in":
                for v in n.value:
                    add(n.fact, v)
            elif n.op in ("eq", "ne"):
                add(n.fact, n.value)
            else:
                step = 1 if spec.type is FactType.INTEGER else 0.5
                for v in (n.value - step, n.value, n.value + step):
                    if not (spec.type is FactType.INTEGER and v < 0):
                        add(n.fact, int(v) if spec.type is FactType.INTEGER else float(v))
        elif isinstance(n, Predicate):
            current = facts.get(n.fact)
            if n.op == "overlaps" and facts.get(n.operand) is not None:
                add(n.fact, facts[n.operand])
            elif n.op == "count_lte" and current:
                add(n.fact, current[: max(n.operand, 1)])
        elif isinstance(n, Documented) and vocab[n.fact].type is FactType.LEVELS:
            add(n.fact, ["L4-L5"])  # a stand-in: "state the levels"
    return domains


def _decision(rule: Rule, facts: dict[str, Any]) -> tuple[str, list[str], dict]:
    outcome = _EVALUATOR.evaluate(rule.compiled, prepare(rule.compiled, facts))
    decision, reasons = decide(rule, outcome)
    return decision, reasons, outcome


def ways_to_certify(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> list[Option]:
    """The smallest sets of fact changes that make a non-certified item certifiable (empty when none
    exist, e.g. the treatment is not recommended)."""
    decision, reasons, _ = _decision(rule, facts)
    if decision == "certify" or "STATUS" in reasons:
        return []
    domains = _domains(rule, facts, vocab)
    per_criterion: list[list[dict[str, Any]]] = []
    for code in reasons:
        fixes = _minimal_fixes(rule, code, facts, domains, vocab)
        if not fixes:
            return []
        per_criterion.append(fixes)
    options: list[Option] = []
    seen: set[frozenset] = set()
    for combo in itertools.product(*per_criterion):
        merged: dict[str, Any] = {}
        if any(merged.setdefault(k, v) != v for fix in combo for k, v in fix.items()):
            continue  # two fixes want different values for one fact
        key = frozenset((k, repr(v)) for k, v in merged.items())
        if key in seen:
            continue
        seen.add(key)
        if _decision(rule, {**facts, **merged})[0] == "certify":
            options.append(Option([_change(k, v, facts) for k, v in merged.items()], list(reasons)))
    options.sort(key=lambda o: len(o.changes))
    return options[:MAX_OPTIONS]


def _minimal_fixes(rule: Rule, code: str, facts: dict[str, Any], domains: dict[str, list[Any]],
                   vocab: FactVocabulary) -> list[dict[str, Any]]:
    """The smallest fact changes that make one criterion met."""
    names = [n for n in rule.documented_facts(f"criterion:{code}") if n in domains]
    for size in range(1, min(MAX_SET, len(names)) + 1):
        found = []
        for subset in itertools.combinations(names, size):
            for values in itertools.product(*(domains[n] for n in subset)):
                change = {n: v for n, v in zip(subset, values) if facts.get(n) != v}
                if len(change) != size:
                    continue
                outcome = _decision(rule, {**facts, **change})[2]
                if outcome.get(f"criterion:{code}") is True:
                    found.append(change)
        if found:
            return found
    return []


def _change(name: str, value: Any, facts: dict[str, Any]) -> Change:
    placeholder = isinstance(value, list) and value == ["L4-L5"] and facts.get(name) is None
    return Change(name, value, facts.get(name), placeholder)


def single_points_of_failure(rule: Rule, facts: dict[str, Any]) -> list[Change]:
    """For a certified item: each documented fact whose absence (or opposite value, for a bool) would
    make it non-certifiable."""
    if _decision(rule, facts)[0] != "certify":
        return []
    out = []
    for name in [n for n in rule.compiled.inputs if facts.get(n) is not None]:
        without = {k: v for k, v in facts.items() if k != name}
        if _decision(rule, without)[0] != "certify":
            out.append(Change(name, None, facts[name]))
        elif isinstance(facts[name], bool) and _decision(rule, {**facts, name: not facts[name]})[0] != "certify":
            out.append(Change(name, not facts[name], facts[name]))
    return out


def what_if(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> dict[str, Any]:
    """Both searches as plain data for reports and JSON."""
    def row(c: Change) -> dict[str, Any]:
        return {"fact": c.fact, "value": c.value, "before": c.before, "placeholder": c.placeholder,
                "question": vocab[c.fact].question}
    return {"to_certify": [{"changes": [row(c) for c in o.changes], "satisfies": o.satisfies}
                           for o in ways_to_certify(rule, facts, vocab)],
            "would_sink": [row(c) for c in single_points_of_failure(rule, facts)]}
