"""Predicted against observed levels of each issue, each on its own scale.

:func:`decisions_figure` draws the plain data of
:func:`phalanx.models.answers.decision_answers`: one panel per issue with the issue's scale
(its labelled anchor points), the level the model predicts (a diamond) and, where the issue
file records one, the level that happened (a circle), joined by a line that shows the gap.
Issues have different scales, so each panel has its own axis. Scatter traces only (the
embedded plotly.js *basic* bundle draws them).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from phalanx.figures.colours import SCENARIO_COLOURS

__all__ = ["decisions_figure", "PREDICTED_COLOUR", "OBSERVED_COLOUR"]

PREDICTED_COLOUR = SCENARIO_COLOURS[0]
OBSERVED_COLOUR = SCENARIO_COLOURS[3]
_SCALE_COLOUR = "#888888"
_PREDICTED_Y, _OBSERVED_Y = 0.9, 0.45
"""Heights of the predicted and observed markers above the scale line (at 0), so that a
prediction equal to what happened still shows both."""


def _wrap(label: str, width: int = 18) -> str:
    """A long anchor label over several lines (Plotly breaks lines at ``<br>``)."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def decisions_figure(answers: Sequence[Mapping[str, Any]], title: str = "") -> go.Figure:
    """One panel per answer: the scale with its anchors, predicted and observed levels.

    Traces per panel: ``scale`` (a line from ``scale.min`` to ``scale.max`` with a labelled
    marker at each anchor), ``predicted`` (a diamond at the predicted level), and, when
    ``observed`` is not None, ``observed`` (a circle) and ``gap`` (the line between them).
    A panel without an observed level says so in its title. An empty ``answers`` gives a
    figure with one note.
    """
    if not answers:
        fig = go.Figure()
        fig.add_annotation(
            text="no issue files about this organisation", showarrow=False, x=0.5, y=0.5
        )
        fig.update_layout(
            title=title,
            height=160,
            xaxis={"visible": False},
            yaxis={"visible": False},
            template="plotly_white",
        )
        return fig
    titles = [
        f"{a['title']} ({a['date']})"
        + ("" if a["observed"] is not None else ": no outcome recorded")
        for a in answers
    ]
    fig = make_subplots(
        rows=len(answers), cols=1, subplot_titles=titles, vertical_spacing=0.5 / len(answers)
    )
    legend_done: set[str] = set()

    def legend(name: str) -> bool:
        first = name not in legend_done
        legend_done.add(name)
        return first

    for r, a in enumerate(answers, start=1):
        lo, hi = float(a["scale"]["min"]), float(a["scale"]["max"])
        anchors = a["scale"]["anchors"]
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[0, 0],
                mode="lines",
                line={"color": _SCALE_COLOUR, "width": 2},
                hoverinfo="skip",
                name="scale",
                legendgroup="scale",
                showlegend=False,
            ),
            row=r,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=[x["value"] for x in anchors],
                y=[0] * len(anchors),
                mode="markers+text",
                marker={"symbol": "line-ns-open", "size": 14, "color": _SCALE_COLOUR},
                text=[_wrap(x["label"]) for x in anchors],
                textposition="bottom center",
                textfont={"size": 10},
                hovertemplate="%{x:g}: %{text}<extra>anchor</extra>",
                name="anchors",
                legendgroup="anchors",
                showlegend=False,
            ),
            row=r,
            col=1,
        )
        pred = a["predicted"]
        obs = a["observed"]
        if obs is not None:
            fig.add_trace(
                go.Scatter(
                    x=[pred["level"], obs["level"]],
                    y=[_PREDICTED_Y, _OBSERVED_Y],
                    mode="lines",
                    line={"color": "#000000", "width": 1, "dash": "dot"},
                    name="gap",
                    legendgroup="gap",
                    showlegend=legend("gap"),
                    hovertemplate=f"gap {a['error']:+.3g}<extra></extra>",
                ),
                row=r,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=[obs["level"]],
                    y=[_OBSERVED_Y],
                    mode="markers",
                    marker={"symbol": "circle", "size": 13, "color": OBSERVED_COLOUR},
                    name="observed",
                    legendgroup="observed",
                    showlegend=legend("observed"),
                    text=[obs["label"]],
                    hovertemplate="observed %{x:g}: %{text}<extra></extra>",
                ),
                row=r,
                col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=[pred["level"]],
                y=[_PREDICTED_Y],
                mode="markers",
                marker={"symbol": "diamond", "size": 13, "color": PREDICTED_COLOUR},
                name="predicted",
                legendgroup="predicted",
                showlegend=legend("predicted"),
                text=[pred["label"]],
                hovertemplate="predicted %{x:g}: %{text}<extra></extra>",
            ),
            row=r,
            col=1,
        )
        pad = 0.08 * (hi - lo)
        fig.update_xaxes(
            range=[lo - pad, hi + pad],
            showgrid=False,
            zeroline=False,
            tickvals=[x["value"] for x in anchors],
            row=r,
            col=1,
        )
        fig.update_yaxes(range=[-1.4, 1.2], visible=False, row=r, col=1)
    fig.update_layout(
        title=title,
        height=110 + 200 * len(answers),
        margin={"l": 40, "r": 40, "t": 80, "b": 70},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0},
        showlegend=True,
    )
    return fig
