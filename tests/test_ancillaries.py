"""Ancillary items on their surgery's real status: a surgery not in dispute stands certified; a surgery in dispute
in the same case makes the ancillary conditional ("if the surgery is certified"); the checker's own decision on
the surgery is never inherited; the audit counts conditional decisions apart."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from checker.audit.comparison import item_row, summarize
from checker.audit.consistency import analyze
from checker.cli import main
from checker.reading.cases import case_from_data
from checker.render.consistency_html import render
from checker.render.text import check_lines, explain_lines

from .conftest import CORPUS

SURGERY = "Left shoulder arthroscopy with Bankart repair, possible biceps tenodesis"
SLING = "Associated surgical service: Slingshot sling"
POSTOP_PT = "Associated surgical service: Physical therapy, times 12"
POSTOP_OPIOID = "Post-op Percocet 5/325mg"


def make_case(catalog, *items, facts=None):
    data = {"case": "anc", "dates": {"service": "2016-12-01"}, "facts": facts or {},
            "items": [it if isinstance(it, dict) else {"request": it} for it in items]}
    return case_from_data(data, catalog.vocabulary, catalog.treatments)


def surgery_fact(result):
    """associated_surgery_certified as the item's criteria consulted it (None: not consulted)."""
    for c in result.criteria:
        for f in c.facts:
            if f.name == "associated_surgery_certified":
                return f
    return None


def test_a_surgery_in_dispute_makes_the_ancillary_conditional_on_it(checker, catalog):
    case = make_case(catalog, SURGERY, SLING, POSTOP_PT)
    surgery, sling, pt = checker.check_case(case)
    assert surgery.conditional_on is None
    for r in (sling, pt):
        assert r.conditional_on == {"item": 1, "request": SURGERY}
        f = surgery_fact(r)
        assert (f.value, f.origin) == (True, "conditional")
        assert f.evidence["quote"] == f"item 1: {SURGERY}"
    assert sling.decision == "certify" and sling.decision_basis == "certified"
    assert [c.verdict for c in pt.criteria if c.code == "PST-001"] == ["met"]
    data = pt.to_dict()
    assert data["conditional_on"] == {"item": 1, "request": SURGERY}
    assert json.dumps(data)  # JSON-ready


def test_the_checkers_own_decision_on_the_surgery_is_never_inherited(checker, catalog):
    bare = make_case(catalog, SURGERY, SLING)
    documented = make_case(catalog, {"request": SURGERY, "facts": {
        "surgical_lesion_on_imaging": True, "surgical_lesion_exam_findings": True, "conservative_care_failed": True,
        "activity_limitation_months": 6, "recurrent_shoulder_instability": True}}, SLING)
    first, second = checker.check_case(bare), checker.check_case(documented)
    assert first[0].decision == "non-certify"
    assert second[0].decision != first[0].decision or second[0].reasons != first[0].reasons
    assert (first[1].decision, first[1].conditional_on) == (second[1].decision, second[1].conditional_on)
    assert surgery_fact(first[1]).origin == "conditional"


def test_a_stated_dispute_wins_over_the_record_of_the_denial(checker, catalog):
    """The summary's 'surgery was denied' is the denial in dispute: still conditional."""
    case = make_case(catalog, {"request": SLING, "facts": {"associated_surgery_in_dispute": True,
                                                           "associated_surgery_certified": False}})
    [r] = checker.check_case(case)
    assert r.conditional_on == {"item": None, "request": None}
    f = surgery_fact(r)
    assert (f.value, f.origin) == (True, "conditional") and "the record says false" in f.evidence["note"]
    assert r.decision == "certify"


def test_a_surgery_not_in_dispute_stands_certified(checker, catalog):
    case = make_case(catalog, {"request": SLING, "facts": {"associated_surgery_in_dispute": {
        "value": False, "evidence": {"quote": "the items in dispute: 1: Slingshot sling",
                                     "source": "this letter's requests"}}}})
    [r] = checker.check_case(case)
    assert r.conditional_on is None and r.decision == "certify"
    f = surgery_fact(r)
    assert (f.value, f.origin) == (True, "not in dispute")
    assert f.evidence["quote"] == "the items in dispute: 1: Slingshot sling"
    assert "not in dispute" in f.evidence["note"]


def test_a_surgery_not_in_dispute_keeps_the_status_the_record_documents(checker, catalog):
    case = make_case(catalog, {"request": SLING, "facts": {"associated_surgery_in_dispute": False,
                                                           "associated_surgery_certified": False}})
    [r] = checker.check_case(case)
    assert r.conditional_on is None and surgery_fact(r).value is False
    assert (r.decision, r.decision_basis) == ("non-certify", "not_medically_necessary")


def test_nothing_is_assumed_without_a_surgery_or_a_dispute_status(checker, catalog):
    [r] = checker.check_case(make_case(catalog, SLING))
    assert r.conditional_on is None and surgery_fact(r).value is None
    assert (r.decision, r.decision_basis) == ("non-certify", "insufficient_documentation")


def test_not_conditional_when_the_criterion_reading_the_surgery_does_not_apply(checker, catalog):
    """OPI-010 applies to post-operative use only: an opioid for chronic pain does not wait for the surgery."""
    case = make_case(catalog, SURGERY, {"request": "Percocet 5/325 mg #60",
                                        "attributes": {"requested_for_postoperative_use": False}})
    r = checker.check_case(case)[1]
    assert r.conditional_on is None and surgery_fact(r) is None


def test_explain_decides_an_item_alone_the_same_way(checker, catalog):
    case = make_case(catalog, SURGERY, POSTOP_OPIOID, SLING)
    in_case = checker.check_case(case)
    alone = [checker.check_item(case, i, item) for i, item in enumerate(case.items, start=1)]
    assert [r.to_dict() for r in alone] == [r.to_dict() for r in in_case]


def test_text_marks_conditional_decisions(checker, catalog):
    results = checker.check_case(make_case(catalog, SURGERY, SLING))
    text = "\n".join(check_lines("anc", "anc.yaml", results))
    assert "certify*" in text and "item 2* conditional: decided as if the surgery in dispute (item 1:" in text
    explained = "\n".join(explain_lines(results[1], catalog))
    assert "Condition  conditional: decided as if the surgery in dispute" in explained


def test_cli_json_and_office_report_show_the_condition(tmp_path):
    import yaml
    case = tmp_path / "anc.yaml"
    case.write_text(yaml.safe_dump({"case": "anc", "dates": {"service": "2016-12-01"},
                                    "items": [{"request": SURGERY}, {"request": SLING}]}))
    runner = CliRunner()
    res = runner.invoke(main, ["--engine", "reference", "check", str(case), "--format", "json",
                               "--report", str(tmp_path / "r.md")])
    items = json.loads(res.output[:res.output.rindex("}") + 1])["items"]
    assert [i["conditional_on"] for i in items] == [None, {"item": 1, "request": SURGERY}]
    report = (tmp_path / "r.md").read_text()
    assert "**Conditional:** decided as if the surgery in dispute (item 1: " in report
    res = runner.invoke(main, ["--engine", "reference", "explain", str(case), "--item", "2", "--format", "json"])
    assert json.loads(res.output)["conditional_on"]["item"] == 1


def test_the_audit_counts_conditional_decisions_apart(checker, catalog):
    case = make_case(catalog, {"request": SURGERY, "outcome": "upheld"}, {"request": SLING, "outcome": "upheld"},
                     {"request": POSTOP_PT, "outcome": "upheld"})
    results = checker.check_case(case)
    summary = summarize(results, 1, 0, catalog=catalog)
    assert summary["items"] == 3 and summary["conditional"]["items"] == 2
    assert summary["conditional"]["confusion"]["upheld"]["overturned"] >= 1  # the sling, certified if the surgery is
    assert summary["by_family"]["surgical_service"]["conditional"]["items"] >= 1
    rows = [item_row(r, case, item, catalog) for r, item in zip(results, case.items)]
    assert rows[1]["conditional_on"] == {"item": 1, "request": SURGERY}
    analysis = analyze(rows)
    t = analysis["totals"]
    assert t["items"] == 1 and t["discordant"] == 0  # the sling's disagreement is not an independent discordance
    assert t["conditional"]["items"] == 2 and t["conditional"]["disagree"] >= 1
    assert t["conditional"]["compared_by_surgery_outcome"]["upheld"] == 2
    assert {r["surgery_actual"] for r in analysis["conditional"]} == {"upheld"}
    assert analysis["inconsistent"] == []
    html = render(analysis, "rows", "now")
    assert "Conditional decisions" in html and "counted apart" in html and 'id="t-conditional"' in html


def test_conditional_rows_never_form_an_inconsistent_group():
    base = {"treatment": "SHOULDER-SLING", "rule": "ODG-SHOULDER-SLING", "family": "surgical_service",
            "facts": {"associated_surgery_certified": True}, "predicted": "overturned", "decision": "certify",
            "criteria": [], "reasons": [], "conditional_on": {"item": 1, "request": SURGERY}}
    rows = [{**base, "case": "A", "index": 2, "actual": "upheld"}, {**base, "case": "B", "index": 2,
                                                                     "actual": "overturned"}]
    analysis = analyze(rows)
    assert analysis["inconsistent"] == [] and analysis["discordant"] == []
    assert analysis["totals"]["conditional"]["items"] == 2
    independent = [{k: v for k, v in r.items() if k != "conditional_on"} for r in rows]
    assert len(analyze(independent)["inconsistent"]) == 1


needs_corpus = pytest.mark.skipif(not (CORPUS / "CM16-0246487.txt").is_file()
                                  or not (CORPUS / "CM17-0010420.txt").is_file(),
                                  reason="shared/corpus not beside the checkout")


@needs_corpus
def test_corpus_letters_end_to_end():
    """CM16-0246487: a Bankart repair in dispute with its post-operative therapy, cold therapy, sling, Percocet and
    Zofran; CM17-0010420: pre-operative tests for a surgery that is not in dispute."""
    runner = CliRunner()
    res = runner.invoke(main, ["--engine", "reference", "check", str(CORPUS / "CM16-0246487.txt"), "--format",
                               "json"])
    items = json.loads(res.output)["items"]
    assert items[0]["treatment"] == "BANKART-REPAIR" and items[0]["conditional_on"] is None
    for item in items[1:]:
        assert item["conditional_on"]["item"] == 1, item["item"]
        assert "Bankart" in item["conditional_on"]["request"]
    res = runner.invoke(main, ["--engine", "reference", "check", str(CORPUS / "CM17-0010420.txt"), "--format",
                               "json"])
    tests = [i for i in json.loads(res.output)["items"] if (i["treatment"] or "").startswith("PREOP-")]
    assert tests
    for item in tests:
        assert item["conditional_on"] is None
        consulted = [f for c in item["criteria"] for f in c["facts"] if f["name"] == "associated_surgery_certified"]
        assert consulted and all((f["value"], f["origin"]) == (True, "not in dispute") for f in consulted)
