"""Sections of a clinical text: which part of the record a sentence is in, as a reviewer reads it (every phrase in
rules/extraction/sections.yaml).

Two kinds of text:

- A headed note (a PR-2 progress report, a SOAP or H&P note): at least `headed.min_headings` lines start with a
  heading ("SUBJECTIVE COMPLAINTS:", "Physical Examination", "Diagnoses:", "PLAN - ..."). A heading opens its
  section, which runs to the next heading; after a sentence end, a capitalized "Plan: ..." is a heading too.
  Identifier headings and lines (patient name, DOB, claim number, date of service, provider, address, signature)
  open the `header` section, which also ends at a blank line; text outside any heading (before the first, after
  a header block) is read as prose. A blank line inside a section starts a new sentence.
- Prose (an IMR letter's clinical case summary): each sentence is placed by the leftmost cue it contains
  ("On examination", "MRI ... showed", "Diagnoses included", "The treatment plan included"); administrative
  language (utilization review, IMR) puts it in no section. A sentence without a cue continues the section of
  the sentence before when that section `continues` ("Objective findings included tenderness. Straight leg raise
  was positive.") and the sentence does not open a new subject (`prose.breaks`: a new visit's date, "A progress
  report dated ...", the patient's introduction); otherwise it is in no section.

The extractor (extraction.py) makes every section boundary a sentence boundary, so a quote never runs across
one, and never scans a section with `scanned: false` (the header). The note's date of service is the first
`date_of_service.labels` label, in the order listed, that a date follows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checker.ruleset.layout import RulesFolder
from checker.ruleset.regexes import checked, first_chars
from checker.yamlio import load_yaml, validate

_FLAGS = re.IGNORECASE
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                      "dec"), start=1)}
_DATE = re.compile(r"(?P<m>\d{1,2})[/-](?P<d>\d{1,2})[/-](?P<y>\d{4}|\d{2})\b|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})\b"
                   r"|(?P<mn>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (?P<md>\d{1,2})(?:st|nd|rd|th)?,? "
                   r"(?P<my>\d{4})\b", re.IGNORECASE)
_SCAN_POINTS = re.compile(r"\b\w|[^\w\s]")  # where a cue may start
_LEAD = r"[ \t]*(?:[-*\u2022>]+[ \t]*|\(?\d{1,2}[.)][ \t]+|[A-Z][.)][ \t]+)?"  # a bullet or a number before a heading


def _regexes(values: list[str]) -> list[str]:
    """Every regex compiles and cannot backtrack catastrophically (ValueError naming the bad one)."""
    for v in values:
        checked(v, _FLAGS)
    return values


def _lower_case(values: list[str]) -> list[str]:
    """Cues are matched on the lower-cased sentence (fast, case-sensitive matching): no capital letters."""
    for v in _regexes(values):
        if re.search(r"[A-Z]", re.sub(r"\\.|\(\?P<\w+>|\(\?P=\w+\)", "", v)):
            raise ValueError(f"{v!r}: matched on the lower-cased sentence, so written in lower case")
    return values


_CHECKED = classmethod(lambda cls, values: _regexes(values))
_LOWER = classmethod(lambda cls, values: _lower_case(values))


class SectionSpec(BaseModel):
    """One section: the headings that open it in a note, the cues that place a prose sentence in it."""

    model_config = ConfigDict(extra="forbid")

    headings: list[str] = []     # regexes for a heading at a line start (see sections.yaml)
    subheadings: list[str] = []  # headings of other sections that, inside this one, open nothing ("Impression:")
    lines: list[str] = []        # regexes for a line that belongs to the section without a colon
    cues: list[str] = []         # lower-case regexes that place a prose sentence in the section
    continues: bool = False      # a prose sentence without a cue stays in the section
    scanned: bool = True         # false: never read for facts (the identifiers)

    _checked = field_validator("headings", "subheadings", "lines")(_CHECKED)
    _lower = field_validator("cues")(_LOWER)


class Headed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_headings: int = Field(default=2, ge=1)


class Prose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    none: list[str] = []    # administrative language: the sentence is in no section
    breaks: list[str] = []  # a sentence without a cue that opens a new subject continues nothing

    _lower = field_validator("none", "breaks")(_LOWER)


class DateOfService(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] = Field(min_length=1)  # regexes a date follows, in order of preference

    _checked = field_validator("labels")(_CHECKED)


class SectionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    headed: Headed = Headed()
    sections: dict[str, SectionSpec] = Field(min_length=1)
    prose: Prose = Prose()
    date_of_service: DateOfService

    @field_validator("sections")
    @classmethod
    def _names(cls, sections: dict[str, SectionSpec]) -> dict[str, SectionSpec]:
        for name in sections:
            if not re.fullmatch(r"[a-z][a-z_]*", name):
                raise ValueError(f"section name {name!r}: lower-case letters and underscores only")
        return sections


@dataclass
class Part:
    """A stretch of a headed note (original offsets): a section opened by a heading, or prose (section None)."""

    start: int
    end: int
    section: str | None
    body: int | None = None  # where the text after the heading starts (quotes begin there)


@dataclass
class Section:
    """A run of sentences in one section (original offsets), as shown to a person."""

    name: str
    start: int
    end: int


@dataclass
class NoteDate:
    date: dt.date
    quote: str  # the label and the date as written
    start: int


@dataclass
class NoteLayout:
    """How a progress note reads: its sections (in order) and its date of service."""

    sections: list[Section]
    date: NoteDate | None
    text: str

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def to_dict(self) -> dict:
        return {"date_of_service": self.date.date.isoformat() if self.date else None,
                "date_quote": self.date.quote if self.date else None,
                "sections": [{"section": s.name, "first_line": self.line(s.start), "last_line": self.line(s.end - 1)}
                             for s in self.sections]}


class SectionReader:
    """The sections of rules/extraction/sections.yaml, compiled."""

    def __init__(self, spec: SectionsFile):
        self.spec = spec
        self.names = list(spec.sections)
        self.unscanned = frozenset(n for n, s in spec.sections.items() if not s.scanned)
        self.continuing = frozenset(n for n, s in spec.sections.items() if s.continues)
        headings = sorted(((h, n) for n, s in spec.sections.items() for h in s.headings), key=lambda x: -len(x[0]))
        self._heading_names = [n for _, n in headings]
        alternation = "|".join(f"(?P<h{i}>{h})" for i, (h, _) in enumerate(headings)) or "(?!)"
        # a heading at a line start: a colon follows, or it is the whole line, or it is in capitals and a dash follows
        self._line_heading = re.compile(rf"{_LEAD}(?:{alternation})(?:[ \t]*:|[ \t]*(?=\r?\n|\Z)|"
                                        rf"(?=[ \t]+[-\u2013\u2014][ \t]))", _FLAGS)
        self._mid_heading = re.compile(rf"(?<=[.!?])[ \t]+(?=[A-Z])(?:{alternation})[ \t]*:(?=\s)", _FLAGS)
        lines = [(p, n) for n, s in spec.sections.items() for p in s.lines]
        self._line_names = [n for _, n in lines]
        self._lines = re.compile(rf"{_LEAD}(?:" + ("|".join(f"(?P<l{i}>{p})" for i, (p, _) in enumerate(lines))
                                                     or "(?!)") + ")", _FLAGS)
        self._subheadings = {n: re.compile("|".join(f"(?:{h})" for h in s.subheadings), _FLAGS)
                             for n, s in spec.sections.items() if s.subheadings}
        # the cues (lower case, matched on the lower-cased sentence) as alternations, one per first character: a
        # sentence is tried at its word starts and punctuation only, left to right, so the leftmost cue wins
        cues = [(c, n) for n, s in spec.sections.items() for c in s.cues]
        self._cue_names = [n for _, n in cues]
        firsts = [first_chars(c) for c, _ in cues]

        def bucket(indexes: list[int]) -> re.Pattern | None:
            return re.compile("|".join(f"(?P<c{i}>{cues[i][0]})" for i in indexes)) if indexes else None
        alphabet = set().union(*(f for f in firsts if f is not None))
        self._cue_buckets = {ch: bucket([i for i, f in enumerate(firsts) if f is None or ch in f]) for ch in alphabet}
        self._cue_anywhere = bucket([i for i, f in enumerate(firsts) if f is None])
        self._none = re.compile("|".join(f"(?:{p})" for p in spec.prose.none) or "(?!)")
        self._breaks = re.compile("|".join(f"(?:{p})" for p in spec.prose.breaks) or "(?!)")
        self._date_labels = [re.compile(rf"(?:{label})\W{{0,3}}(?={_DATE.pattern})", _FLAGS | re.MULTILINE)
                             for label in spec.date_of_service.labels]

    # ---- headed notes -----------------------------------------------------------------------------

    def parts(self, text: str) -> list[Part] | None:
        """A headed note's parts in order (covering every non-blank line), or None when the text is prose."""
        starts: list[tuple[int, str, str | None, int]] = []  # (offset, section, heading as written, text after it)
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        for pos in line_starts:
            m = self._line_heading.match(text, pos)
            if m and self._capitals_or_colon(m):
                starts.append(self._opening(m, "h", self._heading_names))
        if len(starts) < self.spec.headed.min_headings:
            return None
        starts += [self._opening(m, "h", self._heading_names) for m in self._mid_heading.finditer(text)]
        taken = {s[0] for s in starts}
        for line_start in line_starts:
            m = self._lines.match(text, line_start)
            if m and not any(line_start <= s <= m.end() for s in taken):
                starts.append((m.start(m.lastgroup), self._line_names[int(m.lastgroup[1:])], None, m.start(m.lastgroup)))
        opened: list[tuple[int, str, str | None, int]] = []
        for opening in sorted(starts):
            keep = self._subheadings.get(opened[-1][1] if opened else None)
            if opening[2] is not None and keep is not None and keep.fullmatch(opening[2]):
                continue  # "Impression:" inside an MRI report
            opened.append(opening)
        parts: list[Part] = []
        pos = 0
        for i, (start, name, _, body) in enumerate(opened):
            if start > pos:
                parts.append(Part(pos, start, None))
            end = opened[i + 1][0] if i + 1 < len(opened) else len(text)
            parts.append(Part(start, end, name, body))
            pos = end
        return self._paragraphs(text, parts)

    def _opening(self, m: re.Match, prefix: str, names: list[str]) -> tuple[int, str, str, int]:
        """(where the heading starts, its section, the heading as written, where the text after it starts)."""
        body = re.compile(r"[ \t]*[-\u2013\u2014]?\s*").match(m.string, m.end()).end()
        return m.start(m.lastgroup), names[int(m.lastgroup[len(prefix):])], m.group(m.lastgroup), body

    def _capitals_or_colon(self, m: re.Match) -> bool:
        """A heading followed by a dash counts only in capitals ("PLAN - continue"), not "Plan - ..."."""
        rest = m.string[m.end():m.end() + 4].lstrip(" \t")
        if not rest[:1] or rest[:1] not in "-\u2013\u2014":
            return True
        return m.group(m.lastgroup).isupper()

    def _paragraphs(self, text: str, parts: list[Part]) -> list[Part]:
        """Split parts at blank lines: a header ends there (the rest is prose), other sections go on in a new
        part (a new sentence). Parts are trimmed to their first non-space character; empty ones are dropped."""
        out: list[Part] = []
        blank = re.compile(r"\n[ \t]*\n\s*")
        for part in parts:
            section, start, body = part.section, part.start, part.body
            for m in blank.finditer(text, max(part.start, part.body or 0), part.end):
                out.append(Part(start, m.start(), section, body))
                start = body = m.end()
                if section in self.unscanned:
                    section = None
            out.append(Part(start, part.end, section, body))
        trimmed = []
        for p in out:
            lead = len(text[p.start:p.end]) - len(text[p.start:p.end].lstrip())
            if p.start + lead < p.end:
                trimmed.append(Part(p.start + lead, p.end, p.section, p.body and max(p.body, p.start + lead)))
        return trimmed

    # ---- prose ------------------------------------------------------------------------------------

    def classify(self, sentences: list[str]) -> list[str | None]:
        """The section of each prose sentence, in order."""
        out: list[str | None] = []
        previous: str | None = None
        for sentence in sentences:
            sentence = sentence.lower()
            section = self.cue(sentence)
            if section == "":  # administrative
                section = None
            elif section is None and previous in self.continuing and not self._breaks.search(sentence.strip()):
                section = previous
            out.append(section)
            previous = section
        return out

    def cue(self, sentence: str) -> str | None:
        """The section of a lower-cased sentence's leftmost cue, "" for administrative language, None when it has
        no cue."""
        if self._none.search(sentence):
            return ""
        for point in _SCAN_POINTS.finditer(sentence):
            regex = self._cue_buckets.get(sentence[point.start()], self._cue_anywhere)
            m = regex.match(sentence, point.start()) if regex is not None else None
            if m:
                return self._cue_names[int(m.lastgroup[1:])]
        return None

    # ---- the note's date --------------------------------------------------------------------------

    def note_date(self, text: str) -> NoteDate | None:
        """The date of service: the first label (in the order listed) that a valid date follows."""
        for label in self._date_labels:
            for m in label.finditer(text):
                d = _DATE.match(text, m.end())
                day = _parse_date(d)
                if day is not None:
                    return NoteDate(day, " ".join(text[m.start():d.end()].split()), m.start())
        return None


def _parse_date(m: re.Match) -> dt.date | None:
    try:
        if m.group("y"):
            year = int(m.group("y"))
            return dt.date(year + 2000 if year < 100 else year, int(m.group("m")), int(m.group("d")))
        if m.group("iy"):
            return dt.date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        return dt.date(int(m.group("my")), _MONTHS[m.group("mn").lower()[:3]], int(m.group("md")))
    except ValueError:
        return None


def load_sections(rules_dir: str | Path) -> SectionReader:
    """rules/extraction/sections.yaml, validated (InputErrors naming file, line and field) and compiled."""
    path = RulesFolder(rules_dir).sections_file()
    return SectionReader(validate(SectionsFile, load_yaml(path), path))
