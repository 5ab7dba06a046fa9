"""Verdicts and the decision: what an evaluator's three-valued outcome means for each criterion and for the item.
Shared by the checker (explanations) and the what-if search."""

from __future__ import annotations

from typing import Literal

from checker.evaluation.engine import Outcome, Truth
from checker.ruleset.rules import Criterion, Rule

Verdict = Literal["met", "not_met", "not_documented"]
VERDICT = {True: "met", False: "not_met", None: "not_documented"}


def applicable(crit: Criterion, outcome: Outcome) -> Truth:
    """A criterion applies when it has no `applies_when`, or when that condition is documented true."""
    return outcome.get(f"applies:{crit.code}") if crit.applies_when is not None else True


def is_blocking(crit: Criterion, verdict: Verdict) -> bool:
    """required: blocks unless met; exclusion: blocks only when documented present; advisory: never."""
    if crit.role == "required":
        return verdict != "met"
    return crit.role == "exclusion" and verdict == "not_met"


def decide(rule: Rule, outcome: Outcome) -> tuple[str, list[str]]:
    """The decision on an evaluator's outcome, and the reasons against certification (criterion codes,
    with STATUS first when the guideline does not recommend the treatment)."""
    reasons = ["STATUS"] if rule.spec.status == "not_recommended" else []
    for crit in rule.spec.criteria:
        if applicable(crit, outcome) is True and is_blocking(crit, VERDICT[outcome[f"criterion:{crit.code}"]]):
            reasons.append(crit.code)
    return ("non-certify" if reasons else "certify"), reasons
