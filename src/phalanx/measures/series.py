"""Strain over time: the index and its components on a sequence of dates.

Plain data only: the chart is :func:`phalanx.figures.strain.strain_figure` (the figures
layer sits above this one). :func:`missing_components` and :func:`missing_stretches` say
where a component had no data, so that every shell can mark it rather than let the index
change silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from phalanx.errors import ParameterError
from phalanx.kb.dates import parse_query_date
from phalanx.kb.store import KnowledgeBase
from phalanx.measures.strain import StrainSettings, strain_at

__all__ = [
    "yearly_dates",
    "study_years",
    "strain_series",
    "missing_components",
    "missing_stretches",
    "used_components",
]


def yearly_dates(first_year: int, last_year: int, month: int = 7, day: int = 1) -> list[dt.date]:
    """One date a year (``month``/``day``, default 1 July) from ``first_year`` to ``last_year``.

    >>> yearly_dates(1992, 1994)
    [datetime.date(1992, 7, 1), datetime.date(1993, 7, 1), datetime.date(1994, 7, 1)]
    """
    if last_year < first_year:
        raise ParameterError(f"the last year ({last_year}) is before the first ({first_year})")
    return [dt.date(y, month, day) for y in range(first_year, last_year + 1)]


def study_years(kb: KnowledgeBase, today: dt.date | None = None) -> tuple[int, int]:
    """First and last year of the package's study period (``kb.defaults.period``).

    A package without a period (no membership spells) gives ``today``'s year for both; an
    open-ended last year never runs past ``today`` (default: the current date).
    """
    today = today or dt.date.today()
    period = kb.defaults.period
    if period is None:
        return today.year, today.year
    first = parse_query_date(str(period[0])).year
    last = min(parse_query_date(str(period[1]), end=True).year, today.year)
    return first, max(first, last)


def strain_series(
    kb: KnowledgeBase,
    organization: str,
    dates: Iterable[dt.date | str],
    settings: StrainSettings | None = None,
) -> list[dict[str, Any]]:
    """:func:`~phalanx.measures.strain.strain_at` of ``organization`` on each date, in order.

    Each snapshot counts the relations of the ``settings.window_days`` days up to its date;
    every date sees the organisation's whole membership history and the package defaults.
    """
    settings = settings or StrainSettings()
    org = kb.resolve_organization(organization)
    return [strain_at(kb, org, parse_query_date(d), settings) for d in dates]


def missing_components(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every (date, component) of ``series`` whose value is None (no data), in series order.

    Returns ``[{"date", "component", "reason"}]``; ``reason`` is the component's own
    explanation on that date (e.g. "no recorded votes of two or more members in the window").

    >>> s = [{"date": "2000-07-01", "components": [
    ...     {"component": "a", "value": 0.5, "explanation": ""},
    ...     {"component": "b", "value": None, "explanation": "no votes"}]}]
    >>> missing_components(s)
    [{'date': '2000-07-01', 'component': 'b', 'reason': 'no votes'}]
    """
    return [
        {"date": s["date"], "component": c["component"], "reason": c.get("explanation", "")}
        for s in series
        for c in s["components"]
        if c["value"] is None
    ]


def missing_stretches(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs of consecutive dates of ``series`` on which a component had no data.

    Returns ``[{"component", "first", "last", "dates" (how many), "reason" (on the first
    date)}]``, by component (in the series' order) then first date.

    >>> def p(d, v): return {"date": d, "components": [
    ...     {"component": "b", "value": v, "explanation": "none" if v is None else ""}]}
    >>> missing_stretches([p("2000", None), p("2001", None), p("2002", 0.1), p("2003", None)])
    [{'component': 'b', 'first': '2000', 'last': '2001', 'dates': 2, 'reason': 'none'}, {'component': 'b', 'first': '2003', 'last': '2003', 'dates': 1, 'reason': 'none'}]
    """
    names = list(dict.fromkeys(c["component"] for s in series for c in s["components"]))
    out: list[dict[str, Any]] = []
    for name in names:
        run: dict[str, Any] | None = None
        for s in series:
            c = next((c for c in s["components"] if c["component"] == name), None)
            if c is not None and c["value"] is None:
                if run is None:
                    run = {
                        "component": name,
                        "first": s["date"],
                        "last": s["date"],
                        "dates": 0,
                        "reason": c.get("explanation", ""),
                    }
                    out.append(run)
                run["last"] = s["date"]
                run["dates"] += 1
            else:
                run = None
    return out


def used_components(point: dict[str, Any]) -> list[str]:
    """The components the index of one series point was computed over: those with a value
    and a weight above 0 (the index is their weighted mean)."""
    return [
        c["component"]
        for c in point["components"]
        if c["value"] is not None and float(c.get("weight", 0.0)) > 0
    ]
