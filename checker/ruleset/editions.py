"""Guideline editions (rules/editions.yaml): each guideline document and edition with the dates it was in force
for services in California. A rule's guideline, document and edition must name one, and its effective window
must lie within the edition's; `doc` pages and `requirements` name the edition and its dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checker.ruleset.regexes import checked
from checker.yamlio import load_yaml, validate


class Edition(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    guideline: Literal["MTUS", "ODG", "OTHER"]
    document: str = Field(min_length=3)
    edition: str = Field(min_length=1)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(alias="to")
    cited_as: list[str] = Field(default=[], description="regular expressions for how IMR letters name the "
                                "document in their guideline lines (case-insensitive)")
    notes: str | None = None

    @field_validator("cited_as")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            checked(pattern, re.IGNORECASE)
        return value

    def cited_in(self, text: str) -> bool:
        return any(re.search(p, text, re.IGNORECASE) for p in self.cited_as)

    @model_validator(mode="after")
    def _window(self) -> "Edition":
        if self.end is not None and self.end < self.start:
            raise ValueError(f"`to` ({self.end}) is before `from` ({self.start})")
        return self

    def window(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat() if self.end else 'today'}"


class EditionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    editions: dict[str, Edition] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> "EditionFile":
        seen: dict[tuple[str, str, str], str] = {}
        for key, e in self.editions.items():
            triple = (e.guideline, e.document, e.edition)
            if triple in seen:
                raise ValueError(f"{key} and {seen[triple]} name the same document and edition")
            seen[triple] = key
        by_document: dict[tuple[str, str], list[Edition]] = {}
        for e in self.editions.values():  # ODG is revised online continually: its labels are not dated editions
            if e.guideline == "MTUS":
                by_document.setdefault((e.guideline, e.document), []).append(e)
        for (_, document), editions in by_document.items():  # one MTUS edition of a document in force at a time
            editions.sort(key=lambda e: e.start)
            for a, b in zip(editions, editions[1:]):
                if a.end is None or a.end >= b.start:
                    raise ValueError(f"{document}: editions {a.edition!r} and {b.edition!r} overlap")
        return self


def load_editions(path: str | Path) -> dict[tuple[str, str, str], tuple[str, Edition]]:
    """(guideline, document, edition) -> (key, edition), validated."""
    parsed = validate(EditionFile, load_yaml(Path(path)), Path(path))
    return {(e.guideline, e.document, e.edition): (key, e) for key, e in parsed.editions.items()}


@dataclass(frozen=True)
class CitedWindow:
    """When a letter's decisions were made, as far as the editions its guideline lines name tell: every cited
    document was in force from `start` to `end` (None: still in force), and `cited` is what was read."""

    start: dt.date
    end: dt.date | None
    cited: tuple[str, ...]


def cited_window(editions: Iterable[Edition], citations: Iterable[str]) -> CitedWindow | None:
    """The window in which every citation that names a known document was in force: each citation allows the
    windows of the editions it may name (an undated "Chronic Pain Treatment Guidelines" names the 2009 and the
    2016 edition), and the letter's items were decided within all of them. None when no citation names a
    known document, or when the citations disagree (no common window)."""
    editions = [e for e in editions if e.cited_as]
    start, end, cited = dt.date.min, None, []
    for text in citations:
        named = [e for e in editions if e.cited_in(text)]
        if not named:
            continue
        cited.append(" ".join(text.split()))
        start = max(start, min(e.start for e in named))
        ends = [e.end for e in named]
        latest = None if None in ends else max(ends)
        end = latest if end is None else (end if latest is None else min(end, latest))
    if not cited or (end is not None and end < start):
        return None
    return CitedWindow(start, end, tuple(cited))
