"""Comparison of predicted and actual IMR outcomes: agreement, confusion matrix, balanced accuracy, and
whether the reasons a reviewer gave match the criteria the checker found unmet (read after prediction)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from checker.evaluation.checker import ItemResult, consulted_leaves
from checker.reading.cases import Case, Item
from checker.ruleset.regexes import lower_pattern, lower_text
from checker.ruleset.rules import Catalog

OUTCOMES = ("upheld", "overturned")


Confusion = dict[str, dict[str, int]]


BASES = ("certified", "not_medically_necessary", "insufficient_documentation")


class Tally:
    """Predicted against actual outcomes over a set of items, the one place totals are computed: the confusion
    matrix (actual rows: upheld, overturned, unknown = outcome not read; predicted columns: upheld, overturned,
    none = no prediction) and the items with a treatment code. Balanced accuracy is the mean recall over
    Upheld and Overturned among predicted items (always-Upheld scores 0.50). The summary also counts the
    decisions by basis, and the conditional decisions (an ancillary item whose operation is in dispute, decided
    as if it were certified) apart, with their own confusion matrix: they are in the totals, but are not
    independent findings."""

    def __init__(self, track_conditional: bool = True) -> None:
        self.confusion: Confusion = {a: {p: 0 for p in (*OUTCOMES, "none")} for a in (*OUTCOMES, "unknown")}
        self.with_treatment = 0
        self.bases = dict.fromkeys(BASES, 0)
        self.conditional = Tally(track_conditional=False) if track_conditional else None

    def add(self, actual: str | None, predicted: str | None, has_treatment: bool = True, n: int = 1,
            basis: str | None = None, conditional: bool = False) -> None:
        self.confusion[actual or "unknown"][predicted or "none"] += n
        self.with_treatment += n * bool(has_treatment)
        if basis in self.bases:
            self.bases[basis] += n
        if conditional and self.conditional is not None:
            self.conditional.add(actual, predicted, has_treatment, n, basis)

    def _cells(self, actual=None, predicted=None) -> int:
        return sum(n for a, row in self.confusion.items() for p, n in row.items()
                   if (actual is None or a in actual) and (predicted is None or p in predicted))

    @property
    def compared(self) -> int:
        return self._cells(OUTCOMES, OUTCOMES)

    @property
    def agree(self) -> int:
        return sum(self.confusion[o][o] for o in OUTCOMES)

    def agreement(self) -> float | None:
        return round(self.agree / self.compared, 4) if self.compared else None

    def balanced_accuracy(self) -> float | None:
        recalls = []
        for outcome in OUTCOMES:
            total = self._cells((outcome,), OUTCOMES)
            if total:
                recalls.append(self.confusion[outcome][outcome] / total)
        return round(sum(recalls) / len(recalls), 4) if len(recalls) == len(OUTCOMES) else None

    def summary(self) -> dict[str, Any]:
        """The totals `audit` prints (summary and by_family)."""
        out = {"items": self._cells(), "outcomes_read": self._cells(actual=OUTCOMES),
               "items_with_treatment": self.with_treatment, "items_predicted": self._cells(predicted=OUTCOMES),
               "items_compared": self.compared, "agree": self.agree, "agreement": self.agreement(),
               "balanced_accuracy": self.balanced_accuracy(), "confusion": self.confusion,
               "decision_basis": dict(self.bases)}
        if self.conditional is not None:
            c = self.conditional
            out["conditional"] = {"items": c._cells(), "items_compared": c.compared, "agree": c.agree,
                                  "agreement": c.agreement(), "decision_basis": dict(c.bases),
                                  "confusion": c.confusion}
        return out

    def group(self) -> dict[str, Any]:
        """The totals of a group in the consistency analysis, with the outcome rates."""
        actual, predicted = self._cells(actual=OUTCOMES), self._cells(predicted=OUTCOMES)
        overturned, predicted_overturned = self._cells(actual=("overturned",)), self._cells(predicted=("overturned",))
        return {"items": self._cells(), "compared": self.compared, "agree": self.agree,
                "agreement": self.agreement(), "balanced_accuracy": self.balanced_accuracy(),
                "overturned_rate": round(overturned / actual, 4) if actual else None,
                "predicted_overturned_rate": round(predicted_overturned / predicted, 4) if predicted else None,
                "confusion": self.confusion}


def input_totals(inputs: int, failed: int, skipped: int) -> dict[str, int]:
    return {"inputs": inputs, "inputs_read": inputs - failed - skipped, "inputs_failed": failed,
            "inputs_skipped": skipped}


def summarize(results: Iterable[ItemResult], inputs: int, failed: int, skipped: int = 0,
              catalog: Catalog | None = None) -> dict[str, Any]:
    """Totals over a batch of results; every item is in the confusion matrix (no prediction: column `none`)."""
    overall = Tally()
    families: dict[str, Tally] = {}
    uncovered: dict[str, int] = {}
    for r in results:
        counts = (r.actual, r.predicted, r.treatment is not None, 1, r.decision_basis, r.conditional_on is not None)
        overall.add(*counts)
        if r.uncovered:
            uncovered[r.uncovered] = uncovered.get(r.uncovered, 0) + 1
        if catalog is not None:
            t = catalog.treatments.treatments.get(r.treatment) if r.treatment else None
            families.setdefault(t.family if t else "(no code)", Tally()).add(*counts)
    summary = {**input_totals(inputs, failed, skipped), **overall.summary(),
               "uncovered_by_reason": dict(sorted(uncovered.items()))}
    if catalog is not None:
        summary["by_family"] = {f: tally.summary() for f, tally in sorted(families.items())}
    return summary


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    """A reviewer phrase for lower-cased text, as the extractor's patterns are (IGNORECASE makes `re` fold the case
    of every character it tries: about four times slower over the corpus's rationales, same criteria named)."""
    return re.compile(lower_pattern(pattern))


def named_criteria(text: str, criteria: Mapping[str, list[str]]) -> set[str]:
    """The criteria (code -> reviewer phrases) a whitespace-normalized rationale names, in any case."""
    lowered = lower_text(text)
    return {code for code, patterns in criteria.items() if any(_compiled(p).search(lowered) for p in patterns)}


def reason_agreement(result: ItemResult, rationale: str | None, catalog: Catalog) -> dict[str, Any] | None:
    """Which criteria of the deciding rule the reviewer's rationale names (by each criterion's
    `reviewer_phrases`), against the criteria the checker found blocking; None without a decision (no rule, or a
    rule whose criteria are all unconfirmed: nothing blocks, so there is no reason to agree with)."""
    if not rationale or result.decision is None:
        return None
    text = " ".join(rationale.split())
    rule = catalog.rules[result.rule].spec
    named = named_criteria(text, {c.code: c.reviewer_phrases for c in rule.criteria})
    reviewer = [c.code for c in rule.criteria if c.code in named]
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
        "reasons": r.reasons, "decision_basis": r.decision_basis, "conditional_on": r.conditional_on,
        "uncovered": r.uncovered,
        "why_no_prediction": r.why_no_prediction if r.uncovered == "criteria-unconfirmed"
        else r.selection if r.decision is None else None,
        "parts": r.parts,
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
