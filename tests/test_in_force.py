"""`rule --in-force [DATE]`: per treatment, the rule Catalog.select picks on the date, with its edition, window and
criteria confirmed; the closing note's table of what is in force."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from checker.cli import main
from checker.evaluation.selection import in_force


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


def test_every_treatment_gets_the_rule_select_picks(catalog):
    day = dt.date(2022, 6, 1)
    rows = in_force(catalog, day)
    assert [r.treatment for r in rows] == sorted(catalog.treatments.treatments,
                                                 key=lambda c: (catalog.treatments.treatments[c].family, c))
    for row in rows:
        assert row.rule is catalog.select(row.treatment, day)[0]


def test_json_names_the_current_low_back_edition_and_the_confirmed_counts():
    res = run("rule", "--in-force", "2024-03-01", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["date"] == "2024-03-01"
    esi = next(t for t in data["treatments"] if t["treatment"] == "ESI-LUMBAR")
    assert esi["guideline"] == "MTUS" and esi["edition"] == "ACOEM 2/13/2020"
    assert esi["effective"] == {"from": "2021-11-23", "to": None}
    acu = next(t for t in data["treatments"] if t["treatment"] == "ACUPUNCTURE")
    assert acu["criteria_confirmed"] == acu["criteria"] == 3 and acu["decides"] is True
    low_back = next(d for d in data["documents"] if d["document"].startswith("Low Back Disorders"))
    assert low_back["edition"] == "ACOEM 2/13/2020" and low_back["rules"] >= 1


def test_an_earlier_date_gives_the_earlier_edition_and_none_where_nothing_was_in_force():
    data = json.loads(run("rule", "--in-force", "2016-05-01", "--format", "json").output)
    esi = next(t for t in data["treatments"] if t["treatment"] == "ESI-LUMBAR")
    assert esi["rule"] == "MTUS-CP-ESI" and esi["effective"]["to"] == "2016-07-28"
    early = json.loads(run("rule", "--in-force", "1990-01-01", "--format", "json").output)
    assert all(t["rule"] is None for t in early["treatments"])
    assert early["documents"] == []


def test_text_defaults_to_today_by_family():
    res = run("rule", "--in-force")
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"Rules in force on {dt.date.today().isoformat()}")
    assert "\ninjection:\n" in res.output and "  ESI-LUMBAR: MTUS-LB2020-ESI (MTUS)" in res.output
    assert "By guideline document" in res.output
    assert all(len(line) <= 80 for line in res.output.splitlines())


def test_a_bad_date_is_one_line_and_exit_2():
    for bad in ("2020-13-01", "yesterday", "MTUS-CP-ESI"):
        res = CliRunner().invoke(main, ["rule", "--in-force", bad])
        assert res.exit_code == 2
        assert res.stderr.count("\n") == 1 and "not a date" in res.stderr and res.stdout == ""


def test_a_rule_code_with_in_force_is_refused():
    res = CliRunner().invoke(main, ["rule", "MTUS-CP-ESI", "--in-force"])
    assert res.exit_code == 2 and res.stderr.startswith("error: --in-force lists every treatment")
