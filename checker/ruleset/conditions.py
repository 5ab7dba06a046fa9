"""Declarative conditions over facts (all / any / not, comparisons, membership) and their compiled form.

A condition in YAML is one of:
    {all: [C, ...]}   {any: [C, ...]}   {not: C}
    {fact: NAME}                         -- a bool fact is documented true
    {fact: NAME, is: true|false}
    {fact: NAME, eq|ne|lt|lte|gt|gte: VALUE}
    {fact: NAME, in: [VALUE, ...]}
    {fact: NAME, count_lte|count_gte: N}  -- length of a list of levels
    {fact: NAME, overlaps: OTHER_FACT}    -- two level lists share a root or segment
    {fact: NAME, documented: true}        -- two-valued: is the fact documented at all?
    {use: FRAGMENT}                       -- a named condition from the rules library (rules/library/*.yaml)
Nothing here is ever evaluated as code: the tree is data and the operators are a closed set.
Truth is three-valued (Kleene): True, False, None = not documented.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from checker.errors import did_you_mean
from checker.ruleset.facts import FactType, FactVocabulary, coerce_value

SCALAR_OPS = {"is", "eq", "ne", "lt", "lte", "gt", "gte", "in"}
LIST_OPS = {"count_lte", "count_gte", "overlaps"}
OPS = SCALAR_OPS | LIST_OPS | {"documented"}
_ORDERED = {FactType.INTEGER, FactType.NUMBER, FactType.DATE}


class Condition(BaseModel):
    """A condition node as written in a rule file (validated against the fact vocabulary)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    all: list["Condition"] | None = None
    any: list["Condition"] | None = None
    not_: "Condition | None" = Field(default=None, alias="not")
    fact: str | None = None
    is_: bool | None = Field(default=None, alias="is")
    eq: Any = None
    ne: Any = None
    lt: Any = None
    lte: Any = None
    gt: Any = None
    gte: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    count_lte: int | None = None
    count_gte: int | None = None
    overlaps: str | None = None
    documented: bool | None = None
    use: str | None = None

    def facts_named(self) -> list[str]:
        """The facts this condition names directly (not through fragments)."""
        if self.fact is not None:
            return [self.fact] + ([self.overlaps] if self.overlaps else [])
        children = (self.all or []) + (self.any or []) + ([self.not_] if self.not_ is not None else [])
        return [name for child in children for name in child.facts_named()]

    def fragments_used(self) -> list[str]:
        """The library fragments this condition uses, anywhere in it."""
        if self.use is not None:
            return [self.use]
        children = (self.all or []) + (self.any or []) + ([self.not_] if self.not_ is not None else [])
        return [name for child in children for name in child.fragments_used()]

    def op(self) -> tuple[str, Any] | None:
        """The one comparison of a leaf: (operator, operand), or None for `{fact: NAME}`."""
        for name in OPS:
            value = getattr(self, name + "_" if name in ("is", "in") else name)
            if value is not None:
                return name, value
        return None

    @model_validator(mode="after")
    def _one_shape(self, info: ValidationInfo) -> "Condition":
        shapes = [k for k in ("all", "any", "not_", "fact", "use") if getattr(self, k) is not None]
        if len(shapes) != 1:
            raise ValueError("a condition is exactly one of: all, any, not, use, or a fact test")
        if self.use is not None:
            known = (info.context or {}).get("fragments")
            if known is not None and self.use not in known:
                raise ValueError(f"unknown fragment {self.use!r}{did_you_mean(self.use, known)} "
                                 "(fragments are defined in rules/library/*.yaml)")
            return self
        if self.fact is None:
            ops_given = [n for n in OPS if getattr(self, n + "_" if n in ("is", "in") else n) is not None]
            if ops_given:
                raise ValueError(f"operator {ops_given[0]!r} needs a `fact`")
            items = self.all if self.all is not None else self.any
            if items is not None and not items:
                raise ValueError("all/any needs at least one condition")
            return self
        ops_given = [n for n in OPS if getattr(self, n + "_" if n in ("is", "in") else n) is not None]
        if len(ops_given) > 1:
            raise ValueError(f"one operator per fact test, got {', '.join(ops_given)}")
        vocab: FactVocabulary | None = (info.context or {}).get("vocabulary")
        if vocab is not None:
            _check_against_vocabulary(self, vocab)
        return self


def _check_against_vocabulary(cond: Condition, vocab: FactVocabulary) -> None:
    if cond.fact not in vocab:
        raise ValueError(vocab.unknown(cond.fact))
    spec = vocab[cond.fact]
    op = cond.op()
    if op is None:
        if spec.type is not FactType.BOOL:
            raise ValueError(f"fact {cond.fact!r} is {spec.type.value}: say which test (eq, lte, ...)")
        return
    name, operand = op
    if name == "documented":
        if operand is not True:
            raise ValueError("`documented` takes true (use `not` for the opposite)")
        return
    if name in LIST_OPS:
        if spec.type is not FactType.LEVELS:
            raise ValueError(f"{name!r} works on levels facts; {cond.fact!r} is {spec.type.value}")
        if name == "overlaps":
            if operand not in vocab or vocab[operand].type is not FactType.LEVELS:
                raise ValueError(f"overlaps needs another levels fact, got {operand!r}")
        elif operand < 0:
            raise ValueError(f"{name} needs a count >= 0")
        return
    if spec.type in (FactType.LEVELS, FactType.TEXT):
        raise ValueError(f"{spec.type.value} fact {cond.fact!r} supports only count/overlaps/documented tests")
    if name == "is" and spec.type is not FactType.BOOL:
        raise ValueError(f"`is` is for bool facts; {cond.fact!r} is {spec.type.value}")
    if name in ("lt", "lte", "gt", "gte") and spec.type not in _ORDERED:
        raise ValueError(f"{name!r} needs a number or date fact; {cond.fact!r} is {spec.type.value}")
    for value in operand if name == "in" else [operand]:
        try:
            coerce_value(spec, value)
        except ValueError as exc:
            raise ValueError(f"value for {cond.fact!r}: {exc}") from None


# ---- compiled form (what both evaluators run) -------------------------------------------------------

@dataclass(frozen=True)
class All:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    item: "Node"


@dataclass(frozen=True)
class Compare:
    """A scalar comparison: fact <op> value; op in eq ne lt le gt ge in. Missing fact -> None."""

    fact: str
    op: str
    value: Any


@dataclass(frozen=True)
class Documented:
    """Two-valued: the fact is documented (True) or not (False)."""

    fact: str


@dataclass(frozen=True)
class Predicate:
    """A test on list facts, computed in Python before evaluation into attribute `key`."""

    key: str
    op: str  # count_lte | count_gte | overlaps
    fact: str
    operand: Any


Node = Union[All, AnyOf, Not, Compare, Documented, Predicate]
T = TypeVar("T")


class Fold(ABC, Generic[T]):
    """The one walk over a compiled condition: a visitor with a method per node kind, called bottom-up with
    the results of the node's children. Evaluators, compilers, describers and searches are each one Fold, so
    a new kind of node is a new method here, and every Fold that lacks it fails at once (abstract method)."""

    @abstractmethod
    def all(self, node: All, items: list[T]) -> T: ...

    @abstractmethod
    def any(self, node: AnyOf, items: list[T]) -> T: ...

    @abstractmethod
    def not_(self, node: Not, item: T) -> T: ...

    @abstractmethod
    def compare(self, node: Compare) -> T: ...

    @abstractmethod
    def documented(self, node: Documented) -> T: ...

    @abstractmethod
    def predicate(self, node: Predicate) -> T: ...


def fold(node: Node, visitor: Fold[T]) -> T:
    """Apply a Fold to a compiled condition."""
    if isinstance(node, All):
        return visitor.all(node, [fold(c, visitor) for c in node.items])
    if isinstance(node, AnyOf):
        return visitor.any(node, [fold(c, visitor) for c in node.items])
    if isinstance(node, Not):
        return visitor.not_(node, fold(node.item, visitor))
    if isinstance(node, Compare):
        return visitor.compare(node)
    if isinstance(node, Documented):
        return visitor.documented(node)
    if isinstance(node, Predicate):
        return visitor.predicate(node)
    raise TypeError(f"not a compiled condition node: {node!r}")


def leaves(node: Node) -> list[Compare | Documented | Predicate]:
    """The fact tests of a compiled condition, left to right."""
    return fold(node, _Leaves())


class _Leaves(Fold[list]):
    def all(self, node, items):
        return [x for part in items for x in part]

    any = all

    def not_(self, node, item):
        return item

    def compare(self, node):
        return [node]

    documented = predicate = compare


_OP_NAMES = {"is": "eq", "eq": "eq", "ne": "ne", "lt": "lt", "lte": "le", "gt": "gt", "gte": "ge", "in": "in"}


def compile_condition(cond: Condition, vocab: FactVocabulary, predicates: list[Predicate],
                      fragments: dict[str, Condition] | None = None) -> Node:
    """Turn a validated Condition into the compiled tree; list tests are appended to `predicates`, and a
    library fragment (`use:`) is compiled in place."""
    if cond.use is not None:
        return compile_condition((fragments or {})[cond.use], vocab, predicates, fragments)
    if cond.all is not None:
        return All(tuple(compile_condition(c, vocab, predicates, fragments) for c in cond.all))
    if cond.any is not None:
        return AnyOf(tuple(compile_condition(c, vocab, predicates, fragments) for c in cond.any))
    if cond.not_ is not None:
        return Not(compile_condition(cond.not_, vocab, predicates, fragments))
    assert cond.fact is not None
    op = cond.op()
    if op is None:
        return Compare(cond.fact, "eq", True)
    name, operand = op
    if name == "documented":
        return Documented(cond.fact)
    if name in LIST_OPS:
        pred = Predicate(f"p{len(predicates)}", name, cond.fact, operand)
        predicates.append(pred)
        return pred
    spec = vocab[cond.fact]
    if name == "in":
        return Compare(cond.fact, "in", tuple(_scalar(coerce_value(spec, v)) for v in operand))
    return Compare(cond.fact, _OP_NAMES[name], _scalar(coerce_value(spec, operand)))


def _scalar(value: Any) -> Any:
    """Dates compare as ordinals, so every evaluator sees plain numbers."""
    return value.toordinal() if hasattr(value, "toordinal") else value


def facts_of(node: Node) -> list[str]:
    """Every fact a compiled condition reads, in order of first use."""
    out: list[str] = []
    for leaf in leaves(node):
        names = [leaf.fact] + ([leaf.operand] if isinstance(leaf, Predicate) and leaf.op == "overlaps" else [])
        out += [f for f in names if f not in out]
    return out


def describe(node: Node) -> str:
    """A compact human-readable form of a compiled condition, for docs and explanations."""
    return fold(node, _Describe())


class _Describe(Fold[str]):
    def all(self, node, items):
        return "(" + " AND ".join(items) + ")"

    def any(self, node, items):
        return "(" + " OR ".join(items) + ")"

    def not_(self, node, item):
        return "NOT " + item

    def documented(self, node):
        return f"{node.fact} documented"

    def predicate(self, node):
        sym = {"count_lte": "count <=", "count_gte": "count >=", "overlaps": "overlaps"}[node.op]
        return f"{node.fact} {sym} {node.operand}"

    def compare(self, node):
        if node.op == "eq" and node.value is True:
            return node.fact
        if node.op == "eq" and node.value is False:
            return f"{node.fact} is false"
        sym = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "in": "in"}[node.op]
        value = list(node.value) if node.op == "in" else node.value
        return f"{node.fact} {sym} {value}"


def can_be_undocumented(node: Node) -> bool:
    """False for conditions built only from `documented` tests, which are always true or false."""
    return fold(node, _CanBeUndocumented())


class _CanBeUndocumented(Fold[bool]):
    def all(self, node, items):
        return any(items)

    any = all

    def not_(self, node, item):
        return item

    def documented(self, node):
        return False

    def compare(self, node):
        return True

    predicate = compare
