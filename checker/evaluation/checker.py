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
from checker.evaluation.verdicts import VERDICT, Verdict, applicable, decide, is_blocking
from checker.reading.cases import Case, Evidence, FactEntry, Item
from checker.reading.requests import normalize_request
from checker.ruleset.conditions import facts_of
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
    uncovered: str | None = None  # why no rule decides it: the request's reason kind, or no-rule-in-force
    parse: dict[str, Any] = field(default_factory=dict)  # how the request was read (heads, sites, parts)
    formulary: dict[str, Any] | None = None  # a drug request's MTUS Drug Formulary status (ruleset.formulary)
    parts: list[dict[str, Any]] = field(default_factory=list)  # each code of a several-part request, decided

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

    def check_case(self, case: Case) -> list[ItemResult]:
        """Every item in letter order. Surgeries are decided first: an ancillary item (pre-operative test,
        assistant surgeon, post-operative care) follows the checker's own decision on the surgery of the
        same case, unless the case documents `associated_surgery_certified` itself."""
        surgeries = [i for i, item in enumerate(case.items, start=1) if self._family(item) == "surgery"]
        results = {i: self.check_item(case, i, case.items[i - 1]) for i in surgeries}
        extra: dict[str, FactEntry] = {}
        decided = [results[i] for i in surgeries if results[i].decision is not None]
        if decided and "associated_surgery_certified" in self.catalog.vocabulary:
            quote = "; ".join(f"item {r.index} ({r.request}): {r.decision}" for r in decided)
            extra["associated_surgery_certified"] = FactEntry(
                value=any(r.decision == "certify" for r in decided),
                evidence=Evidence(quote=quote, source="imrcheck's decision on the surgery in the same case"))
        for i, item in enumerate(case.items, start=1):
            if i not in results:
                results[i] = self.check_item(case, i, item, extra)
        return [results[i] for i in sorted(results)]

    def _family(self, item: Item) -> str | None:
        code = item.treatment or normalize_request(item.request, self.catalog.treatments).code
        treatment = self.catalog.treatments.treatments.get(code) if code else None
        return treatment.family if treatment else None

    def check_item(self, case: Case, index: int, item: Item,
                   derived_from_case: dict[str, FactEntry] | None = None) -> ItemResult:
        index = item.number or index  # the item's number in its letter
        normalized = normalize_request(item.request, self.catalog.treatments)
        if item.treatment is None and normalized.parts:
            return self._several(case, index, item, normalized, derived_from_case)
        return self._one(case, index, item, item.treatment or normalized.code, normalized.attributes,
                         normalized, derived_from_case)

    def _several(self, case: Case, index: int, item: Item, normalized, derived_from_case) -> ItemResult:
        """A request that names several codes (MRI of the cervical and lumbar spine) is certified only if every
        part is; the item shows the deciding part (the first not certified, else the first) and lists them all."""
        results = [self._one(case, index, item, p.code, p.attributes, normalized, derived_from_case)
                   for p in normalized.parts]
        refused = [r for r in results if r.decision == "non-certify"]
        undecided = [r for r in results if r.decision is None]
        deciding = refused[0] if refused else undecided[0] if undecided else results[0]
        deciding.parts = [{"code": r.treatment, "site": p.site, "rule": r.rule, "decision": r.decision,
                           "reasons": r.reasons, "selection": r.selection}
                          for r, p in zip(results, normalized.parts)]
        if undecided and not refused:  # a part no rule decides: the whole request cannot be decided
            deciding.selection = f"part {deciding.treatment} undecided: {deciding.selection}"
        elif refused:
            deciding.selection += f"; decides the request: {len(refused)} of {len(results)} parts not certified"
        return deciding

    def _one(self, case: Case, index: int, item: Item, treatment: str | None, request_facts: dict[str, Any],
             normalized, derived_from_case) -> ItemResult:
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
        rule, selection = self.catalog.select(treatment, case.request_date())
        if rule is None:
            return self._no_prediction(base, selection,
                                       "no-rule-in-force" if self.catalog.rules_for(treatment) else "no-rule")

        facts: dict[str, tuple[FactEntry, str]] = {}
        for name, entry in case.facts.items():
            facts[name] = (entry, "case")
        for name, entry in (derived_from_case or {}).items():
            facts[name] = (entry, "case decision")
        for name, entry in item.facts.items():
            facts[name] = (entry, "item")
        for name, entry in attributes.items():
            facts[name] = (entry, "request")
        return self._run(base, rule, selection, facts)

    def _formulary(self, case: Case, normalized) -> dict[str, Any] | None:
        """The drug formulary's answer for a drug request, on the request date (an undated request is made
        today), with the date of injury for the Special Fill window."""
        if self.catalog.formulary is None:
            return None
        day = case.request_date() or dt.date.today()
        return formulary_check(self.catalog.formulary, normalized, self.catalog.treatments.lexicon, day,
                               injury=case.patient.date_of_injury if case.patient else None)

    def check_facts(self, rule: Rule, values: dict[str, Any], label: str = "fixture") -> ItemResult:
        """Evaluate one rule directly on fact values (rule fixtures, benchmarks), skipping rule selection."""
        facts = {name: (FactEntry(value=v), "given") for name, v in values.items() if v is not None}
        base = dict(case=label, index=1, request=rule.spec.title, treatment=None,
                    attributes={}, actual=None)
        return self._run(base, rule, "rule given", facts)

    def _run(self, base: dict[str, Any], rule: Rule, selection: str,
             facts: dict[str, tuple[FactEntry, str]]) -> ItemResult:
        for name in rule.compiled.inputs:  # facts the vocabulary defines as sums of others
            parts = self.catalog.vocabulary[name].sum_of
            if parts and name not in facts and all(p in facts for p in parts):
                total = sum(facts[p][0].value for p in parts)
                quote = " + ".join(f"{p} {facts[p][0].value}" for p in parts)
                facts[name] = (FactEntry(value=total, evidence=Evidence(quote=quote, source="computed")), "computed")
        values = {name: entry.value for name, (entry, _) in facts.items()}
        outcome = self.evaluator.evaluate(rule.compiled, prepare(rule.compiled, values))
        result = self._explain(base, rule, selection, facts, outcome)
        if self.what_if:
            from checker.evaluation.whatif import what_if
            result.what_if = what_if(rule, values, self.catalog.vocabulary)
        return result

    def _no_prediction(self, base: dict[str, Any], why: str, kind: str) -> ItemResult:
        return ItemResult(**base, rule=None, guideline=None, edition=None, status=None, selection=why,
                          criteria=[], not_applicable=[], decision=None, predicted=None, agree=None,
                          reasons=[], status_citation=None, receipt=self._receipt([], base.get("formulary")),
                          uncovered=kind)

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
                 facts: dict[str, tuple[FactEntry, str]], outcome: Outcome) -> ItemResult:
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
        predicted = "overturned" if decision == "certify" else "upheld"
        actual = base["actual"]
        return ItemResult(**base, rule=spec.id, guideline=spec.guideline, edition=spec.edition,
                          status=spec.status, selection=selection, criteria=criteria,
                          not_applicable=not_applicable, decision=decision, predicted=predicted,
                          agree=None if actual is None else predicted == actual, reasons=reasons,
                          status_citation=spec.status_citation.short(),
                          receipt=self._receipt([spec.id], base.get("formulary")),
                          derived={k.removeprefix("derived:"): v for k, v in outcome.items()
                                   if k.startswith("derived:")})

    def _criterion(self, crit: Criterion, verdict: Verdict, rule: Rule,
                   facts: dict[str, tuple[FactEntry, str]], outcome: Outcome) -> CriterionResult:
        blocking = is_blocking(crit, verdict)
        used = [self._fact_use(f, rule, facts, outcome) for f in rule.criterion_facts[crit.code]]
        return CriterionResult(crit.code, crit.title, " ".join(crit.text.split()), crit.role,
                               crit.citation.short(), verdict, blocking, used, " ".join(crit.to_meet.split()),
                               crit.confirmed, " ".join(crit.notes.split()) if crit.notes else None)
