"""The membership model in the estimator shape: settings in ``__init__``, work in ``run``.

>>> from phalanx.kb import KnowledgeBase
>>> from phalanx.models.dynamics import MembershipModel, initial_state
>>> state = initial_state(KnowledgeBase.embedded(), start="2022-01-01")
>>> m = MembershipModel(replicates=20, years=3, seed=7).run(state)
>>> m.result_.status.shape, m.seed_
((20, 4, 13), 7)
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
from phalanx.models.dynamics.params import MembershipParams
from phalanx.models.dynamics.streams import replicate_uniforms
from phalanx.models.dynamics.types import ChunkResult, Drivers, InitialState
from phalanx.params import Estimator, Settings
from phalanx.seeds import resolve_seed

__all__ = ["MembershipModel", "MembershipModelParams"]


class MembershipModelParams(Settings):
    """Declared settings of :class:`MembershipModel`."""

    params: MembershipParams | None = Field(
        None, description="The model's parameters; None: the defaults."
    )
    replicates: int = Field(1000, ge=1, le=10**7, description="Replicates (1..1e7).")
    years: int = Field(10, ge=0, le=200, description="Simulated years (steps, 0..200).")
    seed: int | None = Field(
        None, ge=0, description="Root seed (>= 0); None: fresh entropy, recorded in seed_."
    )


class MembershipModel(Estimator):
    """Simulate membership dynamics in one process (the runner scales the same out).

    ``run(state, drivers=None)`` draws replicate ``r``'s uniforms from its own stream
    (:mod:`.streams`), runs :func:`~.engine.run_chunk` on all replicates at once and sets
    ``result_`` (:class:`~.types.ChunkResult`) and ``seed_`` (the root seed used). With
    ``drivers=None`` the drivers are neutral (:meth:`Drivers.neutral`); drivers given
    ready-made use no uniforms of their own, so the driver part of each stream is empty.
    Cost: that of ``run_chunk`` plus ``O(R Y K_u)`` uniforms.
    """

    Params = MembershipModelParams

    def __init__(
        self,
        *,
        params: MembershipParams | None = None,
        replicates: int = 1000,
        years: int = 10,
        seed: int | None = None,
    ) -> None:
        self.params = params
        self.replicates = replicates
        self.years = years
        self.seed = seed

    def run(self, state: InitialState, drivers: Drivers | None = None) -> MembershipModel:
        """Simulate ``replicates`` x ``years`` from ``state``; returns ``self``."""
        p = self._validate_params()
        params = p.params if p.params is not None else MembershipParams()
        seed = resolve_seed(p.seed)
        if drivers is None:
            drivers = Drivers.neutral(state, p.replicates, p.years)
        elif drivers.shape != (p.replicates, p.years):
            from phalanx.errors import ParameterError

            raise ParameterError(
                f"The 'drivers' of MembershipModel must have shape (replicates, years) = "
                f"{(p.replicates, p.years)}. Got {drivers.shape} instead."
            )
        ids = np.arange(p.replicates, dtype=np.int64)
        _, uniforms = replicate_uniforms(seed, ids, 0, uniforms_per_year(state.n), p.years)
        result = run_chunk(state, drivers, params, uniforms, ids)
        result.meta["seed"] = seed
        self.seed_ = seed
        self.params_ = params
        self.result_: ChunkResult = result
        return self
