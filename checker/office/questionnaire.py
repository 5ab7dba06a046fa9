"""The questionnaire that builds a case by asking only what the deciding rule's criteria need (`imrcheck new`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from checker.errors import InputError
from checker.evaluation.engine import ReferenceEvaluator, prepare
from checker.evaluation.selection import ResolvedTreatment
from checker.evaluation.verdicts import applicable
from checker.ruleset.facts import FactSpec, FactType, check_level_kind, coerce_value
from checker.ruleset.rules import Catalog

Ask = Callable[[FactSpec], Any]  # returns a value, or None for "not documented"


def questionnaire(req: ResolvedTreatment, catalog: Catalog, ask: Ask,
                  given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ask only what the deciding rule's criteria need, criterion by criterion: applicability first,
    then the criterion's own facts until its verdict is settled. Criteria that do not apply, and facts
    that can no longer change a verdict, are skipped. Returns the documented facts."""
    vocab, rule = catalog.vocabulary, req.rule
    facts: dict[str, Any] = {**req.request.attributes, **(given or {})}
    asked: set[str] = set(facts)
    evaluator = ReferenceEvaluator()

    def outcome() -> dict[str, Any]:
        return evaluator.evaluate(rule.compiled, prepare(rule.compiled, facts))

    for crit in rule.spec.criteria:
        if crit.applies_when is not None:
            for name in rule.documented_facts(f"applies:{crit.code}"):
                if outcome().get(f"applies:{crit.code}") is not None:
                    break
                if name not in asked:
                    asked.add(name)
                    _answer(facts, name, ask(vocab[name]))
            if applicable(crit, outcome()) is not True:
                continue
        for name in rule.documented_facts(f"criterion:{crit.code}"):
            if outcome().get(f"criterion:{crit.code}") is not None:
                break  # settled: the remaining facts cannot change this verdict
            if name not in asked:
                asked.add(name)
                _answer(facts, name, ask(vocab[name]))
    return facts


def _answer(facts: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        facts[name] = value


def parse_answer(spec: FactSpec, text: str) -> Any:
    """A typed answer from what a person typed; '' or '?' = not documented. Raises ValueError."""
    text = text.strip()
    if text in ("", "?", "n/d", "not documented"):
        return None
    if spec.type is FactType.BOOL:
        lowered = text.lower()
        if lowered in ("y", "yes", "true", "t"):
            return True
        if lowered in ("n", "no", "false", "f"):
            return False
        raise ValueError("answer y, n, or ? for not documented")
    if spec.type in (FactType.INTEGER, FactType.NUMBER):
        try:
            number = int(text) if spec.type is FactType.INTEGER else float(text)
        except ValueError:
            kind = "a whole number" if spec.type is FactType.INTEGER else "a number"
            raise ValueError(f"expected {kind}, got {text!r}") from None
        return coerce_value(spec, number)
    if spec.type is FactType.LEVELS:
        return check_level_kind(spec, coerce_value(spec, [p for p in text.replace(";", ",").split(",") if p.strip()]))
    return coerce_value(spec, text)


def case_data(req: ResolvedTreatment, catalog: Catalog, facts: dict[str, Any], case_id: str,
              request_date: dt.date | None = None) -> dict[str, Any]:
    """A case file (as data) with one item for the request and the documented facts; the request's date, when
    given, as the date of service (it picks the guideline edition when the case is checked)."""
    vocab = catalog.vocabulary

    def plain(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    case_facts = {k: plain(v) for k, v in facts.items() if vocab[k].source == "clinical" and vocab[k].scope == "case"}
    item_facts = {k: plain(v) for k, v in facts.items() if vocab[k].source == "clinical" and vocab[k].scope == "item"}
    attributes = {k: plain(v) for k, v in facts.items() if vocab[k].source == "request"}
    item: dict[str, Any] = {"request": req.request.text, "treatment": req.treatment}
    if attributes:
        item["attributes"] = attributes
    if item_facts:
        item["facts"] = item_facts
    data: dict[str, Any] = {"case": case_id}
    if request_date is not None:
        data["dates"] = {"service": request_date.isoformat()}
    if case_facts:
        data["facts"] = case_facts
    data["items"] = [item]
    return data


def answers_from(data: Any, catalog: Catalog, source: str = "--answers") -> dict[str, Any]:
    """Pre-filled answers (a mapping of fact name to value, e.g. from a YAML file) checked against the vocabulary."""
    if not isinstance(data, dict):
        raise InputError(source, "answers must be a mapping of fact name to value")
    out = {}
    for name, value in data.items():
        if name not in catalog.vocabulary or catalog.vocabulary[name].source == "derived":
            raise InputError(source, catalog.vocabulary.unknown(name), field=str(name))
        if value is not None:
            try:
                spec = catalog.vocabulary[name]
                out[name] = coerce_value(spec, value)
                if spec.type is FactType.LEVELS:
                    check_level_kind(spec, out[name])
            except ValueError as exc:
                raise InputError(source, f"{name}: {exc}", field=str(name)) from None
    return out
