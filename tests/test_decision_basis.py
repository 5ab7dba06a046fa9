"""The decision's basis: certified, not medically necessary (a criterion documented not met, an exclusion
documented present, a treatment not recommended) or insufficient documentation (something required is only
not documented), the same from both engines, in every output and in the audit (store, summary, report)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.audit.comparison import item_row, summarize
from checker.audit.consistency import analyze, decision_basis, discordance
from checker.audit.store import Store, item_record
from checker.cli import main
from checker.reading.cases import case_from_data
from checker.render.consistency_html import render
from checker.render.office import report_markdown
from checker.render.text import audit_lines, check_lines, explain_lines
from checker.ruleset.rules import RuleFile, _compile
from checker.yamlio import validate

from .conftest import SEEDS

CITE = {"guideline": "MTUS", "document": "Test guideline", "edition": "2009", "section": "Test section",
        "page_note": "written for this test"}


def criterion(code, condition, role="required", **more):
    return {"code": code, "title": f"Title of {code}", "text": "A criterion written for this test.",
            "citation": CITE, "condition": condition, "role": role, "to_meet": "Document what it asks for.", **more}


def make_rule(catalog, *criteria, status="conditional", **more):
    data = {"id": "MTUS-TEST-BASIS", "title": "Test rule", "guideline": "MTUS", "document": "Test guideline",
            "edition": "2009", "effective": {"from": "2009-07-18"}, "treatments": ["POSTOP-PT"], "status": status,
            "status_citation": CITE, "summary": "A rule written for this test.", "criteria": list(criteria), **more}
    context = {"vocabulary": catalog.vocabulary, "treatments": catalog.treatments,
               "fragments": set(catalog.library.fragments), "libraries": set(catalog.library.paths)}
    return _compile(validate(RuleFile, data, "<test>", context), Path("<test>"), catalog.vocabulary, catalog.library)


@pytest.fixture(scope="module")
def rule(catalog):
    return make_rule(catalog, criterion("TST-001", {"fact": "conservative_care_failed"}),
                     criterion("TST-002", {"fact": "home_exercise_program"}),
                     criterion("TST-003", {"not": {"fact": "red_flags"}}, role="exclusion"),
                     criterion("TST-004", {"fact": "requested_quantity", "documented": True}),
                     criterion("TST-005", {"fact": "requested_count", "lte": 12}, role="advisory"))


ALL_MET = {"conservative_care_failed": True, "home_exercise_program": True, "red_flags": False,
           "requested_quantity": 10}


@pytest.mark.parametrize("changes, decision, basis", [
    ({}, "certify", "certified"),
    ({"requested_count": 30}, "certify", "certified"),  # an advisory criterion never decides
    ({"home_exercise_program": None}, "non-certify", "insufficient_documentation"),
    ({"home_exercise_program": None, "conservative_care_failed": None}, "non-certify", "insufficient_documentation"),
    ({"home_exercise_program": False}, "non-certify", "not_medically_necessary"),
    ({"home_exercise_program": False, "conservative_care_failed": None}, "non-certify", "not_medically_necessary"),
    ({"red_flags": True}, "non-certify", "not_medically_necessary"),  # an exclusion documented present
    ({"red_flags": None}, "certify", "certified"),  # an exclusion not documented does not block
    # a criterion that only asks for something to be stated: missing documentation, not a finding against
    ({"requested_quantity": None}, "non-certify", "insufficient_documentation"),
    ({"requested_quantity": None, "red_flags": True}, "non-certify", "not_medically_necessary"),
])
def test_basis_of_each_decision(checker, rule, changes, decision, basis):
    values = {**ALL_MET, **changes}
    result = checker.check_facts(rule, {k: v for k, v in values.items() if v is not None})
    assert (result.decision, result.decision_basis) == (decision, basis)
    assert result.predicted == ("overturned" if decision == "certify" else "upheld")  # Upheld for both bases


def test_a_treatment_not_recommended_is_not_medically_necessary(checker, catalog):
    rule = make_rule(catalog, criterion("TST-011", {"fact": "conservative_care_failed"}, role="advisory"),
                     status="not_recommended")
    result = checker.check_facts(rule, {})
    assert (result.decision, result.reasons, result.decision_basis) == ("non-certify", ["STATUS"],
                                                                        "not_medically_necessary")


def test_no_prediction_has_no_basis(checker, catalog):
    case = case_from_data({"case": "x", "items": [{"request": "something no rule addresses at all"}]},
                          catalog.vocabulary, catalog.treatments)
    [r] = checker.check_case(case)
    assert r.decision is None and r.decision_basis is None and r.to_dict()["decision_basis"] is None


def test_several_parts_are_decided_by_a_documented_finding_first(checker, catalog):
    """A request of two codes: the part not medically necessary decides over an earlier one insufficiently
    documented."""
    case = case_from_data({"case": "x", "dates": {"ur_decision": "2015-03-02"},
                           "facts": {"conservative_care_failed": False},
                           "items": [{"request": "Lumbar MRI and lumbar epidural steroid injection"}]},
                          catalog.vocabulary, catalog.treatments)
    [r] = checker.check_case(case)
    assert {p["code"]: p["decision_basis"] for p in r.parts} == {
        "MRI-LUMBAR": "insufficient_documentation", "ESI-LUMBAR": "not_medically_necessary"}
    assert (r.treatment, r.decision_basis) == ("ESI-LUMBAR", "not_medically_necessary")


def test_seeds_same_basis_from_both_engines(catalog):
    from checker.evaluation.checker import Checker
    from checker.reading.cases import load_case
    from checker.session import make_evaluator
    runs = []
    for engine in ("reference", "durable"):
        evaluator = make_evaluator(engine)
        checker = Checker(catalog, evaluator)
        runs.append([(r.decision, r.decision_basis, r.conditional_on) for path in sorted(SEEDS.glob("*.yaml"))
                     for r in checker.check_case(load_case(path, catalog.vocabulary, catalog.treatments))])
        evaluator.close()
    assert runs[0] == runs[1]
    assert {b for _, b, _ in runs[0]} >= {"certified", "insufficient_documentation"}


def test_text_explain_and_office_report_show_the_basis(checker, catalog):
    case = case_from_data({"case": "x", "dates": {"service": "2016-12-01"},
                           "items": [{"request": "Associated surgical service: Slingshot sling"}]},
                          catalog.vocabulary, catalog.treatments)
    results = checker.check_case(case)
    assert results[0].decision_basis == "insufficient_documentation"
    text = "\n".join(check_lines("x", "x.yaml", results))
    assert " insuff " in text and "insuff = insufficient documentation" in text and "both predict Upheld" in text
    assert "Basis      insufficient documentation" in "\n".join(explain_lines(results[0], catalog))
    assert "Basis: **insufficient documentation**" in report_markdown("x", results)
    documented = case_from_data({"case": "x", "dates": {"service": "2016-12-01"}, "items": [
        {"request": "Associated surgical service: Slingshot sling",
         "facts": {"associated_surgery_in_dispute": False, "associated_surgery_certified": False}}]},
        catalog.vocabulary, catalog.treatments)
    results = checker.check_case(documented)
    assert " not-nec " in "\n".join(check_lines("x", "x.yaml", results))
    assert "Basis: **not medically necessary**" in report_markdown("x", results)


def test_cli_json_of_check_explain_and_audit(tmp_path):
    seed = str(SEEDS / "004-selective-nerve-root-block.yaml")
    runner = CliRunner()
    run = lambda *a: runner.invoke(main, ["--engine", "reference", *a], catch_exceptions=False)  # noqa: E731
    checked = json.loads(run("check", seed, "--format", "json").output)["items"]
    explained = json.loads(run("explain", seed, "--item", "1", "--format", "json").output)
    audited = json.loads(run("audit", seed, "--format", "json", "--db", str(tmp_path / "a.db")).output)
    assert checked[0]["decision_basis"] == explained["decision_basis"] == audited["items"][0]["decision_basis"]
    assert checked[0]["decision_basis"] in ("not_medically_necessary", "insufficient_documentation")
    assert "conditional_on" in checked[0] and "conditional_on" in audited["items"][0]
    s = audited["summary"]
    assert sum(s["decision_basis"].values()) == s["items_predicted"]
    assert s["conditional"]["items"] == 0
    text = run("audit", seed, "--db", str(tmp_path / "a.db")).output
    assert "agree basis" in text and "decided: certified" in text


def test_the_store_summary_counts_bases_and_conditional_like_summarize(tmp_path, checker, catalog):
    from checker.audit.batch import Audit, run_summary
    from checker.config import load_settings
    from checker.session import Session
    case_file = tmp_path / "anc.yaml"
    case_file.write_text(json.dumps({"case": "anc", "dates": {"service": "2016-12-01"}, "items": [
        {"request": "Left shoulder arthroscopy with Bankart repair", "outcome": "overturned"},
        {"request": "Associated surgical service: Slingshot sling", "outcome": "overturned"}]}))
    session = Session(load_settings().with_overrides(engine="reference"))
    store = Store(tmp_path / "s.db")
    run = Audit(store, session).run([str(case_file)])
    from_store = run_summary(store, run)
    case = case_from_data(json.loads(case_file.read_text()), catalog.vocabulary, catalog.treatments)
    in_memory = summarize(checker.check_case(case), 1, 0, catalog=catalog)
    for key in ("decision_basis", "conditional", "by_family"):
        assert from_store[key] == in_memory[key], key
    assert from_store["conditional"]["items"] == 1
    row = store.db.execute("SELECT decision_basis, conditional FROM items ORDER BY idx").fetchall()
    assert [tuple(r) for r in row] == [("insufficient_documentation", 0), ("certified", 1)]


def test_a_schema_2_store_is_upgraded_with_its_rows_bases(tmp_path):
    db = tmp_path / "old.sqlite"
    old_row = {"case": "A", "index": 1, "treatment": "T", "family": "f", "rule": "R", "guideline": "MTUS",
               "decision": "non-certify", "predicted": "upheld", "actual": "overturned", "agree": False,
               "reviewer_specialty": None, "decision_date": None, "reasons": ["X-001"],
               "criteria": [{"code": "X-001", "verdict": "not_documented", "blocking": True}]}
    new_row = {**old_row, "index": 2, "decision_basis": "not_medically_necessary",
               "conditional_on": {"item": 1, "request": "surgery"}}
    with sqlite3.connect(db) as con:
        con.executescript("""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '2');
            CREATE TABLE items(content_hash TEXT, extractor TEXT, ruleset TEXT, evaluator TEXT, idx INTEGER,
                path TEXT, case_id TEXT, treatment TEXT, family TEXT, rule TEXT, guideline TEXT, decision TEXT,
                predicted TEXT, actual TEXT, agree INTEGER, reviewer_specialty TEXT, decision_date TEXT,
                row TEXT NOT NULL, PRIMARY KEY(content_hash, extractor, ruleset, evaluator, idx));""")
        for row in (old_row, new_row):
            con.execute("INSERT INTO items VALUES ('h', 'e', 'r', 'v', ?, 'a.txt', 'A', 'T', 'f', 'R', 'MTUS', "
                        "'non-certify', 'upheld', 'overturned', 0, NULL, NULL, ?)", (row["index"], json.dumps(row)))
    store = Store(db)
    assert store.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == "3"
    assert [tuple(r) for r in store.db.execute("SELECT decision_basis, conditional FROM items ORDER BY idx")] == [
        (None, 0), ("not_medically_necessary", 1)]
    store.close()
    Store(db).close()  # opening it again changes nothing
    record = item_record({**old_row, "rationale": None, "decision_basis": "certified", "conditional_on": None})
    assert record[-2:] == ("certified", 0)


def test_rows_without_a_recorded_basis_get_it_from_their_verdicts():
    row = {"decision": "non-certify", "reasons": ["X-001"], "criteria": [
        {"code": "X-001", "verdict": "not_documented", "blocking": True}]}
    assert decision_basis(row) == "insufficient_documentation"
    row["criteria"].append({"code": "X-002", "verdict": "not_met", "blocking": True})
    assert decision_basis(row) == "not_medically_necessary"
    assert decision_basis({"decision": "non-certify", "reasons": ["STATUS"], "criteria": []}) == \
        "not_medically_necessary"
    assert decision_basis({"decision": "certify"}) == "certified"
    assert decision_basis({"decision": None}) is None


def _row(case, actual, predicted, basis, verdict):
    return {"case": case, "index": 1, "item": f"request {case}", "treatment": "T", "family": "f", "rule": "R",
            "actual": actual, "predicted": predicted, "decision_basis": basis,
            "decision": "certify" if predicted == "overturned" else "non-certify", "reasons": ["X-001"],
            "criteria": [{"code": "X-001", "title": "Title", "verdict": verdict, "blocking": verdict != "met"}],
            "facts": {}}


def test_the_audit_report_splits_discordances_by_what_they_rest_on():
    rows = [_row("D1", "overturned", "upheld", "not_medically_necessary", "not_met"),
            _row("D2", "overturned", "upheld", "insufficient_documentation", "not_documented"),
            _row("D3", "overturned", "upheld", "insufficient_documentation", "not_documented"),
            _row("D4", "upheld", "overturned", "certified", "met"),
            _row("D5", "upheld", "upheld", "insufficient_documentation", "not_documented")]
    assert discordance(rows[1])["basis"] == "missing_documentation"
    assert discordance(rows[3])["basis"] == "documented"
    analysis = analyze(rows)
    t = analysis["totals"]
    assert (t["discordant"], t["discordant_documented"], t["discordant_missing_documentation"]) == (4, 2, 2)
    assert {d["case"]: d["basis"] for d in analysis["discordant"]} == {
        "D1": "documented", "D2": "missing_documentation", "D3": "missing_documentation", "D4": "documented"}
    html = render(analysis, "rows", "now")
    assert "Resting on documented evidence (2)" in html and "Resting on missing documentation (2)" in html
    assert "2 resting on documented evidence, 2 on missing documentation" in html
    documented = html[html.index("Resting on documented evidence"):html.index("Resting on missing documentation")]
    assert "request D1" in documented and "request D4" in documented and "request D2" not in documented


def test_audit_text_lines_show_basis_and_conditional():
    from types import SimpleNamespace
    summary = {"inputs": 1, "inputs_read": 1, "inputs_failed": 0, "inputs_skipped": 0, "items": 2,
               "items_predicted": 2, "items_compared": 2, "agree": 1, "agreement": 0.5, "balanced_accuracy": 0.5,
               "confusion": {a: {p: 0 for p in ("upheld", "overturned", "none")}
                             for a in ("upheld", "overturned", "unknown")},
               "decision_basis": {"certified": 1, "not_medically_necessary": 0, "insufficient_documentation": 1},
               "conditional": {"items": 1, "items_compared": 1, "agree": 0}}
    rows = [SimpleNamespace(case="A", index=1, treatment="T", predicted="upheld", actual="upheld", agree=True,
                            decision_basis="insufficient_documentation", conditional_on=None),
            SimpleNamespace(case="A", index=2, treatment="T", predicted="overturned", actual="upheld", agree=False,
                            decision_basis="certified", conditional_on={"item": 1, "request": "x"})]
    text = "\n".join(audit_lines(summary, rows, [], []))
    assert "yes   insuff" in text and "NO    certify*" in text
    assert "insufficient documentation 1" in text and "conditional (*" in text


def test_item_rows_carry_the_basis(checker, catalog):
    case = case_from_data({"case": "x", "dates": {"service": "2016-12-01"},
                           "items": [{"request": "Associated surgical service: Slingshot sling"}]},
                          catalog.vocabulary, catalog.treatments)
    [r] = checker.check_case(case)
    row = item_row(r, case, case.items[0], catalog)
    assert row["decision_basis"] == "insufficient_documentation" and row["conditional_on"] is None
