"""Rendering results for people (text that fits 80 columns) and for programs (JSON)."""

from __future__ import annotations

import textwrap
from typing import Any, Iterable

from checker.errors import at_input, error_line
from checker.evaluation.checker import CriterionResult, FactUse, ItemResult, consulted_leaves
from checker.evaluation.verdicts import unconfirmed_reason
from checker.ruleset.conditions import describe
from checker.ruleset.facts import LEVEL_KINDS, FactVocabulary
from checker.ruleset.rules import Catalog, Criterion, Rule

WIDTH = 80
_LABEL = {"met": "met", "not_met": "NOT MET", "not_documented": "NOT DOCUMENTED"}


def wrap(text: str, indent: int = 0, first: str | None = None) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent=first if first is not None else pad,
                         subsequent_indent=pad) or [first or pad]


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def outcome_word(value: str | None) -> str:
    return value.capitalize() if value else "-"


def fact_value(value: Any) -> str:
    if value is None:
        return "not documented"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def first_unmet(r: ItemResult) -> str:
    """The first reason against certification, as short as a table cell allows."""
    if r.decision_basis == "criteria_unconfirmed":
        return "criteria unconfirmed"
    if r.decision is None:
        return "no rule"
    for c in r.criteria:
        if c.blocking:
            return f"{c.code} {'not met' if c.verdict == 'not_met' else 'undocumented'}"
    return "not recommended" if "STATUS" in r.reasons else "-"


BASIS_TEXT = {"certified": "certified", "not_medically_necessary": "not medically necessary",
              "insufficient_documentation": "insufficient documentation",
              "criteria_unconfirmed": "criteria unconfirmed"}
_BASIS_CELL = {"certified": "certify", "not_medically_necessary": "not-nec", "insufficient_documentation": "insuff",
               "criteria_unconfirmed": "unconf"}


def advisory_text(r: ItemResult) -> str | None:
    """For a decided item whose rule also has advisory criteria: which criteria decided and which are guidance
    only (unconfirmed ones say so)."""
    advisory = [c for c in r.criteria if c.role == "advisory"]
    if r.decision is None or not advisory:
        return None
    deciding = [c.code for c in r.criteria if c.role != "advisory"]
    shown = ", ".join(c.code + ("" if c.confirmed else " (unconfirmed)") for c in advisory)
    on = f"decided on {', '.join(deciding)}" if deciding else "decided on the guideline's status"
    return f"{on}; advisory, guidance only: {shown}"


def conditional_text(r: ItemResult) -> str:
    """An ancillary item decided as if its operation in dispute were certified, in words."""
    on = r.conditional_on or {}
    where = f"item {on['item']}: {on['request']}" if on.get("item") is not None else on.get("request")
    return f"conditional: decided as if the surgery in dispute{f' ({where})' if where else ''} is certified"


def check_lines(case: str, path: str, results: list[ItemResult]) -> list[str]:
    """One line per item: treatment, decision (and its basis), predicted vs actual, the first unmet criterion;
    a decision marked * is conditional on a surgery in dispute."""
    lines = [clip(f"{case}  ({path})", WIDTH),
             "  # treatment            decision predicted  actual     ok  first unmet"]
    for r in results:
        mark = {True: "yes", False: "NO", None: "-"}[r.agree]
        decision = _BASIS_CELL.get(r.decision_basis, "none") + ("*" if r.conditional_on else "")
        lines.append(f"{r.index:>3} {clip(r.treatment or 'UNKNOWN', 20):<20} {decision:<8} "
                     f"{outcome_word(r.predicted):<10} {outcome_word(r.actual):<10} {mark:<3} {first_unmet(r)}")
    bases = {r.decision_basis for r in results}
    legend = [text for key, text in (
        ("not_medically_necessary", "not-nec = not medically necessary (a criterion documented not met, or not "
                                    "recommended)"),
        ("insufficient_documentation", "insuff = insufficient documentation (something required is not "
                                       "documented)")) if key in bases]
    if legend:
        lines += wrap("; ".join(legend) + "; both predict Upheld", 4, first="  ")
    if "criteria_unconfirmed" in bases:
        lines += wrap("unconf = criteria unconfirmed (the criteria in force are not confirmed from a public "
                      "source: no decision and no prediction; explain shows the advisory criteria as guidance)",
                      4, first="  ")
    conditional: dict[str, list[str]] = {}
    for r in results:
        if r.conditional_on:
            conditional.setdefault(conditional_text(r), []).append(str(r.index))
    for text, numbers in conditional.items():
        lines += wrap(f"{'items' if len(numbers) > 1 else 'item'} {', '.join(numbers)}* {text}", 4, first="  ")
    for r in results:
        if r.formulary and r.formulary["applies"]:  # a request before the formulary: explain says so
            lines += wrap(f"item {r.index} formulary: {formulary_summary(r.formulary)}", 4, first="  ")
        if r.decision_basis == "criteria_unconfirmed":
            lines += wrap(f"item {r.index}: no prediction: the criteria of {r.rule} ({r.edition}) are not "
                          "confirmed; `explain` shows its advisory criteria", 4, first="  ")
        elif r.decision is None:
            lines += wrap(f"item {r.index}: no prediction: {r.why_no_prediction}", 4, first="  ")
        elif r.what_if and r.decision == "non-certify" and r.what_if["to_certify"]:
            best = r.what_if["to_certify"][0]
            lines += wrap(f"item {r.index} certifiable with: " + "; ".join(change_text(c) for c in best["changes"])
                          + f" [meets {', '.join(best['satisfies'])}]", 4, first="  ")
        elif r.decision == "non-certify" and cannot_change(r):
            lines += wrap(f"item {r.index} not certifiable as documented: " + "; ".join(
                f"{code} rests on {_rests_on(facts) or 'the record'}" for code, facts in cannot_change(r).items()),
                4, first="  ")
    return lines


def _fact_lines(f: FactUse, indent: int) -> list[str]:
    pad = " " * indent
    origin = f" ({f.origin})" if f.origin not in ("not documented",) else ""
    lines = [clip(f"{pad}{f.name} = {fact_value(f.value)}{origin}", WIDTH)]
    if f.evidence:
        where = f.evidence["source"] + (f", {_section(f.evidence['section'])}" if f.evidence.get("section") else "")
        quote = f'"{f.evidence["quote"]}" [{where}]'
        if f.evidence.get("note"):
            quote += f' ({f.evidence["note"]})'
        lines += wrap(quote, indent + 4)
    for sub in f.inputs:
        lines += _fact_lines(sub, indent + 4)
    return lines


def _undocumented(facts: list[FactUse]) -> list[str]:
    """The documented-fact leaves under a criterion that are missing from the record."""
    return list(dict.fromkeys(f.name for f in consulted_leaves(facts) if f.value is None))


def _criterion_lines(c: CriterionResult, rests_on: dict[str, Any] | None = None) -> list[str]:
    role = "" if c.role == "required" else f" ({c.role})"
    lines = wrap(f"{c.code} {c.title}{role}", 6, first=f"  [{_LABEL[c.verdict]}] ")
    lines += wrap(c.citation, 6)
    if not c.confirmed:
        lines += wrap(f"unconfirmed: {c.notes}", 6)
    if c.applies:  # why it applies at all (a continuation, a repeat procedure...)
        lines.append("      applies because:")
        for f in c.applies:
            lines += _fact_lines(f, 8)
    for f in c.facts:
        lines += _fact_lines(f, 6)
    missing = _undocumented(c.facts)
    if c.verdict == "not_documented" and missing:
        lines += wrap(f"not documented: {', '.join(missing)}", 6)
    if rests_on is not None:  # its guidance would contradict the records
        lines += wrap(f"cannot be met as documented ({_rests_on(rests_on) or 'no change found'})", 6)
    elif c.verdict != "met":
        lines += wrap(f"to meet: {c.to_meet}", 6)
    return lines


def parse_text(parse: dict[str, Any]) -> str:
    """How the request grammar read a request, in one line: heads, sites, side, levels, specialty, words unread."""
    bits = [" + ".join(f"{h['as_written']} ({h['kind']})" for h in parse.get("heads", [])) or "no treatment named"]
    if parse.get("dependents"):
        bits.append("with " + ", ".join(d.replace("_", " ") for d in parse["dependents"]))
    if parse.get("sites"):
        bits.append("site " + ", ".join(s.replace("_", " ") for s in parse["sites"]))
    for key in ("side", "specialty"):
        if parse.get(key):
            bits.append(f"{key} {parse[key].replace('_', ' ')}")
    if parse.get("levels"):
        bits.append("levels " + ", ".join(parse["levels"]))
    if parse.get("surgical_service"):
        bits.append("an associated surgical service")
    if parse.get("unrecognized"):
        bits.append("words not read: " + ", ".join(parse["unrecognized"]))
    return "; ".join(bits)


def explain_lines(r: ItemResult, catalog: Catalog) -> list[str]:
    """Every criterion: verdict, citation, facts with values and evidence, and what would change it."""
    lines = wrap(f"{r.case}, item {r.index}: {r.request}")
    name = catalog.treatments.treatments[r.treatment].name if r.treatment in catalog.treatments.treatments else None
    lines += wrap(f"{r.treatment or 'unknown'}" + (f" ({name})" if name else ""), 11, first="Treatment  ")
    if r.parse:
        lines += wrap(parse_text(r.parse), 11, first="Read as    ")
    if r.attributes:
        attrs = "; ".join(f"{k}={fact_value(v)}" for k, v in r.attributes.items())
        lines += wrap(attrs, 11, first="Request    ")
    for p in r.parts:
        verdict = p["decision"] or ("no prediction (criteria unconfirmed)"
                                    if p["decision_basis"] == "criteria_unconfirmed" else
                                    f"no prediction ({p['selection']})")
        lines += wrap(f"{p['code']}" + (f" ({p['site'].replace('_', ' ')})" if p["site"] else "") +
                      f": {p['rule'] or 'no rule'}, {verdict}" +
                      (f" [{', '.join(p['reasons'])}]" if p["reasons"] else ""), 11, first="Part       ")
    lines += formulary_lines(r.formulary, 11, "Formulary  ")
    if r.rule is None:
        lines += wrap(f"no prediction: {r.selection}", 11, first="Decision   ")
        return lines
    rule = catalog.rules[r.rule]
    lines += wrap(f"{r.rule} {rule.spec.title} [{r.guideline}, {rule.spec.document}, {r.edition}]", 11,
                  first="Rule       ")
    lines += wrap(r.selection, 11)
    lines += wrap(f"{r.status.replace('_', ' ')}: {r.status_citation}", 11, first="Status     ")
    actual = f"actual {outcome_word(r.actual)}" + ({True: ", agrees", False: ", DISAGREES"}.get(r.agree, ""))
    if r.decision is None:
        lines += wrap(f"none -> no IMR prediction ({actual})", 11, first="Decision   ")
    else:
        lines += wrap(f"{r.decision.upper()} -> IMR prediction {outcome_word(r.predicted)} ({actual})", 11,
                      first="Decision   ")
    if r.decision_basis:
        why = r.why_no_prediction if r.decision is None else advisory_text(r)
        lines += wrap(BASIS_TEXT[r.decision_basis] + (f": {why}" if why else ""), 11, first="Basis      ")
    if r.conditional_on:
        lines += wrap(conditional_text(r) + "; it stands or falls with that surgery", 11, first="Condition  ")
    if r.decision == "non-certify":
        because = []
        if "STATUS" in r.reasons:
            because.append(f"the guideline does not recommend this treatment ({r.status_citation})")
        for c in r.criteria:
            if c.blocking:
                because.append(f"{c.code} {_LABEL[c.verdict].lower()}: {c.title} ({c.citation})")
        lines += wrap("; ".join(because), 11, first="Because    ")
    lines += ["", "Criteria" + (" (advisory: what to document, not a decision)"
                                if r.decision_basis == "criteria_unconfirmed" else "")]
    for c in r.criteria:
        lines += _criterion_lines(c, cannot_change(r).get(c.code))
    if r.not_applicable:
        lines += ["", "Not applicable"]
        for na in r.not_applicable:
            lines += wrap(f"{na['code']} {na['title']} ({na['why']})", 6, first="  ")
    lines += ["", "What would change the decision"]
    lines += change_lines(r)
    receipt = r.receipt
    drug_list = f", {receipt['drug_list']}" if receipt.get("drug_list") else ""
    lines += ["", *wrap(f"imrcheck {receipt['imrcheck']}, rule set {receipt['ruleset']}, engine {receipt['engine']}, "
                        f"rules used: {', '.join(receipt['rules'])}{drug_list}", 9, first="Receipt  ")]
    return lines


def change_text(change: dict[str, Any]) -> str:
    """One what-if change as an office reads it: what to document, state, or request instead (see whatif)."""
    fact, value, before, kind = change["fact"], change["value"], change["before"], change.get("kind", "document")
    if value is None:
        return f"{fact} missing (now {fact_value(before)})"
    where = " in the request" if kind == "state" else ""
    levels = change.get("level_kind")
    if change["placeholder"]:
        return f"{fact} stated{where} ({', '.join(LEVEL_KINDS[levels])})"
    if change.get("any_of"):
        return f"{fact} = any of {', '.join(value)}{where} ({LEVEL_KINDS[levels][0]}; now not documented)"
    if kind == "modify":
        return f"{fact} = {fact_value(value)} instead of {fact_value(before)} (a smaller request)"
    if kind == "later":
        return f"{fact} = {fact_value(value)} once the records show it (now {fact_value(before)})"
    if kind == "state":
        return f"{fact} = {fact_value(value)} stated in the request (now not stated)"
    return f"{fact} = {fact_value(value)} (now {fact_value(before)})"


def what_if_lines(r: ItemResult) -> list[str]:
    """The smallest sets of changes that would make the item certifiable, or the facts it hangs on."""
    w = r.what_if
    if not w:
        return []
    lines: list[str] = []
    if r.decision == "certify" and w["would_sink"]:
        lines.append("  Certifiable as documented; it would not be with any one of these:")
        for change in w["would_sink"]:
            lines += wrap(change_text(change), 6, first="  - ")
    elif r.decision == "non-certify" and w["to_certify"]:
        lines.append("  Certifiable with any one of these (what to document, or a smaller request):")
        for n, option in enumerate(w["to_certify"], start=1):
            text = "; ".join(change_text(c) for c in option["changes"])
            lines += wrap(f"{text} [meets {', '.join(option['satisfies'])}]", 6, first=f"  {n}. ")
    for code, facts in cannot_change(r).items():
        lines += wrap(f"{code} cannot be met by documenting more or requesting less"
                      + (f": it rests on what the records document ({_rests_on(facts)})" if facts else ""), 4,
                      first="  ")
    return lines


def change_lines(r: ItemResult) -> list[str]:
    if r.decision_basis == "criteria_unconfirmed":
        return wrap("No documentation makes it certifiable here: no criterion in force is confirmed, so the checker "
                    "does not decide it. The advisory criteria say what a reviewer may still look for.", 4,
                    first="  ")
    if r.decision == "certify":
        lines = what_if_lines(r) or ["  Certifiable as documented."]
        return lines
    lines = what_if_lines(r)
    if "STATUS" in r.reasons:
        lines += wrap("The guideline does not recommend this treatment; documentation alone will not make it "
                      "certifiable (only evidence that rebuts the MTUS presumption could).", 4, first="  - ")
    for c in r.criteria:
        if c.blocking and c.code not in cannot_change(r):
            lines += wrap(f"{c.code}: {c.to_meet}", 4, first="  - ")
    return lines


def cannot_change(r: ItemResult) -> dict[str, dict[str, Any]]:
    """The blocking criteria no documentation or smaller request can meet, with the documented facts they rest
    on (their guidance would ask the office to contradict its records)."""
    return {s["criterion"]: s["facts"] for s in (r.what_if or {}).get("cannot_change", [])}


def _rests_on(facts: dict[str, Any]) -> str:
    return "; ".join(f"{k} = {fact_value(v)}" for k, v in facts.items())


def audit_lines(summary: dict[str, Any], results: Iterable[ItemResult], errors: list[dict[str, str]],
                skipped: list[dict[str, str]], warnings: list[dict[str, str]] = ()) -> list[str]:
    lines = [f"{'case':<12} {'#':>2} {'treatment':<24} {'predicted':<11} {'actual':<11} agree basis"]
    for r in results:
        mark = {True: "yes", False: "NO", None: "-"}[r.agree]
        basis = _BASIS_CELL.get(getattr(r, "decision_basis", None), "-")
        basis += "*" if getattr(r, "conditional_on", None) else ""
        lines.append(f"{clip(r.case, 12):<12} {r.index:>2} {clip(r.treatment or 'UNKNOWN', 24):<24} "
                     f"{outcome_word(r.predicted):<11} {outcome_word(r.actual):<11} {mark:<5} {basis}")
    s = summary
    lines += ["", f"inputs {s['inputs']} (read {s['inputs_read']}, failed {s['inputs_failed']}, "
                  f"skipped {s['inputs_skipped']}); items {s['items']}, predicted {s['items_predicted']}, "
                  f"compared {s['items_compared']}"]
    if s["items_compared"]:
        ba = s["balanced_accuracy"]
        lines.append(f"agreement {s['agree']}/{s['items_compared']} ({s['agreement']:.0%}); "
                     f"balanced accuracy {'-' if ba is None else f'{ba:.2f}'}")
    bases = s.get("decision_basis")
    if bases:
        lines += wrap(f"decided: certified {bases['certified']}, not medically necessary "
                      f"{bases['not_medically_necessary']}, insufficient documentation "
                      f"{bases['insufficient_documentation']}")
    if s.get("uncovered_by_reason"):
        lines += wrap("no prediction: " + ", ".join(f"{kind} {n}" for kind, n in s["uncovered_by_reason"].items())
                      + (" (criteria-unconfirmed: a rule is in force but none of its criteria is confirmed)"
                         if "criteria-unconfirmed" in s["uncovered_by_reason"] else ""))
    cond = s.get("conditional")
    if cond and cond["items"]:
        lines += wrap(f"conditional (*: decided as if the surgery in dispute were certified; counted apart): "
                      f"{cond['items']} item(s), agree {cond['agree']}/{cond['items_compared']}")
    c = s["confusion"]
    lines += ["", "actual \\ predicted   Upheld  Overturned  none"]
    for actual in ("upheld", "overturned", "unknown"):
        row = c[actual]
        lines.append(f"{actual.capitalize():<20} {row['upheld']:>6}  {row['overturned']:>10}  {row['none']:>4}")
    for e in errors:
        lines.append(error_line(at_input(e["input"], e["reason"])))  # one line: editors jump on path:line:col
    for e in skipped:
        lines.append(f"skipped: {e['input']}: {e['reason']}")
    for e in warnings:
        lines.append(f"warning: {e['input']}: {e['reason']}")
    return lines


def rule_catalog_lines(catalog: Catalog) -> list[str]:
    lines = []
    for rule in sorted(catalog.rules.values(), key=lambda r: r.id):
        s = rule.spec
        lines += wrap(f"{s.id}  {s.title} [{s.guideline} {s.edition}; {s.status.replace('_', ' ')}]")
        lines += wrap(f"treatments: {', '.join(s.treatments)}", 4)
        for c in s.criteria:
            lines.append(clip(f"    {c.code}  {c.title}", WIDTH))
    return lines


def rule_lines(rule: Rule, catalog: Catalog) -> list[str]:
    s = rule.spec
    lines = wrap(f"{s.id}: {s.title}")
    lines += wrap(f"{s.guideline}, {s.document}, {s.edition}; in force {s.effective.from_}"
                  f" to {s.effective.to or 'now'}", 2)
    lines += wrap(f"status: {s.status.replace('_', ' ')} ({s.status_citation.short()})", 2)
    lines += wrap(f"treatments: {', '.join(s.treatments)}", 2)
    no_decision = unconfirmed_reason(rule, None)
    if no_decision:
        lines += wrap(f"no decision, no IMR prediction: {no_decision}", 2)
    lines += ["", *wrap(s.summary, 2)]
    if s.notes:
        lines += ["", *wrap(f"notes: {s.notes}", 2)]
    if s.uses:
        lines += wrap(f"uses the library: {', '.join(s.uses)}", 2)
    for c in s.criteria:
        lines += ["", *criterion_detail_lines(rule, c, catalog.vocabulary, catalog.lineage(c.code))]
    return lines


def criterion_detail_lines(rule: Rule, c: Criterion, vocab: FactVocabulary, lineage: list[str] = ()) -> list[str]:
    node = dict(rule.compiled.checks)[f"criterion:{c.code}"]
    lines = wrap(f"{c.code}  {c.title}  ({rule.id}, {c.role})")
    lines += wrap(c.text, 2)
    lines += wrap(f"citation: {c.citation.short()}", 2)
    if c.applies_when is not None:
        lines += wrap(f"applies when: {describe(dict(rule.compiled.checks)[f'applies:{c.code}'])}", 2)
    lines += wrap(f"condition: {describe(node)}", 2)
    for name, dnode in rule.compiled.derived:
        if name in rule.criterion_facts[c.code]:
            lines += wrap(f"where {name} = {describe(dnode)}", 4)
    lines += wrap(f"to meet: {c.to_meet}", 2)
    for relation in lineage:
        lines += wrap(relation, 2)
    questions = [(f, vocab[f].question) for f in rule.documented_facts(f"criterion:{c.code}")]
    if questions:
        lines.append("  questions for the treating office:")
        for name, question in questions:
            lines += wrap(f"{name}: {question}", 6, first="    - ")
    if not c.confirmed or c.notes:
        lines += wrap(f"{'unconfirmed' if not c.confirmed else 'notes'}: {c.notes}", 2)
    return lines



def note_lines(path: str, case, rule, vocab: FactVocabulary) -> list[str]:
    """For a case read from a progress note: the facts found (with quotes), then the facts the deciding rule
    needs that the note does not document, with their questions."""
    facts = {**case.facts, **case.items[0].facts}
    lines = [f"Facts found in {path}:"]
    for name, entry in facts.items():
        quote = f' "{entry.evidence.quote}"' if entry.evidence else ""
        if entry.evidence and entry.evidence.section:
            quote += f" [{_section(entry.evidence.section)}]"
        lines += wrap(f"{name} = {fact_value(entry.value)}:{quote}", 6, first="  + ")
    needed = [n for c in rule.spec.criteria for n in rule.documented_facts(f"criterion:{c.code}")]
    missing = [n for n in dict.fromkeys(needed) if n not in facts and vocab[n].source == "clinical"]
    if missing:
        lines.append("Not found in the note (confirm, or document):")
        for name in missing:
            lines += wrap(f"{name}: {vocab[name].question}", 6, first="  ? ")
    return lines + [""]


def note_layout_lines(path: str, layout) -> list[str]:
    """How a progress note was read: its date of service and its sections with their lines."""
    lines = [f"Progress note {path}"]
    date = f"{layout.date.date.isoformat()} ({layout.date.quote})" if layout.date else "not found in the note"
    lines += wrap(date, 11, first="Date       ")
    spans = []
    for s in layout.sections:
        first, last = layout.line(s.start), layout.line(s.end - 1)
        spans.append(f"{_section(s.name)} (line {first})" if first == last else
                     f"{_section(s.name)} (lines {first}-{last})")
    lines += wrap("; ".join(spans) or "none found", 11, first="Sections   ")
    return lines + [""]


def _section(name: str) -> str:
    return name.replace("_", " ")


def formulary_summary(f: dict[str, Any]) -> str:
    """A drug request's formulary status in one sentence: the drug-list version and the status with its reason
    (before the formulary, only the reason it does not apply)."""
    if not f["applies"]:
        return f["reason"]
    return f"MTUS Drug List {f['version']} (effective {f['version_effective']}): {f['reason']}"


def formulary_lines(f: dict[str, Any] | None, indent: int, first: str) -> list[str]:
    """A drug request's MTUS Drug Formulary status: the list version, status, review, fill windows."""
    if not f:
        return []
    lines = wrap(formulary_summary(f), indent, first=first)
    if not f["applies"]:
        return lines
    for label, key in (("Special Fill", "special_fill"), ("Perioperative Fill", "perioperative_fill")):
        fill = f.get(key)
        if fill and fill.get("eligible") is not False:
            lines += wrap(f"{label}: {fill['why']}", indent)
    if f.get("transition"):
        lines += wrap(f["transition"], indent)
    return lines


def requirement_lines(data: dict[str, Any]) -> list[str]:
    """The documentation checklist (`imrcheck requirements`) as text."""
    lines = wrap(f"{data['name']} ({data['treatment']}): {data['rule']} {data['title']} "
                 f"[{data['guideline']}, {data['edition']}]")
    lines += wrap(f"{data['selection']}; status {data['status'].replace('_', ' ')} "
                  f"({data['status_citation']})", 2)
    lines += formulary_lines(data.get("formulary"), 4, "  formulary: ")
    if data.get("no_decision"):
        lines += wrap(f"no decision, no IMR prediction: {data['no_decision']}", 2)
    if data["request_attributes"]:
        lines += wrap("from the request: " + "; ".join(
            f"{k} = {fact_value(v)}" for k, v in data["request_attributes"].items()), 2)
    for c in data["criteria"]:
        role = "" if c["role"] == "required" else f" ({c['role']})"
        lines += ["", *wrap(f"{c['code']} {c['title']}{role}")]
        lines += wrap(c["citation"], 2)
        if c["applies_when"]:
            lines += wrap(f"only when: {c['applies_when']}", 2)
        for q in c["questions"]:
            known = f" [request: {fact_value(q['from_request'])}]" if q["from_request"] is not None else ""
            lines += wrap(f"{q['question']} ({q['fact']}){known}", 6, first="  [ ] ")
    return lines


def rule_example_lines(rule: Rule, catalog: Catalog, checker) -> list[str]:
    """A certified and a non-certified example from the rule's own fixtures, as `imrcheck doc` shows."""
    from checker.ruleset.fixtures import examples
    lines: list[str] = []
    for label, fixture in zip(("certified", "not certified"), examples(rule, catalog)):
        if fixture is None:
            continue
        result = checker.check_facts(rule, fixture.facts, label=fixture.name)
        lines += ["", *wrap(f"example, {label}: {fixture.name}")]
        facts = "; ".join(f"{k} = {fact_value(v)}" for k, v in fixture.facts.items())
        lines += wrap(facts, 4, first="  facts: ")
        lines += wrap(", ".join(f"{c.code} {c.verdict.replace('_', ' ')}" for c in result.criteria), 4,
                      first="  verdicts: ")
        lines.append(f"  decision: {result.decision}")
    return lines


def verify_lines(results, gaps: list[str], verbose: bool = False) -> list[str]:
    """The failing fixtures with their problems (every fixture when verbose), the coverage gaps, and a one-line
    summary; a fixture's line is clipped to 80 columns, a problem (an error naming its file) is never cut."""
    lines = []
    for r in results:
        if verbose or not r.passed:
            lines.append(clip(f"{'pass' if r.passed else 'FAIL'}  {r.rule}  {r.name}", WIDTH))
            lines += [f"      {p}" for p in r.problems]
    for g in gaps:
        lines += wrap(g, 6, first="gap   ")
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed; {len(gaps)} coverage gap(s)")
    return lines


def diff_lines(ref: str, fixtures: list[dict[str, Any]], items: list[dict[str, Any]], cases: int,
               total_items: int) -> list[str]:
    """What `verify --diff REF` found to move."""
    lines = [f"against the rules at {ref}: {len(fixtures)} fixture(s) and {len(items)} of "
             f"{total_items} item(s) in {cases} case(s) change"]
    for f in fixtures:
        lines.append(f"fixture  {f['rule']}  {f['fixture']}: {f['before']} -> {f['after']}")
        lines += [f"           {line}" for line in f["criteria"]]
    for i in items:
        lines.append(f"item     {i['case']} #{i['index']} {i['item']}: {i['before']} -> {i['after']}"
                     f" (actual {i['actual'] or '-'})")
        lines += [f"           {line}" for line in i["criteria"]]
    return lines


def _metric_row(label: str, g: dict[str, Any]) -> str:
    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"
    r, s = g["reasons"], g["reasons"]["shuffled"]
    shuffled = "-" if s["mean"] is None else f"{num(s['mean'])} [{num(s['low'])}, {num(s['high'])}]"
    return (f"{clip(label, 20):<20} {g['items']:>5} {num(g['balanced_accuracy']):>5} "
            f"{g['overturns_caught']:>3}/{g['overturned']:<3} {g['false_overturns']:>5}  "
            f"{r['agree']:>3}/{r['named']:<3} {num(r['agreement']):>4}  {shuffled}")


def _metric_legend(m: dict[str, Any]) -> list[str]:
    return wrap(f"BA = balanced accuracy; caught = actual overturns predicted Overturned; false = Upheld items "
                f"predicted Overturned; reasons = Upheld items whose reviewer's reason is among the blocking "
                f"criteria / those whose rationale names a criterion; shuffled = the same with the rationales "
                f"shuffled within the family ({m['shuffles']} times, seed {m['seed']}): mean [95% interval]; "
                f"conditional = ancillary items decided as if their disputed surgery were certified, counted "
                f"apart from the families and the total.")


_METRIC_HEADER = (f"{'family':<20} {'items':>5} {'BA':>5} {'caught':^7} {'false':>5}  {'reasons':^7} {'rate':>4}  "
                  "shuffled [95%]")


def metrics_lines(m: dict[str, Any]) -> list[str]:
    """The auditor's figures (checker.audit.metrics) per family and in total."""
    lines = ["Auditor's figures", _METRIC_HEADER]
    lines += [_metric_row(f, g) for f, g in m["families"].items()]
    lines.append(_metric_row("total", m["total"]))
    if m.get("conditional", {}).get("items"):
        lines.append(_metric_row("conditional (apart)", m["conditional"]))
    return lines + _metric_legend(m)


def metrics_compare_lines(before: dict[str, Any], after: dict[str, Any], labels=("before", "after")) -> list[str]:
    """Two runs' figures side by side, family by family (a family one run lacks is marked so)."""
    lines = [_METRIC_HEADER]
    for family in sorted(set(before["families"]) | set(after["families"])) + ["total", "conditional"]:
        lines.append("conditional (apart)" if family == "conditional" else family)
        for label, m in zip(labels, (before, after)):
            g = m.get(family) if family in ("total", "conditional") else m["families"].get(family)
            lines.append(_metric_row(f"  {label}", g) if g and g["items"] else f"  {label:<18} (no items)")
    return lines + _metric_legend(after)


def in_force_lines(day, rows, documents: list[dict]) -> list[str]:
    """`rule --in-force`: per treatment family, each treatment's rule in force on `day`, then per document."""
    lines = [f"Rules in force on {day.isoformat()} (MTUS first, then ODG; criteria confirmed / total)"]
    family = None
    for row in rows:
        if row.family != family:
            family = row.family
            lines += ["", f"{family}:"]
        if row.rule is None:
            lines.append(f"  {row.treatment}: none")
            continue
        s = row.rule.spec
        status = "status confirmed" if s.status_confirmed else "status not confirmed"
        verdict = "" if row.decides else "; no decision: criteria unconfirmed"
        lines += wrap(f"{row.treatment}: {s.id} ({s.guideline}), criteria {row.criteria_confirmed}/"
                      f"{len(s.criteria)}, {status}{verdict}", 4, first="  ")
        lines += wrap(f"{s.document}, {s.edition}; in force {s.effective.from_} to {s.effective.to or 'now'}", 4)
    lines += ["", "By guideline document (each rule once):"]
    for d in documents:
        lines += wrap(f"{d['guideline']} {d['document']}, {d['edition']}: {d['rules']} rule(s), "
                      f"{d['rules_deciding']} deciding, criteria {d['criteria_confirmed']}/{d['criteria']}",
                      4, first="  ")
    none = sum(r.rule is None for r in rows)
    lines += ["", f"{len(rows)} treatment(s): {len(rows) - none} with a rule in force, {none} none"]
    return lines
