"""Today's MTUS for the extremity families (issue 14): the shoulder, elbow, hand/wrist/forearm, knee (besides
surgery) and ankle/foot chapters adopted from 2017-12-01 each have a rule per edition; a request dated today
names the rule of the edition in force, an earlier date still gets the ACOEM 2004 rule, and every criterion no
public source states for the current chapter is advisory, unconfirmed and says so."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

import checker
from checker.cli import main

TODAY = dt.date(2026, 11, 1)
BEFORE = dt.date(2016, 1, 1)
# treatment code -> (the ACOEM 2004 rule, the rules of the current chapter by edition, earliest first)
FAMILIES = {
    "MRI-SHOULDER": ("MTUS-ACOEM-SHOULDER-IMAGING", ["MTUS-SH2016-IMAGING", "MTUS-SH2023-IMAGING"]),
    "XRAY-SHOULDER": ("MTUS-ACOEM-SHOULDER-XRAY", ["MTUS-SH2016-XRAY", "MTUS-SH2023-XRAY"]),
    "CSI-SHOULDER": ("MTUS-ACOEM-SHOULDER-INJECTION", ["MTUS-SH2016-INJECTION", "MTUS-SH2023-INJECTION"]),
    "SHOULDER-ARTHROSCOPY": ("MTUS-ACOEM-SHOULDER-SURGERY", ["MTUS-SH2016-SURGERY", "MTUS-SH2023-SURGERY"]),
    "SLAP-REPAIR": ("MTUS-ACOEM-SHOULDER-SURGERY", ["MTUS-SH2016-SURGERY", "MTUS-SH2023-SURGERY"]),
    "BANKART-REPAIR": ("MTUS-ACOEM-SHOULDER-SURGERY", ["MTUS-SH2016-SURGERY", "MTUS-SH2023-SURGERY"]),
    "ROTATOR-CUFF-REPAIR": ("MTUS-ACOEM-ROTATOR-CUFF-REPAIR",
                            ["MTUS-SH2016-ROTATOR-CUFF-REPAIR", "MTUS-SH2023-ROTATOR-CUFF-REPAIR"]),
    "SUBACROMIAL-DECOMPRESSION": ("MTUS-ACOEM-SUBACROMIAL-DECOMPRESSION",
                                  ["MTUS-SH2016-SUBACROMIAL-DECOMPRESSION", "MTUS-SH2023-SUBACROMIAL-DECOMPRESSION"]),
    "ESWT-SHOULDER": ("MTUS-ACOEM-SHOULDER-ESWT", ["MTUS-SH2016-ESWT", "MTUS-SH2023-ESWT"]),
    "XRAY-ELBOW": ("MTUS-ACOEM-ELBOW-XRAY", ["MTUS-ELB2013-XRAY", "MTUS-ELB2018-XRAY"]),
    "ESWT-ELBOW": ("MTUS-ACOEM-ELBOW-ESWT", ["MTUS-ELB2013-ESWT", "MTUS-ELB2018-ESWT"]),
    "LATERAL-EPICONDYLITIS-SURGERY": ("MTUS-ACOEM-EPICONDYLITIS-SURGERY",
                                      ["MTUS-ELB2013-EPICONDYLITIS-SURGERY", "MTUS-ELB2018-EPICONDYLITIS-SURGERY"]),
    "CUBITAL-TUNNEL-RELEASE": ("MTUS-ACOEM-CUBITAL-TUNNEL-RELEASE",
                               ["MTUS-ELB2013-CUBITAL-TUNNEL-RELEASE", "MTUS-ELB2018-CUBITAL-TUNNEL-RELEASE"]),
    "MRI-WRIST-HAND": ("MTUS-ACOEM-WRIST-HAND-MRI", ["MTUS-HWF2016-MRI", "MTUS-HWF2019-MRI", "MTUS-HWF2023-MRI"]),
    "XRAY-WRIST-HAND": ("MTUS-ACOEM-WRIST-HAND-XRAY", ["MTUS-HWF2016-XRAY", "MTUS-HWF2019-XRAY", "MTUS-HWF2023-XRAY"]),
    "CARPAL-TUNNEL-RELEASE": ("MTUS-ACOEM-CTR", ["MTUS-HWF2016-CTR", "MTUS-HWF2019-CTR", "MTUS-HWF2023-CTR"]),
    "DE-QUERVAIN-RELEASE": ("MTUS-ACOEM-DE-QUERVAIN-RELEASE", ["MTUS-HWF2016-DE-QUERVAIN-RELEASE",
                                                              "MTUS-HWF2019-DE-QUERVAIN-RELEASE",
                                                              "MTUS-HWF2023-DE-QUERVAIN-RELEASE"]),
    "TRIGGER-FINGER-RELEASE": ("MTUS-ACOEM-TRIGGER-FINGER-RELEASE", ["MTUS-HWF2016-TRIGGER-FINGER-RELEASE",
                                                                    "MTUS-HWF2019-TRIGGER-FINGER-RELEASE",
                                                                    "MTUS-HWF2023-TRIGGER-FINGER-RELEASE"]),
    "EDX-UPPER": ("MTUS-ACOEM-EDX-UPPER", ["MTUS-HWF2016-EDX-UPPER", "MTUS-HWF2019-EDX-UPPER",
                                           "MTUS-HWF2023-EDX-UPPER"]),
    "MRI-KNEE": ("MTUS-ACOEM-KNEE-IMAGING", ["MTUS-KNEE2015-IMAGING", "MTUS-KNEE2019-IMAGING"]),
    "XRAY-KNEE": ("MTUS-ACOEM-KNEE-XRAY", ["MTUS-KNEE2015-XRAY", "MTUS-KNEE2019-XRAY"]),
    "CSI-KNEE": ("MTUS-ACOEM-KNEE-INJECTION", ["MTUS-KNEE2015-INJECTION", "MTUS-KNEE2019-INJECTION"]),
    "MRI-ANKLE-FOOT": ("MTUS-ACOEM-ANKLE-FOOT-IMAGING", ["MTUS-AF2015-IMAGING", "MTUS-AF2018-IMAGING"]),
    "XRAY-ANKLE-FOOT": ("MTUS-ACOEM-ANKLE-FOOT-XRAY", ["MTUS-AF2015-XRAY", "MTUS-AF2018-XRAY"]),
    "PLANTAR-FASCIA-RELEASE": ("MTUS-ACOEM-PLANTAR-FASCIA-RELEASE",
                               ["MTUS-AF2015-PLANTAR-FASCIA-RELEASE", "MTUS-AF2018-PLANTAR-FASCIA-RELEASE"]),
}
NEW = sorted({rule for _, rules in FAMILIES.values() for rule in rules})
REQUESTS = {  # a request as an office writes it -> the rule in force today
    "MRI right shoulder": "MTUS-SH2023-IMAGING",
    "right shoulder arthroscopic rotator cuff repair": "MTUS-SH2023-ROTATOR-CUFF-REPAIR",
    "x-rays left elbow": "MTUS-ELB2018-XRAY",
    "right carpal tunnel release": "MTUS-HWF2023-CTR",
    "EMG/NCS bilateral upper extremities": "MTUS-HWF2023-EDX-UPPER",
    "MRI left knee": "MTUS-KNEE2019-IMAGING",
    "MRI right ankle": "MTUS-AF2018-IMAGING",
}


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_today_the_current_chapter_decides_and_before_2017_the_2004_chapter(catalog, code):
    old, rules = FAMILIES[code]
    chosen, note = catalog.select(code, TODAY)
    assert chosen is not None and chosen.id == rules[-1], (code, note)
    assert catalog.edition_of(chosen).end is None  # the edition in force today
    chosen, _ = catalog.select(code, BEFORE)
    assert chosen is not None and chosen.id == old


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_each_edition_decides_its_own_window(catalog, code):
    for rule_id in FAMILIES[code][1]:
        edition = catalog.edition_of(catalog.rules[rule_id])
        for day in (edition.start, edition.end or TODAY):
            chosen, _ = catalog.select(code, day)
            assert chosen is not None and chosen.id == rule_id, (code, day)


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_an_undated_request_is_decided_by_todays_rule(catalog, code):
    chosen, note = catalog.select(code, None)
    assert chosen.id == FAMILIES[code][1][-1] and "latest edition used" not in note, (code, note)


@pytest.mark.parametrize("request_text", sorted(REQUESTS))
def test_requirements_today_name_the_mtus_rule_in_force(request_text):
    res = run("requirements", request_text, "--date", TODAY.isoformat(), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["rule"] == REQUESTS[request_text] and data["guideline"] == "MTUS"


@pytest.mark.parametrize("rule_id", NEW)
def test_unconfirmed_current_criteria_are_advisory_and_carry_the_prior_criterion(catalog, rule_id):
    rule = catalog.rules[rule_id]
    old = catalog.rules[next(old for old, rules in FAMILIES.values() if rule_id in rules)]
    assert "no public source" in (rule.spec.summary + rule.spec.notes).lower()
    assert rule.spec.status == old.spec.status  # the prior rating, kept while none is found
    assert "prior MTUS rating" in rule.spec.status_citation.page_note
    assert [c.carries_forward for c in rule.spec.criteria] == [c.code for c in old.spec.criteria]
    for crit in rule.spec.criteria:
        assert not crit.confirmed and crit.role == "advisory", crit.code
        assert "prior MTUS text" in crit.notes and "searched:" in crit.notes, crit.code


def test_an_advisory_criterion_not_met_does_not_decide_today():
    """The 2004 shoulder MRI rule requires a primary criterion; today's carried one only advises."""
    case = {"case": "t", "dates": {"service": TODAY.isoformat()},
            "facts": {name: {"value": False} for name in
                      ("red_flags", "exam_findings_suggest_lesion", "conservative_care_failed",
                       "invasive_procedure_planned", "surgery_considered")},
            "items": [{"request": "MRI right shoulder"}]}
    (result,) = checker.check(case)
    assert result.rule == "MTUS-SH2023-IMAGING"
    assert {c.code: c.verdict for c in result.criteria}["SIMG-201"] == "not_met"
    assert not any(c.blocking for c in result.criteria)
    case["dates"] = {"service": BEFORE.isoformat()}
    (result,) = checker.check(case)
    assert result.rule == "MTUS-ACOEM-SHOULDER-IMAGING" and result.decision == "non-certify"
