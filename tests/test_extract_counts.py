"""Counts in every written form (visits, procedures) and generic wordings (plain films): "x6", "six sessions",
"twelve (12) sessions", "physical therapy (6)"; a frequency or a request is no count of visits had."""

from __future__ import annotations

import pytest

DONE = "prior_sessions_completed"
PT = ("Physical therapy x6 for the lumbar spine", "PHYSICAL-THERAPY")


@pytest.mark.parametrize("summary, count", [
    ("She has completed physical therapy x6.", 6),
    ("She completed six sessions of physical therapy.", 6),
    ("She has had 6 visits of physical therapy.", 6),
    ("She has had twelve (12) sessions of physical therapy.", 12),
    ("Treatment to date has included physical therapy (6).", 6),
    ("Treatment to date has included chiropractic care (8) and medications.", 0),  # a closed list without PT
    ("Treatment to date has included physical therapy (2x6).", None),                  # a frequency, not a count
])
def test_visit_counts(extractor, summary, count):
    found = extractor.extract(summary, *PT, scope="item")
    assert (found[DONE].value if DONE in found else None) == count


def test_a_count_for_another_therapy_request(extractor):
    found = extractor.extract("Treatment to date has included chiropractic care (8).", "Chiropractic care x6",
                              "CHIROPRACTIC", scope="item")
    assert found[DONE].value == 8


@pytest.mark.parametrize("summary, count", [
    ("She has had two (2) prior lumbar epidural steroid injections.", 2),
    ("She has had two prior lumbar epidural steroid injections.", 2),
])
def test_procedure_counts_with_their_digits(extractor, summary, count):
    found = extractor.extract(summary, "Lumbar epidural steroid injection L4-5", "ESI-LUMBAR", scope="item")
    assert found["prior_procedure_count"].value == count


@pytest.mark.parametrize("summary", [
    "X-rays of the lumbar spine were unremarkable.",
    "Lumbar spine radiography was normal.",
    "Plain radiographs of the lumbar spine were negative.",
    "Radiographic series of the lumbar spine showed no fracture.",
    "Films of the lumbar spine were within normal limits.",
])
def test_plain_films_in_any_generic_wording(extractor, summary):
    found = extractor.extract(summary, "X-ray of the lumbar spine", "XRAY-LUMBAR", scope="item")
    assert found["plain_films_nondiagnostic"].value is True


def test_an_mri_is_no_plain_film(extractor):
    found = extractor.extract("MRI films of the lumbar spine were unremarkable.", "X-ray of the lumbar spine",
                              "XRAY-LUMBAR", scope="item")
    assert "plain_films_nondiagnostic" not in found


@pytest.mark.parametrize("summary, count", [
    # a modifier of the therapy between the count and its name (post-operative, land-based, formal, supervised)
    ("She has had 10 post-operative physical therapy visits.", 10),
    ("He has attended 8 sessions of post-op physical therapy.", 8),
    ("She completed 14 supervised physical therapy sessions.", 14),
    # the count as "N/M" of the course, and "(xN)" after the therapy
    ("She has completed 9/12 physical therapy sessions.", 9),
    ("Treatment to date included physical therapy (x10) and medications.", 10),
    ("Treatment to date has included physical therapy (2x6).", None),  # still a frequency, not a count
])
def test_visit_counts_with_a_modifier_or_a_fraction(extractor, summary, count):
    found = extractor.extract(summary, *PT, scope="item")
    assert (found[DONE].value if DONE in found else None) == count


@pytest.mark.parametrize("summary, asked, code, count", [
    ("A right shoulder MRI from 2015 revealed a rotator cuff tear.", "MRI right shoulder", "MRI-SHOULDER", 1),
    ("Cervical spine MRI (08/2016) showed a C5-C6 disc herniation.", "MRI cervical spine", "MRI-CERVICAL", 1),
    ("MRIs of the lumbar spine dated 05/2015 and 08/2016 showed a protrusion.", "MRI lumbar spine", "MRI-LUMBAR", 2),
    ("An EMG of the bilateral upper extremities on 05/2016 was normal.", "EMG bilateral upper extremities",
     "EDX-UPPER", 1),  # a normal result is still a study done
])
def test_studies_counted_by_their_dates_in_every_form(extractor, summary, asked, code, count):
    assert extractor.extract(summary, asked, code, scope="item")["prior_procedure_count"].value == count
