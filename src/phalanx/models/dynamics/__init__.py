"""Membership dynamics: who stays in, freezes, leaves or joins a collective security system.

A stochastic, vectorised simulation (docs/odd/membership.md). The pieces:

- :mod:`.types` -- the plain-data types the slices exchange (InitialState, Drivers,
  ChunkResult);
- :mod:`.params` -- :class:`MembershipParams` and calibrated-values files;
- :mod:`.state` -- :func:`initial_state`, the start read from a knowledge-base snapshot;
- :mod:`.engine` -- :func:`run_chunk`, the vectorised simulation of a block of replicates;
- :mod:`.streams` -- each replicate's own random stream;
- :mod:`.model` -- :class:`MembershipModel`, the estimator that ties them together.
"""

from phalanx.models.dynamics.engine import (
    initial_beliefs,
    initial_dependence,
    run_chunk,
    uniforms_per_year,
)
from phalanx.models.dynamics.model import MembershipModel
from phalanx.models.dynamics.params import MembershipParams, load_parameter_file
from phalanx.models.dynamics.state import default_start, initial_state
from phalanx.models.dynamics.streams import replicate_generator, replicate_uniforms
from phalanx.models.dynamics.types import (
    BINDINGS,
    MECHANISMS,
    RESPONSE_CATEGORIES,
    SIM_STRAIN_COMPONENTS,
    ChunkResult,
    Drivers,
    InitialState,
)

__all__ = [
    "BINDINGS",
    "MECHANISMS",
    "RESPONSE_CATEGORIES",
    "SIM_STRAIN_COMPONENTS",
    "ChunkResult",
    "Drivers",
    "InitialState",
    "MembershipParams",
    "load_parameter_file",
    "initial_state",
    "default_start",
    "run_chunk",
    "uniforms_per_year",
    "initial_beliefs",
    "initial_dependence",
    "MembershipModel",
    "replicate_generator",
    "replicate_uniforms",
]
