"""Partial ISO 8601 dates: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, precision kept.

Historical sources often give only a year or a month. A :class:`PartialDate` keeps the
text and its precision and says which days it may denote (``earliest`` .. ``latest``),
so that queries can use a documented convention instead of invented days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["PartialDate", "parse_partial_date", "parse_query_date", "Precision"]

Precision = Literal["year", "month", "day"]

_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
"""ASCII digits only: ``\\d`` would also take Arabic-Indic or full-width digits."""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, month or day.

    >>> d = parse_partial_date("1999-04")
    >>> d.precision, d.earliest, d.latest
    ('month', datetime.date(1999, 4, 1), datetime.date(1999, 4, 30))
    >>> str(d)
    '1999-04'
    """

    earliest: dt.date
    latest: dt.date
    precision: Precision
    text: str

    def __str__(self) -> str:
        return self.text

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` is one of the days this partial date may denote."""
        return self.earliest <= day <= self.latest


def parse_partial_date(text: str) -> PartialDate:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ASCII digits, surrounding spaces
    ignored); raise ``ValueError`` otherwise.

    >>> parse_partial_date("2022-09-13").precision
    'day'
    >>> parse_partial_date("2022-02-30")
    Traceback (most recent call last):
    ...
    ValueError: '2022-02-30' is not a real calendar date
    >>> parse_partial_date("\u0662\u0660\u0662\u0660")
    Traceback (most recent call last):
    ...
    ValueError: '٢٠٢٠' is not an ISO date of the form YYYY, YYYY-MM or YYYY-MM-DD
    """
    m = _PATTERN.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an ISO date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(m.group(1))
    if year < 1:
        raise ValueError(f"{text!r} has year 0, which does not exist")
    if m.group(2) is None:
        return PartialDate(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", m.group(0))
    month = int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has month {month:02d}; expected 01 to 12")
    last = calendar.monthrange(year, month)[1]
    if m.group(3) is None:
        return PartialDate(dt.date(year, month, 1), dt.date(year, month, last), "month", m.group(0))
    try:
        day = dt.date(year, month, int(m.group(3)))
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None
    return PartialDate(day, day, "day", m.group(0))


def parse_query_date(value: str | dt.date, *, end: bool = False) -> dt.date:
    """A day for a query: a ``date`` as is, or the first (``end=False``) or last day
    (``end=True``) of a partial ISO date given as text.

    >>> parse_query_date("2021")
    datetime.date(2021, 1, 1)
    >>> parse_query_date("2021", end=True)
    datetime.date(2021, 12, 31)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    p = parse_partial_date(str(value))
    return p.latest if end else p.earliest
