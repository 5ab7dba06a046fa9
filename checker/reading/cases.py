"""Case files (cases/*.yaml): patient, diagnoses, tri-state facts with evidence, and the requested items.

A fact is documented true, documented false, or not documented (absent, or written as null). A
documented fact may carry its evidence: a short quote and where it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from checker.errors import InputError, InputErrors
from checker.reading.inputs import display_path
from checker.ruleset.facts import FactVocabulary, coerce_value
from checker.ruleset.treatments import TreatmentVocabulary
from checker.yamlio import load_yaml, validate

if TYPE_CHECKING:
    from checker.reading.extraction import Extractor
    from checker.reading.letters import Letter
    from checker.ruleset.rules import Catalog

Outcome = Literal["upheld", "overturned"]


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote: str = Field(min_length=3)
    source: str = Field(min_length=3, description="where the quote is from, e.g. 'clinical case summary'")
    note: str | None = None  # how the value follows from the quote when it is not stated there (a closed list)
    section: str | None = None  # the part of the record the quote is in (history, examination, plan...)


class FactEntry(BaseModel):
    """A documented fact value with optional evidence."""

    model_config = ConfigDict(extra="forbid")

    value: Any
    evidence: Evidence | None = None


def _facts_validator(allowed_sources: tuple[str, ...], what: str):
    def check(value: dict[str, Any], info: ValidationInfo) -> dict[str, FactEntry]:
        vocab: FactVocabulary | None = (info.context or {}).get("vocabulary")
        out: dict[str, FactEntry] = {}
        for name, raw in (value or {}).items():
            if vocab is not None:
                if name not in vocab:
                    raise ValueError(vocab.unknown(name))
                if vocab[name].source not in allowed_sources:
                    raise ValueError(f"{name!r} is a {vocab[name].source} fact and cannot be given as {what}")
            if raw is None:  # written as null: explicitly not documented
                continue
            entry = FactEntry.model_validate(raw) if isinstance(raw, dict) and "value" in raw else FactEntry(value=raw)
            if entry.value is None:
                continue
            if vocab is not None:
                try:
                    entry.value = coerce_value(vocab[name], entry.value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            out[name] = entry
        return out
    return check


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(default=None, ge=0, le=120)
    sex: Literal["male", "female"] | None = None
    date_of_injury: dt.date | None = None


class Dates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: dt.date | None = None
    ur_decision: dt.date | None = None
    imr_decision: dt.date | None = None


class GuidelinesCited(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims_administrator: str | None = None
    imr: str | None = None
    imr_based_on_mtus: bool | None = None


class ReviewerReason(BaseModel):
    """A reason the IMR reviewer gave, mapped by hand to the criterion it corresponds to."""

    model_config = ConfigDict(extra="forbid")

    criterion: str = Field(pattern=r"^[A-Z]{2,6}-\d{3}$")
    quote: str = Field(min_length=5)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str = Field(min_length=1)
    number: int | None = Field(default=None, ge=1, description="the item's number in its letter (when an earlier "
                               "item could not be read, the numbers still follow the letter)")
    treatment: str | None = None
    attributes: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    ur_decision: Literal["denied", "modified", "certified"] | None = None
    outcome: Outcome | None = None
    guidelines_cited: GuidelinesCited | None = None
    reviewer_reasons: list[ReviewerReason] = []
    original_request: str | None = None
    rationale: str | None = Field(default=None, description="the reviewer's rationale: read for the audit's "
                                  "reason agreement only, never for the prediction")

    _attributes = field_validator("attributes")(_facts_validator(("request",), "a request attribute"))
    _facts = field_validator("facts")(_facts_validator(("clinical",), "an item fact"))

    @field_validator("treatment")
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        tv: TreatmentVocabulary | None = (info.context or {}).get("treatments")
        if value is not None and tv is not None and value not in tv.treatments:
            raise ValueError(tv.unknown_code(value))
        return value


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str = Field(min_length=1)
    letter: str | None = None
    patient: Patient = Patient()
    diagnoses: list[str] = []
    dates: Dates = Dates()
    reviewer_specialty: str | None = None
    facts: dict[str, Any] = {}
    items: list[Item] = Field(min_length=1)
    warnings: list[str] = Field(default=[], description="what could not be read (an item left out, a section "
                                "missing); the rest of the case is checked")

    _facts = field_validator("facts")(_facts_validator(("clinical",), "a case fact"))

    def request_date(self) -> dt.date | None:
        """The date that picks the guideline edition: date of service, else the UR decision date."""
        return self.dates.service or self.dates.ur_decision


def load_case(path: str | Path, vocabulary: FactVocabulary, treatments: TreatmentVocabulary) -> Case:
    """Load and validate one case file; InputErrors lists every problem, each naming the file, field and line."""
    return case_from_data(load_yaml(path), vocabulary, treatments, path)


def case_from_data(data: Any, vocabulary: FactVocabulary, treatments: TreatmentVocabulary,
                   source: str | Path = "<case>") -> Case:
    """A case from the fields of a case file given as data (a parsed file, a JSON request body)."""
    if not isinstance(data, dict):
        raise InputError(source, "a case file is a mapping with `case:` and `items:`")
    return validate(Case, data, source, {"vocabulary": vocabulary, "treatments": treatments})


# ---- cases from letters -------------------------------------------------------------------------------

_AGE_SEX = re.compile(r"\b(\d{1,3})[- ](?:year|yr)s?[- ]old,? (male|female|man|woman|gentleman|lady)\b", re.I)
_SEX = {"male": "male", "man": "male", "gentleman": "male", "female": "female", "woman": "female", "lady": "female"}


def _at_request(facts: dict[str, dict], injury: dt.date | None, form: dt.date | None) -> dict[str, Any]:
    """The case's fact values with the weeks since the injury counted to the request for authorization when the
    summary dates it (what a veto compares: a strain 5 weeks old at the request is acute though UR decided at 7)."""
    values = {name: entry["value"] for name, entry in facts.items()}
    if injury and form and form >= injury and "weeks_since_injury" in values:
        values["weeks_since_injury"] = round((form - injury).days / 7, 1)
    return values


def case_from_letter(letter: "Letter", extractor: "Extractor", treatments: TreatmentVocabulary,
                     vocabulary: FactVocabulary) -> Case:
    """Build a case from a parsed letter: facts come from the clinical case summary and each item's
    request text only, dates read against the request's date (the UR decision, else the IMR decision).
    Outcomes, guideline lines and rationales are carried for comparison and the audit, and never reach
    the extractor."""
    from checker.reading.requests import normalize_request

    patient: dict[str, Any] = {"date_of_injury": letter.dates.get("injury")}
    m = _AGE_SEX.search(letter.summary)
    if m and int(m.group(1)) <= 120:
        patient.update(age=int(m.group(1)), sex=_SEX[m.group(2).lower()])
    dates = {"ur_decision": letter.dates.get("ur_denial"), "imr_decision": letter.dates.get("decision")}
    injury, request_day = patient["date_of_injury"], dates["ur_decision"] or dates["imr_decision"]

    case_facts = _fact_entries(extractor.extract(letter.summary, "", None, scope="case", reference_date=request_day),
                               vocabulary, "case")
    if injury and request_day and request_day >= injury and "weeks_since_injury" in vocabulary:
        case_facts["weeks_since_injury"] = {
            "value": round((request_day - injury).days / 7, 1),
            "evidence": {"quote": f"date of injury {injury.isoformat()}; request decided {request_day.isoformat()}",
                         "source": "letter dates"}}
    at_request = _at_request(case_facts, injury, extractor.request_form(letter.summary, request_day))
    for name in extractor.vetoed(at_request):
        del case_facts[name]  # ruled out by the letter's dates (an injury long ago: not an acute strain)
    items = []
    warnings = list(letter.warnings)
    context = {"vocabulary": vocabulary, "treatments": treatments}
    requests = [(it.index, it.request, normalize_request(it.request, treatments)) for it in letter.items]
    across = _across_items(requests, treatments, vocabulary, extractor)
    for name, entry in across.get(None, {}).items():
        case_facts.setdefault(name, entry)
    for it, (_, _, parsed) in zip(letter.items, requests):
        code = parsed.code
        facts = {**across.get(it.index, {}),
                 **_fact_entries(extractor.extract(letter.summary, it.request, code, scope="item",
                                                   reference_date=request_day), vocabulary, "item")}
        for name in extractor.vetoed({**at_request, **{n: e["value"] for n, e in facts.items()}}):
            facts.pop(name, None)  # an item fact ruled out by another documented value (vetoed_by), as a case fact is
        attributes = _partially_certified(it.request, it.original_request, parsed, facts, treatments, vocabulary)
        item = {
            "request": it.request,
            "number": it.index,
            "attributes": attributes,
            "facts": facts,
            "ur_decision": "modified" if it.original_request else None,
            "outcome": it.outcome,
            "original_request": it.original_request,
            "guidelines_cited": {"claims_administrator": it.claims_administrator_guideline,
                                 "imr": it.maximus_guideline, "imr_based_on_mtus": it.based_on_mtus},
            "rationale": it.rationale,
        }
        try:
            validate(Item, item, letter.path, context)
        except InputErrors as exc:  # one unreadable item costs that item only
            warnings.append(f"item {it.index} ({it.header[:60]!r}) not read: {exc.detail()}")
            continue
        items.append(item)
    if not items:
        raise InputError(letter.path, "no readable items: " + "; ".join(warnings))
    data = {"case": letter.case_number or display_path(Path(letter.path).stem), "letter": display_path(letter.path),
            "patient": patient, "dates": dates, "reviewer_specialty": ", ".join(letter.specialty) or None,
            "facts": case_facts, "items": items, "warnings": warnings}
    return validate(Case, data, letter.path, context)


def _partially_certified(request: str, original: str | None, parsed: Any, facts: dict[str, Any],
                         treatments: TreatmentVocabulary, vocabulary: FactVocabulary) -> dict[str, Any]:
    """What a partial certification documents about the visits in dispute (their request attributes; `facts` is
    updated in place). When utilization review certified some visits of a counted therapy request and the letter
    disputes the rest ("Physical therapy eight sessions was the original request ... the remaining IMR eligible
    portion, two sessions"), the visits in dispute come after the certified ones: they continue that course
    (`requested_continuation`, so its continuation criteria apply), and the course if they are granted is the
    whole original request plus any visits already completed (`course_visits_total`, unless a larger total is
    documented)."""
    if not original or parsed.code is None:
        return {}
    grammar = treatments.lexicon.grammar
    families = {f for p in grammar.patterns if p.fact == "requested_continuation" for f in p.families}
    treatment = treatments.treatments.get(parsed.code)
    if treatment is None or (families and treatment.family not in families):
        return {}
    from checker.reading.requests import normalize_request
    whole = normalize_request(original, treatments)
    asked, disputed = whole.attributes.get("requested_count"), parsed.attributes.get("requested_count")
    if whole.code != parsed.code or not asked or not disputed or asked <= disputed:
        return {}
    certified = asked - disputed
    quote = f"{original} was the original request; the IMR eligible portion: {request}"
    source = "this letter's item header (partial certification)"
    out = {}
    if "requested_continuation" in vocabulary:
        out["requested_continuation"] = {"value": True, "evidence": {
            "quote": quote, "source": source,
            "note": f"{certified} of the {asked} visits certified by utilization review; the {disputed} in dispute "
                    "come after them"}}
    if "course_visits_total" in vocabulary:
        completed = facts.get("prior_sessions_completed", {}).get("value") or 0
        total = asked + completed
        if total > (facts.get("course_visits_total", {}).get("value") or 0):
            facts["course_visits_total"] = {"value": total, "evidence": {
                "quote": quote, "source": source,
                "note": f"{certified} certified + {disputed} in dispute" + (f" + {completed} completed" if completed
                                                                            else "")}}
    return out


def _across_items(requests: list[tuple[int, str, Any]], treatments: TreatmentVocabulary,
                  vocabulary: FactVocabulary, extractor: "Extractor") -> dict[int | None, dict[str, Any]]:
    """Facts one disputed item documents for the others (key None: case facts), under the extracted ones.

    A letter disputes exactly what utilization review denied. So a surgical service (pre- or post-operative,
    assistant surgeon) has its operation in dispute when the letter also requests an operation, and not in
    dispute otherwise; and a treatment's `establishes` facts (rules/treatments) hold for the case (case facts)
    or for the letter's surgical services that read them (item facts): a co-requested opioid is an opioid being prescribed,
    a co-requested rotator cuff repair is the operation its post-operative therapy is for."""
    out: dict[int | None, dict[str, Any]] = {}
    codes = {n: parsed.code for n, _, parsed in requests if parsed.code in treatments.treatments}
    services = [n for n, _, parsed in requests if parsed.parse.get("surgical_service")
                or (n in codes and treatments.treatments[codes[n]].family == "surgical_service")]
    surgeries = [(n, text) for n, text, _ in requests
                 if n in codes and treatments.treatments[codes[n]].family == "surgery" and n not in services]
    listed = "; ".join(f"{n}: {text}" for n, text, _ in requests)
    if "associated_surgery_in_dispute" in vocabulary:
        for n in services:
            others = [(m, text) for m, text in surgeries if m != n]
            quote = ("; ".join(f"item {m}: {text}" for m, text in others) if others
                     else f"the items in dispute: {listed}")
            out.setdefault(n, {})["associated_surgery_in_dispute"] = {
                "value": bool(others), "evidence": {"quote": quote, "source": "this letter's requests",
                                                    **({} if others else {"note": "no operation is among them"})}}
    for m, text, _ in requests:
        if m not in codes:
            continue
        for name, value in treatments.treatments[codes[m]].establishes.items():
            entry = {"value": coerce_value(vocabulary[name], value),
                     "evidence": {"quote": f"item {m}: {text}", "source": "this letter's requests",
                                  "note": "requested in this letter (in dispute)"}}
            targets = [None] if vocabulary[name].scope == "case" else [
                n for n in services if n != m and extractor.reads_for(name, codes.get(n))]
            for n in targets:
                out.setdefault(n, {}).setdefault(name, entry)
    return out


def case_to_yaml_data(case: Case) -> dict[str, Any]:
    """A case as plain data for a YAML case file (what `imrcheck ingest` writes for a person to correct)."""
    def facts(entries: dict[str, FactEntry]) -> dict[str, Any]:
        return {name: e.model_dump(mode="json", exclude_none=True) for name, e in entries.items()}

    data = case.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["facts"] = facts(case.facts)
    for item, out in zip(case.items, data["items"]):
        if item.facts:
            out["facts"] = facts(item.facts)
    return data


def case_from_note(case_id: str, note: str, request: str, treatment: str, extractor: "Extractor",
                   catalog: "Catalog", date: dt.date | None = None) -> Case:
    """A one-item case from a treating office's progress note, with the facts the extractor finds in it. The
    note's date of service (`date`, else the one the note gives, else today) is the date its dates are read
    against, and the case's date of service."""
    dated = extractor.note_date(note)
    date = date or (dated.date if dated else None)
    found = extractor.extract(note, request, treatment, reference_date=date or dt.date.today())
    for name in extractor.vetoed({name: x.value for name, x in found.items()}):
        del found[name]
    vocab = catalog.vocabulary
    data = {"case": case_id, "dates": {"service": date},
            "facts": _fact_entries(found, vocab, "case", "progress note"),
            "items": [{"request": request, "treatment": treatment,
                       "facts": _fact_entries(found, vocab, "item", "progress note")}]}
    return validate(Case, data, case_id, {"vocabulary": vocab, "treatments": catalog.treatments})


def _fact_entries(found: dict, vocabulary: FactVocabulary, scope: str, source: str | None = None) -> dict[str, Any]:
    """Extracted clinical facts of one scope as case-file entries with their evidence."""
    return {name: {"value": x.value, "evidence": {"quote": x.quote, "source": source or x.source,
                                                  **({"note": x.note} if x.note else {}),
                                                  **({"section": x.section} if x.section else {})}}
            for name, x in found.items() if vocabulary[name].source == "clinical" and vocabulary[name].scope == scope}
