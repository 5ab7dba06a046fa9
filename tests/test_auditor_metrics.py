"""The auditor's figures (checker/audit/metrics.py, `audit --metrics`, benchmarks/auditor_metrics.py): exact
on a small fixed set of rows, deterministic, and the same for two runs of one checkout."""

from __future__ import annotations

import json
import random
import subprocess
import sys

from click.testing import CliRunner

from checker.audit.metrics import auditor_metrics
from checker.cli import main
from checker.render.text import metrics_compare_lines

from .conftest import ROOT, SEEDS

PHRASES = {"R1": {"X1": ["no imaging", "imaging (?:is )?absent"], "X2": ["therapy"]}, "R2": {"Y1": ["reason"]}}


def row(case, family, actual, predicted, rule=None, blocking=(), rationale=None):
    return {"case": case, "index": 1, "item": case, "family": family, "actual": actual, "predicted": predicted,
            "rule": rule, "rationale": rationale,
            "criteria": [{"code": c, "blocking": True, "verdict": "not_documented"} for c in blocking]}


ROWS = [
    row("a1", "A", "upheld", "upheld", "R1", ["X1"], "There is no imaging."),
    row("a2", "A", "upheld", "upheld", "R1", ["X2"], "Physical therapy was not tried."),
    row("a3", "A", "overturned", "overturned", "R1", [], "Medically necessary."),
    row("a4", "A", "upheld", "overturned", "R1", [], "Imaging is  absent."),  # a false overturn
    row("a5", "A", "overturned", "upheld", "R1", ["X1"], "no imaging but overturned"),
    row("b1", "B", "upheld", "upheld", "R2", ["Y1"], "The reason given."),
    row("c1", None, "upheld", None),  # no treatment code, no prediction
]


def test_figures_per_family_and_in_total_are_exact():
    m = auditor_metrics(ROWS, PHRASES, shuffles=50)
    a, b, total = m["families"]["A"], m["families"]["B"], m["total"]
    assert list(m["families"]) == ["(no code)", "A", "B"]
    # A: upheld recall 2/3, overturned recall 1/2
    assert (a["items"], a["compared"], a["balanced_accuracy"]) == (5, 5, round((2 / 3 + 1 / 2) / 2, 4))
    assert (a["overturned"], a["overturns_caught"], a["false_overturns"]) == (2, 1, 1)
    # reasons of A's Upheld items: a1 names X1 (blocking), a2 X2 (blocking), a4 X1 (nothing blocks: predicted
    # Overturned); the overturned a5 is not counted
    assert {k: a["reasons"][k] for k in ("upheld_read", "named", "agree", "agreement")} == \
        {"upheld_read": 3, "named": 3, "agree": 2, "agreement": 0.6667}
    assert b["reasons"]["agreement"] == 1.0 and b["balanced_accuracy"] is None  # no overturned item in B
    assert (total["items"], total["compared"], total["no_prediction"]) == (7, 6, 1)
    assert total["balanced_accuracy"] == round((3 / 4 + 1 / 2) / 2, 4)
    assert (total["reasons"]["named"], total["reasons"]["agree"], total["reasons"]["agreement"]) == (4, 3, 0.75)


def test_conditional_items_are_counted_apart_never_as_discordances_of_their_family():
    """An ancillary decided 'if the surgery is certified' is not an independent call: a reviewer who upholds it
    because the surgery was denied does not make it a false overturn of its family or of the total."""
    ancillary = {**row("s1", "S", "upheld", "overturned", "R2", [], "The surgery is not certified."),
                 "conditional_on": {"item": 1, "request": "knee arthroscopy"}}
    m = auditor_metrics([*ROWS, ancillary], PHRASES, shuffles=10)
    plain = auditor_metrics(ROWS, PHRASES, shuffles=10)
    assert "S" not in m["families"] and m["total"] == plain["total"]
    c = m["conditional"]
    assert (c["items"], c["false_overturns"], c["reasons"]["upheld_read"]) == (1, 1, 0)
    assert plain["conditional"]["items"] == 0


def test_the_shuffled_baseline_is_what_a_permutation_within_the_family_gives():
    m = auditor_metrics(ROWS, PHRASES, shuffles=400)
    a, b = m["families"]["A"]["reasons"]["shuffled"], m["families"]["B"]["reasons"]["shuffled"]
    # B has one item: it can only read its own rationale
    assert a["low"] <= a["mean"] <= a["high"] and (b["mean"], b["low"], b["high"]) == (1.0, 1.0, 1.0)
    # A: a1 agrees on a1's or a4's text (2 of 3), a2 only on its own (1 of 3), a4 never: E = 1/3 of 3 items
    assert abs(a["mean"] - 1 / 3) < 0.05 and a["low"] == 0.0 and a["high"] == round(2 / 3, 4)


def test_the_baseline_equals_the_figure_when_every_rationale_is_the_same():
    same = [row(f"s{i}", "A", "upheld", "upheld", "R1", ["X1"] if i % 2 else ["X2"], "no imaging") for i in range(6)]
    r = auditor_metrics(same, PHRASES)["total"]["reasons"]
    assert r["agreement"] == 0.5 and r["shuffled"] == {"mean": 0.5, "low": 0.5, "high": 0.5}


def test_figures_are_deterministic_and_independent_of_row_order():
    first = auditor_metrics(ROWS, PHRASES)
    shuffled_rows = ROWS[:]
    random.Random(1).shuffle(shuffled_rows)
    assert auditor_metrics(shuffled_rows, PHRASES) == first
    assert first["shuffles"] == 200 and first["seed"] == 13
    assert auditor_metrics(ROWS, PHRASES, seed=14) != first  # the seed is what fixes the shuffles


def test_audit_metrics_on_the_seed_cases():
    res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(SEEDS), "--metrics", "--format", "json",
                                    "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    total = json.loads(res.output)["metrics"]["total"]
    summary = json.loads(res.output)["summary"]
    # the seed cases are predicted as decided (test_seeds): the one overturned item is caught, none is false
    assert (total["items"], total["balanced_accuracy"], summary["balanced_accuracy"]) == (11, 1.0, 1.0)
    assert (total["overturned"], total["overturns_caught"], total["false_overturns"]) == (1, 1, 0)
    assert total["reasons"]["upheld_read"] == 0  # case files carry no rationale
    text = CliRunner().invoke(main, ["--engine", "reference", "audit", str(SEEDS), "--metrics", "--quiet"]).output
    assert "Auditor's figures" in text and "shuffled [95%]" in text
    assert max(len(line) for line in text.splitlines()[text.splitlines().index("Auditor's figures"):]) <= 80


def _bench(*args):
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "auditor_metrics.py"), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_benchmark_compares_two_checkouts_family_by_family():
    one = SEEDS / "004-selective-nerve-root-block.yaml"
    done = _bench(str(one), "--compare", sys.executable, "--compare-checkout", str(ROOT), "--shuffles", "20",
                  "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["before"] == data["after"] and data["after"]["shuffles"] == 20
    assert data["after"]["total"]["items"] == 1


def test_compare_lines_put_the_runs_of_a_family_together():
    before = auditor_metrics(ROWS[:3], PHRASES, shuffles=10)
    after = auditor_metrics(ROWS, PHRASES, shuffles=10)
    lines = metrics_compare_lines(before, after)
    assert lines[1:4] == ["(no code)", "  before             (no items)", lines[3]] and lines[3].startswith("  after")
    at = lines.index("A")
    assert lines[at + 1].split()[:2] == ["before", "3"] and lines[at + 2].split()[:2] == ["after", "5"]
    assert lines[lines.index("total") + 2].split()[1:4] == ["7", "0.62", "1/2"]
    assert max(map(len, lines)) <= 80


def test_benchmark_bad_input_is_one_line_and_exit_2():
    done = _bench(str(SEEDS), "--compare", "no-such-ref-or-python")
    assert done.returncode == 2 and done.stderr.startswith("error: --compare no-such-ref-or-python: neither")
    assert len(done.stderr.strip().splitlines()) == 1
    done = _bench(str(ROOT / "no-such-folder"))
    assert done.returncode == 2 and "no such path" in done.stderr
