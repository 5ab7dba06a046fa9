"""Gates on a fact from the rest of the record: `not_in_text` (a pattern counts only when the text does not say
something, e.g. a chronic course), `vetoed_by` (another documented value rules the fact out: a strain long after the
injury is not acute), and durations counted to the request for authorization (`until: request_form`)."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.errors import InputErrors
from checker.reading.cases import _at_request, case_from_note
from checker.reading.dates import request_form_date
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES, rules_copy, rules_edited

ACUTE = "acute_sprain_strain"
UR = dt.date(2016, 12, 7)


# ---- not_in_text -----------------------------------------------------------------------------------

@pytest.mark.parametrize("summary, documented", [
    ("The diagnosis is lumbar strain.", True),
    ("The diagnosis is lumbar strain. She has chronic low back pain.", False),        # a chronic course
    ("The diagnosis is lumbar strain from cumulative trauma.", False),
    ("The diagnosis is lumbar strain. The MTUS Chronic Pain Medical Treatment Guidelines apply.", True),
])
def test_a_chronic_course_in_the_text_rules_out_an_acute_strain(extractor, summary, documented):
    assert (ACUTE in extractor.extract(summary, "", scope="case")) is documented


def test_not_in_text_is_validated_as_a_regex(tmp_path):
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "medications.yaml"
    text = path.read_text()
    assert "        not_in_text: '\\b(?:chronic" in text
    path.write_text(text.replace("        not_in_text: '\\b(?:chronic", "        not_in_text: '\\b((?:chronic", 1))
    with pytest.raises(InputErrors) as exc:
        Extractor(rules, load_vocabulary(rules))
    assert "medications.yaml" in str(exc.value) and "not_in_text" in str(exc.value)


# ---- vetoed_by -------------------------------------------------------------------------------------

@pytest.mark.parametrize("weeks, vetoed", [(2.0, False), (6.4, False), (6.6, True), (40.0, True), (None, False)])
def test_weeks_since_injury_vetoes_an_acute_strain(extractor, weeks, vetoed):
    values = {ACUTE: True, **({"weeks_since_injury": weeks} if weeks is not None else {})}
    assert (extractor.vetoed(values) == [ACUTE]) is vetoed


def test_a_note_long_after_the_injury_documents_no_acute_strain(extractor, catalog):
    note = "Date of injury: 01/05/2015. Diagnosis: lumbar sprain. Plan: physical therapy."
    late = case_from_note("n1", note, "Physical therapy x6", "PHYSICAL-THERAPY", extractor, catalog, date=UR)
    early = case_from_note("n2", note.replace("01/05/2015", "11/20/2016"), "Physical therapy x6", "PHYSICAL-THERAPY", extractor,
                           catalog, date=UR)
    assert ACUTE not in late.facts and late.facts["weeks_since_injury"].value > 6.5
    assert early.facts[ACUTE].value is True


def test_the_veto_counts_the_weeks_to_the_request_for_authorization(extractor):
    facts = {ACUTE: {"value": True}, "weeks_since_injury": {"value": 7.4}}
    injury = dt.date(2016, 10, 15)
    assert extractor.vetoed(_at_request(facts, injury, None)) == [ACUTE]                    # 7.4 weeks to UR
    assert extractor.vetoed(_at_request(facts, injury, dt.date(2016, 11, 21))) == []        # 5.3 weeks to the RFA


@pytest.mark.parametrize("veto, message", [
    ("{fact: weeks_since_injry, above: 6, why: w}", "weeks_since_injury"),       # did you mean
    ("{fact: radicular_symptoms, above: 6, why: w}", "not a number fact"),
    ("{fact: weeks_since_injury, why: w}", "above"),
])
def test_a_veto_names_a_known_number_fact(tmp_path, veto, message):
    text = (RULES / "extraction" / "medications.yaml").read_text()
    line = next(x for x in text.splitlines() if x.startswith("      - {fact: weeks_since_injury, above: 6.5"))
    rules = rules_edited(tmp_path, "extraction/medications.yaml", line, f"      - {veto}")
    with pytest.raises(InputErrors) as exc:
        Extractor(rules, load_vocabulary(rules))
    assert "medications.yaml" in str(exc.value) and message in str(exc.value)


# ---- the request for authorization's date ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("A Request for Authorization dated 11/10/2016 was provided.", dt.date(2016, 11, 10)),
    ("A request for authorization was signed on 12/01/2016.", dt.date(2016, 12, 1)),
    ("The Request for Authorization form was received on 11/28/2016.", dt.date(2016, 11, 28)),
    ("On 11-9-2016, the Request for Authorization requested chiropractic care.", dt.date(2016, 11, 9)),
    ("October 31, 2016 request for authorization for physical therapy 2x6.", dt.date(2016, 10, 31)),
    ("On an RFA form dated November 30, 2016, nine sessions were requested.", dt.date(2016, 11, 30)),
    ("A Request for Authorization was not provided. She was seen on 11/02/2016.", None),
    ("A Request for Authorization is dated 12-15-16.", None),                       # after the UR decision
    ("The patient was injured on 10/01/2016 and a request for authorization followed.", None),
])
def test_the_request_for_authorization_date(text, expected):
    found = request_form_date(text, UR)
    assert (found.date if found else None) == expected


def test_conservative_care_weeks_count_to_the_request_for_authorization(extractor):
    summary = ("A physical therapy initial examination performed on 11/2/2016 documented low back pain. "
               "A request for authorization was submitted on 11/23/2016 for physical therapy.")
    found = extractor.extract(summary, "", scope="case", reference_date=dt.date(2016, 11, 30))
    assert found["conservative_care_weeks"].value == 3.0
    assert "request for authorization 2016-11-23" in found["conservative_care_weeks"].note
    without = extractor.extract(summary.split(" A request")[0], "", scope="case", reference_date=dt.date(2016, 11, 30))
    assert without["conservative_care_weeks"].value == 4.0
