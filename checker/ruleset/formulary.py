"""The MTUS Drug Formulary (rules/formulary.yaml): for a drug request on a date, whether the formulary applies,
the drug's status on the MTUS Drug List version in force (exempt, non-exempt, compounded, or unknown when no
public source states it), whether prospective review is required, and the Special Fill and Perioperative Fill
windows computed from the dates of injury and surgery, each with the regulation it follows.

The status never decides medical necessity: an IMR on any drug still applies the guideline's criteria.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checker.errors import InputError, did_you_mean
from checker.yamlio import load_yaml, validate

Status = Literal["exempt", "non_exempt"]


class Regulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citation: str = Field(min_length=3)
    effective: dt.date
    source: str = Field(min_length=3)
    transition_injury_before: dt.date
    transition_source: str = Field(min_length=3)
    administered_source: str = Field(min_length=3)
    compounded_source: str = Field(min_length=3)
    special_fill_days_after_injury: int = Field(ge=0)
    special_fill_source: str = Field(min_length=3)
    perioperative_days_before: int = Field(ge=0)
    perioperative_days_after: int = Field(ge=0)
    perioperative_source: str = Field(min_length=3)


class Version(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    effective: dt.date
    source: str = Field(min_length=3)


class StatusEntry(BaseModel):
    """A status a public source states for some drugs (by lexicon class or ingredient), from a date."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    classes: list[str] = []
    ingredients: list[str] = []
    status: Status
    special_fill_days: int | None = Field(default=None, ge=1)
    perioperative_fill_days: int | None = Field(default=None, ge=1)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    source: str = Field(min_length=3)
    notes: str | None = None

    @model_validator(mode="after")
    def _names_drugs(self) -> "StatusEntry":
        if not self.classes and not self.ingredients:
            raise ValueError("a status entry names `classes` or `ingredients`")
        if (self.special_fill_days or self.perioperative_fill_days) and self.status != "non_exempt":
            raise ValueError("only non-exempt drugs carry a Special Fill or Perioperative Fill designation "
                             "(9792.27.12(a), 9792.27.13(a))")
        return self


class Formulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regulation: Regulation
    versions: list[Version] = Field(min_length=1)
    statuses: list[StatusEntry] = []

    @model_validator(mode="after")
    def _ordered(self) -> "Formulary":
        days = [v.effective for v in self.versions]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("versions must be listed by effective date, each date once")
        return self

    def version_on(self, day: dt.date) -> Version | None:
        """The MTUS Drug List version in force on `day` (None before the first)."""
        found = None
        for v in self.versions:
            if v.effective <= day:
                found = v
        return found


def load_formulary(path: str | Path, lexicon) -> Formulary:
    """Load and validate rules/formulary.yaml; every class and ingredient must be the request lexicon's."""
    path = Path(path)
    parsed = validate(Formulary, load_yaml(path), path)
    drugs = lexicon.drugs
    for i, entry in enumerate(parsed.statuses):
        for field, names, known in (("classes", entry.classes, drugs.classes),
                                    ("ingredients", entry.ingredients, drugs.ingredients)):
            for name in names:
                if name not in known:
                    raise InputError(path, f"unknown drug {field[:-1] if field == 'ingredients' else 'class'} "
                                     f"{name!r}{did_you_mean(name, known)}", field=f"statuses.{i}.{field}")
    return parsed


def formulary_check(formulary: Formulary, request, lexicon, day: dt.date, injury: dt.date | None = None,
                    surgery: dt.date | None = None) -> dict[str, Any] | None:
    """The formulary's answer for a drug request dispensed on `day`; None for a request that is not a drug.

    Keys: applies, reason, version, status (exempt | non_exempt | compounded | unknown), prospective_review
    (required | not_required_if_per_mtus | unknown), special_fill and perioperative_fill (the window dates, or
    why there is none), citations."""
    parse = request.parse or {}
    ingredients = list(parse.get("ingredients") or [])
    if not ingredients:
        return None
    reg = formulary.regulation
    out: dict[str, Any] = {"applies": False, "version": None, "status": None, "prospective_review": None,
                           "special_fill": None, "perioperative_fill": None, "citations": [reg.citation]}
    if day < reg.effective:
        out["reason"] = f"dispensed before {reg.effective.isoformat()}: the formulary does not apply (9792.27.2)"
        return out
    version = formulary.version_on(day)
    out.update(applies=True, version=version.version if version else None,
               version_effective=version.effective.isoformat() if version else None)
    if "injection" in (parse.get("forms") or []):
        out.update(applies=False, reason="a drug administered by the physician is outside the formulary; the "
                   "guideline criteria still apply (9792.27.2(b))")
        out["citations"].append(reg.administered_source)
        return out
    if parse.get("compounded"):
        out.update(status="compounded", prospective_review="required",
                   reason="a compounded drug needs authorization through prospective review, even with exempt "
                   "ingredients (9792.27.9(a))")
        out["citations"].append(reg.compounded_source)
        return out
    entry = _entry(formulary, ingredients, lexicon, day)
    if entry is None:
        out.update(status="unknown", prospective_review="unknown",
                   reason=f"no public source read here states the status of {', '.join(ingredients)} on the MTUS "
                   "Drug List; check the list in force (dir.ca.gov/dwc/mtus/MTUS-Formulary.html)")
        return out
    out["status"] = entry.status
    out["citations"].append(entry.source)
    if entry.status == "exempt":
        out.update(prospective_review="not_required_if_per_mtus",
                   reason="exempt: no prospective review when prescribed in accordance with the MTUS guidelines "
                   "(a brand where a generic exists, or an off-label use the guideline does not recommend, still "
                   "needs it: 9792.27.5, 9792.27.7)")
    else:
        out.update(prospective_review="required", reason="non-exempt: authorization through prospective review "
                   "before dispensing, unless a Special Fill or Perioperative Fill applies (9792.27.1, "
                   "9792.27.12, 9792.27.13)")
    out["special_fill"] = _special_fill(reg, entry, injury)
    out["perioperative_fill"] = _perioperative_fill(reg, entry, surgery)
    if injury is not None and injury < reg.transition_injury_before and entry.status == "non_exempt":
        out["transition"] = (f"injury before {reg.transition_injury_before.isoformat()}: an ongoing course is "
                             "phased in with a weaning, tapering or transition plan, or substantiated under the "
                             "MTUS (9792.27.3(b))")
        out["citations"].append(reg.transition_source)
    if entry.notes:
        out["notes"] = entry.notes
    return out


def _entry(formulary: Formulary, ingredients: list[str], lexicon, day: dt.date) -> StatusEntry | None:
    """The first entry in force on `day` naming an ingredient of the request, else one naming its class."""
    drugs = lexicon.drugs
    live = [e for e in formulary.statuses if e.start <= day and (e.end is None or day <= e.end)]
    for e in live:
        if any(i in e.ingredients for i in ingredients):
            return e
    classes = set()
    for i in ingredients:
        ing = drugs.ingredients[i]
        classes.update(c for c in (ing.drug_class, ing.extended_release_class) if c)
    for e in live:
        if classes & set(e.classes):
            return e
    return None


def _special_fill(reg: Regulation, entry: StatusEntry, injury: dt.date | None) -> dict[str, Any]:
    if entry.status != "non_exempt":
        return {"eligible": False, "why": "only non-exempt drugs the list designates (9792.27.12(a))"}
    if entry.special_fill_days is None:
        return {"eligible": None, "why": "whether this drug is a Special Fill drug was not found in a public source"}
    if injury is None:
        return {"eligible": None, "supply_days": entry.special_fill_days,
                "why": "the date of injury is needed (the initial visit must be within 7 days of it)"}
    last = injury + dt.timedelta(days=reg.special_fill_days_after_injury)
    return {"eligible": True, "supply_days": entry.special_fill_days, "visit_from": injury.isoformat(),
            "visit_to": last.isoformat(),
            "why": f"at the single initial treatment visit, on or before {last.isoformat()} (the day after the "
                   f"injury is day one), supply up to {entry.special_fill_days} days (9792.27.12(b), (c))"}


def _perioperative_fill(reg: Regulation, entry: StatusEntry, surgery: dt.date | None) -> dict[str, Any]:
    if entry.status != "non_exempt":
        return {"eligible": False, "why": "only non-exempt drugs the list designates (9792.27.13(a))"}
    if entry.perioperative_fill_days is None:
        return {"eligible": None,
                "why": "whether this drug is a Perioperative Fill drug was not found in a public source"}
    if surgery is None:
        return {"eligible": None, "supply_days": entry.perioperative_fill_days, "why": "no surgery date"}
    start = surgery - dt.timedelta(days=reg.perioperative_days_before)
    end = surgery + dt.timedelta(days=reg.perioperative_days_after)
    return {"eligible": True, "supply_days": entry.perioperative_fill_days, "from": start.isoformat(),
            "to": end.isoformat(), "why": f"prescribed from {start.isoformat()} to {end.isoformat()} (4 days before "
                                         "to 4 days after the surgery, 9792.27.13(b))"}
