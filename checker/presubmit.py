"""The treating office's pre-submission tools: the documentation checklist for a treatment, the
questionnaire that builds a case, and the printable pre-submission report."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any, Callable

from .conditions import describe
from .evaluation import ItemResult, applicable, leaves
from .engine import ReferenceEvaluator, prepare
from .errors import InputError
from .facts import FactSpec, FactType, coerce_value
from .report import fact_value
from .rules import Catalog, Rule
from .treatments import NormalizedRequest, normalize_request


@dataclass
class Requirement:
    treatment: str
    request: NormalizedRequest
    rule: Rule
    selection: str


def resolve(catalog: Catalog, treatment: str, day: dt.date | None) -> Requirement:
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
    return Requirement(request.code, request, rule, selection)


def checklist(req: Requirement, catalog: Catalog) -> dict[str, Any]:
    """Every criterion of the deciding rule with its citation and the questions behind it."""
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
            "criteria": criteria}


def checklist_markdown(data: dict[str, Any]) -> str:
    out = [f"# Documentation checklist: {data['name']} (`{data['treatment']}`)", "",
           f"Decided by **{data['rule']}** {data['title']} ({data['guideline']}, {data['edition']}); "
           f"{data['selection']}. Status: {data['status'].replace('_', ' ')} ({data['status_citation']}).", ""]
    if data["request_attributes"]:
        out += ["From the request: " + "; ".join(f"{k} = {fact_value(v)}"
                                                 for k, v in data["request_attributes"].items()), ""]
    for c in data["criteria"]:
        role = "" if c["role"] == "required" else f" ({c['role']})"
        out += [f"## {c['code']} {c['title']}{role}", "", c["text"], "", f"*{c['citation']}*", ""]
        if c["applies_when"]:
            out += [f"Applies only when: `{c['applies_when']}`", ""]
        for q in c["questions"]:
            known = f" (request: {fact_value(q['from_request'])})" if q["from_request"] is not None else ""
            out.append(f"- [ ] {q['question']} `{q['fact']}`{known}")
        out += ["", f"To meet it: {c['to_meet']}", ""]
    return "\n".join(out)


# ---- the questionnaire --------------------------------------------------------------------------------

Ask = Callable[[FactSpec], Any]  # returns a value, or None for "not documented"


def questionnaire(req: Requirement, catalog: Catalog, ask: Ask,
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
    if spec.type is FactType.INTEGER:
        return coerce_value(spec, int(text))
    if spec.type is FactType.NUMBER:
        return coerce_value(spec, float(text))
    if spec.type is FactType.LEVELS:
        return coerce_value(spec, [p for p in text.replace(";", ",").split(",") if p.strip()])
    return coerce_value(spec, text)


def case_data(req: Requirement, catalog: Catalog, facts: dict[str, Any], case_id: str) -> dict[str, Any]:
    """A case file (as data) with one item for the request and the documented facts."""
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
    if case_facts:
        data["facts"] = case_facts
    data["items"] = [item]
    return data


# ---- the pre-submission report ----------------------------------------------------------------------

_WORD = {"met": "met", "not_met": "not met", "not_documented": "not documented"}


def records_to_attach(r: ItemResult) -> list[str]:
    """What the office should add to the request: the guidance of every criterion that is not met yet."""
    return [f"{c.code}: {c.to_meet}" for c in r.criteria if c.verdict != "met"]


def report_markdown(case_id: str, results: list[ItemResult]) -> str:
    out = [f"# Pre-submission check: {case_id}", "",
           f"Prepared by imrcheck {results[0].receipt['imrcheck'] if results else ''} on {dt.date.today()}. "
           "A prediction from the guideline criteria, not a utilization review decision.", ""]
    for r in results:
        out += [f"## Item {r.index}: {r.request}", ""]
        if r.rule is None:
            out += [f"No prediction: {r.selection}", ""]
            continue
        verdict = "likely CERTIFIED" if r.decision == "certify" else "likely NOT certified"
        out += [f"**{verdict}** under {r.rule} ({r.guideline}, {r.edition}); {r.selection}.", "",
                "| | criterion | citation |", "|---|---|---|"]
        for c in r.criteria:
            mark = {"met": "✅ met", "not_met": "❌ not met", "not_documented": "⚠️ not documented"}[c.verdict]
            out.append(f"| {mark} | **{c.code}** {c.title} | {c.citation} |")
        out.append("")
        for c in r.criteria:
            evidence = [f for f in leaves(c.facts) if f.evidence]
            if evidence:
                out.append(f"- {c.code} evidence: " + "; ".join(
                    f"{f.name} = {fact_value(f.value)}: \u201c{f.evidence['quote']}\u201d ({f.evidence['source']})"
                    for f in evidence))
        attach = records_to_attach(r)
        if attach:
            out += ["", "**Records to attach or document:**", ""] + [f"- [ ] {a}" for a in attach]
        if r.what_if and r.what_if["to_certify"]:
            best = r.what_if["to_certify"][0]
            out += ["", "**Smallest change that would make it certifiable:** " + "; ".join(
                f"{c['fact']} = {fact_value(c['value'])}" for c in best["changes"])]
        out.append("")
    return "\n".join(out)


def report_html(markdown_text: str, title: str) -> str:
    """A self-contained printable HTML page from the report's Markdown (headings, tables, lists, bold)."""
    import re

    def inline(text: str) -> str:
        text = html.escape(text)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        text = re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)
        return re.sub(r"`(.+?)`", r"<code>\1</code>", text)

    body: list[str] = []
    in_table = in_list = False
    for line in markdown_text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= {"-"} for c in cells):
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
                body.append("<tr>" + "".join(f"<th>{inline(c)}</th>" for c in cells) + "</tr>")
                continue
            body.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            item = line[2:].replace("[ ] ", "☐ ", 1)
            body.append(f"<li>{inline(item)}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("## "):
            body.append(f"<h2>{inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{inline(line[2:])}</h1>")
        elif line.strip():
            body.append(f"<p>{inline(line)}</p>")
    body += ["</table>"] if in_table else []
    body += ["</ul>"] if in_list else []
    style = ("body{font-family:Georgia,serif;max-width:50em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px;text-align:left}"
             "h2{border-top:2px solid #333;padding-top:.5em}@media print{h2{page-break-before:auto}}")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
