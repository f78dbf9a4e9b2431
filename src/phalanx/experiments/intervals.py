"""Confidence intervals for Monte Carlo proportions: Wilson score and Newcombe's hybrid.

A Monte Carlo ensemble estimates probabilities by counting: "in 137 of 1000 runs Armenia had
left by 2035". The count is binomial, so its uncertainty is a binomial interval. The Wilson
score interval keeps its nominal coverage near 0 and 1 (where the textbook Wald interval
collapses to a point), which is where exit probabilities live; Newcombe's hybrid score
interval for a difference of two independent proportions combines the two Wilson intervals
and inherits that behaviour. Both are closed-form and cost O(1) per proportion; every
function accepts NumPy arrays and broadcasts.

References: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
inference", JASA 22:209-212; R. G. Newcombe (1998), "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Stat. Med. 17:857-872 (method 3), and
"Interval estimation for the difference between independent proportions: comparison of
eleven methods", Stat. Med. 17:873-890 (method 10).

>>> low, high = wilson_interval(81, 263)
>>> round(float(low), 4), round(float(high), 4)
(0.2553, 0.3662)
"""

from __future__ import annotations

import numpy as np

__all__ = ["Z95", "wilson_interval", "newcombe_interval"]

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""


def wilson_interval(
    successes: int | np.ndarray, n: int | np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval ``(low, high)`` for ``successes`` out of ``n`` trials.

    ``successes`` and ``n`` broadcast; where ``n`` is 0 both bounds are NaN (nothing was
    observed). Bounds lie in [0, 1]; the interval is 0..high for 0 successes and low..1 for
    ``n``. Cost O(size of the inputs).
    """
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > m):
        raise ValueError("successes must lie in 0..n")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        z2 = z * z
        denom = 1.0 + z2 / m
        centre = (p + z2 / (2.0 * m)) / denom
        half = (z / denom) * np.sqrt(p * (1.0 - p) / m + z2 / (4.0 * m * m))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # exact ends: floating error must not lift 0 successes above 0 (or 1 below 1)
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == m, 1.0, high)
    empty = m == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def newcombe_interval(
    x1: int | np.ndarray,
    n1: int | np.ndarray,
    x2: int | np.ndarray,
    n2: int | np.ndarray,
    z: float = Z95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``p1 - p2`` of two independent proportions with Newcombe's hybrid score
    interval: ``(difference, low, high)``.

    With Wilson intervals ``(l1, u1)`` and ``(l2, u2)``: ``low = d - sqrt((p1 - l1)^2 +
    (u2 - p2)^2)`` and ``high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``. NaN where either
    ``n`` is 0. Cost O(size of the inputs).
    """
    a1, b1 = np.asarray(x1, dtype=float), np.asarray(n1, dtype=float)
    a2, b2 = np.asarray(x2, dtype=float), np.asarray(n2, dtype=float)
    l1, u1 = wilson_interval(a1, b1, z)
    l2, u2 = wilson_interval(a2, b2, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = a1 / b1, a2 / b2
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
