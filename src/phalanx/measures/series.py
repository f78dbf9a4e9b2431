"""Strain over time: the index and its components on a sequence of dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from phalanx.kb.dates import parse_query_date
from phalanx.kb.store import KnowledgeBase
from phalanx.measures.strain import StrainSettings, strain

__all__ = ["yearly_dates", "strain_series", "series_figure"]


def yearly_dates(first_year: int, last_year: int, month: int = 7, day: int = 1) -> list[dt.date]:
    """One date a year (``month``/``day``, default 1 July) from ``first_year`` to ``last_year``.

    >>> yearly_dates(1992, 1994)
    [datetime.date(1992, 7, 1), datetime.date(1993, 7, 1), datetime.date(1994, 7, 1)]
    """
    if last_year < first_year:
        raise ValueError(f"the last year ({last_year}) is before the first ({first_year})")
    return [dt.date(y, month, day) for y in range(first_year, last_year + 1)]


def strain_series(
    kb: KnowledgeBase,
    organization: str,
    dates: Iterable[dt.date | str],
    settings: StrainSettings | None = None,
) -> list[dict[str, Any]]:
    """:func:`~phalanx.measures.strain.strain` of ``organization`` on each date, in order.

    Each snapshot counts the relations of the ``settings.window_days`` days up to its date.
    """
    settings = settings or StrainSettings()
    org = kb.resolve_organization(organization)
    return [
        strain(kb.snapshot(parse_query_date(d), settings.window_days), org, settings) for d in dates
    ]


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
