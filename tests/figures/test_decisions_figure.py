"""Predicted against observed levels, from hand-made answers (the documented shape)."""

from __future__ import annotations

from phalanx.figures.decisions import decisions_figure

BASIC_TRACES = {"scatter", "bar", "pie"}


def answer(id_, predicted, observed, lo=0.0, hi=1.0):
    anchors = [
        {"value": lo, "label": "nothing"},
        {"value": (lo + hi) / 2, "label": "a statement and consultations of the members"},
        {"value": hi, "label": "everything"},
    ]
    return {
        "id": id_,
        "title": f"issue {id_}",
        "date": "2020-01-01",
        "scale": {"min": lo, "max": hi, "anchors": anchors},
        "predicted": {"level": predicted, "label": "p"},
        "observed": None if observed is None else {"level": observed, "label": "o"},
        "error": None if observed is None else predicted - observed,
    }


def named(fig, name):
    return [t for t in fig.data if t.name == name]


def test_one_panel_per_issue_on_its_own_scale():
    answers = [answer("a", 0.5, 0.25), answer("b", 3.0, None, lo=-2.0, hi=4.0)]
    fig = decisions_figure(answers)
    assert {t.type for t in fig.data} <= BASIC_TRACES
    pred = named(fig, "predicted")
    assert [t.x[0] for t in pred] == [0.5, 3.0]
    obs = named(fig, "observed")
    assert [t.x[0] for t in obs] == [0.25]  # the issue without an outcome has none
    (gap,) = named(fig, "gap")
    assert list(gap.x) == [0.5, 0.25]
    # each panel's axis spans its own scale (with a margin) and ticks at its anchors
    assert fig.layout.xaxis.range[0] < 0 < 1 < fig.layout.xaxis.range[1]
    assert fig.layout.xaxis2.range[0] < -2 and fig.layout.xaxis2.range[1] > 4
    assert list(fig.layout.xaxis2.tickvals) == [-2.0, 1.0, 4.0]
    # the panel without an outcome says so
    titles = [a.text for a in fig.layout.annotations]
    assert any("issue b" in t and "no outcome recorded" in t for t in titles)
    assert not any("issue a" in t and "no outcome" in t for t in titles)


def test_anchors_are_labelled():
    fig = decisions_figure([answer("a", 0.0, 0.0)])
    (anchors,) = named(fig, "anchors")
    assert list(anchors.x) == [0.0, 0.5, 1.0]
    labels = [t.replace("<br>", " ") for t in anchors.text]
    assert labels == ["nothing", "a statement and consultations of the members", "everything"]
    # the long label is wrapped onto lines
    assert "<br>" in anchors.text[1]
    # equal levels still draw both markers, at different heights
    (p,), (o,) = named(fig, "predicted"), named(fig, "observed")
    assert p.x[0] == o.x[0] and p.y[0] != o.y[0]


def test_no_answers_gives_a_note():
    fig = decisions_figure([])
    assert not fig.data and "no issue files" in fig.layout.annotations[0].text
