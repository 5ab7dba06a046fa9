"""The fact vocabulary (rules/facts.yaml): fact names, types and questions; value checking; spinal levels."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checker.errors import InputError, InputErrors, did_you_mean
from checker.ruleset.layout import RulesFolder
from checker.yamlio import load_yaml, merge_keyed, validate


class FactType(str, Enum):
    BOOL = "bool"
    INTEGER = "integer"
    NUMBER = "number"
    ENUM = "enum"
    LEVELS = "levels"
    DATE = "date"
    TEXT = "text"


class FactSpec(BaseModel):
    """One fact a rule or case may use."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    type: FactType
    source: Literal["request", "clinical", "derived"]
    scope: Literal["case", "item"] = "item"
    meaning: str = Field(min_length=5)
    question: str | None = None
    values: list[str] | None = None
    sum_of: list[str] | None = None  # computed as the sum of these facts when they are all documented
    # What kind of spinal level a levels fact records: disc = a segment between two vertebrae (L4-L5, the
    # level of a disc or facet on imaging), root = a nerve root, dermatome or myotome (L5); unset = either.
    level_kind: Literal["disc", "root"] | None = None
    # A documented number that only grows as time passes or care goes on (weeks since injury, sessions
    # completed): the what-if advice may propose a larger value, never a smaller one.
    grows: bool = False
    # A request amount's smallest sensible value (default 1: a count of 0 is no request; refills may be 0).
    least: int | None = None
    # A requested value and the smaller requests a reviewer may modify it to (purchase -> rental).
    reduces_to: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _check(self) -> "FactSpec":
        if self.level_kind is not None and self.type is not FactType.LEVELS:
            raise ValueError("`level_kind` is for levels facts")
        if self.grows and (self.source != "clinical" or self.type not in (FactType.INTEGER, FactType.NUMBER)):
            raise ValueError("`grows` is for documented (clinical) number facts")
        if self.least is not None and (self.source != "request" or self.type not in (FactType.INTEGER, FactType.NUMBER)):
            raise ValueError("`least` is for request number facts")
        if self.reduces_to is not None:
            if self.source != "request" or self.type is not FactType.ENUM:
                raise ValueError("`reduces_to` is for request enum facts")
            unknown = [v for k, vs in self.reduces_to.items() for v in [k, *vs] if v not in (self.values or [])]
            if unknown:
                raise ValueError(f"`reduces_to` names {unknown[0]!r}, not one of the fact's values")
        if self.type is FactType.ENUM and not self.values:
            raise ValueError("an enum fact needs `values`")
        if self.type is not FactType.ENUM and self.values is not None:
            raise ValueError("`values` is only for enum facts")
        if self.source != "derived" and not self.question:
            raise ValueError("a documented fact needs the `question` a treating office answers")
        if self.source == "derived" and self.type is not FactType.BOOL:
            raise ValueError("derived facts are bool")
        return self


class FactVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, FactSpec]

    def __contains__(self, name: str) -> bool:
        return name in self.facts

    def __getitem__(self, name: str) -> FactSpec:
        return self.facts[name]

    def unknown(self, name: str) -> str:
        """The message for a fact name the vocabulary does not define, with the closest names."""
        return f"unknown fact {name!r}{did_you_mean(name, self.facts)}"

    def names(self, source: str | None = None) -> list[str]:
        return [n for n, s in self.facts.items() if source is None or s.source == source]


def load_vocabulary(root: str | Path) -> FactVocabulary:
    """Load and validate every fact vocabulary file; a name defined twice is an error naming both files."""
    merged: dict[str, FactSpec] = {}
    origin: dict[str, Path] = {}
    for path in RulesFolder(root).vocabulary_files():
        vocab = validate(FactVocabulary, load_yaml(path), path)
        for name, spec in vocab.facts.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise InputError(path, "fact names are lower_snake_case", field=f"facts.{name}")
            spec.name = name
        if errors := merge_keyed(merged, origin, vocab.facts, path, "fact", "facts"):
            raise InputErrors(errors)
    for name, spec in merged.items():
        for part in spec.sum_of or []:
            if part not in merged or merged[part].type not in (FactType.INTEGER, FactType.NUMBER):
                raise InputError(origin[name], f"sum_of names {part!r}, which is not a number fact",
                                 field=f"facts.{name}.sum_of")
        if spec.sum_of and spec.type not in (FactType.INTEGER, FactType.NUMBER):
            raise InputError(origin[name], "sum_of is for integer or number facts", field=f"facts.{name}.sum_of")
    return FactVocabulary(facts=merged)


# ---- spinal levels -----------------------------------------------------------------------------

_SEGMENTS = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8",
             "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12",
             "L1", "L2", "L3", "L4", "L5", "S1", "S2"]
_LEVEL_RE = re.compile(r"^([CTLS])(\d{1,2})(?:\s*[-/]\s*([CTLS])?(\d{1,2}))?$", re.I)


def normalize_level(text: str) -> str:
    """'L4-5' -> 'L4-L5', 'l5/s1' -> 'L5-S1', 'L5' -> 'L5'. Raise ValueError if it is not a level."""
    m = _LEVEL_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a spinal level (e.g. L5, L4-L5, L5-S1)")
    region, first, region2, second = m.group(1).upper(), m.group(2), m.group(3), m.group(4)
    upper = f"{region}{int(first)}"
    if upper not in _SEGMENTS:
        raise ValueError(f"{text!r} is not a spinal level")
    if second is None:
        return upper
    lower = f"{(region2 or region).upper()}{int(second)}"
    if lower not in _SEGMENTS or _SEGMENTS.index(lower) != _SEGMENTS.index(upper) + 1:
        raise ValueError(f"{text!r} is not a pair of adjacent levels")
    return f"{upper}-{lower}"


def level_span(text: str) -> list[str]:
    """'L4-S1' -> ['L4-L5', 'L5-S1'], 'C4-C7' -> three segments: a span of more than one segment, as the
    segments it covers (ValueError when it is not one)."""
    m = _LEVEL_RE.match(text.strip())
    if not m or m.group(4) is None:
        raise ValueError(f"{text!r} is not a span of levels")
    region, region2 = m.group(1).upper(), (m.group(3) or m.group(1)).upper()
    upper, lower = f"{region}{int(m.group(2))}", f"{region2}{int(m.group(4))}"
    if upper not in _SEGMENTS or lower not in _SEGMENTS:
        raise ValueError(f"{text!r} is not a span of levels")
    a, b = _SEGMENTS.index(upper), _SEGMENTS.index(lower)
    if b - a < 2:
        raise ValueError(f"{text!r} is not a span of more than one segment")
    return [f"{_SEGMENTS[i]}-{_SEGMENTS[i + 1]}" for i in range(a, b)]


def level_parts(level: str) -> set[str]:
    """The vertebrae/roots a level touches: 'L4-L5' -> {'L4', 'L5'}."""
    return set(level.split("-"))


# What a levels fact's kind is called and an example of it, for questions, prompts and advice.
LEVEL_KINDS = {"disc": ("disc levels", "e.g. L4-L5, L5-S1"), "root": ("nerve roots", "e.g. L5, S1"),
               None: ("levels", "e.g. L4-L5 or L5")}


def check_level_kind(spec: FactSpec, levels: list[str]) -> list[str]:
    """An office's answer for a levels fact, in the fact's kind: a disc level is not a dermatome (ValueError)."""
    for level in levels:
        if spec.level_kind == "disc" and "-" not in level:
            raise ValueError(f"{spec.name} records disc levels ({LEVEL_KINDS['disc'][1]}); {level} is a nerve "
                             f"root or dermatome: name the disc level ({' or '.join(levels_as([level], 'disc'))})")
        if spec.level_kind == "root" and "-" in level:
            raise ValueError(f"{spec.name} records nerve roots or dermatomes ({LEVEL_KINDS['root'][1]}); {level} is "
                             f"a disc level: name the roots ({', '.join(levels_as([level], 'root'))})")
    return levels


def levels_as(levels: list[str], kind: str | None) -> list[str]:
    """The same levels in another kind's terms, as the rules match them (a root and a segment match when the
    segment touches the root): as roots, L4-L5 is L4 and L5; as disc levels, the root L4 is L3-L4 or L4-L5
    (the discs that can compress it). kind None keeps them as they are."""
    out: list[str] = []
    for level in levels:
        if kind == "root":
            found = level.split("-")
        elif kind == "disc" and "-" not in level:
            i = _SEGMENTS.index(level)
            found = [f"{_SEGMENTS[j]}-{_SEGMENTS[j + 1]}" for j in (i - 1, i) if 0 <= j < len(_SEGMENTS) - 1]
        else:
            found = [level]
        out += [x for x in found if x not in out]
    return out


def levels_overlap(a: list[str], b: list[str]) -> bool:
    """True when two level lists name a common root or segment."""
    parts_a = set().union(*(level_parts(x) for x in a)) if a else set()
    parts_b = set().union(*(level_parts(x) for x in b)) if b else set()
    return bool(parts_a & parts_b)


# ---- values --------------------------------------------------------------------------------------

def coerce_value(spec: FactSpec, value: Any) -> Any:
    """Check a documented value against its fact type; return it in canonical form or raise ValueError."""
    t = spec.type
    if t is FactType.BOOL:
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {value!r}")
    if t is FactType.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    if t is FactType.NUMBER:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ValueError(f"expected a number, got {value!r}")
    if t is FactType.ENUM:
        if isinstance(value, str) and value in (spec.values or []):
            return value
        raise ValueError(f"expected one of {', '.join(spec.values or [])}, got {value!r}")
    if t is FactType.LEVELS:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(x, str) for x in items):
            raise ValueError(f"expected a list of spinal levels, got {value!r}")
        out: list[str] = []
        for x in items:
            lvl = normalize_level(x)
            if lvl not in out:
                out.append(lvl)
        return out
    if t is FactType.DATE:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"expected text, got {value!r}")
