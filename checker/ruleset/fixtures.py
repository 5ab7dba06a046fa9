"""Rule fixtures: test cases beside each rule file (facts in, expected verdicts and decision out): the models and
the loader. Running them is checker.authoring.verify.

`<rule>.fixtures.yaml` sits next to `<rule>.yaml`. Together the fixtures of a rule must show every
criterion met, not met and not documented (an applicability-gated criterion may also be not applicable).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from checker.errors import InputError
from checker.ruleset.facts import coerce_value
from checker.ruleset.layout import RulesFolder
from checker.ruleset.rules import Catalog, Rule
from checker.yamlio import load_yaml, validate

Expected = Literal["met", "not_met", "not_documented", "not_applicable"]
VERDICTS = ("met", "not_met", "not_documented")


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["certify", "non-certify", "none"]  # none: a rule that does not decide (criteria unconfirmed)
    criteria: dict[str, Expected] = {}
    derived: dict[str, bool | None] = {}


class Fixture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3)
    facts: dict[str, Any] = {}
    expect: Expectation

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        vocab = (info.context or {}).get("vocabulary")
        out = {}
        for name, raw in value.items():
            if vocab is not None:
                if name not in vocab:
                    raise ValueError(vocab.unknown(name))
                if vocab[name].source == "derived":
                    raise ValueError(f"{name!r} is derived: give the facts it is derived from")
                if raw is not None:
                    try:
                        raw = coerce_value(vocab[name], raw)
                    except ValueError as exc:
                        raise ValueError(f"{name}: {exc}") from None
            out[name] = raw
        return out


class FixtureFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    fixtures: list[Fixture] = Field(min_length=1)


def load_fixture_file(path: Path, catalog: Catalog) -> FixtureFile:
    data = load_yaml(path)
    ff = validate(FixtureFile, data, path, {"vocabulary": catalog.vocabulary})
    if ff.rule not in catalog.rules:
        raise InputError(path, f"unknown rule {ff.rule!r}", field="rule")
    codes = {c.code for c in catalog.rules[ff.rule].spec.criteria}
    for i, fx in enumerate(ff.fixtures):
        for code in fx.expect.criteria:
            if code not in codes:
                raise InputError(path, f"{code} is not a criterion of {ff.rule}",
                                 field=f"fixtures.{i}.expect.criteria.{code}")
    return ff


def examples(rule: Rule, catalog: Catalog) -> tuple[Fixture | None, Fixture | None]:
    """A fixture the rule certifies and one it does not, from the rule's own fixture file."""
    path = RulesFolder.fixture_path(rule.path)
    if not path.exists():
        return None, None
    fixtures = load_fixture_file(path, catalog).fixtures
    met = next((f for f in fixtures if f.expect.decision == "certify"), None)
    not_met = next((f for f in fixtures if f.expect.decision == "non-certify"), None)
    return met, not_met
