"""The page's steps and the JSON API. Handlers are async and do the (synchronous) work inline, so requests are
served one at a time: the session's catalog, extractor and engines are never shared between threads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from checker.errors import InputError, InputErrors, UsageError
from checker.evaluation.selection import resolve_treatment
from checker.office.requirements import checklist
from checker.reading.cases import case_from_data
from checker.render.jsonout import check_document, to_json
from checker.render.office import records_to_attach, report_html, report_markdown
from checker.render.text import BASIS_TEXT, cannot_change, change_text, conditional_text, fact_value, parse_text
from checker.ruleset.facts import LEVEL_KINDS
from checker.session import Session
from checker.web.forms import ANSWER_PREFIX, PAGE_SOURCE, PageInput, build_case, case_document, fill, read_form
from checker.yamlio import MAX_BYTES

API_SOURCE = "<request body>"  # the name errors give a POST /api/check body, as the CLI names a case file


def error_lines(exc: Exception) -> list[str]:
    """The lines the CLI prints for an error (without its 'error: ' prefix)."""
    if isinstance(exc, InputErrors):
        return [e.one_line() for e in exc.errors]
    if isinstance(exc, InputError):
        return [exc.one_line()]
    return [str(exc)]


def api_error(status: int, lines: list[str]) -> Response:
    return Response(to_json({"errors": lines}) + "\n", status_code=status, media_type="application/json")


class Pages:
    """The handlers, bound to one session (catalog and extractor built once)."""

    def __init__(self, session: Session, templates: Jinja2Templates):
        self.session = session
        self.templates = templates
        templates.env.globals.update(fact_value=fact_value, change_text=change_text, cannot_change=cannot_change,
                                     conditional_text=conditional_text, basis_text=BASIS_TEXT,
                                     records_to_attach=records_to_attach, parse_text=parse_text,
                                     level_kinds=LEVEL_KINDS)
        self._treatments: list[tuple[str, str]] | None = None

    def treatments(self) -> list[tuple[str, str]]:
        """(code, name) of every treatment a rule decides, for the page's pick list."""
        if self._treatments is None:
            catalog = self.session.catalog()
            self._treatments = sorted((code, t.name) for code, t in catalog.treatments.treatments.items()
                                      if catalog.select(code, None)[0] is not None)
        return self._treatments

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        treatments = self.treatments()
        return self.templates.TemplateResponse(
            request, name, {"treatments": treatments, "treatments_by_code": dict(treatments), **context},
            status_code=status)

    async def _input(self, request: Request) -> PageInput:
        return read_form(await request.form())

    # ---- the page ------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        """The first step: the treatment, the request date, the case name, and an optional progress note."""
        return self.page(request, "questionnaire.html", page=PageInput("", None, "", "", {}), filled=None,
                         errors=[])

    async def _filled(self, request: Request):
        """The form read and its answers filled in, or the questionnaire page again with the errors (422)."""
        try:
            page = await self._input(request)
            return page, fill(self.session, page), None
        except (InputError, InputErrors) as exc:
            return None, None, self.page(request, "questionnaire.html", 422,
                                         page=read_form_lenient(await request.form()), filled=None,
                                         errors=error_lines(exc))

    async def questionnaire(self, request: Request) -> Response:
        """The request as read and the questions its criteria need (again after an answer changed)."""
        page, filled, refused = await self._filled(request)
        if refused is not None:
            return refused
        return self.page(request, "questionnaire.html", page=page, filled=filled, errors=[])

    async def check(self, request: Request) -> Response:
        """The result: decision, basis, checklist with citations and evidence, what would change it."""
        page, filled, refused = await self._filled(request)
        if refused is not None:
            return refused
        if filled.errors:  # an answer that is not a value of its type: ask again
            return self.page(request, "questionnaire.html", 422, page=page, filled=filled, errors=filled.errors)
        data = case_document(self.session, page, filled)
        case = build_case(self.session, data)
        results = self.session.checker(what_if=True).check_case(case)
        return self.page(request, "result.html", page=page, filled=filled, case=case, results=results,
                         catalog=self.session.catalog())

    async def download(self, request: Request) -> Response:
        """The report (HTML or Markdown) or the case file (YAML) of the answers posted."""
        kind = request.path_params["kind"]
        try:
            page = await self._input(request)
            filled = fill(self.session, page)
            if filled.errors:
                raise InputError(PAGE_SOURCE, "; ".join(filled.errors))
            data = case_document(self.session, page, filled)
            case = build_case(self.session, data)
        except (InputError, InputErrors) as exc:
            return Response("\n".join(error_lines(exc)) + "\n", status_code=422, media_type="text/plain")
        if kind == "case.yaml":
            header = (f"# Written by imrcheck serve on {dt.date.today()} from the answers on the page; "
                      f"check it with `imrcheck check {case.case}.yaml`.\n")
            body = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
            return _attachment(body, "application/yaml", f"{case.case}.yaml")
        results = self.session.checker(what_if=True).check_case(case)
        markdown = report_markdown(case.case, results)
        if kind == "report.md":
            return _attachment(markdown, "text/markdown", f"{case.case}-report.md")
        return _attachment(report_html(markdown, f"Pre-submission check: {case.case}"), "text/html",
                           f"{case.case}-report.html")

    # ---- the JSON API --------------------------------------------------------------------------------

    async def api_check(self, request: Request) -> Response:
        """A case as JSON (the fields of a case file) -> the JSON of `imrcheck check --format json`."""
        body = await request.body()
        if len(body) > MAX_BYTES:
            return api_error(413, [InputError(API_SOURCE, f"larger than {MAX_BYTES // 1_000_000} MB: "
                                              "not a case").one_line()])
        try:
            try:
                data = json.loads(body)
            except UnicodeDecodeError as exc:
                return api_error(400, [InputError(API_SOURCE, f"not UTF-8 text ({exc.reason} at byte "
                                                  f"{exc.start})").one_line()])
            except json.JSONDecodeError as exc:
                return api_error(400, [InputError(API_SOURCE, f"malformed JSON: {exc.msg}", line=exc.lineno,
                                                  column=exc.colno).one_line()])
            catalog = self.session.catalog()
            case = case_from_data(data, catalog.vocabulary, catalog.treatments, API_SOURCE)
            results = self.session.checker(what_if=True).check_case(case)
        except (InputError, InputErrors, UsageError) as exc:
            return api_error(422, error_lines(exc))
        return Response(to_json(check_document(case.case, results)) + "\n", media_type="application/json")

    async def api_requirements(self, request: Request) -> Response:
        """?treatment=..&date=.. -> the JSON of `imrcheck requirements --format json`."""
        treatment = request.query_params.get("treatment", "").strip()
        raw_date = request.query_params.get("date", "").strip()
        if not treatment:
            return api_error(400, ["treatment: required (a code, or the request as written)"])
        try:
            day = dt.date.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            return api_error(400, [f"date: expected a date YYYY-MM-DD, got {raw_date!r}"])
        catalog = self.session.catalog()
        try:
            req = resolve_treatment(catalog, treatment, day)
        except InputError as exc:
            return api_error(422, [exc.message])  # as `requirements` prints it
        return Response(to_json(checklist(req, catalog, day)) + "\n", media_type="application/json")


def read_form_lenient(form) -> PageInput:
    """The form as posted, for showing it again with its errors (a bad date shown as empty)."""
    answers = {k[len(ANSWER_PREFIX):]: v for k, v in form.items() if k.startswith(ANSWER_PREFIX)}
    return PageInput(form.get("treatment") or "", None, form.get("case") or "", form.get("note") or "", answers)


def _attachment(text: str, media_type: str, filename: str) -> Response:
    return Response(text, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
