"""benchmarks/rule_changes.py: what changed in the rules' semantics, criterion by criterion, with the text the
criterion now follows; a bad ref is one line and exit 2."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from rule_changes import compare, lines

RULE = """
id: R-1
title: A rule
status: conditional
criteria:
  - code: X-1
    text: First criterion.
    citation: {guideline: MTUS, document: Doc, section: S, page: "4"}
    condition: {fact: a, is: true}
  - code: X-2
    text: Second criterion.
    citation: {guideline: MTUS, document: Doc, section: S}
    role: advisory
    confirmed: false
    condition: {fact: b, at_least: 4}
"""


def test_each_kind_of_change_is_named_with_the_criterion_text_and_citation():
    new = (RULE.replace("at_least: 4", "at_least: 3").replace("    role: advisory\n    confirmed: false\n", "")
           .replace("status: conditional", "status: recommended")
           + "  - code: X-3\n    text: Third.\n    condition: {fact: c, is: true}\n")
    report = compare({"rules/r.yaml": RULE}, {"rules/r.yaml": new, "rules/n.yaml": RULE.replace("R-1", "R-2")})
    assert (report["rules_at_ref"], report["rules_now"], report["new_rules"]) == (1, 2, 1)
    [rule] = report["changed_rules"]
    assert rule["status"] == "conditional -> recommended"
    by_code = {c["code"]: c for c in rule["criteria"]}
    assert set(by_code) == {"X-2", "X-3"}  # X-1 is unchanged
    assert by_code["X-2"]["changed"] == ["condition", "role", "confirmed"]
    assert by_code["X-2"]["role"] == "advisory -> required" and by_code["X-2"]["confirmed"] == "False -> True"
    assert by_code["X-3"]["changed"] == ["added"]
    text = "\n".join(lines({"ref": "REF", **report}, markdown=False))
    assert "X-2 [condition, role advisory -> required, confirmed False -> True]: Second criterion. (MTUS Doc S)" in text


def test_unchanged_rules_report_nothing():
    assert compare({"rules/r.yaml": RULE}, {"rules/r.yaml": RULE})["changed_rules"] == []


def test_a_bad_ref_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "rule_changes.py"), "no-such-ref-xyz"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stderr.startswith("error: no-such-ref-xyz")
