"""The durable_rules evaluator: each CompiledRule becomes one durable_rules ruleset, given as data.

Compile (three-valued, Kleene): every node yields three DNFs, for True, False and None, each a list of
mutually exclusive conjunctions of literals; All/Any expand as "the first False (True) child, every
earlier child True-or-None (False-or-None)", so exactly one branch of one DNF holds for any facts.
A literal tests an attribute of the case fact ({"_t": "case", ...}; comparisons never match a missing
attribute, `$nex` tests absence) or joins a derived fact ({"_t": "derived", "n": NAME, "v": "true" |
"false" | "unknown"}). A derived fact gets rules for all three outcomes whose actions assert that
derived fact, so checks reading it chain forward inside the engine; a check gets rules for True and
False only, and None is what remains. Predicates ("p0", "has__NAME") are plain attributes.

Per evaluation: one assert_fact with a reused sid, then delete_state, under a lock. Actions only
append to a list; a catch-all rule makes every request fire one action. Since exceptions inside
actions vanish, each evaluation checks that no check got two outcomes, every derived fact exactly
one, and that the engine recorded no exception.
"""

from __future__ import annotations

import itertools
import math
import operator
import threading
import uuid
import warnings
from typing import Any, Callable

from durable import engine as durable_engine

from checker.evaluation.engine import Outcome
from checker.ruleset.conditions import All, AnyOf, Compare, Documented, Fold, Node, Not, Predicate, fold
from checker.ruleset.rules import CompiledRule

# A literal: ("case", attribute, op, value) with op in eq ne lt le gt ge ex nex,
# or ("derived", name, "true" | "false" | "unknown"). A conjunction is a frozenset of literals.
Literal = tuple
Conj = frozenset
DNF = list

_SID = "1"
_RESERVED = {"_t", "sid", "id"}
_NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}
_EXPR = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_PY = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
       "gt": operator.gt, "ge": operator.ge}
_TRUTH = {True: "true", False: "false", None: "unknown"}


class EngineError(RuntimeError):
    """durable_rules produced an inconsistent or failed evaluation."""


class _Host(durable_engine.Host):
    """A Host without the background dispatch timer threads (everything here is synchronous)."""

    def _run(self) -> None:
        pass


# ---- three-valued compile to DNF ----------------------------------------------------------------------

def _satisfiable(conj: Conj) -> bool:
    """False when two literals on one attribute (or one derived fact) contradict each other."""
    by_attr: dict[tuple, list[Literal]] = {}
    for lit in conj:
        by_attr.setdefault(lit[:2], []).append(lit)
    for (kind, _), lits in by_attr.items():
        if kind == "derived":
            if len({lit[2] for lit in lits}) > 1:
                return False
            continue
        ops = {lit[2] for lit in lits}
        if "nex" in ops:
            if ops != {"nex"}:
                return False
            continue
        tests = [lit for lit in lits if lit[2] != "ex"]
        if tests and not any(all(_holds(v, lit) for lit in tests) for v in _candidates(tests)):
            return False
    return True


def _holds(value: Any, lit: Literal) -> bool:
    try:
        return _PY[lit[2]](value, lit[3])
    except TypeError:
        return True  # mixed types: do not prune


def _candidates(tests: list[Literal]) -> list[Any]:
    """Values that witness any satisfiable conjunction of these comparisons on one attribute."""
    consts = [lit[3] for lit in tests]
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in consts):
        return consts + [object()]
    points = sorted(set(consts))
    mids = [(a + b) / 2 for a, b in zip(points, points[1:])]
    return points + mids + [points[0] - 1, points[-1] + 1]


def _product(*dnfs: DNF) -> DNF:
    out = []
    for parts in itertools.product(*dnfs):
        conj = frozenset().union(*parts)
        if _satisfiable(conj):
            out.append(conj)
    return out


def _tri(node: Node, derived: set[str]) -> tuple[DNF, DNF, DNF]:
    """(True, False, None) DNFs of a compiled node; the three are jointly exhaustive and exclusive."""
    return fold(node, _Tri(derived))


Tri = tuple[DNF, DNF, DNF]


class _Tri(Fold[Tri]):
    def __init__(self, derived: set[str]):
        self.derived = derived

    def not_(self, node: Not, item: Tri) -> Tri:
        t, f, u = item
        return f, t, u

    def all(self, node: All, parts: list[Tri]) -> Tri:
        unanimous, decided, undecided = self._junction(parts, win=1, lose=0)  # the first False decides
        return unanimous, decided, undecided

    def any(self, node: AnyOf, parts: list[Tri]) -> Tri:
        unanimous, decided, undecided = self._junction(parts, win=0, lose=1)  # the first True decides
        return decided, unanimous, undecided

    @staticmethod
    def _junction(parts: list[Tri], win: int, lose: int) -> Tri:
        decided, undecided = [], []
        for i, p in enumerate(parts):
            before = [q[lose] + q[2] for q in parts[:i]]
            decided += _product(*before, p[win])
            after = [q[lose] + q[2] for q in parts[i + 1:]]
            undecided += _product(*(q[lose] for q in parts[:i]), p[2], *after)
        return _product(*(p[lose] for p in parts)), decided, undecided

    def documented(self, node: Documented) -> Tri:
        if node.fact in self.derived:
            return [_d(node.fact, "true"), _d(node.fact, "false")], [_d(node.fact, "unknown")], []
        has = "has__" + node.fact
        present = [_c(node.fact, "ex"), _c(node.fact, "nex") | _c(has, "ex")]
        return present, [_c(node.fact, "nex") | _c(has, "nex")], []

    def predicate(self, node: Predicate) -> Tri:
        return [_c(node.key, "eq", True)], [_c(node.key, "eq", False)], [_c(node.key, "nex")]

    def compare(self, node: Compare) -> Tri:
        if node.fact in self.derived:  # a bool derived fact: decide each stored value at compile time
            test = (lambda v: v in node.value) if node.op == "in" else (lambda v: _PY[node.op](v, node.value))
            return ([_d(node.fact, _TRUTH[v]) for v in (True, False) if test(v)],
                    [_d(node.fact, _TRUTH[v]) for v in (True, False) if not test(v)],
                    [_d(node.fact, "unknown")])
        absent = [_c(node.fact, "nex")]
        if node.op == "in":
            return ([_c(node.fact, "eq", v) for v in node.value],
                    [frozenset().union(_c(node.fact, "ex"), *(_c(node.fact, "ne", v) for v in node.value))],
                    absent)
        return [_c(node.fact, node.op, node.value)], [_c(node.fact, _NEGATE[node.op], node.value)], absent


def _c(attr: str, op: str, value: Any = None) -> Conj:
    return frozenset([("case", attr, op, value)])


def _d(name: str, value: str) -> Conj:
    return frozenset([("derived", name, value)])


def _patterns(conj: Conj) -> list[dict]:
    """The durable_rules `all` list for one conjunction: the case fact, then one join per derived fact."""
    tests: list[dict] = [{"_t": "case"}]
    joins: list[dict] = []
    for lit in sorted(conj, key=repr):
        if lit[0] == "derived":
            joins.append({f"d{len(joins)}": {"$and": [{"_t": "derived"}, {"n": lit[1]}, {"v": lit[2]}]}})
        elif lit[2] in ("ex", "nex"):
            tests.append({"$" + lit[2]: {lit[1]: 1}})
        elif lit[2] == "eq":
            tests.append({lit[1]: lit[3]})
        else:
            tests.append({_EXPR[lit[2]]: {lit[1]: lit[3]}})
    return [{"c": {"$and": tests}}] + joins


def _attributes(dnfs: list[DNF]) -> set[str]:
    return {lit[1] for dnf in dnfs for conj in dnf for lit in conj if lit[0] == "case"}


# ---- evaluator ----------------------------------------------------------------------------------------

class _Program:
    """One compiled rule: its ruleset name, the case attributes it reads and the outcome template."""

    def __init__(self, rule: CompiledRule, ruleset: str, attributes: set[str], template: Outcome) -> None:
        self.rule = rule
        self.ruleset = ruleset
        self.attributes = attributes
        self.template = template
        self.derived_keys = ["derived:" + name for name, _ in rule.derived]


class DurableEvaluator:
    """Evaluates CompiledRules with durable_rules; same Outcome as ReferenceEvaluator."""

    name = "durable"

    def __init__(self) -> None:
        self._host: _Host | None = None
        self._programs: dict[str, _Program] = {}
        self._fired: list[tuple[str, bool | None]] = []
        self._lock = threading.Lock()

    def _action(self, key: str, value: bool | None, derived: str | None) -> Callable[[Any], None]:
        fired = self._fired
        if derived is None:
            return lambda c: fired.append((key, value))
        fact = {"_t": "derived", "n": derived, "v": _TRUTH[value]}

        def assert_derived(c: Any) -> None:
            fired.append((key, value))
            c.assert_fact(dict(fact))
        return assert_derived

    def _compile(self, rule: CompiledRule) -> _Program:
        names = {name for name, _ in rule.derived}
        outcomes: list[tuple[str, DNF, bool | None, str | None]] = []  # key, branches, value, derived name
        for name, node in rule.derived:
            for dnf, value in zip(_tri(node, names), (True, False, None)):
                outcomes.append(("derived:" + name, dnf, value, name))
        for key, node in rule.checks:
            t, f, _ = _tri(node, names)
            outcomes += [(key, t, True, None), (key, f, False, None)]
        dnfs = [dnf for _, dnf, _, _ in outcomes]
        # durable_rules rejects a fact no rule reads: assert only the derived values some rule joins on
        joined = {(lit[1], lit[2]) for dnf in dnfs for conj in dnf for lit in conj if lit[0] == "derived"}
        definition: dict[str, dict] = {"catch_all": {"all": [{"c": {"_t": "case"}}], "run": lambda c: None}}
        for key, dnf, value, name in outcomes:
            asserts = name if (name, _TRUTH[value]) in joined else None
            for conj in dnf:
                definition[f"r{len(definition)}"] = {"all": _patterns(conj), "run": self._action(key, value, asserts)}
        attributes = _attributes(dnfs)
        clash = attributes & _RESERVED
        if clash:
            raise ValueError(f"{rule.id}: fact name(s) {sorted(clash)} are reserved by the durable evaluator")
        ruleset = f"{rule.id}-{uuid.uuid4().hex}"
        if self._host is None:
            self._host = _Host()
        try:
            self._host.set_rulesets({ruleset: definition})
        except Exception as exc:
            raise EngineError(f"durable_rules rejected the ruleset for {rule.id} "
                              f"({len(definition)} rules): {exc}") from exc
        template = dict.fromkeys(["derived:" + name for name, _ in rule.derived] + [k for k, _ in rule.checks])
        return _Program(rule, ruleset, attributes, template)

    def _fact(self, program: _Program, env: dict[str, Any]) -> dict[str, Any]:
        fact: dict[str, Any] = {"_t": "case", "sid": _SID}
        for name in program.attributes:
            value = env.get(name)
            if value is None:
                continue
            if type(value) not in (bool, int, float, str) or (type(value) is float and not math.isfinite(value)):
                raise TypeError(f"{name}: {value!r} is not a plain bool, number or string (prepare the facts)")
            fact[name] = value
        return fact

    def evaluate(self, rule: CompiledRule, env: dict[str, Any]) -> Outcome:
        with self._lock:
            program = self._programs.get(rule.id)
            if program is None or program.rule is not rule:
                program = self._programs[rule.id] = self._compile(rule)
            fact = self._fact(program, env)
            self._fired.clear()
            with warnings.catch_warnings():  # durable_rules' C core calls a deprecated API on 3.12
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    state = self._host.assert_fact(program.ruleset, fact)
                finally:
                    self._host.delete_state(program.ruleset, _SID)  # at most 1,024 live states per ruleset
            if isinstance(state, dict) and "exception" in state:
                raise EngineError(f"{rule.id}: an action failed inside durable_rules: {state['exception']}")
            out = dict(program.template)
            seen: set[str] = set()
            for key, value in self._fired:
                if key in seen:
                    raise EngineError(f"{rule.id}: {key} got more than one outcome "
                                      f"{[v for k, v in self._fired if k == key]}")
                seen.add(key)
                out[key] = value
            missing = [k for k in program.derived_keys if k not in seen]
        if missing:
            raise EngineError(f"{rule.id}: derived facts got no outcome: {missing}")
        return out

    def close(self) -> None:
        """Forget the compiled rulesets (durable_rules cannot unregister them; a later call starts afresh)."""
        with self._lock:
            self._programs.clear()
            self._host = None
