"""Clinical fact extraction from a clinical case summary and a request text (ConText-style, rules as data).

The algorithm (NegEx/ConText, Chapman et al.) with every phrase in rules/extraction/*.yaml:

1. Normalize whitespace (keeping a map back to the original offsets) and split into sentences.
2. Find the context triggers (negated, uncertain, historical, hypothetical, administrative, other_person), pseudo-triggers
   (phrases that look like a trigger and are not one, e.g. "no improvement") and terminations (words that end
   a trigger's scope, e.g. "but"), all in one pass.
3. Find each fact's patterns. A trigger modifies a pattern match in the same sentence when it lies in its
   direction (forward: before the match; backward: after it), within `window` words, with no termination in
   between (scope `clause`), or anywhere in the sentence (scope `sentence`: UR/IMR administrative language).
   A trigger inside the match itself is part of the pattern and does not modify it.
4. A modified match counts only if the fact accepts that modifier: administrative, uncertain and
   hypothetical mentions are ignored unless the fact says `accept`, historical ones are accepted unless it
   says `ignore`, another person's (a relative's) always ignored; a negated match documents the fact's `negated` value, or is ignored when there is none.
5. Sections (sections.py): a pattern or fact may name the `sections` its mentions count in (when the text has
   at least one of them: "from the examination when the summary has one") or the `not_sections` they do not
   count in ("a plan is not a history"). The header (identifiers) is never scanned, and a section boundary is a
   sentence boundary, so a quote never runs across one. Each value carries the section it was read in.
6. Conflict policy (per fact `resolve`, defaults by type): bool `true_wins` (one accepted positive mention
   beats negative ones elsewhere: a positive exam finding is not undone by a normal finding in another
   sentence), levels `union` (levels of every accepted mention, in order of appearance), numbers and enums
   `last` (the latest mention in the text), or `max`.
7. Dates become durations (`convert: weeks_since`, `months_since`) against the reference date the caller gives
   (the request's): a date in the match, else the date of service in effect (checker/reading/dates.py).

Only the summary and the request are ever read: the caller cannot pass rationales or outcomes.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from re import _constants as sre_constants  # the regex parser, to find a trigger's possible first characters
from typing import Any, Literal

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from checker.errors import InputError, did_you_mean
from checker.reading.dates import FoundDate, find_dates, months_between, request_form_date, service_date, weeks_between
from checker.reading.extraction_cache import RegexLedger, load_ledger, save_ledger
from checker.reading.lists import CareKind, FoundList, FromList, ListSpec, find_lists, list_value
from checker.reading.requests import find_levels, normalize_request
from checker.reading.sections import NoteDate, NoteLayout, Part, Section, load_sections
from checker.ruleset.facts import FactType, FactVocabulary, coerce_value, levels_as, levels_overlap
from checker.ruleset.layout import RulesFolder
from checker.ruleset.regexes import (
    checked,
    first_chars,
    literal_alternation,
    lower_pattern,
    lower_text,
    parsed,
    prefix_literals,
    required_literals,
)
from checker.ruleset.treatments import TreatmentVocabulary
from checker.yamlio import load_yaml, validate

# other_person (ConText's "experiencer: other"): a relative's condition ("his father had a lumbar fusion") is never
# the worker's, so no fact accepts it
Category = Literal["negated", "uncertain", "historical", "hypothetical", "administrative", "other_person"]
_NOT_GIVEN = frozenset({"negated", "uncertain", "hypothetical", "administrative", "other_person"})  # care not had
Policy = Literal["accept", "ignore"]
SOURCES = {"summary": "clinical case summary", "request": "request"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "single": 1,
                "once": 1, "twice": 2, "first": 1, "second": 2, "third": 3}
WEEKS_PER_UNIT = {"day": 1 / 7, "week": 1.0, "wk": 1.0, "month": 52 / 12, "mo": 52 / 12, "year": 52.0, "yr": 52.0}
# a date as counted dates are written: 05/12/2016, 05/12, 05/2016 (a month), 2016 (a year), May 12, 2016
DATE_RE = re.compile(r"\b\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?\b|\b\d{1,2}[-/](?:19|20)\d\d\b|\b(?:19|20)\d\d\b"
                     r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:, \d{4})?", re.IGNORECASE)
QUOTE_MAX = 300
SINCE = ("weeks_since", "months_since")  # converts of a date (group `date`) into the time to a later date
DRUG_CLASSES = re.compile(r"\{drugs:([a-z_]+(?:,[a-z_]+)*)\}")  # {drugs:nsaid,ketorolac} in a pattern's regex
DEFINITION = re.compile(r"\{def:([a-z_0-9]+)\}")  # {def:pt_words} in a pattern's regex: that file's definition


@lru_cache(maxsize=None)
def _compile(pattern: str) -> re.Pattern:
    """Compile a rule regex for matching lower-cased text (case-sensitive matching is ~8x faster in `re`);
    ValueError when it is invalid or can backtrack catastrophically. Checked once per distinct regex (a
    pattern's regex is read by its validators and again as the pieces it is split into)."""
    checked(pattern)
    return re.compile(lower_pattern(pattern))


def _anchor(pattern: str) -> str:
    """The literal text a regex must start with (after any \\b), or "" when it has none: a plain
    substring test then rules out most patterns for a text before the regex engine runs."""
    try:
        ops = list(parsed(pattern))
    except re.error:
        return ""
    chars: list[str] = []
    for op, arg in ops:
        if op is sre_constants.AT and not chars:
            continue
        if op is sre_constants.LITERAL:
            chars.append(chr(arg))
            continue
        break
    return "".join(chars) if len(chars) >= 3 else ""


def _alternatives(pattern: str) -> list[str]:
    """Split a regex without named groups at its top-level `|`: `re` scans a pattern fast only when it
    starts with a literal, and 'a|(?:b|c) d' does not, while 'a' and '(?:b|c) d' each do."""
    if "(?P" in pattern:
        return [pattern]
    pieces, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 if pattern[i + 1:i + 2] != "]" else 2
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
        i += 1
    return pieces + [pattern[start:]]


def _ledger(info: ValidationInfo | None) -> RegexLedger | None:
    return (info.context or {}).get("ledger") if info is not None else None


def _checked_regex(value: str, info: ValidationInfo | None) -> str:
    """A rules regex, checked (valid, no catastrophic backtracking) unless the build cache says it passed already."""
    ledger = _ledger(info)
    if ledger is None or value not in ledger.trusted:
        _compile(value)
    if ledger is not None:
        ledger.checked.add(value)
    return value


def _group_names(regex: str, info: ValidationInfo | None) -> list[str]:
    """A pattern regex's named groups (from the build cache when it has them)."""
    ledger = _ledger(info)
    if ledger is not None and regex in ledger.groups:
        return ledger.groups[regex]
    names = list(_compile(regex).groupindex)
    if ledger is not None:
        ledger.groups[regex] = names
    return names


class Trigger(BaseModel):
    """A context phrase: what it says about the findings in its scope, and which way its scope runs."""

    model_config = ConfigDict(extra="forbid")

    phrase: str = Field(min_length=1, description="regular expression, case-insensitive")
    category: Category
    direction: Literal["forward", "backward", "bidirectional"] = "forward"
    scope: Literal["clause", "sentence"] = "clause"
    window: int | None = Field(default=None, ge=1, description="words; default the file's window")

    @field_validator("phrase")
    @classmethod
    def _regex(cls, value: str, info: ValidationInfo) -> str:
        return _checked_regex(value, info)


class ContextRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window: int = Field(default=8, ge=1)
    abbreviations: list[str] = []  # words ending in '.' that do not end a sentence (Dr, e.g)
    terminations: list[str] = []   # regexes that end a clause-scoped trigger's reach
    pseudo: list[str] = []         # regexes that look like triggers and are not
    triggers: list[Trigger] = Field(min_length=1)

    @field_validator("terminations", "pseudo")
    @classmethod
    def _regexes(cls, values: list[str], info: ValidationInfo) -> list[str]:
        for v in values:
            _checked_regex(v, info)
        return values


class Pattern(BaseModel):
    """One way a fact is written: a regex and the value it documents, or the named group that holds it."""

    model_config = ConfigDict(extra="forbid")

    regex: str = Field(min_length=1)
    value: Any = None
    capture: str | None = None
    convert: Literal["levels", "number", "weeks", "weeks_since", "months_since", "count_dates",
                     "overlaps_request_levels"] | None = None
    source: Literal["summary", "request", "any"] = "summary"
    in_sentence: str | None = None     # regex the sentence must also contain (e.g. MRI for imaging findings)
    not_in_sentence: str | None = None  # regex the sentence must not contain (e.g. a treatment history's "have included")
    in_text: str | None = None         # regex the whole text must contain (e.g. treatment given, for persistence)
    not_in_text: str | None = None     # regex the whole text must not contain (e.g. a chronic course, for acute)
    # the summary holds one of these lists naming care given (lists.py, ListSpec.care): a trial of care read by the
    # request grammar ("He received injections, physical therapy and chiropractic"), for persistence despite it
    with_list: list[str] | None = None
    # and that list names care of one of these kinds (lists.CareKind): conservative care is therapy, exercise or
    # medication, not an operation
    with_care: list[CareKind] | None = None
    when_request: str | None = None    # regex the request must contain (e.g. physical therapy for sessions)
    when_treatment: list[str] | None = None
    # the sentence names the request's body site, or no site at all; request_or_roots: or, for a spinal request, a
    # limb its nerve roots supply (a lumbar operation "with residual pain down the left leg")
    region: Literal["request", "request_or_roots"] | None = None
    sections: list[str] | None = None      # mentions count only in these sections (when the text has one)
    not_sections: list[str] | None = None  # mentions in these sections do not count
    # this pattern's own context policy, where it differs from the fact's: a drug written with its strength is a
    # current prescription, but not when it is only requested or planned ("Norco 10/325 mg #90 is requested")
    historical: Policy | None = None
    hypothetical: Policy | None = None
    # one pattern per kind of the file's `kinds` (a drug class, a therapy): {kind} in the regexes is that kind's
    # words, and the pattern reads for that kind's treatment codes (its when_treatment)
    for_kinds: list[str] | Literal["all"] | None = None

    @field_validator("sections", "not_sections")
    @classmethod
    def _sections(cls, names: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return _section_names(names, info)

    @field_validator("regex", "in_sentence", "not_in_sentence", "in_text", "not_in_text", "when_request")
    @classmethod
    def _regex(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else _checked_regex(value, info)

    @model_validator(mode="after")
    def _value_or_capture(self, info: ValidationInfo) -> Pattern:
        if (self.value is None) == (self.capture is None):
            raise ValueError("a pattern needs exactly one of `value` and `capture`")
        if self.capture is not None and self.capture not in _group_names(self.regex, info):
            raise ValueError(f"capture {self.capture!r} is not a named group (?P<{self.capture}>...) of the regex")
        if self.convert == "weeks" and not {"n", "unit"} <= set(_group_names(self.regex, info)):
            raise ValueError("convert: weeks needs named groups `n` and `unit`")
        if self.convert in SINCE and self.capture != "date":
            raise ValueError(f"convert: {self.convert} needs `capture: date` and a named group (?P<date>...)")
        return self


class Veto(BaseModel):
    """Another fact whose documented value rules this one out: `fact` above `above` (a strain 40 weeks after the
    injury is not acute)."""

    model_config = ConfigDict(extra="forbid")

    fact: str = Field(min_length=1)
    above: float
    why: str = Field(min_length=1, description="what the veto means, for the rule author")


class Addends(BaseModel):
    """What a found number is added to: the request's attributes (`request`, which the request must give) and other
    documented facts of the same reading (`facts`, 0 when not documented). Visits UR authorized + the visits
    requested + the visits completed = the course's total."""

    model_config = ConfigDict(extra="forbid")

    request: list[str] = []
    facts: list[str] = []


class FactRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patterns: list[Pattern] = []
    from_list: FromList | None = None  # read from a closed list when the patterns find nothing (lists.py)
    negated: Any = None  # the value a negated mention documents; None: negated mentions are ignored
    historical: Policy = "accept"
    hypothetical: Policy = "ignore"
    uncertain: Policy = "ignore"
    administrative: Policy = "ignore"
    resolve: Literal["true_wins", "union", "last", "max"] | None = None
    when_treatment: list[str] | None = None  # item-scope facts: only for these treatment codes
    sections: list[str] | None = None      # as Pattern.sections, for every pattern (and list) without its own
    not_sections: list[str] | None = None
    vetoed_by: list[Veto] = []  # the fact is not documented when one of these holds (Extractor.vetoed, cases.py)
    # durations (weeks_since, months_since) count to the reference date, or to the date of the request for
    # authorization when the summary gives one ("conservative care before the request")
    until: Literal["reference", "request_form"] = "reference"
    add: Addends | None = None  # the value found is a part of the fact: the rest is added (_with_addends)

    @field_validator("sections", "not_sections")
    @classmethod
    def _sections(cls, names: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return _section_names(names, info)


def _section_names(names: list[str] | None, info: ValidationInfo) -> list[str] | None:
    """Section names are those of extraction/sections.yaml; the unscanned header needs no naming."""
    known: list[str] | None = (info.context or {}).get("sections")
    if names is None or known is None:
        return names
    for name in names:
        if name not in known:
            raise ValueError(f"unknown section {name!r}" + (did_you_mean(name, known) or
                                                            f" (sections: {', '.join(known)})"))
        if name in info.context["unscanned"]:
            raise ValueError(f"section {name!r} is never scanned for facts")
    return names


KIND = "{kind}"  # in a pattern with `for_kinds`: the words of each kind in turn
SPLICED_FIELDS = ("regex", "in_sentence", "not_in_sentence", "in_text", "not_in_text")  # what {kind}, {def:}, {drugs:} fill


class Kind(BaseModel):
    """One kind of treatment item-scope patterns are written for once: its words (a regex) and the treatment codes
    a request of it has (a drug class: opioids for OPIOID-SHORT-ACTING and OPIOID-LONG-ACTING)."""

    model_config = ConfigDict(extra="forbid")

    words: str = Field(min_length=1)
    codes: list[str] = Field(min_length=1)

    @field_validator("words")
    @classmethod
    def _regex(cls, value: str, info: ValidationInfo) -> str:
        return _checked_regex(value, info)

    @field_validator("codes")
    @classmethod
    def _known_codes(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        known: set[str] | None = (info.context or {}).get("treatment_codes")
        unknown = [c for c in codes if known is not None and c not in known]
        if unknown:
            raise ValueError(f"unknown treatment code {unknown[0]!r}{did_you_mean(unknown[0], known)}")
        return codes


class ExtractionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: ContextRules | None = None
    definitions: dict[str, str | list[str]] = {}  # shared regexes and code lists, reused through YAML anchors
    kinds: dict[str, Kind] = {}                   # what `for_kinds` patterns are written for, one copy each
    lists: dict[str, ListSpec] = {}               # closed lists a summary may give (lists.py)
    facts: dict[str, FactRule] = {}

    @model_validator(mode="after")
    def _expand_kinds(self, info: ValidationInfo) -> ExtractionFile:
        """Each `for_kinds` pattern becomes one pattern per kind: {kind} replaced by the kind's words, read for the
        kind's codes."""
        for name, rule in self.facts.items():
            patterns: list[Pattern] = []
            for i, p in enumerate(rule.patterns):
                where = f"facts.{name}.patterns.{i}"
                uses = any(KIND in (getattr(p, f) or "") for f in SPLICED_FIELDS)
                if p.for_kinds is None:
                    if uses:
                        raise ValueError(f"{where}: {KIND} is only for a pattern with `for_kinds`")
                    patterns.append(p)
                    continue
                if not uses:
                    raise ValueError(f"{where}: a `for_kinds` pattern names {KIND} in one of its regexes")
                if p.when_treatment is not None:
                    raise ValueError(f"{where}: `for_kinds` reads each kind's codes; it takes no when_treatment")
                for kind in list(self.kinds) if p.for_kinds == "all" else p.for_kinds:
                    if kind not in self.kinds:
                        raise ValueError(f"{where}: unknown kind {kind!r}{did_you_mean(kind, self.kinds)}")
                    data = p.model_dump(exclude_unset=True, exclude={"for_kinds"})
                    words = f"(?:{self.kinds[kind].words})"
                    data.update({f: data[f].replace(KIND, words) for f in SPLICED_FIELDS if data.get(f)})
                    data["when_treatment"] = self.kinds[kind].codes
                    patterns.append(Pattern.model_validate(data, context=info.context))
            rule.patterns = patterns
        return self

    @field_validator("facts")
    @classmethod
    def _known_facts(cls, facts: dict[str, FactRule], info: ValidationInfo) -> dict[str, FactRule]:
        vocab: FactVocabulary = info.context["vocabulary"]
        codes: set[str] | None = info.context.get("treatment_codes")
        for name, rule in facts.items():
            if name not in vocab:
                raise ValueError(vocab.unknown(name))
            spec = vocab[name]
            if spec.source != "clinical":
                raise ValueError(f"{name!r} is a {spec.source} fact; only clinical facts are extracted")
            if not rule.patterns and rule.from_list is None:
                raise ValueError(f"{name}: give `patterns`, `from_list` or both")
            values = [p.value for p in rule.patterns if p.value is not None]
            values += [rule.negated] if rule.negated is not None else []
            if rule.from_list is not None:
                values += [v for v in (rule.from_list.present_value, rule.from_list.absent_value) if v is not None]
            for value in values:
                try:
                    coerce_value(spec, value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            for part in (rule.add.request + rule.add.facts) if rule.add else []:
                if part not in vocab:
                    raise ValueError(f"{name}: add: {vocab.unknown(part)}")
                if vocab[part].type not in (FactType.INTEGER, FactType.NUMBER):
                    raise ValueError(f"{name}: add: {part!r} is not a number fact")
            if rule.add and spec.type not in (FactType.INTEGER, FactType.NUMBER):
                raise ValueError(f"{name}: add is for integer or number facts")
            for veto in rule.vetoed_by:
                if veto.fact not in vocab:
                    raise ValueError(f"{name}: vetoed_by: {vocab.unknown(veto.fact)}")
                if vocab[veto.fact].type not in (FactType.INTEGER, FactType.NUMBER):
                    raise ValueError(f"{name}: vetoed_by: {veto.fact!r} is not a number fact")
            for p in rule.patterns:
                if p.region is not None and spec.scope != "item":
                    raise ValueError(f"{name}: `region: request` is for item facts (a case fact has no request)")
                if p.convert in SINCE and spec.type is not FactType.NUMBER:
                    raise ValueError(f"{name}: convert: {p.convert} gives a number of weeks or months")
                if p.capture and p.convert is None and spec.type not in (FactType.LEVELS, FactType.INTEGER,
                                                                          FactType.NUMBER):
                    raise ValueError(f"{name}: a capture for a {spec.type.value} fact needs `convert`")
            for listed in [rule.when_treatment or []] + [p.when_treatment or [] for p in rule.patterns]:
                unknown = [c for c in listed if codes is not None and c not in codes]
                if unknown:
                    raise ValueError(f"{name}: unknown treatment code {unknown[0]!r} in when_treatment")
        return facts


@dataclass
class Extracted:
    """A documented fact value, the trimmed sentence (or clause) it came from, and where."""

    name: str
    value: Any
    quote: str
    source: str
    start: int
    end: int
    note: str | None = None  # how the value was read when it is not what the quote says (a closed list)
    section: str | None = None  # the section of the text the quote is in (sections.py)


@dataclass(frozen=True)
class _SiteFinder:
    """The body-site words of the request lexicon in prose, and the side words that can precede them."""

    sites: re.Pattern
    words: dict[str, str]  # site word -> site
    side_before: re.Pattern  # a side word up to two words before the end of the text searched
    side_words: dict[str, str]  # side word -> left | right | bilateral
    levels: re.Pattern  # a spinal level ("l4-5", "c5-c6", "s1"; not an MRI's "T2-weighted" or "T2 signal")
    level_sites: dict[str, str]  # a level's letter -> the spinal site it names


@dataclass
class _Text:
    """Whitespace-normalized text with a map back to the original offsets, split into sentences."""

    norm: str
    lower: str
    norm_starts: list[int]  # where each token starts in norm
    orig_starts: list[int]  # and in the original text
    sentence_starts: list[int]
    source: str
    sections: list[str | None] = field(default_factory=list)  # each sentence's section (empty: none found)
    bodies: dict[int, int] = field(default_factory=dict)  # a sentence that opens with a heading -> after it
    reference: dt.date | None = None  # the date the text is read against (weeks_since)
    request_form: dt.date | None = None  # the date of the request for authorization the text gives, if any
    care_lists: dict[str, frozenset[str]] = field(default_factory=dict)  # its lists naming care -> the kinds named
    _found: dict[re.Pattern, bool] = field(default_factory=dict)
    _allowed: dict[tuple, list[bool] | None] = field(default_factory=dict)  # Extractor._in_sections, per key
    _since: dict[tuple, tuple[float, str] | None] = field(default_factory=dict)  # _since, per match
    _service: dict[int, tuple[FoundDate, str] | None] = field(default_factory=dict)  # _service_date, per sentence
    _full_date: dict[int, bool] = field(default_factory=dict)  # whether a sentence gives a full date
    _sites: dict[tuple[int, bool], dict[str, set[str | None]]] = field(default_factory=dict)

    def sites_in_sentence(self, pos: int, finder: _SiteFinder, levels: bool) -> dict[str, set[str | None]]:
        """The body sites the sentence at `pos` names, each with the sides written before it ("left knee", "right
        total knee"; None: a mention with no side), found once per sentence; with `levels`, spinal levels too."""
        start, end = self.sentence(pos)
        if (start, levels) not in self._sites:
            self._sites[start, levels] = self.sites_between(start, end, finder, levels)
        return self._sites[start, levels]

    def sites_between(self, start: int, end: int, finder: _SiteFinder, levels: bool) -> dict[str, set[str | None]]:
        """The body sites named between two positions, with their sides (read back to the sentence's start): site
        words, and with `levels` spinal levels by their letter ("L4-5" the lumbar spine, "C5-C6" the cervical)."""
        found: dict[str, set[str | None]] = {}
        sentence_start = self.sentence(start)[0]
        for m in finder.sites.finditer(self.lower, start, end):
            word = m.group()
            site = finder.words.get(word) or finder.words.get(word[:-1]) or finder.words[word[:-2]]
            side = finder.side_before.search(self.lower, max(sentence_start, m.start() - 40), m.start())
            found.setdefault(site, set()).add(finder.side_words[side.group(1)] if side else None)
        for m in finder.levels.finditer(self.lower, start, end) if levels else ():
            found.setdefault(finder.level_sites[m.group(1)], set()).add(None)
        return found

    def contains(self, regex: re.Pattern) -> bool:
        """Whether the text has a match of `regex` anywhere (searched once per text)."""
        if regex not in self._found:
            self._found[regex] = regex.search(self.lower) is not None
        return self._found[regex]

    def original(self, pos: int) -> int:
        """The offset in the original text of a position in the normalized text."""
        i = bisect.bisect_right(self.norm_starts, pos) - 1
        if i < 0:
            return 0
        return self.orig_starts[i] + pos - self.norm_starts[i]

    def section(self, pos: int) -> str | None:
        """The section of the sentence holding a position in the normalized text."""
        return self.sections[bisect.bisect_right(self.sentence_starts, pos) - 1] if self.sections else None

    def norm_pos(self, orig: int) -> int:
        """The position in the normalized text of the first token at or after an original offset."""
        i = bisect.bisect_left(self.orig_starts, orig)
        return self.norm_starts[i] if i < len(self.norm_starts) else len(self.norm)

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.sentence_starts, pos) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else len(self.norm)
        return self.sentence_starts[i], end


@dataclass
class _Mention:
    value: Any
    pos: int
    quote: tuple[int, int]
    text: _Text
    end: int  # where the match ends
    note: str | None = None


class Extractor:
    """Loads rules/extraction/*.yaml once (regexes compiled at load) and extracts documented facts."""

    def __init__(self, rules_dir: Path, vocabulary: FactVocabulary, treatment_codes: set[str] | None = None,
                 treatments: TreatmentVocabulary | None = None, cache: bool = False):
        """`rules_dir` is the rules root (holding extraction/); `when_treatment` codes are checked against
        `treatment_codes` when given (the catalog's). `treatments` (the catalog's) reads list elements and
        requests; without it the rules folder's are loaded when a list is first read. `cache`: read and write
        the build cache (extraction_cache.py), so the regex checks and analysis are done once per rules content."""
        rules_dir = Path(rules_dir)
        self._ledger, cache_path, cache_key = load_ledger(rules_dir) if cache else (RegexLedger(), None, None)
        self.rules_dir = rules_dir
        self._treatments = treatments
        folder = rules_dir / "extraction"
        files = RulesFolder(rules_dir).extraction_files()
        if not files:
            raise InputError(folder, "no extraction rule files (*.yaml)")
        codes = treatment_codes
        self.sections = load_sections(rules_dir)
        self.vocabulary = vocabulary
        self.rules: dict[str, FactRule] = {}
        context: ContextRules | None = None
        self.lists: dict[str, ListSpec] = {}
        for path in files:
            parsed = validate(ExtractionFile, load_yaml(path), path,
                              {"vocabulary": vocabulary, "treatment_codes": codes, "sections": self.sections.names,
                               "unscanned": self.sections.unscanned, "ledger": self._ledger})
            for name, spec in parsed.lists.items():
                if name in self.lists:
                    raise InputError(path, f"list {name!r} is defined in another extraction file", field=f"lists.{name}")
                self.lists[name] = spec
            if parsed.context is not None:
                if context is not None:
                    raise InputError(path, "context triggers are defined in more than one file", field="context")
                context = parsed.context
            for name, rule in parsed.facts.items():
                for i, p in enumerate(rule.patterns):
                    for attr in SPLICED_FIELDS:
                        self._splice(p, attr, parsed.definitions, path, f"facts.{name}.patterns.{i}.{attr}")
                if name in self.rules:
                    raise InputError(path, f"fact {name!r} has patterns in another extraction file",
                                     field=f"facts.{name}")
                self.rules[name] = rule
        if context is None:
            raise InputError(folder, "no file defines `context:` (the trigger phrases)")
        def known_list(name: str, listed: str, where: str) -> None:
            if listed not in self.lists:
                raise InputError(folder, f"{name}: unknown list {listed!r}{did_you_mean(listed, self.lists)}",
                                 field=f"facts.{name}.{where}")

        for name, rule in self.rules.items():
            for listed in [rule.from_list.list, *rule.from_list.also_lists] if rule.from_list is not None else []:
                known_list(name, listed, "from_list")
            for i, p in enumerate(rule.patterns):
                if p.with_care and not p.with_list:
                    raise InputError(folder, f"{name}: `with_care` narrows `with_list`: name the lists too",
                                     field=f"facts.{name}.patterns.{i}.with_care")
                for listed in p.with_list or ():
                    known_list(name, listed, f"patterns.{i}.with_list")
                    if not self.lists[listed].care:
                        raise InputError(folder, f"{name}: list {listed!r} names no care (it has no `care:` kinds)",
                                         field=f"facts.{name}.patterns.{i}.with_list")
        if treatments is not None:
            self._check_list_matches(folder, treatments)
        self._list_cues = {name: self._regex("|".join(f"(?:{c})" for c in spec.cues)) for name, spec in self.lists.items()}
        self._list_rules: list[tuple[str, FactRule, Any]] | None = None
        self._compile_context(context)
        self._summary: _TextScan | None = None  # the last summary read, with what was found in it
        self._requests: dict[tuple[str, dt.date | None], _TextScan] = {}  # its requests'
        self._sites: _SiteFinder | None = None  # body-site and side words (region: request)
        self.prefilter = True  # skip a pattern none of whose required literals the text has (tests turn it off)
        self._patterns = self._compile_patterns()
        self._index_literals()
        if cache_path is not None and not self._ledger.trusted:  # built from scratch: keep what was worked out
            save_ledger(self._ledger, cache_path, cache_key)

    def _check(self, pattern: str) -> None:
        """A regex built from the rules' pieces checked (valid, no catastrophic backtracking), unless the build cache
        says it passed already: then it is not even compiled (its pieces are, where they are scanned)."""
        if pattern not in self._ledger.trusted:
            _compile(pattern)
        self._ledger.checked.add(pattern)

    def _regex(self, pattern: str) -> re.Pattern:
        """A regex the extractor builds from the rules' (an alternation), checked unless the build cache says it
        passed already."""
        compiled = _lowered(pattern) if pattern in self._ledger.trusted else _compile(pattern)
        self._ledger.checked.add(pattern)
        return compiled

    def _compile_patterns(self) -> list[_CompiledPattern]:
        """Every pattern as the pieces of its regex (split at top-level `|`), each compiled and analysed:
        its literal start, its required literals and whether every match starts with one of them."""
        out = []
        for name, rule in self.rules.items():
            spec = self.vocabulary[name]
            for p in rule.patterns:
                sources = ("summary", "request") if p.source == "any" else (p.source,)
                for piece in _alternatives(p.regex):
                    known = self._ledger.pieces.get(piece)
                    if known is None:
                        lowered, anchor, required, prefixes, also = _piece_analysis(piece)
                        self._ledger.pieces[piece] = [lowered, anchor, sorted(required) if required else None,
                                                      prefixes, sorted(also) if also else None]
                    else:
                        lowered, anchor, listed, prefixes, listed_also = known
                        required = frozenset(listed) if listed is not None else None
                        also = frozenset(listed_also) if listed_also is not None else None
                    cp = _CompiledPattern(name, rule, p, lowered, spec.scope, spec.type, sources, anchor,
                                          required, prefixes, also, spec.level_kind)
                    if piece not in self._ledger.trusted:  # checked now: a bad piece is an error of the rules
                        cp.regex = _compile(piece)
                    self._ledger.checked.add(piece)
                    out.append(cp)
        return out

    def _index_literals(self) -> None:
        """One Aho-Corasick automaton of every pattern's required literals and the lists' cue literals, and which
        patterns each one admits."""
        # per list, the literals of which every cue match contains one (None: a cue without one: always search)
        self._list_literals = {name: required_literals(regex.pattern) for name, regex in self._list_cues.items()}
        self._literals = _automaton({lit for cp in self._patterns for lits in (cp.required, cp.also) if lits
                                     for lit in lits} | {lit for lits in self._list_literals.values() for lit in lits or ()}
                                    | (self._context_starts or set()))
        self._by_literal: dict[str, list[int]] = {}
        self._by_also: dict[str, list[int]] = {}
        for index, cp in enumerate(self._patterns):
            for lit in cp.required or ():
                self._by_literal.setdefault(lit, []).append(index)
            for lit in cp.also or ():
                self._by_also.setdefault(lit, []).append(index)
        self._with_also = frozenset(i for i, cp in enumerate(self._patterns) if cp.also)
        self._unfiltered = frozenset(i for i, cp in enumerate(self._patterns) if cp.required is None)
        self._applicable_memo: dict[tuple[str | None, str | None], frozenset[int]] = {}

    def _splice(self, pattern: Pattern, attr: str, definitions: dict[str, str | list[str]], path: Path,
                where: str) -> None:
        """A pattern's regex with its {def:NAME} and {drugs:CLASS} pieces put in, checked again once they are."""
        value = getattr(pattern, attr)
        if not value or ("{def:" not in value and "{drugs:" not in value):
            return
        value = DEFINITION.sub(lambda m: _definition(m.group(1), definitions, path, where), value)
        if DRUG_CLASSES.search(value):
            value = self._drug_names(value, path, where)  # checks the result
        else:
            try:
                self._check(value)
            except ValueError as exc:
                raise InputError(path, str(exc), field=where) from None
        setattr(pattern, attr, value)

    def _drug_names(self, regex: str, path: Path, where: str) -> str:
        """A regex with each {drugs:CLASS,...} replaced by the names the drug lexicon (rules/requests/drugs.yaml)
        gives that class: its ingredients (with brands and synonyms, extended-release ones included) and the
        products containing one, longest first, so that a fact about a class follows the lexicon."""
        drugs = self.treatments().lexicon.drugs

        def names(m: re.Match) -> str:
            classes = m.group(1).split(",")
            for c in classes:
                if c not in drugs.classes:
                    raise InputError(path, f"unknown drug class {c!r}{did_you_mean(c, drugs.classes)}", field=where)
            ingredients = {n for n, i in drugs.ingredients.items()
                           if i.drug_class in classes or i.extended_release_class in classes}
            words = {w.lower() for n in ingredients for w in (n, *drugs.ingredients[n].brands,
                                                               *drugs.ingredients[n].extended_release_brands,
                                                               *drugs.ingredients[n].synonyms)}
            words |= {w.lower() for p in drugs.products.values() if ingredients.intersection(p.ingredients)
                      for w in p.words}
            return literal_alternation(words)
        expanded = DRUG_CLASSES.sub(names, regex)
        try:
            self._check(expanded)
        except ValueError as exc:
            raise InputError(path, str(exc), field=where) from None
        return expanded

    def _compile_context(self, ctx: ContextRules) -> None:
        """Triggers, pseudo-triggers and terminations as alternations (longest phrases first), one per
        first character: the text is scanned at word starts and punctuation only (fast in pure `re`)."""
        self.window = ctx.window
        entries: list[tuple[str, Any]] = [(p, "pseudo") for p in ctx.pseudo]
        entries += [(p, "terminate") for p in ctx.terminations]
        entries += [(t.phrase, t) for t in ctx.triggers]
        entries.sort(key=lambda e: -len(e[0]))
        self._kinds = [kind for _, kind in entries]
        firsts = [self._first_chars(_word(p)) for p, _ in entries]
        alphabet = set().union(*(f for f in firsts if f is not None))
        self._buckets: dict[str, re.Pattern] = {}
        for ch in alphabet:
            alts = [f"(?P<t{i}>{_word(p)})" for i, (p, _) in enumerate(entries) if firsts[i] is None or ch in firsts[i]]
            self._buckets[ch] = self._regex("|".join(alts))
        anywhere = [f"(?P<t{i}>{_word(p)})" for i, (p, _) in enumerate(entries) if firsts[i] is None]
        self._any_bucket = self._regex("|".join(anywhere)) if anywhere else None
        # the literals one of which every phrase's match starts with, else the characters it can start with (the
        # buckets'; None: any): with the prefilter, the text is tried only where one of them starts
        starts = [prefix_literals(lower_pattern(_word(p)), 1) for p, _ in entries]
        chars = {ch for i, lits in enumerate(starts) if lits is None for ch in firsts[i] or ()}
        self._context_starts = (None if any(lits is None and firsts[i] is None for i, lits in enumerate(starts))
                                else frozenset().union(*(lits for lits in starts if lits)))
        self._context_chars = re.compile(f"(?=[{re.escape(''.join(sorted(chars)))}])(?:{_SCAN_POINTS.pattern})"
                                         ) if chars else None  # the points where the others can start
        abbrev = "|".join(re.escape(a.rstrip(".")) for a in ctx.abbreviations) or "(?!)"
        # an abbreviation's period, or a list number's ("Diagnoses: 1. ...") after a colon, period or parenthesis
        # (not a number that ends a sentence: "rated 7 out of 10. She...")
        self._no_break = re.compile(rf"(?:\b(?:{abbrev})|(?:^|[:.(;] ?)\d{{1,2}})\.$", re.IGNORECASE)

    def _first_chars(self, phrase: str) -> set[str] | None:
        """The characters a context phrase can start with (from the build cache when it has them)."""
        if phrase not in self._ledger.firsts:
            found = first_chars(lower_pattern(phrase))
            self._ledger.firsts[phrase] = sorted(found) if found is not None else None
        known = self._ledger.firsts[phrase]
        return set(known) if known is not None else None

    # ---- text preparation -----------------------------------------------------------------------

    def _prepare(self, text: str, source: str) -> _Text:
        words = text.split()  # the same tokens as _NON_SPACE finds (both split at str.isspace characters)
        norm = " ".join(words)
        norm_starts = list(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0)) if words else []
        orig_starts = [m.start() for m in _NON_SPACE.finditer(text)]
        starts = [0]
        for m in _SENTENCE_END.finditer(norm):
            if not self._no_break.search(norm, max(0, m.start() - 12), m.start()):  # the text up to the period
                starts.append(m.end())
        prepared = _Text(norm, lower_text(norm), norm_starts, orig_starts, starts, source)
        parts = self.sections.parts(text) if source == "summary" else None
        if parts:  # a headed note: every part starts a sentence, and its quotes start after its heading
            starts = sorted(set(starts).union(prepared.norm_pos(p.start) for p in parts) - {len(norm)} | {0})
            prepared.bodies = {prepared.norm_pos(p.start): prepared.norm_pos(p.body) for p in parts if p.body}
        prepared.sentence_starts = _cap_sentences(norm, starts)
        if source == "summary":
            prepared.sections = self._label(prepared, parts)
        return prepared

    def _label(self, text: _Text, parts: list[Part] | None) -> list[str | None]:
        """Each sentence's section: its part's in a headed note, else read from the prose's cues (runs of prose
        sentences are read together, so a sentence can continue the one before)."""
        sentences = [text.norm[a:b] for a, b in map(text.sentence, text.sentence_starts)]
        if parts is None:
            return self.sections.classify(sentences)
        part_starts = [text.norm_pos(p.start) for p in parts]
        labels: list[str | None] = []
        run: list[str] = []
        for start, sentence in zip(text.sentence_starts, sentences):
            i = bisect.bisect_right(part_starts, start) - 1
            if i >= 0 and parts[i].section is not None:
                labels += self.sections.classify(run) + [parts[i].section]
                run = []
            else:
                run.append(sentence)
        return labels + self.sections.classify(run)

    def read_sections(self, text: str) -> list[Section]:
        """The sections of a clinical text (original offsets), as the extractor reads them: runs of sentences in
        one section, in order (sentences in no section are left out)."""
        prepared = self._prepare(text, "summary")
        out: list[Section] = []
        for i, (start, name) in enumerate(zip(prepared.sentence_starts, prepared.sections)):
            end = prepared.sentence(start)[1]
            orig_end = prepared.original(max(start, end - 1)) + 1
            if name is not None and out and out[-1].name == name and i and prepared.sections[i - 1] == name:
                out[-1].end = orig_end
            elif name is not None:
                out.append(Section(name, prepared.original(start), orig_end))
        return out

    def note_date(self, text: str) -> NoteDate | None:
        """A progress note's date of service (sections.yaml `date_of_service`)."""
        return self.sections.note_date(text)

    def layout(self, text: str) -> NoteLayout:
        """A note's sections and date of service, for a person to see how it was read."""
        return NoteLayout(self.read_sections(text), self.note_date(text), text)

    # ---- extraction -----------------------------------------------------------------------------

    def extract(self, summary: str, request: str, treatment: str | None = None,
                scope: Literal["case", "item"] | None = None,
                reference_date: dt.date | None = None) -> dict[str, Extracted]:
        """Documented facts only: a fact that is not found is absent (not documented). With `scope`, only
        the facts of that scope (a case reads its case facts once, and its item facts per item). Dates become
        weeks (`convert: weeks_since`) up to `reference_date` (the request's); without it they document nothing.

        A letter asks about one summary once per item: the prepared summary, its context triggers and
        every pattern's summary mentions are kept for the last summary seen, so each is scanned once."""
        summary_scan = self._summary_scan(summary or "", reference_date)
        request_scan = self._request_scan(request or "", reference_date)
        request_levels = find_levels(request or "")
        scans = {"summary": summary_scan, "request": request_scan}
        mentions: dict[str, list[_Mention]] = {}
        for index in self._to_run(scope, treatment, summary_scan, request_scan):
            cp = self._patterns[index]
            if cp.when_request is not None and not request_scan.text.contains(cp.when_request):
                continue
            for key in cp.sources:
                # a summary's mentions do not depend on the request (but for the request's levels)
                keep = key == "summary" and cp.pattern.convert != "overlaps_request_levels"
                found = self._mentions_of(index, cp, scans[key], request_levels, keep)
                if found and cp.pattern.region is not None:
                    found = [m for m in found if self._in_request_region(m, request or "",
                                                                         cp.pattern.region == "request_or_roots")]
                if found:
                    mentions.setdefault(cp.name, []).extend(found)
        out = self._resolved(mentions)
        if summary_scan.lists:
            out.update(self._from_lists(summary_scan.lists, summary_scan.text, request, treatment, scope, out))
        if any(self.rules[name].add for name in out):
            out = self._with_addends(out, request)
        return out

    def _summary_scan(self, summary: str, reference_date: dt.date | None) -> _TextScan:
        """The summary prepared and scanned once (a letter asks about it once per item); a new summary, reference
        date or prefilter setting starts afresh."""
        key = (summary, reference_date, self.prefilter)
        if self._summary is None or self._summary.key != key:
            self._summary = self._text_scan(summary, "summary", reference_date, key)
            self._requests = {}
            if self.lists:
                self._summary.lists = self._find_lists(self._summary)
                self._summary.text.care_lists = self._care_lists(self._summary)
        return self._summary

    def _care_lists(self, scan: _TextScan) -> dict[str, frozenset[str]]:
        """The summary's lists that name care given, with the care kinds they name, but for one whose cue is
        negated, uncertain, hypothetical or administrative ("no evidence the patient has trialed and failed first
        line treatment")."""
        out: dict[str, frozenset[str]] = {}
        for f in scan.lists:
            if f.care and self._modifiers(f.cue, scan.text, scan.hits).isdisjoint(_NOT_GIVEN):
                out[f.name] = out.get(f.name, frozenset()) | f.care
        return out

    def _request_scan(self, request: str, reference_date: dt.date | None) -> _TextScan:
        key = (request, reference_date)
        if key not in self._requests:
            self._requests[key] = self._text_scan(request, "request", reference_date, key)
        return self._requests[key]

    def _text_scan(self, text: str, source: str, reference_date: dt.date | None, key: tuple) -> _TextScan:
        prepared = self._prepare(text, source)
        prepared.reference = reference_date
        if source == "summary":
            form = request_form_date(prepared.norm, reference_date)
            prepared.request_form = form.date if form else None
        literals = _Literals(self._literals, prepared) if self.prefilter else None
        scan = _TextScan(key, prepared, self._context_hits(prepared, literals), literals)
        if literals is not None:
            present = literals.starts
            admitted = self._unfiltered.union(*(self._by_literal[lit] for lit in present if lit in self._by_literal))
            lacking = self._with_also.difference(*(self._by_also[lit] for lit in present if lit in self._by_also))
            scan.candidates = admitted - lacking  # a pattern with two literal sets needs one of each
        return scan

    def _applicable(self, scope: str | None, treatment: str | None) -> frozenset[int]:
        """The patterns read for a scope and a treatment (their `when_treatment`), worked out once per pair."""
        key = (scope, treatment)
        if key not in self._applicable_memo:
            if len(self._applicable_memo) >= 256:
                self._applicable_memo.clear()
            self._applicable_memo[key] = frozenset(
                i for i, cp in enumerate(self._patterns) if (scope is None or cp.scope == scope)
                and _applies(cp.rule.when_treatment, treatment, cp.scope)
                and _applies(cp.pattern.when_treatment, treatment, cp.scope))
        return self._applicable_memo[key]

    def _to_run(self, scope: str | None, treatment: str | None, summary: _TextScan,
                request: _TextScan) -> list[int]:
        """The patterns to run, in order: those that apply and (with the prefilter) one of whose literals is in
        the summary or the request."""
        applicable = self._applicable(scope, treatment)
        if summary.candidates is None or request.candidates is None:
            return sorted(applicable)
        return sorted(applicable & (summary.candidates | request.candidates))

    def _mentions_of(self, index: int, cp: _CompiledPattern, scan: _TextScan, request_levels: list[str],
                     keep: bool) -> list[_Mention]:
        """One pattern's mentions in one text (kept in the scan when they do not depend on the request)."""
        if keep and index in scan.mentions:
            return scan.mentions[index]
        if scan.literals is None or cp.required is None:  # no prefilter (for this pattern): every sentence
            found = self._scan(cp, scan.text, scan.hits, request_levels)
        elif index not in scan.candidates:
            found = []
        elif cp.prefixes:  # every match starts with a literal: try the regex where one occurs
            within = set(scan.literals.sentences(cp.also)) if cp.also else None
            found = self._scan_at(cp, scan.text, scan.hits, request_levels, scan.literals.positions(cp.required),
                                  within)
        else:  # only the sentences holding one of its literals
            found = self._scan(cp, scan.text, scan.hits, request_levels, scan.literals.sentences(cp.required))
        if keep:
            scan.mentions[index] = found
        return found

    def _resolved(self, mentions: dict[str, list[_Mention]]) -> dict[str, Extracted]:
        """Each fact's value under its conflict policy, with the mention it rests on."""
        out = {}
        for name, found in mentions.items():
            result = _resolve(self.rules[name], self.vocabulary[name].type, found)
            if result is not None:
                value, mention = result
                out[name] = _extracted(name, coerce_value(self.vocabulary[name], value), mention)
        return out

    def _with_addends(self, found: dict[str, Extracted], request: str) -> dict[str, Extracted]:
        """The facts whose rule has `add`: the number found plus the request's attributes and the other documented
        facts it names (not one quoted from the same sentence: that is the same number read twice); left out when
        the request does not give an attribute it needs."""
        attributes = normalize_request(request, self.treatments()).attributes if request else {}
        out = dict(found)
        for name, entry in found.items():
            add = self.rules[name].add
            if add is None:
                continue
            if any(attributes.get(a) is None for a in add.request):
                del out[name]
                continue
            parts = [(a, attributes[a]) for a in add.request] + [  # a fact read from the same sentence is this number
                (f, found[f].value) for f in add.facts if f in found and found[f].start != entry.start]
            total = coerce_value(self.vocabulary[name], entry.value + sum(v for _, v in parts))
            said = " + ".join([f"{entry.value:g} found"] + [f"{v:g} {n}" for n, v in parts])
            out[name] = dataclasses.replace(entry, value=total, note="; ".join(filter(None, [entry.note, said])))
        return out

    def request_form(self, summary: str, reference_date: dt.date | None) -> dt.date | None:
        """The date of the request for authorization a summary gives (dates.request_form_date), if any: read when
        the summary is scanned (a letter's case asks right after reading its case facts)."""
        return self._summary_scan(summary or "", reference_date).text.request_form

    def vetoed(self, values: dict[str, Any]) -> list[str]:
        """The facts of `values` (documented values by name) that another documented value rules out (`vetoed_by`);
        the case builders drop them once every value is known (a letter's own dates give the weeks since injury)."""
        return [name for name in values
                if name in self.rules and any(values.get(v.fact) is not None and values[v.fact] > v.above
                                              for v in self.rules[name].vetoed_by)]

    def _check_list_matches(self, folder: Path, treatments: TreatmentVocabulary) -> None:
        """Every name a `from_list` match gives is known to the request lexicon or the treatment codes."""
        lex = treatments.lexicon
        families = {t.family for t in treatments.treatments.values()}
        for name, rule in self.rules.items():
            if rule.from_list is None:
                continue
            m = rule.from_list.present_if
            for field_name, given, known in (("procedures", m.procedures, lex.procedures),
                                             ("drug_classes", m.drug_classes, lex.drugs.classes),
                                             ("codes", m.codes, treatments.treatments), ("families", m.families, families)):
                for value in given:
                    if value not in known:
                        raise InputError(folder, f"{name}: unknown {field_name[:-1].replace('_', ' ')} {value!r}"
                                         f"{did_you_mean(value, known)}", field=f"facts.{name}.from_list.present_if")

    def reads_for(self, name: str, treatment: str | None) -> bool:
        """Whether fact `name` is read for a request of `treatment` (its rule's `when_treatment`, if any)."""
        rule = self.rules.get(name)
        return rule is None or _applies(rule.when_treatment, treatment, self.vocabulary[name].scope)

    def _in_request_region(self, mention: _Mention, request: str, roots: bool = False) -> bool:
        """A mention concerns the request's body site unless it names a rival site itself (another spinal region
        for a spinal request, another limb site for a limb's: "two cervical ESIs" say nothing of the low back), or
        its sentence names sites and none of them is related to a site the request names (a normal shoulder exam
        says nothing about the knee), nor, with `roots`, a limb the nerve roots of a spinal site it names supply;
        or the related site is named only on the other side (a left knee arthroscopy is no surgery of the right
        knee). For a spinal request, levels name their region (L4-5 the lumbar spine). A request that names no
        site accepts every mention."""
        lex = self.treatments().lexicon
        parse = normalize_request(request, self.treatments()).parse
        wanted = parse.get("sites") or []
        if not wanted:
            return True
        finder = self._site_finder()
        # a spinal level tells the spine's regions apart; for a limb it is the root of a finding there ("an EMG
        # showing L5 radiculopathy" concerns the legs), not another site
        levels = any(lex.related(b, "spine") for b in wanted)
        sides = parse.get("sides") or {}
        own = mention.text.sites_between(mention.pos, mention.end, finder, levels)  # "two cervical ESIs"
        if any(lex.related(a, b) for a in own for b in wanted):
            return self._on_side(own, wanted, sides, parse.get("side"))
        spinal = levels  # a spinal request: another spinal region named in the mention is a rival, a limb is not
        if any(lex.related(a, "spine") == spinal for a in own):  # "two cervical ESIs", "a shoulder MRI"
            return False
        named = mention.text.sites_in_sentence(mention.pos, finder, levels)
        if not named:
            return True
        if any(lex.related(a, b) for a in named for b in wanted):
            return self._on_side(named, wanted, sides, parse.get("side"))
        return roots and bool(set(named) & set().union(*(lex.root_territory(b) for b in wanted)))

    def _on_side(self, named: dict[str, set[str | None]], wanted: list[str], sides: dict[str, str],
                 side: str | None) -> bool:
        """Whether some named site related to a wanted one is not only on the side opposite the request's."""
        lex = self.treatments().lexicon
        return any(not self._other_side(named[a], lex.sites[a].sided and lex.sites[b].sided, sides.get(b) or side)
                   for a in named for b in wanted if lex.related(a, b))

    @staticmethod
    def _other_side(sides: set[str | None], sided: bool, wanted: str | None) -> bool:
        """Whether every mention of a sided site names the side opposite the one the request names."""
        if not sided or wanted not in ("left", "right") or None in sides or "bilateral" in sides:
            return False
        return wanted not in sides

    def _site_finder(self) -> _SiteFinder:
        """One regex for every body-site word the request lexicon knows (plurals folded), word -> site, and the
        side words (the grammar's, and a lone L or R) that can stand up to two words before a site word."""
        if self._sites is None:
            lex = self.treatments().lexicon
            skip = {w.lower() for w in lex.not_in_prose}
            words = {w.lower(): name for name, site in lex.sites.items() for w in site.words if w.lower() not in skip}
            alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            sides = {w.lower(): side for side, ws in lex.grammar.side.items() for w in ws} | {"l": "left", "r": "right"}
            side_alternation = "|".join(re.escape(w) for w in sorted(sides, key=len, reverse=True))
            prefixes = {p.lower(): name for name, site in lex.sites.items() for p in site.level_prefixes}
            letters = "".join(sorted(prefixes))
            levels = re.compile(rf"\b([{letters}])\d{{1,2}}\b(?:\W?[{letters}]?\d{{1,2}}\b)?"
                                r"(?![ -]?(?:weighted|signal|hyper\w*|hypo\w*|images?|sequences?|stir|flair))")
            self._sites = _SiteFinder(re.compile(rf"\b(?:{alternation})(?:e?s)?\b"), words,
                                      re.compile(rf"\b({side_alternation})(?: [\w-]+){{0,2}}? $"), sides,
                                      levels, prefixes)
        return self._sites

    def treatments(self) -> TreatmentVocabulary:
        if self._treatments is None:
            from checker.ruleset.treatments import load_treatments
            self._treatments = load_treatments(self.rules_dir)
        return self._treatments

    def _find_lists(self, scan: _TextScan) -> list[FoundList]:
        text = scan.text
        allowed = self._in_sections(None, None, text)
        cued = self._cued_sentences(scan.literals) if scan.literals is not None else None
        sentences = [(*text.sentence(start), None if cued is None else cued.get(i, frozenset()))
                     for i, start in enumerate(text.sentence_starts)
                     if (allowed is None or allowed[i]) and (cued is None or i in cued)]
        return find_lists(sentences, text.norm, text.lower, self.lists, self._list_cues, self.treatments())

    def _cued_sentences(self, literals: _Literals) -> dict[int, frozenset[str]]:
        """Per sentence that can hold a list cue, the lists whose cues it can hold: those with one of the literals
        every match of the list's cues contains (found by the prefilter's scan; a list whose cue has no such
        literal: every sentence). The cue regexes are slow to search; most sentences hold none, and most of the
        rest one list's."""
        text = literals.text
        always = frozenset(name for name, lits in self._list_literals.items() if lits is None)
        out: dict[int, set[str]] = {}
        for name, lits in self._list_literals.items():
            for i in literals.sentences(lits) if lits else ():
                out.setdefault(i, set()).add(name)
        if always:
            return {i: frozenset(out.get(i, ())) | always for i in range(len(text.sentence_starts))}
        return {i: frozenset(names) for i, names in out.items()}

    def _from_lists(self, lists: list[FoundList], text: _Text, request: str, treatment: str | None,
                    scope: str | None, found: dict[str, Extracted]) -> dict[str, Extracted]:
        """The facts the patterns left undocumented that a list documents (present, or absent from a closed
        list), quoting the list's sentence."""
        out = {}
        requested = normalize_request(request, self.treatments()) if request else None
        if self._list_rules is None:  # the facts a list can document, with their vocabulary entries
            self._list_rules = [(name, rule, self.vocabulary[name]) for name, rule in self.rules.items()
                                if rule.from_list is not None]
        for name, rule, spec in self._list_rules:
            if name in found or (scope is not None and spec.scope != scope):
                continue
            if not _applies(rule.when_treatment, treatment, spec.scope):
                continue
            families = rule.from_list.for_families
            if spec.scope == "item" and families and (treatment is None or treatment not in self.treatments().treatments
                                                      or self.treatments().treatments[treatment].family not in families):
                continue
            allowed = self._in_sections(rule.sections, rule.not_sections, text)
            readable = [f for f in lists
                        if allowed is None or allowed[bisect.bisect_right(text.sentence_starts, f.start) - 1]]
            result = list_value(rule.from_list, readable, self.treatments(), requested if spec.scope == "item" else None)
            if result is None:
                continue
            value, source, note = result
            start, end = _quote_span(text, source.start)
            out[name] = Extracted(name=name, value=coerce_value(spec, value), quote=text.norm[start:end],
                                  source=SOURCES[text.source], start=text.original(start),
                                  end=text.original(end - 1) + 1 if end > start else text.original(start), note=note,
                                  section=text.section(source.start))
        return out

    def _scan(self, cp: _CompiledPattern, text: _Text, hits: list[tuple[int, int, Any]],
              request_levels: list[str], sentences: list[int] | None = None) -> list[_Mention]:
        """Every mention of one pattern in one text that documents a value after context. A mention lies
        within a sentence: each sentence is scanned apart (only `sentences`, when the prefilter gives them)."""
        found: list[_Mention] = []
        if cp.anchor and cp.anchor not in text.lower:
            return found
        if cp.in_text is not None and not text.contains(cp.in_text):
            return found
        if cp.not_in_text is not None and text.contains(cp.not_in_text):
            return found
        if cp.pattern.with_list and not _care_given(cp.pattern, text.care_lists):
            return found
        starts = text.sentence_starts
        allowed = self._in_sections(cp.pattern.sections or cp.rule.sections,
                                    cp.pattern.not_sections or cp.rule.not_sections, text)
        for i in sentences if sentences is not None else range(len(starts)):
            if allowed is not None and not allowed[i]:
                continue
            start, end = starts[i], starts[i + 1] if i + 1 < len(starts) else len(text.norm)
            for m in cp.regex.finditer(text.lower, start, end):
                mention = self._mention(cp, m, text, hits, request_levels, start, end)
                if mention is not None:
                    found.append(mention)
        return found

    def _scan_at(self, cp: _CompiledPattern, text: _Text, hits: list[tuple[int, int, Any]],
                 request_levels: list[str], positions: list[int], within: set[int] | None = None) -> list[_Mention]:
        """As _scan, for a pattern every match of which starts with one of its literals: the regex is tried only
        at their `positions` (ascending), each within its sentence (one of `within`, the sentences holding one of
        its other literals, when given), skipping those inside the last match, which finds what finditer over the
        sentence finds."""
        found: list[_Mention] = []
        if not positions or (cp.in_text is not None and not text.contains(cp.in_text)):
            return found
        if cp.not_in_text is not None and text.contains(cp.not_in_text):
            return found
        if cp.pattern.with_list and not _care_given(cp.pattern, text.care_lists):
            return found
        starts = text.sentence_starts
        allowed = self._in_sections(cp.pattern.sections or cp.rule.sections,
                                    cp.pattern.not_sections or cp.rule.not_sections, text)
        match, lower, last = cp.regex.match, text.lower, len(text.norm)
        done = -1  # matches do not overlap: the next one starts at or after the end of the last
        for pos in positions:
            if pos < done:
                continue
            i = bisect.bisect_right(starts, pos) - 1
            if (allowed is not None and not allowed[i]) or (within is not None and i not in within):
                continue
            start, end = starts[i], starts[i + 1] if i + 1 < len(starts) else last
            m = match(lower, pos, end)
            if m is None:
                continue
            done = m.end()
            mention = self._mention(cp, m, text, hits, request_levels, start, end)
            if mention is not None:
                found.append(mention)
        return found

    def _mention(self, cp: _CompiledPattern, m: re.Match, text: _Text, hits: list[tuple[int, int, Any]],
                 request_levels: list[str], start: int, end: int) -> _Mention | None:
        """The mention a match in the sentence [start, end) makes, or None when it documents nothing."""
        if cp.in_sentence is not None and not cp.in_sentence.search(text.lower, start, end):
            return None
        if cp.not_in_sentence is not None and cp.not_in_sentence.search(text.lower, start, end):
            return None
        value = self._value(cp, m, text, hits, request_levels)
        if value is None:
            return None
        since = _since(m, text, cp.pattern.convert, hits, cp.rule.until) if cp.pattern.convert in SINCE else None
        note = since[1] if since and since[0] == value else None
        return _Mention(value, m.start(), _quote_span(text, m.start()), text, m.end(), note)

    def _in_sections(self, only: list[str] | None, skip: list[str] | None, text: _Text) -> list[bool] | None:
        """Which sentences a pattern reads (None: all): never an unscanned one (the header), none in `skip`, and
        only those in `only` when the text has one of them."""
        if not text.sections:
            return None
        key = (tuple(only) if only else only, tuple(skip) if skip else skip)
        if key not in text._allowed:
            text._allowed[key] = self._sentences_allowed(only, skip, text)
        return text._allowed[key]

    def _sentences_allowed(self, only: list[str] | None, skip: list[str] | None, text: _Text) -> list[bool] | None:
        present = set(text.sections)
        if only is not None and present.isdisjoint(only):
            only = None
        if only is None and not skip and present.isdisjoint(self.sections.unscanned):
            return None
        return [name not in self.sections.unscanned and not (skip and name in skip)
                and (only is None or name in only) for name in text.sections]

    def _context_hits(self, text: _Text, literals: _Literals | None = None) -> list[tuple[int, int, Any]]:
        """Leftmost non-overlapping trigger/pseudo/termination matches, tried at word starts and punctuation
        (with the prefilter's `literals`, only those where a phrase's first literal starts)."""
        hits = []
        end = 0
        lower = text.lower
        if literals is None or self._context_starts is None:
            points = (w.start() for w in _SCAN_POINTS.finditer(lower))
        else:
            points = [p for p in literals.positions(self._context_starts) if _SCAN_POINTS.match(lower, p)]
            if self._context_chars is not None:
                points = sorted(set(points).union(m.start() for m in self._context_chars.finditer(lower)))
        for pos in points:
            if pos < end:
                continue
            bucket = self._buckets.get(lower[pos], self._any_bucket)
            m = bucket.match(lower, pos) if bucket is not None else None
            if m:
                hits.append((m.start(), m.end(), self._kinds[int(m.lastgroup[1:])]))
                end = m.end()
        return hits

    def _modifiers(self, span: tuple[int, int], text: _Text, hits: list[tuple[int, int, Any]]) -> set[str]:
        """The context categories that reach this span (ConText scope rules). `hits` are in text order, so the
        sentence's hits are found by bisection: the cost is the sentence's, not the text's."""
        m_start, m_end = span
        s_start, s_end = text.sentence(m_start)
        lo = bisect.bisect_left(hits, (s_start,))
        hi = bisect.bisect_left(hits, (s_end,), lo)
        in_sentence = hits[lo:hi]
        stops = [h[0] for h in in_sentence if h[2] == "terminate"]
        found = set()
        for start, end, kind in in_sentence:
            if not isinstance(kind, Trigger) or (start >= m_start and end <= m_end):
                continue
            window = kind.window or self.window
            before = end <= m_start and kind.direction != "backward"
            after = start >= m_end and kind.direction != "forward"
            whole_sentence = kind.scope == "sentence" and (end <= m_start or start >= m_end)  # both ways
            if (whole_sentence or before and _reaches(text.norm, end, m_start, stops, window)
                    or after and _reaches(text.norm, m_end, start, stops, window)):
                found.add(kind.category)
        return found

    def _value(self, cp: _CompiledPattern, m: re.Match, text: _Text, hits: list[tuple[int, int, Any]],
               request_levels: list[str]) -> Any:
        """The value this match documents after context, or None when it documents nothing."""
        rule, pattern = cp.rule, cp.pattern
        span = m.span("finding") if "finding" in m.re.groupindex and m.group("finding") else m.span()
        mods = self._modifiers(span, text, hits)
        if mods & cp.ignored:
            return None
        if pattern.capture is None:
            value = pattern.value
        elif pattern.convert == "overlaps_request_levels":
            found = find_levels(m.group(pattern.capture) or "")
            value = levels_overlap(found, request_levels) if found and request_levels else None
        elif pattern.convert in SINCE:
            since = _since(m, text, pattern.convert, hits, rule.until)
            value = since[0] if since else None
        else:
            value = _convert(pattern, m, cp.type, cp.level_kind)
        if value is None:
            return None
        if "negated" in mods:
            if rule.negated is None or value is False:
                return None
            return rule.negated
        return value


@dataclass
class _CompiledPattern:
    """One piece of a pattern's regex (lower-cased), what it admits and what a text must hold for it to match.
    The regexes are compiled when first used (a warm start reads the analysis from the build cache)."""

    name: str
    rule: FactRule
    pattern: Pattern
    source: str  # the piece's regex, lower-cased
    scope: str
    type: FactType
    sources: tuple[str, ...]
    anchor: str = ""  # literal text every match starts with: when absent from a text, skip the regex
    required: frozenset[str] | None = None  # literals of which every match has one (None: always run)
    prefixes: bool = False  # every match starts with one of `required`
    also: frozenset[str] | None = None  # other literals of which every match has one (a text needs both)
    level_kind: str | None = None  # a levels fact's kind: root facts read 'L4-S1' as the roots L4, L5, S1

    @cached_property
    def regex(self) -> re.Pattern:
        return re.compile(self.source)

    @cached_property
    def ignored(self) -> frozenset[str]:
        """The context categories whose mentions document nothing here: the pattern's own policy, else the fact's."""
        own = {"historical": self.pattern.historical, "hypothetical": self.pattern.hypothetical}
        return frozenset(c for c in ("administrative", "uncertain", "hypothetical", "historical")
                         if (own.get(c) or getattr(self.rule, c)) == "ignore") | {"other_person"}

    @cached_property
    def in_sentence(self) -> re.Pattern | None:
        return _lowered(self.pattern.in_sentence)

    @cached_property
    def not_in_sentence(self) -> re.Pattern | None:
        return _lowered(self.pattern.not_in_sentence)

    @cached_property
    def in_text(self) -> re.Pattern | None:
        return _lowered(self.pattern.in_text)

    @cached_property
    def when_request(self) -> re.Pattern | None:
        return _lowered(self.pattern.when_request)

    @cached_property
    def not_in_text(self) -> re.Pattern | None:
        return _lowered(self.pattern.not_in_text)


@lru_cache(maxsize=4096)
def _lowered(regex: str | None) -> re.Pattern | None:
    """A rules regex (validated when its file was) compiled for lower-cased text."""
    return None if regex is None else re.compile(lower_pattern(regex))


MIN_LITERAL = 3  # shorter required literals (" ", "on") are in nearly every sentence: no use as a filter
MIN_PREFIX = 2  # a regex tried only where a literal starts costs a try per place: "dm" is rare enough


def _definition(name: str, definitions: dict[str, str | list[str]], path: Path, where: str) -> str:
    """The file's definition NAME (a regex string) as a group: a piece several patterns share (a therapy's words,
    a dose) is written once and spliced in with {def:NAME}."""
    value = definitions.get(name)
    if not isinstance(value, str):
        why = "is a list, not a regex" if name in definitions else f"is not defined{did_you_mean(name, definitions)}"
        raise InputError(path, f"{{def:{name}}}: {name!r} {why}", field=where)
    return f"(?:{value})"


def _piece_analysis(piece: str) -> tuple[str, str, frozenset[str] | None, bool, frozenset[str] | None]:
    """(the regex lower-cased, its literal start, its required literals, whether every match starts with one, and
    for such a pattern the literals of which every match also has one, when they are others)."""
    lowered = lower_pattern(piece)
    prefixes = prefix_literals(lowered, MIN_PREFIX)
    selective = required_literals(lowered)
    if selective is not None and min(len(lit) for lit in selective) < MIN_LITERAL:
        selective = None
    if prefixes is None:
        return lowered, _anchor(lowered), selective, False, None
    return lowered, _anchor(lowered), prefixes, True, selective if selective != prefixes else None


@dataclass
class _TextScan:
    """One text as the patterns read it: prepared, its context triggers, where the required literals occur and
    which patterns they admit (None: prefilter off), its lists, and the mentions found so far by pattern."""

    key: tuple
    text: _Text
    hits: list[tuple[int, int, Any]]
    literals: _Literals | None = None
    candidates: frozenset[int] | None = None
    lists: list[FoundList] = field(default_factory=list)
    mentions: dict[int, list[_Mention]] = field(default_factory=dict)


class _Literals:
    """Where each required literal occurs in a text (one Aho-Corasick pass), and what that gives a pattern:
    the sentences to scan, or the positions to try a regex at."""

    def __init__(self, automaton, text: _Text):
        self.text = text
        self.starts: dict[str, list[int]] = {}  # literal -> its start offsets, ascending
        if len(automaton):
            starts = self.starts
            for end, (lit, length) in automaton.iter(text.lower):
                if lit in starts:
                    starts[lit].append(end - length + 1)
                else:
                    starts[lit] = [end - length + 1]
        self.present = frozenset(self.starts)

    def sentences(self, literals: frozenset[str]) -> list[int]:
        """The sentences (indices, ascending) holding one of the literals' starts."""
        sentence_starts = self.text.sentence_starts
        return sorted({bisect.bisect_right(sentence_starts, p) - 1
                       for lit in literals & self.present for p in self.starts[lit]})

    def positions(self, literals: frozenset[str]) -> list[int]:
        """Where any of the literals starts, ascending, each place once (literals can start at the same one)."""
        lists = [self.starts[lit] for lit in literals & self.present]
        if len(lists) == 1:
            return lists[0]
        return sorted(set().union(*lists))


def _automaton(literals: set[str]):
    """An Aho-Corasick automaton of the patterns' required literals (one scan of a text finds all present)."""
    automaton = ahocorasick.Automaton()
    for lit in literals:
        automaton.add_word(lit, (lit, len(lit)))
    if literals:
        automaton.make_automaton()
    return automaton


_NON_SPACE = re.compile(r"\S+")
_SCAN_POINTS = re.compile(r"\b\w|[^\w\s]")
# a sentence ends at . ! ? before a capital or a digit, or, where the space is missing ("in October 2016.On 1-12-17,
# she"), before a capitalized word
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[\"'(]?[A-Z0-9])|(?<=[a-z0-9]{2}[.!?])(?=[A-Z][a-z]+\b)")


def _word(phrase: str) -> str:
    """Triggers match whole words (a phrase starting or ending in punctuation is left as written)."""
    head = r"\b" if phrase[:1].isalnum() else ""
    tail = r"\b" if phrase[-1:].isalnum() else ""
    return f"{head}(?:{phrase}){tail}"


MAX_SENTENCE = 1_500  # characters; real sentences stay under 700 (the corpus's longest is 681)


def _cap_sentences(norm: str, starts: list[int]) -> list[int]:
    """Sentence starts with a break forced (at a space) inside any run longer than MAX_SENTENCE, so text without
    sentence ends (a dump, a table) cannot make every mention look at the whole text."""
    out: list[int] = []
    for start, end in zip(starts, starts[1:] + [len(norm)]):
        out.append(start)
        while end - out[-1] > MAX_SENTENCE:
            cut = norm.rfind(" ", out[-1] + 1, out[-1] + MAX_SENTENCE)
            out.append(cut + 1 if cut > out[-1] else out[-1] + MAX_SENTENCE)
    return out


def _reaches(norm: str, a: int, b: int, stops: list[int], window: int) -> bool:
    """A trigger reaches from a to b: within `window` words and no termination in between."""
    return norm.count(" ", a, b) <= window and not any(a <= s < b for s in stops)


def _applies(codes: list[str] | None, treatment: str | None, scope: str) -> bool:
    if codes is None:
        return scope == "case" or treatment is not None
    return treatment in codes


def _number(raw: str) -> float | None:
    raw = raw.strip().lower()
    try:
        return float(raw)
    except ValueError:
        return NUMBER_WORDS.get(raw)


def _care_given(pattern: Pattern, care_lists: dict[str, frozenset[str]]) -> bool:
    """Whether the text holds one of the pattern's lists naming care given (of its `with_care` kinds, if any)."""
    wanted = set(pattern.with_care or ())
    return any(name in care_lists and (not wanted or care_lists[name] & wanted) for name in pattern.with_list or ())


def _convert(pattern: Pattern, m: re.Match, ftype: FactType, level_kind: str | None = None) -> Any:
    raw = m.group(pattern.capture) or ""
    convert = pattern.convert or ("levels" if ftype is FactType.LEVELS else "number")
    if convert == "levels":
        # a dermatome or myotome finding names roots: 'decreased sensation in the L5-S1 distribution' is L5 and S1,
        # 'L4-S1' the roots L4, L5 and S1, never the disc levels between them
        return levels_as(find_levels(raw), level_kind if level_kind == "root" else None) or None
    if convert == "count_dates":
        return len(DATE_RE.findall(raw)) or None
    if convert == "weeks":
        n = _number(m.group("n") or "")
        unit = (m.group("unit") or "").lower().rstrip("s")
        return None if n is None or unit not in WEEKS_PER_UNIT else round(n * WEEKS_PER_UNIT[unit], 1)
    n = _number(raw)
    if n is None:
        return None
    return int(n) if ftype is FactType.INTEGER else n


def _since(m: re.Match, text: _Text, convert: str, hits: list[tuple[int, int, Any]],
           until_date: str = "reference") -> tuple[float, str] | None:
    """_since_uncached, worked out once per match (the value and the note of a mention both need it)."""
    key = (m.re, m.span(), convert, until_date)
    if key not in text._since:
        text._since[key] = _since_uncached(m, text, convert, hits, until_date)
    return text._since[key]


def _since_uncached(m: re.Match, text: _Text, convert: str, hits: list[tuple[int, int, Any]],
                    until_date: str = "reference") -> tuple[float, str] | None:
    """Weeks (months for months_since) from the date of group `date` to the date of group `until` when it
    matched, else to the text's reference date, with a note saying how. When group `date` takes no part in the
    match: the date of service in effect ("On 10/27/2016, ... The patient was prescribed naproxen"). A relative
    date ("3 months ago", "for the past year") counts back from the date of service in effect when there is one,
    else from the reference date. Nothing without a reference date, nor for a date after the end (what followed
    the request does not say how long before it it began)."""
    reference = text.reference
    s_start, _ = text.sentence(m.start())
    service = _service_date(text, m.start(), hits)
    anchor = service[0].date if service and (reference is None or service[0].date <= reference) else reference
    start = service if m.group("date") is None else _date_in(m, "date", text, s_start, anchor)
    has_until = "until" in m.re.groupindex and m.group("until") is not None
    until = _date_in(m, "until", text, s_start, anchor) if has_until else None
    if start is None or (has_until and until is None) or (not has_until and reference is None):
        return None
    end = until[0].date if until else reference
    to_form = (until is None and until_date == "request_form" and text.request_form is not None
               and start[0].date <= text.request_form <= end)
    end = text.request_form if to_form else end
    if end < start[0].date:  # after the request (or an interval backwards): not a time the record gives
        return None
    unit = "months" if convert == "months_since" else "weeks"
    value = (months_between if unit == "months" else weeks_between)(start[0].date, end)
    counted = f" from {anchor.isoformat()}" if start[0].relative and anchor != reference else ""
    to = (f"{until[1]!r} ({end.isoformat()})" if until else f"the request for authorization {end.isoformat()}"
          if to_form else f"the reference date {end.isoformat()}")
    said = f"{start[1]!r}" if m.group("date") is not None else f"the date of service {start[1]!r}"
    return value, f"{said}{counted} = {start[0].date.isoformat()}, {value:g} {unit} to {to}"


# what every day-precise date (dates.py: 1/2/14, 2014-01-02, Jan. 2nd, 2014) contains, to skip sentences without
_MAYBE_FULL_DATE = re.compile(r"\d[/-]\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d", re.IGNORECASE)
SERVICE_LOOKBACK = 6  # sentences a date of service ("On 10/27/2016, the patient ...") stays in effect for


def _service_date(text: _Text, pos: int, hits: list[tuple[int, int, Any]]) -> tuple[FoundDate, str] | None:
    """The date of service in effect at a position: the one its sentence opens, else the one the nearest earlier
    sentence with a full date opens (dates.service_date), looking back SERVICE_LOOKBACK sentences. None when that
    sentence is UR/IMR language or its date is not a visit's (an injury, an operation)."""
    starts = text.sentence_starts
    i = bisect.bisect_right(starts, pos) - 1
    if i not in text._service:  # the same for every position in the sentence
        text._service[i] = _service_date_of(text, i, hits)
    return text._service[i]


def _service_date_of(text: _Text, i: int, hits: list[tuple[int, int, Any]]) -> tuple[FoundDate, str] | None:
    starts = text.sentence_starts
    for j in range(i, max(-1, i - SERVICE_LOOKBACK - 1), -1):
        start, end = starts[j], starts[j + 1] if j + 1 < len(starts) else len(text.norm)
        sentence = text.norm[start:end]
        if j not in text._full_date:  # a full date needs digits in its form: most sentences have none
            text._full_date[j] = _MAYBE_FULL_DATE.search(sentence) is not None and any(
                not d.relative and d.precision == "day" for d in find_dates(sentence, text.reference))
        if not text._full_date[j]:
            continue
        lo = bisect.bisect_left(hits, (start,))
        hi = bisect.bisect_left(hits, (end,), lo)
        if any(isinstance(kind, Trigger) and kind.category == "administrative" for _, _, kind in hits[lo:hi]):
            return None
        found = service_date(sentence, text.reference)
        return (found, sentence[found.start:found.end]) if found else None
    return None


def _date_in(m: re.Match, group: str, text: _Text, s_start: int,
             anchor: dt.date | None) -> tuple[FoundDate, str] | None:
    """The date a matched group gives (read with the words just before it: "since 2014", "in 2013"), and its text."""
    g_start, g_end = m.span(group)
    if g_start < 0 or g_start == g_end:
        return None
    w_start = max(s_start, g_start - 16)
    for d in find_dates(text.norm[w_start:g_end], anchor):
        if w_start + d.end > g_start:
            return d, text.norm[max(g_start, w_start + d.start):w_start + d.end]
    return None


def _outermost(found: list[_Mention]) -> list[_Mention]:
    """The mentions that are not the tail of a longer one of another value: "no improvement with chiropractic care"
    is one statement (care that failed), not also the "improvement with chiropractic care" it ends with. (A
    mention inside another that goes on past it is a statement of its own: "cleared to return to full duty as
    of 12/01" holds "full duty", and the fact's policy decides between them.)"""
    return [x for x in found if not any(
        y.text is x.text and y.pos < x.pos and y.end == x.end and y.value != x.value for y in found)]


def _resolve(rule: FactRule, ftype: FactType, found: list[_Mention]) -> tuple[Any, _Mention] | None:
    """Apply the conflict policy to the outermost mentions; they are in pattern order, so sort by position first."""
    found = sorted(_outermost(found) if len(found) > 1 else found, key=lambda x: x.pos)
    policy = rule.resolve or {FactType.BOOL: "true_wins", FactType.LEVELS: "union"}.get(ftype, "last")
    if policy == "true_wins":
        positive = [x for x in found if x.value is True]
        return (True, positive[0]) if positive else (found[-1].value, found[-1])
    if policy == "union":
        levels: list[str] = []
        for x in found:
            levels += [lvl for lvl in (x.value if isinstance(x.value, list) else [x.value]) if lvl not in levels]
        best = max(found, key=lambda x: len(x.value) if isinstance(x.value, list) else 1)
        return levels, best
    if policy == "max":
        best = max(found, key=lambda x: x.value)
        return best.value, best
    return found[-1].value, found[-1]


def _quote_span(text: _Text, pos: int) -> tuple[int, int]:
    """The sentence holding the match, or the part of it around the match when the sentence is long."""
    start, end = text.sentence(pos)
    if text.bodies.get(start, end) < end:  # "SUBJECTIVE COMPLAINTS: ..." is quoted from after its heading
        start = text.bodies[start]
    if end - start > QUOTE_MAX:
        start = max(start, pos - QUOTE_MAX // 2)
        end = min(end, start + QUOTE_MAX)
        start = text.norm.rfind(" ", 0, start) + 1 if start > 0 and text.norm[start - 1] != " " else start
    while end > start and text.norm[end - 1] == " ":
        end -= 1
    return start, end


def _extracted(name: str, value: Any, mention: _Mention) -> Extracted:
    text = mention.text
    start, end = mention.quote
    original_end = text.original(end - 1) + 1 if end > start else text.original(start)
    return Extracted(name=name, value=value, quote=text.norm[start:end], source=SOURCES[text.source],
                     start=text.original(start), end=original_end, note=mention.note,
                     section=text.section(mention.pos))
