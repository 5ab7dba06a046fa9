"""Nothing lost, nothing overwritten: a letter keeps its readable items, ingest never overwrites what it wrote
in the same run nor writes through a symbolic link, CSV exports cannot run as formulas, and the same input
gives byte-identical JSON."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from checker.cli import main

from .conftest import SHARED

CORPUS = SHARED / "corpus"
LETTER = CORPUS / "letters" / "CM16-0230651.txt"
needs_corpus = pytest.mark.skipif(not LETTER.exists(), reason="corpus not available")


@needs_corpus
def test_a_letter_with_one_unreadable_item_keeps_the_others_and_reports_it(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(LETTER.read_text().replace("EMG/NCV of the lower extremities: Upheld", " : Upheld", 1))
    res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(bad), "--format", "json"])
    out = json.loads(res.output)
    assert out["summary"]["inputs_read"] == 1 and out["summary"]["items"] == 9
    assert [i["index"] for i in out["items"]][:2] == [2, 3]  # the letter's own numbers
    assert len(out["warnings"]) == 1 and "item 1" in out["warnings"][0]["reason"]


@needs_corpus
def test_ingest_of_texts_and_pdfs_writes_every_case_under_a_distinct_name(tmp_path):
    letters, pdfs = tmp_path / "letters", tmp_path / "pdf"
    letters.mkdir()
    pdfs.mkdir()
    for name in ("CM16-0213037", "CM16-0219557"):
        (letters / f"{name}.txt").write_bytes((CORPUS / "letters" / f"{name}.txt").read_bytes())
        (pdfs / f"{name}.pdf").write_bytes((CORPUS / "pdf" / f"{name}.pdf").read_bytes())
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["ingest", str(letters), str(pdfs), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["CM16-0213037-pdf.yaml", "CM16-0213037.yaml",
                                                      "CM16-0219557-pdf.yaml", "CM16-0219557.yaml"]
    assert "4 case file(s) written" in res.output


@needs_corpus
def test_ingest_does_not_write_through_a_symbolic_link(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.yaml"
    (out / "CM16-0213037.yaml").symlink_to(outside)
    res = CliRunner().invoke(main, ["ingest", str(CORPUS / "letters" / "CM16-0213037.txt"), "-o", str(out)])
    assert res.exit_code == 2 and "symbolic link" in res.output
    assert not outside.exists()


def test_csv_exports_neutralize_formulas(tmp_path):
    from checker.render.consistency_html import _csv_cell
    assert _csv_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert [_csv_cell(v) for v in ("+1", "-2", "@SUM(A1)", "\tx", "plain")] == ["'+1", "'-2", "'@SUM(A1)", "'\tx",
                                                                               "plain"]
    assert _csv_cell(-3) == -3 and _csv_cell(0.5) == 0.5


@needs_corpus
def test_a_formula_in_a_letter_reaches_the_csv_neutralized(tmp_path):
    letters = tmp_path / "letters"
    letters.mkdir()
    text = LETTER.read_text().replace("Certification(s)/Specialty: Physical Medicine",
                                      "Certification(s)/Specialty: =cmd|' /C calc'!A0 Physical Medicine", 1)
    (letters / "formula.txt").write_text(text)
    audit_json = tmp_path / "audit.json"
    res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(letters), "--format", "json"])
    audit_json.write_text(res.output)
    exports = tmp_path / "exports"
    res = CliRunner().invoke(main, ["report", "--from-json", str(audit_json), "-o", str(tmp_path / "r.html"),
                                    "--exports", str(exports)])
    assert res.exit_code == 0, res.output
    cells = [cell for p in exports.glob("*.csv") for row in csv.reader(p.open()) for cell in row]
    assert any("cmd|" in c for c in cells)
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    html = (tmp_path / "r.html").read_text()
    assert "=cmd|&#x27; /C calc&#x27;!A0" in html or "=cmd|' /C calc'!A0" not in html


@needs_corpus
def test_the_same_input_gives_byte_identical_json(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted((CORPUS / "letters").glob("*.txt"))[:6]:
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "broken.pdf").write_bytes((CORPUS / "pdf" / "CM16-0213037.pdf").read_bytes()[:5000])
    outputs = []
    for n in range(2):
        res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(folder), "--db",
                                        str(tmp_path / f"s{n}.sqlite"), "--format", "json"])
        outputs.append(res.output)
    assert outputs[0] == outputs[1]
    assert "0x" not in outputs[0]
