"""What would change the decision: for a non-certified item, the smallest sets of changes that make it
certifiable; for a certified item, the single facts whose absence or opposite value would sink it. A search
over the rule's own compiled conditions, run with the reference evaluator (fast, and proven equal to the
durable_rules engine).

The advice is what an office can act on, so a change is proposed only where the record or the request can
still go (the vocabulary's `grows`, `least`, `reduces_to` and `level_kind` say where):
- a clinical fact the records do not document may be documented with any value the rule tests (`document`);
- a documented clinical fact is never contradicted; only one that grows with time or care (weeks since the
  injury, sessions completed) may be proposed larger, for when the record shows it (`later`);
- a request attribute the request does not state may be stated (`state`); a stated one may only be made
  smaller, as utilization review modifies a request: a count or amount down to the rule's own ceiling (the
  threshold its conditions test) and never below the smallest sensible request (1, or the fact's `least`),
  fewer levels, or a value the fact `reduces_to` (purchase -> rental) (`modify`);
- levels keep their kind: a disc level (L4-L5, what imaging reports) and a nerve root or dermatome (L5, what
  the examination and EMG report) are matched as the rules match them (a segment touching the root), so a
  study "at a matching level" is proposed as the disc levels or roots it may name (`any_of`).
A criterion no such change can meet is reported with the documented facts it rests on (`cannot_change`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from checker.evaluation.engine import ReferenceEvaluator, prepare
from checker.evaluation.verdicts import decide
from checker.ruleset.conditions import Compare, Documented, leaves
from checker.ruleset.facts import FactSpec, FactType, FactVocabulary, levels_as
from checker.ruleset.rules import Rule

MAX_SET = 4        # facts changed at once
MAX_OPTIONS = 5    # alternatives reported
_EVALUATOR = ReferenceEvaluator()
_STAND_IN = {"root": ["L5"], "disc": ["L4-L5"], None: ["L4-L5"]}  # "name the levels", in the fact's kind


@dataclass(frozen=True)
class Candidate:
    """A value a fact may be given: how (document | state | modify | later), and whether the value stands for
    "name it" (placeholder) or for a list of levels any one of which would do (any_of)."""

    value: Any
    kind: str
    placeholder: bool = False
    any_of: bool = False


@dataclass
class Change:
    fact: str
    value: Any              # the value to document; None = leave it undocumented
    before: Any             # the value now (None = not documented)
    placeholder: bool = False  # the value stands for "state it" (e.g. name the levels)
    kind: str = "document"  # document | state | modify | later (see the module docstring)
    any_of: bool = False    # levels: any one of them would do


@dataclass
class Option:
    changes: list[Change]
    satisfies: list[str] = field(default_factory=list)  # criterion codes it turns to met


class _Search:
    """The candidates of one item's facts, and the evaluation of changed facts (sums recomputed)."""

    def __init__(self, rule: Rule, facts: dict[str, Any], vocab: FactVocabulary):
        self.rule, self.facts, self.vocab = rule, facts, vocab
        self.sums = {n: vocab[n].sum_of for n in rule.compiled.inputs
                     if vocab[n].sum_of and facts.get(n) is not None
                     and all(facts.get(p) is not None for p in vocab[n].sum_of)
                     and facts[n] == sum(facts[p] for p in vocab[n].sum_of)}  # computed, not documented
        self.candidates = self._candidates()

    def apply(self, change: dict[str, Candidate]) -> dict[str, Any]:
        out = {**self.facts, **{n: c.value for n, c in change.items()}}
        for name, parts in self.sums.items():
            out[name] = sum(out[p] for p in parts)
        return out

    def decision(self, facts: dict[str, Any]) -> tuple[str | None, list[str], dict]:
        outcome = _EVALUATOR.evaluate(self.rule.compiled, prepare(self.rule.compiled, facts))
        decision, reasons = decide(self.rule, outcome)
        return decision, reasons, outcome

    def _candidates(self) -> dict[str, list[Candidate]]:
        compiled = self.rule.compiled
        nodes = [n for _, root in (*compiled.derived, *compiled.checks) for n in leaves(root)]
        out: dict[str, list[Candidate]] = {}

        def add(name: str, candidate: Candidate | None) -> None:
            if candidate is not None and candidate not in out.setdefault(name, []):
                out[name].append(candidate)

        for n in nodes:
            if isinstance(n, Compare):
                for name, value in self._tested(n):
                    add(name, self._allowed(name, value))
            elif isinstance(n, Documented):
                add(n.fact, self._stand_in(n.fact))
            elif n.op == "count_lte":
                add(n.fact, self._fewer_levels(n.fact, n.operand))
            elif n.op == "overlaps":
                for target, other in ((n.fact, n.operand), (n.operand, n.fact)):
                    add(target, self._matching(target, other))
        return {k: v for k, v in out.items() if v}

    def _tested(self, n: Compare) -> list[tuple[str, Any]]:
        """The values a comparison tests, the one that meets it first; a ceiling on a computed sum becomes the
        value of each part that brings the sum to it."""
        spec = self.vocab[n.fact]
        if spec.type is FactType.BOOL:
            values = [True, False]
        elif n.op == "in":
            values = list(n.value)
        elif n.op in ("eq", "ne") or spec.type not in (FactType.INTEGER, FactType.NUMBER):
            values = [n.value] if spec.type is not FactType.DATE else []
        else:
            step, v = (1 if spec.type is FactType.INTEGER else 0.5), n.value
            values = {"ge": [v, v - step], "gt": [v + step, v], "le": [v, v + step], "lt": [v - step, v]}[n.op]
        if n.fact not in self.sums:
            return [(n.fact, v) for v in values]
        parts = self.sums[n.fact]
        return [(p, v - sum(self.facts[q] for q in parts if q != p)) for p in parts for v in values]

    def _allowed(self, name: str, value: Any) -> Candidate | None:
        """The change to `value`, if the policy allows it (see the module docstring)."""
        spec, current = self.vocab[name], self.facts.get(name)
        if spec.source == "derived" or value == current:
            return None
        number = spec.type in (FactType.INTEGER, FactType.NUMBER)
        if number:
            value = int(value) if spec.type is FactType.INTEGER else float(value)
        if spec.source == "request":
            least = spec.least if spec.least is not None else 1
            if number and value < least:
                return None
            if current is None:
                return Candidate(value, "state")
            if number and value < current:
                return Candidate(value, "modify")
            if spec.type is FactType.ENUM and value in (spec.reduces_to or {}).get(current, []):
                return Candidate(value, "modify")
            return None
        if number and value < 0:
            return None
        if current is None:
            return Candidate(value, "document")
        if spec.grows and value > current:
            return Candidate(value, "later")
        return None

    def _stand_in(self, name: str) -> Candidate | None:
        spec = self.vocab[name]
        if spec.type is not FactType.LEVELS or self.facts.get(name) is not None:
            return None
        return Candidate(_STAND_IN[spec.level_kind], "state" if spec.source == "request" else "document",
                         placeholder=True)

    def _fewer_levels(self, name: str, limit: int) -> Candidate | None:
        current = self.facts.get(name)
        if current is None:
            return self._stand_in(name)
        if self.vocab[name].source == "request" and 1 <= limit < len(current):
            return Candidate(current[:limit], "modify")
        return None

    def _matching(self, target: str, other: str) -> Candidate | None:
        """Levels for an undocumented `target` that match the documented `other`, in the target's kind."""
        if self.facts.get(target) is not None:
            return None
        if self.facts.get(other) is None:
            return self._stand_in(target)
        spec = self.vocab[target]
        return Candidate(levels_as(self.facts[other], spec.level_kind),
                         "state" if spec.source == "request" else "document", any_of=True)

    def minimal_fixes(self, code: str) -> list[dict[str, Candidate]]:
        """The smallest sets of allowed changes that make one criterion met (the first values that do, per set
        of facts)."""
        names: list[str] = []
        for n in self.rule.documented_facts(f"criterion:{code}"):
            names += [p for p in self.sums.get(n, [n]) if p in self.candidates and p not in names]
        for size in range(1, min(MAX_SET, len(names)) + 1):
            found = []
            for subset in itertools.combinations(names, size):
                for values in itertools.product(*(self.candidates[n] for n in subset)):
                    change = dict(zip(subset, values))
                    if self.decision(self.apply(change))[2].get(f"criterion:{code}") is True:
                        found.append(change)
                        break
            if found:
                return found
        return []


def _with_sums(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> dict[str, Any]:
    """The facts with the sums the checker computes (a fact defined as the sum of others, all documented), so
    that advice is judged on what the checker decides on."""
    out = dict(facts)
    for name in rule.compiled.inputs:
        parts = vocab[name].sum_of
        if parts and out.get(name) is None and all(out.get(p) is not None for p in parts):
            out[name] = sum(out[p] for p in parts)
    return out


def _search(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> tuple[list[Option], list[str]]:
    """The options that make a non-certified item certifiable, and the blocking criteria no allowed change
    meets (both empty for a certified item, a treatment the guideline does not recommend, or a rule that does not
    decide: no change reaches a certification its unconfirmed criteria cannot give)."""
    facts = _with_sums(rule, facts, vocab)
    search = _Search(rule, facts, vocab)
    decision, reasons, _ = search.decision(facts)
    if decision != "non-certify" or "STATUS" in reasons:
        return [], []
    per_criterion = {code: search.minimal_fixes(code) for code in reasons}
    stuck = [code for code, fixes in per_criterion.items() if not fixes]
    if stuck:
        return [], stuck
    options: list[Option] = []
    seen: set[frozenset] = set()
    for combo in itertools.product(*per_criterion.values()):
        merged: dict[str, Candidate] = {}
        if any(merged.setdefault(k, v) != v for fix in combo for k, v in fix.items()):
            continue  # two fixes want different values for one fact
        key = frozenset((k, repr(v)) for k, v in merged.items())
        if key in seen:
            continue
        seen.add(key)
        if search.decision(search.apply(merged))[0] == "certify":
            changes = [Change(k, c.value, facts.get(k), c.placeholder, c.kind, c.any_of) for k, c in merged.items()]
            options.append(Option(changes, list(reasons)))
    options.sort(key=lambda o: len(o.changes))
    return options[:MAX_OPTIONS], []


def ways_to_certify(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> list[Option]:
    """The smallest sets of allowed changes that make a non-certified item certifiable (empty when none
    exist, e.g. the treatment is not recommended or a documented fact rules it out)."""
    return _search(rule, facts, vocab)[0]


def single_points_of_failure(rule: Rule, facts: dict[str, Any]) -> list[Change]:
    """For a certified item: each documented fact whose absence (or opposite value, for a bool) would
    make it non-certifiable."""
    def decision(values: dict[str, Any]) -> str | None:
        return decide(rule, _EVALUATOR.evaluate(rule.compiled, prepare(rule.compiled, values)))[0]

    if decision(facts) != "certify":
        return []
    out = []
    for name in [n for n in rule.compiled.inputs if facts.get(n) is not None]:
        without = {k: v for k, v in facts.items() if k != name}
        if decision(without) != "certify":
            out.append(Change(name, None, facts[name]))
        elif isinstance(facts[name], bool) and decision({**facts, name: not facts[name]}) != "certify":
            out.append(Change(name, not facts[name], facts[name]))
    return out


def what_if(rule: Rule, facts: dict[str, Any], vocab: FactVocabulary) -> dict[str, Any]:
    """The searches as plain data for reports and JSON."""
    def row(c: Change) -> dict[str, Any]:
        spec: FactSpec = vocab[c.fact]
        return {"fact": c.fact, "value": c.value, "before": c.before, "placeholder": c.placeholder,
                "kind": c.kind, "any_of": c.any_of, "level_kind": spec.level_kind, "question": spec.question}
    options, stuck = _search(rule, facts, vocab)
    return {"to_certify": [{"changes": [row(c) for c in o.changes], "satisfies": o.satisfies,
                            "modified": any(c.kind == "modify" for c in o.changes)} for o in options],
            "would_sink": [row(c) for c in single_points_of_failure(rule, facts)],
            "cannot_change": [{"criterion": code,
                               "facts": {n: facts[n] for n in rule.documented_facts(f"criterion:{code}")
                                         if facts.get(n) is not None}} for code in stuck]}
