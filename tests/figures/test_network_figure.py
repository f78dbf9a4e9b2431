"""The network figure draws a view (plain data) with the basic bundle's scatter traces only:
each tie once, negative ties dashed, frustrated ties highlighted with one legend entry,
actors coloured by camp, hovers naming each tie's kinds and relation rows."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from phalanx.figures.network import CAMP_COLOURS, FRUSTRATED_COLOUR, network_figure

BASIC = {"scatter", "bar", "pie"}  # plotly.js basic: what the embedded bundle draws


def tie(a, b, sign, frustrated, weight=1.0, relations=(), kinds=None):
    return {
        "source": a,
        "target": b,
        "sign": sign,
        "weight": weight,
        "frustrated": frustrated,
        "kinds": kinds or ("alliance+" if sign > 0 else "rivalry-"),
        "relations": list(relations),
        "sources": ["src-x"],
    }


def node(i, camp, x, y):
    return {
        "id": i,
        "name": f"Name {i}",
        "kind": "state",
        "status": "member",
        "camp": camp,
        "x": x,
        "y": y,
    }


# Camps {A, B} and {C, D}; E has no tie. Balanced: A-B (+ within), A-C and A-D (- across).
# Frustrated, by hand: B-C (+ across the camps) and C-D (- within a camp).
VIEW = {
    "date": "2000-01-01",
    "organization": "ORG",
    "data_version": "v",
    "weighting": "default",
    "nodes": [
        node("A", 0, -0.9, 0.5),
        node("B", 0, -0.5, -0.5),
        node("C", 1, 0.5, 0.5),
        node("D", 1, 0.9, -0.5),
        node("E", None, 0.0, 0.0),
    ],
    "edges": [
        tie("A", "B", 1, False, relations=["r-ab"]),
        tie("A", "C", -1, False, relations=["r-ac"]),
        tie("A", "D", -1, False, relations=["r-ad"]),
        tie("B", "C", 1, True, weight=0.5, relations=["r-bc"]),
        tie("C", "D", -1, True, weight=0.25, relations=["r-cd"], kinds="armed_conflict-"),
    ],
    "camps": [["A", "B"], ["C", "D"]],
    "frustration": {
        "index": 0.75,
        "lower": 0.75,
        "upper": 0.75,
        "optimal": True,
        "normalised": 0.75 / 3.75,
        "limit": None,
    },
    "sources": ["src-x"],
}


def segments(trace) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    xs, ys = list(trace.x), list(trace.y)
    out = []
    for i in range(0, len(xs), 3):
        out.append(((xs[i], ys[i]), (xs[i + 1], ys[i + 1])))
        assert xs[i + 2] is None and ys[i + 2] is None
    return out


@pytest.fixture(scope="module")
def fig() -> go.Figure:
    return network_figure(VIEW, title="ORG on 2000-01-01")


def test_only_basic_bundle_traces(fig):
    assert {t.type for t in fig.data} <= BASIC
    assert {t.type for t in fig.data} == {"scatter"}


def test_every_tie_is_drawn_once_and_frustrated_ties_in_the_highlight(fig):
    pos = {n["id"]: (n["x"], n["y"]) for n in VIEW["nodes"]}
    lines = [t for t in fig.data if t.mode == "lines"]
    drawn = [s for t in lines for s in segments(t)]
    want = [(pos[e["source"]], pos[e["target"]]) for e in VIEW["edges"]]
    assert sorted(drawn) == sorted(want)
    high = [t for t in lines if t.legendgroup == "frustrated"]
    assert all(t.line.color == FRUSTRATED_COLOUR for t in high)
    hot = sorted(s for t in high for s in segments(t))
    assert hot == sorted([(pos["B"], pos["C"]), (pos["C"], pos["D"])])
    plain = [t for t in lines if t.legendgroup != "frustrated"]
    assert all(t.line.width < min(h.line.width for h in high) for t in plain)
    # one legend entry for the frustrated ties
    assert sum(1 for t in high if t.showlegend is not False) == 1


def test_negative_ties_are_dashed_and_positive_solid(fig):
    pos = {n["id"]: (n["x"], n["y"]) for n in VIEW["nodes"]}
    sign = {(pos[e["source"]], pos[e["target"]]): e["sign"] for e in VIEW["edges"]}
    for t in fig.data:
        if t.mode != "lines":
            continue
        for s in segments(t):
            assert (t.line.dash == "dash") == (sign[s] < 0)


def test_actors_are_coloured_by_camp_and_labelled(fig):
    nodes = {t.name: t for t in fig.data if t.mode == "markers+text"}
    assert (
        list(nodes["camp 1"].text) == ["A", "B"] and nodes["camp 1"].marker.color == CAMP_COLOURS[0]
    )
    assert (
        list(nodes["camp 2"].text) == ["C", "D"] and nodes["camp 2"].marker.color == CAMP_COLOURS[1]
    )
    assert list(nodes["no tie"].text) == ["E"] and nodes["no tie"].marker.color == CAMP_COLOURS[2]


def test_hover_names_each_ties_kinds_and_relation_rows_frustrated_first(fig):
    (points,) = [t for t in fig.data if t.name == "ties"]
    assert len(points.text) == len(VIEW["edges"])
    assert "frustrated" in points.text[0] and "r-bc" in points.text[0]
    assert "armed_conflict-" in points.text[1] and "r-cd" in points.text[1]
    for e in VIEW["edges"]:
        assert sum(e["relations"][0] in t for t in points.text) == 1


def test_names_from_the_data_are_escaped():
    view = dict(
        VIEW, nodes=[dict(n, name="<b>x</b>") if n["id"] == "A" else n for n in VIEW["nodes"]]
    )
    f = network_figure(view)
    (points,) = [t for t in f.data if t.name == "ties"]
    assert all("<b>x</b>" not in t for t in points.text)
    assert any("&lt;b&gt;x&lt;/b&gt;" in t for t in points.text)


def test_a_view_without_ties_still_draws():
    view = dict(VIEW, edges=[], nodes=[node("E", None, 0.0, 0.0)], camps=[[], []])
    f = network_figure(view)
    assert [t.name for t in f.data if t.mode == "markers+text"] == ["no tie"]
