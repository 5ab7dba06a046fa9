"""Today's MTUS for the spine chapters and the consultation families (issue 14): each family of ACOEM 2004
chapters 12, 8 and 7 is decided today by the ACOEM-based guideline in force, one rule per edition, on the
prior criteria carried forward as advisory and unconfirmed; the 2004 rules still decide their own dates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from checker.cli import main

TODAY, BEFORE = dt.date(2026, 11, 1), dt.date(2016, 1, 1)
# prior MTUS rule -> the rule of each edition since 2017-12-01 (the last one is in force today)
FAMILIES = {
    "MTUS-ACOEM-LB-FACET": ["MTUS-LB2016-FACET", "MTUS-LB2019-FACET", "MTUS-LB2020-FACET"],
    "MTUS-ACOEM-LB-RFN": ["MTUS-LB2016-RFN", "MTUS-LB2019-RFN", "MTUS-LB2020-RFN"],
    "MTUS-ACOEM-LB-FUSION": ["MTUS-LB2016-FUSION", "MTUS-LB2019-FUSION", "MTUS-LB2020-FUSION"],
    "MTUS-ACOEM-LB-DECOMPRESSION": ["MTUS-LB2016-DECOMPRESSION", "MTUS-LB2019-DECOMPRESSION",
                                    "MTUS-LB2020-DECOMPRESSION"],
    "MTUS-ACOEM-LB-XRAY": ["MTUS-LB2016-XRAY", "MTUS-LB2019-XRAY", "MTUS-LB2020-XRAY"],
    "MTUS-ACOEM-LB-PHYSICAL-METHODS": ["MTUS-LB2016-PHYSICAL-METHODS", "MTUS-LB2019-PHYSICAL-METHODS",
                                       "MTUS-LB2020-PHYSICAL-METHODS"],
    "MTUS-ACOEM-LB-SPINE-REFERRAL": ["MTUS-LB2016-SPINE-REFERRAL", "MTUS-LB2019-SPINE-REFERRAL",
                                     "MTUS-LB2020-SPINE-REFERRAL"],
    "MTUS-ACOEM-NECK-FUSION": ["MTUS-CT2016-FUSION", "MTUS-CT2018-FUSION"],
    "MTUS-ACOEM-NECK-RFN": ["MTUS-CT2016-RFN", "MTUS-CT2018-RFN"],
    "MTUS-ACOEM-CONSULT": ["MTUS-IA2017-CONSULT"],
    "MTUS-ACOEM-MEDICATION-CONSULT": ["MTUS-IA2017-MEDICATION-CONSULT"],
    "MTUS-ACOEM-FCE": ["MTUS-IA2017-FCE"],
}
NEW = sorted(r for rules in FAMILIES.values() for r in rules)


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


@pytest.mark.parametrize("old_id", sorted(FAMILIES))
def test_a_request_today_selects_the_current_rule_and_one_in_2016_the_old(catalog, old_id):
    current = catalog.rules[FAMILIES[old_id][-1]]
    for code in catalog.rules[old_id].spec.treatments:
        chosen, _ = catalog.select(code, TODAY)
        assert chosen is current, (code, chosen and chosen.id)
        assert catalog.edition_of(chosen).end is None  # the edition in force today
        chosen, _ = catalog.select(code, BEFORE)
        assert chosen.id == old_id, (code, chosen and chosen.id)


@pytest.mark.parametrize("old_id", sorted(FAMILIES))
def test_each_edition_decides_its_own_window(catalog, old_id):
    for rule_id in FAMILIES[old_id]:
        rule = catalog.rules[rule_id]
        edition = catalog.edition_of(rule)
        assert (rule.spec.effective.from_, rule.spec.effective.to) == (edition.start, edition.end)
        for day in (edition.start, edition.end or TODAY):
            for code in rule.spec.treatments:
                assert catalog.select(code, day)[0] is rule, (rule_id, code, day)


@pytest.mark.parametrize("rule_id", NEW)
def test_carried_criteria_are_advisory_unconfirmed_and_say_what_was_searched(catalog, rule_id):
    rule = catalog.rules[rule_id]
    old = catalog.rules[next(o for o, rules in FAMILIES.items() if rule_id in rules)]
    assert "no public source" in (rule.spec.summary + rule.spec.notes).lower()
    assert "http" in rule.spec.notes and "/work/" not in rule.spec.notes  # public sources, never a local path
    assert [c.carries_forward for c in rule.spec.criteria] == [c.code for c in old.spec.criteria]
    assert rule.spec.status == old.spec.status and "prior MTUS" in rule.spec.status_citation.page_note
    for crit in rule.spec.criteria:
        assert crit.role == "advisory" and not crit.confirmed, crit.code
        assert "prior MTUS text" in crit.notes and "searched:" in crit.notes, crit.code


def test_the_consultation_families_name_the_guideline_that_replaced_chapter_7(catalog):
    for rule_id in ("MTUS-IA2017-CONSULT", "MTUS-IA2017-MEDICATION-CONSULT", "MTUS-IA2017-FCE"):
        rule = catalog.rules[rule_id]
        assert rule.spec.document.startswith("Initial Approaches to Treatment")
        assert "Why this guideline" in rule.spec.notes and "Chapter 7" in rule.spec.notes


@pytest.mark.parametrize(("request_text", "rule_id"), [
    ("lumbar facet injection L4-5", "MTUS-LB2020-FACET"),
    ("cervical fusion C5-6", "MTUS-CT2018-FUSION"),
    ("functional capacity evaluation", "MTUS-IA2017-FCE"),
])
def test_requirements_today_name_the_current_rule(request_text, rule_id):
    res = run("requirements", request_text, "--date", TODAY.isoformat(), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["rule"] == rule_id and all(c["role"] == "advisory" for c in data["criteria"])


def test_facet_injections_keep_the_prior_rating_unconfirmed_and_undecided_today(catalog, checker):
    rule = catalog.rules["MTUS-LB2020-FACET"]
    assert rule.spec.status == "not_recommended" and not rule.spec.status_confirmed
    result = checker.check_facts(rule, {"radicular_symptoms": False})
    assert result.decision is None and result.decision_basis == "criteria_unconfirmed"
    assert "its not recommended rating is a prior edition's, not confirmed" in result.why_no_prediction
