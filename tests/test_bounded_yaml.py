"""Bounded YAML: an alias bomb or an oversized file is an error naming the file, in every loader (rules,
vocabularies, fixtures, case files, answers files), never gigabytes of memory."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.errors import InputError, InputErrors
from checker.ruleset.rules import load_catalog
from checker.yamlio import MAX_BYTES, parse_yaml

from .conftest import rules_copy

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8))  # 10**9 nodes once expanded


def test_an_alias_bomb_is_refused_before_it_is_expanded():
    with pytest.raises(InputError, match="aliases expand to more than"):
        parse_yaml(BOMB, "bomb.yaml")


def test_ordinary_anchors_and_merge_keys_still_work():
    data = parse_yaml("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\nlist: [*b, *b]\n", "ok.yaml")
    assert data["use"] == {"x": 1, "y": 3} and data["list"] == [{"x": 1, "y": 2}] * 2


def test_an_oversized_file_is_refused():
    with pytest.raises(InputError, match="larger than"):
        parse_yaml("x: " + "a" * (MAX_BYTES + 10), "big.yaml")


@pytest.mark.parametrize("where", ["rule", "fixtures", "vocabulary"])
def test_a_bomb_in_the_rules_folder_is_a_lint_error_naming_the_file(tmp_path, where):
    rules = rules_copy(tmp_path)
    target = {"rule": rules / "odg" / "mr-angiography.yaml", "fixtures": rules / "odg" / "mr-angiography.fixtures.yaml",
              "vocabulary": rules / "facts" / "imaging.yaml"}[where]
    target.write_text(BOMB)
    res = CliRunner().invoke(main, ["--rules", str(rules), "lint" if where != "fixtures" else "verify"])
    assert target.name in res.output and "aliases expand to more than" in res.output
    assert res.exit_code in (1, 2) and "Traceback" not in res.output
    if where == "rule":
        with pytest.raises(InputErrors):
            load_catalog(rules)


def test_a_bomb_as_a_case_file_or_answers_file_is_exit_2(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(BOMB)
    res = CliRunner().invoke(main, ["check", str(case)])
    assert res.exit_code == 2 and "case.yaml" in res.output and "aliases expand" in res.output
    res = CliRunner().invoke(main, ["new", "ESI-LUMBAR", "--no-input", "-o", str(tmp_path / "x.yaml"),
                                    "--answers", str(case)])
    assert res.exit_code == 2 and "aliases expand" in res.output
