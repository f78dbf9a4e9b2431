"""Wilson and Newcombe intervals against the published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from phalanx.experiments.intervals import Z95, newcombe_interval, wilson_interval

# Newcombe (1998), Stat. Med. 17:857-872, Table I, method 3 (Wilson score, no correction)
WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]

# Newcombe (1998), Stat. Med. 17:873-890, Table II, method 10 (hybrid score, no correction)
NEWCOMBE = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON)
def test_wilson_matches_the_published_examples(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), NEWCOMBE)
def test_newcombe_matches_the_published_examples(x1, n1, x2, n2, low, high):
    d, lo, hi = newcombe_interval(x1, n1, x2, n2)
    assert float(d) == pytest.approx(x1 / n1 - x2 / n2)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


def test_zero_successes_has_the_closed_form_upper_bound():
    # with p = 0 the score interval's upper end is z^2 / (n + z^2), exactly 0 below
    for n in (1, 7, 1000):
        lo, hi = wilson_interval(0, n)
        assert float(lo) == 0.0
        assert float(hi) == pytest.approx(Z95**2 / (n + Z95**2))
        lo, hi = wilson_interval(n, n)  # and the mirror image
        assert float(hi) == 1.0 and float(lo) == pytest.approx(n / (n + Z95**2))


def test_broadcasting_empty_and_bad_counts():
    lo, hi = wilson_interval(np.array([0, 5, 10]), 10)
    assert lo.shape == (3,) and np.all(lo <= hi) and np.all((0 <= lo) & (hi <= 1))
    lo, hi = wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
