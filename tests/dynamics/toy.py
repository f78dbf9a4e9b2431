"""Small hand-built states for the engine's tests (no knowledge base needed)."""

from __future__ import annotations

import numpy as np

from phalanx.models.dynamics.types import Drivers, InitialState


def toy_state(**over) -> InitialState:
    """Three actors: L (leader, member), B (member), C (outside). One threat target T.

    d0 = (1, 0.5, 0.2); B perceives T at 0.4; C fears the leader at 0.5; B and C are in
    conflict at 0.5; ties L-B 1, L-C 0.5. Consensus, no dispute mechanism, no suspension.
    """
    conflict = np.zeros((3, 3))
    conflict[1, 2] = conflict[2, 1] = 0.5
    ties = np.zeros((3, 3))
    ties[0, 1] = ties[1, 0] = 1.0
    ties[0, 2] = ties[2, 0] = 0.5
    base = dict(
        organization="ORG",
        date="2000-01-01",
        data_version="toy",
        actors=("L", "B", "C"),
        leader=0,
        patrons=(),
        candidates=np.array([False, True, True]),
        status=np.array([1, 1, 0], dtype=np.int8),
        dependence=np.array([1.0, 0.5, 0.2]),
        capability=np.zeros(3),
        threat=np.array([[0.0], [0.4], [0.0]]),
        targets=("T",),
        leader_threat=np.array([0.0, 0.0, 0.5]),
        conflict=conflict,
        ties=ties,
        patron_arms=np.zeros((0, 3)),
        patron_guarantee=np.zeros((0, 3)),
        requests_made=np.zeros(3, dtype=np.int64),
        requests_open=np.zeros(3, dtype=np.int64),
        past_requests=(),
        rule="consensus",
        dispute_mechanism=False,
        suspension_allowed=False,
        leader_caps=True,
    )
    base.update(over)
    return InitialState(**base)


def with_drivers(state: InitialState, replicates: int, years: int, **over) -> Drivers:
    """Neutral drivers with some fields replaced."""
    d = Drivers.neutral(state, replicates, years)
    fields = {k: getattr(d, k) for k in d.__dataclass_fields__}
    fields.update(over)
    return Drivers(**fields)


def small_state(actors, status, conflict_pairs, tie_pairs, **over) -> InitialState:
    """A hand-built state: actor 0 leads; ``conflict_pairs`` and ``tie_pairs`` map
    (i, j) -> intensity (symmetric); no threats, patrons or requests unless given."""
    n = len(actors)
    x = np.zeros((n, n))
    for (i, j), v in conflict_pairs.items():
        x[i, j] = x[j, i] = v
    w = np.zeros((n, n))
    for (i, j), v in tie_pairs.items():
        w[i, j] = w[j, i] = v
    cand = np.ones(n, dtype=bool)
    cand[0] = False
    base = dict(
        organization="ORG",
        date="2000-01-01",
        data_version="toy",
        actors=tuple(actors),
        leader=0,
        patrons=(),
        candidates=cand,
        status=np.array(status, dtype=np.int8),
        dependence=np.ones(n),
        capability=np.zeros(n),
        threat=np.zeros((n, 0)),
        targets=(),
        leader_threat=np.zeros(n),
        conflict=x,
        ties=w,
        patron_arms=np.zeros((0, n)),
        patron_guarantee=np.zeros((0, n)),
        requests_made=np.zeros(n, dtype=np.int64),
        requests_open=np.zeros(n, dtype=np.int64),
        past_requests=(),
        rule="consensus",
        dispute_mechanism=False,
        suspension_allowed=False,
        leader_caps=True,
    )
    base.update(over)
    return InitialState(**base)
