"""The public Python API: load a catalog, read or build a case, check it, and get the result objects.

    import checker
    catalog = checker.load_catalog()                      # the bundled rules (or rules="path/to/rules")
    results = checker.check("cases/seeds/004-selective-nerve-root-block.yaml")
    results = checker.check({"case": "x", "items": [{"request": "Lumbar ESI L4-5"}]}, engine="reference")
    for r in results:
        print(r.index, r.treatment, r.decision, r.predicted, [c.code for c in r.criteria if c.blocking])
        r.to_dict()                                       # the same JSON as `imrcheck check --format json`

Errors are exceptions, never exits: checker.errors.InputError (one problem, naming the file, line and field),
InputErrors (several), UsageError (a setting that cannot work, e.g. a rules folder that does not exist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker.config import load_settings
from checker.evaluation.checker import ItemResult
from checker.reading.cases import Case, case_from_data
from checker.ruleset.rules import Catalog
from checker.session import Session

__all__ = ["Session", "load_catalog", "read_case", "check", "ItemResult", "Case", "Catalog"]


def _session(rules: str | Path | None, engine: str | None) -> Session:
    return Session(load_settings().with_overrides(rules=Path(rules) if rules else None, engine=engine))


def load_catalog(rules: str | Path | None = None) -> Catalog:
    """The validated catalog of a rules folder (default: as the command line finds it, else the bundled rules)."""
    return _session(rules, None).catalog()


def read_case(source: str | Path | dict[str, Any], rules: str | Path | None = None) -> Case:
    """A case from a case file, an IMR letter (.txt, .pdf), or a dict with the fields of a case file."""
    session = _session(rules, None)
    if isinstance(source, dict):
        catalog = session.catalog()
        return case_from_data(source, catalog.vocabulary, catalog.treatments)
    return session.read(source)


def check(case: str | Path | dict[str, Any] | Case, rules: str | Path | None = None, engine: str | None = "reference",
          what_if: bool = True) -> list[ItemResult]:
    """Every item of a case (a path, a dict with a case file's fields, or a Case) checked: the decision, the
    predicted IMR outcome, each criterion's verdict with its evidence, and what would change the decision."""
    session = _session(rules, engine)
    if not isinstance(case, Case):
        if isinstance(case, dict):
            catalog = session.catalog()
            case = case_from_data(case, catalog.vocabulary, catalog.treatments)
        else:
            case = session.read(case)
    return session.checker(what_if=what_if).check_case(case)
