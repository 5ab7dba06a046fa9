"""Findings for CI: what blocks each item (one finding per blocking criterion) and every lint problem, located in
the case or letter file where the line is known, written as SARIF 2.1.0 or as GitHub workflow commands; and the
counts by criterion code (`--statistics`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.evaluation.checker import ItemResult, consulted_leaves
from checker.version import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass
class Finding:
    """One thing to annotate: a rule id (criterion code), its level, a message, and where (line 1-based)."""

    rule_id: str
    level: str  # error | warning
    message: str
    path: str | None
    line: int | None = None
    column: int | None = None


@dataclass
class RuleInfo:
    """A SARIF reporting descriptor: the criterion's code, title and citation."""

    rule_id: str
    title: str
    citation: str
    text: str = ""


# ---- where in the input ----------------------------------------------------------------------------------

class Locator:
    """Lines in one input file: of a quoted passage (whitespace and line breaks collapsed), of a case file's
    item or fact; None where the file has no lines to give (a PDF, a file that cannot be read)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._flat = ""
        self._line_at: list[int] = []
        self._yaml: Any = None
        suffix = self.path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            from checker.yamlio import load_yaml
            try:
                self._yaml = load_yaml(self.path)
            except InputError:
                self._yaml = None
        elif suffix != ".pdf":
            try:
                text = self.path.read_bytes().decode("utf-8", "replace")
            except OSError:
                text = ""
            self._index(text)

    def _index(self, text: str) -> None:
        """The text with each run of whitespace as one space, and the line each of its characters is on."""
        flat, lines, line, space = [], [], 1, False
        for ch in text:
            if ch.isspace():
                if not space and flat:
                    flat.append(" ")
                    lines.append(line)
                space = True
                line += ch == "\n"
                continue
            space = False
            flat.append(ch.lower())
            lines.append(line)
        self._flat, self._line_at = "".join(flat), lines

    def line_of(self, passage: str) -> int | None:
        """The line a passage starts on (its first 60 characters, case and spacing ignored)."""
        needle = " ".join(passage.split()).lower()[:60]
        at = self._flat.find(needle) if needle else -1
        return self._line_at[at] if at >= 0 else None

    def item_line(self, index: int, request: str) -> int | None:
        """The line of item `index` (1-based): its entry in a case file, or the request text in a letter."""
        if self._yaml is not None:
            items = self._yaml.get("items") if isinstance(self._yaml, dict) else None
            if isinstance(items, list) and 0 < index <= len(items) and hasattr(items[index - 1], "lines"):
                return min((n for n in items[index - 1].lines.values() if n > 0), default=None)
            return None
        return self.line_of(request)

    def fact_line(self, index: int, name: str) -> int | None:
        """The line of a fact in a case file: in the item's facts or attributes, else in the case's facts."""
        data = self._yaml
        if not isinstance(data, dict):
            return None
        items = data.get("items")
        places = []
        if isinstance(items, list) and 0 < index <= len(items) and isinstance(items[index - 1], dict):
            places += [items[index - 1].get("facts"), items[index - 1].get("attributes")]
        places.append(data.get("facts"))
        for place in places:
            if isinstance(place, dict) and name in place and hasattr(place, "lines") and place.lines.get(name, 0) > 0:
                return place.lines[name]
        return None


def result_findings(path: str, results: list[ItemResult]) -> list[Finding]:
    """One finding per blocking criterion of each item (error when documented not met, warning when not
    documented), and one for a treatment the guideline does not recommend; located at the evidence the
    criterion rests on, else the fact in a case file, else the item."""
    where = Locator(path)
    out: list[Finding] = []
    for r in results:
        item_line = where.item_line(r.index, r.request)
        for c in r.criteria:
            if not c.blocking:
                continue
            line = None
            for f in consulted_leaves(c.facts):
                if f.evidence and f.evidence.get("quote") and f.origin != "request":
                    line = where.line_of(f.evidence["quote"])
                line = line or where.fact_line(r.index, f.name)
                if line:
                    break
            state = "not met" if c.verdict == "not_met" else "not documented"
            out.append(Finding(c.code, "error" if c.verdict == "not_met" else "warning",
                               f"item {r.index} ({r.request}): {c.code} {state}: {c.title} ({c.citation})",
                               path, line or item_line))
        if "STATUS" in r.reasons and r.rule:
            out.append(Finding(r.rule, "error", f"item {r.index} ({r.request}): {r.rule}: the guideline does not "
                               f"recommend {r.treatment} ({r.status_citation})", path, item_line))
    return out


def result_rules(results: Iterable[ItemResult]) -> list[RuleInfo]:
    """The criteria (and not-recommended rules) the findings of these results name, each once, by code."""
    seen: dict[str, RuleInfo] = {}
    for r in results:
        for c in r.criteria:
            if c.blocking and c.code not in seen:
                seen[c.code] = RuleInfo(c.code, c.title, c.citation, c.text)
        if "STATUS" in r.reasons and r.rule and r.rule not in seen:
            seen[r.rule] = RuleInfo(r.rule, f"{r.treatment}: not recommended", r.status_citation or "")
    return sorted(seen.values(), key=lambda i: i.rule_id)


def problem_finding(p: InputError, rule_id: str = "lint") -> Finding:
    """A lint problem (or an input that could not be read) as a finding, the field in the message."""
    message = f"{p.field}: {p.message}" if p.field else p.message
    return Finding(rule_id, "error", message, p.path, p.line, p.column)


LINT_RULE = RuleInfo("lint", "A rule, vocabulary, extraction or case file that does not validate",
                     "imrcheck lint: every file is validated against its model at load time")


# ---- SARIF 2.1.0 ------------------------------------------------------------------------------------------

def _uri(path: str) -> str:
    """A path as a SARIF artifact URI: relative paths as they are (with /), absolute ones as file: URIs."""
    p = Path(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()


def _locations(f: Finding) -> list[dict[str, Any]]:
    if not f.path:
        return []
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.path)}}
    if f.line:
        physical["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column else {})}
    return [{"physicalLocation": physical}]


def sarif(findings: list[Finding], rules: list[RuleInfo], unread: list[Finding] = ()) -> str:
    """A SARIF 2.1.0 log with one run: the driver's rules (title, citation), one result per finding, and the
    inputs that could not be read as the invocation's notifications (the execution then did not succeed)."""
    index = {r.rule_id: n for n, r in enumerate(rules)}
    driver_rules = [{"id": r.rule_id, "name": r.rule_id,
                     "shortDescription": {"text": r.title},
                     "fullDescription": {"text": r.text or r.title},
                     "help": {"text": f"Citation: {r.citation}"},
                     "properties": {"citation": r.citation}} for r in rules]
    results = []
    for f in findings:
        result: dict[str, Any] = {"ruleId": f.rule_id, "level": f.level, "message": {"text": f.message}}
        if f.rule_id in index:
            result["ruleIndex"] = index[f.rule_id]
        if f.path:
            result["locations"] = _locations(f)
        results.append(result)
    notifications = [{"level": "error", "message": {"text": f.message}, "locations": _locations(f)}
                     for f in unread]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "imrcheck", "version": __version__,
                                         "rules": driver_rules}},
                     "invocations": [{"executionSuccessful": not notifications,
                                      "toolExecutionNotifications": notifications}],
                     "results": results}]}
    return json.dumps(log, indent=2)


# ---- GitHub Actions workflow commands ---------------------------------------------------------------------

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding]) -> list[str]:
    """`::error file=F,line=L,title=T::message` lines (warning for a criterion not documented)."""
    lines = []
    for f in findings:
        props = []
        if f.path:
            props.append(f"file={_escape_property(f.path)}")
            if f.line:
                props.append(f"line={f.line}")
                if f.column:
                    props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule_id)}")
        lines.append(f"::{f.level} {','.join(props)}::{_escape_data(f.message)}")
    return lines


# ---- --statistics -----------------------------------------------------------------------------------------

def criterion_counts(criteria_lists: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    """Blocking criteria counted by code over items (each item's criteria: CriterionResult or audit dicts),
    split into not met and not documented; most frequent first, then by code."""
    total: Counter[str] = Counter()
    by_verdict: dict[str, Counter[str]] = {"not_met": Counter(), "not_documented": Counter()}
    titles: dict[str, str] = {}
    for criteria in criteria_lists:
        for c in criteria:
            get = c.get if isinstance(c, dict) else (lambda k, c=c: getattr(c, k))
            if not get("blocking"):
                continue
            code = get("code")
            total[code] += 1
            by_verdict.setdefault(get("verdict"), Counter())[code] += 1
            titles.setdefault(code, get("title"))
    return [{"code": code, "count": n, "not_met": by_verdict["not_met"][code],
             "not_documented": by_verdict["not_documented"][code], "title": titles[code]}
            for code, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]


def statistics_lines(counts: list[dict[str, Any]], width: int = 80) -> list[str]:
    """`count  not-met  undoc  code  title` rows (like `ruff --statistics`), clipped to the width."""
    from checker.render.text import clip
    if not counts:
        return ["no blocking criteria"]
    code_width = max(len(c["code"]) for c in counts)
    lines = [f"{'count':>5} {'not met':>7} {'undoc':>5}  {'code':<{code_width}}  title"]
    for c in counts:
        lines.append(clip(f"{c['count']:>5} {c['not_met']:>7} {c['not_documented']:>5}  {c['code']:<{code_width}}  "
                          f"{c['title']}", width))
    return lines
