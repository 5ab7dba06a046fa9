"""A request that names several codes is decided part by part: certified only when every part is, shown by the
part that decides it, with every part listed (explain, JSON, audit)."""
from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from checker.cli import main
from checker.reading.cases import load_case

CASE = {
    "case": "parts-1",
    "dates": {"ur_decision": "2015-03-02"},
    "items": [
        {"request": "MRI of the cervical and lumbar spine", "outcome": "upheld"},
        {"request": "Lumbar MRI and lumbar epidural steroid injection", "outcome": "upheld"},
        {"request": "MRI of the spine", "outcome": "upheld"},
    ],
}


def _case(tmp_path, facts):
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump({**CASE, "facts": facts}), encoding="utf-8")
    return path


def test_every_part_certified_certifies_the_request(tmp_path, catalog, checker):
    case = load_case(_case(tmp_path, {"red_flags": {"value": True}}), catalog.vocabulary, catalog.treatments)
    r = checker.check_item(case, 1, case.items[0])
    assert [p["code"] for p in r.parts] == ["MRI-CERVICAL", "MRI-LUMBAR"]
    assert [p["decision"] for p in r.parts] == ["certify", "certify"] and r.decision == "certify"
    assert r.attributes["requested_body_part"] == "cervical spine"  # the part shown carries its own site


def test_one_part_not_certified_decides_the_request(tmp_path, catalog, checker):
    case = load_case(_case(tmp_path, {"red_flags": {"value": True}}), catalog.vocabulary, catalog.treatments)
    r = checker.check_item(case, 2, case.items[1])
    decisions = {p["code"]: p["decision"] for p in r.parts}
    assert decisions == {"MRI-LUMBAR": "certify", "ESI-LUMBAR": "non-certify"}
    assert r.decision == "non-certify" and r.treatment == "ESI-LUMBAR" and r.reasons
    assert "1 of 2 parts not certified" in r.selection


def test_an_unreadable_site_leaves_the_request_undecided_with_its_reason(tmp_path, catalog, checker):
    case = load_case(_case(tmp_path, {}), catalog.vocabulary, catalog.treatments)
    r = checker.check_item(case, 3, case.items[2])
    assert r.decision is None and r.uncovered == "ambiguous" and "which part" in r.selection


def test_explain_and_audit_show_the_parts_and_the_reasons(tmp_path):
    path = _case(tmp_path, {"red_flags": {"value": True}})
    out = CliRunner().invoke(main, ["explain", str(path), "--item", "2"]).output
    assert "Read as    mri (procedure) + epidural steroid injection (procedure); site lumbar" in out
    assert "Part       MRI-LUMBAR" in out and "Part       ESI-LUMBAR" in out
    res = CliRunner().invoke(main, ["audit", str(path), "--format", "json", "--quiet"])
    data = json.loads(res.output)
    rows = {r["index"]: r for r in data["items"]}
    assert [p["code"] for p in rows[2]["parts"]] == ["MRI-LUMBAR", "ESI-LUMBAR"]
    assert rows[3]["uncovered"] == "ambiguous" and "which part" in rows[3]["why_no_prediction"]
    assert data["summary"]["uncovered_by_reason"] == {"ambiguous": 1}
