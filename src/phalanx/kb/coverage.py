"""Warnings about what the data do not cover, for a query on a date or an organisation.

A query outside the data's reach does not fail: it answers from what the package holds.
But an empty member list on 1980-01-01 means "before the organisation existed", and a
strain index for 2030 rests on nothing recorded after the study period; a reader must be
told. :func:`coverage_warnings` says so in plain sentences, each naming the coverage.
"""

from __future__ import annotations

import datetime as dt

from phalanx.kb.dates import parse_partial_date
from phalanx.kb.store import KnowledgeBase, query_day

__all__ = ["coverage_warnings"]

_COVERAGE_TEXT = {
    "partial": "the package lists only some of its members",
    "empty": "the package lists none of its members",
}


def coverage_warnings(
    kb: KnowledgeBase, *, at: str | dt.date | None = None, organization: str | None = None
) -> list[str]:
    """Sentences warning that a query reaches past what the package covers.

    - ``at`` before the first or after the last year of the package's study period
      (``kb.defaults.period``);
    - ``at`` before the ``organization`` was founded, or on or after its dissolution;
    - an ``organization`` whose ``coverage`` column is not ``complete``.

    An unknown organisation raises :class:`~phalanx.kb.store.UnknownIdError`. Returns
    an empty list when there is nothing to warn about. Cost: a few row lookups.

    >>> from phalanx.kb import KnowledgeBase
    >>> coverage_warnings(KnowledgeBase.embedded(), at="2030", organization="CSTO")
    ['2030-01-01 is after the period the data cover (1992 to 2026); nothing later is recorded']
    """
    out: list[str] = []
    day = None if at is None else query_day(at, "at")
    period = kb.defaults.period
    if day is not None and period is not None:
        first, last = parse_partial_date(period[0]), parse_partial_date(period[1])
        span = f"{period[0]} to {period[1]}"
        if day < first.earliest:
            out.append(
                f"{day.isoformat()} is before the period the data cover ({span}); "
                "nothing earlier is recorded"
            )
        elif day > last.latest:
            out.append(
                f"{day.isoformat()} is after the period the data cover ({span}); "
                "nothing later is recorded"
            )
    if organization is not None:
        org = kb.organization(organization)
        name = org["id"]
        if day is not None and org.get("founded"):
            founded = parse_partial_date(str(org["founded"]))
            if day < founded.earliest:
                out.append(
                    f"{name} was founded on {org['founded']}: on {day.isoformat()} "
                    "it did not exist yet"
                )
        if day is not None and org.get("dissolved"):
            dissolved = parse_partial_date(str(org["dissolved"]))
            if day >= dissolved.earliest:
                out.append(
                    f"{name} was dissolved on {org['dissolved']}: on {day.isoformat()} "
                    "it no longer existed"
                )
        coverage = org.get("coverage")
        if coverage in _COVERAGE_TEXT:
            out.append(f"{name}: {_COVERAGE_TEXT[coverage]} (coverage: {coverage})")
    return out
