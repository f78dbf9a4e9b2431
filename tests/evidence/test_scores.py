"""The scoring rules on cases worked out by hand."""

import math

import numpy as np
import pytest

from phalanx.evidence.scores import bootstrap_ci, brier, log_score, reliability_bins


def test_brier_by_hand():
    # (0.9-1)^2 + (0.2-0)^2 + (0.6-0)^2 = 0.01 + 0.04 + 0.36 = 0.41, over 3
    assert brier([0.9, 0.2, 0.6], [1, 0, 0]) == pytest.approx(0.41 / 3)


def test_log_score_by_hand():
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.4)) / 3  # 0.41493...
    assert log_score([0.9, 0.2, 0.6], [1, 0, 0]) == pytest.approx(expected)
    assert expected == pytest.approx(0.4149316, abs=1e-6)


def test_log_score_clips_certain_misses():
    # persistence (p = 0) when the event happens scores -log(eps), not infinity
    assert log_score([0.0], [1]) == pytest.approx(-math.log(1e-6))
    assert log_score([0.0, 0.0], [0, 1], eps=1e-3) == pytest.approx(
        -(math.log(1 - 1e-3) + math.log(1e-3)) / 2
    )


def test_scores_are_proper_on_average():
    # with outcomes drawn at rate 0.3, forecasting 0.3 beats 0.1 and 0.5 on both scores
    rng = np.random.default_rng(1)
    y = (rng.random(20000) < 0.3).astype(int)
    for score in (brier, log_score):
        at = {q: score(np.full(y.size, q), y) for q in (0.1, 0.3, 0.5)}
        assert at[0.3] < at[0.1] and at[0.3] < at[0.5]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="equal length"):
        brier([0.1], [1, 0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier([1.2], [1])
    with pytest.raises(ValueError, match="0 or 1"):
        log_score([0.2], [2])
    with pytest.raises(ValueError, match="no cases"):
        brier([], [])


def test_bootstrap_interval():
    rng = np.random.default_rng(2)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    low, high = bootstrap_ci(p, y, brier, reps=300, seed=5)
    assert low < brier(p, y) < high
    assert (low, high) == bootstrap_ci(p, y, brier, reps=300, seed=5)
    # perfect forecasts have no spread
    assert bootstrap_ci([1.0, 0.0, 1.0], [1, 0, 1], brier, reps=50) == (0.0, 0.0)
    # a wider level gives a wider interval
    l99, h99 = bootstrap_ci(p, y, brier, reps=300, seed=5, level=0.99)
    assert l99 <= low and h99 >= high


def test_reliability_bins_by_hand():
    p = [0.05, 0.15, 0.12, 0.95, 1.0]
    y = [0, 1, 0, 1, 1]
    bins = reliability_bins(p, y, bins=10)
    assert [(b["lower"], b["n"]) for b in bins] == [(0.0, 1), (0.1, 2), (0.9, 2)]
    assert bins[1]["mean_forecast"] == pytest.approx(0.135)
    assert bins[1]["observed"] == 0.5
    assert bins[2]["observed"] == 1.0 and bins[2]["mean_forecast"] == pytest.approx(0.975)
