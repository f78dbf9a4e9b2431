"""Uncertainty of a landscape alignment when propensities are known only within ranges.

:func:`sample_alignment` draws propensities uniformly within ``[low, high]``, finds the
global minimum of each draw and reports how often each pair of actors shares a coalition
(the co-assignment matrix). One random-number policy: ``seed`` is an int, a
``SeedSequence`` or a ``Generator``, converted once; no global state is touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from phalanx.models.landscape import global_minima
from phalanx.models.landscape_search import pair_weights
from phalanx.params import Settings
from phalanx.seeds import as_generator, as_seed_sequence

__all__ = ["MAX_SAMPLES", "SamplingParams", "propensity_range", "sample_alignment"]

MAX_SAMPLES = 100_000
"""Most draws one call may make (each is a global search)."""


class SamplingParams(Settings):
    """The declared settings of the uncertainty sampler (:func:`sample_alignment`)."""

    n_samples: int = Field(
        1000, ge=1, le=MAX_SAMPLES, description=f"Draws of the propensities (1..{MAX_SAMPLES:,})."
    )
    spread: float = Field(
        0.25, ge=0.0, le=10.0, description="Propensity margin, times max|p| (0..10)."
    )


def propensity_range(propensity: np.ndarray, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """``propensity -/+ spread * max|p|`` : the same absolute margin for every pair.

    >>> lo, hi = propensity_range(np.array([[0, 2.0], [2.0, 0]]), 0.25)
    >>> float(lo[0, 1]), float(hi[0, 1])
    (1.5, 2.5)
    """
    if not spread >= 0:
        raise ValueError(f"spread must be >= 0, got {spread}")
    p = np.asarray(propensity, dtype=float)
    margin = spread * float(np.abs(p).max(initial=0.0))
    return p - margin, p + margin


def sample_alignment(
    sizes: Sequence[float],
    propensity_low: Any,
    propensity_high: Any,
    n_samples: int = 1000,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    *,
    k: int = 2,
    labels: Sequence[str] | None = None,
    time_limit: float = 60.0,
) -> dict[str, Any]:
    """How often each pair of actors shares a coalition when propensities are uncertain.

    Each sample draws every ``p_ij`` (``i < j``) independently and uniformly from
    ``[low_ij, high_ij]`` (mirrored to ``p_ji``) and finds the global minimum (enumeration
    up to 25 actors, MILP beyond). When several alignments tie for the minimum, each gets an
    equal share of the sample. ``seed`` (int, SeedSequence or Generator) is converted once
    to a Generator (:mod:`phalanx.seeds`; None draws fresh entropy, recorded as ``seed``);
    the same seed gives the same result. ``n_samples`` is at most :data:`MAX_SAMPLES`. Cost: ``n_samples`` global
    searches.

    Returns a dict: ``coassignment`` (n x n shares of samples in which i and j share a
    coalition, 1 on the diagonal), ``alignments`` (each distinct global minimum with its
    share, most frequent first), ``n_samples``, ``n_tied`` (samples with tied minima),
    ``n_inexact`` (samples where the MILP stopped before proving optimality), ``seed``.

    >>> r = sample_alignment([1, 1, 1], [[0, 1, -2], [1, 0, -2], [-2, -2, 0]],
    ...                      [[0, 2, -1], [2, 0, -1], [-1, -1, 0]], 20, seed=1)
    >>> r["coassignment"][0].tolist(), r["alignments"][0]["share"]
    ([1.0, 1.0, 0.0], 1.0)
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
    n_samples = SamplingParams(n_samples=int(n_samples)).n_samples
    lo = np.asarray(propensity_low, dtype=float)
    hi = np.asarray(propensity_high, dtype=float)
    s = np.asarray(sizes, dtype=float)
    pair_weights(s, lo)  # validates shapes, symmetry and sizes
    pair_weights(s, hi)
    n = s.size
    iu = np.triu_indices(n, 1)
    if np.any(lo[iu] > hi[iu]):
        i, j = iu[0][lo[iu] > hi[iu]][0], iu[1][lo[iu] > hi[iu]][0]
        raise ValueError(
            f"propensity range is empty for pair ({i}, {j}): low {lo[i, j]} > high {hi[i, j]}"
        )
    if isinstance(seed, np.random.Generator):
        rng, seed_record = as_generator(seed), "generator given by the caller"
    else:
        ss = as_seed_sequence(seed)
        rng, seed_record = as_generator(ss), ss.entropy
    # the MILP's heuristics (beyond enumeration) get their seed from the same stream
    solver_seed = int(rng.integers(2**31))
    names = [str(i) for i in range(n)] if labels is None else [str(a) for a in labels]
    co = np.zeros((n, n))
    counts: Counter[tuple[int, ...]] = Counter()
    energies: dict[tuple[int, ...], list[float]] = {}
    n_tied = n_inexact = 0
    for _ in range(n_samples):
        p = np.zeros((n, n))
        p[iu] = lo[iu] + (hi[iu] - lo[iu]) * rng.random(iu[0].size)
        p = p + p.T
        ties, e, exact = global_minima(
            pair_weights(s, p), k, time_limit=time_limit, seed=solver_seed
        )
        n_tied += len(ties) > 1
        n_inexact += not exact
        for t in ties:
            x = np.asarray(t)
            co += (x[:, None] == x[None, :]) / len(ties)
            counts[t] += 1.0 / len(ties)
            energies.setdefault(t, []).append(e)
    alignments = []
    for t, c in counts.most_common():
        groups: dict[int, list[str]] = {}
        for a, lab in zip(names, t, strict=True):
            groups.setdefault(lab, []).append(a)
        alignments.append(
            {
                "coalitions": [groups[g] for g in sorted(groups)],
                "share": c / n_samples,
                "mean_energy": float(np.mean(energies[t])),
            }
        )
    return {
        "actors": names,
        "coassignment": co / n_samples,
        "alignments": alignments,
        "n_samples": int(n_samples),
        "n_tied": int(n_tied),
        "n_inexact": int(n_inexact),
        "k": k,
        "seed": seed_record,
        "sampling": "p_ij ~ Uniform[low_ij, high_ij] independently for i < j",
    }
