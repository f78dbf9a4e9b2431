"""Fan charts and bar charts from hand-made run summaries (the documented summary shape).

Every expected value below is read off the hand-made summary, not off the figure code: a
band must run from the interval's high end forwards to its low end backwards, a bar must
stand at the summary's probability with error bars reaching exactly its interval.
"""

from __future__ import annotations

import pytest

from phalanx.figures.colours import SCENARIO_COLOURS, STATUS_COLOURS, translucent
from phalanx.figures.fancharts import (
    capacity_fan,
    exit_bars,
    horizon_rates,
    mechanism_bars,
    responses_bars,
    run_label,
    status_fan,
    status_fans,
    strain_fan,
)
from phalanx.models.dynamics.types import MECHANISMS
from tests.report.summaries import STATUS, YEARS, make_summary


def traces(fig, name):
    return [t for t in fig.data if t.name == name]


def column(status, actor, i):
    return [v[i] for v in STATUS[actor][status]]


def test_run_label_names_scenario_seed_runs_years_and_data():
    label = run_label(make_summary(seed=99, runs=200))
    assert label == "hand, seed 99, 200 runs, 2026-2028, data dv-1"
    assert run_label(make_summary(), "other").endswith("data other")


def test_status_fan_draws_each_status_over_its_wilson_band():
    fig = status_fan(make_summary(), "AAA")
    # suspended has probability 0 everywhere but its upper bound is 0.07 > 0: still drawn
    for status in ("member", "frozen", "suspended", "out"):
        (line,) = traces(fig, status)
        assert list(line.x) == YEARS
        assert list(line.y) == column(status, "AAA", 0)
        assert line.line.color == STATUS_COLOURS[status]
        (band,) = traces(fig, f"{status} 95% interval")
        assert list(band.x) == YEARS + YEARS[::-1]
        high, low = column(status, "AAA", 2), column(status, "AAA", 1)
        assert list(band.y) == high + low[::-1]
        assert band.fill == "toself"
        assert band.fillcolor == translucent(STATUS_COLOURS[status], 0.2)
    title = fig.layout.title.text
    assert "AAA" in title and "seed 11" in title and "50 runs" in title and "dv-1" in title


def test_status_fan_leaves_out_statuses_that_never_occur():
    s = make_summary()
    for r in s["status_probabilities"]:
        if r["status"] == "suspended":
            r["high"] = 0.0
    fig = status_fan(s, "AAA")
    assert traces(fig, "suspended") == []
    assert {t.name for t in fig.data if t.name in STATUS_COLOURS} == {"member", "frozen", "out"}


def test_status_fan_refuses_an_actor_not_in_the_run():
    with pytest.raises(KeyError, match="ZZZ"):
        status_fan(make_summary(), "ZZZ")


def test_status_fans_has_a_panel_per_candidate_and_one_legend_entry_per_status():
    fig = status_fans(make_summary(), names={"AAA": "Aland", "BBB": "Bland"})
    panels = [a.text for a in fig.layout.annotations]
    assert panels == ["Aland", "Bland"]  # the leader LDR is not a candidate
    members = traces(fig, "member")
    assert [list(t.y) for t in members] == [column("member", "AAA", 0), column("member", "BBB", 0)]
    assert [t.showlegend for t in members] == [True, False]
    assert members[0].xaxis != members[1].xaxis  # two different panels
    assert "seed 11" in fig.layout.title.text


def test_strain_fan_has_median_and_two_bands_and_skips_years_without_values():
    s = make_summary()
    fig = strain_fan(s)
    (median,) = traces(fig, "median")
    assert list(median.x) == [2026, 2027] and list(median.y) == [0.3, 0.34]
    (outer,) = traces(fig, "5-95%")
    assert list(outer.y) == [0.3, 0.5, 0.2, 0.3]  # q95 forwards, q05 backwards
    (inner,) = traces(fig, "25-75%")
    assert list(inner.y) == [0.3, 0.4, 0.3, 0.3]
    assert list(inner.x) == [2026, 2027, 2027, 2026]
    assert "Simulated strain" in fig.layout.title.text and "dv-1" in fig.layout.title.text
    cap = capacity_fan(s, data_version="dv-2")
    assert "capacity" in cap.layout.title.text and "dv-2" in cap.layout.title.text
    assert list(traces(cap, "median")[0].y) == [0.3, 0.34]


def test_horizon_rates_take_exits_by_actor_and_the_last_years_frozen_share():
    rates = horizon_rates(make_summary())
    assert rates["AAA"]["left"]["probability"] == 0.24
    assert rates["AAA"]["frozen"]["probability"] == 0.2  # 2028, not 2027's 0.1
    assert rates["BBB"]["frozen"]["high"] == 0.07


def test_exit_bars_one_group_per_scenario_with_the_intervals_as_error_bars():
    a, b = make_summary("one"), make_summary("two", seed=5)
    b["exits_by_actor"][0] = {"actor": "AAA", "probability": 0.5, "low": 0.36, "high": 0.64}
    fig = exit_bars([a, b])
    one, two = traces(fig, "one"), traces(fig, "two")
    assert len(one) == len(two) == 2  # left and frozen panels
    left_one, frozen_one = one
    assert list(left_one.x) == ["AAA", "BBB"]  # not the leader
    assert list(left_one.y) == [0.24, 0.0]
    assert list(two[0].y) == [0.5, 0.0]
    assert list(two[0].error_y.array)[0] == pytest.approx(0.64 - 0.5)
    assert list(two[0].error_y.arrayminus)[0] == pytest.approx(0.5 - 0.36)
    assert list(frozen_one.y) == [0.2, 0.0]
    assert left_one.marker.color == SCENARIO_COLOURS[0]
    assert two[0].marker.color == SCENARIO_COLOURS[1]
    assert [left_one.showlegend, frozen_one.showlegend] == [True, False]
    assert "seed 11" in fig.layout.title.text and "seed 5" in fig.layout.title.text


def test_mechanism_bars_follow_the_mechanism_order_and_leave_no_exits_empty():
    fig = mechanism_bars([make_summary("one"), make_summary("calm", exits=False)])
    (one,) = traces(fig, "one")
    assert list(one.x) == [m.replace("_", " ") for m in MECHANISMS]
    assert list(one.y) == [0.4, 0.0, 0.0, 0.3, 0.2, 0.1, 0.0]
    assert list(one.error_y.array) == pytest.approx([0.15] * 7)
    (calm,) = traces(fig, "calm")
    assert list(calm.y) == [None] * 7


def test_responses_bars_show_category_shares_and_the_outcome_histogram():
    fig = responses_bars([make_summary("one"), make_summary("quiet", requests=False)])
    cats, hist = traces(fig, "one")
    assert list(cats.x) == ["none", "weak", "strong"]
    assert list(cats.y) == [0.25, 0.25, 0.5]
    assert list(cats.error_y.arrayminus) == pytest.approx([0.18, 0.18, 0.28])
    assert list(hist.y) == pytest.approx([2 / 8, 0, 1 / 8, 0, 1 / 8, 0, 0, 3 / 8, 0, 1 / 8])
    assert list(hist.x)[0] == "0.0-0.1" and list(hist.x)[-1] == "0.9-1.0"
    qcats, qhist = traces(fig, "quiet")
    assert list(qcats.y) == [None] * 3 and list(qhist.y) == [None] * 10


def test_titles_escape_markup_from_scenario_names():
    fig = strain_fan(make_summary("<b>x</b>"))
    assert "<b>x</b>" not in fig.layout.title.text and "&lt;b&gt;x" in fig.layout.title.text
