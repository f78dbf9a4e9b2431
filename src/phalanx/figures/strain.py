"""The strain index over time with its components, each marked where its data are missing.

Drawn from :func:`phalanx.measures.series.strain_series` (plain data). A component with no
value on a date (None: the data to compute it are missing, e.g. no recorded votes) leaves a
gap in its line and gets a cross on its own row below zero, in its colour, whose hover
says "no data" and why; the index's hover says over which components it was computed, so
a change in the index that comes from a component dropping out is visible, not silent.
Only ``scatter`` traces (the embedded basic bundle).
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

__all__ = ["strain_figure", "series_figure", "COMPONENT_COLOURS", "MISSING_ROW"]

COMPONENT_COLOURS: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)
"""Component colours in series order (Okabe-Ito without black, which the index takes)."""

MISSING_ROW = 0.05
"""Spacing of the rows of no-data crosses below 0 (in index units: row i at -(i+1) x this)."""


def _label(name: str) -> str:
    return name.replace("_", " ")


def _component(point: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((c for c in point["components"] if c["component"] == name), None)


def strain_figure(series: list[dict[str, Any]], title: str = "") -> go.Figure:
    """Line chart of the strain index (bold, black) and each component over ``series``.

    ``series`` is a list of :func:`~phalanx.measures.strain.strain` results (``date``,
    ``index``, ``components`` with ``component``, ``value``, ``weight``, ``explanation``).
    Traces, in order: per component its line (gaps where the value is None) and, if it is
    missing anywhere, a trace of crosses (one per missing date, ``meta={"missing": name}``)
    on its own row below 0; then the index, with crosses on the row of its own where no
    component has data. Values are in [0, 1] (0 no strain).
    """
    fig = go.Figure()
    x = [s["date"] for s in series]
    names = list(dict.fromkeys(c["component"] for s in series for c in s["components"]))
    rows = len(names) + 1
    for i, name in enumerate(names):
        colour = COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]
        comps = [_component(s, name) for s in series]
        y = [None if c is None else c["value"] for c in comps]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=_label(name),
                mode="lines+markers",
                marker={"size": 4},
                line={"width": 1.4, "color": colour},
                opacity=0.85,
                legendgroup=name,
                connectgaps=False,
                hovertemplate=f"{_label(name)}: %{{y:.3f}} on %{{x}}<extra></extra>",
            )
        )
        gone = [(s["date"], c) for s, c in zip(series, comps, strict=True) if _missing(c)]
        if gone:
            fig.add_trace(
                go.Scatter(
                    x=[d for d, _ in gone],
                    y=[-(i + 1) * MISSING_ROW] * len(gone),
                    name=f"{_label(name)}: no data",
                    mode="markers",
                    marker={
                        "symbol": "x-thin-open",
                        "size": 8,
                        "color": colour,
                        "line": {"width": 2, "color": colour},
                    },
                    legendgroup=name,
                    showlegend=False,
                    text=[
                        html.escape((c or {}).get("explanation") or "not computed") for _, c in gone
                    ],
                    hovertemplate=f"{_label(name)}: no data on %{{x}}<br>%{{text}}<extra></extra>",
                    meta={"missing": name},
                )
            )
    hover = []
    for s in series:
        used = [
            c["component"]
            for c in s["components"]
            if c["value"] is not None and float(c.get("weight", 0.0)) > 0
        ]
        lacking = [c["component"] for c in s["components"] if c["value"] is None]
        text = f"over {len(used)} of {len(s['components'])} components: " + (
            ", ".join(_label(u) for u in used) or "none"
        )
        if lacking:
            text += "<br>no data: " + ", ".join(_label(m) for m in lacking)
        hover.append(text)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[s["index"] for s in series],
            name="strain index",
            mode="lines+markers",
            line={"width": 3, "color": "#222222"},
            text=hover,
            hovertemplate="strain index %{y:.3f} on %{x}<br>%{text}<extra></extra>",
        )
    )
    blank = [s["date"] for s in series if s["index"] is None]
    if blank:
        fig.add_trace(
            go.Scatter(
                x=blank,
                y=[-rows * MISSING_ROW] * len(blank),
                name="strain index: no data",
                mode="markers",
                marker={
                    "symbol": "x-thin-open",
                    "size": 8,
                    "line": {"width": 2, "color": "#222222"},
                },
                showlegend=False,
                hovertemplate="strain index: no component has data on %{x}<extra></extra>",
                meta={"missing": "index"},
            )
        )
    low = -(rows + 1.6) * MISSING_ROW
    fig.update_layout(
        title=title,
        yaxis={
            "title": "strain (0 none, 1 most)",
            "range": [low, 1.02],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "zeroline": True,
        },
        xaxis={"title": "date", "type": "date"},
        template="plotly_white",
        height=480,
        legend={"orientation": "h", "y": -0.2},
        annotations=[
            {
                "text": "\u00d7 below 0: no data for that component on that date",
                "xref": "paper",
                "yref": "y",
                "x": 0,
                "y": low,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 10, "color": "#555555"},
            }
        ],
    )
    return fig


def _missing(component: dict[str, Any] | None) -> bool:
    """Whether a component of one date has no value (or is absent on that date)."""
    return component is None or component.get("value") is None


series_figure = strain_figure
"""The older name (it lived in ``phalanx.measures.series``, which may not draw)."""
