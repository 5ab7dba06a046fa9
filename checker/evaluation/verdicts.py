"""Verdicts and the decision: what an evaluator's three-valued outcome means for each criterion and for the item.
Shared by the checker (explanations) and the what-if search."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from checker.evaluation.engine import Outcome, Truth
from checker.ruleset.conditions import All, AnyOf, Documented, Node
from checker.ruleset.rules import Criterion, Rule

Verdict = Literal["met", "not_met", "not_documented"]
VERDICT = {True: "met", False: "not_met", None: "not_documented"}
# Why an item is (not) certified: every required criterion met (certified); a required criterion documented not
# met, an exclusion documented present or a treatment the guideline does not recommend (not medically
# necessary); else something required is only not documented (insufficient documentation). A rule with no
# deciding criterion (every criterion advisory: the criteria in force are not confirmed) and a status other than
# not recommended decides nothing (criteria unconfirmed: no decision, no IMR prediction).
Basis = Literal["certified", "not_medically_necessary", "insufficient_documentation", "criteria_unconfirmed"]
DECIDING_ROLES = ("required", "exclusion")


def applicable(crit: Criterion, outcome: Outcome) -> Truth:
    """A criterion applies when it has no `applies_when`, or when that condition is documented true."""
    return outcome.get(f"applies:{crit.code}") if crit.applies_when is not None else True


def is_blocking(crit: Criterion, verdict: Verdict) -> bool:
    """required: blocks unless met; exclusion: blocks only when documented present; advisory: never."""
    if crit.role == "required":
        return verdict != "met"
    return crit.role == "exclusion" and verdict == "not_met"


def not_recommended(rule: Rule) -> bool:
    """The guideline does not recommend the treatment, as a source states for this edition."""
    return rule.spec.status == "not_recommended" and rule.spec.status_confirmed


def decides(rule: Rule) -> bool:
    """Whether a rule can decide at all: the guideline does not recommend the treatment, a criterion is a
    condition (required) or an exclusion, or every criterion is confirmed (confirmed advisory criteria are the
    guideline's supporting statements: the status decides). Unconfirmed criteria are advisory and never decide,
    so a rule whose deciding content is unknown (criteria carried from a prior edition, or read from the guideline
    without a public source to confirm them) would certify every request: it decides nothing instead. An
    unconfirmed status (a prior edition's rating kept) decides nothing either."""
    spec = rule.spec
    return (not_recommended(rule) or any(c.role in DECIDING_ROLES for c in spec.criteria)
            or (spec.status_confirmed and all(c.confirmed for c in spec.criteria)))


def unconfirmed_reason(rule: Rule, day: dt.date | None) -> str | None:
    """Why a rule that does not decide (`decides`) gives no decision, in words; None for a rule that decides."""
    if decides(rule):
        return None
    spec = rule.spec
    when = f" in force on {day.isoformat()}" if day and spec.effective.contains(day) else ""
    carried = all(c.carries_forward for c in spec.criteria)
    shown = "the prior MTUS text" if carried and spec.guideline == "MTUS" else "an unconfirmed reading of it"
    rating = (f"; its {spec.status.replace('_', ' ')} rating is a prior edition's, not confirmed"
              if not spec.status_confirmed else "")
    return (f"the criteria of {spec.document} {spec.edition}{when} are not confirmed from a public source"
            f"{rating}; the advisory criteria below are {shown}")


def decide(rule: Rule, outcome: Outcome) -> tuple[str | None, list[str]]:
    """The decision on an evaluator's outcome (None for a rule that does not decide), and the reasons against
    certification (criterion codes, with STATUS first when the guideline does not recommend the treatment)."""
    if not decides(rule):
        return None, []
    reasons = ["STATUS"] if not_recommended(rule) else []
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
    criterion that only asks for something to be documented is, when it fails, missing documentation. A rule that
    does not decide: criteria unconfirmed."""
    if not decides(rule):
        return "criteria_unconfirmed"
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
