"""Which rule decides a treatment: a treatment named by code or free text, parsed, and the rule in force for it
on a date (the front ends' `requirements`, `new`, progress-note checks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.errors import InputError
from checker.evaluation.verdicts import decides
from checker.reading.requests import NormalizedRequest, normalize_request
from checker.ruleset.rules import Catalog, Rule


@dataclass
class ResolvedTreatment:
    """A treatment as a code and its parsed request, with the rule that decides it on the date asked and why."""

    treatment: str
    request: NormalizedRequest
    rule: Rule
    selection: str


def resolve_treatment(catalog: Catalog, treatment: str, day: dt.date | None) -> ResolvedTreatment:
    """A treatment given as a code or as free text ("lumbar ESI L4-5 x2"), and the rule that decides it."""
    code = treatment.strip().upper()
    request = normalize_request(treatment, catalog.treatments)
    if code in catalog.treatments.treatments:
        request = NormalizedRequest(treatment, code, {}, matched=code)
    if request.code is None:
        raise InputError(None, f"unknown treatment {treatment!r}: {request.reason}", field="TREATMENT")
    rule, selection = catalog.select(request.code, day)
    if rule is None:
        raise InputError(None, selection, field="TREATMENT")
    return ResolvedTreatment(request.code, request, rule, selection)


@dataclass
class InForce:
    """One treatment of the catalog and the rule in force for it on a date (None: no rule in force then)."""

    treatment: str
    family: str
    rule: Rule | None
    decides: bool  # whether that rule can decide at all (verdicts.decides): false = criteria unconfirmed

    @property
    def criteria_confirmed(self) -> int:
        return sum(c.confirmed for c in self.rule.spec.criteria) if self.rule else 0

    def to_dict(self) -> dict:
        base = {"treatment": self.treatment, "family": self.family}
        if self.rule is None:
            return {**base, "rule": None}
        s = self.rule.spec
        return {**base, "rule": s.id, "guideline": s.guideline, "document": s.document, "edition": s.edition,
                "effective": {"from": s.effective.from_.isoformat(),
                              "to": s.effective.to.isoformat() if s.effective.to else None},
                "criteria": len(s.criteria), "criteria_confirmed": self.criteria_confirmed,
                "status": s.status, "status_confirmed": s.status_confirmed, "decides": self.decides}


def in_force(catalog: Catalog, day: dt.date) -> list[InForce]:
    """Every treatment code of the catalog, by family then code, with the rule `Catalog.select` picks on `day`."""
    out = []
    for code, t in sorted(catalog.treatments.treatments.items(), key=lambda kv: (kv[1].family, kv[0])):
        rule, _ = catalog.select(code, day)
        out.append(InForce(code, t.family, rule, rule is not None and decides(rule)))
    return out


def in_force_documents(rows: list[InForce]) -> list[dict]:
    """The guideline documents those rules apply, each once: edition, window, and its rules' criteria confirmed
    over all (each rule counted once however many treatments it decides)."""
    docs: dict[tuple[str, str, str], dict] = {}
    seen: set[str] = set()
    for row in rows:
        if row.rule is None or row.rule.id in seen:
            continue
        seen.add(row.rule.id)
        s = row.rule.spec
        doc = docs.setdefault((s.guideline, s.document, s.edition), {
            "guideline": s.guideline, "document": s.document, "edition": s.edition, "rules": 0,
            "rules_deciding": 0, "criteria": 0, "criteria_confirmed": 0})
        doc["rules"] += 1
        doc["rules_deciding"] += row.decides
        doc["criteria"] += len(s.criteria)
        doc["criteria_confirmed"] += row.criteria_confirmed
    return sorted(docs.values(), key=lambda d: (d["guideline"], d["document"], d["edition"]))
