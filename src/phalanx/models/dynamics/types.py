"""The plain-data types that the membership-dynamics slices exchange.

:class:`InitialState` is what the knowledge base says on the start date, as arrays over one
actor order; :class:`Drivers` is what a scenario sets, as arrays over a block of replicates
and years; :class:`ChunkResult` is what the engine returns for that block. Each is a frozen
dataclass of NumPy arrays and tuples, so it pickles cheaply to a worker process or a Dask
worker and needs nothing else to be understood. The model itself is specified in
``docs/odd/membership.md``.

Shapes: ``R`` replicates, ``Y`` simulated years (steps), ``N`` actors, ``P`` outside
patrons, ``K`` threat targets. Year index 0 is the start date; step ``t`` (1..Y) gives year
index ``t``, labelled ``start.year + t``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "MECHANISMS",
    "BINDINGS",
    "RESPONSE_CATEGORIES",
    "SIM_STRAIN_COMPONENTS",
    "InitialState",
    "Drivers",
    "ChunkResult",
]

MECHANISMS: tuple[str, ...] = (
    "dependence",
    "credibility",
    "leader_threat",
    "patrons",
    "member_conflict",
    "threat_divergence",
    "leader_war",
)
"""The mechanism terms of the disaffection score, in the order used for ties and columns."""

BINDINGS: tuple[str, ...] = ("member", "leader_capacity", "none")
"""What bound a collective-defence answer (the ``binding`` of ``collective_decision``)."""

RESPONSE_CATEGORIES: tuple[str, ...] = ("none", "weak", "strong")
"""Categories of an answer: below 0.1, below ``answered_level``, at or above it."""

SIM_STRAIN_COMPONENTS: tuple[str, ...] = (
    "member_conflicts",
    "arms_independence",
    "unanswered_requests",
    "threat_divergence",
)
"""The strain index's components that the simulated state determines."""


@dataclass(frozen=True)
class InitialState:
    """The state on the start date, as arrays over ``actors`` (no replicate axis).

    Built by :func:`phalanx.models.dynamics.state.initial_state` from a knowledge-base
    snapshot; nothing in it is specific to one alliance.
    """

    organization: str
    date: str  # ISO start date
    data_version: str
    actors: tuple[str, ...]  # (N,) simulated actors
    leader: int  # index of the leading state in ``actors``
    patrons: tuple[int, ...]  # (P,) indices of the outside patrons in ``actors``
    candidates: np.ndarray  # (N,) bool: may change status (not the leader, not a patron)
    status: np.ndarray  # (N,) int8 status codes OUT/MEMBER/FROZEN/SUSPENDED
    dependence: np.ndarray  # (N,) float in [0, 1]
    capability: np.ndarray  # (N,) float >= 0 (CINC share, 0 where missing)
    threat: np.ndarray  # (N, K) float in [0, 1]
    targets: tuple[str, ...]  # (K,) ids of the threat targets
    leader_threat: np.ndarray  # (N,) float in [0, 1]
    conflict: np.ndarray  # (N, N) symmetric float in [0, 1], zero diagonal
    ties: np.ndarray  # (N, N) symmetric float in [0, 1]
    patron_arms: np.ndarray  # (P, N) float in [0, 1]
    patron_guarantee: np.ndarray  # (P, N) float in [0, 1]
    requests_made: np.ndarray  # (N,) int64 requests before the start
    requests_open: np.ndarray  # (N,) int64 of them left unanswered
    past_requests: tuple[tuple[str, float, bool], ...]  # (actor, age in years at start, answered)
    rule: str  # decision rule used (consensus, unanimity, majority, qualified_majority)
    dispute_mechanism: bool
    suspension_allowed: bool
    leader_caps: bool
    assumptions: tuple[str, ...] = ()  # what was assumed for missing data, for the metadata
    sources: tuple[str, ...] = ()  # ids of the rows the state was built from (traceability)
    # (N,) bool: True where the package had no dependence value nor an arms supply from the
    # leader, so ``dependence`` holds the parameter ``dependence_missing`` of the state's
    # build (the engine puts the run's own ``dependence_missing`` there); None: none assumed
    dependence_assumed: np.ndarray | None = None
    # the requests before the start as the strain index's unanswered_requests counts them:
    # one row per invocation event by actors that were in the organisation when they asked,
    # (age in years at the start, answered)
    past_request_events: tuple[tuple[float, bool], ...] = ()
    window_days: int = 0  # relations count if in force on a day of this many days up to date
    # (N, K) the part of ``threat`` that comes from threat_perception relations (the
    # actors' own and the organisation's): what the strain index's threat_divergence
    # counts; None: all of ``threat``
    perception: np.ndarray | None = None
    # (P, N) partnerships between each patron and each actor (strategic partnerships,
    # summit formats): courtship rather than a guarantee, so they enter the outside option
    # through the investment channel (weighted by investment_weight); None: none
    patron_partnership: np.ndarray | None = None
    # ISO dates on which the organisation's treaty term ends and the parties must act to
    # stay (provisions of kind ``renewal``, their ``adopted`` day); the engine adds
    # ``renewal_offset`` to leaving in a step that contains one
    renewals: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of actors ``N``."""
        return len(self.actors)

    @property
    def p(self) -> int:
        """Number of outside patrons ``P``."""
        return len(self.patrons)

    @property
    def k(self) -> int:
        """Number of threat targets ``K``."""
        return len(self.targets)

    def check(self) -> None:
        """Raise ``ValueError`` when the arrays' shapes or ranges break the contract."""
        n, p, k = self.n, self.p, self.k
        shapes = {
            "candidates": (n,),
            "status": (n,),
            "dependence": (n,),
            "capability": (n,),
            "threat": (n, k),
            "leader_threat": (n,),
            "conflict": (n, n),
            "ties": (n, n),
            "patron_arms": (p, n),
            "patron_guarantee": (p, n),
            "requests_made": (n,),
            "requests_open": (n,),
        }
        for name, shape in shapes.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"InitialState.{name} has shape {got}; expected {shape}")
        if not 0 <= self.leader < n:
            raise ValueError(f"InitialState.leader {self.leader} is not an actor index")
        for name in ("dependence", "threat", "leader_threat", "conflict", "ties"):
            a = np.asarray(getattr(self, name), dtype=float)
            if a.size and not (np.all(a >= 0) and np.all(a <= 1)):
                raise ValueError(f"InitialState.{name} must lie in [0, 1]")
        if not np.allclose(self.conflict, np.transpose(self.conflict)):
            raise ValueError("InitialState.conflict must be symmetric")
        if not np.allclose(self.ties, np.transpose(self.ties)):
            raise ValueError("InitialState.ties must be symmetric")
        if np.any(np.diag(self.conflict) != 0):
            raise ValueError("InitialState.conflict must have a zero diagonal")


@dataclass(frozen=True)
class Drivers:
    """What a scenario sets for a block of ``R`` replicates and ``Y`` years.

    Year axis index ``y`` (0..Y-1) is step ``t = y + 1``. Produced by
    :mod:`phalanx.experiments.drivers` from the replicates' own uniforms.
    """

    capacity0: np.ndarray  # (R,) in [0, 1]
    at_war: np.ndarray  # (R, Y) bool
    drain: np.ndarray  # (R,) >= 0, capacity lost per year of war
    recovery: np.ndarray  # (R,) in [0, 1], share of the gap to 1 recovered per year of peace
    arms_offer: np.ndarray  # (R, Y, P, N) in [0, 1]
    investment: np.ndarray  # (R, Y, P, N) in [0, 1]
    guarantee: np.ndarray  # (R, Y, P, N) in [0, 1]
    conflict_scale: np.ndarray  # (R, Y, N, N) >= 0, symmetric
    threat_scale: np.ndarray  # (R, Y, N) >= 0
    leader_threat_scale: np.ndarray  # (R, Y, N) >= 0
    cooperation: np.ndarray  # (R, Y) in [0, 1]
    cooperation_group: np.ndarray  # (N,) bool

    @property
    def shape(self) -> tuple[int, int]:
        """``(R, Y)``."""
        return self.at_war.shape  # type: ignore[return-value]

    @classmethod
    def neutral(cls, state: InitialState, replicates: int, years: int) -> Drivers:
        """The drivers of no scenario rule at all, for ``replicates`` x ``years``.

        The leader's capacity starts at 1 and no war drains it, no patron offers anything,
        every scale is 1 and nobody cooperates. Memory: ``O(R Y (P N + N**2))`` floats.
        """
        if replicates < 0 or years < 0:
            raise ValueError(f"replicates and years must be >= 0; got {replicates}, {years}")
        r, y, n, p = int(replicates), int(years), state.n, len(state.patrons)
        return cls(
            capacity0=np.ones(r),
            at_war=np.zeros((r, y), dtype=bool),
            drain=np.zeros(r),
            recovery=np.zeros(r),
            arms_offer=np.zeros((r, y, p, n)),
            investment=np.zeros((r, y, p, n)),
            guarantee=np.zeros((r, y, p, n)),
            conflict_scale=np.ones((r, y, n, n)),
            threat_scale=np.ones((r, y, n)),
            leader_threat_scale=np.ones((r, y, n)),
            cooperation=np.zeros((r, y)),
            cooperation_group=np.zeros(n, dtype=bool),
        )

    def check(self, n: int, p: int) -> None:
        """Raise ``ValueError`` when a shape does not fit ``n`` actors and ``p`` patrons
        or a value leaves its range (the engine calls it once per block)."""
        r, y = self.shape
        shapes = {
            "capacity0": (r,),
            "drain": (r,),
            "recovery": (r,),
            "arms_offer": (r, y, p, n),
            "investment": (r, y, p, n),
            "guarantee": (r, y, p, n),
            "conflict_scale": (r, y, n, n),
            "threat_scale": (r, y, n),
            "leader_threat_scale": (r, y, n),
            "cooperation": (r, y),
            "cooperation_group": (n,),
        }
        for name, shape in shapes.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"Drivers.{name} has shape {got}; expected {shape}")
        for name in (
            "capacity0",
            "recovery",
            "arms_offer",
            "investment",
            "guarantee",
            "cooperation",
        ):
            a = np.asarray(getattr(self, name), dtype=float)
            if a.size and not (np.all(a >= 0) and np.all(a <= 1)):
                raise ValueError(f"Drivers.{name} must lie in [0, 1]")
        for name in ("drain", "conflict_scale", "threat_scale", "leader_threat_scale"):
            a = np.asarray(getattr(self, name), dtype=float)
            if a.size and not (np.all(a >= 0) and np.all(np.isfinite(a))):
                raise ValueError(f"Drivers.{name} must be finite and >= 0")


@dataclass(frozen=True)
class ChunkResult:
    """What the engine returns for one block of replicates (plain arrays, ready to archive)."""

    replicate: np.ndarray  # (R,) int64 global replicate ids
    status: np.ndarray  # (R, Y+1, N) int8
    capacity: np.ndarray  # (R, Y+1) float
    belief: np.ndarray  # (R, Y+1, N) float32
    dependence: np.ndarray  # (R, Y+1, N) float32
    strain: np.ndarray  # (R, Y+1) float, nan where no component has a value
    strain_components: np.ndarray  # (R, Y+1, C) float, C = len(SIM_STRAIN_COMPONENTS), nan = none
    clashes: np.ndarray  # (R, Y+1) int32 (index 0 is 0)
    # one row per request: replicate id, year index (1..Y), requester, aggressor (actor
    # indices), outcome in [0, 1], binding (index into BINDINGS)
    requests: dict[str, np.ndarray] = field(default_factory=dict)
    # one row per exit: replicate id, year index, actor index, from_status, mechanism (index
    # into MECHANISMS), terms (n, len(MECHANISMS))
    exits: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
