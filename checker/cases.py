"""Case files (cases/*.yaml): patient, diagnoses, tri-state facts with evidence, and the requested items.

A fact is documented true, documented false, or not documented (absent, or written as null). A
documented fact may carry its evidence: a short quote and where it came from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .errors import InputError
from .facts import FactVocabulary, coerce_value
from .treatments import TreatmentVocabulary
from .yamlio import first_validation_error, load_yaml

Outcome = Literal["upheld", "overturned"]


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote: str = Field(min_length=3)
    source: str = Field(min_length=3, description="where the quote is from, e.g. 'clinical case summary'")


class FactEntry(BaseModel):
    """A documented fact value with optional evidence."""

    model_config = ConfigDict(extra="forbid")

    value: Any
    evidence: Evidence | None = None


def _facts_validator(allowed_sources: tuple[str, ...], what: str):
    def check(value: dict[str, Any], info: ValidationInfo) -> dict[str, FactEntry]:
        vocab: FactVocabulary | None = (info.context or {}).get("vocabulary")
        out: dict[str, FactEntry] = {}
        for name, raw in (value or {}).items():
            if vocab is not None:
                if name not in vocab:
                    raise ValueError(f"unknown fact {name!r} (not in rules/facts.yaml)")
                if vocab[name].source not in allowed_sources:
                    raise ValueError(f"{name!r} is a {vocab[name].source} fact and cannot be given as {what}")
            if raw is None:  # written as null: explicitly not documented
                continue
            entry = FactEntry.model_validate(raw) if isinstance(raw, dict) and "value" in raw else FactEntry(value=raw)
            if entry.value is None:
                continue
            if vocab is not None:
                try:
                    entry.value = coerce_value(vocab[name], entry.value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            out[name] = entry
        return out
    return check


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(default=None, ge=0, le=120)
    sex: Literal["male", "female"] | None = None
    date_of_injury: dt.date | None = None


class Dates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: dt.date | None = None
    ur_decision: dt.date | None = None
    imr_decision: dt.date | None = None


class GuidelinesCited(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims_administrator: str | None = None
    imr: str | None = None
    imr_based_on_mtus: bool | None = None


class ReviewerReason(BaseModel):
    """A reason the IMR reviewer gave, mapped by hand to the criterion it corresponds to."""

    model_config = ConfigDict(extra="forbid")

    criterion: str = Field(pattern=r"^[A-Z]{2,6}-\d{3}$")
    quote: str = Field(min_length=5)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str = Field(min_length=2)
    treatment: str | None = None
    attributes: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    ur_decision: Literal["denied", "modified", "certified"] | None = None
    outcome: Outcome | None = None
    guidelines_cited: GuidelinesCited | None = None
    reviewer_reasons: list[ReviewerReason] = []

    _attributes = field_validator("attributes")(_facts_validator(("request",), "a request attribute"))
    _facts = field_validator("facts")(_facts_validator(("clinical",), "an item fact"))

    @field_validator("treatment")
    @classmethod
    def _known(cls, value: str | None, info: ValidationInfo) -> str | None:
        tv: TreatmentVocabulary | None = (info.context or {}).get("treatments")
        if value is not None and tv is not None and value not in tv.treatments:
            raise ValueError(f"unknown treatment code {value!r} (not in rules/treatments.yaml)")
        return value


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str = Field(min_length=1)
    letter: str | None = None
    patient: Patient = Patient()
    diagnoses: list[str] = []
    dates: Dates = Dates()
    reviewer_specialty: str | None = None
    facts: dict[str, Any] = {}
    items: list[Item] = Field(min_length=1)

    _facts = field_validator("facts")(_facts_validator(("clinical",), "a case fact"))

    def request_date(self) -> dt.date | None:
        """The date that picks the guideline edition: date of service, else the UR decision date."""
        return self.dates.service or self.dates.ur_decision


def load_case(path: str | Path, vocabulary: FactVocabulary, treatments: TreatmentVocabulary) -> Case:
    """Load and validate one case file; InputError names the file, the field and its line."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "a case file is a mapping with `case:` and `items:`")
    try:
        return Case.model_validate(data, context={"vocabulary": vocabulary, "treatments": treatments})
    except ValidationError as exc:
        raise first_validation_error(path, data, exc) from None
