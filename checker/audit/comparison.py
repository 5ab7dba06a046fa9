"""Comparison of predicted and actual IMR outcomes: agreement, confusion matrix, balanced accuracy, and
whether the reasons a reviewer gave match the criteria the checker found unmet (read after prediction)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from checker.evaluation.checker import ItemResult, consulted_leaves
from checker.reading.cases import Case, Item
from checker.ruleset.rules import Catalog

OUTCOMES = ("upheld", "overturned")


def _confusion() -> dict[str, dict[str, int]]:
    return {a: {p: 0 for p in (*OUTCOMES, "none")} for a in (*OUTCOMES, "unknown")}


def _balanced_accuracy(confusion: dict[str, dict[str, int]]) -> float | None:
    """Mean recall over Upheld and Overturned among predicted items (always-Upheld scores 0.50)."""
    recalls = []
    for outcome in OUTCOMES:
        row = confusion[outcome]
        total = row["upheld"] + row["overturned"]
        if total:
            recalls.append(row[outcome] / total)
    return round(sum(recalls) / len(recalls), 4) if len(recalls) == len(OUTCOMES) else None


def _totals(results: list[ItemResult]) -> dict[str, Any]:
    confusion = _confusion()
    compared = agree = 0
    for r in results:
        confusion[r.actual or "unknown"][r.predicted or "none"] += 1
        if r.predicted is not None and r.actual is not None:
            compared += 1
            agree += r.predicted == r.actual
    return {
        "items": len(results),
        "outcomes_read": sum(r.actual is not None for r in results),
        "items_with_treatment": sum(r.treatment is not None for r in results),
        "items_predicted": sum(r.predicted is not None for r in results),
        "items_compared": compared,
        "agree": agree,
        "agreement": round(agree / compared, 4) if compared else None,
        "balanced_accuracy": _balanced_accuracy(confusion),
        "confusion": confusion,
    }


def summarize(results: Iterable[ItemResult], inputs: int, failed: int, skipped: int = 0,
              catalog: Catalog | None = None) -> dict[str, Any]:
    """Totals over a batch. The confusion matrix is actual (rows) by predicted (columns); items with no
    prediction are counted in the `none` column so every item is accounted for."""
    results = list(results)
    summary = {"inputs": inputs, "inputs_read": inputs - failed - skipped, "inputs_failed": failed,
               "inputs_skipped": skipped, **_totals(results)}
    if catalog is not None:
        families: dict[str, list[ItemResult]] = {}
        for r in results:
            t = catalog.treatments.treatments.get(r.treatment) if r.treatment else None
            families.setdefault(t.family if t else "(no code)", []).append(r)
        summary["by_family"] = {f: _totals(rs) for f, rs in sorted(families.items())}
    return summary


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


def reason_agreement(result: ItemResult, rationale: str | None, catalog: Catalog) -> dict[str, Any] | None:
    """Which criteria of the deciding rule the reviewer's rationale names (by each criterion's
    `reviewer_phrases`), against the criteria the checker found blocking."""
    if not rationale or result.rule is None:
        return None
    text = " ".join(rationale.split())
    rule = catalog.rules[result.rule].spec
    reviewer = [c.code for c in rule.criteria if any(_compiled(p).search(text) for p in c.reviewer_phrases)]
    checker = [c.code for c in result.criteria if c.blocking]
    shared = [c for c in reviewer if c in checker]
    return {"reviewer": reviewer, "checker": checker, "shared": shared,
            "reviewer_only": [c for c in reviewer if c not in checker],
            "checker_only": [c for c in checker if c not in reviewer],
            "agree": (bool(shared) if reviewer else None)}


def item_row(r: ItemResult, case: Case, item: Item, catalog: Catalog) -> dict[str, Any]:
    """One disputed item as a flat record: what `audit --format json` prints per item and what the batch
    store keeps. The reviewer's rationale and reason agreement are read only here, after prediction."""
    t = catalog.treatments.treatments.get(r.treatment) if r.treatment else None
    cited = item.guidelines_cited
    consulted: dict[str, Any] = {}
    for f in consulted_leaves([u for c in r.criteria for u in c.facts]):
        consulted.setdefault(f.name, f.value)
    return {
        "case": r.case, "item": r.request, "index": r.index, "treatment": r.treatment,
        "family": t.family if t else None, "rule": r.rule, "guideline": r.guideline, "edition": r.edition,
        "decision": r.decision, "predicted": r.predicted, "actual": r.actual, "agree": r.agree,
        "reasons": r.reasons,
        "criteria": [{"code": c.code, "title": c.title, "verdict": c.verdict, "blocking": c.blocking,
                      "citation": c.citation} for c in r.criteria],
        "facts": dict(sorted(consulted.items())),
        "reviewer_specialty": case.reviewer_specialty,
        "decision_date": case.dates.imr_decision.isoformat() if case.dates.imr_decision else None,
        "maximus_guideline": cited.imr if cited else None,
        "based_on_mtus": cited.imr_based_on_mtus if cited else None,
        "rationale": item.rationale,
        "reason_agreement": reason_agreement(r, item.rationale, catalog),
        "receipt": r.receipt,
    }
