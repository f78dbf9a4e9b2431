"""Membership dynamics: who stays in, freezes, leaves or joins a collective security system.

A stochastic, vectorised simulation (docs/odd/membership.md). The pieces:

- :mod:`.types` -- the plain-data types the slices exchange (InitialState, Drivers,
  ChunkResult);
- :mod:`.params` -- :class:`MembershipParams` and calibrated-values files;
- :mod:`.state` -- :func:`initial_state`, the start read from a knowledge-base snapshot.
"""

from phalanx.models.dynamics.params import MembershipParams, load_parameter_file
from phalanx.models.dynamics.state import default_start, initial_state
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
]
