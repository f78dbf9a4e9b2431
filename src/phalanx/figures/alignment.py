"""Predicted coalitions before and after each what-if, as a grid of coloured squares.

:func:`whatif_grid` draws the plain data of :func:`phalanx.models.whatifs.alignment_view`:
one row per actor, one column for the baseline global minimum and one per what-if, each
cell coloured by the actor's coalition (numbered as the baseline's, so a colour means the
same coalition in every column) and ringed where the actor changed side. It uses scatter
traces only (square markers), so the embedded plotly.js *basic* bundle, which has no
heat-map trace, draws it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from phalanx.figures.colours import SCENARIO_COLOURS

__all__ = ["whatif_grid", "side_colour", "coalition_letter", "MOST_COLUMNS"]

MOST_COLUMNS = 24
"""Most what-if columns drawn by default (the highest ranked: the user's, then those that
move the most actors)."""

NEW_COALITION = "#BBBBBB"
"""Colour of a coalition that the baseline does not have (a what-if split one off)."""


def side_colour(side: int, baseline_coalitions: int) -> str:
    """The colour of coalition ``side``: the baseline's in the palette, any new one grey.

    >>> side_colour(0, 2), side_colour(2, 2)
    ('#332288', '#BBBBBB')
    """
    if side >= baseline_coalitions:
        return NEW_COALITION
    return SCENARIO_COLOURS[side % len(SCENARIO_COLOURS)]


def whatif_grid(
    view: Mapping[str, Any], most: int = MOST_COLUMNS, title: str = "", *, moving_only: bool = True
) -> go.Figure:
    """Actors (rows) by baseline and what-ifs (columns), coloured by coalition.

    Columns are ``baseline`` and the first ``most`` what-ifs of ``view["whatifs"]`` (their
    rank as tick label; the full label is in the hover and in the report's table); with
    ``moving_only`` (the default) only the user's what-if and those that move at least one
    actor are candidates, since a column that moves nobody repeats the baseline. Rows are
    the actors grouped by baseline coalition, then in the view's order. One trace per
    coalition (its legend names the baseline members), plus one trace ``changed side``
    ringing every cell whose actor moved.
    """
    actors = list(view["actors"])
    names = view.get("names", {})
    base = list(view["baseline"]["sides"])
    n_base = len(view["baseline"]["coalitions"])
    candidates = [w for w in view["whatifs"] if w["n_moved"] or w["user"] or not moving_only]
    shown = candidates[: max(most, 0)]
    order = sorted(range(len(actors)), key=lambda i: (base[i], i))
    rows = [names.get(actors[i], actors[i]) for i in order]
    columns = ["baseline"] + [f"#{w['rank']}" for w in shown]
    labels = ["baseline: the global minimum on the data"] + [w["label"] for w in shown]
    sides = [base] + [list(w["sides"]) for w in shown]
    cells: dict[int, dict[str, list[Any]]] = {}
    moved: dict[str, list[Any]] = {"x": [], "y": [], "text": []}
    for c, (col, label, side) in enumerate(zip(columns, labels, sides, strict=True)):
        for i in order:
            s = side[i]
            name = names.get(actors[i], actors[i])
            cell = cells.setdefault(s, {"x": [], "y": [], "text": []})
            changed = c > 0 and s != base[i]
            cell["x"].append(col)
            cell["y"].append(name)
            cell["text"].append(
                f"{name} ({actors[i]})<br>{label}<br>coalition {coalition_letter(s)}"
                + (" (changed side)" if changed else "")
            )
            if changed:
                moved["x"].append(col)
                moved["y"].append(name)
                moved["text"].append(cell["text"][-1])
    fig = go.Figure()
    members = view["baseline"]["coalitions"]
    for s in sorted(cells):
        who = ", ".join(members[s]) if s < n_base else "not in the baseline"
        fig.add_trace(
            go.Scatter(
                x=cells[s]["x"],
                y=cells[s]["y"],
                mode="markers",
                marker={"symbol": "square", "size": 16, "color": side_colour(s, n_base)},
                name=f"coalition {coalition_letter(s)}"
                + (f" ({_short(who)})" if s < n_base else ""),
                text=cells[s]["text"],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=moved["x"],
            y=moved["y"],
            mode="markers",
            marker={
                "symbol": "square-open",
                "size": 22,
                "color": "#000000",
                "line": {"width": 2},
            },
            name="changed side",
            text=moved["text"],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": columns,
            "side": "top",
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(reversed(rows)),
        },
        height=160 + 26 * len(rows),
        margin={"l": 140, "r": 20, "t": 100, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.05},
    )
    return fig


def coalition_letter(side: int) -> str:
    """Coalition 0, 1, ... as A, B, ... (then A1, B1, ... beyond Z).

    >>> coalition_letter(0), coalition_letter(1), coalition_letter(27)
    ('A', 'B', 'B1')
    """
    q, r = divmod(side, 26)
    return chr(ord("A") + r) + (str(q) if q else "")


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."
