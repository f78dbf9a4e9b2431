"""The membership timeline of an organisation as a Plotly figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

__all__ = ["membership_timeline", "STATUS_COLOURS"]

STATUS_COLOURS = {
    "member": "#2c7fb8",
    "observer": "#a1dab4",
    "partner": "#41b6c4",
    "suspended": "#d95f0e",
    "frozen": "#fec44f",
}
_MS_PER_DAY = 86_400_000


def membership_timeline(
    spells: list[dict[str, Any]],
    names: dict[str, str],
    until: dt.date,
    events: list[dict[str, Any]] | None = None,
    title: str = "",
) -> go.Figure:
    """A horizontal bar per membership spell, coloured by status, with events marked.

    ``spells`` are membership rows with ``actor``, ``status``, ``start_lo`` and
    ``end_lo`` (dates; ``end_lo`` None while the spell lasts, drawn to ``until``);
    ``events`` rows with ``date_lo``, ``kind`` and ``summary`` are drawn as markers on
    a row of their own. Bars of spells whose start is known only to the month or year
    are drawn from the earliest day it may denote.
    """
    fig = go.Figure()
    order = sorted(
        {s["actor"] for s in spells},
        key=lambda a: min(x["start_lo"] for x in spells if x["actor"] == a),
    )
    shown: set[str] = set()
    for s in spells:
        end = s["end_lo"] or until
        days = (end - s["start_lo"]).days
        status = s["status"]
        fig.add_trace(
            go.Bar(
                y=[names.get(s["actor"], s["actor"])],
                x=[days * _MS_PER_DAY],
                base=[s["start_lo"].isoformat()],
                orientation="h",
                marker_color=STATUS_COLOURS.get(status, "#999999"),
                name=status,
                legendgroup=status,
                showlegend=status not in shown,
                hovertemplate=(
                    f"{names.get(s['actor'], s['actor'])}: {status}<br>{s['start']} to "
                    f"{s['end'] or 'now'}<extra></extra>"
                ),
            )
        )
        shown.add(status)
    if events:
        fig.add_trace(
            go.Scatter(
                x=[e["date_lo"].isoformat() for e in events],
                y=["events"] * len(events),
                mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": "#636363"},
                name="events",
                text=[f"{e['date']} {e['kind']}: {e['summary']}" for e in events],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        barmode="overlay",
        xaxis={"type": "date", "title": "date"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": (["events"] if events else [])
            + [names.get(a, a) for a in reversed(order)],
        },
        height=140 + 32 * (len(order) + (1 if events else 0)),
        margin={"l": 120, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
    )
    return fig
