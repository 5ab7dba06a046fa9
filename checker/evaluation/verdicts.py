"""Verdicts and the decision: what an evaluator's three-valued outcome means for each criterion and for the item.
Shared by the checker (explanations) and the what-if search."""

from __future__ import annotations

from typing import Literal

from checker.evaluation.engine import Outcome, Truth
from checker.ruleset.conditions import All, AnyOf, Documented, Node
from checker.ruleset.rules import Criterion, Rule

Verdict = Literal["met", "not_met", "not_documented"]
VERDICT = {True: "met", False: "not_met", None: "not_documented"}
# Why an item is (not) certified: every required criterion met (certified); a required criterion documented not
# met, an exclusion documented present or a treatment the guideline does not recommend (not medically
# necessary); else something required is only not documented (insufficient documentation).
Basis = Literal["certified", "not_medically_necessary", "insufficient_documentation"]


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


def _presence_only(node: Node) -> bool:
    """A condition that only asks for something to be documented (the request states a quantity)."""
    if isinstance(node, Documented):
        return True
    return isinstance(node, (All, AnyOf)) and all(_presence_only(n) for n in node.items)


def decision_basis(rule: Rule, outcome: Outcome, reasons: list[str]) -> Basis:
    """The basis of a decision with these reasons (`decide`): a documented finding outweighs a missing one. A
    criterion that only asks for something to be documented is, when it fails, missing documentation."""
    if not reasons:
        return "certified"
    if "STATUS" in reasons:
        return "not_medically_necessary"
    checks = dict(rule.compiled.checks)
    roles = {c.code: c.role for c in rule.spec.criteria}
    for code in reasons:
        key = f"criterion:{code}"
        if outcome[key] is False and not (roles[code] == "required" and _presence_only(checks[key])):
            return "not_medically_necessary"
    return "insufficient_documentation"
