"""Rule documentation: one Markdown page per rule and an index (`imrcheck doc`), like ruff's rule pages."""

from __future__ import annotations

from pathlib import Path

from checker.evaluation.checker import Checker
from checker.evaluation.verdicts import unconfirmed_reason
from checker.render.text import fact_value
from checker.ruleset.conditions import describe
from checker.ruleset.fixtures import examples
from checker.ruleset.rules import Catalog, Rule


def rule_page(rule: Rule, catalog: Catalog, checker: Checker) -> str:
    s = rule.spec
    vocab = catalog.vocabulary
    out = [f"# {s.id}: {s.title}", "",
           f"**Guideline:** {s.guideline}, {s.document}, {s.edition}  ",
           f"**In force:** {s.effective.from_} to {s.effective.to or 'now'}"
           + (f" (edition in force {edition.window()})" if (edition := catalog.edition_of(rule)) else "") + "  ",
           f"**Status:** {s.status.replace('_', ' ')} ({s.status_citation.short()})  ",
           f"**Treatments:** {', '.join(f'`{t}`' for t in s.treatments)}", "",
           "## What it decides", "", " ".join(s.summary.split()), ""]
    no_decision = unconfirmed_reason(rule, None)
    if no_decision:
        out += [f"**No decision, no IMR prediction:** {no_decision}.", ""]
    if s.notes:
        out += ["> " + " ".join(s.notes.split()), ""]
    out += ["## Criteria", ""]
    checks = dict(rule.compiled.checks)
    for c in s.criteria:
        page_note = f" ({c.citation.page_note})" if c.citation.page_note else ""
        out += [f"### {c.code}: {c.title}", "", " ".join(c.text.split()), "",
                f"- **Citation:** {c.citation.short()}{page_note}",
                f"- **Role:** {c.role}",
                f"- **Condition:** `{describe(checks[f'criterion:{c.code}'])}`"]
        if c.applies_when is not None:
            out.append(f"- **Applies when:** `{describe(checks[f'applies:{c.code}'])}`")
        out.append(f"- **To meet it:** {' '.join(c.to_meet.split())}")
        out += [f"- **Lineage:** {relation}" for relation in catalog.lineage(c.code)]
        if not c.confirmed:
            out.append(f"- **Unconfirmed:** {' '.join((c.notes or '').split())}")
        out.append("")
    out += ["## Questions for the treating office", ""]
    seen: list[str] = []
    for c in s.criteria:
        for name in rule.documented_facts(f"criterion:{c.code}"):
            if name not in seen:
                seen.append(name)
                out.append(f"- `{name}` ({vocab[name].type.value}): {vocab[name].question}")
    out.append("")
    for label, fixture in zip(("Example: certified", "Example: not certified"), examples(rule, catalog)):
        if fixture is None:
            continue
        result = checker.check_facts(rule, fixture.facts, label=fixture.name)
        out += [f"## {label}", "", f"*{fixture.name}*", "", "| fact | value |", "|---|---|"]
        out += [f"| `{k}` | {fact_value(v)} |" for k, v in fixture.facts.items()]
        out += ["", "| criterion | verdict |", "|---|---|"]
        out += [f"| {c.code} {c.title} | {c.verdict.replace('_', ' ')} |" for c in result.criteria]
        out += ["", f"Decision: **{result.decision}**", ""]
    return "\n".join(out)


def write_docs(catalog: Catalog, checker: Checker, out_dir: Path) -> list[Path]:
    """Write one page per rule and an index; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    index = ["# imrcheck rule catalog", "", "MTUS decides first; ODG only where the MTUS does not address the "
             "treatment (California's evidence hierarchy).", ""]
    for guideline in ("MTUS", "ODG", "OTHER"):
        rules = sorted((r for r in catalog.rules.values() if r.spec.guideline == guideline), key=lambda r: r.id)
        if not rules:
            continue
        index += [f"## {guideline}", "", "| rule | title | edition | status | treatments |", "|---|---|---|---|---|"]
        for rule in rules:
            page = out_dir / f"{rule.id}.md"
            page.write_text(rule_page(rule, catalog, checker))
            written.append(page)
            s = rule.spec
            index.append(f"| [{s.id}]({page.name}) | {s.title} | {s.edition} | {s.status.replace('_', ' ')} | "
                         f"{', '.join(s.treatments)} |")
        index.append("")
    (out_dir / "index.md").write_text("\n".join(index))
    return [out_dir / "index.md", *written]
