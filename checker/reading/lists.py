"""Closed lists in a clinical summary: the treatment to date, the current medications, the diagnoses.

A reviewer reads "Treatment to date has included medications and chiropractic care" as the whole of the
treatment so far: physical therapy is documented absent (a first course), not merely unmentioned. A list is
found by its cue (rules/extraction/lists.yaml, `lists:`), runs to the end of its sentence, and is split into
elements, each read by the request grammar (so "PT", "chiropractic care", "Norco 10/325" get their codes,
families, procedures, ingredients and classes from the same lexicon as requests). A list that trails off
("including but not limited to", "among others", "etc.") is open: it documents what it names, never an absence.
An element that is negated ("no physical therapy") documents that treatment absent.

A fact reads a list through its `from_list` entry (FactRule.from_list): `present_if` says which elements count
(procedures, families, codes, drug classes, or the requested treatment itself), `present_value` is the value
when one does, `absent_value` when a closed list has none. Patterns win: a list only fills a fact the patterns
left undocumented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checker.reading.requests import NormalizedRequest, normalize_request
from checker.ruleset.regexes import checked
from checker.ruleset.lexicon import ProcedureKind
from checker.ruleset.treatments import TreatmentVocabulary

ListKind = Literal["treatments", "medications", "diagnoses"]
# What care an element names: a procedure kind of the request lexicon, a drug, or care in general words only
# ("treatment", "care"), or conservative care in those words. Pattern.with_care asks for some of these.
CareKind = Literal[ProcedureKind, "medication", "conservative", "general"]
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bas well as\b|\bplus\b)\s*", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+")
_NEGATED = re.compile(r"^(?:no|not|without|never|denies|denied)\b", re.IGNORECASE)
_NOT_GIVEN = re.compile(r"^(?:was |were |is |are )?(?:not|none|unknown|unavailable|n/a)\b", re.IGNORECASE)
_OPEN = re.compile(r"\b(?:not limited to|among others|etc\b|and others|and other|such as|for example|e\.g\b|"
                   r"unspecified|various)", re.IGNORECASE)


class ListSpec(BaseModel):
    """One kind of list: the phrases that open it."""

    model_config = ConfigDict(extra="forbid")

    kind: ListKind
    cues: list[str] = Field(min_length=1)  # regexes; the list is the rest of the sentence after the cue
    open_words: list[str] = []  # an element of only general words ("therapy", "medications") leaves it open
    # The request-lexicon procedure kinds (therapy, injection...) whose element names care given; a drug
    # (kind `medication`), or an element of only general words with one of `care_words` (kind -> words:
    # "injections", "medications"), names care too. Empty: the list never names care.
    care: list[ProcedureKind] = []
    care_words: dict[CareKind, list[str]] = {}
    # An open list documents what it names and never an absence ("He received injections and chiropractic care"
    # names care given; it need not be all of it).
    closed: bool = True
    # Elements that are no care given although they name a treatment: a request or an authorization ("additional
    # physical therapy 2x4 that was noncertified", "4 treatments through this particular request"). Regexes.
    not_elements: list[str] = []
    # Counts that are no visits given: a frequency in a treatment list ("physical therapy (2x6)" may be the course
    # prescribed or authorized, not the visits had). Regexes on the element.
    not_counts: list[str] = []

    @field_validator("cues", "not_elements", "not_counts")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for v in values:
            checked(v)
        return values

    @cached_property
    def general_words(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.open_words)

    @cached_property
    def care_by_word(self) -> dict[str, str]:
        return {w.lower(): kind for kind, words in self.care_words.items() for w in words}

    @cached_property
    def skipped(self) -> re.Pattern | None:
        return _union(self.not_elements)

    @cached_property
    def uncounted(self) -> re.Pattern | None:
        return _union(self.not_counts)


def _union(regexes: list[str]) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{v})" for v in regexes), re.IGNORECASE) if regexes else None


class Match(BaseModel):
    """Which elements of a list count for a fact."""

    model_config = ConfigDict(extra="forbid")

    procedures: list[str] = []    # request-lexicon procedure names (home_exercise_program, physical_therapy)
    families: list[str] = []      # treatment families (physical_medicine)
    codes: list[str] = []         # treatment codes
    drug_classes: list[str] = []  # drug-lexicon classes (nsaid, opioid_short_acting)
    requested: bool = False       # the requested treatment itself (same code, or a drug sharing an ingredient)


class FromList(BaseModel):
    """How a fact is read from a list when its patterns found nothing."""

    model_config = ConfigDict(extra="forbid")

    list: str
    also_lists: list[str] = []  # other lists whose elements count too (they name; only `list` documents an absence)
    for_families: list[str] = []  # item facts: only when the requested treatment is of these families
    present_if: Match
    present_value: Any = None  # None: a listed element documents nothing (e.g. a count the list does not give)
    absent_value: Any = None   # None: a closed list without the element documents nothing
    # The value is the count the request grammar reads in the element ("12 sessions of physical therapy",
    # "physical therapy 2x6", "eight chiropractic visits", "acupuncture (6)"): care given, counted as requests are.
    count: bool = False

    @model_validator(mode="after")
    def _one_present_value(self) -> "FromList":
        if self.count and self.present_value is not None:
            raise ValueError("give `present_value` or `count: true`, not both")
        return self


@dataclass
class Element:
    text: str
    negated: bool
    parsed: NormalizedRequest
    counted: bool = True  # the grammar's count is a count of care given (ListSpec.not_counts)


@dataclass
class FoundList:
    name: str
    kind: ListKind
    start: int                 # the sentence, in the summary's normalized text
    end: int
    cue: tuple[int, int]       # the cue's span ("received"), judged by the context triggers as a mention is
    closed: bool
    elements: list[Element] = field(default_factory=list)
    care: frozenset[str] = frozenset()  # the care kinds its elements name (ListSpec.care): a trial, for persistence


def find_lists(sentences: list[tuple[int, int, frozenset[str] | None]], norm: str, lower: str,
               specs: dict[str, ListSpec], compiled: dict[str, re.Pattern],
               treatments: TreatmentVocabulary) -> list[FoundList]:
    """Every list sentence of the summary (cues matched in the lower-cased text), its elements read by the
    request grammar. Each sentence comes with the lists whose cues it can hold (None: any)."""
    out = []
    for start, end, cued in sentences:
        for name, spec in specs.items():
            if cued is not None and name not in cued:
                continue
            m = compiled[name].search(lower, start, end)
            if m is None:
                continue
            body = norm[m.end():end].strip(" :.")
            if _NOT_GIVEN.match(body):  # "current medication regimen was not provided": no list at all
                continue
            found = FoundList(name, spec.kind, start, end, m.span(), closed=spec.closed and not _OPEN.search(body))
            for raw in _SPLIT.split(body):
                text = raw.strip(" .:()")
                if len(text) < 2 or (spec.skipped is not None and spec.skipped.search(text)):
                    continue
                negated = bool(_NEGATED.match(text))
                parsed = normalize_request(text, treatments)
                words = set(_WORDS.findall(text.lower())) if not parsed.parse.get("heads") else set()
                if spec.general_words & words:
                    found.closed = False  # "therapy", "injections": which ones is not said
                if spec.care and not negated:
                    found.care |= {spec.care_by_word[w] for w in words if w in spec.care_by_word} | _care_named(
                        parsed, spec.care, treatments)
                counted = spec.uncounted is None or not spec.uncounted.search(text)
                found.elements.append(Element(text, negated, parsed, counted))
            if found.elements:
                out.append(found)
    return out


def _care_named(parsed: NormalizedRequest, kinds: list[str], treatments: TreatmentVocabulary) -> set[str]:
    """The care kinds an element the grammar read names: its procedures of these kinds, and `medication` for a
    drug (an MRI is a study, not care)."""
    procedures = treatments.lexicon.procedures
    named = {procedures[h["name"]].kind for h in parsed.parse.get("heads", [])
             if h["kind"] == "procedure" and h["name"] in procedures and procedures[h["name"]].kind in kinds}
    return named | ({"medication"} if parsed.parse.get("ingredients") else set())


def element_matches(element: Element, match: Match, treatments: TreatmentVocabulary,
                    requested: NormalizedRequest | None) -> bool:
    parsed = element.parsed
    codes = [p["code"] for p in parsed.parse.get("parts") or []] or ([parsed.code] if parsed.code else [])
    heads = [h["name"] for h in parsed.parse.get("heads", [])] + list(parsed.parse.get("dependents", []))
    ingredients = parsed.parse.get("ingredients", [])
    drugs = treatments.lexicon.drugs
    classes = {drugs.ingredients[i].drug_class for i in ingredients if i in drugs.ingredients}
    if any(p in heads for p in match.procedures) or any(c in codes for c in match.codes):
        return True
    if match.families and any(treatments.treatments[c].family in match.families for c in codes
                              if c in treatments.treatments):
        return True
    if classes & set(match.drug_classes):
        return True
    if match.requested and requested is not None:  # the same drug, or the same procedure (its code or its head)
        wanted = set(requested.parse.get("ingredients", []))
        req_codes = [p["code"] for p in requested.parse.get("parts") or []] or [requested.code]
        if wanted:  # the same ingredient in the same kind of product (oral cyclobenzaprine is not the cream)
            return bool(wanted & set(ingredients)) and (not codes or not requested.code or requested.code in codes)
        req_heads = [h["name"] for h in requested.parse.get("heads", []) if h["kind"] == "procedure"]
        if _other_side(parsed.parse.get("side"), requested.parse.get("side")) and any(  # the left knee's, not the
                treatments.lexicon.sites[site].sided for site in requested.parse.get("sites", [])):  # right's
            return False
        return any(c in codes for c in req_codes if c) or any(h in heads for h in req_heads)
    return False


def _other_side(side: str | None, wanted: str | None) -> bool:
    """Whether an element names the side opposite the one the request names (left against right; the caller
    checks that the request's site has sides: a left and a right lumbar epidural are the same region's)."""
    return {side, wanted} == {"left", "right"}


def list_value(rule: FromList, lists: list[FoundList], treatments: TreatmentVocabulary,
               requested: NormalizedRequest | None) -> tuple[Any, FoundList, str] | None:
    """(value, the list it rests on, a note) for one fact, or None when the lists document nothing."""
    mine = [f for f in lists if f.name == rule.list or f.name in rule.also_lists]
    if not mine:
        return None
    named = False
    for found in mine:
        for element in found.elements:
            if element_matches(element, rule.present_if, treatments, requested):
                if element.negated:
                    if rule.absent_value is not None:
                        return rule.absent_value, found, f"the {_label(found)} says {element.text!r}"
                elif rule.count:
                    count = element.parsed.attributes.get("requested_count") if element.counted else None
                    if count:
                        return count, found, f"the {_label(found)} counts {element.text!r}"
                    named = True  # named without a count: another list may count it
                elif rule.present_value is not None:
                    return rule.present_value, found, f"the {_label(found)} names {element.text!r}"
                else:
                    return None  # named, but the list gives no value for it (a count, a date)
    if named:
        return None
    closed = [f for f in mine if f.closed and f.name == rule.list]
    if closed and rule.absent_value is not None:
        return rule.absent_value, closed[0], f"not in the {_label(closed[0])}, which is closed"
    return None


def _label(found: FoundList) -> str:
    return found.name.replace("_", " ") + " list"
