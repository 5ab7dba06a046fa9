"""The policy library (rules/library): shared derived facts and fragments, imported with `uses:`, editions that
carry criteria forward, and retiring an edition without breaking another."""

from __future__ import annotations

import pytest

from checker.errors import InputErrors
from checker.evaluation.checker import Checker
from checker.evaluation.engine import ReferenceEvaluator
from checker.ruleset.rules import load_catalog

from .conftest import rules_copy

ESI_2009 = "mtus/chronic-pain-2009/epidural-steroid-injections"
ESI_2016 = "mtus/chronic-pain-2016/epidural-steroid-injections.yaml"


def test_retiring_the_2009_esi_edition_leaves_the_2016_rule_working(tmp_path):
    rules = rules_copy(tmp_path)
    for suffix in (".yaml", ".fixtures.yaml"):
        (rules / f"{ESI_2009}{suffix}").unlink()
    catalog = load_catalog(rules)
    assert "MTUS-CP-ESI" not in catalog.rules
    rule = catalog.rules["MTUS-CP2016-ESI"]
    facts = {"radicular_exam_findings": True, "radicular_exam_levels": ["L5"], "imaging_nerve_root_compromise": True,
             "imaging_levels": ["L4-L5"], "requested_levels": ["L4-L5"], "conservative_care_failed": True,
             "muscle_relaxant_trial_failed": True, "prior_procedure_count": 0, "requested_count": 1}
    result = Checker(catalog, ReferenceEvaluator()).check_facts(rule, facts)
    assert result.decision == "certify"
    assert catalog.lineage("ESI-101")[0] == "carries forward ESI-001 (an edition no longer in this catalog)"


def test_both_editions_share_the_library_fragment_and_show_their_lineage(catalog):
    old, new = catalog.rules["MTUS-CP-ESI"], catalog.rules["MTUS-CP2016-ESI"]
    assert dict(old.compiled.checks)["criterion:ESI-004"] == dict(new.compiled.checks)["criterion:ESI-107"]
    assert catalog.lineage("ESI-107")[0].startswith("carries forward ESI-004 (MTUS-CP-ESI")
    assert catalog.lineage("ESI-004") == ["carried forward by ESI-107 (MTUS-CP2016-ESI, Chronic Pain Medical "
                                          "Treatment Guidelines 2016)"]


def _problems(rules) -> list[str]:
    with pytest.raises(InputErrors) as err:
        load_catalog(rules)
    return [e.one_line() for e in err.value.errors]


def test_a_rule_must_import_the_library_it_reads(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / ESI_2016
    path.write_text(path.read_text().replace("uses: [spine, procedures, epidural-steroid-injections]",
                                             "uses: [procedures, epidural-steroid-injections]"))
    problems = _problems(rules)
    assert any("uses derived fact 'radiculopathy_corroborated' from library 'spine': add 'spine' to `uses:`" in p
               for p in problems), problems


def test_unknown_fragment_and_library_names_get_suggestions(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / ESI_2016
    text = path.read_text().replace("{use: esi_level_limit}", "{use: esi_levels_limit}")
    path.write_text(text.replace("uses: [spine,", "uses: [spin,"))
    problems = _problems(rules)
    assert any("unknown fragment 'esi_levels_limit' (did you mean 'esi_level_limit'?)" in p for p in problems)
    assert any("uses: unknown library 'spin' (did you mean 'spine'?)" in p for p in problems), problems


def test_fragments_that_use_each_other_are_a_cycle(tmp_path):
    rules = rules_copy(tmp_path)
    lib = rules / "library" / "epidural-steroid-injections.yaml"
    lib.write_text(lib.read_text().replace("condition: {fact: requested_count, lte: 2}",
                                           "condition: {use: esi_level_limit}").replace(
        "        - {fact: requested_levels, count_lte: 1}\n", "        - {use: esi_no_series_of_three}\n", 1))
    assert any("fragments use each other in a cycle" in p for p in _problems(rules))


def test_carries_forward_must_name_an_earlier_edition(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / ESI_2016
    path.write_text(path.read_text().replace("carries_forward: ESI-002", "carries_forward: ESI-108"))
    assert any("carries_forward ESI-108 must name a criterion of an earlier edition" in p for p in _problems(rules))
