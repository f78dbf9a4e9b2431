"""The strain chart marks every component on every date where it has no data (a gap in its
line and a cross below zero whose hover says "no data"), and the index's hover names the
components it was computed over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from phalanx.figures.strain import MISSING_ROW, strain_figure
from phalanx.kb import KnowledgeBase
from phalanx.measures.series import (
    missing_components,
    missing_stretches,
    strain_series,
    used_components,
    yearly_dates,
)

ANZUS = Path(__file__).resolve().parents[1] / "data" / "kb" / "anzus"


def point(date, a, b, index):
    return {
        "date": date,
        "index": index,
        "components": [
            {
                "component": "alpha",
                "value": a,
                "weight": 1.0,
                "explanation": "no alpha rows" if a is None else "ok",
            },
            {
                "component": "beta",
                "value": b,
                "weight": 1.0,
                "explanation": "no beta rows" if b is None else "ok",
            },
        ],
    }


# alpha is missing on two dates (2001, 2002), beta on one (2003); the index exists throughout
SERIES = [
    point("2000-07-01", 0.2, 0.4, 0.3),
    point("2001-07-01", None, 0.4, 0.4),
    point("2002-07-01", None, 0.6, 0.6),
    point("2003-07-01", 0.1, None, 0.1),
]


def marks(fig):
    return {
        t.meta["missing"]: t for t in fig.data if isinstance(t.meta, dict) and "missing" in t.meta
    }


def test_each_missing_value_gets_one_mark_and_a_gap():
    fig = strain_figure(SERIES)
    m = marks(fig)
    assert set(m) == {"alpha", "beta"}
    assert list(m["alpha"].x) == ["2001-07-01", "2002-07-01"]
    assert list(m["beta"].x) == ["2003-07-01"]
    assert set(m["alpha"].y) == {-MISSING_ROW} and set(m["beta"].y) == {-2 * MISSING_ROW}
    assert all("no data" in t.hovertemplate for t in m.values())
    assert list(m["alpha"].text) == ["no alpha rows"] * 2
    (alpha,) = [t for t in fig.data if t.name == "alpha"]
    assert list(alpha.y) == [0.2, None, None, 0.1] and alpha.connectgaps is False
    # the mark has the colour of its component's line
    assert m["alpha"].marker.color == alpha.line.color
    assert {t.type for t in fig.data} == {"scatter"}


def test_the_index_hover_names_the_components_it_was_computed_over():
    fig = strain_figure(SERIES)
    (index,) = [t for t in fig.data if t.name == "strain index"]
    assert index.text[0] == "over 2 of 2 components: alpha, beta"
    assert index.text[1] == "over 1 of 2 components: beta<br>no data: alpha"
    assert index.text[3] == "over 1 of 2 components: alpha<br>no data: beta"


def test_an_index_without_any_data_is_marked_too():
    fig = strain_figure([point("2000-07-01", None, None, None), point("2001-07-01", 0.5, 0.5, 0.5)])
    m = marks(fig)
    assert list(m["index"].x) == ["2000-07-01"]
    assert len(m["alpha"].x) == 1 and len(m["beta"].x) == 1


def test_a_complete_series_has_no_marks():
    assert marks(strain_figure([point("2000-07-01", 0.1, 0.2, 0.15)])) == {}


def test_missing_components_and_stretches_as_plain_data():
    assert missing_components(SERIES) == [
        {"date": "2001-07-01", "component": "alpha", "reason": "no alpha rows"},
        {"date": "2002-07-01", "component": "alpha", "reason": "no alpha rows"},
        {"date": "2003-07-01", "component": "beta", "reason": "no beta rows"},
    ]
    assert missing_stretches(SERIES) == [
        {
            "component": "alpha",
            "first": "2001-07-01",
            "last": "2002-07-01",
            "dates": 2,
            "reason": "no alpha rows",
        },
        {
            "component": "beta",
            "first": "2003-07-01",
            "last": "2003-07-01",
            "dates": 1,
            "reason": "no beta rows",
        },
    ]
    assert used_components(SERIES[1]) == ["beta"]


def test_the_anzus_package_gets_its_marks():
    """The ANZUS test package has no votes, no indicator values and no threat-perception
    relations, so vote divergence, arms independence and threat divergence have no data on
    any date; its only request for assistance is Australia's of 2001-09-14, so unanswered
    requests has none before it. On the 50 yearly dates 1952-2001 and 2002-01-01 that is
    3 x 51 + 50 marks, and frustration and member conflicts have none."""
    kb = KnowledgeBase.from_path(ANZUS)
    dates = yearly_dates(1952, 2001) + [dt.date(2002, 1, 1)]
    series = strain_series(kb, "ANZUS", dates)
    m = marks(strain_figure(series))
    counts = {k: len(t.x) for k, t in m.items()}
    assert counts == {
        "arms_independence": 51,
        "unanswered_requests": 50,
        "vote_divergence": 51,
        "threat_divergence": 51,
    }
    assert len(missing_components(series)) == 3 * 51 + 50
    (req,) = [s for s in missing_stretches(series) if s["component"] == "unanswered_requests"]
    assert (req["first"], req["last"], req["dates"]) == ("1952-07-01", "2001-07-01", 50)


@pytest.mark.parametrize("name", ["series_figure", "strain_figure"])
def test_the_old_name_still_draws_the_same_chart(name):
    import phalanx.figures.strain as fs

    assert getattr(fs, name) is strain_figure
