"""What the page's form holds, turned into what the office tools take: the treatment resolved, the questionnaire
`imrcheck new` asks (answered from the form, else prefilled from a pasted progress note), and the case file the
answers make. Stateless: every step posts the whole form again, nothing is kept on the server."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from checker.errors import InputError
from checker.evaluation.selection import ResolvedTreatment, resolve_treatment
from checker.office.questionnaire import case_data, parse_answer, questionnaire
from checker.reading.cases import Case, FactEntry, case_from_data
from checker.render.text import fact_value
from checker.ruleset.facts import FactSpec, FactType
from checker.session import Session

ANSWER_PREFIX = "a:"  # form fields a:<fact name> carry the answers
PAGE_SOURCE = "<web form>"  # the name errors give the page's input, as the CLI names a file
_CASE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class PageInput:
    """The form as posted: treatment, request date, case name, pasted note, and the answers shown so far."""

    treatment: str
    date: dt.date | None
    case_id: str
    note: str
    answers: dict[str, str]

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The form again as (name, value) pairs, for the buttons of a later step (downloads, back)."""
        fields = [("treatment", self.treatment), ("date", self.date.isoformat() if self.date else ""),
                  ("case", self.case_id), ("note", self.note)]
        return fields + [(ANSWER_PREFIX + k, v) for k, v in self.answers.items()]


def read_form(form: Mapping[str, str]) -> PageInput:
    """The posted form; InputError naming the field for a date that is not YYYY-MM-DD."""
    raw_date = (form.get("date") or "").strip()
    try:
        day = dt.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise InputError(PAGE_SOURCE, f"expected a date YYYY-MM-DD, got {raw_date!r}", field="date") from None
    case_id = _CASE_ID.sub("-", (form.get("case") or "").strip()).strip("-") or "office-check"
    answers = {k[len(ANSWER_PREFIX):]: v for k, v in form.items() if k.startswith(ANSWER_PREFIX)}
    return PageInput((form.get("treatment") or "").strip(), day, case_id, form.get("note") or "", answers)


@dataclass
class Question:
    """One question as the page shows it: the fact, the answer in the form's terms, what the note read."""

    spec: FactSpec
    answer: str  # yes / no / ? for a yes-no question, else the value as typed ('' = not documented)
    note_value: str | None = None  # what the progress note documents, with its quote
    quote: str | None = None
    section: str | None = None
    error: str | None = None
    on_form: bool = False  # answered on the form (else: not shown yet when the form was posted)


@dataclass
class Filled:
    """The questionnaire for a request, answered: the questions in `new`'s order and the documented facts."""

    req: ResolvedTreatment
    questions: list[Question]
    facts: dict[str, Any]  # request attributes, answers, and what the note documents beyond the questions
    day: dt.date | None  # the request date: the form's, else the note's date of service (None: today)
    note_entries: dict[str, FactEntry] = field(default_factory=dict)
    note_case: Case | None = None
    layout: Any = None  # the note's layout (date of service, sections)

    @property
    def note_only(self) -> list[str]:
        """The facts the note documents that no question asks (kept in the case as the note has them)."""
        asked = {q.spec.name for q in self.questions}
        return sorted(name for name in self.note_entries if name not in asked)

    @property
    def not_shown(self) -> list[Question]:
        """Questions the posted answers made apply that the form did not show yet (taken from the note, else as
        not documented)."""
        return [q for q in self.questions if not q.on_form]

    @property
    def errors(self) -> list[str]:
        return [f"{q.spec.name}: {q.error}" for q in self.questions if q.error]


def form_text(spec: FactSpec, value: Any) -> str:
    """A documented value as the form shows it (None = not documented)."""
    if spec.type is FactType.BOOL:
        return "?" if value is None else ("yes" if value else "no")
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else fact_value(value)


def fill(session: Session, page: PageInput) -> Filled:
    """Read the note if one was pasted, resolve the treatment on the request date (the form's, else the note's
    date of service), and run the questionnaire: each question takes the form's answer, else the note's value,
    else not documented. InputError for an unknown treatment, as `requirements` and `new` say it."""
    catalog = session.catalog()
    if not page.treatment:
        raise InputError(PAGE_SOURCE, "name the treatment (a code or the request as written)", field="treatment")
    note_case = layout = None
    note_entries: dict[str, FactEntry] = {}
    if page.note.strip():
        note_case, _, layout = session.note_case(page.case_id, page.note, page.treatment, page.date)
        note_entries = {**note_case.facts, **note_case.items[0].facts}
    day = page.date or (note_case.dates.service if note_case else None)
    req = resolve_treatment(catalog, page.treatment, day)
    questions: list[Question] = []

    def ask(spec: FactSpec) -> Any:
        entry = note_entries.get(spec.name)
        question = Question(spec, form_text(spec, entry.value if entry else None))
        if entry is not None:
            question.note_value = form_text(spec, entry.value)
            if entry.evidence is not None:
                question.quote, question.section = entry.evidence.quote, entry.evidence.section
        questions.append(question)
        if spec.name not in page.answers:  # not on the form yet: what the note documents
            return entry.value if entry else None
        question.answer, question.on_form = page.answers[spec.name], True
        try:
            return parse_answer(spec, question.answer)
        except ValueError as exc:
            question.error = str(exc)
            return None

    answered = questionnaire(req, catalog, ask)
    asked = {q.spec.name for q in questions}
    facts = {**{k: e.value for k, e in note_entries.items() if k not in asked}, **answered}
    return Filled(req, questions, facts, day, note_entries, note_case, layout)


def case_document(session: Session, page: PageInput, filled: Filled) -> dict[str, Any]:
    """The case file the answers make (as `new` writes it), with the request date as the date of service (else
    the note's) and the note's quote as evidence for every value the note documents and the form kept."""
    catalog = session.catalog()
    data = case_data(filled.req, catalog, filled.facts, page.case_id)
    if filled.day is not None:
        data = {"case": data.pop("case"), "dates": {"service": filled.day.isoformat()}, **data}
    for facts in (data.get("facts", {}), data["items"][0].get("facts", {})):
        for name, value in facts.items():
            entry = filled.note_entries.get(name)
            if entry is not None and entry.evidence is not None and entry.value == filled.facts[name]:
                facts[name] = {"value": value, "evidence": entry.evidence.model_dump(mode="json", exclude_none=True)}
    return data


def build_case(session: Session, data: dict[str, Any]) -> Case:
    """The case file's data validated as `imrcheck check` validates a file."""
    catalog = session.catalog()
    return case_from_data(data, catalog.vocabulary, catalog.treatments, PAGE_SOURCE)
