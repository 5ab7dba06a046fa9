"""`imrcheck lint`: every problem in the rules folder (rule, vocabulary, extraction and library files) and in any
case files given, in one pass, each naming its file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import InputError, InputErrors
from checker.reading.cases import load_case
from checker.reading.extraction import Extractor
from checker.reading.inputs import collect_inputs
from checker.ruleset.rules import Catalog, load_catalog


@dataclass
class LintReport:
    problems: list[InputError] = field(default_factory=list)
    catalog: Catalog | None = None
    cases_checked: int = 0


def lint(rules_dir: Path, cases: Iterable[str] = ()) -> LintReport:
    """Validate the rules folder from scratch (never from the catalog cache), the extraction patterns with it,
    then each case file."""
    report = LintReport()
    try:
        report.catalog = load_catalog(rules_dir)
    except InputError as exc:
        report.problems.append(exc)
    except InputErrors as exc:
        report.problems.extend(exc.errors)
    if report.catalog is not None:
        try:
            Extractor(rules_dir, report.catalog.vocabulary, set(report.catalog.treatments.treatments),
                      report.catalog.treatments)
        except InputError as exc:
            report.problems.append(exc)
        except InputErrors as exc:
            report.problems.extend(exc.errors)
    cases = list(cases)
    if cases and report.catalog is None:
        report.problems.append(InputError(None, "case files not checked: the rules did not load"))
    elif cases:
        files, errors, _ = collect_inputs(cases)
        report.problems += [InputError(e["input"], e["reason"]) for e in errors]
        for path in files:
            report.cases_checked += 1
            try:
                load_case(path, report.catalog.vocabulary, report.catalog.treatments)
            except InputError as exc:
                report.problems.append(exc)
            except InputErrors as exc:
                report.problems.extend(exc.errors)
    return report
