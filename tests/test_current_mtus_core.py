"""Today's MTUS for the core families (issue 14): a request dated today names a rule of the ACOEM chapter in
force, and a criterion no public source states for that chapter is advisory, unconfirmed and says so."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from checker.cli import main

TODAY = "2026-11-01"
CURRENT = {  # common request -> the rule in force today
    "lumbar ESI L4-5": "MTUS-LB2020-ESI",
    "cervical ESI C5-6": "MTUS-CT2018-ESI",
    "MRI lumbar spine": "MTUS-LB2020-IMAGING",
    "MRI cervical spine": "MTUS-CT2018-IMAGING",
    "physical therapy 2x6 lumbar": "MTUS-CP2017-PHYSICAL-THERAPY",
    "acupuncture 6 sessions": "MTUS-ACUPUNCTURE",
    "right knee arthroscopy": "MTUS-KNEE2019-SURGERY",
    "TENS unit": "MTUS-CP2017-TENS",
    "TENS unit cervical": "MTUS-CT2018-TENS",
    "Norco 10/325 #60": "MTUS-OPIOIDS-2017",
}
NEW = sorted(set(CURRENT.values()) - {"MTUS-ACUPUNCTURE"})


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


@pytest.mark.parametrize("request_text", sorted(CURRENT))
def test_requirements_today_name_the_mtus_rule_in_force(catalog, request_text):
    res = run("requirements", request_text, "--date", TODAY, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["rule"] == CURRENT[request_text] and data["guideline"] == "MTUS"
    rule = catalog.rules[data["rule"]]
    assert rule.spec.effective.contains(dt.date.fromisoformat(TODAY))
    edition = catalog.edition_of(rule)
    assert edition is not None and edition.end is None  # the edition in force today


@pytest.mark.parametrize("rule_id", NEW)
def test_an_undated_request_is_decided_by_todays_rule(catalog, rule_id):
    rule = catalog.rules[rule_id]
    for code in rule.spec.treatments:
        chosen, note = catalog.select(code, None)
        assert chosen is rule and "latest edition used" not in note, (code, note)


@pytest.mark.parametrize("rule_id", NEW)
def test_unconfirmed_current_criteria_are_advisory_and_say_what_was_searched(catalog, rule_id):
    rule = catalog.rules[rule_id]
    assert "no public source" in (rule.spec.summary + rule.spec.notes).lower()
    for crit in rule.spec.criteria:
        if not crit.confirmed:
            assert crit.role == "advisory", crit.code
            assert "prior MTUS text" in crit.notes and "searched:" in crit.notes, crit.code
            assert crit.carries_forward and catalog.criterion(crit.carries_forward), crit.code


def test_the_earlier_rules_still_decide_their_dates(catalog):
    chosen, _ = catalog.select("ESI-LUMBAR", dt.date(2017, 6, 1))
    assert chosen.id == "MTUS-CP2016-ESI"
    chosen, _ = catalog.select("OPIOID-SHORT-ACTING", dt.date(2017, 6, 1))
    assert chosen.id == "MTUS-OPIOIDS-2016"


def test_the_statutory_visit_cap_still_decides_therapy_today():
    res = run("requirements", "physical therapy 2x6 lumbar", "--date", TODAY, "--format", "json")
    cap = next(c for c in json.loads(res.output)["criteria"] if c["code"] == "PTX-101")
    assert cap["role"] == "required" and cap["confirmed"] is True and "4604.5" in cap["citation"]


@pytest.mark.parametrize(("code", "day", "rule_id"), [
    ("ESI-LUMBAR", "2018-06-01", "MTUS-LB2016-ESI"), ("ESI-LUMBAR", "2020-06-01", "MTUS-LB2019-ESI"),
    ("MRI-LUMBAR", "2019-08-11", "MTUS-LB2019-IMAGING"), ("MRI-LUMBAR", "2019-08-10", "MTUS-LB2016-IMAGING"),
    ("ESI-CERVICAL", "2019-04-17", "MTUS-CT2016-ESI"), ("MRI-CERVICAL", "2018-01-02", "MTUS-CT2016-IMAGING"),
    ("TENS-CERVICAL", "2018-01-02", "MTUS-CT2016-TENS"), ("KNEE-ARTHROSCOPY", "2020-09-20", "MTUS-KNEE2015-SURGERY"),
    ("KNEE-ARTHROSCOPY", "2020-09-21", "MTUS-KNEE2019-SURGERY"),
])
def test_each_acoem_edition_decides_its_own_window(catalog, code, day, rule_id):
    chosen, _ = catalog.select(code, dt.date.fromisoformat(day))
    assert chosen is not None and chosen.id == rule_id


def test_every_family_with_a_pre_2017_mtus_rule_has_an_mtus_rule_in_force_today(catalog):
    today = dt.date(2026, 11, 1)
    mtus = [r for r in catalog.rules.values() if r.spec.guideline == "MTUS"]
    before = {t for r in mtus if r.spec.effective.to and r.spec.effective.to < dt.date(2017, 12, 1)
              for t in r.spec.treatments}
    now = {t for r in mtus if r.spec.effective.contains(today) for t in r.spec.treatments}
    assert before and sorted(before - now) == []
