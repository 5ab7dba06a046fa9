"""Guideline editions (rules/editions.yaml): every rule names one, in force only within its window."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.errors import InputErrors
from checker.ruleset.rules import load_catalog

from .conftest import RULES, rules_copy

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
