"""Guideline editions (rules/editions.yaml): each guideline document and edition with the dates it was in force
for services in California. A rule's guideline, document and edition must name one, and its effective window
must lie within the edition's; `doc` pages and `requirements` name the edition and its dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checker.yamlio import load_yaml, validate


class Edition(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    guideline: Literal["MTUS", "ODG", "OTHER"]
    document: str = Field(min_length=3)
    edition: str = Field(min_length=1)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(alias="to")
    notes: str | None = None

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
