"""Which rule decides a treatment: a treatment named by code or free text, parsed, and the rule in force for it
on a date (the front ends' `requirements`, `new`, progress-note checks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checker.errors import InputError
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
