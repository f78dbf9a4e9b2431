"""The what-if grid, from a hand-made alignment view (the documented plain-data shape).

Every expected cell is read off the hand-made view: an actor's square sits in its
coalition's trace in every column, and the ``changed side`` trace rings exactly the cells
where a what-if's side differs from the baseline's.
"""

from __future__ import annotations

from phalanx.figures.alignment import NEW_COALITION, side_colour, whatif_grid
from phalanx.figures.colours import SCENARIO_COLOURS

BASIC_TRACES = {"scatter", "bar", "pie"}  # what plotly.js's basic bundle draws


def whatif(rank, label, sides, moved, user=False):
    return {
        "rank": rank,
        "label": label,
        "user": user,
        "sides": sides,
        "moved": moved,
        "n_moved": len(moved),
        "global": [],
        "change": {"kind": "size"},
    }


VIEW = {
    "actors": ["A", "B", "C", "D"],
    "names": {"A": "Alpha", "B": "Beta", "C": "Gamma", "D": "Delta"},
    # baseline: {A, C} and {B, D}
    "baseline": {"coalitions": [["A", "C"], ["B", "D"]], "sides": [0, 1, 0, 1]},
    "whatifs": [
        whatif(1, "yours", [0, 1, 0, 1], [], user=True),
        whatif(2, "two move", [1, 0, 0, 1], ["A", "B"]),
        whatif(3, "a new coalition", [0, 1, 2, 1], ["C"]),
        whatif(4, "nobody", [0, 1, 0, 1], []),
    ],
}


def cells(trace):
    return set(zip(trace.x, trace.y, strict=True))


def test_only_basic_bundle_traces():
    fig = whatif_grid(VIEW)
    assert {t.type for t in fig.data} <= BASIC_TRACES


def test_columns_are_the_baseline_the_users_and_those_that_move():
    fig = whatif_grid(VIEW)
    assert list(fig.layout.xaxis.categoryarray) == ["baseline", "#1", "#2", "#3"]
    # rows grouped by baseline coalition (A, C then B, D), drawn top-down
    assert list(fig.layout.yaxis.categoryarray) == ["Delta", "Beta", "Gamma", "Alpha"]
    every = whatif_grid(VIEW, moving_only=False)
    assert list(every.layout.xaxis.categoryarray)[-1] == "#4"
    assert list(whatif_grid(VIEW, most=1).layout.xaxis.categoryarray) == ["baseline", "#1"]


def test_each_cell_in_its_coalition_and_moved_cells_ringed():
    fig = whatif_grid(VIEW)
    by_name = {t.name.split(" (")[0]: t for t in fig.data}
    a, b, new = by_name["coalition A"], by_name["coalition B"], by_name["coalition C"]
    assert ("#2", "Alpha") in cells(b) and ("#2", "Beta") in cells(a)
    assert cells(new) == {("#3", "Gamma")}
    assert ("baseline", "Alpha") in cells(a) and ("baseline", "Beta") in cells(b)
    # 4 actors x 4 columns, each drawn once
    assert sum(len(t.x) for t in (a, b, new)) == 16
    assert cells(by_name["changed side"]) == {("#2", "Alpha"), ("#2", "Beta"), ("#3", "Gamma")}
    assert a.marker.color == SCENARIO_COLOURS[0] and new.marker.color == NEW_COALITION
    assert "Alpha, Gamma" not in a.name and "A, C" in a.name  # legend names the members


def test_colours():
    assert side_colour(1, 2) == SCENARIO_COLOURS[1]
    assert side_colour(2, 2) == NEW_COALITION
