"""Running rule fixtures (`imrcheck verify`): every fixture beside each rule file, and the coverage check that
together they show each criterion met, not met and not documented; `verify --diff REF` (what a rule change moves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.evaluation.checker import Checker
from checker.ruleset.conditions import can_be_undocumented
from checker.ruleset.fixtures import VERDICTS, load_fixture_file
from checker.ruleset.layout import RulesFolder
from checker.ruleset.rules import Catalog


@dataclass
class FixtureResult:
    rule: str
    name: str
    path: str
    passed: bool
    problems: list[str] = field(default_factory=list)


def run_fixtures(catalog: Catalog, checker: Checker) -> tuple[list[FixtureResult], list[str]]:
    """Run every fixture file; return the results and the coverage gaps (and missing fixture files)."""
    results: list[FixtureResult] = []
    gaps: list[str] = []
    for rule in sorted(catalog.rules.values(), key=lambda r: r.id):
        path = RulesFolder.fixture_path(rule.path)
        if not path.exists():
            gaps.append(f"{rule.id}: no fixture file {path}")
            continue
        try:
            ff = load_fixture_file(path, catalog)
        except InputError as exc:
            results.append(FixtureResult(rule.id, "(file)", str(path), False, [exc.one_line()]))
            continue
        if ff.rule != rule.id:
            results.append(FixtureResult(rule.id, "(file)", str(path), False,
                                         [f"fixture file names rule {ff.rule}, expected {rule.id}"]))
            continue
        seen: dict[str, set[str]] = {c.code: set() for c in rule.spec.criteria}
        for fx in ff.fixtures:
            result = checker.check_facts(rule, fx.facts, label=fx.name)
            verdicts = {c.code: c.verdict for c in result.criteria}
            verdicts.update({na["code"]: "not_applicable" for na in result.not_applicable})
            for code, v in verdicts.items():
                seen[code].add(v)
            problems = []
            if (result.decision or "none") != fx.expect.decision:
                problems.append(f"decision: expected {fx.expect.decision}, got {result.decision or 'none'}")
            for code, want in fx.expect.criteria.items():
                if verdicts.get(code) != want:
                    problems.append(f"{code}: expected {want}, got {verdicts.get(code)}")
            for name, want in fx.expect.derived.items():
                if result.derived.get(name, "absent") != want:
                    problems.append(f"derived {name}: expected {want}, got {result.derived.get(name, 'absent')}")
            results.append(FixtureResult(rule.id, fx.name, str(path), not problems, problems))
        checks = dict(rule.compiled.checks)
        for code, got in seen.items():
            possible = VERDICTS if can_be_undocumented(checks[f"criterion:{code}"]) else VERDICTS[:2]
            missing = [v for v in possible if v not in got]
            if missing:
                gaps.append(f"{rule.id} {code}: no fixture shows it {', '.join(missing)}")
    return results, gaps


def junit_xml(results: list[FixtureResult], gaps: list[str]) -> str:
    """JUnit XML for CI dashboards: one testcase per fixture, one failing testcase per coverage gap."""
    from xml.etree import ElementTree as ET

    suite = ET.Element("testsuite", name="imrcheck-rule-fixtures", tests=str(len(results) + len(gaps)),
                       failures=str(sum(not r.passed for r in results) + len(gaps)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=r.rule, name=r.name, file=r.path)
        if not r.passed:
            ET.SubElement(case, "failure", message="; ".join(r.problems)).text = "\n".join(r.problems)
    for g in gaps:
        case = ET.SubElement(suite, "testcase", classname="coverage", name=g)
        ET.SubElement(case, "failure", message=g).text = g
    return ET.tostring(suite, encoding="unicode")


# ---- what a rule change changes (`imrcheck verify --diff REF`) ------------------------------------------

def rules_at(ref: str, rules_dir: Path, into: Path) -> Path:
    """Export the rules folder as it was at git revision `ref` into `into`; return the exported folder."""
    import io
    import subprocess
    import tarfile

    rules_dir = rules_dir.resolve()
    try:
        top = subprocess.run(["git", "-C", str(rules_dir), "rev-parse", "--show-toplevel"], check=True,
                             capture_output=True, text=True).stdout.strip()
        rel = rules_dir.relative_to(top)
        blob = subprocess.run(["git", "-C", top, "archive", "--format=tar", ref, str(rel)], check=True,
                              capture_output=True).stdout
    except (subprocess.CalledProcessError, ValueError, FileNotFoundError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc)
        detail = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
        raise InputError(rules_dir, f"cannot read the rules at {ref!r}: {detail.strip()}") from None
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / rel


def _signature(result) -> tuple:
    verdicts = tuple((c.code, c.verdict) for c in result.criteria)
    return result.rule, result.decision, verdicts


def fixture_changes(old: Checker, new: Checker) -> list[dict[str, Any]]:
    """Fixtures (of the current rule files) whose decision or verdicts differ under the old rules."""
    changes = []
    for rule in sorted(new.catalog.rules.values(), key=lambda r: r.id):
        path = RulesFolder.fixture_path(rule.path)
        if not path.exists():
            continue
        old_rule = old.catalog.rules.get(rule.id)
        for fx in load_fixture_file(path, new.catalog).fixtures:
            now = new.check_facts(rule, fx.facts, label=fx.name)
            before = old.check_facts(old_rule, fx.facts, label=fx.name) if old_rule else None
            if before is None or _signature(before) != _signature(now):
                changes.append({"rule": rule.id, "fixture": fx.name,
                                "before": (before.decision or "none") if before else "(no such rule)",
                                "after": now.decision or "none",
                                "criteria": _verdict_changes(before, now)})
    return changes


def _verdict_changes(before, now) -> list[str]:
    old = {c.code: c.verdict for c in before.criteria} if before else {}
    new = {c.code: c.verdict for c in now.criteria}
    return [f"{code}: {old.get(code, '-')} -> {new.get(code, '-')}" for code in sorted(set(old) | set(new))
            if old.get(code) != new.get(code)]


def item_changes(cases: list, old: Checker, new: Checker) -> list[dict[str, Any]]:
    """Items of the given cases whose rule, decision or verdicts differ between the old and new rules."""
    changes = []
    for case in cases:
        for before, now in zip(old.check_case(case), new.check_case(case)):
            if _signature(before) != _signature(now):
                changes.append({"case": now.case, "item": now.request, "index": now.index,
                                "before": before.decision or "none", "after": now.decision or "none",
                                "rule_before": before.rule, "rule_after": now.rule, "actual": now.actual,
                                "criteria": _verdict_changes(before, now)})
    return changes
