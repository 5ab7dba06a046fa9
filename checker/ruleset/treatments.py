"""The treatment vocabulary (rules/treatments.yaml, rules/treatments/*.yaml): regions, procedures, treatment codes
and the request-attribute lexicons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from checker.errors import InputError, did_you_mean
from checker.ruleset.layout import RulesFolder
from checker.ruleset.regexes import checked
from checker.yamlio import load_yaml, validate


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str]
    level_prefixes: list[str] = []


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    synonyms: list[str] = Field(min_length=1)
    implies: dict[str, Any] = {}  # request attributes the phrase implies (SNRB -> transforaminal)


class Treatment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    family: str
    procedure: str
    region: str | None = None  # None: matched whatever region the text names


class AttributePattern(BaseModel):
    """A regular expression over the lower-cased request that fills a request fact: with `value`, that
    constant; otherwise the product of its named groups, each a number or a number word
    ("2 times a week for 6 weeks" -> times=2, weeks=6 -> 12)."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    regex: str
    value: Any = None
    scale: int = 1            # multiplies the number ("2 month rental" with scale 30 -> 60 days)
    families: list[str] = []  # only for treatments of these families (default: any)


class AttributeLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    side: dict[str, list[str]]
    keywords: dict[str, dict[str, list[str]]] = {}
    keyword_families: dict[str, list[str]] = {}  # fact -> families it applies to (default: every request)
    numbers: dict[str, int]
    patterns: list[AttributePattern] = []
    family_defaults: dict[str, dict[str, Any]] = {}  # family -> request facts to assume when the text is silent
    singular_count_families: list[str] = []  # "a block" (singular, no count) means one, for these families


class TreatmentVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regions: dict[str, Region]
    procedures: dict[str, Procedure]
    treatments: dict[str, Treatment]
    attributes: AttributeLexicon
    # derived indexes and memos that request parsing keeps per vocabulary (built on first use)
    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)

    def unknown_code(self, code: str) -> str:
        """The message for a treatment code the vocabulary does not define, with the closest codes."""
        return f"unknown treatment code {code!r}{did_you_mean(code, self.treatments)}"

    @model_validator(mode="after")
    def _links(self) -> "TreatmentVocabulary":
        for code, t in self.treatments.items():
            if t.procedure not in self.procedures:
                raise ValueError(f"treatment {code}: unknown procedure {t.procedure!r}")
            if t.region is not None and t.region not in self.regions:
                raise ValueError(f"treatment {code}: unknown region {t.region!r}")
        for proc in self.procedures:
            regionless = [c for c, t in self.treatments.items() if t.procedure == proc and t.region is None]
            if len(regionless) > 1:
                raise ValueError(f"procedure {proc}: more than one region-free treatment ({', '.join(regionless)})")
        for pattern in self.attributes.patterns:
            checked(pattern.regex)
        return self


class TreatmentFamilyFile(BaseModel):
    """rules/treatments/<family>.yaml: more procedures and treatment codes."""

    model_config = ConfigDict(extra="forbid")

    procedures: dict[str, Procedure] = {}
    treatments: dict[str, Treatment] = {}


def load_treatments(root: str | Path) -> TreatmentVocabulary:
    """Load the treatment vocabulary and every family file; a name defined twice is an error."""
    main, *families = RulesFolder(root).treatment_files()
    data = load_yaml(main)
    if not isinstance(data, dict):
        raise InputError(main, "expected a mapping with regions, procedures, treatments, attributes")
    origin: dict[tuple[str, str], Path] = {}
    for section in ("procedures", "treatments"):
        for name in data.get(section) or {}:
            origin[(section, name)] = main
    for path in families:
        family = validate(TreatmentFamilyFile, load_yaml(path), path)
        for section in ("procedures", "treatments"):
            for name, value in getattr(family, section).items():
                if (section, name) in origin:
                    raise InputError(path, f"{section[:-1]} {name!r} is already defined in {origin[(section, name)]}",
                                     field=f"{section}.{name}")
                origin[(section, name)] = path
                data.setdefault(section, {})[name] = value.model_dump()
    return validate(TreatmentVocabulary, data, main)
