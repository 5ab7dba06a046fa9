"""The treatment vocabulary: the treatment codes (rules/treatments.yaml, rules/treatments/*.yaml), each with a name
and a family, and the request lexicon (rules/requests) that maps what a request says to those codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from checker.errors import InputError, InputErrors, did_you_mean
from checker.ruleset.layout import RulesFolder
from checker.ruleset.lexicon import Lexicon, load_lexicon
from checker.yamlio import load_yaml, merge_keyed, validate


class Treatment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    family: str
    # facts a request for this treatment documents for the letter's other items (a co-requested opioid is an
    # opioid being prescribed; a co-requested operation is the kind of operation its surgical services are for)
    establishes: dict[str, Any] = {}


class TreatmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    treatments: dict[str, Treatment] = {}


class TreatmentVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    treatments: dict[str, Treatment]
    lexicon: Lexicon
    # derived indexes and memos that request parsing keeps per vocabulary (built on first use)
    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)
    origin: dict[str, Path] = {}  # the file that defines each code (for error messages)

    def unknown_code(self, code: str) -> str:
        """The message for a treatment code the vocabulary does not define, with the closest codes."""
        return f"unknown treatment code {code!r}{did_you_mean(code, self.treatments)}"


def load_treatments(root: str | Path) -> TreatmentVocabulary:
    """The treatment codes of every file (a code defined twice is an error naming both files) and the lexicon."""
    codes: dict[str, Treatment] = {}
    origin: dict[str, Path] = {}
    errors: list[InputError] = []
    for path in RulesFolder(root).treatment_files():
        try:
            parsed = validate(TreatmentFile, load_yaml(path), path)
        except InputError as exc:
            errors.append(exc)
            continue
        except InputErrors as exc:
            errors += exc.errors
            continue
        errors += merge_keyed(codes, origin, parsed.treatments, path, "treatment", "treatments")
    if errors:
        raise InputErrors(errors)
    return TreatmentVocabulary(treatments=codes, lexicon=load_lexicon(root, set(codes)), origin=origin)
