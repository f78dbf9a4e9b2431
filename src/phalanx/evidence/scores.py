"""Proper scoring rules for probability forecasts of binary events, and their uncertainty.

A forecast is a probability ``p`` in [0, 1] that an event happens (a pact ends within five
years, a member leaves); the outcome ``y`` is 0 or 1. Both scores here are *proper*: a
forecaster minimises its expected score only by reporting its true belief (Gneiting and
Raftery 2007), so they can rank methods fairly. Lower is better for both.

- :func:`brier`: the mean squared error ``mean((p - y)^2)``, in [0, 1].
- :func:`log_score`: the mean negative log-likelihood in nats, ``-mean(y log p + (1 - y)
  log(1 - p))``, with ``p`` clipped to ``[eps, 1 - eps]`` so that a forecast of exactly 0
  for an event that happens (persistence) scores ``-log(eps)`` (13.8 nats at the default
  ``eps = 1e-6``) rather than infinity. The clip is part of the score: report it.
- :func:`bootstrap_ci`: a percentile interval for any score, resampling the cases.
- :func:`reliability_bins`: the data of a reliability diagram (mean forecast against
  observed frequency, by forecast bin).

All take plain sequences or NumPy arrays of equal length and return floats or lists of
dicts. Each is O(n) (the bootstrap O(reps n)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["bootstrap_ci", "brier", "log_score", "reliability_bins"]

ArrayLike = Sequence[float] | np.ndarray


def _check(p: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    pa = np.asarray(p, dtype=float)
    ya = np.asarray(y, dtype=float)
    if pa.ndim != 1 or ya.ndim != 1 or pa.shape != ya.shape:
        raise ValueError(
            f"forecasts and outcomes must be 1-D and of equal length; got shapes {pa.shape} and {ya.shape}"
        )
    if pa.size == 0:
        raise ValueError("no cases to score")
    if not np.all(np.isfinite(pa)) or np.any((pa < 0) | (pa > 1)):
        raise ValueError("forecasts must be probabilities in [0, 1]")
    if np.any((ya != 0) & (ya != 1)):
        raise ValueError("outcomes must be 0 or 1")
    return pa, ya


def brier(p: ArrayLike, y: ArrayLike) -> float:
    """Mean squared difference between forecast and outcome, in [0, 1] (lower is better).

    >>> round(brier([0.8, 0.1], [1, 0]), 6)
    0.025
    """
    pa, ya = _check(p, y)
    return float(np.mean((pa - ya) ** 2))


def log_score(p: ArrayLike, y: ArrayLike, eps: float = 1e-6) -> float:
    """Mean negative log-likelihood in nats of the outcomes under the forecasts.

    ``p`` is clipped to ``[eps, 1 - eps]`` (``0 < eps < 0.5``), so the worst possible
    score of one case is ``-log(eps)``.

    >>> round(log_score([0.5, 0.5], [1, 0]), 6)  # log 2
    0.693147
    """
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must lie in (0, 0.5); got {eps}")
    pa, ya = _check(p, y)
    q = np.clip(pa, eps, 1 - eps)
    return float(-np.mean(ya * np.log(q) + (1 - ya) * np.log1p(-q)))


def bootstrap_ci(
    p: ArrayLike,
    y: ArrayLike,
    score: Callable[[np.ndarray, np.ndarray], float] = brier,
    reps: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``score`` over the cases (resampled with replacement).

    Deterministic for a ``seed``. ``reps`` >= 10, ``level`` in (0, 1). The cases are taken
    as independent: for forecasts that share a unit (years of one dyad) resample the units
    instead and call ``score`` yourself. O(reps n).
    """
    if reps < 10:
        raise ValueError(f"reps must be at least 10; got {reps}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level}")
    pa, ya = _check(p, y)
    rng = np.random.default_rng(seed)
    n = pa.size
    values = np.empty(reps)
    for k in range(reps):
        idx = rng.integers(0, n, size=n)
        values[k] = score(pa[idx], ya[idx])
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def reliability_bins(p: ArrayLike, y: ArrayLike, bins: int = 10) -> list[dict[str, float]]:
    """The points of a reliability diagram: forecasts in ``bins`` equal-width bins of [0, 1].

    Each non-empty bin gives ``{lower, upper, mean_forecast, observed, n}``: the mean
    forecast of its cases against the share of them in which the event happened. A
    forecast of exactly 1 falls in the last bin. A calibrated forecaster's points lie on
    the diagonal. O(n).

    >>> reliability_bins([0.05, 0.15, 0.12], [0, 1, 0], bins=10)[1]["observed"]
    0.5
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1; got {bins}")
    pa, ya = _check(p, y)
    which = np.minimum((pa * bins).astype(int), bins - 1)
    out: list[dict[str, float]] = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        if n == 0:
            continue
        out.append(
            {
                "lower": b / bins,
                "upper": (b + 1) / bins,
                "mean_forecast": float(pa[mask].mean()),
                "observed": float(ya[mask].mean()),
                "n": n,
            }
        )
    return out
