"""What-if advice an office can act on: never contradict a documented fact, never a request that makes no
sense, a smaller request as a modification, disc levels and nerve roots kept apart."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from checker.evaluation.checker import Checker
from checker.evaluation.engine import ReferenceEvaluator
from checker.evaluation.whatif import what_if
from checker.office.questionnaire import answers_from, parse_answer
from checker.reading.cases import load_case
from checker.render.text import check_lines, explain_lines
from checker.ruleset.facts import FactType, levels_as
from checker.ruleset.synthetic import random_facts

from .conftest import CORPUS, ROOT, RULES, SEEDS


@pytest.fixture(scope="module")
def ref_checker(catalog):
    return Checker(catalog, ReferenceEvaluator(), what_if=True)


def _seed(name, catalog, ref_checker):
    case = load_case(next(SEEDS.glob(f"{name}*.yaml")), catalog.vocabulary, catalog.treatments)
    return ref_checker.check_case(case)


def _text(result, catalog) -> str:
    return " ".join(" ".join(explain_lines(result, catalog) + check_lines("c", "p", [result])).split())


def test_seed_001_is_offered_one_block_instead_of_a_series_never_none(catalog, ref_checker):
    sym = _seed("001", catalog, ref_checker)[0]
    assert sym.rule == "MTUS-CP-SYMPATHETIC-BLOCKS" and sym.attributes["requested_count"] == 3
    [option] = sym.what_if["to_certify"]
    count = next(c for c in option["changes"] if c["fact"] == "requested_count")
    assert (count["value"], count["before"], count["kind"]) == (1, 3, "modify") and option["modified"]
    text = _text(sym, catalog)
    assert "requested_count = 1 instead of 3 (a smaller request)" in text
    assert "requested_count = 0" not in text


def test_seed_002_is_not_told_to_contradict_its_radicular_symptoms(catalog, ref_checker):
    [mbb] = _seed("002", catalog, ref_checker)
    assert mbb.what_if["to_certify"] == []
    assert mbb.what_if["cannot_change"] == [{"criterion": "MBB-001", "facts": {"radicular_symptoms": True}}]
    text = _text(mbb, catalog)
    assert "radicular_symptoms = false" not in text
    assert "MBB-001 cannot be met by documenting more or requesting less" in text
    assert "no radicular symptoms" not in text  # MBB-001's own guidance would ask for exactly that
    assert "MBB-002: Name the levels" in text  # the other criteria's guidance stays


def test_seed_004_is_offered_disc_levels_for_imaging_and_roots_for_emg(catalog, ref_checker):
    [snrb] = _seed("004", catalog, ref_checker)
    roots = ["L2", "L3", "L4"]
    assert snrb.what_if["to_certify"]
    proposed = {c["fact"]: c for o in snrb.what_if["to_certify"] for c in o["changes"]}
    imaging, emg = proposed["imaging_levels"], proposed["electrodiagnostic_levels"]
    assert imaging["any_of"] and imaging["value"] == ["L1-L2", "L2-L3", "L3-L4", "L4-L5"]
    assert emg["any_of"] and emg["value"] == roots
    text = _text(snrb, catalog)
    assert "imaging_levels = any of L1-L2, L2-L3, L3-L4, L4-L5 (disc levels" in text
    assert "electrodiagnostic_levels = any of L2, L3, L4 (nerve roots" in text
    assert "imaging_levels = L2, L3, L4" not in text


def test_level_kinds_convert_as_the_rules_match_them():
    assert levels_as(["L4"], "disc") == ["L3-L4", "L4-L5"]
    assert levels_as(["L4-L5", "L5-S1"], "root") == ["L4", "L5", "S1"]
    assert levels_as(["C1"], "disc") == ["C1-C2"] and levels_as(["L4-L5"], "disc") == ["L4-L5"]
    assert levels_as(["L5", "L4-L5"], None) == ["L5", "L4-L5"]


def test_questions_and_answers_keep_disc_levels_and_roots_apart(catalog):
    vocab = catalog.vocabulary
    assert "disc levels" in vocab["imaging_levels"].question
    assert "dermatomes" in vocab["radicular_exam_levels"].question
    assert parse_answer(vocab["imaging_levels"], "L4-5") == ["L4-L5"]
    with pytest.raises(ValueError, match=r"disc levels .*; L4 is a nerve root.*\(L3-L4 or L4-L5\)"):
        parse_answer(vocab["imaging_levels"], "L4")
    with pytest.raises(ValueError, match=r"L4-L5 is a disc level: name the roots \(L4, L5\)"):
        parse_answer(vocab["radicular_exam_levels"], "L4-L5")
    assert parse_answer(vocab["requested_levels"], "L5, L4-L5") == ["L5", "L4-L5"]  # a request names either
    with pytest.raises(Exception, match="electrodiagnostic_levels records nerve roots"):
        answers_from({"electrodiagnostic_levels": ["L5-S1"]}, catalog)


def test_a_purchase_may_become_a_rental_and_refills_none(catalog):
    vocab = catalog.vocabulary
    assert vocab["requested_acquisition"].reduces_to == {"purchase": ["rental"]}
    assert vocab["requested_refills"].least == 0 and vocab["requested_count"].least is None


def test_a_documented_number_that_grows_is_only_proposed_larger(catalog):
    # EDX after 2.9 weeks of symptoms: the rule wants more than three; time will show it, the record is not
    # contradicted
    assert catalog.vocabulary["weeks_since_injury"].grows
    rule = catalog.rules["MTUS-ACOEM-EDX-UPPER"]
    facts = {"weeks_since_injury": 2.9, "conservative_care_failed": True}
    options = what_if(rule, facts, catalog.vocabulary)["to_certify"]
    weeks = [c for o in options for c in o["changes"] if c["fact"] == "weeks_since_injury"]
    assert weeks and all(c["kind"] == "later" and c["value"] > 2.9 for c in weeks)
    facts["weeks_since_injury"] = 2.0
    assert all(c["value"] >= 2.0 for o in what_if(rule, facts, catalog.vocabulary)["to_certify"]
               for c in o["changes"] if c["fact"] == "weeks_since_injury")


# ---- properties over every seed, a sample of corpus letters, and random facts for every rule -------------

def check_advice(rule, facts, result_what_if, catalog, ref_checker, where):
    """No option contradicts a documented fact or asks for a request that makes no sense, every option
    certifies, and proposed levels are in the fact's kind."""
    vocab = catalog.vocabulary
    for option in result_what_if["to_certify"]:
        changed = dict(facts)
        for c in option["changes"]:
            spec, before, value = vocab[c["fact"]], facts.get(c["fact"]), c["value"]
            assert c["before"] == before, where
            if before is not None:
                if spec.source == "request":
                    assert c["kind"] == "modify", (where, c)
                    if spec.type in (FactType.INTEGER, FactType.NUMBER):
                        assert value < before, (where, c)
                    elif spec.type is FactType.LEVELS:
                        assert set(value) < set(before), (where, c)
                    else:
                        assert value in spec.reduces_to[before], (where, c)
                else:
                    assert c["kind"] == "later" and spec.grows and value > before, (where, c)
            if spec.type in (FactType.INTEGER, FactType.NUMBER):
                least = spec.least if spec.least is not None else 1
                assert value >= (least if spec.source == "request" else 0), (where, c)
            if spec.type is FactType.LEVELS and spec.level_kind and not c["placeholder"]:
                assert all(("-" in v) == (spec.level_kind == "disc") for v in value), (where, c)
            changed[c["fact"]] = value
        for name in [n for n in changed if vocab[n].sum_of]:
            parts = vocab[name].sum_of
            if all(facts.get(p) is not None for p in parts) and facts.get(name) == sum(facts[p] for p in parts):
                del changed[name]  # computed: the checker adds it up again
        assert ref_checker.check_facts(rule, changed).decision == "certify", (where, option)
    for stuck in result_what_if["cannot_change"]:
        assert all(facts.get(k) == v for k, v in stuck["facts"].items()), where


@pytest.fixture
def recorded(monkeypatch):
    """Every what-if search the checker runs, with the facts it ran on."""
    import checker.evaluation.whatif as whatif
    calls = []

    def record(rule, facts, vocab):
        calls.append((rule, dict(facts), whatif_original(rule, facts, vocab)))
        return calls[-1][2]

    whatif_original = whatif.what_if
    monkeypatch.setattr(whatif, "what_if", record)
    return calls


@pytest.fixture(scope="module")
def session():
    from checker.config import load_settings
    from checker.session import Session
    return Session(load_settings().with_overrides(rules=RULES))


def _check_cases(cases, recorded, catalog, ref_checker):
    for case in cases:
        ref_checker.check_case(case)
    assert recorded
    for n, (rule, facts, advice) in enumerate(recorded):
        check_advice(rule, facts, advice, catalog, ref_checker, f"{rule.id} call {n}")


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.yaml")) + sorted((ROOT / "cases" / "letters").glob("*.txt")),
                         ids=lambda p: p.name)
def test_seed_advice_never_contradicts_the_record(path, session, recorded, catalog, ref_checker):
    _check_cases([session.read(path)], recorded, catalog, ref_checker)


def test_corpus_advice_never_contradicts_the_record(session, recorded, catalog, ref_checker):
    letters = sorted(CORPUS.glob("CM16-*.txt"))[::4]  # a fixed sample of the dev half
    if not letters:
        pytest.skip("corpus not available")
    _check_cases([session.read(p) for p in letters], recorded, catalog, ref_checker)


def test_random_facts_for_every_rule_get_advice_that_respects_the_record(catalog, ref_checker):
    rng, kinds = random.Random(13), Counter()
    for rule_id in sorted(catalog.rules):
        rule = catalog.rules[rule_id]
        for n in range(8):
            facts = random_facts(rule, catalog.vocabulary, rng, missing=0.5)
            advice = what_if(rule, facts, catalog.vocabulary)
            check_advice(rule, facts, advice, catalog, ref_checker, f"{rule_id} #{n} {facts}")
            kinds.update(c["kind"] for o in advice["to_certify"] for c in o["changes"])
            kinds.update("any_of" for o in advice["to_certify"] for c in o["changes"] if c["any_of"])
    assert set(kinds) == {"document", "state", "modify", "later", "any_of"}  # every kind of change was checked


def test_a_certified_item_lists_the_facts_it_hangs_on_with_their_values(catalog, ref_checker):
    rule = catalog.rules["MTUS-ACOEM-FCE"]
    result = ref_checker.check_facts(rule, {"return_to_work_evaluation_needed": True, "working_full_duty": False})
    assert result.decision == "certify"
    text = " ".join(" ".join(explain_lines(result, catalog)).split())
    assert "return_to_work_evaluation_needed missing (now true)" in text
    # FCE-002 (not working full duty) is advisory: that fact cannot sink the certification
    assert "working_full_duty = true (now false)" not in text
