"""Dates in clinical text, and the weeks between them (the durations rules read).

`find_dates(text, reference)` finds every date a text gives, in order of appearance:

- month/day/year: 01/02/2014, 1/2/14, 01-02-2014, 2014-01-02. Month first (US records); a month above 12 or a day
  the month lacks is no date (13/45/2014 is rejected, never reread day first).
- month/year: 08/2014, 8-2014, January 2014, Jan. 2014, January of 2014 -> the first of the month.
- month day, year: January 2, 2014, Jan 2nd 2014 (a month and day without a year is no date: which year is not said).
- a year after a preposition: in 2013, since 2013, from 2013 -> January 1 of that year.
- relative to the reference date: three months ago, for the past 6 weeks, x 2 years, for about a year, over the
  last year -> the reference date minus that span (a range "2-3 months" counts its lower bound; "several" and
  "a few" are no number). Without a reference date relative ones give nothing.

Two-digit years are 20yy, or 19yy when 20yy would be more than a year after the reference year (this year without
a reference): a summary also tells what followed the request, so "1/2/17" read against a 2016 request is 2017.
Each date says how precise it is (day, month, year), so a caller can tell "08/2014" from "08/01/2014".
`service_date(sentence)` is the date of service a sentence opens ("On 10/27/2016, ...", "a progress note dated
11-11-2016"): a progress note's exam date. `request_form_date(text)` is the date of the request for authorization
(RFA) a summary gives ("A Request for Authorization dated 11/10/2016"). Pure functions: no clock is read except for the year of two-digit
dates when no reference is given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["day", "month", "year"]
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
          "nov": 11, "dec": 12}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20, "thirty": 30, "a": 1, "an": 1,
           "a couple of": 2, "a couple": 2, "couple of": 2}
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0, "wk": 7.0, "month": 365.25 / 12, "mo": 365.25 / 12, "year": 365.25,
                 "yr": 365.25}
FIRST_YEAR = 1900

_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_NUM = rf"(?P<n>\d+(?:\.\d+)?|{_WORDS}|eighteen|twenty|thirty|an?|(?:a )?couple(?: of)?)"
_RANGE = rf"{_NUM}(?:(?: ?- ?| to | or )(?:\d+(?:\.\d+)?|{_WORDS}))?"  # "2-3 months": the lower bound
_UNIT = r"(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
_ABOUT = (r"(?:(?:about|approximately|around|roughly|nearly|almost|over|more than|at least|less than|close to|"
          r"a little over|just over|well over) )?")
_PATTERNS: list[tuple[str, re.Pattern]] = [
    # "not after a digit, slash, period or hyphen" is looked back at from after the first digits, so that `re` can
    # skip to the next digit instead of trying the lookbehind at every character
    ("iso", re.compile(r"(?P<y>(?:19|20)(?<![\d/.-]\d\d)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/-]?\d)")),
    ("mdy", re.compile(r"(?P<m>\d(?<![\d/.-]\d)\d?)(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
                       r"(?![\d/-]?\d)")),
    ("my", re.compile(r"(?P<m>\d(?<![\d/.-]\d)\d?)[/-](?P<y>\d{4})(?![\d/-]?\d)")),
    ("named_mdy", re.compile(rf"\b{_MONTH} (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>\d{{4}})\b", re.IGNORECASE)),
    ("named_my", re.compile(rf"\b{_MONTH},? (?:of )?(?P<y>\d{{4}})\b", re.IGNORECASE)),
    ("year", re.compile(r"\b(?:in|since|from|of|during|until|through|circa|around|by) (?:(?:early|late|mid|the "
                        r"(?:spring|summer|fall|winter|beginning|end) of)[- ])?(?P<y>(?:19|20)\d\d)\b(?![/-]\d)"
                        r"(?! (?:mg|mcg|units?|ml|cc|kcal|calories|feet|foot|ft|pounds?|lbs?)\b)", re.IGNORECASE)),
    ("ago", re.compile(rf"\b{_ABOUT}{_RANGE} {_UNIT} ago\b", re.IGNORECASE)),
    ("past", re.compile(rf"\b(?:for|over|in|during|within|throughout) (?:the )?(?:past|last|previous|prior|preceding) "
                        rf"(?:{_ABOUT}{_RANGE} )?{_UNIT}", re.IGNORECASE)),
    ("for", re.compile(rf"\b(?:for|x) ?{_ABOUT}{_RANGE} {_UNIT}", re.IGNORECASE)),
]

# a date of service: the date leads the sentence, or a visit's words come just before it (service_date)
_LEADS = re.compile(r"^\W*(?:\w+\W+){0,8}?(?:on|dated|of|at|during|from)\W+(?:the\W+)?$|^\W*$",
                    re.IGNORECASE)
_VISIT = re.compile(r"\b(?:notes?|reports?|visits?|evaluations?|evaluated|examinations?|exams?|examined|"
                    r"consultations?|assessments?|assessed|appointments?|follow[- ]?ups?|presented|seen|reported|"
                    r"complained|documented|re-?evaluated|re-?assessed|re-?examined)(?: \w+){0,3}? "
                    r"(?:on|dated|of|from)(?: the)? $|"
                    r"\b(?:date of service|dos)\W*$", re.IGNORECASE)
_INJURY = re.compile(r"\b(?:injury|injuries|injured(?! worker)|claim|doi|accident|incident|hurt)\b(?: \w+){0,4}? "
                     r"(?:on|dated|of|from|in)\W*$", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    """A date a text gives: where (offsets in the text), the day it stands for, how precise, whether relative."""

    start: int
    end: int
    date: dt.date
    precision: Precision
    relative: bool = False


# what a text must contain for a form to match (a form's regex is skipped without it): a digit for the written
# dates, a unit of time after a space for the relative ones, and " ago" for the dates that end with it
_GUARDS = {"digit": re.compile(r"\d"),
           "unit": re.compile(r" (?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b", re.IGNORECASE),
           "ago": re.compile(r" ago\b", re.IGNORECASE)}
_NEEDS = {"ago": "ago", "past": "unit", "for": "unit"}  # every other form needs a digit
# the forms for ASCII text lower-cased: the same matches (the patterns are in lower case) without IGNORECASE, which
# makes `re` fold the case of every character it tries (about twice as slow)
_ASCII_LOWER = {kind: re.compile(regex.pattern, regex.flags & ~re.IGNORECASE) for kind, regex in _PATTERNS}


def find_dates(text: str, reference: dt.date | None = None) -> list[FoundDate]:
    """Every date of the text (non-overlapping, earlier forms in the module docstring winning a tie), in order."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    has: dict[str, bool] = {}
    ascii_text = text.isascii()
    searched = text.lower() if ascii_text else text
    for kind, regex in _PATTERNS:
        need = _NEEDS.get(kind, "digit")
        if need not in has:
            has[need] = _GUARDS[need].search(text) is not None
        if not has[need]:
            continue
        for m in (_ASCII_LOWER[kind] if ascii_text else regex).finditer(searched):
            span = (m.start("y") if kind == "year" else m.start(), m.end())
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            date = _resolve(kind, m, reference)
            if date is not None:
                found.append(FoundDate(span[0], span[1], date[0], date[1], kind in ("ago", "past", "for")))
                taken.append(span)
    return sorted(found, key=lambda d: d.start)


def service_date(sentence: str, reference: dt.date | None = None) -> FoundDate | None:
    """The date of service a sentence opens: its first full date, when that date leads the sentence ("On 10/27/2016,
    the patient ...") or follows a visit's words ("a progress note dated 11-11-2016", "presented on 10-28-2016"), and
    is not the date of an injury or a claim. None otherwise."""
    for d in find_dates(sentence, reference):
        if d.relative or d.precision != "day":
            continue
        before = sentence[max(0, d.start - 60):d.start].lower()
        if _INJURY.search(before):
            return None
        if _LEADS.match(sentence[:d.start]) or _VISIT.search(before):
            return d
        return None
    return None


_REQUEST_FORM = re.compile(r"\b(?:request for authori[sz]ation|rfa)\b(?: form)?", re.IGNORECASE)
_FORM_DATED = re.compile(r"^(?:[ ,]*(?:form|\(rfa\)|was|is|were|has been|had been|signed|submitted|received|made|"
                         r"completed|sent|filed|faxed|requested|dated|on|of|from))*[ ,]*$", re.IGNORECASE)
_FORM_AFTER = 40  # characters from the words "request for authorization" to its date


def request_form_date(text: str, reference: dt.date | None = None) -> FoundDate | None:
    """The date of the request for authorization a text gives: a full date the form's words lead to ("a Request for
    Authorization dated 11/10/2016", "an RFA form signed on 12/08/2016") or one just before them ("On 11-9-2016,
    the Request for Authorization ...", "October 31, 2016 request for authorization"); the latest one not after `reference` (the UR decision) when several."""
    forms = list(_REQUEST_FORM.finditer(text))
    if not forms:  # most summaries name no request for authorization: no need to read their dates
        return None
    dates = [d for d in find_dates(text, reference) if not d.relative and d.precision == "day"
             and (reference is None or d.date <= reference)]
    found: list[FoundDate] = []
    for m in forms:
        for d in dates:
            if m.end() <= d.start <= m.end() + _FORM_AFTER and _FORM_DATED.match(text[m.end():d.start]):
                found.append(d)
            elif 0 <= m.start() - d.end <= 6 and text[d.end:m.start()].strip(" ,").lower() in ("", "the", "an", "a"):
                found.append(d)
    return max(found, key=lambda d: d.date) if found else None


def weeks_between(start: dt.date, end: dt.date) -> float:
    """Weeks from one date to another, to 0.1 (negative when `start` is later)."""
    return round((end - start).days / 7, 1)


def months_between(start: dt.date, end: dt.date) -> float:
    """Months (of 365.25/12 days) from one date to another, to 0.1 (negative when `start` is later)."""
    return round((end - start).days / DAYS_PER_UNIT["month"], 1)


def two_digit_year(yy: int, reference: dt.date | None = None) -> int:
    """20yy, or 19yy when 20yy would be more than a year after the reference year (this year without one)."""
    latest = (reference or dt.date.today()).year + 1
    return 2000 + yy if 2000 + yy <= latest else 1900 + yy


def _resolve(kind: str, m: re.Match, reference: dt.date | None) -> tuple[dt.date, Precision] | None:
    groups = m.groupdict()
    if kind in ("ago", "past", "for"):
        if reference is None:
            return None
        n = _number(groups.get("n") or "1")
        unit = groups["unit"].lower().rstrip("s")
        if n is None or n <= 0:
            return None
        precision: Precision = "year" if unit in ("year", "yr") else "month" if unit in ("month", "mo") else "day"
        return reference - dt.timedelta(days=round(n * DAYS_PER_UNIT[unit])), precision
    year = int(groups["y"])
    if len(groups["y"]) == 2:
        year = two_digit_year(year, reference)
    if year < FIRST_YEAR:
        return None
    if kind == "year":
        return dt.date(year, 1, 1), "year"
    month = MONTHS[groups["mon"].lower()[:3]] if groups.get("mon") else int(groups["m"])
    day = int(groups["d"]) if groups.get("d") else 1
    try:
        return dt.date(year, month, day), "day" if groups.get("d") else "month"
    except ValueError:  # month 13, 31 June, 29 February of a common year
        return None


def _number(raw: str) -> float | None:
    raw = raw.strip().lower()
    try:
        return float(raw)
    except ValueError:
        return NUMBERS.get(raw)
