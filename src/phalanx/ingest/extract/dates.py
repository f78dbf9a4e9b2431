"""Dates in text, with the precision the text gives.

"13 September 2022" and "September 13, 2022" are days, "In September 2022" a month,
"in 2022" a year (a decade such as "the 1990s" is not a date). Relative dates ("yesterday",
"last year") are resolved only against an anchor, the article's own date; "the following
day" is resolved against a day named earlier in the same sentence. Otherwise they are kept
with no value. Regular expressions on google-re2 (linear time on untrusted text), not
dateparser: dateparser resolves relative dates against today's clock (which would make a
run depend on the day it ran) and its fuzzy search turns stray numbers into dates; a small
table of English month names is all the articles need, and keeping the precision is then
a matter of which pattern matched.

>>> [(d.text, str(d.value), d.precision) for d in find_dates("In September 2022, and on 13 Sept. 2022")]
[('September 2022', '2022-09', 'month'), ('13 Sept. 2022', '2022-09-13', 'day')]
>>> [(d.text, d.value) for d in find_dates("Some 55 people died in the 1990s")]
[]
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import re2

from phalanx.kb.dates import PartialDate, Precision, parse_partial_date

__all__ = ["DateMention", "find_dates", "resolve_relative"]

_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in {calendar.month_name[i].lower(), calendar.month_abbr[i].lower()}
}
_MONTHS["sept"] = 9
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(1[89][0-9]{2}|20[0-9]{2})"
_ORD = r"(?:st|nd|rd|th)?"

_PATTERNS: list[tuple[str, object]] = [
    ("iso", re2.compile(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b")),
    ("dmy", re2.compile(rf"(?i)\b([0-9]{{1,2}}){_ORD}\s+({_MONTH}),?\s+{_YEAR}\b")),
    ("mdy", re2.compile(rf"(?i)\b({_MONTH})\s+([0-9]{{1,2}}){_ORD},?\s+{_YEAR}\b")),
    ("my", re2.compile(rf"(?i)\b({_MONTH}),?\s+(?:of\s+)?{_YEAR}\b")),
    ("y", re2.compile(rf"\b{_YEAR}\b")),
]
_RELATIVE = re2.compile(
    r"(?i)\b(yesterday|today|the day before|the (?:following|next) day|the day after|"
    r"(?:last|this|next) (?:year|month))\b"
)


@dataclass(frozen=True)
class DateMention:
    """A date in a text: its span ``[start, end)``, its words, its value (None for a
    relative date that could not be resolved) and whether it was relative."""

    start: int
    end: int
    text: str
    value: PartialDate | None
    relative: bool = False

    @property
    def precision(self) -> Precision | None:
        """year, month or day; None when unresolved."""
        return None if self.value is None else self.value.precision


def _month(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")]


def _value(kind: str, g: tuple[str, ...]) -> str:
    if kind == "iso":
        return f"{g[0]}-{g[1]}-{g[2]}"
    if kind == "dmy":
        return f"{g[2]}-{_month(g[1]):02d}-{int(g[0]):02d}"
    if kind == "mdy":
        return f"{g[2]}-{_month(g[0]):02d}-{int(g[1]):02d}"
    if kind == "my":
        return f"{g[1]}-{_month(g[0]):02d}"
    return g[0]


def find_dates(text: str, anchor: PartialDate | None = None) -> list[DateMention]:
    """The dates in ``text``, in order, the most precise reading of each span kept.

    ``anchor``: the article's date, against which "yesterday", "last year" and the like
    are resolved (to the precision the anchor allows); without it they have no value.
    """
    taken: list[DateMention] = []

    def free(a: int, b: int) -> bool:
        return all(b <= d.start or a >= d.end for d in taken)

    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            a, b = m.span()
            if not free(a, b):
                continue
            try:
                value = parse_partial_date(_value(kind, m.groups()))
            except ValueError:  # 31 February, month 13
                continue
            taken.append(DateMention(a, b, m.group(0), value))
    for m in _RELATIVE.finditer(text):
        a, b = m.span()
        if free(a, b):
            earlier = [d for d in taken if d.end <= a and d.precision == "day"]
            base = max(earlier, key=lambda d: d.end).value if earlier else None
            value = resolve_relative(m.group(1), anchor=anchor, previous=base)
            taken.append(DateMention(a, b, m.group(0), value, relative=True))
    return sorted(taken, key=lambda d: d.start)


def resolve_relative(
    words: str, *, anchor: PartialDate | None, previous: PartialDate | None = None
) -> PartialDate | None:
    """The date a relative expression names, or None when nothing anchors it.

    "the following day" / "the day before" count from ``previous`` (a day named earlier in
    the sentence); the others from ``anchor`` and need its precision: a day for
    "yesterday", a month for "last month", a year for "last year".

    >>> a = parse_partial_date("2023-01-01")
    >>> str(resolve_relative("yesterday", anchor=a)), str(resolve_relative("last year", anchor=a))
    ('2022-12-31', '2022')
    >>> resolve_relative("last year", anchor=None) is None
    True
    """
    w = " ".join(words.lower().split())
    if w in ("the following day", "the next day", "the day after", "the day before"):
        if previous is None or previous.precision != "day":
            return None
        step = -1 if w == "the day before" else 1
        return _day(previous.earliest + dt.timedelta(days=step))
    if anchor is None:
        return None
    if w in ("yesterday", "today"):
        if anchor.precision != "day":
            return None
        return _day(anchor.earliest - dt.timedelta(days=1 if w == "yesterday" else 0))
    which, unit = w.split()
    step = {"last": -1, "this": 0, "next": 1}[which]
    if unit == "year":
        return parse_partial_date(f"{anchor.earliest.year + step:04d}")
    if anchor.precision == "year":
        return None
    months = anchor.earliest.year * 12 + anchor.earliest.month - 1 + step
    return parse_partial_date(f"{months // 12:04d}-{months % 12 + 1:02d}")


def _day(d: dt.date) -> PartialDate:
    return parse_partial_date(d.isoformat())
