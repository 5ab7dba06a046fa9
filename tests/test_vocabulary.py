"""Spinal levels, three-valued conditions and request normalization."""

from __future__ import annotations

import pytest

from checker.evaluation.engine import ReferenceEvaluator, _closure
from checker.reading.requests import find_levels, normalize_request
from checker.ruleset.conditions import All, AnyOf, Compare, Not
from checker.ruleset.facts import levels_overlap, normalize_level
from checker.ruleset.rules import load_catalog

from .conftest import rules_copy


@pytest.mark.parametrize("raw, want", [("L4-5", "L4-L5"), ("l5/s1", "L5-S1"), ("L5", "L5"), ("C5-C6", "C5-C6"),
                                       ("T12-L1", "T12-L1")])
def test_normalize_level(raw, want):
    assert normalize_level(raw) == want


@pytest.mark.parametrize("raw", ["L4-L6", "L6", "X4", "L5-L4"])
def test_bad_levels_are_rejected(raw):
    with pytest.raises(ValueError):
        normalize_level(raw)


def test_levels_overlap_by_shared_root():
    assert levels_overlap(["L4-L5"], ["L5"]) and levels_overlap(["L2", "L3"], ["L2-L3"])
    assert not levels_overlap(["L4-L5"], ["S1"])


def test_find_levels_in_request_text():
    assert find_levels("Left and right L2-3 selective nerve root block") == ["L2-L3"]
    assert find_levels("Lumbar Sympathetic Injections at L2, L3, L4, L5") == ["L2", "L3", "L4", "L5"]


T, F, U = Compare("t", "eq", True), Compare("f", "eq", True), Compare("u", "eq", True)
ENV = {"t": True, "f": False}


@pytest.mark.parametrize("node, want", [
    (All((T, T)), True), (All((T, F)), False), (All((T, U)), None), (All((F, U)), False),
    (AnyOf((F, F)), False), (AnyOf((F, T)), True), (AnyOf((F, U)), None), (AnyOf((T, U)), True),
    (Not(U), None), (Not(F), True),
])
def test_kleene_logic(node, want):
    assert _closure(node)(ENV) is want


@pytest.mark.parametrize("text, code, attrs", [
    ("Left and right L2-3 selective nerve root block", "SNRB-LUMBAR",
     {"requested_levels": ["L2-L3"], "requested_side": "bilateral", "requested_approach": "transforaminal"}),
    ("Lumbar Sympathetic Injections at L2, L3, L4, L5, series of three (3)", "SYMPATHETIC-BLOCK",
     {"requested_count": 3}),
    ("Lumbar ESI", "ESI-LUMBAR", {"requested_count": 1}),
    ("cervical epidural steroid injection C5-6", "ESI-CERVICAL", {"requested_levels": ["C5-C6"]}),
    ("MRA (Magnetic Resonance Angiogram) Iliac artery", "MRA", {"requested_vascular_territory": "limb"}),
    ("Request for left lumbar medial branch blocks (no levels provided)", "MBB-LUMBAR", {"requested_side": "left"}),
    ("Follow up visit for the lumbar spine", "SPINE-SPECIALIST-VISIT", {}),
    # courses of a therapy multiply: "2 courses of 6" is 12 visits
    ("2 courses of 6 chiropractic visits", "CHIROPRACTIC", {"requested_count": 12}),
    ("Two sets of six physical therapy sessions", "PHYSICAL-THERAPY", {"requested_count": 12}),
])
def test_request_normalization(catalog, text, code, attrs):
    n = normalize_request(text, catalog.treatments)
    assert n.code == code
    assert attrs.items() <= n.attributes.items()


@pytest.mark.parametrize("text, why", [("ESI", "names no body region"), ("Hyperbaric oxygen therapy x12", "no procedure, service, equipment or drug recognized")])
def test_unknown_or_ambiguous_requests_get_no_code(catalog, text, why):
    n = normalize_request(text, catalog.treatments)
    assert n.code is None and why in n.reason


def test_plural_request_without_a_count_leaves_the_count_undocumented(catalog):
    assert "requested_count" not in normalize_request("Lumbar facet injections", catalog.treatments).attributes


def test_edition_selection_by_date(catalog):
    import datetime as dt
    rule, note = catalog.select("ESI-LUMBAR", dt.date(2014, 11, 25))
    assert rule.id == "MTUS-CP-ESI" and "in force on 2014-11-25" in note
    rule, note = catalog.select("ESI-LUMBAR", dt.date(2020, 1, 1))
    assert rule.id == "MTUS-LB2019-ESI" and "in force on 2020-01-01" in note  # ACOEM Low Back 3/7/2019
    rule, note = catalog.select("ESI-LUMBAR", dt.date(2008, 1, 1))
    assert rule is None and "no rule" in note
    rule, note = catalog.select("MBB-LUMBAR", None)
    assert rule.id == "ODG-LB-MBB" and "request date unknown: today" in note  # ODG is open-ended
    rule, note = catalog.select("SYMPATHETIC-BLOCK", None)
    assert rule.id == "MTUS-CP2017-SYMPATHETIC-BLOCKS" and "request date unknown: today" in note


def test_an_undated_request_with_no_rule_in_force_today_gets_the_latest_edition(tmp_path):
    """Without today's rule (removed from a copy of the rules), the latest edition held decides, and says so."""
    rules = rules_copy(tmp_path)
    for name in ("sympathetic-blocks.yaml", "sympathetic-blocks.fixtures.yaml"):
        (rules / "mtus" / "acoem-2017" / name).unlink()
    rule, note = load_catalog(rules).select("SYMPATHETIC-BLOCK", None)
    assert rule.id == "MTUS-CP-SYMPATHETIC-BLOCKS" and "latest edition used" in note


def test_reference_evaluator_is_reused_per_rule(catalog):
    ev = ReferenceEvaluator()
    rule = catalog.rules["MTUS-CP-ESI"].compiled
    assert ev.evaluate(rule, {}) == ev.evaluate(rule, {})
