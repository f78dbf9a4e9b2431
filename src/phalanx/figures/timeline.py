"""The membership timeline of an organisation as a Plotly figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from phalanx.figures.colours import STATUS_COLOURS
from phalanx.kb.dates import parse_partial_date

__all__ = ["membership_timeline", "STATUS_COLOURS"]

_MS_PER_DAY = 86_400_000


def membership_timeline(
    spells: list[dict[str, Any]],
    names: dict[str, str],
    until: dt.date,
    events: list[dict[str, Any]] | None = None,
    title: str = "",
) -> go.Figure:
    """A horizontal bar per membership spell, coloured by status, with events marked.

    ``spells`` are membership records (as from ``KnowledgeBase.spells``) with ``actor``,
    ``status``, ``start`` and ``end`` (partial dates, as text or PartialDate; ``end``
    None while the spell lasts, drawn to ``until``); ``events`` records with ``date``,
    ``kind`` and ``summary`` are drawn as markers on a row of their own. Partial dates
    are drawn from the earliest day they may denote. Rows are ordered by first start,
    then actor id, so the figure is the same on every run.
    """
    fig = go.Figure()
    first: dict[str, dt.date] = {}
    for s in spells:
        day = _earliest(s["start"])
        first[s["actor"]] = min(first.get(s["actor"], day), day)
    order = sorted(first, key=lambda a: (first[a], a))
    shown: set[str] = set()
    for s in spells:
        start = _earliest(s["start"])
        end = until if s.get("end") is None else _earliest(s["end"])
        days = max((end - start).days, 0)
        status = s["status"]
        fig.add_trace(
            go.Bar(
                y=[names.get(s["actor"], s["actor"])],
                x=[days * _MS_PER_DAY],
                base=[start.isoformat()],
                orientation="h",
                marker_color=STATUS_COLOURS.get(status, "#999999"),
                name=status,
                legendgroup=status,
                showlegend=status not in shown,
                hovertemplate=(
                    f"{names.get(s['actor'], s['actor'])}: {status}<br>{s['start']} to "
                    f"{s['end'] or 'ongoing'}<extra></extra>"
                ),
            )
        )
        shown.add(status)
    if events:
        fig.add_trace(
            go.Scatter(
                x=[_earliest(e["date"]).isoformat() for e in events],
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


def _earliest(value: Any) -> dt.date:
    """The earliest day a partial date (text or PartialDate) may denote."""
    return parse_partial_date(str(value)).earliest
