"""Per-replicate random streams: replicate ``r`` draws the same numbers wherever it runs.

Replicate ``r`` of an experiment with root seed ``s`` owns the generator
``Generator(PCG64(SeedSequence(s, spawn_key=(r,))))`` -- the child ``r`` that
``SeedSequence(s).spawn`` would give, built directly so that a worker needs only ``s`` and
``r``. Its block of uniforms is drawn in one call, ``g.random(years * n_per_year + n_first)``:
first the engine's, one year after another, then the scenario drivers'
(docs/odd/membership.md, "Random numbers"). So a replicate's trajectory does not depend on
the chunk it runs in, the number of workers or the order they finish; and because the
engine's draws come first, two scenarios run with the same seed (and the same actors and
years) share the engine's random numbers, replicate by replicate: common random numbers,
which make the difference between two scenarios far less noisy than two independent runs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replicate_generator", "replicate_uniforms"]


def replicate_generator(seed: int, replicate: int) -> np.random.Generator:
    """The generator of replicate ``replicate`` under root seed ``seed`` (both >= 0)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(int(replicate),)))
    )


def replicate_uniforms(
    seed: int, replicate_ids: np.ndarray, n_first: int, n_per_year: int, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each replicate's uniforms: the driver block ``(R, n_first)`` and the engine block
    ``(R, years, n_per_year)``, replicate ``replicate_ids[k]`` in row ``k``.

    Cost ``O(R (n_first + years n_per_year))`` time and memory (float64).
    """
    ids = np.asarray(replicate_ids, dtype=np.int64).reshape(-1)
    if n_first < 0 or n_per_year < 0 or years < 0:
        raise ValueError(
            f"n_first, n_per_year and years must be >= 0; got {n_first}, {n_per_year}, {years}"
        )
    if ids.size and ids.min() < 0:
        raise ValueError("replicate ids must be >= 0")
    head = years * n_per_year
    block = np.empty((ids.size, head + n_first))
    for k, r in enumerate(ids):
        block[k] = replicate_generator(seed, int(r)).random(head + n_first)
    return block[:, head:], block[:, :head].reshape(ids.size, years, n_per_year)
