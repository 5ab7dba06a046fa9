"""Dates in clinical text (checker/reading/dates.py): the forms a summary writes, relative dates against a
reference date, two-digit years, bad dates, dates of service."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.reading.dates import find_dates, months_between, service_date, two_digit_year, weeks_between

REF = dt.date(2016, 12, 7)


def dates(text, reference=REF):
    return [(text[d.start:d.end], d.date, d.precision) for d in find_dates(text, reference)]


@pytest.mark.parametrize("text, said, date, precision", [
    ("seen on 01/02/2014", "01/02/2014", dt.date(2014, 1, 2), "day"),
    ("seen on 1/2/14", "1/2/14", dt.date(2014, 1, 2), "day"),
    ("seen on 01-02-2014", "01-02-2014", dt.date(2014, 1, 2), "day"),
    ("seen on 2014-01-02", "2014-01-02", dt.date(2014, 1, 2), "day"),
    ("seen on January 2, 2014", "January 2, 2014", dt.date(2014, 1, 2), "day"),
    ("seen on Jan. 2nd 2014", "Jan. 2nd 2014", dt.date(2014, 1, 2), "day"),
    ("on 3/4/14 she fell", "3/4/14", dt.date(2014, 3, 4), "day"),
    ("since 08/2014", "08/2014", dt.date(2014, 8, 1), "month"),
    ("since 8-2014", "8-2014", dt.date(2014, 8, 1), "month"),
    ("in Jan 2014", "Jan 2014", dt.date(2014, 1, 1), "month"),
    ("in January of 2015", "January of 2015", dt.date(2015, 1, 1), "month"),
    ("injured in 2013", "2013", dt.date(2013, 1, 1), "year"),
    ("since early 2013", "2013", dt.date(2013, 1, 1), "year"),
])
def test_absolute_forms(text, said, date, precision):
    assert dates(text) == [(said, date, precision)]


@pytest.mark.parametrize("text, date", [
    ("surgery three months ago", REF - dt.timedelta(days=91)),
    ("pain for the past 6 weeks", REF - dt.timedelta(weeks=6)),
    ("low back pain x 2 years", REF - dt.timedelta(days=730)),
    ("taking it for about a year", REF - dt.timedelta(days=365)),
    ("over the last year", REF - dt.timedelta(days=365)),
    ("for a couple of weeks", REF - dt.timedelta(weeks=2)),
    ("2-3 months ago", REF - dt.timedelta(days=61)),  # a range counts its lower bound
])
def test_relative_dates_count_back_from_the_reference(text, date):
    [found] = find_dates(text, REF)
    assert found.relative and found.date == date


def test_relative_dates_need_a_reference_and_a_number():
    assert find_dates("three months ago", None) == []
    assert find_dates("for several months", REF) == []
    assert find_dates("a few weeks ago", REF) == []


@pytest.mark.parametrize("text", [
    "13/45/2014", "2/30/2016", "00/12/2014", "pain 8/10", "strength 5/5", "Norco 10/325", "L4-5 and L5-S1",
    "a total of 2014 mg", "4 sessions", "reflexes 2/2", "1/2/1850",
])
def test_bad_dates_and_other_numbers_are_no_dates(text):
    assert find_dates(text, REF) == []


def test_two_digit_years_are_this_century_unless_too_late_for_the_reference():
    assert two_digit_year(14, REF) == 2014
    assert two_digit_year(17, REF) == 2017  # what followed a 2016 request
    assert two_digit_year(19, REF) == 1919
    assert two_digit_year(98, REF) == 1998
    assert dates("since 1/2/98") == [("1/2/98", dt.date(1998, 1, 2), "day")]


def test_several_dates_in_order_without_overlaps():
    text = "X-rays on 10-13-16 and (11-30-16); therapy since 08/2014 and surgery 2 years ago."
    assert [d for d, _, _ in dates(text)] == ["10-13-16", "11-30-16", "08/2014", "2 years ago"]


def test_weeks_and_months_between():
    assert weeks_between(dt.date(2016, 10, 20), dt.date(2016, 10, 28)) == 1.1
    assert weeks_between(dt.date(2016, 12, 20), REF) < 0
    assert months_between(dt.date(2014, 1, 1), dt.date(2015, 1, 1)) == 12.0


@pytest.mark.parametrize("sentence, date", [
    ("On 10/27/2016, the patient reported feeling spasms.", dt.date(2016, 10, 27)),
    ("A physician progress note dated 11-11-2016 documents shoulder pain.", dt.date(2016, 11, 11)),
    ("The injured worker presented on 10-28-2016 with neck pain.", dt.date(2016, 10, 28)),
    ("The treatment plan for date of service 11-22-16 included chiropractic care.", dt.date(2016, 11, 22)),
    ("According to the hospitalist progress note dated 10-30-2016, the pain was controlled.", dt.date(2016, 10, 30)),
    # the date of an injury, a date far into the sentence, a month alone, or none: no date of service
    ("The injured worker sustained an industrial injury on 10-13-16.", None),
    ("He was hurt at work on 1/2/2016.", None),
    ("The injured worker underwent ORIF of the left mid foot, including the first through fifth joints on "
     "10-20-2016.", None),
    ("On 08/2016 she started therapy.", None),
    ("She was seen for neck pain.", None),
])
def test_the_date_of_service_a_sentence_opens(sentence, date):
    found = service_date(sentence, REF)
    assert (found.date if found else None) == date
