"""Closed lists (checker/reading/lists.py): a treatment-to-date or medication list documents what it names and,
when closed, what it leaves out; an open, negated or missing list says no more than it says."""
from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor

from .conftest import RULES


@pytest.fixture(scope="module")
def extractor(catalog):
    return Extractor(RULES, catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)


def found(extractor, summary, request="", treatment=None):
    return extractor.extract(summary, request, treatment)


def value(extractor, fact, summary, request="", treatment=None):
    entry = found(extractor, summary, request, treatment).get(fact)
    return None if entry is None else entry.value


@pytest.mark.parametrize("summary, expected", [
    ("Treatment to date has included medications and chiropractic care.", 0),      # closed: no PT named: first course
    ("Treatment to date has included medications and physical therapy.", None),    # PT named, visits not given
    ("Past treatments included therapy and medications.", None),                   # "therapy": which is not said
    ("Treatment to date has included medications, injections, etc.", None),        # trails off: open
    ("Treatment to date has included medications but no physical therapy.", None), # negated: "but" ends it here
    ("The patient reports neck pain.", None),                                      # no list: not documented
])
def test_a_first_course_of_therapy_is_read_from_a_closed_treatment_list(extractor, summary, expected):
    assert value(extractor, "prior_sessions_completed", summary, "Physical therapy 2x6 for the neck",
                 "PHYSICAL-THERAPY") == expected


def test_a_negated_element_documents_the_absence(extractor):
    summary = "Treatment to date has included a home exercise program, medications and no physical therapy."
    assert value(extractor, "prior_sessions_completed", summary, "Physical therapy x6", "PHYSICAL-THERAPY") == 0
    assert value(extractor, "home_exercise_program", summary) is True


def test_only_items_of_the_families_the_fact_is_for_read_the_list(extractor):
    summary = "Treatment to date has included medications."
    assert value(extractor, "prior_sessions_completed", summary, "MRI of the lumbar spine", "MRI-LUMBAR") is None
    assert value(extractor, "continuing_medication", summary, "Physical therapy x6", "PHYSICAL-THERAPY") is None


@pytest.mark.parametrize("summary, asked, code, expected", [
    ("Current medications include Norco and Motrin.", "Hydrocodone/APAP 10/325 #90", "OPIOID-SHORT-ACTING", True),
    ("Current medications include Norco and Motrin.", "Tizanidine 4 mg #60", "MUSCLE-RELAXANT", False),  # new start
    ("Medications included Norco, Ketoprofen and cyclobenzaprine.", "Ketoprofen 20%/cyclobenzaprine 2% cream",
     "TOPICAL-COMPOUND", False),                                 # the oral drugs are not the cream
    ("The current medication regimen was not provided.", "Tizanidine 4 mg #60", "MUSCLE-RELAXANT", None),
    ("Current medications include pain medications.", "Tizanidine 4 mg #60", "MUSCLE-RELAXANT", None),  # open
])
def test_continuation_or_new_start_from_the_current_medication_list(extractor, summary, asked, code, expected):
    assert value(extractor, "continuing_medication", summary, asked, code) is expected


def test_drug_classes_of_the_medication_list(extractor):
    summary = "Current medications include Percocet, naproxen and omeprazole."
    assert value(extractor, "current_opioid_prescription", summary) is True
    assert value(extractor, "concurrent_nsaid", summary) is True
    assert value(extractor, "concurrent_nsaid", "Current medications include gabapentin.") is False


def test_list_evidence_quotes_the_list_and_says_how_it_was_read(extractor):
    entry = found(extractor, "Treatment to date has included medications and acupuncture.",
                  "Physical therapy x6", "PHYSICAL-THERAPY")["prior_sessions_completed"]
    assert entry.quote == "Treatment to date has included medications and acupuncture."
    assert "not in the treatment to date list" in entry.note


def test_patterns_win_over_lists(extractor):
    summary = "Treatment to date has included medications. He completed 12 sessions of physical therapy."
    assert value(extractor, "prior_sessions_completed", summary, "Physical therapy x6", "PHYSICAL-THERAPY") == 12


def test_unknown_list_names_in_rules_are_rejected_at_load(tmp_path, catalog):
    from checker.errors import InputError

    from .conftest import rules_copy
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "core.yaml"
    path.write_text(path.read_text().replace("list: treatment_to_date, present_if: {procedures: [home_exercise",
                                             "list: treatment_to_dat, present_if: {procedures: [home_exercise"))
    with pytest.raises(InputError, match="unknown list 'treatment_to_dat'.*did you mean 'treatment_to_date'"):
        Extractor(rules, catalog.vocabulary)
    path.write_text(path.read_text().replace("treatment_to_dat,", "treatment_to_date,")
                    .replace("procedures: [home_exercise_program]", "procedures: [home_exercise_programme]"))
    with pytest.raises(InputError, match="unknown procedure 'home_exercise_programme'"):
        Extractor(rules, catalog.vocabulary, None, catalog.treatments)


COMPLAINT = " Patient complaint of pain 8/10."


@pytest.mark.parametrize("summary, expected", [
    # care given in the summary's own verbs, its object read by the request grammar (seed letter 003)
    ("He received pain med injections, physical therapy (PT),chiropractic, and narcotics.", True),
    ("She has tried acupuncture.", True),
    ("He was prescribed Norco.", True),
    ("Treatment has included medication.", True),          # a general care word names care
    ("Prior treatments included medications.", True),
    ("He underwent an MRI of the lumbar spine.", None),    # a study is not care
    ("He has not received physical therapy.", None),       # care not had
    ("He received authorization for physical therapy.", None),
    ("There was no evidence the patient has trialed and failed first line treatment.", None),  # negated cue
    ("The patient was seen in the clinic.", None),         # no care named at all
])
def test_a_complaint_persists_despite_the_care_a_list_names(extractor, summary, expected):
    assert value(extractor, "symptoms_persist_despite_treatment", summary + COMPLAINT) is expected


def test_a_list_of_care_given_is_open(extractor):
    """"He received chiropractic care" names care; it need not be all of it: no first course of therapy."""
    summary = "He received chiropractic care and medications."
    assert value(extractor, "prior_sessions_completed", summary, "Physical therapy 2x6 for the neck",
                 "PHYSICAL-THERAPY") is None


def test_a_pattern_reads_only_lists_that_name_care(tmp_path, catalog):
    from checker.errors import InputError

    from .conftest import rules_copy
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "core.yaml"
    text = path.read_text()
    path.write_text(text.replace("with_list: [treatment_to_date, care_given,", "with_list: [treatment_to_date, care_gven,", 1))
    with pytest.raises(InputError, match="unknown list 'care_gven'.*did you mean 'care_given'"):
        Extractor(rules, catalog.vocabulary)
    path.write_text(text.replace("with_list: [treatment_to_date, care_given,", "with_list: [diagnoses, care_given,", 1))
    with pytest.raises(InputError, match="list 'diagnoses' names no care"):
        Extractor(rules, catalog.vocabulary)


@pytest.mark.parametrize("summary, expected", [
    # the request grammar counts the element as it counts a request
    ("Treatment to date has included medications and physical therapy x 12.", 12),
    ("Treatment to date has included medications and physical therapy 2x6.", None),  # a frequency: maybe prescribed
    ("He completed 12 sessions of physical therapy without lasting relief.", 12),
    ("The patient underwent physical therapy 2 times a week for 6 weeks.", 12),
    ("The patient received PT 2x6 and acupuncture.", 12),
    ("She has had eight physical therapy visits and a home exercise program.", 8),
    ("He completed 12 sessions of chiropractic care.", None),                    # another therapy: not this one
    # a request or an authorization is no care given, whatever its count
    ("On 12/01/2016 a request was received for additional physical therapy 2x4.", None),
    ("She completed 4 physical therapy treatments through this particular request.", None),
    ("He has not received 12 sessions of physical therapy.", None),
])
def test_prior_visits_are_counted_from_the_care_a_list_names(extractor, summary, expected):
    assert value(extractor, "prior_sessions_completed", summary, "Physical therapy 2x6 for the neck",
                 "PHYSICAL-THERAPY") == expected


def test_a_counted_element_is_quoted_with_its_list(extractor):
    entry = found(extractor, "The patient reports neck pain. The patient received PT 2x6 and acupuncture.",
                  "Physical therapy 2x6 for the neck", "PHYSICAL-THERAPY")["prior_sessions_completed"]
    assert (entry.value, entry.quote) == (12, "The patient received PT 2x6 and acupuncture.")
    assert entry.note == "the care given list counts 'PT 2x6'"


def test_a_count_and_a_present_value_together_are_rejected():
    from pydantic import ValidationError

    from checker.reading.lists import FromList
    with pytest.raises(ValidationError, match="not both"):
        FromList(list="treatment_to_date", present_if={}, present_value=1, count=True)


@pytest.mark.parametrize("summary, expected", [
    # failed conservative care: the complaint persists after therapy, exercise or medication
    ("Treatment to date has included physical therapy and a home exercise program.", True),
    ("He was prescribed Norco.", True),
    ("Prior treatments included conservative care.", True),
    # an operation or an injection alone is no conservative care
    ("He underwent a lumbar fusion.", None),
    ("She received a lumbar epidural steroid injection.", None),
])
def test_failed_conservative_care_asks_for_conservative_care(extractor, summary, expected):
    persisting = " He continues to have low back pain."
    assert value(extractor, "conservative_care_failed", summary + persisting) is expected


def test_with_care_without_with_list_is_rejected_at_load(tmp_path, catalog):
    from checker.errors import InputError, InputErrors

    from .conftest import rules_copy
    rules = rules_copy(tmp_path)
    path = rules / "extraction" / "core.yaml"
    text = path.read_text()
    path.write_text(text.replace("        with_list: [treatment_to_date, care_given, current_medications]\n"
                                 "        with_care:", "        with_care:", 1))
    with pytest.raises(InputError, match="`with_care` narrows `with_list`"):
        Extractor(rules, catalog.vocabulary)
    path.write_text(text.replace("with_care: [therapy, program,", "with_care: [therapy, programme,", 1))
    with pytest.raises(InputErrors, match="with_care.1: expected one of .*got 'programme'"):
        Extractor(rules, catalog.vocabulary)


def test_explain_shows_why_a_continuation_criterion_applies(checker):
    """A request for additional visits is a continuation: the functional-improvement criterion applies, and the
    explanation says so with the request text as the evidence."""
    from checker.reading.cases import Case, Item
    case = Case(case="continuation", items=[Item(request="Additional physical therapy for the lumbar spine x6")])
    [result] = checker.check_case(case)
    continued = [c for c in result.criteria if [f.name for f in c.applies] == ["continuing_course"]]
    assert continued, (result.rule, [c.code for c in result.criteria])
    assert all(c.applies[0].value is True for c in continued)
    assert "requested_continuation" in [f.name for f in continued[0].applies[0].inputs]
    assert not any(c.title.startswith("A first course") for c in result.criteria)  # no six-visit trial for it
