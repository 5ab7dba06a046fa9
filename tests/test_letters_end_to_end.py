"""Real letters end to end: every corpus item read and predicted, PDFs equal to texts, no leakage from
rationales or outcomes into predictions, `explain` and `ingest` on letters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import main
from checker.evaluation.checker import Checker
from checker.evaluation.engine import ReferenceEvaluator
from checker.reading.cases import case_from_letter, load_case
from checker.reading.extraction import Extractor
from checker.reading.letters import read_letter

from .conftest import RULES, SEEDS

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "letters"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus not beside the checkout")


def run(*args: str):
    return CliRunner().invoke(main, ["--engine", "reference", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def tools():
    from checker.ruleset.rules import load_catalog
    catalog = load_catalog(RULES)
    return catalog, Extractor(RULES, catalog.vocabulary), Checker(catalog, ReferenceEvaluator())


def _predictions(letter, tools) -> list[tuple]:
    catalog, extractor, checker = tools
    case = case_from_letter(letter, extractor, catalog.treatments, catalog.vocabulary)
    return [(r.treatment, r.rule, r.decision, tuple((c.code, c.verdict) for c in r.criteria))
            for r in checker.check_case(case)]


@needs_corpus
def test_audit_reads_every_corpus_item_with_its_outcome():
    res = run("audit", str(CORPUS), "--format", "json")
    data = json.loads(res.output)
    s = data["summary"]
    assert data["errors"] == [] and s["inputs_read"] == 97
    assert s["items"] == 229 and s["outcomes_read"] == 229  # tests/data/corpus_items.tsv, item by item
    assert s["items_with_treatment"] >= 0.9 * s["items"]
    # every item with a code is predicted, unless its rule's criteria are all unconfirmed (no decision)
    assert s["items_predicted"] + s["uncovered_by_reason"].get("criteria-unconfirmed", 0) == s["items_with_treatment"]
    counts = {}
    for row in data["items"]:
        counts[row["case"]] = counts.get(row["case"], 0) + 1
    table = (Path(__file__).parent / "data" / "corpus_items.tsv").read_text().splitlines()[1:]
    expected = {}
    for line in table:
        case = line.split("\t")[0]
        expected[case] = expected.get(case, 0) + 1
    assert counts == expected


@needs_corpus
def test_predictions_do_not_move_when_rationales_are_withheld_and_outcomes_flipped(tools):
    flip = {"upheld": "overturned", "overturned": "upheld", None: None}
    misleading = ("The patient has radiculopathy corroborated by MRI at L4-5 and failed physical therapy; "
                  "the treatment is medically necessary and was certified.")
    for path in sorted(CORPUS.glob("*.txt")):
        letter = read_letter(path)
        tampered = dataclasses.replace(letter, items=[
            dataclasses.replace(it, rationale=misleading, outcome=flip[it.outcome],
                                claims_administrator_guideline="MTUS", maximus_guideline="ODG",
                                based_on_mtus=not it.based_on_mtus)
            for it in letter.items])
        assert _predictions(tampered, tools) == _predictions(letter, tools), path.name


@needs_corpus
def test_pdfs_give_the_same_predictions_as_the_texts(tools):
    pdfs = sorted((SHARED / "corpus" / "pdf").glob("*.pdf"))
    assert len(pdfs) == 97
    for pdf in pdfs[::4]:  # every fourth letter: pypdf takes ~70 ms a letter
        txt = CORPUS / f"{pdf.stem}.txt"
        assert _predictions(read_letter(pdf), tools) == _predictions(read_letter(txt), tools), pdf.name


def test_seed_letters_read_raw_match_the_hand_written_cases(tools):
    catalog, extractor, checker = tools
    for case_file in sorted(SEEDS.glob("*.yaml")):
        hand = load_case(case_file, catalog.vocabulary, catalog.treatments)
        letter = read_letter(case_file.parent / hand.letter)
        raw = case_from_letter(letter, extractor, catalog.treatments, catalog.vocabulary)
        assert [(" ".join(i.request.split()).lower(), i.outcome) for i in raw.items] == \
               [(" ".join(i.request.split()).lower(), i.outcome) for i in hand.items]


def test_explain_a_letter_directly_shows_evidence_quotes():
    letter = Path(__file__).resolve().parents[1] / "cases" / "letters" / "004_853e0c89f26f5077.txt"
    res = run("explain", str(letter), "--item", "1")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "SNRB-LUMBAR" in text and "NON-CERTIFY" in text
    assert '"Examination revealed hypoesthesia in the right L2, L3, and left L4 distribution." ' \
           "[clinical case summary, examination]" in text


def test_ingest_writes_case_files_that_read_back_to_the_same_predictions(tmp_path):
    letters = Path(__file__).resolve().parents[1] / "cases" / "letters"
    res = run("ingest", str(letters), "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    written = sorted(tmp_path.glob("*.yaml"))
    assert len(written) == 5 and "5 case file(s) written, 0 failed" in res.output
    data = yaml.safe_load(written[-1].read_text())
    assert data["items"][0]["outcome"] == "upheld" and data["items"][0]["rationale"]
    from_letters = json.loads(run("audit", str(letters), "--format", "json").output)["items"]
    from_cases = json.loads(run("audit", str(tmp_path), "--format", "json").output)["items"]
    assert [(r["item"], r["decision"]) for r in from_cases] == [(r["item"], r["decision"]) for r in from_letters]


def test_ingest_reports_an_unreadable_letter_and_goes_on(tmp_path):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "junk.txt").write_text("not a letter at all")
    (bad / "ok.txt").write_text((Path(__file__).resolve().parents[1] / "cases" / "letters" /
                                 "002_c1dd6188e3508088.txt").read_text())
    res = run("ingest", str(bad), "-o", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert "1 case file(s) written, 1 failed" in res.output and "junk.txt" in res.output
