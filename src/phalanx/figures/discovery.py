"""Figures of a discovery and a sensitivity experiment, from their plain results.

:func:`tradeoff_figure` draws PRIM's peeling trajectory (density against coverage, the
chosen box ringed) from :func:`phalanx.experiments.discovery.run_discovery`'s result, and
:func:`sobol_figure` the first-order and total Sobol indices with their bootstrap intervals
from :func:`phalanx.experiments.sensitivity.run_sensitivity`'s; both read nothing else, so
the report and the dashboard draw them from a result or a saved JSON file alike. Every
title names its experiment (:func:`experiment_label`). Plotly is imported inside the
builders. Cost: O(boxes + factors).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phalanx.figures.colours import SCENARIO_COLOURS, STATUS_COLOURS

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = ["experiment_label", "tradeoff_figure", "sobol_figure"]

Result = Mapping[str, Any]
_esc = html.escape


def experiment_label(result: Result) -> str:
    """One line naming an experiment: scenario, outcome, design, seed and data version.

    >>> experiment_label({"outcome": "exits by 2031", "metadata": {"scenario": {"name": "x"},
    ...     "points": 10, "runs_per_point": 2, "seed": 1, "data_version": "v"}})
    "x, 'exits by 2031', 10 points x 2 runs, seed 1, data v"
    """
    m = result["metadata"]
    return (
        f"{m['scenario']['name']}, {result['outcome']!r}, {m['points']} points x "
        f"{m['runs_per_point']} runs, seed {m['seed']}, data {m['data_version']}"
    )


def _title(what: str, result: Result) -> dict[str, Any]:
    return {
        "text": f"{_esc(what)}<br><sup>{_esc(experiment_label(result))}</sup>",
        "x": 0.01,
        "xanchor": "left",
    }


def tradeoff_figure(result: Result) -> go.Figure:
    """PRIM's peeling trajectory: density against coverage, one marker per box, coloured
    by the number of restricted factors; the chosen box is ringed."""
    import plotly.graph_objects as go

    prim = result["prim"]
    traj = prim["trajectory"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[t["coverage"] for t in traj],
            y=[t["density"] for t in traj],
            mode="lines+markers",
            line={"color": "#BBBBBB", "width": 1},
            marker={
                "size": 8,
                "color": [len(t["restricted"]) for t in traj],
                "colorscale": "Viridis",
                "colorbar": {"title": "restricted<br>factors"},
            },
            customdata=[[t["box"], t["mass"], ", ".join(t["restricted"])] for t in traj],
            hovertemplate="box %{customdata[0]}: coverage %{x:.2f}, density %{y:.2f}, "
            "mass %{customdata[1]:.2f}<br>%{customdata[2]}<extra></extra>",
            name="boxes",
            showlegend=False,
        )
    )
    chosen = traj[prim["chosen"]]
    fig.add_trace(
        go.Scatter(
            x=[chosen["coverage"]],
            y=[chosen["density"]],
            mode="markers",
            marker={"size": 18, "symbol": "circle-open", "color": "#000000", "line": {"width": 2}},
            name=f"chosen box {chosen['box']}",
            hoverinfo="skip",
        )
    )
    target = prim["settings"]["density"]
    fig.add_hline(y=target, line={"dash": "dot", "color": STATUS_COLOURS["frozen"]})
    fig.update_layout(
        title=_title("PRIM: density against coverage along the peeling trajectory", result),
        xaxis={"title": "coverage (share of the cases of interest in the box)", "range": [0, 1.02]},
        yaxis={"title": "density (share of the box's cases of interest)", "range": [0, 1.02]},
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def sobol_figure(result: Result) -> go.Figure:
    """First-order and total Sobol indices per factor, with their intervals as error bars
    (factors by total index, largest first)."""
    import plotly.graph_objects as go

    rows = sorted(result["indices"], key=lambda r: -(r["ST"] or 0.0))
    names = [r["factor"] for r in rows]
    fig = go.Figure()
    for key, label, colour in (
        ("S1", "first order", SCENARIO_COLOURS[0]),
        ("ST", "total", SCENARIO_COLOURS[1]),
    ):
        fig.add_trace(
            go.Bar(
                x=names,
                y=[r[key] for r in rows],
                error_y={"type": "data", "array": [r[f"{key}_conf"] for r in rows]},
                name=label,
                marker={"color": colour},
                hovertemplate=f"%{{x}}: {label} %{{y:.3f}}<extra></extra>",
            )
        )
    conf = result["metadata"]["settings"]["conf_level"]
    fig.update_layout(
        title=_title(f"Sobol indices with their {conf:.0%} bootstrap intervals", result),
        barmode="group",
        yaxis={"title": "share of the variance"},
        template="plotly_white",
        height=420,
        legend={"orientation": "h", "y": -0.35},
    )
    return fig
