"""The MTUS Drug Formulary (rules/formulary.yaml, checker/ruleset/formulary.py): when it applies, the status on
the list version in force, prospective review, the Special Fill and Perioperative Fill windows, load errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.errors import InputError, InputErrors
from checker.reading.requests import normalize_request
from checker.ruleset.formulary import formulary_check, load_formulary
from checker.ruleset.rules import load_catalog

from .conftest import rules_copy

D = dt.date


def check(catalog, request: str, day: dt.date, **dates):
    parsed = normalize_request(request, catalog.treatments)
    return formulary_check(catalog.formulary, parsed, catalog.treatments.lexicon, day, **dates)


def test_before_2018_the_formulary_does_not_apply(catalog):
    out = check(catalog, "Norco 10/325 mg #90", D(2017, 12, 31))
    assert out["applies"] is False and "before 2018-01-01" in out["reason"]


def test_an_opioid_is_non_exempt_and_needs_prospective_review(catalog):
    out = check(catalog, "Norco 10/325 mg #90", D(2026, 11, 1))
    assert (out["applies"], out["status"], out["prospective_review"]) == (True, "non_exempt", "required")
    assert out["version"] == "v13" and out["version_effective"] == "2025-08-06"
    assert out["special_fill"]["eligible"] is None  # which opioids are Special Fill drugs was not read


@pytest.mark.parametrize("day, version", [(D(2018, 1, 1), "v1"), (D(2018, 5, 14), "v1"),
                                          (D(2018, 5, 15), "2018-05-15 update"), (D(2020, 11, 1), "v7"),
                                          (D(2026, 12, 1), "v13")])
def test_the_list_version_is_the_one_in_force_on_the_date(catalog, day, version):
    assert catalog.formulary.version_on(day).version == version


def test_a_status_holds_from_the_version_that_states_it(catalog):
    assert check(catalog, "Cymbalta 60 mg #30", D(2020, 6, 1))["status"] == "unknown"
    later = check(catalog, "Cymbalta 60 mg #30", D(2021, 1, 5))
    assert (later["status"], later["prospective_review"]) == ("exempt", "not_required_if_per_mtus")


def test_a_drug_no_source_states_is_unknown_never_a_guess(catalog):
    out = check(catalog, "Naproxen 550 mg #60", D(2022, 3, 1))
    assert (out["status"], out["prospective_review"]) == ("unknown", "unknown")
    assert "naproxen" in out["reason"]


def test_a_compounded_drug_always_needs_review(catalog):
    out = check(catalog, "compound cream flurbiprofen 20%/baclofen 5%", D(2022, 3, 1))
    assert (out["status"], out["prospective_review"]) == ("compounded", "required")


def test_the_special_fill_window_runs_seven_days_from_the_injury(catalog):
    out = check(catalog, "Celestone 0.6 mg tablets", D(2019, 3, 2), injury=D(2019, 3, 1))
    fill = out["special_fill"]
    assert fill["eligible"] is True and fill["supply_days"] == 4
    assert (fill["visit_from"], fill["visit_to"]) == ("2019-03-01", "2019-03-08")


def test_an_injury_before_2018_on_a_non_exempt_drug_is_a_transition(catalog):
    out = check(catalog, "Norco 10/325 mg #90", D(2019, 1, 10), injury=D(2015, 6, 1))
    assert "9792.27.3" in out["transition"]


def test_a_request_that_is_not_a_drug_has_no_formulary_answer(catalog):
    assert check(catalog, "MRI of the lumbar spine", D(2022, 3, 1)) is None


def test_an_unknown_ingredient_is_a_load_error_naming_file_and_field(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "formulary.yaml"
    path.write_text(path.read_text().replace("[amitriptyline, nortriptyline", "[amitryptiline, nortriptyline"))
    with pytest.raises(InputErrors) as exc:
        load_catalog(rules)
    text = str(exc.value)
    assert "formulary.yaml" in text and "statuses.1.ingredients" in text and "amitriptyline" in text


def test_versions_out_of_order_and_a_fill_on_an_exempt_drug_are_rejected(tmp_path, catalog):
    rules = rules_copy(tmp_path)
    path = rules / "formulary.yaml"
    text = path.read_text()
    path.write_text(text.replace("effective: 2018-10-01", "effective: 2018-01-02"))
    with pytest.raises((InputError, InputErrors)) as exc:
        load_formulary(path, catalog.treatments.lexicon)
    assert "effective date" in str(exc.value)
    path.write_text(text.replace("    status: exempt\n", "    status: exempt\n    special_fill_days: 3\n"))
    with pytest.raises((InputError, InputErrors)) as exc:
        load_formulary(path, catalog.treatments.lexicon)
    assert "only non-exempt drugs" in str(exc.value)


def test_check_and_explain_show_the_status_and_name_the_list_in_the_receipt(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("case: F-1\npatient: {date_of_injury: 2020-01-02}\ndates: {ur_decision: 2021-03-01}\n"
                    "items:\n  - request: Norco 10/325 mg #90\n")
    run = CliRunner().invoke(main, ["--engine", "reference", "check", str(case), "--format", "json"])
    assert run.exit_code in (0, 1), run.output
    item = json.loads(run.output)["items"][0] if "items" in json.loads(run.output) else json.loads(run.output)[0]
    assert item["formulary"]["status"] == "non_exempt" and item["formulary"]["version"] == "v8"
    assert item["receipt"]["drug_list"] == "MTUS Drug List v8 (effective 2021-02-01)"
    text = CliRunner().invoke(main, ["--engine", "reference", "explain", str(case)]).output
    assert "Formulary  MTUS Drug List v8 (effective 2021-02-01): non-exempt" in text
