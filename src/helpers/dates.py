"""Dates as pages write them: found in a line of text, read into ISO ``YYYY-MM-DD``.

In: a string (a byline, a date line, a dateline, a meta tag's value).
Out: ``find_dates(text)`` — every full date in it (day, month and year all stated), with its
span and ISO form; ``parse_date(text)`` — the first one's ISO form, or None.
Used by: ``helpers.bylines`` and ``helpers.segment`` (notebook 01-clean).

The forms pages use, all read by ``python-dateutil`` once a candidate is found:

* month names, full or abbreviated, with or without a full stop, a weekday or an ordinal:
  "12 March 2019", "Mon 24 Sep 2012", "Thursday 27th Aug 2020", "Feb. 20, 2012",
  "Sept. 29, 2012", "SEPTEMBER 9, 2016", "July 02 2018", "12-May-2003";
* numbers: ISO "2011-12-06" (also inside a timestamp "2023-06-22T07:30:00+02:00" or
  "20120929"), dotted European "10.09.2016" (day first), slashed "14/03/2024" and
  "07/14/2007", year first with dots "2019.03.12"; a two-digit year "08 Mar '19" (this century).
  A slashed date is read day-first when its first number is above 12,
  month-first when its second is, and otherwise by ``dayfirst`` (the page's own unambiguous
  slashed dates decide it in ``helpers.segment``; month-first when nothing does).

A month and year without a day ("September 2005") is not a full date: the gold standard and
the ``articles.published`` column both hold a date only when the page states one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as du_parser

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\.?,?\s+)?"
_MONTH = rf"(?:{_MONTHS})\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"

_DATE_RX = re.compile(
    rf"(?i)(?<![\w/.-])(?:"
    rf"(?P<dmy>{_WEEKDAY}{_DAY}[\s-]+{_MONTH},?[\s-]+{_YEAR})"
    rf"|(?P<mdy>{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR})"
    rf"|(?P<iso>{_YEAR}-[01]\d-[0-3]\d)(?=$|[^\d])"
    rf"|(?P<compact>{_YEAR}[01]\d[0-3]\d)(?![\d])"
    rf"|(?P<dotted>[0-3]?\d\.[01]?\d\.{_YEAR})(?![\d])"
    rf"|(?P<isodot>{_YEAR}[./][01]\d[./][0-3]\d)(?![\d])"
    rf"|(?P<dmyy>{_DAY}\s+{_MONTH}\s+['\u2019]\d\d)(?![\d])"
    rf"|(?P<slashed>[01]?\d/[0-3]?\d/{_YEAR}|[0-3]?\d/[01]?\d/{_YEAR})(?![\d])"
    rf")"
)


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    iso: str
    form: str  # which pattern: dmy, mdy, iso, compact, dotted, slashed
    ambiguous: bool = False  # a slashed date whose day and month could be swapped
    dayfirst: bool | None = None  # for an unambiguous slashed date: how it was written


def _read(text: str, form: str, dayfirst: bool) -> tuple[str | None, bool, bool | None]:
    """(ISO date or None, ambiguous, dayfirst as written) of one candidate."""
    ambiguous, written_dayfirst = False, None
    if form == "compact":
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif form == "isodot":  # "2019.03.12"
        text = f"{text[:4]}-{text[5:7]}-{text[8:]}"
        form = "iso"
    elif form == "dmyy":  # "08 Mar '19": a two-digit year is this century's
        day_month, year = re.split(r"\s+['\u2019]", text)
        text = f"{day_month} 20{year}"
        form = "dmy"
    elif form == "dotted":
        dayfirst = True
    elif form == "slashed":
        a, b, _ = (int(x) for x in text.split("/"))
        if a > 12 and b <= 12:
            dayfirst = written_dayfirst = True
        elif b > 12 and a <= 12:
            dayfirst, written_dayfirst = False, False
        else:
            ambiguous = a != b
    cleaned = re.sub(r"(?i)(\d)(st|nd|rd|th)\b", r"\1", text).replace("-", " ") if form in ("dmy", "mdy") else text
    cleaned = re.sub(r"(?i)\bsept\b", "Sep", cleaned)
    try:
        value = du_parser.parse(cleaned, dayfirst=dayfirst, yearfirst=form in ("iso", "compact"),
                                default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None, False, None
    return value.date().isoformat(), ambiguous, written_dayfirst


def find_dates(text: str, dayfirst: bool = False) -> list[FoundDate]:
    """Every full date in ``text``, in order (see the module docstring for the forms)."""
    out = []
    for m in _DATE_RX.finditer(text):
        form = m.lastgroup
        iso, ambiguous, written = _read(m.group(form), form, dayfirst)
        if iso is not None:
            out.append(FoundDate(m.start(form), m.end(form), iso, form, ambiguous, written))
    return out


def parse_date(text: str, dayfirst: bool = False) -> str | None:
    """ISO form of the first full date in ``text``, or None."""
    found = find_dates(text, dayfirst)
    return found[0].iso if found else None


def page_dayfirst(text: str) -> bool:
    """Whether the page writes slashed dates day first (its unambiguous ones decide; else False)."""
    votes = [d.dayfirst for d in find_dates(text) if d.form == "slashed" and d.dayfirst is not None]
    return bool(votes) and sum(votes) > len(votes) / 2
