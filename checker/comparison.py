"""Comparison of predicted and actual IMR outcomes: agreement, confusion matrix, balanced accuracy."""

from __future__ import annotations

from typing import Any, Iterable

from .evaluation import ItemResult

OUTCOMES = ("upheld", "overturned")


def summarize(results: Iterable[ItemResult], inputs: int, failed: int, skipped: int = 0) -> dict[str, Any]:
    """Totals over a batch. The confusion matrix is actual (rows) by predicted (columns); items with no
    prediction are counted in the `none` column so every item is accounted for."""
    confusion = {a: {p: 0 for p in (*OUTCOMES, "none")} for a in (*OUTCOMES, "unknown")}
    items = predicted = compared = agree = 0
    for r in results:
        items += 1
        predicted += r.predicted is not None
        confusion[r.actual or "unknown"][r.predicted or "none"] += 1
        if r.predicted is not None and r.actual is not None:
            compared += 1
            agree += r.predicted == r.actual
    recalls = []
    for outcome in OUTCOMES:
        row = confusion[outcome]
        total = row["upheld"] + row["overturned"]
        if total:
            recalls.append(row[outcome] / total)
    return {
        "inputs": inputs,
        "inputs_read": inputs - failed - skipped,
        "inputs_failed": failed,
        "inputs_skipped": skipped,
        "items": items,
        "items_predicted": predicted,
        "items_compared": compared,
        "agree": agree,
        "agreement": round(agree / compared, 4) if compared else None,
        "balanced_accuracy": round(sum(recalls) / len(recalls), 4) if len(recalls) == len(OUTCOMES) else None,
        "confusion": confusion,
    }
