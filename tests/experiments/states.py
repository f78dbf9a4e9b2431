"""Simulated states for the scenario tests: one built by hand, and one from a package.

``from_package`` uses the engine's ``initial_state`` when it is installed; before that it
follows the spec's rules for actors, the leader, patrons, candidates and the start-date status
itself and fills the model inputs that a scenario never reads (threats, ties, ...) with zeros
of the right shapes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.types import InitialState

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "eurasia": None,
    "anzus": ROOT / "tests" / "data" / "kb" / "anzus",
    "triple-alliance": ROOT / "tests" / "data" / "kb" / "triple-alliance",
}


def hand_state(
    actors: tuple[str, ...] = ("LDR", "AAA", "BBB", "CCC", "PAT", "OUT"),
    status: tuple[int, ...] = (1, 1, 1, 2, 0, 0),
    leader: int = 0,
    patrons: tuple[int, ...] = (4,),
    date: str = "2026-06-30",
) -> InitialState:
    """A small state: leader LDR, members AAA BBB, CCC frozen, patron PAT, outsider OUT."""
    n, p = len(actors), len(patrons)
    candidates = np.ones(n, dtype=bool)
    candidates[leader] = False
    candidates[list(patrons)] = False
    return _state("TEST", date, actors, leader, patrons, candidates, np.array(status), n, p)


def _state(org, date, actors, leader, patrons, candidates, status, n, p) -> InitialState:
    z = np.zeros
    return InitialState(
        organization=org,
        date=date,
        data_version="test",
        actors=tuple(actors),
        leader=leader,
        patrons=tuple(patrons),
        candidates=candidates,
        status=status.astype(np.int8),
        dependence=np.full(n, 0.5),
        capability=z(n),
        threat=z((n, 0)),
        targets=(),
        leader_threat=z(n),
        conflict=z((n, n)),
        ties=z((n, n)),
        patron_arms=z((p, n)),
        patron_guarantee=z((p, n)),
        requests_made=z(n, dtype=np.int64),
        requests_open=z(n, dtype=np.int64),
        past_requests=(),
        rule="consensus",
        dispute_mechanism=False,
        suspension_allowed=False,
        leader_caps=True,
    )


@functools.cache
def from_package(name: str, patrons: tuple[str, ...] | None = None) -> InitialState:
    """The actors, roles and status of a package's organisation at the end of its period.

    ``patrons`` overrides the package's (declared or derived) patrons.
    """
    path = PACKAGES[name]
    kb = KnowledgeBase.embedded() if path is None else KnowledgeBase.from_path(path)
    try:
        from phalanx.models.dynamics.state import initial_state
    except ImportError:  # the engine slice is not installed yet
        pass
    else:
        real = initial_state(kb)
        if patrons is None or tuple(real.actors[i] for i in real.patrons) == patrons:
            return real
    d = kb.defaults
    date = f"{d.period[1]}-06-30"
    snap = kb.snapshot(date)
    states = set(snap.actor_ids(kind="state"))
    org = d.organization
    actors = [a for a in d.region if a in states]
    if d.leader not in actors:
        actors.append(d.leader)
    actors += [a for a in snap.members(org, statuses=None) if a in states and a not in actors]
    arrays = snap.arrays(actors)
    status = arrays.status(org)
    status[status > 3] = 0  # observer, partner -> out
    leader = actors.index(d.leader)
    declared = patrons or getattr(d, "patrons", None)
    if declared:
        roles = tuple(actors.index(a) for a in declared if a in actors)
    else:
        # spells held in the organisation on any date of the period (yearly look-ups)
        years = range(int(d.period[0]), int(d.period[1]) + 1)
        ever = {
            m["actor"]
            for y in years
            for m in kb.snapshot(f"{y}-06-30").memberships
            if m["organization"] == org
        }
        suppliers = {r["actor_a"] for r in snap.relations if r["kind"] == "arms_supply"}
        roles = tuple(
            i
            for i, a in enumerate(actors)
            if a in d.region and a != d.leader and a not in ever and a in suppliers
        )
    candidates = np.ones(len(actors), dtype=bool)
    candidates[leader] = False
    candidates[list(roles)] = False
    return _state(org, date, actors, leader, roles, candidates, status, len(actors), len(roles))
