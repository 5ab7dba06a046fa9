"""IMR letter parser: the 97 corpus letters (text and PDF) against an independently built item table, the seed
letters against their hand-written cases, synthetic layout 1-3 samples, and bad input."""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from checker.errors import InputError
from checker.reading.letters import parse_letter_text, read_letter

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SAMPLES = DATA / "letters"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
CORPUS_LETTERS = sorted((CORPUS / "letters").glob("*.txt"))
needs_corpus = pytest.mark.skipif(not CORPUS_LETTERS, reason=f"corpus letters not found under {CORPUS}")


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _expected_items() -> dict[str, list[tuple[int, str, str]]]:
    table: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    with open(DATA / "corpus_items.tsv", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            table[row["case_number"]].append((int(row["item_index"]), row["outcome"], row["request"]))
    return table


EXPECTED = _expected_items()


def _items(letter) -> list[tuple[int, str, str]]:
    return [(item.index, item.outcome, item.request) for item in letter.items]


def test_item_table_totals():
    rows = [row for items in EXPECTED.values() for row in items]
    assert len(EXPECTED) == 97
    assert len(rows) == 229
    assert sum(outcome == "overturned" for _, outcome, _ in rows) == 26
    assert sum(outcome == "upheld" for _, outcome, _ in rows) == 203


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_LETTERS, ids=lambda p: p.stem)
def test_corpus_letter_items(path):
    letter = read_letter(path)
    assert letter.layout == 1
    assert letter.case_number == path.stem
    assert _items(letter) == EXPECTED[path.stem]
    assert letter.warnings == []
    assert set(letter.dates) == {"assigned", "decision", "ur_denial", "received", "injury"}
    assert letter.licensure and letter.specialty
    assert len(letter.summary) > 200 and "developed the following" not in letter.summary
    for item in letter.items:
        assert item.claims_administrator_guideline and item.maximus_guideline
        assert len(item.rationale) > 40
        assert "Decision rationale" not in item.rationale and "guideline:" not in item.rationale


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_LETTERS, ids=lambda p: p.stem)
def test_corpus_pdf_gives_the_same_letter(path):
    from_text = read_letter(path)
    from_pdf = read_letter(CORPUS / "pdf" / f"{path.stem}.pdf")
    assert _items(from_pdf) == EXPECTED[path.stem]
    assert from_pdf.items == [item for item in from_text.items]
    assert (from_pdf.case_number, from_pdf.dates, from_pdf.licensure, from_pdf.specialty, from_pdf.summary) == (
        from_text.case_number, from_text.dates, from_text.licensure, from_text.specialty, from_text.summary)


@needs_corpus
def test_corpus_header_details():
    letter = read_letter(CORPUS / "letters" / "CM16-0213037.txt")
    assert letter.dates == {"assigned": datetime.date(2016, 11, 9), "decision": datetime.date(2016, 12, 9),
                            "ur_denial": datetime.date(2016, 11, 3), "received": datetime.date(2016, 11, 3),
                            "injury": datetime.date(2016, 10, 13)}
    assert letter.licensure == ["California", "North Carolina"]
    assert letter.specialty == ["Family Practice"]
    assert letter.summary.startswith("The injured worker is a 48 year old male")
    first = letter.items[0]
    assert first.maximus_guideline == "Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies."
    assert first.based_on_mtus is True
    assert first.rationale.endswith("is determined to be not medically necessary.")


@needs_corpus
def test_corpus_partial_approvals_and_wrapped_headers():
    norco = read_letter(CORPUS / "letters" / "CM16-0234202.txt").items[0]
    assert (norco.request, norco.original_request, norco.outcome) == ("Norco 10/325mg #35", "Norco 10/325mg #60",
                                                                      "upheld")
    # "leaving the original request IMR eligible", with a page break inside the header
    rehab = read_letter(CORPUS / "letters" / "CM16-0229336.txt").items[0]
    assert rehab.outcome == "overturned"
    assert rehab.request == rehab.original_request == ("Acute inpatient rehabilitation physical therapy and "
                                                       "occupational therapy 7-10 days for left foot fracture")
    assert rehab.based_on_mtus is False
    # header on three lines, the outcome alone on the last
    pt = read_letter(CORPUS / "letters" / "CM17-0012517.txt").items[0]
    assert pt.request == ("Twelve sessions of physical therapy for the right shoulder, right wrist and right hand, "
                          "three times a week for four weeks")
    assert pt.original_request is None


@needs_corpus
@pytest.mark.parametrize("variant", ["no_blank_lines", "empty_blank_lines", "line_after_every_line", "url_lines",
                                     "crlf"])
def test_corpus_survives_layout_noise(variant):
    """The same items when blank lines vanish, change kind, double, or stray URL lines fall inside paragraphs."""
    change = {
        "no_blank_lines": lambda t: "\n".join(line for line in t.split("\n") if line.strip()),
        "empty_blank_lines": lambda t: "\n".join("" if not line.strip() else line for line in t.split("\n") if line),
        "line_after_every_line": lambda t: "\n\n".join(t.split("\n")),
        "url_lines": lambda t: t.replace("medically necessary", "medically\nhttp://www.odg-twc.com/odgtwc/pain.htm\n"
                                                                "necessary"),
        "crlf": lambda t: t.replace("\n", "\r\n"),
    }[variant]
    for path in CORPUS_LETTERS:
        letter = parse_letter_text(change(path.read_text()), str(path))
        assert _items(letter) == EXPECTED[path.stem], path.name
    if variant == "url_lines":
        assert "odg-twc" not in letter.items[-1].rationale


@needs_corpus
def test_item_without_outcome_is_kept_with_a_warning():
    text = (CORPUS / "letters" / "CM16-0230651.txt").read_text()
    letter = parse_letter_text(text.replace("Flexeril 10mg #60: Upheld", "Flexeril 10mg #60: Uphled"))
    assert len(letter.items) == 10
    assert letter.items[8].outcome is None and letter.items[8].header.startswith("Flexeril 10mg #60")
    assert letter.items[7].rationale == parse_letter_text(text).items[7].rationale
    assert any("item 9" in warning for warning in letter.warnings)


SEED_CASES = sorted((ROOT / "cases" / "seeds").glob("*.yaml"))


@pytest.mark.parametrize("case_path", SEED_CASES, ids=lambda p: p.stem)
def test_seed_letters_match_their_cases(case_path):
    case = yaml.safe_load(case_path.read_text())
    letter = read_letter((case_path.parent / case["letter"]).resolve())
    assert letter.layout == 1
    assert [(_norm(i.request), i.outcome) for i in letter.items] == [
        (_norm(i["request"]), i["outcome"]) for i in case["items"]]
    if case.get("reviewer_specialty"):
        assert _norm(", ".join(letter.specialty)) == _norm(case["reviewer_specialty"])
    assert letter.licensure


def test_seed_letter_reviewer_prose():
    run_together = read_letter(ROOT / "cases" / "letters" / "003_3a9b94f0e6b7cf18.txt")
    assert (run_together.specialty, run_together.licensure) == (["Internal Medicine"], ["New York"])
    subspecialty = read_letter(ROOT / "cases" / "letters" / "004_853e0c89f26f5077.txt")
    assert subspecialty.specialty == ["Physical Medicine Rehab", "Interventional spine"]
    first = read_letter(ROOT / "cases" / "letters" / "000_8c50fd57ab4aa1fe.txt").items[0]
    assert first.based_on_mtus is False
    assert "back pain. There is no documentation" in first.rationale  # across the page break


def test_layout_1_noisy_sample():
    letter = read_letter(SAMPLES / "layout1_noisy.txt")
    assert (letter.layout, letter.case_number, letter.warnings) == (1, "CM17-0099901", [])
    assert letter.dates["received"] == datetime.date(2016, 12, 28)
    assert letter.specialty == ["Preventive Medicine", "Occupational Medicine",
                                "Public Health & General Preventive Medicine"]
    assert "On 12-20-2016, utilization review" in letter.summary and "http" not in letter.summary
    assert [(i.request, i.original_request, i.outcome) for i in letter.items] == [
        (("Twelve sessions of aquatic therapy for the lumbar spine, left shoulder and left knee, two times a week "
          "for six weeks, with a home exercise program to follow at the completion of the course"), None, "upheld"),
        ("Norco 10/325mg #45", "Norco 10/325mg #90", "upheld"),
        ("purchase of a TENS unit", "Purchase of a TENS unit", "upheld"),
        ("Consultation with a spine surgeon for the lumbar spine", None, "overturned"),
        ("Compounded topical cream (Flurbiprofen 20%/Lidocaine 5%) 180 grams", None, "upheld"),
    ]
    assert [i.based_on_mtus for i in letter.items] == [True, True, False, True, False]
    assert letter.items[1].rationale.endswith("The request is not medically necessary.")
    assert "http" not in letter.items[3].rationale
    assert letter.items[4].rationale == ("Any compounded product that contains at least one drug that is not "
                                         "recommended is not recommended. Therefore the request is not medically "
                                         "necessary.")


def test_layout_2_samples():
    numbered = read_letter(SAMPLES / "layout2_numbered.txt")
    assert (numbered.layout, numbered.case_number, numbered.warnings) == (2, "CM13-0004821", [])
    assert (numbered.specialty, numbered.licensure) == (["Anesthesiology", "Pain Medicine"], ["California", "Texas"])
    assert "Application for Independent Medical Review" not in numbered.summary
    assert [(i.request, i.outcome, i.based_on_mtus) for i in numbered.items] == [
        ("Left L5-S1 transforaminal epidural steroid injection", "overturned", True),
        ("Tramadol ER 150mg #30", "upheld", True)]
    assert numbered.items[1].claims_administrator_guideline.endswith("which is not part of the MTUS.")
    assert numbered.items[1].rationale.startswith("The guidelines require documentation of pain relief")
    issue_lines = read_letter(SAMPLES / "layout2_issue_lines.txt")
    assert issue_lines.layout == 2
    assert [(i.request, i.outcome) for i in issue_lines.items] == [
        ("Physical therapy for the right knee, 12 sessions", "upheld")]


@pytest.mark.parametrize("name, disputed, outcome", [
    ("layout3_upheld.txt", "lumbar medial branch blocks at L3-L4, L4-L5 and L5-S1 bilaterally", "upheld"),
    ("layout3_overturned.txt", "Consultation with a pain management specialist", "overturned"),
])
def test_layout_3_samples(name, disputed, outcome):
    letter = read_letter(SAMPLES / name)
    assert (letter.layout, letter.warnings) == (3, [])
    assert [(i.index, i.request, i.outcome) for i in letter.items] == [(1, disputed, outcome)]
    assert letter.items[0].maximus_guideline.startswith("MTUS ACOEM Practice Guidelines")
    assert letter.case_number.startswith("CM13-") and "injury" in letter.dates
    assert letter.licensure and letter.specialty and letter.summary


def test_layout_3_without_a_necessity_statement_warns():
    text = (SAMPLES / "layout3_upheld.txt").read_text().replace("is not medically necessary and appropriate",
                                                                "cannot be supported")
    letter = parse_letter_text(text)
    assert letter.items[0].outcome is None
    assert any("outcome unknown" in warning for warning in letter.warnings)


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "empty letter"),
    ("blank.txt", b"  \n \n\n", "empty letter"),
    ("junk.txt", bytes(range(256)) * 8, "binary content"),
    ("junk.pdf", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a PDF"),
    ("truncated.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "unreadable or truncated PDF"),
    ("shopping.txt", b"Dear Sir,\nPlease find the shopping list below.\n", "no recognizable IMR letter layout"),
    ("no_items.txt", (b"HOW THE IMR FINAL DETERMINATION WAS MADE\n\nCLINICAL CASE SUMMARY\nThe patient.\n\n"
                      b"IMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions for the "
                      b"disputed items/services set forth below:\n\n"), "no disputed items"),
])
def test_bad_input_is_refused_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_letter(path)
    assert reason in caught.value.message
    assert caught.value.path == str(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read letter"):
        read_letter(tmp_path / "absent.txt")


@needs_corpus
def test_truncated_real_pdf_is_refused(tmp_path):
    path = tmp_path / "cut.pdf"
    path.write_bytes((CORPUS / "pdf" / "CM16-0213037.pdf").read_bytes()[:20000])
    with pytest.raises(InputError, match="PDF"):
        read_letter(path)


@pytest.mark.parametrize("name, injury, ur", [
    ("001_78eeec1d0058413d.txt", datetime.date(2010, 5, 20), datetime.date(2014, 5, 30)),
    ("003_3a9b94f0e6b7cf18.txt", datetime.date(2013, 5, 9), datetime.date(2013, 8, 9)),
    ("004_853e0c89f26f5077.txt", datetime.date(2009, 3, 9), datetime.date(2014, 11, 25)),
])
def test_a_letter_without_dates_in_its_head_takes_them_from_the_summary(name, injury, ur):
    """The older layout has no head: the summary says the date of injury and when UR denied the request (the
    same dates the hand-written seed cases give)."""
    letter = read_letter(ROOT / "cases" / "letters" / name)
    assert letter.dates == {"injury": injury, "ur_denial": ur}


@pytest.mark.parametrize("sentence, found", [
    ("Utilization review dated 11/21/2016 denied the request for surgery.", datetime.date(2016, 11, 21)),
    ("The UR decision of 2/3/2015 modified the request to 6 visits.", datetime.date(2015, 2, 3)),
    ("The patient was seen on 1/5/2015 and UR was requested.", None),   # no UR verdict in the sentence
    ("An MRI dated 4/4/2014 showed a herniation. The request was denied.", None),  # no UR in that sentence
])
def test_only_a_sentence_naming_a_ur_verdict_gives_the_ur_date(sentence, found):
    from checker.reading.letters import Letter, _summary_dates
    letter = Letter(path="x", layout=1, case_number=None, dates={}, licensure=[], specialty=[], summary=sentence,
                    items=[])
    _summary_dates(letter)
    assert letter.dates.get("ur_denial") == found
