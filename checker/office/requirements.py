"""What a treatment requires: the documentation checklist of the rule that decides it (every criterion, its
citation, the questions behind its facts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.evaluation.selection import ResolvedTreatment
from checker.evaluation.verdicts import unconfirmed_reason
from checker.ruleset.conditions import describe
from checker.ruleset.formulary import formulary_check
from checker.ruleset.rules import Catalog


def checklist(req: ResolvedTreatment, catalog: Catalog, day: dt.date | None = None) -> dict[str, Any]:
    """Every criterion of the deciding rule with its citation and the questions behind it; for a drug, its
    formulary status on `day` (an undated request is made today); `no_decision` says why a rule whose criteria
    are all advisory (unconfirmed) gives no decision."""
    rule, vocab = req.rule, catalog.vocabulary
    checks = dict(rule.compiled.checks)
    criteria = []
    for c in rule.spec.criteria:
        facts = rule.documented_facts(f"criterion:{c.code}")
        if c.applies_when is not None:  # whether it applies at all comes first
            facts = [f for f in rule.documented_facts(f"applies:{c.code}") if f not in facts] + facts
        questions = [{"fact": f, "question": vocab[f].question, "from_request": req.request.attributes.get(f)}
                     for f in facts]
        criteria.append({"code": c.code, "title": c.title, "role": c.role, "text": " ".join(c.text.split()),
                         "citation": c.citation.short(), "confirmed": c.confirmed,
                         "applies_when": describe(checks[f"applies:{c.code}"]) if c.applies_when else None,
                         "to_meet": " ".join(c.to_meet.split()), "questions": questions})
    return {"treatment": req.treatment, "name": catalog.treatments.treatments[req.treatment].name,
            "request_attributes": req.request.attributes, "rule": rule.id, "title": rule.spec.title,
            "guideline": rule.spec.guideline, "edition": rule.spec.edition, "selection": req.selection,
            "status": rule.spec.status, "status_citation": rule.spec.status_citation.short(),
            "no_decision": unconfirmed_reason(rule, day or dt.date.today()), "criteria": criteria,
            "formulary": formulary_check(catalog.formulary, req.request, catalog.treatments.lexicon,
                                         day or dt.date.today()) if catalog.formulary else None}
