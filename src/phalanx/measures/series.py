"""Strain over time: the index and its components on a sequence of dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from phalanx.errors import ParameterError
from phalanx.kb.dates import parse_query_date
from phalanx.kb.store import KnowledgeBase
from phalanx.measures.strain import StrainSettings, strain_at

__all__ = ["yearly_dates", "study_years", "strain_series", "series_figure"]


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


def series_figure(series: list[dict[str, Any]], title: str = "") -> go.Figure:
    """A line chart of the index (bold) and each component over the dates of ``series``."""
    fig = go.Figure()
    x = [s["date"] for s in series]
    names = [c["component"] for c in series[0]["components"]] if series else []
    for name in names:
        y = [next(c["value"] for c in s["components"] if c["component"] == name) for s in series]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=name.replace("_", " "),
                mode="lines",
                line={"width": 1.2},
                opacity=0.8,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[s["index"] for s in series],
            name="strain index",
            mode="lines+markers",
            line={"width": 3, "color": "#222"},
        )
    )
    fig.update_layout(
        title=title,
        yaxis={"title": "strain (0 none, 1 most)", "range": [0, 1]},
        xaxis={"title": "date", "type": "date"},
        template="plotly_white",
        height=460,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
