"""Guideline editions (rules/editions.yaml): every rule names one, in force only within its window."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.errors import InputErrors
from checker.reading.cases import load_case
from checker.ruleset.editions import cited_window
from checker.ruleset.rules import load_catalog

from .conftest import RULES, SEEDS, rules_copy

OIC = "mtus/chronic-pain-2016/opioid-induced-constipation.yaml"


def test_every_rule_names_a_known_edition_and_lies_within_it(catalog):
    for rule in catalog.rules.values():
        edition = catalog.edition_of(rule)
        assert edition is not None, rule.id
        assert edition.start <= rule.spec.effective.from_, rule.id


def test_the_current_mtus_editions_follow_each_other_by_date(catalog):
    low_back = sorted((e for _, e in catalog.editions.values() if e.document.startswith("Low Back Disorders")),
                      key=lambda e: e.start)
    assert [e.start for e in low_back] == [dt.date(2017, 12, 1), dt.date(2019, 8, 11), dt.date(2021, 11, 23)]
    assert low_back[-1].end is None


def test_an_unknown_edition_is_an_error_with_a_suggestion(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / OIC
    path.write_text(path.read_text().replace('edition: "2016"', 'edition: "2016a"', 1))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    text = str(exc.value)
    assert "opioid-induced-constipation.yaml" in text and "unknown edition" in text and "| 2016" in text


def test_a_rule_in_force_beyond_its_edition_is_an_error(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / OIC
    path.write_text(path.read_text().replace("to: 2017-11-30}", "to: 2018-06-30}", 1))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    assert "outside the edition's window (2016-07-29 to 2017-11-30)" in str(exc.value)


def test_overlapping_mtus_editions_are_rejected(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "editions.yaml"
    path.write_text(path.read_text().replace("    to: 2019-08-10\n", "    to: 2019-09-30\n", 1))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    assert "overlap" in str(exc.value) and "editions.yaml" in str(exc.value)


def test_the_doc_page_names_the_edition_window(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main
    out = tmp_path / "doc"
    assert CliRunner().invoke(main, ["--rules", str(RULES), "doc", "-o", str(out)]).exit_code == 0
    page = (out / "MTUS-CP2016-OIC.md").read_text()
    assert "(edition in force 2016-07-29 to 2017-11-30)" in page


# ---- an undated letter is dated by the editions it cites --------------------------------------------------

def _window(catalog, *citations):
    return cited_window((e for _, e in catalog.editions.values()), citations)


def test_a_cited_edition_bounds_an_undated_letter(catalog):
    w = _window(catalog, "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids")
    assert (w.start, w.end) == (dt.date(2016, 7, 29), dt.date(2017, 11, 30))
    w = _window(catalog, "MTUS Chronic Pain Medical Treatment Guidelines 2009")
    assert (w.start, w.end) == (dt.date(2009, 7, 18), dt.date(2016, 7, 28))
    w = _window(catalog, "Decision based on MTUS Chronic Pain Treatment Guidelines")  # no year: 2009 or 2016
    assert (w.start, w.end) == (dt.date(2009, 7, 18), dt.date(2017, 11, 30))


def test_the_window_is_where_every_citation_was_in_force(catalog):
    w = _window(catalog, "MTUS Chronic Pain Medical Treatment 2016", "MTUS Low Back Complaints 2004",
                "ODG Low Back chapter", "The Claims Administrator did not cite any medical evidence")
    assert (w.start, w.end) == (dt.date(2016, 7, 29), dt.date(2017, 11, 30))
    assert w.cited == ("MTUS Chronic Pain Medical Treatment 2016", "MTUS Low Back Complaints 2004")
    assert _window(catalog, "MTUS Low Back Disorders (ACOEM 2/24/2016)").end is None  # still in force: no bound
    assert _window(catalog, "MTUS Chronic Pain Medical Treatment 2009", "MTUS Low Back Disorders") is None
    assert _window(catalog, "ODG Pain chapter") is None


def test_an_undated_letter_is_decided_by_the_editions_it_cites(catalog, checker):
    case = load_case(SEEDS / "000-lumbar-sympathetic-block.yaml", catalog.vocabulary, catalog.treatments)
    assert case.request_date() is None
    follow_up = checker.check_case(case)[1]
    assert follow_up.rule == "MTUS-ACOEM-LB-SPINE-REFERRAL" and follow_up.predicted == "upheld"
    assert "the letter is undated" in follow_up.selection and "2009-07-18 to 2017-11-30" in follow_up.selection
    assert "MTUS Chronic Pain Treatment Guidelines" in follow_up.selection


def test_a_bad_citation_pattern_is_an_error(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "editions.yaml"
    path.write_text(path.read_text().replace("cited_as: ['Knee Complaints']", "cited_as: ['Knee (Complaints']"))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    assert "editions.acoem-2004-ch13.cited_as" in str(exc.value) and "bad regular expression" in str(exc.value)


def test_an_undated_letter_takes_the_latest_rule_in_force_within_its_window(catalog, checker):
    case = load_case(SEEDS / "000-lumbar-sympathetic-block.yaml", catalog.vocabulary, catalog.treatments)
    block = checker.check_case(case)[0]  # only the 2009 CPMTG holds a sympathetic-block rule in the window
    assert block.rule == "MTUS-CP-SYMPATHETIC-BLOCKS" and "edition in force on 2016-07-28" in block.selection
