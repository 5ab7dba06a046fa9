"""Patterns checked before they run: lint rejects an invalid regex and one that can backtrack catastrophically,
in every place the rules folder holds regexes (extraction patterns, reviewer phrases, request attributes)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.ruleset.regexes import backtracking_risk

from .conftest import RULES, rules_copy

DANGEROUS = ["(a+)+b", "(a|aa)*c", r"(\w+\s?)+$", r"(\d+)*$", "(x*y*)*z", r"(?:\w+ ?)*x", r"([a-z]+\d*)+!"]
SAFE = [r"(\s+\w+)*", r"(?:\w+\s+){0,3}", "(x|y)*", r"\b(foo|bar)+\b", "(ab?)*b", r"(?:(?:prior|previous) )*x",
        r"(\w+ )*x", r"radiculopath\w* (?:\w+ ){0,3}?(?:at|of)"]


@pytest.mark.parametrize("pattern", DANGEROUS)
def test_catastrophic_shapes_are_seen(pattern):
    assert backtracking_risk(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_linear_shapes_are_not_flagged(pattern):
    assert backtracking_risk(pattern) is None


def _lint(rules) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint"])
    return res.exit_code, res.output


def test_the_bundled_rules_have_no_such_pattern():
    code, output = _lint(RULES)
    assert code == 0, output


@pytest.mark.parametrize("file, old, new", [
    ("extraction/core.yaml", "patterns:\n", "patterns:\n      - {regex: '(a+)+b', value: true}\n"),
    ("mtus/chronic-pain-2016/epidural-steroid-injections.yaml", "reviewer_phrases:\n",
     "reviewer_phrases:\n      - '(\\w+\\s?)+$'\n"),
])
def test_lint_rejects_a_backtracking_pattern_naming_file_and_field(tmp_path, file, old, new):
    rules = rules_copy(tmp_path)
    path = rules / file
    path.write_text(path.read_text().replace(old, new, 1))
    code, output = _lint(rules)
    assert code == 1 and path.name in output and "can backtrack exponentially" in output


def test_lint_rejects_an_invalid_extraction_regex(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "core.yaml"
    path.write_text(path.read_text().replace("patterns:\n", "patterns:\n      - {regex: 'crps(', value: true}\n", 1))
    code, output = _lint(rules)
    assert code == 1 and "core.yaml" in output and "bad regular expression 'crps('" in output
