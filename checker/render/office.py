"""The treating office's documents: the documentation checklist as Markdown, and the printable pre-submission
report (Markdown, HTML)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from checker.evaluation.checker import ItemResult, consulted_leaves
from checker.render.text import (
    advisory_text,
    cannot_change,
    change_text,
    conditional_text,
    fact_value,
    formulary_summary,
)

_BASIS_ADVICE = {
    "not_medically_necessary": "Basis: **not medically necessary**: a criterion is documented not met, or the "
                               "guideline does not recommend the treatment.",
    "insufficient_documentation": "Basis: **insufficient documentation**: nothing is documented against it, but "
                                  "something the guideline requires is not documented; the records below may "
                                  "change it.",
    "criteria_unconfirmed": "Basis: **criteria unconfirmed**: the guideline in force has no criterion confirmed "
                            "from a public source, so there is no decision and no prediction. The criteria below "
                            "are advisory: document what they ask, as a reviewer may still apply them."}


def checklist_markdown(data: dict[str, Any]) -> str:
    out = [f"# Documentation checklist: {data['name']} (`{data['treatment']}`)", "",
           f"Decided by **{data['rule']}** {data['title']} ({data['guideline']}, {data['edition']}); "
           f"{data['selection']}. Status: {data['status'].replace('_', ' ')} ({data['status_citation']}).", ""]
    if data.get("no_decision"):
        out += [f"**No decision, no IMR prediction:** {data['no_decision']}.", ""]
    if data["request_attributes"]:
        out += ["From the request: " + "; ".join(f"{k} = {fact_value(v)}"
                                                 for k, v in data["request_attributes"].items()), ""]
    f = data.get("formulary")
    if f:
        out += [f"Drug formulary: {formulary_summary(f)}.", ""]
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


def records_to_attach(r: ItemResult) -> list[str]:
    """What the office should add to the request: the guidance of every criterion that is not met yet and that
    documentation can still meet (not one whose guidance contradicts what the records document)."""
    return [f"{c.code}: {c.to_meet}" for c in r.criteria if c.verdict != "met" and c.code not in cannot_change(r)]


def report_markdown(case_id: str, results: list[ItemResult]) -> str:
    out = [f"# Pre-submission check: {case_id}", "",
           f"Prepared by imrcheck {results[0].receipt['imrcheck'] if results else ''} on {dt.date.today()}. "
           "A prediction from the guideline criteria, not a utilization review decision.", ""]
    for r in results:
        out += [f"## Item {r.index}: {md_escape(r.request)}", ""]
        if r.rule is None:
            out += [f"No prediction: {r.selection}", ""]
            continue
        verdict = {"certify": "likely CERTIFIED", "non-certify": "likely NOT certified"}.get(r.decision, "NO DECISION")
        out += [f"**{verdict}** under {r.rule} ({r.guideline}, {r.edition}); {r.selection}.", ""]
        if r.decision is None:
            out += [f"No prediction: {r.why_no_prediction}.", ""]
        if r.decision_basis in _BASIS_ADVICE:
            out += [_BASIS_ADVICE[r.decision_basis], ""]
        if advisory_text(r):
            out += [f"Criteria: {advisory_text(r)}.", ""]
        if r.conditional_on:
            out += [f"**Conditional:** {conditional_text(r).removeprefix('conditional: ')}; this item stands or "
                    "falls with that surgery.", ""]
        out += ["| | criterion | citation |", "|---|---|---|"]
        for c in r.criteria:
            mark = {"met": "✅ met", "not_met": "❌ not met", "not_documented": "⚠️ not documented"}[c.verdict]
            out.append(f"| {mark} | **{c.code}** {c.title} | {c.citation} |")
        out.append("")
        for c in r.criteria:
            evidence = [f for f in consulted_leaves(c.facts) if f.evidence]
            if evidence:
                out.append(f"- {c.code} evidence: " + "; ".join(
                    f"{f.name} = {md_escape(fact_value(f.value))}: \u201c{md_escape(f.evidence['quote'])}\u201d "
                    f"({f.evidence['source']})"
                    for f in evidence))
        attach = records_to_attach(r)
        for code, facts in cannot_change(r).items():
            out += ["", f"**{code} cannot be met by documenting more or requesting less**" + (
                ": it rests on what the records document (" + "; ".join(
                    f"{k} = {fact_value(v)}" for k, v in facts.items()) + ")." if facts else ".")]
        if attach:
            out += ["", "**Records to attach or document:**", ""] + [f"- [ ] {a}" for a in attach]
        if r.what_if and r.what_if["to_certify"]:
            best = r.what_if["to_certify"][0]
            out += ["", "**Smallest change that would make it certifiable:** " + "; ".join(
                change_text(c) for c in best["changes"])]
        out.append("")
    return "\n".join(out)


_MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|~"})


def md_escape(text: str) -> str:
    """Text quoted from a record, as Markdown that shows it as written (asterisks stay asterisks, `<` stays
    text, a `|` does not split a table cell)."""
    return " ".join(text.split()).translate(_MARKDOWN_SPECIAL)


def report_html(markdown_text: str, title: str) -> str:
    """A self-contained printable HTML page from the report's Markdown, rendered by markdown-it-py (CommonMark
    with tables; raw HTML in the text is escaped, never passed through)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    body = body.replace("<li>[ ] ", "<li>\u2610 ")  # the checklist's open boxes
    style = ("body{font-family:Georgia,serif;max-width:50em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px;text-align:left}"
             "h2{border-top:2px solid #333;padding-top:.5em}@media print{h2{page-break-before:auto}}")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{body}</body></html>")
