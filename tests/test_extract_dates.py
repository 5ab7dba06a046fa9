"""Dates into durations: the weeks_since / months_since conversion (checker/reading/extraction.py), the reference
date a case reads its summary against (checker/reading/cases.py), and the duration facts' patterns
(medication_use_weeks, weeks_since_surgery, conservative_care_weeks, weeks_since_injury, cbt_weeks_completed,
activity_limitation_months, prior_treatment_relief_weeks, prior_sessions_completed from dated visits), with
sentences written for these tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from checker.errors import InputErrors
from checker.reading.cases import case_from_note
from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary
from checker.ruleset.treatments import load_treatments

from .conftest import RULES

ABSENT = object()
REF = dt.date(2016, 12, 7)


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary(RULES)


@pytest.fixture(scope="module")
def extractor(vocabulary):
    treatments = load_treatments(RULES)
    return Extractor(RULES, vocabulary, set(treatments.treatments), treatments)


def value(extractor, fact, summary, request="", treatment=None, reference=REF):
    found = extractor.extract(summary, request, treatment, reference_date=reference)
    return found[fact].value if fact in found else ABSENT


# ---- the conversion ------------------------------------------------------------------------------

SURGERY = "weeks_since_surgery"
POSTOP = ("Post-operative physical therapy x12", "POSTOP-PT")


def test_a_date_becomes_weeks_to_the_reference_date_with_the_sentence_as_evidence(extractor):
    summary = "She fell at work. The patient underwent right knee arthroscopy on 10/20/2016. Pain is 4/10."
    found = extractor.extract(summary, *POSTOP, reference_date=dt.date(2016, 10, 28))
    assert found[SURGERY].value == 1.1
    assert found[SURGERY].quote == "The patient underwent right knee arthroscopy on 10/20/2016."
    assert "2016-10-20" in found[SURGERY].note and "2016-10-28" in found[SURGERY].note


def test_without_a_reference_date_dates_document_nothing(extractor):
    summary = "The patient underwent right knee arthroscopy on 10/20/2016."
    assert value(extractor, SURGERY, summary, *POSTOP, reference=None) is ABSENT


def test_a_date_after_the_reference_documents_nothing(extractor):
    assert value(extractor, SURGERY, "He underwent rotator cuff repair on 12/20/2016.", *POSTOP) is ABSENT


def test_the_same_summary_is_read_again_against_another_reference_date(extractor):
    summary = "The patient underwent right knee arthroscopy on 10/20/2016."
    assert value(extractor, SURGERY, summary, *POSTOP, reference=dt.date(2016, 10, 28)) == 1.1
    assert value(extractor, SURGERY, summary, *POSTOP, reference=dt.date(2016, 11, 17)) == 4.0


def test_a_relative_date_counts_back_from_the_date_of_service(extractor):
    summary = "On 11/16/2016, the patient reported she underwent carpal tunnel release 3 weeks ago."
    assert value(extractor, SURGERY, summary, *POSTOP) == 6.0  # 3 weeks before 11/16, 3 weeks before 12/07
    tramadol = ("Tramadol 50mg #60", "OPIOID-SHORT-ACTING")
    visit = "On 11/16/2016, the patient returned for follow-up. "
    assert value(extractor, MED, visit + "She started tramadol 2 months ago.", *tramadol) == 11.7
    assert value(extractor, MED, "She started tramadol 2 months ago.", *tramadol) == 8.7  # from the reference date


def test_the_date_of_service_in_effect_dates_a_sentence_without_one(extractor):
    fact, request = "medication_use_weeks", ("Pantoprazole 40mg #60", "PPI")
    summary = ("On 10/26/2016, the worker reported epigastric pain. Current medications included naproxen and "
               "omeprazole. Omeprazole was changed to pantoprazole.")
    found = extractor.extract(summary, *request, reference_date=REF)
    assert found[fact].value == 6.0
    assert found[fact].quote == "Omeprazole was changed to pantoprazole."
    assert "date of service '10/26/2016'" in found[fact].note
    # a dated sentence that opens no visit (an injury, UR language) ends the date of service
    for opening in ("She sustained an industrial injury on 10/26/2016.",
                    "On 10/26/2016, utilization review non-certified the request for omeprazole."):
        assert value(extractor, fact, opening + " Omeprazole was changed to pantoprazole.", *request) is ABSENT


def test_an_interval_between_two_dates(extractor):
    summary = "She attended physical therapy from 09/01/2016 to 10/13/2016."
    assert value(extractor, "conservative_care_weeks", summary) == 6.0


def _rules_with(tmp_path: Path, core: str) -> Path:
    (tmp_path / "extraction").mkdir()
    shutil.copy(RULES / "extraction" / "context.yaml", tmp_path / "extraction" / "context.yaml")
    shutil.copy(RULES / "extraction" / "sections.yaml", tmp_path / "extraction" / "sections.yaml")
    (tmp_path / "extraction" / "core.yaml").write_text(core)
    return tmp_path


@pytest.mark.parametrize("pattern, message", [
    ("{convert: weeks_since, capture: n, regex: 'since (?P<n>\\d+)'}", "needs `capture: date`"),
    ("{convert: weeks_since, capture: date, regex: 'since (?P<when>\\d+)'}", "not a named group"),
])
def test_a_weeks_since_pattern_needs_a_date_group(tmp_path, vocabulary, pattern, message):
    rules = _rules_with(tmp_path, f"facts:\n  conservative_care_weeks:\n    patterns:\n      - {pattern}\n")
    with pytest.raises(InputErrors) as err:
        Extractor(rules, vocabulary)
    assert message in err.value.errors[0].message


def test_a_weeks_since_pattern_is_for_a_number_fact(tmp_path, vocabulary):
    rules = _rules_with(tmp_path, "facts:\n  crps_diagnosis:\n    patterns:\n"
                                  "      - {convert: weeks_since, capture: date, regex: 'since (?P<date>\\d+)'}\n")
    with pytest.raises(InputErrors, match="number of weeks or months"):
        Extractor(rules, vocabulary)


def test_a_note_is_read_against_its_date_of_service(extractor):
    from checker.ruleset.rules import load_catalog
    catalog = load_catalog(RULES)
    note = "Date of injury: 03/02/2016. The patient has been taking Norco since 08/2016."
    case = case_from_note("note", note, "Norco 10/325 #60", "OPIOID-SHORT-ACTING", extractor, catalog,
                          date=dt.date(2016, 9, 1))
    assert case.facts["weeks_since_injury"].value == 26.1
    assert case.items[0].facts["medication_use_weeks"].value == 4.4
    today = case_from_note("note", note, "Norco 10/325 #60", "OPIOID-SHORT-ACTING", extractor, catalog)
    assert today.items[0].facts["medication_use_weeks"].value > 4.4


# ---- medication_use_weeks --------------------------------------------------------------------------

MED = "medication_use_weeks"
NORCO = ("Norco 10/325 #60", "OPIOID-SHORT-ACTING")
FLEXERIL = ("Cyclobenzaprine 7.5mg #60", "MUSCLE-RELAXANT")


@pytest.mark.parametrize("text, expected", [
    ("She has been taking Norco since 2014.", 153.0),
    ("He has been on Norco 10/325 mg since 08/2014.", 122.7),
    ("Current medications include Norco 10/325 (started 01/2015) and ibuprofen.", 100.9),
    ("Norco was first prescribed on 03/04/2016 by his primary physician.", 39.7),
    ("He started hydrocodone three months ago.", 13.0),
    ("Since January 2015, she has been taking Percocet daily.", 100.9),
    ("The patient was placed on tramadol on 11/02/2016.", 5.0),
    # the longest use documented wins over a later "started on" at a visit
    ("Norco since 2014. At the 11/02/2016 visit she was started on Norco 10/325 again.", 153.0),
    # negated, planned, after the request, or UR language: nothing
    ("He has not taken Norco since 2014.", ABSENT),
    ("The plan is to start Norco on 11/20/2016.", ABSENT),
    ("Norco was prescribed on 12/20/2016.", ABSENT),
    ("On 11/15/2016, utilization review non-certified Norco that was prescribed on 10/01/2016.", ABSENT),
])
def test_medication_use_weeks_from_dates(extractor, text, expected):
    assert value(extractor, MED, text, *NORCO) == expected


def test_medication_use_weeks_reads_only_the_requested_class(extractor):
    text = "She has been taking Norco since 2014. Flexeril was started on 11/02/2016."
    assert value(extractor, MED, text, *NORCO) == 153.0
    assert value(extractor, MED, text, *FLEXERIL) == 5.0


# ---- weeks_since_surgery ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("The injured worker underwent ORIF of the left mid foot, including the first through fifth tarsometatarsal "
     "joints on 10-20-2016.", 6.9),
    ("He is status post left shoulder arthroscopy (09/08/2016).", 12.9),
    ("The right carpal tunnel release was performed on 11/16/2016 without complication.", 3.0),
    ("She had lumbar surgery in 2014.", 153.0),
    ("He underwent a rotator cuff repair 2 months ago.", 8.7),
    # a visit date after an operation is not its date; UR language is not a clinical statement
    ("She underwent knee arthroscopy and was seen on 11/30/2016 for follow-up.", ABSENT),
    ("On 11/30/2016, utilization review denied the surgery.", ABSENT),
    ("The request for surgery on 11/30/2016 was non-certified.", ABSENT),
])
def test_weeks_since_surgery_from_the_operations_date(extractor, text, expected):
    assert value(extractor, SURGERY, text, *POSTOP) == expected


def test_weeks_since_surgery_is_read_for_post_operative_care_only(extractor):
    text = "The patient underwent right knee arthroscopy on 10/20/2016."
    assert value(extractor, SURGERY, text, "Inpatient rehabilitation 7 days", "INPATIENT-REHABILITATION") == 6.9
    assert value(extractor, SURGERY, text, "MRI of the right knee", "MRI-KNEE") is ABSENT


# ---- conservative_care_weeks -----------------------------------------------------------------------

CONSERVATIVE = "conservative_care_weeks"


@pytest.mark.parametrize("text, expected", [
    ("She has been attending physical therapy since 09/01/2016.", 13.9),
    ("He started chiropractic care on 10/05/2016.", 9.0),
    ("A physical therapy initial evaluation was performed on 11/02/2016.", 5.0),
    ("Since August 2016, she has been doing a home exercise program.", 18.3),
    ("He has been treated conservatively since 2015.", 100.9),
    ("On 10/26/2016, the patient reported back spasms. The patient was prescribed cyclobenzaprine and naproxen.", 6.0),
    # the longest course documented
    ("He started physical therapy on 11/02/2016. He has been taking medications since 06/2016.", 27.0),
    # negated, planned, or UR language: nothing
    ("She has not had physical therapy since 2014.", ABSENT),
    ("The physician recommended starting physical therapy on 12/01/2016.", ABSENT),
    ("Utilization review noted physical therapy since 09/01/2016.", ABSENT),
])
def test_conservative_care_weeks_from_dates(extractor, text, expected):
    assert value(extractor, CONSERVATIVE, text) == expected


# ---- weeks_since_injury, cbt_weeks_completed, activity_limitation_months, relief ---------------------

@pytest.mark.parametrize("text, expected", [
    ("Date of injury: 03/02/2016.", 40.0),
    ("The injured worker sustained an industrial injury on 10-13-16.", 7.9),
    ("This case involves a history of an occupational claim from 10/27/2016.", 5.9),
    ("He was injured at work on October 10, 2016 when he fell.", 8.3),
    ("She reported a prior injury on 03/02/2010.", ABSENT),
])
def test_weeks_since_injury_from_the_summarys_date_of_injury(extractor, text, expected):
    assert value(extractor, "weeks_since_injury", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("She has been attending cognitive behavioral therapy since 10/05/2016.", 9.0),
    ("He attended CBT from 08/01/2016 to 09/26/2016.", 8.0),
    ("CBT was recommended.", ABSENT),
])
def test_cbt_weeks_completed_from_dates(extractor, text, expected):
    assert value(extractor, "cbt_weeks_completed", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("He has been off work since 06/2016.", 6.2),
    ("She has been on modified duty since January 2016.", 11.2),
    ("He has not worked since 2015.", 23.2),
    ("He returned to work since 2015.", ABSENT),
])
def test_activity_limitation_months_from_dates(extractor, text, expected):
    assert value(extractor, "activity_limitation_months", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("She reports 60% relief since the lumbar epidural steroid injection on 10/05/2016.", 9.0),
    ("After the epidural steroid injection on 06/01/2016 she had 70% relief until 08/10/2016.", 10.0),
    ("She reports 60% relief since the facet injection on 10/05/2016.", ABSENT),  # another kind of injection
])
def test_prior_treatment_relief_weeks_from_dates(extractor, text, expected):
    assert value(extractor, "prior_treatment_relief_weeks", text, "Lumbar ESI at L5-S1", "ESI-LUMBAR") == expected


@pytest.mark.parametrize("text, item, expected", [
    ("She attended physical therapy on 10/3/16, 10/5/16 and 10/10/16.", ("Physical therapy x6", "PHYSICAL-THERAPY"), 3),
    ("Chiropractic visits were on 11/1/2016, 11/8/2016 and 11/15/2016.", ("Chiropractic care x6", "CHIROPRACTIC"), 3),
    # one date does not say how many visits; another therapy's visits are not counted
    ("She attended physical therapy on 10/3/16.", ("Physical therapy x6", "PHYSICAL-THERAPY"), ABSENT),
    ("She attended physical therapy on 10/3/16, 10/5/16 and 10/10/16.", ("Acupuncture x6", "ACUPUNCTURE"), ABSENT),
])
def test_prior_sessions_completed_from_dated_visits(extractor, text, item, expected):
    assert value(extractor, "prior_sessions_completed", text, *item) == expected
