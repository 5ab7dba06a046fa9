"""A rule whose criteria are all advisory (the criteria in force are not confirmed) decides nothing: no decision,
no IMR prediction (accounted for like an uncovered item, kind `criteria-unconfirmed`), every criterion's verdict
shown as guidance, in every output; a treatment not recommended still decides; a rule with some deciding
criteria decides on those only and says the rest is advisory."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from checker.audit.comparison import summarize
from checker.audit.consistency import analyze
from checker.cli import main
from checker.errors import InputErrors
from checker.evaluation.verdicts import decides, unconfirmed_reason
from checker.evaluation.whatif import what_if
from checker.reading.cases import case_from_data
from checker.render.consistency_html import render
from checker.render.office import report_markdown
from checker.render.ruledocs import rule_page
from checker.render.text import advisory_text, check_lines, explain_lines

from .test_decision_basis import CITE, criterion, make_rule

# Dated cases whose items are decided by rules with only advisory criteria: a carpal tunnel release in 2017
# (ACOEM 2004 chapter 11, criteria unconfirmed) and a lumbar ESI in 2018 (ACOEM Low Back Disorders 2016, the
# prior MTUS criteria carried forward), beside an item that is decided (a lumbar ESI in 2016).
CTR = {"case": "ctr", "dates": {"service": "2017-01-13"},
       "items": [{"request": "Right carpal tunnel release", "outcome": "overturned"}]}
ESI_2018 = {"case": "esi", "dates": {"service": "2018-03-01"},
            "items": [{"request": "Lumbar epidural steroid injection L4-5", "outcome": "upheld"}]}
MIXED = {"case": "mixed", "dates": {"service": "2017-01-13"},
         "items": [{"request": "Right carpal tunnel release", "outcome": "overturned"},
                   {"request": "Lumbar epidural steroid injection L4-5", "outcome": "upheld"}]}


UNSEEN = "not found in a public source"


def invoke(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


def case_file(tmp_path, data, name="case.yaml"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture(scope="module")
def advisory_only(catalog):
    return make_rule(catalog, criterion("TST-021", {"fact": "conservative_care_failed"}, role="advisory",
                                        confirmed=False, notes=UNSEEN),
                     criterion("TST-022", {"fact": "home_exercise_program"}, role="advisory", confirmed=False,
                               notes=UNSEEN))


def test_a_rule_of_advisory_criteria_gives_no_decision_but_every_verdict(checker, advisory_only):
    for facts in ({}, {"conservative_care_failed": True, "home_exercise_program": True},
                  {"conservative_care_failed": False}):
        r = checker.check_facts(advisory_only, facts)
        assert (r.decision, r.predicted, r.agree, r.reasons) == (None, None, None, [])
        assert (r.decision_basis, r.uncovered) == ("criteria_unconfirmed", "criteria-unconfirmed")
        assert [c.code for c in r.criteria] == ["TST-021", "TST-022"] and not any(c.blocking for c in r.criteria)
        assert r.why_no_prediction.startswith("the criteria of Test guideline 2009 are not confirmed")
    verdicts = {c.code: c.verdict for c in checker.check_facts(advisory_only, {"conservative_care_failed": False,
                                                                               "home_exercise_program": True}).criteria}
    assert verdicts == {"TST-021": "not_met", "TST-022": "met"}


def test_a_treatment_not_recommended_still_decides(checker, catalog):
    rule = make_rule(catalog, criterion("TST-031", {"fact": "conservative_care_failed"}, role="advisory",
                                        confirmed=False, notes=UNSEEN), status="not_recommended")
    r = checker.check_facts(rule, {"conservative_care_failed": True})
    assert decides(rule) and (r.decision, r.decision_basis, r.uncovered) == ("non-certify", "not_medically_necessary",
                                                                            None)


def test_a_mix_decides_on_its_deciding_criteria_and_says_the_rest_is_advisory(checker, catalog):
    rule = make_rule(catalog, criterion("TST-041", {"fact": "conservative_care_failed"}),
                     criterion("TST-042", {"fact": "home_exercise_program"}, role="advisory", confirmed=False,
                               notes=UNSEEN),
                     criterion("TST-043", {"not": {"fact": "red_flags"}}, role="exclusion"))
    assert decides(rule) and unconfirmed_reason(rule, None) is None
    r = checker.check_facts(rule, {"conservative_care_failed": True, "home_exercise_program": False})
    assert (r.decision, r.decision_basis, r.uncovered) == ("certify", "certified", None)
    r = checker.check_facts(rule, {"home_exercise_program": True})
    assert (r.decision, r.decision_basis, r.reasons) == ("non-certify", "insufficient_documentation", ["TST-041"])
    assert advisory_text(r) == "decided on TST-041, TST-043; advisory, guidance only: TST-042 (unconfirmed)"


def test_explain_and_the_office_report_say_which_criteria_decided(checker, catalog):
    from checker.reading.cases import load_case

    from .conftest import SEEDS
    [r] = checker.check_case(load_case(SEEDS / "004-selective-nerve-root-block.yaml", catalog.vocabulary,
                                       catalog.treatments))
    basis = " ".join(line for line in explain_lines(r, catalog) if line.startswith(("Basis", "     ")))
    assert ("Basis insufficient documentation: decided on ESI-001, ESI-002, ESI-005; advisory, guidance only: "
            "ESI-003 (unconfirmed)") in " ".join(basis.split())
    assert "Criteria: decided on ESI-001, ESI-002, ESI-005; advisory" in report_markdown("seed-004", [r])


def test_the_reason_names_the_document_the_date_and_where_the_criteria_come_from(catalog):
    import datetime as dt
    carried = catalog.rules["MTUS-LB2016-ESI"]
    assert unconfirmed_reason(carried, dt.date(2018, 3, 1)) == (
        "the criteria of Low Back Disorders (8 CCR 9792.23.5) ACOEM 2/24/2016 in force on 2018-03-01 are not "
        "confirmed from a public source; the advisory criteria below are the prior MTUS text")
    # a date the rule is not in force on (an undated request falls back to the latest edition) is not claimed
    assert "in force" not in unconfirmed_reason(carried, dt.date(2030, 1, 1))
    own = catalog.rules["MTUS-ACOEM-CTR"]
    assert unconfirmed_reason(own, dt.date(2017, 1, 13)).endswith("the advisory criteria below are an unconfirmed "
                                                                  "reading of it")


def test_check_text_json_and_fail_on(tmp_path):
    path = case_file(tmp_path, MIXED)
    out = invoke("check", path)
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert lines[2].split()[:5] == ["1", "CARPAL-TUNNEL-RELEA…", "unconf", "-", "Overturned"]
    assert "criteria unconfirmed" in lines[2]
    assert "unconf = criteria unconfirmed" in out.output
    assert "item 1: no prediction: the criteria of MTUS-ACOEM-CTR" in out.output
    assert "item 1 certifiable" not in out.output
    [ctr, esi] = json.loads(invoke("check", path, "--format", "json").output)["items"]
    assert (ctr["decision"], ctr["predicted"], ctr["decision_basis"], ctr["uncovered"]) == (
        None, None, "criteria_unconfirmed", "criteria-unconfirmed")
    assert "in force on 2017-01-13 are not confirmed" in ctr["why_no_prediction"]
    assert [c["verdict"] for c in ctr["criteria"]] == ["not_documented"] * 3
    assert ctr["what_if"] == {"to_certify": [], "would_sink": [], "cannot_change": []}
    assert esi["decision"] == "non-certify" and esi["why_no_prediction"] is None
    only = case_file(tmp_path, CTR, "ctr.yaml")
    codes = {flag: invoke("check", only, "--fail-on", flag).exit_code
             for flag in ("any", "not-met", "undocumented", "unconfirmed")}
    assert codes == {"any": 1, "not-met": 0, "undocumented": 0, "unconfirmed": 1}
    assert invoke("check", case_file(tmp_path, {**MIXED, "items": MIXED["items"][1:]}, "esi.yaml"),
                  "--fail-on", "unconfirmed").exit_code == 0


def test_explain_text_and_json(tmp_path):
    path = case_file(tmp_path, ESI_2018)
    text = invoke("explain", path, "--item", "1").output
    assert "Decision   none -> no IMR prediction (actual Upheld)" in text
    flat = " ".join(text.split())
    assert ("Basis criteria unconfirmed: the criteria of Low Back Disorders (8 CCR 9792.23.5) ACOEM 2/24/2016 in "
            "force on 2018-03-01 are not confirmed from a public source; the advisory criteria below are the prior "
            "MTUS text") in flat
    assert "Criteria (advisory: what to document, not a decision)" in text and "[NOT DOCUMENTED] LESI-101" in text
    assert "No documentation makes it certifiable here" in flat and "Because" not in text
    data = json.loads(invoke("explain", path, "--item", "1", "--format", "json").output)
    assert (data["decision"], data["decision_basis"], data["rule"]) == (None, "criteria_unconfirmed", "MTUS-LB2016-ESI")


def test_requirements_say_there_is_no_decision():
    text = " ".join(invoke("requirements", "carpal tunnel release", "--date", "2017-01-13").output.split())
    assert ("no decision, no IMR prediction: the criteria of ACOEM Practice Guidelines, Chapter 11 Forearm, Wrist, "
            "and Hand Complaints 2nd ed. (2004) in force on 2017-01-13 are not confirmed") in text
    data = json.loads(invoke("requirements", "carpal tunnel release", "--date", "2017-01-13", "--format",
                             "json").output)
    assert data["no_decision"].startswith("the criteria of ACOEM") and len(data["criteria"]) == 3
    assert "**No decision, no IMR prediction:**" in invoke("requirements", "carpal tunnel release", "--date",
                                                           "2017-01-13", "--format", "markdown").output
    decided = json.loads(invoke("requirements", "ESI-LUMBAR", "--date", "2016-01-04", "--format", "json").output)
    assert decided["no_decision"] is None


def test_office_report_and_rule_page(checker, catalog):
    results = checker.check_case(case_from_data(MIXED, catalog.vocabulary, catalog.treatments))
    report = report_markdown("mixed", results)
    first = report[report.index("## Item 1"):report.index("## Item 2")]
    assert "**NO DECISION** under MTUS-ACOEM-CTR" in first and "Basis: **criteria unconfirmed**" in first
    assert "likely NOT certified" in report[report.index("## Item 2"):]
    page = rule_page(catalog.rules["MTUS-ACOEM-CTR"], catalog, checker)
    assert "**No decision, no IMR prediction:** the criteria of ACOEM Practice Guidelines" in page
    assert "No decision" not in rule_page(catalog.rules["MTUS-CP-ESI"], catalog, checker)


def test_no_what_if_advice_toward_a_certification_that_cannot_be_decided(catalog, advisory_only):
    facts = {"conservative_care_failed": False}
    assert what_if(advisory_only, facts, catalog.vocabulary) == {"to_certify": [], "would_sink": [],
                                                                 "cannot_change": []}


def test_audit_json_jsonl_text_and_store(tmp_path, checker, catalog):
    path = case_file(tmp_path, MIXED)
    db = tmp_path / "a.db"
    data = json.loads(invoke("audit", path, "--format", "json", "--db", str(db)).output)
    s = data["summary"]
    assert s["uncovered_by_reason"] == {"criteria-unconfirmed": 1}
    assert (s["items"], s["items_predicted"], s["items_compared"]) == (2, 1, 1)
    assert s["confusion"]["overturned"]["none"] == 1 and sum(s["decision_basis"].values()) == 1
    row = data["items"][0]
    assert (row["decision_basis"], row["uncovered"], row["predicted"]) == ("criteria_unconfirmed",
                                                                          "criteria-unconfirmed", None)
    assert row["why_no_prediction"].startswith("the criteria of ACOEM Practice Guidelines, Chapter 11")
    assert [c["blocking"] for c in row["criteria"]] == [False] * 3
    in_memory = summarize(checker.check_case(case_from_data(MIXED, catalog.vocabulary, catalog.treatments)), 1, 0,
                          catalog=catalog)
    assert in_memory["uncovered_by_reason"] == s["uncovered_by_reason"]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT decision_basis, decision, predicted FROM items ORDER BY idx").fetchall() == [
            ("criteria_unconfirmed", None, None), ("insufficient_documentation", "non-certify", "upheld")]
    lines = [json.loads(line) for line in invoke("audit", path, "--format", "jsonl",
                                                 "--db", str(tmp_path / "b.db")).output.splitlines()]
    items = [line for line in lines if line.get("type") == "item"]
    assert items[0]["decision_basis"] == "criteria_unconfirmed"
    text = invoke("audit", path, "--db", str(db)).output
    assert "Overturned  -     unconf" in text
    assert "no prediction: criteria-unconfirmed 1 (criteria-unconfirmed: a rule is in force" in " ".join(text.split())


def test_the_consistency_report_lists_them_apart(checker, catalog):
    from checker.audit.comparison import item_row
    case = case_from_data(MIXED, catalog.vocabulary, catalog.treatments)
    rows = [item_row(r, case, item, catalog) for r, item in zip(checker.check_case(case), case.items)]
    analysis = analyze(rows)
    assert analysis["totals"]["criteria_unconfirmed"] == {"items": 1, "upheld": 0, "overturned": 1, "unknown": 0}
    assert [(u["case"], u["index"], u["rule"]) for u in analysis["criteria_unconfirmed"]] == [
        ("mixed", 1, "MTUS-ACOEM-CTR")]
    assert analysis["totals"]["discordant"] == 0 and analysis["totals"]["compared"] == 1
    html = render(analysis, "rows", "now")
    assert "No decision: criteria unconfirmed" in html and "reviewers upheld 0 and overturned 1" in html


def test_a_several_part_request_with_an_undecided_part(checker, catalog):
    """An ankle MRI (its rule's criteria all advisory) requested with a lumbar MRI: a part not certified decides
    the request; otherwise the request is undecided."""
    data = {"case": "x", "dates": {"service": "2016-12-01"}, "facts": {"red_flags": False},
            "items": [{"request": "MRI of the left ankle and lumbar spine"}]}
    [r] = checker.check_case(case_from_data(data, catalog.vocabulary, catalog.treatments))
    bases = {p["code"]: p["decision_basis"] for p in r.parts}
    assert bases["MRI-ANKLE-FOOT"] == "criteria_unconfirmed"
    assert r.decision == "non-certify" and r.treatment != "MRI-ANKLE-FOOT"
    text = " ".join(" ".join(explain_lines(r, catalog)).split())
    assert "Part MRI-ANKLE-FOOT (ankle): MTUS-ACOEM-ANKLE-FOOT-IMAGING, no prediction (criteria unconfirmed)" in text
    assert " insuff " in "\n".join(check_lines("x", "x.yaml", [r]))


def test_the_rule_command_says_a_rule_does_not_decide():
    text = " ".join(invoke("rule", "MTUS-LB2016-ESI").output.split())
    assert "no decision, no IMR prediction: the criteria of Low Back Disorders" in text
    assert "the advisory criteria below are the prior MTUS text" in text
    assert "no decision" not in invoke("rule", "MTUS-CP-ESI").output


# ---- the rating: an unconfirmed status never decides; confirmed supporting statements let the status decide -----

def test_a_prior_editions_not_recommended_rating_decides_nothing(catalog, checker):
    carried = make_rule(catalog, criterion("TST-031", {"fact": "conservative_care_failed"}, role="advisory",
                                           confirmed=False, notes=UNSEEN),
                        status="not_recommended", status_confirmed=False,
                        status_citation={**CITE, "page_note": "the prior edition's rating, kept; not confirmed"})
    stated = make_rule(catalog, criterion("TST-032", {"fact": "conservative_care_failed"}, role="advisory",
                                          confirmed=False, notes=UNSEEN), status="not_recommended")
    assert not decides(carried) and decides(stated)
    assert "its not recommended rating is a prior edition's, not confirmed" in unconfirmed_reason(carried, None)
    assert checker.check_facts(carried, {}).decision is None
    assert checker.check_facts(stated, {}).reasons == ["STATUS"]


def test_an_unconfirmed_status_must_say_where_it_comes_from(catalog):
    with pytest.raises(InputErrors, match="an unconfirmed status needs a `status_citation.page_note`"):
        make_rule(catalog, criterion("TST-033", {"fact": "conservative_care_failed"}), status_confirmed=False,
                  status_citation={k: v for k, v in CITE.items() if k != "page_note"} | {"page": "12"})


def test_confirmed_supporting_statements_let_the_status_decide(catalog, checker):
    supported = make_rule(catalog, criterion("TST-034", {"fact": "conservative_care_failed"}, role="advisory"),
                          status="recommended")
    assert decides(supported)
    assert checker.check_facts(supported, {}).decision == "certify"
