"""Evaluation: pick the deciding rule for each requested item, run an evaluator, explain the result.

The evaluator only answers true / false / not documented per check; everything a person reads (the
verdict per criterion, the facts it consulted with their evidence, the decision, the deciding guideline
and the receipt) is built here, the same way whichever evaluator ran.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from checker.evaluation.engine import Evaluator, Outcome, prepare
from checker.evaluation.verdicts import (
    VERDICT,
    Basis,
    Verdict,
    applicable,
    decide,
    decision_basis,
    is_blocking,
    unconfirmed_reason,
)
from checker.reading.cases import Case, Evidence, FactEntry, Item
from checker.reading.requests import normalize_request
from checker.ruleset.conditions import facts_of
from checker.ruleset.editions import CitedWindow, cited_window
from checker.ruleset.formulary import formulary_check
from checker.ruleset.rules import Catalog, Criterion, Rule
from checker.version import __version__


@dataclass
class FactUse:
    """A fact a criterion consulted: its value (None = not documented), origin and evidence."""

    name: str
    value: Any
    origin: str  # request | case | item | derived
    evidence: dict[str, str] | None = None
    inputs: list["FactUse"] = field(default_factory=list)  # for derived facts: what they were derived from


def consulted_leaves(uses: list[FactUse]):
    """The documented facts under a list of consulted facts, depth first (derived facts opened up)."""
    for f in uses:
        if f.inputs:
            yield from consulted_leaves(f.inputs)
        else:
            yield f


@dataclass
class CriterionResult:
    code: str
    title: str
    text: str
    role: str
    citation: str
    verdict: Verdict
    blocking: bool
    facts: list[FactUse]
    to_meet: str
    confirmed: bool
    notes: str | None = None
    applies: list[FactUse] = field(default_factory=list)  # the facts that made it apply (its applies_when)


@dataclass
class ItemResult:
    case: str
    index: int  # 1-based, in letter order
    request: str
    treatment: str | None
    attributes: dict[str, Any]
    rule: str | None
    guideline: str | None
    edition: str | None
    status: str | None
    selection: str
    criteria: list[CriterionResult]
    not_applicable: list[dict[str, str]]
    decision: Literal["certify", "non-certify"] | None
    predicted: Literal["overturned", "upheld"] | None
    actual: Literal["overturned", "upheld"] | None
    agree: bool | None
    reasons: list[str]
    status_citation: str | None
    receipt: dict[str, Any]
    derived: dict[str, bool | None] = field(default_factory=dict)
    what_if: dict[str, Any] | None = None  # see checker.whatif; filled when the Checker is asked to
    # why there is no prediction: the request's reason kind, no-rule-in-force, or criteria-unconfirmed (a rule
    # decides the treatment, but its criteria are all advisory: shown as guidance, see verdicts.decides)
    uncovered: str | None = None
    parse: dict[str, Any] = field(default_factory=dict)  # how the request was read (heads, sites, parts)
    formulary: dict[str, Any] | None = None  # a drug request's MTUS Drug Formulary status (ruleset.formulary)
    parts: list[dict[str, Any]] = field(default_factory=list)  # each code of a several-part request, decided
    # certified | not_medically_necessary | insufficient_documentation | criteria_unconfirmed (no prediction)
    decision_basis: Basis | None = None
    # an ancillary item whose operation is in dispute in the same case, decided as if it were certified:
    # {"item": N, "request": text} (item None when the operation is not among the items read)
    conditional_on: dict[str, Any] | None = None
    why_no_prediction: str | None = None  # in words, for an item without a prediction

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["item"] = data["request"]
        return data


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class Checker:
    """Evaluates case items against a catalog with one evaluator."""

    def __init__(self, catalog: Catalog, evaluator: Evaluator, what_if: bool = False):
        self.catalog = catalog
        self.evaluator = evaluator
        self.what_if = what_if
        self._windows: dict[tuple[str, ...], CitedWindow | None] = {}  # guideline lines cited -> their window

    def check_case(self, case: Case) -> list[ItemResult]:
        """Every item in letter order, each decided on its own (an ancillary item never follows the checker's
        decision on its surgery: see `_surgery_status`)."""
        return [self.check_item(case, i, item) for i, item in enumerate(case.items, start=1)]

    def _is_operation(self, item: Item) -> bool:
        """An operation, not a service for one (as `checker.reading.cases._across_items` reads a letter)."""
        normalized = normalize_request(item.request, self.catalog.treatments)
        code = item.treatment or normalized.code
        treatment = self.catalog.treatments.treatments.get(code) if code else None
        return treatment is not None and treatment.family == "surgery" and not normalized.parse.get("surgical_service")

    def _surgery_status(self, case: Case, index: int, item: Item,
                        facts: dict[str, tuple[FactEntry, str]]) -> tuple[FactEntry | None, dict[str, Any] | None]:
        """What an ancillary item (its rule reads `associated_surgery_certified`) takes as its surgery's status.

        A letter disputes only what utilization review denied. When the surgery is in dispute in the same case
        (`associated_surgery_in_dispute`, else an operation among the case's items), it has no status yet: the item
        is decided as if the surgery were certified, and the result says it is conditional on that item (whatever
        the record says of the surgery: that is the denial in dispute). When the surgery is not in dispute, it
        stands certified, unless the record documents its status. Otherwise nothing is assumed."""
        documented = facts.get("associated_surgery_certified")
        in_dispute = facts.get("associated_surgery_in_dispute")
        surgeries = [(other.number or n, other.request) for n, other in enumerate(case.items, start=1)
                     if (other.number or n) != index and self._is_operation(other)]
        if in_dispute is None and surgeries:
            quote = "; ".join(f"item {n}: {text}" for n, text in surgeries)
            in_dispute = (FactEntry(value=True, evidence=Evidence(quote=quote, source="this case's items")), "case")
        if in_dispute is None:
            return None, None
        entry, _ = in_dispute
        if entry.value is not True:
            if documented is not None:
                return None, None
            evidence = entry.evidence or Evidence(quote="associated_surgery_in_dispute = false", source="case file")
            note = ("the operation is not in dispute: a letter disputes only what utilization review denied, "
                    "so the operation it is for stands certified")
            return FactEntry(value=True, evidence=evidence.model_copy(update={"note": note})), None
        item_type = facts.get("associated_surgery_type")
        matching = [(n, text) for n, text in surgeries if item_type is not None
                    and self._establishes(text).get("associated_surgery_type") == item_type[0].value]
        n, text = (matching or surgeries or [(None, entry.evidence.quote if entry.evidence else None)])[0]
        where = f"item {n}: {text}" if n is not None else text or "associated_surgery_in_dispute = true"
        said = "" if documented is None else str(documented[0].value).lower()
        note = ("the operation is itself in dispute: this item is decided as if it were certified and stands or "
                "falls with it" + (f" (the record says {said}: the decision in dispute)" if said else ""))
        evidence = Evidence(quote=where, source="conditional on the operation in dispute", note=note)
        return FactEntry(value=True, evidence=evidence), {"item": n, "request": text}

    def _establishes(self, request: str) -> dict[str, Any]:
        code = normalize_request(request, self.catalog.treatments).code
        treatment = self.catalog.treatments.treatments.get(code) if code else None
        return dict(treatment.establishes) if treatment else {}

    def check_item(self, case: Case, index: int, item: Item) -> ItemResult:
        index = item.number or index  # the item's number in its letter
        normalized = normalize_request(item.request, self.catalog.treatments)
        if item.treatment is None and normalized.parts:
            return self._several(case, index, item, normalized)
        return self._one(case, index, item, item.treatment or normalized.code, normalized.attributes, normalized)

    def _several(self, case: Case, index: int, item: Item, normalized) -> ItemResult:
        """A request that names several codes (MRI of the cervical and lumbar spine) is certified only if every
        part is; the item shows the deciding part (the first not certified, one not medically necessary before one
        insufficiently documented; else the first) and lists them all."""
        results = [self._one(case, index, item, p.code, p.attributes, normalized) for p in normalized.parts]
        refused = sorted((r for r in results if r.decision == "non-certify"),
                         key=lambda r: r.decision_basis != "not_medically_necessary")
        undecided = [r for r in results if r.decision is None]
        deciding = refused[0] if refused else undecided[0] if undecided else results[0]
        deciding.parts = [{"code": r.treatment, "site": p.site, "rule": r.rule, "decision": r.decision,
                           "decision_basis": r.decision_basis, "reasons": r.reasons, "selection": r.selection}
                          for r, p in zip(results, normalized.parts)]
        if undecided and not refused:  # a part no rule decides: the whole request cannot be decided
            deciding.selection = f"part {deciding.treatment} undecided: {deciding.selection}"
        elif refused:
            deciding.selection += f"; decides the request: {len(refused)} of {len(results)} parts not certified"
        return deciding

    def _one(self, case: Case, index: int, item: Item, treatment: str | None, request_facts: dict[str, Any],
             normalized) -> ItemResult:
        attributes: dict[str, FactEntry] = {
            k: FactEntry(value=v, evidence=Evidence(quote=item.request, source="request text"))
            for k, v in request_facts.items()}
        attributes.update(item.attributes)  # what the case file states overrides what the text implies
        base = dict(case=case.case, index=index, request=item.request, treatment=treatment,
                    attributes={k: _jsonable(v.value) for k, v in attributes.items()},
                    actual=item.outcome, parse=normalized.parse)
        base["formulary"] = self._formulary(case, normalized)
        if treatment is None:
            return self._no_prediction(base, f"unknown treatment: {normalized.reason}",
                                       normalized.reason_kind or "no-code")
        day, dated_by = self._decision_day(case, treatment)
        rule, selection = self.catalog.select(treatment, day)
        if dated_by:
            selection += f" ({dated_by})"
        if rule is None:
            return self._no_prediction(base, selection,
                                       "no-rule-in-force" if self.catalog.rules_for(treatment) else "no-rule")

        facts: dict[str, tuple[FactEntry, str]] = {}
        for name, entry in case.facts.items():
            facts[name] = (entry, "case")
        for name, entry in item.facts.items():
            facts[name] = (entry, "item")
        for name, entry in attributes.items():
            facts[name] = (entry, "request")
        conditional_on = None
        if "associated_surgery_certified" in rule.compiled.inputs:
            status, conditional_on = self._surgery_status(case, index, item, facts)
            if status is not None:
                facts["associated_surgery_certified"] = (status, "conditional" if conditional_on else "not in dispute")
        result = self._run(base, rule, selection, facts, case.request_date() or dt.date.today())
        consulted = {f.name for c in result.criteria for f in consulted_leaves(c.facts)}
        if "associated_surgery_certified" in consulted:  # not when the criterion reading it does not apply
            result.conditional_on = conditional_on
        return result

    def _decision_day(self, case: Case, treatment: str | None = None) -> tuple[dt.date | None, str | None]:
        """The date that picks the editions: the case's request date; for a letter without dates, the last day
        within the window when every guideline edition its guideline lines cite was in force (a letter applies
        the MTUS of its day) on which a rule for the treatment was in force, and a note saying so; else None
        (today)."""
        day = case.request_date()
        if day is not None:
            return day, None
        cited = tuple(text for item in case.items if item.guidelines_cited
                      for text in (item.guidelines_cited.claims_administrator, item.guidelines_cited.imr) if text)
        if cited not in self._windows:  # once per letter, not per item and per formulary check
            self._windows[cited] = cited_window((e for _, e in self.catalog.editions.values()), cited)
        window = self._windows[cited]
        if window is None or window.end is None:
            return None, None
        in_window = [min(window.end, r.spec.effective.to or window.end)
                     for r in (self.catalog.rules_for(treatment) if treatment else [])
                     if r.spec.effective.from_ <= window.end and (r.spec.effective.to or window.end) >= window.start]
        day = max(in_window, default=window.end)
        return day, (f"the letter is undated; the editions it cites were in force together from "
                     f"{window.start.isoformat()} to {window.end.isoformat()}: {'; '.join(window.cited)}")

    def _formulary(self, case: Case, normalized) -> dict[str, Any] | None:
        """The drug formulary's answer for a drug request, on the request date (an undated request is made
        today, an undated letter on the date its citations give), with the date of injury for the Special
        Fill window."""
        if self.catalog.formulary is None:
            return None
        day = self._decision_day(case)[0] or dt.date.today()
        return formulary_check(self.catalog.formulary, normalized, self.catalog.treatments.lexicon, day,
                               injury=case.patient.date_of_injury)

    def check_facts(self, rule: Rule, values: dict[str, Any], label: str = "fixture") -> ItemResult:
        """Evaluate one rule directly on fact values (rule fixtures, benchmarks), skipping rule selection."""
        facts = {name: (FactEntry(value=v), "given") for name, v in values.items() if v is not None}
        base = dict(case=label, index=1, request=rule.spec.title, treatment=None,
                    attributes={}, actual=None)
        return self._run(base, rule, "rule given", facts)

    def _run(self, base: dict[str, Any], rule: Rule, selection: str,
             facts: dict[str, tuple[FactEntry, str]], day: dt.date | None = None) -> ItemResult:
        for name in rule.compiled.inputs:  # facts the vocabulary defines as sums of others
            parts = self.catalog.vocabulary[name].sum_of
            if parts and name not in facts and all(p in facts for p in parts):
                total = sum(facts[p][0].value for p in parts)
                quote = " + ".join(f"{p} {facts[p][0].value}" for p in parts)
                facts[name] = (FactEntry(value=total, evidence=Evidence(quote=quote, source="computed")), "computed")
        values = {name: entry.value for name, (entry, _) in facts.items()}
        outcome = self.evaluator.evaluate(rule.compiled, prepare(rule.compiled, values))
        result = self._explain(base, rule, selection, facts, outcome, day)
        if self.what_if:
            from checker.evaluation.whatif import what_if
            result.what_if = what_if(rule, values, self.catalog.vocabulary)
        return result

    def _no_prediction(self, base: dict[str, Any], why: str, kind: str) -> ItemResult:
        return ItemResult(**base, rule=None, guideline=None, edition=None, status=None, selection=why,
                          criteria=[], not_applicable=[], decision=None, predicted=None, agree=None,
                          reasons=[], status_citation=None, receipt=self._receipt([], base.get("formulary")),
                          uncovered=kind, why_no_prediction=why)

    def _receipt(self, rules: list[str], formulary: dict[str, Any] | None = None) -> dict[str, Any]:
        receipt = {"imrcheck": __version__, "ruleset": self.catalog.digest, "rules": rules,
                   "engine": self.evaluator.name}
        if formulary and formulary.get("version"):
            receipt["drug_list"] = f"MTUS Drug List {formulary['version']} (effective {formulary['version_effective']})"
        return receipt

    def _fact_use(self, name: str, rule: Rule, facts: dict[str, tuple[FactEntry, str]], outcome: Outcome) -> FactUse:
        if self.catalog.vocabulary[name].source == "derived":
            node = dict(rule.compiled.derived)[name]
            inputs = [self._fact_use(f, rule, facts, outcome) for f in facts_of(node)]
            return FactUse(name, outcome.get("derived:" + name), "derived", None, inputs)
        if name not in facts:
            return FactUse(name, None, "not documented")
        entry, origin = facts[name]
        evidence = entry.evidence.model_dump() if entry.evidence else None
        return FactUse(name, _jsonable(entry.value), origin, evidence)

    def _explain(self, base: dict[str, Any], rule: Rule, selection: str,
                 facts: dict[str, tuple[FactEntry, str]], outcome: Outcome, day: dt.date | None) -> ItemResult:
        """The item's result; a rule that does not decide (its criteria unconfirmed) gives every criterion's
        verdict as guidance, no decision and no prediction."""
        spec = rule.spec
        criteria: list[CriterionResult] = []
        not_applicable: list[dict[str, str]] = []
        for crit in spec.criteria:
            applies = applicable(crit, outcome)
            if applies is not True:
                why = "condition not documented" if applies is None else "condition is false"
                not_applicable.append({"code": crit.code, "title": crit.title, "why": why})
                continue
            verdict = VERDICT[outcome[f"criterion:{crit.code}"]]
            criteria.append(self._criterion(crit, verdict, rule, facts, outcome))
        decision, reasons = decide(rule, outcome)
        basis = decision_basis(rule, outcome, reasons)
        predicted = None if decision is None else "overturned" if decision == "certify" else "upheld"
        actual = base["actual"]
        why = unconfirmed_reason(rule, day)
        return ItemResult(**base, rule=spec.id, guideline=spec.guideline, edition=spec.edition,
                          status=spec.status, selection=selection, criteria=criteria,
                          not_applicable=not_applicable, decision=decision, predicted=predicted,
                          agree=None if actual is None or predicted is None else predicted == actual, reasons=reasons,
                          status_citation=spec.status_citation.short(),
                          receipt=self._receipt([spec.id], base.get("formulary")),
                          derived={k.removeprefix("derived:"): v for k, v in outcome.items()
                                   if k.startswith("derived:")}, decision_basis=basis,
                          uncovered=None if why is None else "criteria-unconfirmed", why_no_prediction=why)

    def _criterion(self, crit: Criterion, verdict: Verdict, rule: Rule,
                   facts: dict[str, tuple[FactEntry, str]], outcome: Outcome) -> CriterionResult:
        blocking = is_blocking(crit, verdict)
        used = [self._fact_use(f, rule, facts, outcome) for f in rule.criterion_facts[crit.code]]
        applies = [self._fact_use(f, rule, facts, outcome) for f in rule.applies_facts.get(crit.code, [])]
        return CriterionResult(crit.code, crit.title, " ".join(crit.text.split()), crit.role,
                               crit.citation.short(), verdict, blocking, used, " ".join(crit.to_meet.split()),
                               crit.confirmed, " ".join(crit.notes.split()) if crit.notes else None, applies)
