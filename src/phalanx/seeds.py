"""One random-number policy for the whole of Phalanx.

Every public function that draws random numbers takes ``seed``: an ``int``, a
:class:`numpy.random.SeedSequence`, a :class:`numpy.random.Generator` or ``None``. It is
converted once, with :func:`as_generator`; no global state is touched. An experiment has one
root seed, recorded beside its output; each replicate or chunk gets its own child stream,
spawned from the root with :func:`spawn`, so that results do not depend on how the work is
split between workers.

>>> a = as_generator(7).integers(1000, size=3)
>>> b = as_generator(np.random.SeedSequence(7)).integers(1000, size=3)
>>> bool((a == b).all())
True
>>> [g.integers(10**6) for g in spawn(42, 2)] == [g.integers(10**6) for g in spawn(42, 2)]
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["SeedLike", "as_generator", "as_seed_sequence", "spawn", "resolve_seed"]

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


def resolve_seed(seed: int | None) -> int:
    """The root seed to record: ``seed`` itself, or fresh entropy when it is None.

    A run without a seed is still repeatable: the drawn root seed goes into its record.

    >>> resolve_seed(5)
    5
    >>> isinstance(resolve_seed(None), int)
    True
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        from phalanx.errors import ParameterError

        raise ParameterError(
            f"The 'seed' parameter must be a non-negative integer. Got {seed!r} instead."
        )
    return int(seed)


def as_seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    """``seed`` as a :class:`~numpy.random.SeedSequence` (an int is its entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(resolve_seed(seed))


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A :class:`numpy.random.Generator` for ``seed``; a Generator is returned as is."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(None if seed is None else resolve_seed(seed))


def spawn(seed: int | np.random.SeedSequence | None, n: int) -> list[np.random.Generator]:
    """``n`` independent generators spawned from ``seed`` (child ``i`` is always the same).

    Child ``i`` depends only on the root seed and ``i``: replicate 17 draws the same
    numbers whether it runs alone, in a chunk of 100 or on another worker.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    return [np.random.default_rng(s) for s in as_seed_sequence(seed).spawn(n)]
