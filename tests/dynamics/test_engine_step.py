"""One step of the engine on a 3-actor toy state, against a computation done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
from phalanx.models.dynamics.params import MembershipParams
from phalanx.models.dynamics.types import BINDINGS, MECHANISMS

from .toy import small_state, toy_state, with_drivers


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_uniforms_per_year():
    # 3n + n(n-1)/2: 3 actors -> 9 + 3; 13 actors -> 39 + 78
    assert [uniforms_per_year(n) for n in (0, 1, 3, 13)] == [0, 3, 12, 117]


def test_one_step_by_hand():
    s = toy_state()
    # three replicates; the leader is at war in year 1 and loses 0.5 of its capacity
    d = with_drivers(s, 3, 1, at_war=np.ones((3, 1), bool), drain=np.full(3, 0.5))
    u = np.full((3, 1, uniforms_per_year(3)), 0.5)
    # layout: u_move (L, B, C), u_req (L, B, C), u_agg (L, B, C), u_clash (LB, LC, BC)
    u[0, 0, [1, 4]] = [0.1, 0.2]  # rep 0: B asks (0.2 < 1 - e^-0.5 = 0.3935), then freezes
    u[1, 0, [1, 4]] = [0.01, 0.2]  # rep 1: B asks, then leaves
    u[2, 0, [1, 4]] = [0.5, 0.9]  # rep 2: B does not ask, stays
    # the hand computation fixes the parameters it uses (the defaults may be recalibrated)
    params = MembershipParams(alpha=-5.0, freeze_offset=1.0)
    res = run_chunk(s, d, params, u, np.array([10, 11, 12]))

    # Step 1: kappa = max(0.05, 1 - 0.5) = 0.5 (capacity0 1)
    assert res.capacity[:, 1] == pytest.approx([0.5] * 3)
    # Step 3: d = d0 (1 - 0.3 * 0) (1 - 0.05 (1 - 0.5)) = d0 * 0.975
    assert res.dependence[0, 1] == pytest.approx([1.0, 0.4875, 0.195], abs=1e-6)
    # Step 6, rep 0: B (member) faces C (outside) at 0.5: H = 0.5. Voters L and B.
    # Leader's willingness: clip(0.3 + 0.6 * W[L,B]=1 - 0.6 * W[L,C]=0.5) = 0.6; B: 1.
    # Consensus: both block (salience 1) -> min = 0.6; the leader's capacity caps it at 0.5.
    req = res.requests
    assert list(req["replicate"]) == [10, 11]
    assert list(req["requester"]) == [1, 1] and list(req["aggressor"]) == [2, 2]
    assert req["outcome"] == pytest.approx([0.5, 0.5])
    assert [BINDINGS[b] for b in req["binding"]] == ["leader_capacity", "leader_capacity"]
    # beliefs (start 0.7, recovery moves nothing at 0.7): B 0.7 + 0.6 (0.5 - 0.7) = 0.58;
    # L observes: 0.7 + 0.2 (0.5 - 0.7) = 0.66; C is outside: 0.7
    assert res.belief[0, 1] == pytest.approx([0.66, 0.58, 0.7], abs=1e-6)
    assert res.belief[2, 1] == pytest.approx([0.7, 0.7, 0.7], abs=1e-6)
    # Step 7, B in rep 0: theta = max(T = 0.4, X with outsider C = 0.5) = 0.5
    #   dependence 2 (1 - 0.4875) = 1.025; credibility 2.5 * 0.5 * (1 - 0.58 * 0.5) = 0.8875
    #   leader_threat 0; patrons 0; member_conflict 0 (no conflict with L);
    #   threat divergence: one target, perceived by B; Tbar = (0 + 0.4) / 2 = 0.2 over
    #   members L, B; |0.4 - 0.2| = 0.2; leader_war 1 * (1 - 0.5) = 0.5.
    #   z = -5 + 1.025 + 0.8875 + 0.2 + 0.5 = -2.3875
    z_b = -2.3875
    p_exit, p_freeze = sigma(z_b), sigma(z_b + 1.0)  # 0.08413, 0.19979
    c1, c2 = p_exit, p_exit + (1 - p_exit) * p_freeze  # 0.08413, 0.26711
    assert c1 < 0.1 < c2 and 0.01 < c1  # so rep 0 freezes, rep 1 leaves
    # C (outside): dependence 2 (1 - 0.195) = 1.61; leader_threat 3 * 0.5 = 1.5;
    #   member_conflict 1.5 * min(1, X[C,B] = 0.5) = 0.75; divergence |0 - 0.2| = 0.2;
    #   leader_war 0.5.  z = -5 + 4.56 = -0.44; p_join = sigma(0.44 - 8) = 0.0005
    assert sigma(0.44 - 8) < 0.5  # C stays out at u = 0.5
    assert res.status[:, 1].tolist() == [[1, 2, 0], [1, 0, 0], [1, 1, 0]]
    # the exit of rep 1: B, from MEMBER, largest term dependence (1.015)
    ex = res.exits
    assert list(ex["replicate"]) == [11] and list(ex["actor"]) == [1]
    assert list(ex["from_status"]) == [1] and MECHANISMS[ex["mechanism"][0]] == "dependence"
    assert ex["terms"][0] == pytest.approx([1.025, 0.8875, 0, 0, 0, 0.2, 0.5], abs=1e-9)
    # rep 2 asked nothing: credibility 2.5 * 0.5 * (1 - 0.7 * 0.5) = 0.8125, z = -2.4625,
    # p_exit 0.0785, then freeze up to 0.2518: u = 0.9 stays
    # Step 9, strain of rep 0 after the year: only L is a full member (B froze), so only
    # the requests have a value: 1 of 1, answered at 0.5 (not below 0.5) -> 0; index 0
    assert np.isnan(res.strain_components[0, 1, [0, 1, 3]]).all()
    assert res.strain_components[0, 1, 2] == pytest.approx(0.0)
    assert res.strain[0, 1] == pytest.approx(0.0)
    # rep 2: members L, B: conflicts 0 / 1 pair; independence 1 - 0.4875; no requests;
    # T seen by B only: p = 1/2 -> 4 p (1 - p) = 1.  Index (0 + 0.5 * 0.5125 + 0.5) / 2
    assert res.strain_components[2, 1] == pytest.approx([0, 0.5125, np.nan, 1.0], nan_ok=True)
    assert res.strain[2, 1] == pytest.approx((0.5 * 0.5125 + 0.5 * 1.0) / 2.0)
    assert res.clashes[:, 1].tolist() == [0, 0, 0]
    # t = 0 is the start itself
    assert res.status[:, 0].tolist() == [[1, 1, 0]] * 3 and res.capacity[:, 0].tolist() == [1] * 3


def test_a_clash_by_hand():
    # make C a member: B and C, both members at 0.5, clash with probability 1 - e^-0.5
    s = toy_state(status=np.array([1, 1, 1], dtype=np.int8))
    d = with_drivers(s, 2, 1)
    u = np.full((2, 1, 12), 0.99)  # nobody moves or asks
    u[0, 0, 11] = 0.3  # pair B-C: 0.3 < 0.3935 -> a clash
    u[1, 0, 11] = 0.5  # no clash
    res = run_chunk(s, d, MembershipParams(), u, np.arange(2))
    # b = 0.7 (1 - 0.1 * 0.5 * 1) = 0.665 for both; no dispute mechanism
    assert res.belief[0, 1] == pytest.approx([0.7, 0.665, 0.665], abs=1e-6)
    assert res.belief[1, 1] == pytest.approx([0.7, 0.7, 0.7], abs=1e-6)
    assert res.clashes[:, 1].tolist() == [1, 0]
    # with a dispute mechanism the loss halves: 0.7 (1 - 0.1 * 0.5 * 0.5) = 0.6825
    s2 = toy_state(status=np.array([1, 1, 1], dtype=np.int8), dispute_mechanism=True)
    res2 = run_chunk(s2, d, MembershipParams(), u, np.arange(2))
    assert res2.belief[0, 1] == pytest.approx([0.7, 0.6825, 0.6825], abs=1e-6)


def test_past_requests_set_the_starting_beliefs():
    # B made 2 requests, 1 answered: B 0.7 -> 1 step to 1 (0.88) -> 1 step to 0 (0.352);
    # L (member) observes both: 0.7 -> 0.76 -> 0.608; C (outside) keeps 0.7
    s = toy_state(requests_made=np.array([0, 2, 0]), requests_open=np.array([0, 1, 0]))
    res = run_chunk(s, with_drivers(s, 1, 0), MembershipParams(), np.zeros((1, 0, 12)), [0])
    assert res.belief[0, 0] == pytest.approx([0.608, 0.352, 0.7], abs=1e-6)


def _ask(state, who, agg=0.5, replicates=1, **drivers):
    """One year in which only actor ``who`` asks (u_req 0), nobody moves (u_move 0.999)."""
    n = state.n
    u = np.full((replicates, 1, uniforms_per_year(n)), 0.999)
    u[:, 0, n + who] = 0.0
    u[:, 0, 2 * n + who] = agg
    return u, with_drivers(state, replicates, 1, **drivers)


def test_the_aggressor_is_drawn_in_proportion_to_conflict():
    # L, B members; C, D outside; B against C at 0.2 and D at 0.6: the inverse CDF over
    # (L, B, C, D) is (0, 0, 0.2, 0.8); u_agg 0.2 aims at 0.16 -> C, 0.3 aims at 0.24 -> D
    s = small_state("LBCD", [1, 1, 0, 0], {(1, 2): 0.2, (1, 3): 0.6}, {})
    for agg, want in ((0.2, 2), (0.3, 3), (0.0, 2), (0.999, 3)):
        u, d = _ask(s, 1, agg)
        res = run_chunk(s, d, MembershipParams(), u, [0])
        assert res.requests["aggressor"].tolist() == [want]


def test_voters_positions_and_rules_by_hand():
    # L, B, C members, D outside; B-D 0.6 and C-D 0.4; ties L-B 1, L-D 0.5, B-C 0.2.
    # B asks against D (kappa 1). Positions: B 1; L 1 * (0.3 + 0.6 * 1 - 0.6 * 0.5) = 0.6;
    # C: 0.3 + 0.6 * 0.2 (tie to B) - 0 (no tie to D) + 0.3 * 0.4 (its own conflict with D)
    #    - 0.3 * 0.4 (its exposure theta = 0.4) = 0.42, salience max(0.2, 0, 0.4) = 0.4.
    s = small_state(
        "LBCD", [1, 1, 1, 0], {(1, 3): 0.6, (2, 3): 0.4}, {(0, 1): 1.0, (0, 3): 0.5, (1, 2): 0.2}
    )
    u, d = _ask(s, 1)

    def outcome(**p):
        res = run_chunk(s, d, MembershipParams(**p), u, [0])
        assert res.requests["requester"].tolist() == [1]
        return res.requests["outcome"][0], BINDINGS[res.requests["binding"][0]]

    assert outcome() == (pytest.approx(0.42), "member")  # consensus: the least willing
    assert outcome(abstain_below=0.5) == (pytest.approx(0.6), "member")  # C abstains
    assert outcome(rule="majority") == (pytest.approx(0.6), "member")  # 2 of 3 at 0.6
    assert outcome(rule="unanimity", abstain_below=0.5) == (pytest.approx(0.42), "member")
    # the leader's capacity at 0.5 (no war, no recovery) caps the outcome; its position
    # stays its willingness (0.6). Consensus adopts C's 0.42, below the cap: a member binds
    u, d = _ask(s, 1, capacity0=np.array([0.5]))
    res = run_chunk(s, d, MembershipParams(), u, [0])
    assert res.requests["outcome"][0] == pytest.approx(0.42)
    assert BINDINGS[res.requests["binding"][0]] == "member"
    # with C tied to B at 1 (C at 0.3 + 0.6 + 0.12 - 0.12 = 0.9) consensus would adopt L's
    # 0.6 and a majority C's 0.9: the cap 0.5 cuts both down, and says so
    s2 = small_state(
        "LBCD", [1, 1, 1, 0], {(1, 3): 0.6, (2, 3): 0.4}, {(0, 1): 1.0, (0, 3): 0.5, (1, 2): 1.0}
    )
    res = run_chunk(s2, d, MembershipParams(), u, [0])
    assert res.requests["outcome"][0] == pytest.approx(0.5)
    assert BINDINGS[res.requests["binding"][0]] == "leader_capacity"
    res = run_chunk(s2, d, MembershipParams(rule="majority"), u, [0])
    assert res.requests["outcome"][0] == pytest.approx(0.5)
    assert BINDINGS[res.requests["binding"][0]] == "leader_capacity"
    s3 = small_state(
        "LBCD",
        [1, 1, 1, 0],
        {(1, 3): 0.6, (2, 3): 0.4},
        {(0, 1): 1.0, (0, 3): 0.5, (1, 2): 1.0},
        leader_caps=False,
    )
    res = run_chunk(s3, d, MembershipParams(rule="majority"), u, [0])
    assert res.requests["outcome"][0] == pytest.approx(0.9)  # no cap: C's 0.9 is adopted


def test_requests_of_one_year_update_beliefs_in_actor_order():
    # B and C both ask against D in the same year (L, B, C members; ties L-B 1, L-D 0.5).
    # B's request: L at 0.3 + 0.6 * 1 - 0.6 * 0.5 = 0.6, C at 0.3 + 0.3 * 0.5 - 0.3 * 0.5 =
    # 0.3 (salience 0.5) -> 0.3. C's request: L at 0.3 + 0 - 0.3 = 0 -> 0.
    # Beliefs from 0.7, B's request first: B 0.7 + 0.6 (0.3 - 0.7) = 0.46, C and L
    # 0.7 + 0.2 (0.3 - 0.7) = 0.62; then C's (outcome 0): C 0.62 * 0.4 = 0.248,
    # B 0.46 * 0.8 = 0.368, L 0.62 * 0.8 = 0.496. (C's first would give B 0.404, C 0.284.)
    s = small_state("LBCD", [1, 1, 1, 0], {(1, 3): 0.5, (2, 3): 0.5}, {(0, 1): 1.0, (0, 3): 0.5})
    n = 4
    u = np.full((1, 1, uniforms_per_year(n)), 0.999)
    u[0, 0, [n + 1, n + 2]] = 0.0
    res = run_chunk(s, with_drivers(s, 1, 1), MembershipParams(), u, [0])
    assert res.requests["requester"].tolist() == [1, 2]
    assert res.requests["outcome"] == pytest.approx([0.3, 0.0])
    assert res.belief[0, 1, :3] == pytest.approx([0.496, 0.368, 0.248], abs=1e-6)
