"""`imrcheck serve` through Starlette's test client: the JSON API gives what the CLI gives (the same document,
the same one-line errors), and the page asks what `new` asks, reads a pasted note, and writes a case file that
`imrcheck check` takes."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from checker.cli import main
from checker.config import load_settings
from checker.evaluation.selection import resolve_treatment
from checker.office.questionnaire import questionnaire
from checker.session import Session
from checker.web.app import LOOPBACK_NAMES, create_app, is_loopback
from checker.yamlio import load_yaml

from .conftest import SEEDS

ESI = "lumbar ESI L4-5 x2"
NOTE = """PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)
Date of service: 03/01/2024

SUBJECTIVE: Low back pain radiating to the right leg.
OBJECTIVE: Decreased sensation in the right L5 dermatome. Positive straight leg raise on the right.
IMAGING: MRI of the lumbar spine shows an L4-5 disc herniation compressing the right L5 nerve root.
PLAN: Request lumbar epidural steroid injection at L4-5.
"""


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(load_settings())


@pytest.fixture(scope="module")
def client(session) -> TestClient:
    return TestClient(create_app(session))


def questions_on(page: str) -> list[str]:
    return re.findall(r'class="question[^"]*" data-fact="([^"]+)"', page)


def checklist_on(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-code="([^"]+)" data-verdict="([^"]+)"', page)


def asked_by_new(session: Session, treatment: str, answers: dict | None = None) -> list[str]:
    """The facts `imrcheck new` asks for a treatment, in order, when it is answered `answers` (else '?')."""
    catalog = session.catalog()
    asked: list[str] = []

    def ask(spec):
        asked.append(spec.name)
        return (answers or {}).get(spec.name)

    questionnaire(resolve_treatment(catalog, treatment, None), catalog, ask)
    return asked


# ---- the JSON API ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.yaml")))
def test_api_check_returns_the_json_of_check(client, seed):
    path = SEEDS / seed
    body = json.dumps(load_yaml(path), default=str)  # the case file's fields as JSON (dates as text)
    res = client.post("/api/check", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 200, res.text
    expected = cli("check", str(path), "--format", "json").stdout
    assert res.text == expected
    data = json.loads(res.text)
    assert [(i["decision"], [(c["code"], c["verdict"]) for c in i["criteria"]]) for i in data["items"]] == \
        [(i["decision"], [(c["code"], c["verdict"]) for c in i["criteria"]]) for i in json.loads(expected)["items"]]


def test_api_check_malformed_json_is_a_400_naming_line_and_column(client):
    res = client.post("/api/check", content='{"case": "x",\n "items": [}', headers={"content-type": "application/json"})
    assert res.status_code == 400
    assert res.json() == {"errors": ["<request body>:2:12: malformed JSON: Expecting value"]}


def _after_location(line: str) -> str:
    """An error line without its 'path[:line[:col]]: ' location (a request body has no file or lines)."""
    return re.sub(r"^(error: )?[^:]+(:\d+)*: ", "", line)


@pytest.mark.parametrize("case", [
    {"case": "x", "items": [{"request": ESI, "facts": {"radicular_exam_findingz": True}}]},  # unknown fact
    {"case": "x", "items": [{"request": ESI, "treatment": "ESI-LUMBARR"}]},  # unknown treatment code
    {"case": "x", "facts": {"radicular_exam_findings": "maybe"}, "items": [{"request": ESI}]},  # wrong type
    {"case": "x", "items": []},  # no item
    ["not", "a", "case"],
])
def test_api_check_bad_case_gives_the_cli_message(client, tmp_path, case):
    res = client.post("/api/check", json=case)
    assert res.status_code == 422
    errors = res.json()["errors"]
    assert errors and all(e.startswith("<request body>") and "\n" not in e for e in errors)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    run = cli("check", str(path), "--format", "json")
    assert run.exit_code == 2
    assert [_after_location(e) for e in errors] == [_after_location(line) for line in run.stderr.splitlines()]


def test_api_requirements_returns_the_json_of_requirements(client):
    res = client.get("/api/requirements", params={"treatment": ESI, "date": "2024-03-01"})
    assert res.status_code == 200
    assert res.text == cli("requirements", ESI, "--date", "2024-03-01", "--format", "json").stdout
    assert res.json()["rule"] == "MTUS-LB2020-ESI"
    old = client.get("/api/requirements", params={"treatment": "ESI-LUMBAR", "date": "2012-06-01"}).json()
    assert old["rule"] != "MTUS-LB2020-ESI"  # the date picks the edition in force


def test_api_requirements_unknown_treatment_gives_the_cli_message(client):
    res = client.get("/api/requirements", params={"treatment": "foo bar"})
    assert res.status_code == 422
    run = cli("requirements", "foo bar")
    assert run.exit_code == 2
    assert res.json()["errors"] == [run.stderr.strip().removeprefix("error: ")]


@pytest.mark.parametrize("params, message", [
    ({}, "treatment: required (a code, or the request as written)"),
    ({"treatment": ESI, "date": "2024-13-01"}, "date: expected a date YYYY-MM-DD, got '2024-13-01'"),
])
def test_api_requirements_bad_query_is_a_400(client, params, message):
    res = client.get("/api/requirements", params=params)
    assert res.status_code == 400 and res.json() == {"errors": [message]}


# ---- the page --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("treatment", [ESI, "MBB-LUMBAR", "physical therapy lumbar x12", "oxycodone 10 mg #60"])
def test_the_page_asks_what_new_asks_in_its_order(client, session, treatment):
    res = client.post("/questionnaire", data={"treatment": treatment})
    assert res.status_code == 200
    assert questions_on(res.text) == asked_by_new(session, treatment)
    assert "Read as" in res.text and resolve_treatment(session.catalog(), treatment, None).treatment in res.text


def test_answers_change_the_questions_as_they_change_what_new_asks(client, session):
    answers = {"radicular_exam_findings": False}
    res = client.post("/questionnaire", data={"treatment": ESI, "a:radicular_exam_findings": "no"})
    assert questions_on(res.text) == asked_by_new(session, ESI, answers)
    assert questions_on(res.text) != asked_by_new(session, ESI)  # a settled criterion asks no more


def test_the_page_checks_the_answers_as_check_would(client, session):
    form = {"treatment": ESI, "date": "2017-03-01", "case": "esi one", "a:radicular_exam_findings": "yes",
            "a:imaging_nerve_root_compromise": "yes", "a:imaging_levels": "L4-L5", "a:radicular_exam_levels": "L5",
            "a:conservative_care_failed": "no", "a:prior_procedure_count": "0"}
    res = client.post("/check", data=form)
    assert res.status_code == 200
    case = {"case": "esi-one", "dates": {"service": "2017-03-01"},
            "facts": {"radicular_exam_findings": True, "imaging_nerve_root_compromise": True,
                      "imaging_levels": ["L4-L5"], "radicular_exam_levels": ["L5"], "conservative_care_failed": False},
            "items": [{"request": ESI, "facts": {"prior_procedure_count": 0}}]}
    expected = client.post("/api/check", json=case).json()["items"][0]
    assert checklist_on(res.text) == [(c["code"], c["verdict"]) for c in expected["criteria"]]
    assert ("Likely CERTIFIED" if expected["decision"] == "certify" else "Likely NOT certified") in res.text
    assert "What would change the decision" in res.text and "edition in force on 2017-03-01" in res.text


def test_a_rule_whose_criteria_are_unconfirmed_gives_no_decision_on_the_page(client):
    form = {"treatment": ESI, "date": "2024-03-01", "case": "esi today", "a:radicular_exam_findings": "yes",
            "a:conservative_care_failed": "yes"}
    res = client.post("/check", data=form)
    assert res.status_code == 200
    assert "No decision: the criteria in force are not confirmed" in res.text
    assert "Likely CERTIFIED" not in res.text and "Likely NOT certified" not in res.text
    assert "are not confirmed from a public source" in res.text and "What would change the decision" not in res.text
    assert checklist_on(res.text)  # the advisory criteria are still shown, as guidance


def test_downloads_are_the_report_and_a_case_file_check_takes(client, tmp_path):
    form = {"treatment": ESI, "case": "esi-two", "a:radicular_exam_findings": "yes",
            "a:imaging_nerve_root_compromise": "no"}
    shown = client.post("/check", data=form).text
    case_file = client.post("/download/case.yaml", data=form)
    assert case_file.headers["content-disposition"] == 'attachment; filename="esi-two.yaml"'
    path = tmp_path / "esi-two.yaml"
    path.write_text(case_file.text)
    checked = json.loads(cli("check", str(path), "--format", "json").stdout)["items"][0]
    assert checklist_on(shown) == [(c["code"], c["verdict"]) for c in checked["criteria"]]
    markdown = client.post("/download/report.md", data=form)
    assert markdown.text.startswith("# Pre-submission check: esi-two")
    assert "| ⚠️ not documented | **LESI-301**" in markdown.text
    cli("check", str(path), "--report", str(tmp_path / "r.md"))
    assert (tmp_path / "r.md").read_text() == markdown.text
    html = client.post("/download/report.html", data=form)
    assert html.headers["content-type"].startswith("text/html") and html.text.startswith("<!DOCTYPE html>")


def test_a_pasted_note_prefills_the_answers_with_its_quotes(client, session, tmp_path):
    res = client.post("/questionnaire", data={"treatment": ESI, "note": NOTE})
    assert res.status_code == 200
    note_path = tmp_path / "note.txt"
    note_path.write_text(NOTE)
    from_note, _, _ = session.read_note(note_path, ESI)
    found = {**from_note.facts, **from_note.items[0].facts}
    assert "radicular_exam_findings" in found and "imaging_nerve_root_compromise" in found
    for name in set(found) & set(questions_on(res.text)):
        assert f'“{found[name].evidence.quote}”'.replace("'", "&#39;") in res.text
    assert re.search(r'name="a:radicular_exam_findings" value="yes"[^>]*\n?\s*checked', res.text)
    assert "date of service 2024-03-01" in res.text
    assert "edition in force on 2024-03-01" in res.text  # without a request date, the note's picks the edition
    # the staff change one answer; the others keep the note's values and quotes in the case file
    form = {"treatment": ESI, "note": NOTE, "case": "from-note", "a:radicular_exam_findings": "no"}
    data = yaml.safe_load(client.post("/download/case.yaml", data=form).text)
    assert data["facts"]["radicular_exam_findings"] is False
    kept = data["facts"]["imaging_nerve_root_compromise"]
    assert kept["value"] is True and kept["evidence"]["source"] == "progress note"
    assert data["dates"] == {"service": "2024-03-01"}


def test_bad_answers_and_unknown_treatments_are_shown_on_the_page(client):
    res = client.post("/check", data={"treatment": ESI, "a:prior_procedure_count": "many"})
    assert res.status_code == 422 and 'id="errors"' in res.text
    assert "prior_procedure_count: expected a whole number, got &#39;many&#39;" in res.text
    download = client.post("/download/case.yaml", data={"treatment": ESI, "a:prior_procedure_count": "many"})
    assert download.status_code == 422
    assert download.text == "<web form>: prior_procedure_count: expected a whole number, got 'many'\n"
    res = client.post("/questionnaire", data={"treatment": "foo bar"})
    assert res.status_code == 422 and "unknown treatment &#39;foo bar&#39;" in res.text
    res = client.post("/questionnaire", data={"treatment": ESI, "date": "03/01/2024"})
    assert res.status_code == 422 and "date: expected a date YYYY-MM-DD" in res.text


def test_pages_load_nothing_from_elsewhere(client):
    pages = [client.get("/"), client.post("/questionnaire", data={"treatment": ESI}),
             client.post("/check", data={"treatment": ESI})]
    for res in pages:
        assert res.headers["content-security-policy"].startswith("default-src 'self'")
        assert res.headers["cache-control"] == "no-store"
        links = re.findall(r'(?:src|href|action)="([^"]*)"', res.text)
        assert links and all(link.startswith("/") for link in links), links
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "url(" not in css.text and "@import" not in css.text


def test_a_loopback_server_answers_only_loopback_names(session):
    app = TestClient(create_app(session, LOOPBACK_NAMES))
    assert app.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200
    assert app.get("/", headers={"host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                            ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                            ("192.168.1.20", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback
