"""The signed network on a date as a Plotly figure, from :func:`phalanx.network.view.network_view`.

Only ``scatter`` traces, which the embedded basic bundle draws: ties are lines (positive
solid, negative dashed), the ties the two camps frustrate are drawn again, thicker and in
their own colour with a legend entry, actors are markers coloured by camp with their ids
as labels. Lines carry no hover in Plotly, so each tie has an invisible marker at its
middle whose hover names its kinds, relation rows and sources.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = ["network_figure", "CAMP_COLOURS", "FRUSTRATED_COLOUR", "TIE_COLOUR"]

CAMP_COLOURS: tuple[str, str, str] = ("#0072B2", "#009E73", "#999999")
"""Camp 0 (blue), camp 1 (bluish green), no tie (grey): Okabe-Ito, colour-blind safe."""

FRUSTRATED_COLOUR = "#D55E00"
"""Frustrated ties: Okabe-Ito vermilion, apart from both camps' colours."""

TIE_COLOUR = "rgba(90,90,90,0.45)"
"""Ties the camps agree with (balanced)."""

_CAMP_NAMES = ("camp 1", "camp 2", "no tie")


def _segments(
    edges: Sequence[Mapping[str, Any]], pos: Mapping[str, tuple[float, float]]
) -> tuple[list[float | None], list[float | None]]:
    """Line coordinates of ``edges``, one segment each, separated by None."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _tie_text(e: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The hover of a tie; data text is escaped (Plotly reads a few HTML tags)."""
    esc = html.escape
    sign = "+" if e["sign"] > 0 else "\u2212"
    rel = ", ".join(e["relations"]) or "none (shared membership only)"
    src = ", ".join(e["sources"]) or "none"
    state = "<b>frustrated</b> by the camps" if e["frustrated"] else "balanced"
    a, b = names.get(e["source"], e["source"]), names.get(e["target"], e["target"])
    return (
        f"{esc(a)} \u2013 {esc(b)} ({sign}, weight {e['weight']:.3g}, {state})"
        f"<br>kinds: {esc(e['kinds'])}<br>relation rows: {esc(rel)}<br>sources: {esc(src)}"
    )


def network_figure(view: Mapping[str, Any], title: str = "") -> go.Figure:
    """The network of ``view`` (a :func:`~phalanx.network.view.network_view` result).

    Traces, in order: balanced positive ties (solid grey), balanced negative ties (dashed
    grey), frustrated positive and negative ties (vermilion, thicker; one legend entry
    "frustrated tie"), the ties' hover points, and one marker trace per camp (and one for
    actors without a tie). Each tie is drawn exactly once. The hover of the frustrated
    ties' points lists them first. Axes are hidden; the layout's x/y are in [-1, 1].
    """
    nodes = list(view["nodes"])
    edges = list(view["edges"])
    pos = {n["id"]: (float(n["x"]), float(n["y"])) for n in nodes}
    names = {n["id"]: n["name"] for n in nodes}
    fig = go.Figure()
    groups = [
        ("positive tie", [e for e in edges if not e["frustrated"] and e["sign"] > 0], "solid"),
        ("negative tie", [e for e in edges if not e["frustrated"] and e["sign"] < 0], "dash"),
    ]
    for name, group, dash in groups:
        xs, ys = _segments(group, pos)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                line={"color": TIE_COLOUR, "width": 1.2, "dash": dash},
                hoverinfo="skip",
                legendgroup=name,
            )
        )
    frustrated = [e for e in edges if e["frustrated"]]
    for i, (sign, dash) in enumerate(((1, "solid"), (-1, "dash"))):
        xs, ys = _segments([e for e in frustrated if e["sign"] == sign], pos)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="frustrated tie",
                line={"color": FRUSTRATED_COLOUR, "width": 3.5, "dash": dash},
                hoverinfo="skip",
                legendgroup="frustrated",
                showlegend=i == 0,
                meta={"frustrated": True},
            )
        )
    ordered = frustrated + [e for e in edges if not e["frustrated"]]
    fig.add_trace(
        go.Scatter(
            x=[(pos[e["source"]][0] + pos[e["target"]][0]) / 2 for e in ordered],
            y=[(pos[e["source"]][1] + pos[e["target"]][1]) / 2 for e in ordered],
            mode="markers",
            marker={"size": 9, "opacity": 0},
            text=[_tie_text(e, names) for e in ordered],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name="ties",
        )
    )
    for camp, label in enumerate(_CAMP_NAMES):
        wanted = None if camp == 2 else camp
        members = [n for n in nodes if n.get("camp") == wanted]
        if not members:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pos[n["id"]][0] for n in members],
                y=[pos[n["id"]][1] for n in members],
                mode="markers+text",
                name=label,
                text=[html.escape(n["id"]) for n in members],
                textposition="top center",
                marker={
                    "size": 13,
                    "color": CAMP_COLOURS[camp],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                customdata=[
                    [html.escape(n["name"]), html.escape(n.get("status") or "not in it")]
                    for n in members
                ],
                hovertemplate=(
                    f"%{{customdata[0]}} (%{{text}})<br>{label}"
                    + ("<br>status: %{customdata[1]}" if view.get("organization") else "")
                    + "<extra></extra>"
                ),
            )
        )
    hidden = {"visible": False, "range": [-1.25, 1.25]}
    fig.update_layout(
        title=title,
        xaxis=hidden,
        yaxis={**hidden, "range": [-1.2, 1.25]},
        template="plotly_white",
        height=460,
        margin={"t": 50 if title else 20, "l": 10, "r": 10, "b": 10},
        legend={"orientation": "h", "y": -0.02},
        hovermode="closest",
    )
    return fig
