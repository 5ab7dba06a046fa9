"""Today's MTUS for the Chronic Pain and Opioids families (issue 14): every family the 2009/2016 Chronic Pain and
2016 Opioids guidelines decided has a rule of the ACOEM-based guideline in force today, carrying the prior
criteria as advisory and unconfirmed; the earlier rules still decide their own dates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from checker.cli import main

TODAY = dt.date(2026, 11, 1)
EARLY = dt.date(2016, 1, 1)  # before the 2016 Chronic Pain guidelines: the 2009 texts decide
LATE_2016 = dt.date(2017, 6, 1)  # the 2016 Chronic Pain and Opioids guidelines in force

# treatment -> (rule in force today, rule on 2016-01-01 (None: no MTUS rule then), rule on 2017-06-01)
FAMILIES = {
    "ACETAMINOPHEN": ("MTUS-CP2017-ACETAMINOPHEN", None, "MTUS-CP2016-ACETAMINOPHEN"),
    "ANTICONVULSANT": ("MTUS-CP2017-AEDS", None, "MTUS-CP2016-AEDS"),
    "ANTIDEPRESSANT": ("MTUS-CP2017-ANTIDEPRESSANTS", None, "MTUS-CP2016-ANTIDEPRESSANTS"),
    "ANTIEMETIC": ("MTUS-CP2017-ANTIEMETICS", None, "MTUS-CP2016-ANTIEMETICS"),
    "AQUATIC-THERAPY": ("MTUS-CP2017-AQUATIC-THERAPY", "MTUS-CP-AQUATIC-THERAPY", "MTUS-CP2016-AQUATIC-THERAPY"),
    "BARBITURATE-ANALGESIC": ("MTUS-CP2017-BCA", None, "MTUS-CP2016-BCA"),
    "PSYCHOTHERAPY": ("MTUS-CP2017-BEHAVIORAL-INTERVENTIONS", "MTUS-CP-BEHAVIORAL-INTERVENTIONS",
                      "MTUS-CP2016-BEHAVIORAL-INTERVENTIONS"),
    "BENZODIAZEPINE": ("MTUS-CP2017-BENZODIAZEPINES", None, "MTUS-CP2016-BENZODIAZEPINES"),
    "BIOFEEDBACK": ("MTUS-CP2017-BIOFEEDBACK", None, "MTUS-CP2016-BIOFEEDBACK"),
    "BOTOX-INJECTION": ("MTUS-CP2017-BOTOX", "MTUS-CP-BOTOX", "MTUS-CP2016-BOTOX"),
    "TOPICAL-CAPSAICIN": ("MTUS-CP2017-CAPSAICIN", None, "MTUS-CP2016-CAPSAICIN"),
    "CARISOPRODOL": ("MTUS-CP2017-CARISOPRODOL", None, "MTUS-CP2016-CARISOPRODOL"),
    "COMPOUNDED-ORAL-KIT": ("MTUS-CP2017-COMPOUND-KITS", None, "MTUS-CP2016-COMPOUND-KITS"),
    "EDX-LOWER": ("MTUS-CP2017-EDX-LOWER", None, "MTUS-CP2016-EDX-LOWER"),
    "FRP-EVALUATION": ("MTUS-CP2017-FRP-EVALUATION", "MTUS-CP-FRP-EVALUATION", "MTUS-CP2016-FRP-EVALUATION"),
    "FUNCTIONAL-RESTORATION-PROGRAM": ("MTUS-CP2017-FRP", "MTUS-CP-FRP", "MTUS-CP2016-FRP"),
    "H-WAVE": ("MTUS-CP2017-H-WAVE", "MTUS-CP2009-H-WAVE", "MTUS-CP2016-H-WAVE"),
    "HOME-HEALTH": ("MTUS-IAT2017-HOME-HEALTH", None, "MTUS-CP2016-HOME-HEALTH"),
    "IDDS": ("MTUS-CP2017-IDDS", "MTUS-CP-IDDS", "MTUS-CP2016-IDDS"),
    "INTERFERENTIAL-STIMULATION": ("MTUS-CP2017-INTERFERENTIAL", "MTUS-CP2009-INTERFERENTIAL",
                                   "MTUS-CP2016-INTERFERENTIAL"),
    "KETOROLAC-ORAL": ("MTUS-CP2017-KETOROLAC", None, "MTUS-CP2016-KETOROLAC"),
    "LIDOCAINE-TOPICAL-NONPATCH": ("MTUS-CP2017-LIDOCAINE-NONPATCH", None, "MTUS-CP2016-LIDOCAINE-NONPATCH"),
    "LIDOCAINE-PATCH": ("MTUS-CP2017-LIDOCAINE-PATCH", None, "MTUS-CP2016-LIDOCAINE-PATCH"),
    "CHIROPRACTIC": ("MTUS-CP2017-MANIPULATION", None, "MTUS-CP2016-MANIPULATION"),
    "MEDICAL-FOOD": ("MTUS-CP2017-MEDICAL-FOOD", None, "MTUS-CP2016-MEDICAL-FOOD"),
    "MUSCLE-RELAXANT": ("MTUS-CP2017-MUSCLE-RELAXANTS", None, "MTUS-CP2016-MUSCLE-RELAXANTS"),
    "NMES": ("MTUS-CP2017-NMES", "MTUS-CP2009-NMES", "MTUS-CP2016-NMES"),
    "NSAID-ORAL": ("MTUS-CP2017-NSAIDS", None, "MTUS-CP2016-NSAIDS"),
    "OFFICE-VISIT": ("MTUS-CP2017-OFFICE-VISITS", None, "MTUS-CP2016-OFFICE-VISITS"),
    "LAXATIVE": ("MTUS-CP2017-OIC", None, "MTUS-CP2016-OIC"),
    "MASSAGE-THERAPY": ("MTUS-CP2017-PASSIVE-MODALITIES", None, "MTUS-CP2016-PASSIVE-MODALITIES"),
    "ULTRASOUND-THERAPY": ("MTUS-CP2017-PASSIVE-MODALITIES", None, "MTUS-CP2016-PASSIVE-MODALITIES"),
    "PPI": ("MTUS-CP2017-PPI", None, "MTUS-CP2016-PPI"),
    "PSYCH-EVAL-IMPLANT": ("MTUS-CP2017-PSYCH-EVAL-IMPLANT", "MTUS-CP-PSYCH-EVAL-IMPLANT",
                           "MTUS-CP2016-PSYCH-EVAL-IMPLANT"),
    "PSYCH-EVALUATION": ("MTUS-CP2017-PSYCH-EVALUATION", "MTUS-CP-PSYCH-EVALUATION", "MTUS-CP2016-PSYCH-EVALUATION"),
    "TOPICAL-SALICYLATE": ("MTUS-CP2017-SALICYLATE", None, "MTUS-CP2016-SALICYLATE"),
    "SCS": ("MTUS-CP2017-SCS", "MTUS-CP-SCS", "MTUS-CP2016-SCS"),
    "TOPICAL-COMPOUND": ("MTUS-CP2017-TOPICAL-COMPOUNDS", None, "MTUS-CP2016-TOPICAL-COMPOUNDS"),
    "TOPICAL-NSAID": ("MTUS-CP2017-TOPICAL-NSAIDS", None, "MTUS-CP2016-TOPICAL-NSAIDS"),
    "TRIGGER-POINT-INJECTION": ("MTUS-CP2017-TPI", None, "MTUS-CP2016-TPI"),
    "WORK-HARDENING": ("MTUS-CP2017-WORK-CONDITIONING", "MTUS-CP-WORK-CONDITIONING", "MTUS-CP2016-WORK-CONDITIONING"),
    "SYMPATHETIC-BLOCK": ("MTUS-CP2017-SYMPATHETIC-BLOCKS", "MTUS-CP-SYMPATHETIC-BLOCKS", None),
    "URINE-DRUG-TEST": ("MTUS-OPIOIDS2017-UDT", None, "MTUS-OPIOIDS2016-UDT"),
}
NEW = sorted({today for today, _, _ in FAMILIES.values()})
REQUESTS = {  # a request as an office writes it -> the rule in force today
    "cyclobenzaprine 7.5mg #60": "MTUS-CP2017-MUSCLE-RELAXANTS",
    "gabapentin 300mg #90": "MTUS-CP2017-AEDS",
    "Naproxen 550mg #60": "MTUS-CP2017-NSAIDS",
    "functional restoration program x 80 hours": "MTUS-CP2017-FRP",
    "cognitive behavioral therapy 6 sessions": "MTUS-CP2017-BEHAVIORAL-INTERVENTIONS",
    "trigger point injections": "MTUS-CP2017-TPI",
    "spinal cord stimulator trial": "MTUS-CP2017-SCS",
    "home health care 4 hours a day": "MTUS-IAT2017-HOME-HEALTH",
    "urine drug screen": "MTUS-OPIOIDS2017-UDT",
}


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_each_family_has_a_rule_in_force_today(catalog, code):
    today_rule, _, _ = FAMILIES[code]
    chosen, note = catalog.select(code, TODAY)
    assert chosen is not None and chosen.id == today_rule, (code, note)
    edition = catalog.edition_of(chosen)
    assert edition is not None and edition.end is None and chosen.spec.effective.from_ == dt.date(2017, 12, 1)
    undated, note = catalog.select(code, None)
    assert undated is chosen and "latest edition used" not in note


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_the_earlier_rules_still_decide_their_dates(catalog, code):
    today_rule, early_rule, late_rule = FAMILIES[code]
    early, _ = catalog.select(code, EARLY)
    assert early is None or early.id != today_rule
    if early_rule is not None:
        assert early.id == early_rule
    else:  # no MTUS rule then: ODG or nothing decides
        assert early is None or early.spec.guideline != "MTUS"
    late, _ = catalog.select(code, LATE_2016)
    assert (late.id if late and late.spec.guideline == "MTUS" else None) == late_rule


@pytest.mark.parametrize("rule_id", NEW)
def test_unconfirmed_criteria_are_advisory_carried_and_say_what_was_searched(catalog, rule_id):
    rule = catalog.rules[rule_id]
    assert "no public source" in (rule.spec.summary + rule.spec.notes).lower()
    assert "searched:" in rule.spec.notes
    for crit in rule.spec.criteria:
        assert not crit.confirmed and crit.role == "advisory", crit.code
        assert "prior MTUS text" in crit.notes and "searched:" in crit.notes, crit.code
        earlier = catalog.criterion(crit.carries_forward)
        assert earlier is not None, crit.code
        # the carried criterion asks the same question of the record as the one it carries
        assert crit.condition == earlier[1].condition and crit.applies_when == earlier[1].applies_when, crit.code


@pytest.mark.parametrize("rule_id", NEW)
def test_the_prior_rating_is_kept_and_says_so(catalog, rule_id):
    rule = catalog.rules[rule_id]
    prior = {catalog.criterion(c.carries_forward)[0].id for c in rule.spec.criteria}
    assert len(prior) == 1
    prior_rule = catalog.rules[prior.pop()]
    assert rule.spec.status == prior_rule.spec.status
    assert "prior MTUS rating" in rule.spec.status_citation.page_note and prior_rule.id in rule.spec.status_citation.page_note


@pytest.mark.parametrize("request_text", sorted(REQUESTS))
def test_requirements_today_name_the_rule_in_force(request_text):
    res = run("requirements", request_text, "--date", TODAY.isoformat(), "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["rule"] == REQUESTS[request_text] and data["guideline"] == "MTUS"
    assert data["criteria"] and all(c["role"] == "advisory" and c["confirmed"] is False for c in data["criteria"])


@pytest.mark.parametrize("rule_id", ["MTUS-CP2017-CARISOPRODOL", "MTUS-CP2017-TOPICAL-COMPOUNDS"])
def test_a_prior_not_recommended_rating_is_shown_but_does_not_decide_today(catalog, checker, rule_id):
    """The prior not-recommended rating is kept and marked unconfirmed: no source states it for the 2017
    guideline, so it decides nothing (no decision, the rating named in the reason)."""
    rule = catalog.rules[rule_id]
    assert rule.spec.status == "not_recommended" and not rule.spec.status_confirmed
    result = checker.check_facts(rule, {})
    assert result.decision is None and result.decision_basis == "criteria_unconfirmed"
    assert "not recommended rating is a prior edition's" in result.why_no_prediction


def test_home_health_cites_the_guideline_a_wcab_panel_named():
    res = run("requirements", "home health care 4 hours a day", "--date", TODAY.isoformat(), "--format", "json")
    data = json.loads(res.output)
    assert "Initial Approaches to Treatment" in json.dumps(data)
