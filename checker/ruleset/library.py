"""The policy library (rules/library/*.yaml): definitions shared by rules, like a policy library that rules import.

A library file holds derived facts (facts the rules compute from others, e.g. radiculopathy_corroborated) and
condition fragments (named conditions a criterion can `use:`). A rule lists the libraries it reads under
`uses:`; a later edition that keeps a criterion uses the same fragment and says `carries_forward: CODE`, so
retiring the earlier edition's file breaks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from checker.errors import InputError, InputErrors
from checker.ruleset.citation import Citation
from checker.ruleset.conditions import Condition
from checker.ruleset.facts import FactVocabulary
from checker.ruleset.layout import RulesFolder
from checker.yamlio import load_yaml, validate


class DerivedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: Condition
    citation: Citation | None = None
    notes: str | None = None


class Fragment(BaseModel):
    """A named condition criteria share (`{use: NAME}`)."""

    model_config = ConfigDict(extra="forbid")

    condition: Condition
    citation: Citation | None = None
    notes: str | None = None


class LibraryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5)
    derived: dict[str, DerivedFact] = {}
    fragments: dict[str, Fragment] = {}


@dataclass
class Library:
    """Every library file's definitions, each with the library (file stem) that defines it."""

    derived: dict[str, tuple[DerivedFact, str]] = field(default_factory=dict)
    fragments: dict[str, tuple[Fragment, str]] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def fragment_conditions(self) -> dict[str, Condition]:
        return {name: frag.condition for name, (frag, _) in self.fragments.items()}


def _fragment_names(folder: RulesFolder) -> set[str]:
    """Fragment names, read before validating conditions (a fragment may use another)."""
    names: set[str] = set()
    for path in folder.library_files():
        data = load_yaml(path)
        if isinstance(data, dict) and isinstance(data.get("fragments"), dict):
            names |= {str(k) for k in data["fragments"]}
    return names


def load_library(folder: RulesFolder, vocab: FactVocabulary) -> Library:
    """Load and validate every library file; InputErrors lists every problem (a name defined twice, a derived
    fact the vocabulary does not declare as derived, a fragment that uses itself)."""
    library = Library()
    errors: list[InputError] = []
    try:
        fragments = _fragment_names(folder)
    except InputError as exc:
        raise InputErrors([exc]) from None
    for path in folder.library_files():
        name = path.stem
        try:
            parsed = validate(LibraryFile, load_yaml(path), path, {"vocabulary": vocab, "fragments": fragments})
        except InputError as exc:
            errors.append(exc)
            continue
        except InputErrors as exc:
            errors += exc.errors
            continue
        library.paths[name] = path
        for fact, definition in parsed.derived.items():
            if fact not in vocab or vocab[fact].source != "derived":
                errors.append(InputError(path, f"{fact!r} is not declared as a derived fact in the vocabulary"
                                         + ("" if fact in vocab else vocab.unknown(fact).removeprefix(
                                             f"unknown fact {fact!r}")), field=f"derived.{fact}"))
            elif fact in library.derived:
                errors.append(InputError(path, f"derived fact {fact!r} is already defined in library "
                                         f"{library.derived[fact][1]!r}", field=f"derived.{fact}"))
            else:
                library.derived[fact] = (definition, name)
        for frag, definition in parsed.fragments.items():
            if frag in library.fragments:
                errors.append(InputError(path, f"fragment {frag!r} is already defined in library "
                                         f"{library.fragments[frag][1]!r}", field=f"fragments.{frag}"))
            else:
                library.fragments[frag] = (definition, name)
    errors += _fragment_cycles(library)
    if errors:
        raise InputErrors(errors)
    return library


def _fragment_cycles(library: Library) -> list[InputError]:
    graph = {name: [u for u in frag.condition.fragments_used() if u in library.fragments]
             for name, (frag, _) in library.fragments.items()}
    errors: list[InputError] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in graph[name]:
            if state.get(nxt) == 1:
                lib = library.fragments[nxt][1]
                errors.append(InputError(library.paths[lib], "fragments use each other in a cycle: "
                                         + " -> ".join(trail[trail.index(nxt):] + [nxt]), field=f"fragments.{nxt}"))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    return errors
