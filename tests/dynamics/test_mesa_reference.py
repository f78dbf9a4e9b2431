"""The Mesa per-agent reference on its own: one year of a 3-actor toy worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("mesa")

from phalanx.models.dynamics.mesa_reference import (  # noqa: E402
    reference_model,
    replicate_generator,
    run_reference,
    uniforms_per_year,
)
from phalanx.models.dynamics.params import MembershipParams  # noqa: E402
from phalanx.models.dynamics.types import MECHANISMS, Drivers, InitialState  # noqa: E402


def _toy() -> InitialState:
    """Leader L (member), candidate A (member, exposed), candidate B (outside, at odds with A)."""
    conflict = np.zeros((3, 3))
    conflict[1, 2] = conflict[2, 1] = 0.5
    ties = np.zeros((3, 3))
    ties[0, 1] = ties[1, 0] = 0.5
    return InitialState(
        organization="ORG",
        date="2020-01-01",
        data_version="toy",
        actors=("L", "A", "B"),
        leader=0,
        patrons=(),
        candidates=np.array([False, True, True]),
        status=np.array([1, 1, 0], np.int8),
        dependence=np.array([1.0, 0.6, 0.5]),
        capability=np.zeros(3),
        threat=np.array([[0.0], [0.4], [0.0]]),
        targets=("T",),
        leader_threat=np.zeros(3),
        conflict=conflict,
        ties=ties,
        patron_arms=np.zeros((0, 3)),
        patron_guarantee=np.zeros((0, 3)),
        requests_made=np.zeros(3, np.int64),
        requests_open=np.zeros(3, np.int64),
        past_requests=(),
        rule="consensus",
        dispute_mechanism=False,
        suspension_allowed=False,
        leader_caps=True,
    )


def _neutral(n: int, p: int, years: int) -> Drivers:
    return Drivers(
        capacity0=np.ones(1),
        at_war=np.zeros((1, years), bool),
        drain=np.zeros(1),
        recovery=np.zeros(1),
        arms_offer=np.zeros((1, years, p, n)),
        investment=np.zeros((1, years, p, n)),
        guarantee=np.zeros((1, years, p, n)),
        conflict_scale=np.ones((1, years, n, n)),
        threat_scale=np.ones((1, years, n)),
        leader_threat_scale=np.ones((1, years, n)),
        cooperation=np.zeros((1, years)),
        cooperation_group=np.zeros(n, bool),
    )


class _Forced:
    """Stands in for the model's generator: hands out one prescribed block per year."""

    def __init__(self, *blocks: list[float]) -> None:
        self.blocks = [np.asarray(b, float) for b in blocks]

    def random(self, k: int) -> np.ndarray:
        block = self.blocks.pop(0)
        assert block.shape == (k,)
        return block


#: The parameters the hand computations below use (the defaults of the first specification;
#: the defaults may move with calibration, the arithmetic should not).
HAND = {"alpha": -5.0, "freeze_offset": 1.0, "suspend_offset": -1.0}


def _one_year(u_move: list[float], u_req: float) -> object:
    model = reference_model(_toy(), _neutral(3, 0, 1), MembershipParams(**HAND))
    # layout: u_move (3), u_req (3), u_agg (3), u_clash (3 pairs)
    model.rng = _Forced([*u_move, 0.9, u_req, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    model.step()
    return model


def test_one_year_by_hand() -> None:
    # Year 1, alpha -5, capacity 1, no patrons.
    # Request: A is a member facing outsider B (X = 0.5): hazard 0.5, probability
    #   1 - e^-0.5 = 0.393 > u_req = 0.1, so A asks, against B (the only outsider in conflict).
    # Voters L and A. Positions: A 1; L = 1 * (0.3 + 0.6 * W[L, A] = 0.5) = 0.6. Consensus,
    #   both salience 1: the least willing binds, outcome 0.6 (binding: member).
    # Beliefs (0.7 at the start, recovery leaves them there): A 0.7 + 0.6 (0.6 - 0.7) = 0.64;
    #   L observes, 0.7 + 0.2 (0.6 - 0.7) = 0.68; B is outside and does not learn: 0.7.
    # Threat divergence: the members L (T = 0) and A (T = 0.4) perceive target T, mean 0.2;
    #   A is 0.2 from it, B (perceiving nothing) 0.2 too.
    # A's terms: dependence 2 (1 - 0.6) = 0.8; credibility 2.5 * theta (max(0.4, X[A, B] =
    #   0.5) = 0.5) * (1 - 0.64) = 0.45; threat divergence 1 * 0.2; the rest 0.
    #   z = -5 + 1.45 = -3.55, p_exit = sigma(-3.55) = 0.02792: u_move = 0.01 leaves, by
    #   dependence (the largest term).
    # B's terms: dependence 2 (1 - 0.5) = 1; member conflict 1.5 * min(1, X[B, A]) = 0.75;
    #   threat divergence 0.2. z = -5 + 1.95 = -3.05, p_join = sigma(3.05 - 8) = 0.007034:
    #   u_move = 0.002 joins.
    m = _one_year([0.5, 0.01, 0.002], u_req=0.1)
    agents = m.actors_
    assert [a.status for a in agents] == [1, 0, 1]
    assert [a.belief for a in agents] == pytest.approx([0.68, 0.64, 0.7])
    assert [a.dependence for a in agents] == pytest.approx([1.0, 0.6, 0.5])
    assert m.requests == [(1, 1, 2, pytest.approx(0.6), 0)]
    (year, actor, from_status, mech, terms) = m.exits[0]
    assert (year, actor, from_status, MECHANISMS[mech]) == (1, 1, 1, "dependence")
    assert terms == pytest.approx([0.8, 0.45, 0, 0, 0, 0.2, 0])
    # Strain after the moves: members L and B, no conflict between them (0), B's arms
    # independence 1 - 0.5, the one request answered (0.6 >= 0.5), no threat perceived by a
    # member: index (1 * 0 + 0.5 * 0.5 + 1 * 0) / 2.5 = 0.1.
    index, comps = m.strain()
    assert index == pytest.approx(0.1)
    assert comps[:3] == pytest.approx([0.0, 0.5, 0.0]) and math.isnan(comps[3])


def test_thresholds_by_hand() -> None:
    # Just above p_exit(A) = 0.02792, A freezes instead (below 0.02792 + 0.97208 *
    # sigma(-3.55 + 1) = 0.09833), which is no exit; just above p_join(B) = 0.007034, B stays.
    m = _one_year([0.5, 0.0280, 0.0071], u_req=0.1)
    assert [a.status for a in m.actors_] == [1, 2, 0] and m.exits == []
    m = _one_year([0.5, 0.0984, 0.0071], u_req=0.1)
    assert [a.status for a in m.actors_] == [1, 1, 0]
    # No request (u_req above 0.393): A's belief stays 0.7, so credibility is
    # 2.5 * 0.5 * 0.3 = 0.375, z = -3.625, p_exit = sigma(-3.625) = 0.025957; A freezes
    # below p_exit + (1 - p_exit) sigma(-2.625) = 0.091751.
    m = _one_year([0.5, 0.0259, 0.5], u_req=0.5)
    assert m.requests == [] and [a.status for a in m.actors_] == [1, 0, 0]
    m = _one_year([0.5, 0.0260, 0.5], u_req=0.5)
    assert [a.status for a in m.actors_] == [1, 2, 0]
    m = _one_year([0.5, 0.0918, 0.5], u_req=0.5)
    assert [a.status for a in m.actors_] == [1, 1, 0]


def test_streams_are_the_replicates_own() -> None:
    """Replicate r's draws are the specification's stream, whatever else the block holds."""
    state = _toy()
    drivers = _neutral(3, 0, 4)
    alone = run_reference(state, drivers, MembershipParams(alpha=-1.0), 1, 7, replicate_ids=[5])
    block = run_reference(state, drivers, MembershipParams(alpha=-1.0), 8, 7)
    np.testing.assert_array_equal(alone.status[0], block.status[5])
    np.testing.assert_array_equal(alone.belief[0], block.belief[5])
    # the model's own generator is the replicate's stream, not shifted by Mesa's set-up
    model = reference_model(state, drivers, MembershipParams(), rng=replicate_generator(7, 5))
    expected = replicate_generator(7, 5).random(uniforms_per_year(3))
    np.testing.assert_array_equal(model.rng.random(uniforms_per_year(3)), expected)
