"""A citation: guideline, document, edition, section and page (or why there is no page). Every criterion,
rule status and shared definition carries one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guideline: Literal["MTUS", "ODG", "OTHER"]
    document: str = Field(min_length=3)
    edition: str = Field(min_length=4)
    section: str = Field(min_length=3)
    page: str | None = None
    page_note: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _page(self) -> "Citation":
        if self.guideline == "MTUS" and not self.page and not self.page_note:
            raise ValueError("an MTUS citation needs a page, or a page_note saying why it has none")
        return self

    def short(self) -> str:
        page = f", p.{self.page}" if self.page and "-" not in self.page else (f", pp.{self.page}" if self.page else "")
        return f"{self.guideline} {self.document} ({self.edition}), {self.section}{page}"
