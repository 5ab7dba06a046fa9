"""Rule files (rules/mtus, rules/odg, rules/other): pydantic models, loading, lint and compilation.

One file = one guideline topic with a stable id (e.g. MTUS-CP-ESI); each criterion has a stable code
(e.g. ESI-001), a plain-words paraphrase, a citation and a declarative condition over facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from checker.errors import InputError, InputErrors, did_you_mean
from checker.ruleset.citation import Citation
from checker.ruleset.conditions import Condition, Node, Predicate, compile_condition, facts_of
from checker.ruleset.editions import Edition, load_editions
from checker.ruleset.facts import FactVocabulary, coerce_value, load_vocabulary
from checker.ruleset.formulary import Formulary, load_formulary
from checker.ruleset.layout import RulesFolder
from checker.ruleset.library import Library, load_library
from checker.ruleset.regexes import checked
from checker.ruleset.treatments import TreatmentVocabulary, load_treatments
from checker.yamlio import load_yaml, validate

GUIDELINES = ("MTUS", "ODG", "OTHER")
PRECEDENCE = {g: i for i, g in enumerate(GUIDELINES)}  # California evidence hierarchy: MTUS first


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2,6}-\d{3}$")
    title: str = Field(min_length=5)
    text: str = Field(min_length=10, description="the criterion in plain words, paraphrased")
    citation: Citation
    role: Literal["required", "exclusion", "advisory"] = "required"
    applies_when: Condition | None = None
    condition: Condition
    to_meet: str = Field(min_length=10, description="what documentation or request would satisfy it")
    confirmed: bool = True
    notes: str | None = None
    carries_forward: str | None = Field(default=None, pattern=r"^[A-Z]{2,6}-\d{3}$",
                                        description="the criterion of an earlier edition this one keeps")
    reviewer_phrases: list[str] = Field(default=[], description="regular expressions for how IMR reviewers "
                                        "word this criterion as a reason for denial (reason agreement)")

    @field_validator("reviewer_phrases")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            checked(pattern)
        return value

    @model_validator(mode="after")
    def _unconfirmed_needs_note(self) -> "Criterion":
        if not self.confirmed and not self.notes:
            raise ValueError("an unconfirmed criterion needs `notes` saying what could not be confirmed")
        if not self.confirmed and self.role != "advisory":
            raise ValueError(f"an unconfirmed criterion must be `role: advisory` (it is {self.role}): what no source "
                             "confirms never decides; confirm it from a source (cite it) or make it advisory")
        return self


class Effective(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    def contains(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.to is None or day <= self.to)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^(MTUS|ODG|OTHER)-[A-Z0-9]+(-[A-Z0-9]+)*$")
    title: str
    guideline: Literal["MTUS", "ODG", "OTHER"]
    document: str
    edition: str
    effective: Effective
    treatments: list[str] = Field(min_length=1)
    status: Literal["recommended", "conditional", "not_recommended"]
    status_citation: Citation
    status_confirmed: bool = Field(default=True, description="false when no source states this edition's rating "
                                   "(a prior edition's status kept): an unconfirmed status never decides")
    summary: str = Field(min_length=10)
    notes: str | None = None
    uses: list[str] = Field(default=[], description="the rules/library files (by name) whose derived facts and "
                            "fragments this rule reads")
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("uses")
    @classmethod
    def _known_libraries(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = (info.context or {}).get("libraries")
        if known is not None:
            for name in value:
                if name not in known:
                    raise ValueError(f"unknown library {name!r}{did_you_mean(name, known)} (rules/library/*.yaml)")
        return value

    @field_validator("treatments")
    @classmethod
    def _known_treatments(cls, value: list[str], info: ValidationInfo) -> list[str]:
        tv: TreatmentVocabulary | None = (info.context or {}).get("treatments")
        if tv is not None:
            for code in value:
                if code not in tv.treatments:
                    raise ValueError(tv.unknown_code(code))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "RuleFile":
        if not self.id.startswith(self.guideline + "-"):
            raise ValueError(f"id {self.id!r} must start with its guideline {self.guideline!r}")
        codes = [c.code for c in self.criteria]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion code(s) {', '.join(dupes)}")
        if not self.status_confirmed and not self.status_citation.page_note:
            raise ValueError("an unconfirmed status needs a `status_citation.page_note` saying where it comes from")
        return self


# ---- compiled rules -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledRule:
    """What an evaluator runs: derived facts in dependency order, then one check per key.

    Check keys: "applies:CODE" (applicability of a criterion) and "criterion:CODE".
    """

    id: str
    derived: tuple[tuple[str, Node], ...]
    checks: tuple[tuple[str, Node], ...]
    predicates: tuple[Predicate, ...]
    inputs: tuple[str, ...]  # documented facts the rule reads


@dataclass
class Rule:
    """A loaded rule file with its compiled form."""

    spec: RuleFile
    path: Path
    compiled: CompiledRule
    criterion_facts: dict[str, list[str]] = field(default_factory=dict)  # code -> facts it reads
    applies_facts: dict[str, list[str]] = field(default_factory=dict)  # code -> facts its applies_when reads

    @property
    def id(self) -> str:
        return self.spec.id

    def documented_facts(self, check: str) -> list[str]:
        """The documented facts behind a check ("criterion:CODE" or "applies:CODE"), following derived
        facts to their inputs, in order of first use."""
        derived = dict(self.compiled.derived)
        out: list[str] = []

        def walk(name: str) -> None:
            if name in derived:
                for f in facts_of(derived[name]):
                    walk(f)
            elif name not in out:
                out.append(name)

        for f in facts_of(dict(self.compiled.checks)[check]):
            walk(f)
        return out


@dataclass
class Catalog:
    root: Path
    vocabulary: FactVocabulary
    treatments: TreatmentVocabulary
    rules: dict[str, Rule]
    library: Library
    digest: str
    formulary: Formulary | None = None
    editions: dict[tuple[str, str, str], tuple[str, Edition]] = field(default_factory=dict)
    _treatment_digests: dict[str, str] | None = field(default=None, repr=False)
    _by_treatment: dict[str, list[Rule]] | None = field(default=None, repr=False)  # rules_for, worked out once

    @property
    def folder(self) -> RulesFolder:
        return RulesFolder(self.root)

    def treatment_digests(self) -> dict[str, str]:
        """Per treatment code, a hash of everything that decides an item of that treatment: the fact and
        treatment vocabularies, every rule file claiming the code, and the library files those rules use
        facts those rules use; "" stands for items with no code. Equal hashes under two rule sets mean
        the item's evaluation cannot differ between them."""
        if self._treatment_digests is None:
            base = hashlib.sha256()
            for p in [*self.folder.vocabulary_files(), *self.folder.treatment_files(), *self.folder.files("formulary")]:
                base.update(p.name.encode() + b"\0" + p.read_bytes())
            out = {"": base.hexdigest()[:16]}
            for code in self.treatments.treatments:
                h = base.copy()
                claiming = self.rules_for(code)
                for rule in sorted(claiming, key=lambda r: r.id):
                    h.update(rule.id.encode() + b"\0" + rule.path.read_bytes())
                for lib in sorted({lib for r in claiming for lib in r.spec.uses}):
                    h.update(lib.encode() + b"\0" + self.library.paths[lib].read_bytes())
                out[code] = h.hexdigest()[:16]
            self._treatment_digests = out
        return self._treatment_digests

    def criterion(self, code: str) -> tuple[Rule, Criterion] | None:
        for rule in self.rules.values():
            for crit in rule.spec.criteria:
                if crit.code == code:
                    return rule, crit
        return None

    def lineage(self, code: str) -> list[str]:
        """How a criterion relates to other editions, in words: what it carries forward and what carries it."""
        out = []
        found = self.criterion(code)
        if found is not None and found[1].carries_forward:
            earlier = self.criterion(found[1].carries_forward)
            out.append(f"carries forward {found[1].carries_forward} " + (
                f"({earlier[0].id}, {earlier[0].spec.document} {earlier[0].spec.edition})" if earlier
                else "(an edition no longer in this catalog)"))
        for rule in self.rules.values():
            for crit in rule.spec.criteria:
                if crit.carries_forward == code:
                    out.append(f"carried forward by {crit.code} ({rule.id}, {rule.spec.document} {rule.spec.edition})")
        return out

    def edition_of(self, rule: Rule) -> Edition | None:
        """The edition (rules/editions.yaml) a rule applies."""
        found = self.editions.get((rule.spec.guideline, rule.spec.document, rule.spec.edition))
        return found[1] if found else None

    def rules_for(self, treatment: str) -> list[Rule]:
        """Rules that claim a treatment, MTUS first (California's evidence hierarchy)."""
        if self._by_treatment is None:
            by: dict[str, list[Rule]] = {}
            for rule in self.rules.values():
                for code in dict.fromkeys(rule.spec.treatments):  # a code listed twice claims it once
                    by.setdefault(code, []).append(rule)
            self._by_treatment = {code: sorted(found, key=lambda r: (PRECEDENCE[r.spec.guideline],
                                                                     -r.spec.effective.from_.toordinal()))
                                  for code, found in by.items()}
        return list(self._by_treatment.get(treatment, ()))

    def select(self, treatment: str, day: dt.date | None) -> tuple[Rule | None, str]:
        """The rule that decides a treatment on a date, and a note on how it was chosen.

        The highest guideline in the hierarchy with a rule in force on `day` decides (MTUS before ODG).
        With no date, `day` is today; if no rule is in force today, the latest edition held decides and
        the note says so (a case without dates still gets the guideline its letter most likely applied).
        """
        candidates = self.rules_for(treatment)
        if not candidates:
            return None, f"no rule addresses treatment {treatment}"
        when = day or dt.date.today()
        skipped = []
        for guideline in GUIDELINES:
            editions = [r for r in candidates if r.spec.guideline == guideline]
            in_force = [r for r in editions if r.spec.effective.contains(when)]
            if in_force:
                note = f"{guideline} addresses {treatment}; edition in force on {when.isoformat()}"
                if day is None:
                    note += " (request date unknown: today)"
                if skipped:
                    note += f"; no {', '.join(skipped)} edition held for that date"
                return in_force[0], note
            if editions:
                skipped.append(guideline)
        if day is None:
            return candidates[0], (f"{candidates[0].spec.guideline} addresses {treatment}; request date unknown and "
                                   f"no edition held is in force today: latest edition used")
        return None, f"no rule for {treatment} is in force on {day.isoformat()}"


def load_catalog(root: str | Path = "rules") -> Catalog:
    """Load and validate every file under `root`; raise InputErrors listing every problem found."""
    folder = RulesFolder(root)
    root = folder.root
    errors: list[InputError] = []
    vocab = load_vocabulary(root)
    treatments = load_treatments(root)
    errors += _lexicon_errors(treatments, vocab, folder.root / "requests")
    errors += _establishes_errors(treatments, vocab)
    formulary = None
    try:
        formulary = load_formulary(folder.files("formulary")[0], treatments.lexicon)
    except InputError as exc:
        errors.append(exc)
    except InputErrors as exc:
        errors += exc.errors
    try:
        library = load_library(folder, vocab)
    except InputErrors as exc:
        errors += exc.errors
        library = None
    context = {"vocabulary": vocab, "treatments": treatments,
               "fragments": set(library.fragments) if library is not None else None,
               "libraries": set(library.paths) if library is not None else None}
    specs: list[tuple[RuleFile, Path]] = []
    for path in folder.rule_files():
        try:
            spec = validate(RuleFile, load_yaml(path), path, context)
        except InputError as exc:
            errors.append(exc)
            continue
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        specs.append((spec, path))

    editions: dict[tuple[str, str, str], tuple[str, Edition]] = {}
    try:
        editions = load_editions(folder.files("editions")[0])
    except InputError as exc:
        errors.append(exc)
    except InputErrors as exc:
        errors += exc.errors
    if editions:
        errors += [e for spec, path in specs if (e := _edition_error(spec, path, editions)) is not None]
    seen_ids: dict[str, Path] = {}
    seen_codes: dict[str, Path] = {}
    for spec, path in specs:
        if spec.id in seen_ids:
            errors.append(InputError(path, f"rule id {spec.id} already used in {seen_ids[spec.id]}", field="id"))
        seen_ids[spec.id] = path
        for i, crit in enumerate(spec.criteria):  # codes are unique across the catalog
            if crit.code in seen_codes and seen_codes[crit.code] != path:
                errors.append(InputError(path, f"criterion code {crit.code} already used in {seen_codes[crit.code]}",
                                         field=f"criteria.{i}.code"))
            seen_codes[crit.code] = path
    failed = len(specs) < len(folder.rule_files()) or library is None
    if library is not None:
        for name in vocab.names("derived"):
            if name not in library.derived:
                errors.append(InputError(folder.root / "facts.yaml", f"derived fact {name!r} is defined in no "
                                         "library file (rules/library/*.yaml)", field=f"facts.{name}"))
        for spec, path in specs:
            errors += _use_errors(spec, path, library)
    errors += _claim_errors(specs, treatments, root, check_unclaimed=not failed)
    rules: dict[str, Rule] = {}
    if library is not None:
        for spec, path in specs:
            try:
                rules[spec.id] = _compile(spec, path, vocab, library)
            except InputError as exc:
                errors.append(exc)
    errors += _lineage_errors(rules)
    if errors:
        raise InputErrors(errors)
    return Catalog(root, vocab, treatments, rules, library, folder.digest(), formulary, editions)


def _edition_error(spec: RuleFile, path: Path, editions: dict) -> InputError | None:
    """A rule names an edition of rules/editions.yaml and is in force only within its window."""
    found = editions.get((spec.guideline, spec.document, spec.edition))
    if found is None:
        known = [f"{d} | {e}" for g, d, e in editions if g == spec.guideline]
        return InputError(path, f"unknown edition {spec.document!r}, {spec.edition!r} of {spec.guideline} (rules/"
                          f"editions.yaml){did_you_mean(f'{spec.document} | {spec.edition}', known)}", field="edition")
    _, edition = found
    eff = spec.effective
    if eff.from_ < edition.start or (edition.end is not None and (eff.to is None or eff.to > edition.end)):
        return InputError(path, f"effective {eff.from_} to {eff.to or 'today'} is outside the edition's window "
                          f"({edition.window()})", field="effective")
    return None


def _establishes_errors(treatments: TreatmentVocabulary, vocab: FactVocabulary) -> list[InputError]:
    """The facts a co-requested treatment establishes are clinical facts of the vocabulary, with valid values."""
    errors = []
    for code, treatment in treatments.treatments.items():
        for name, value in treatment.establishes.items():
            where = treatments.origin.get(code, Path("treatments.yaml"))
            field = f"treatments.{code}.establishes.{name}"
            if name not in vocab or vocab[name].source != "clinical":
                errors.append(InputError(where, f"unknown clinical fact {name!r}{did_you_mean(name, vocab.names('clinical'))}",
                                         field=field))
                continue
            try:
                coerce_value(vocab[name], value)
            except ValueError as exc:
                errors.append(InputError(where, str(exc), field=field))
    return errors


def _lexicon_errors(treatments: TreatmentVocabulary, vocab: FactVocabulary, where: Path) -> list[InputError]:
    """The request facts the lexicon fills must be request facts of the vocabulary, with values it allows."""
    lex = treatments.lexicon
    g = lex.grammar
    families = {t.family for t in treatments.treatments.values()}
    errors = []

    def request_fact(name: str, field: str, values=()) -> None:
        spec = vocab.facts.get(name)
        if spec is None or spec.source != "request":
            errors.append(InputError(where, f"{name!r} is not a request fact{did_you_mean(name, vocab.names('request'))}",
                                     field=field))
        elif spec.values and set(values) - set(spec.values):
            errors.append(InputError(where, f"values {sorted(set(values) - set(spec.values))} are not among "
                                     f"{name}'s values", field=field))

    for name, values in g.modifiers.items():
        request_fact(name, f"grammar.modifiers.{name}", values)
    for i, p in enumerate(g.patterns):
        request_fact(p.fact, f"grammar.patterns.{i}")
        for fam in set(p.families) - families:
            errors.append(InputError(where, f"no treatment has family {fam!r}", field=f"grammar.patterns.{i}.families"))
    for fam, defaults in g.family_defaults.items():
        for name in defaults:
            request_fact(name, f"grammar.family_defaults.{fam}")
    for name, proc in lex.procedures.items():
        for fact, value in proc.implies.items():
            request_fact(fact, f"procedures.{name}.implies", [value] if isinstance(value, str) else ())
    return errors


def _use_errors(spec: RuleFile, path: Path, library: Library) -> list[InputError]:
    """A rule reads only library definitions it imports under `uses:`."""
    errors = []
    conditions = [(f"criteria.{i}.{part}", cond) for i, c in enumerate(spec.criteria)
                  for part, cond in (("applies_when", c.applies_when), ("condition", c.condition)) if cond is not None]
    for where, cond in conditions:
        needed = [(f"fragment {f!r}", library.fragments[f][1]) for f in cond.fragments_used()
                  if f in library.fragments]
        needed += [(f"derived fact {f!r}", library.derived[f][1]) for f in cond.facts_named()
                   if f in library.derived]
        for what, lib in needed:
            if lib not in spec.uses:
                errors.append(InputError(path, f"uses {what} from library {lib!r}: add {lib!r} to `uses:`",
                                         field=where))
    return errors


def _lineage_errors(rules: dict[str, "Rule"]) -> list[InputError]:
    """A criterion carried forward names a criterion of an earlier edition of the same guideline that claims a
    treatment in common (a retired edition's code is allowed: it is shown as retired)."""
    codes = {c.code: r for r in rules.values() for c in r.spec.criteria}
    errors = []
    for rule in rules.values():
        for i, crit in enumerate(rule.spec.criteria):
            earlier = codes.get(crit.carries_forward) if crit.carries_forward else None
            if earlier is None:
                continue
            if earlier is rule or earlier.spec.guideline != rule.spec.guideline \
                    or earlier.spec.effective.from_ >= rule.spec.effective.from_ \
                    or not set(earlier.spec.treatments) & set(rule.spec.treatments):
                errors.append(InputError(rule.path, f"carries_forward {crit.carries_forward} must name a criterion "
                                         "of an earlier edition of the same guideline for the same treatments",
                                         field=f"criteria.{i}.carries_forward"))
    return errors


def _claim_errors(specs: list[tuple[RuleFile, Path]], treatments: TreatmentVocabulary, root: Path,
                  check_unclaimed: bool) -> list[InputError]:
    """Two rules of one guideline may not claim a treatment over overlapping dates (which would decide?),
    and every treatment code needs a rule."""
    errors = []
    claimed: dict[str, list[tuple[RuleFile, Path]]] = {}
    for spec, path in specs:
        for code in spec.treatments:
            for other, other_path in claimed.get(code, []):
                a, b = spec.effective, other.effective
                overlap = a.from_ <= (b.to or dt.date.max) and b.from_ <= (a.to or dt.date.max)
                if other.guideline == spec.guideline and overlap:
                    errors.append(InputError(path, f"{spec.id} and {other.id} ({other_path}) both claim {code} "
                                             f"for {spec.guideline} over overlapping dates", field="treatments"))
            claimed.setdefault(code, []).append((spec, path))
    for code in treatments.treatments if check_unclaimed else ():  # a failed rule file may claim it
        if code not in claimed:
            errors.append(InputError(root / "treatments.yaml", f"treatment code {code} has no rule",
                                     field=f"treatments.{code}"))
    return errors


def _compile(spec: RuleFile, path: Path, vocab: FactVocabulary, library: Library) -> Rule:
    derived = library.derived
    fragments = library.fragment_conditions()
    predicates: list[Predicate] = []
    checks: list[tuple[str, Node]] = []
    criterion_facts: dict[str, list[str]] = {}
    applies_facts: dict[str, list[str]] = {}
    for crit in spec.criteria:
        if crit.applies_when is not None:
            applies = compile_condition(crit.applies_when, vocab, predicates, fragments)
            checks.append((f"applies:{crit.code}", applies))
            applies_facts[crit.code] = facts_of(applies)
        node = compile_condition(crit.condition, vocab, predicates, fragments)
        checks.append((f"criterion:{crit.code}", node))
        criterion_facts[crit.code] = facts_of(node)

    # derived facts the rule needs, transitively, in dependency order
    order: list[tuple[str, Node]] = []
    state: dict[str, str] = {}

    def need(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise InputError(path, f"derived facts form a cycle: {' -> '.join(trail + (name,))}")
        if name not in derived:
            raise InputError(path, f"derived fact {name!r} has no definition")
        state[name] = "visiting"
        node = compile_condition(derived[name][0].condition, vocab, predicates, fragments)
        for f in facts_of(node):
            if vocab[f].source == "derived":
                need(f, trail + (name,))
        state[name] = "done"
        order.append((name, node))

    for _, node in checks:
        for f in facts_of(node):
            if vocab[f].source == "derived":
                need(f, ())
    inputs: list[str] = []
    for _, node in order + checks:
        for f in facts_of(node):
            if vocab[f].source != "derived" and f not in inputs:
                inputs.append(f)
    compiled = CompiledRule(spec.id, tuple(order), tuple(checks), tuple(predicates), tuple(inputs))
    return Rule(spec, path, compiled, criterion_facts, applies_facts)


def is_rule_id(text: str) -> bool:
    return re.fullmatch(r"(MTUS|ODG|OTHER)-[A-Z0-9-]+", text) is not None
