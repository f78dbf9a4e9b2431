"""Properties of the engine that hold whatever the draws (same uniforms, varied inputs)."""

from __future__ import annotations

import numpy as np
import pytest

from phalanx.models.dynamics import (
    MembershipModel,
    MembershipParams,
    initial_state,
    replicate_uniforms,
    run_chunk,
    uniforms_per_year,
)
from phalanx.models.dynamics.types import Drivers

from .toy import toy_state, with_drivers

OUT, MEMBER, FROZEN, SUSPENDED = 0, 1, 2, 3


def _uniforms(state, r, y, seed=0):
    return replicate_uniforms(seed, np.arange(r), 0, uniforms_per_year(state.n), y)[1]


def test_a_weaker_answer_hurts_the_requester_more_than_the_others():
    # B asks for help against C; the weaker the leader's position (ties to the aggressor C
    # raised), the weaker the answer. Start beliefs are equal (0.7) for everyone.
    p = MembershipParams(belief_recovery=0.0)
    drops = []
    for w_lc in (0.5, 0.75, 1.0):  # leader's position 0.6, 0.45, 0.3: all below 0.7
        ties = np.zeros((3, 3))
        ties[0, 1] = ties[1, 0] = 1.0
        ties[0, 2] = ties[2, 0] = w_lc
        s = toy_state(ties=ties)
        u = np.full((1, 1, 12), 0.99)
        u[0, 0, 4] = 0.0  # B asks
        res = run_chunk(s, with_drivers(s, 1, 1), p, u, [0])
        o = res.requests["outcome"][0]
        b = res.belief[0, 1]
        drops.append((o, 0.7 - b[1], 0.7 - b[0]))  # (outcome, requester's drop, L's drop)
    outcomes = [d[0] for d in drops]
    assert outcomes == sorted(outcomes, reverse=True) and outcomes[0] > outcomes[-1]
    for _, req_drop, obs_drop in drops:
        assert req_drop > obs_drop > 0  # learning_requester 0.6 > learning_observer 0.2
    assert [d[1] for d in drops] == sorted(d[1] for d in drops)  # weaker -> bigger drop


def test_with_every_incentive_to_stay_no_one_leaves(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    zero = {k: 0.0 for k in MembershipParams.model_fields if k.startswith("beta_")}
    p = MembershipParams(alpha=-30.0, **zero)
    res = MembershipModel(params=p, replicates=500, years=10, seed=3).run(s).result_
    assert res.exits["actor"].size == 0
    members0 = s.status == MEMBER
    # nobody who was a member stops being one (no freeze, no suspension either)
    assert (res.status[:, :, members0] == MEMBER).all()


def test_a_longer_war_never_raises_the_leaders_capacity(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    r, y = 200, 12
    rng = np.random.default_rng(5)
    u = _uniforms(s, r, y)
    drain, recovery = rng.random(r) * 0.4, rng.random(r)
    start = 0.3 + 0.7 * rng.random(r)
    paths = []
    for dur in (0, 2, 5, 12):
        war = np.zeros((r, y), bool)
        war[:, :dur] = True
        d = with_drivers(s, r, y, at_war=war, drain=drain, recovery=recovery, capacity0=start)
        paths.append(run_chunk(s, d, MembershipParams(), u, np.arange(r)).capacity)
    for shorter, longer in zip(paths, paths[1:], strict=False):
        assert (longer <= shorter + 1e-12).all()
    assert (paths[-1][:, -1] < paths[0][:, -1]).any()
    assert (paths[-1] >= MembershipParams().capacity_floor - 1e-12).all()


def test_a_conflict_between_members_lowers_both_members_commitment():
    # L, B, C all members; compare no conflict with a B-C conflict, same uniforms.
    members = np.array([1, 1, 1], dtype=np.int8)
    calm = toy_state(status=members, conflict=np.zeros((3, 3)))
    tense = toy_state(status=members)  # B-C at 0.5
    p = MembershipParams(alpha=-2.0)  # frequent moves, so the comparison has power
    r = 4000
    u = _uniforms(calm, r, 1, seed=11)
    a = run_chunk(calm, with_drivers(calm, r, 1), p, u, np.arange(r))
    b = run_chunk(tense, with_drivers(tense, r, 1), p, u, np.arange(r))
    for i in (1, 2):
        stay_calm = a.status[:, 1, i] == MEMBER
        stay_tense = b.status[:, 1, i] == MEMBER
        # same draws: higher z for both means whoever stays with the conflict stays without
        assert not (stay_tense & ~stay_calm).any()
        assert stay_tense.sum() < stay_calm.sum()
    # and on exit, the member-conflict term is there: 1.5 * min(1, 0.5) = 0.75
    ex = b.exits
    assert ex["terms"][:, 4] == pytest.approx(0.75)
    assert (a.exits["terms"][:, 4] == 0).all()


def test_frozen_members_leave_or_return_and_suspension_needs_a_provision():
    frozen = np.array([1, 2, 0], dtype=np.int8)
    p = MembershipParams(alpha=-1.0, return_offset=2.0)
    r = 3000
    s = toy_state(status=frozen)
    res = run_chunk(s, with_drivers(s, r, 1), p, _uniforms(s, r, 1), np.arange(r))
    moved = res.status[:, 1, 1]
    assert (moved == OUT).any() and (moved == MEMBER).any() and (moved == FROZEN).any()
    assert (res.exits["from_status"] == FROZEN).any()
    members = np.array([1, 1, 1], dtype=np.int8)
    for allowed in (False, True):
        s = toy_state(status=members, suspension_allowed=allowed)
        res = run_chunk(s, with_drivers(s, r, 3), p, _uniforms(s, r, 3), np.arange(r))
        assert (res.status == SUSPENDED).any() == allowed


def test_patrons_and_the_leader_never_move_and_a_former_member_can_return(eurasia):
    s = initial_state(eurasia, start="2026-12-31")
    # strong pushes out and easy joining: candidates move a lot
    p = MembershipParams(alpha=2.0, join_offset=10.0, return_offset=5.0)
    res = MembershipModel(params=p, replicates=300, years=8, seed=2).run(s).result_
    assert (res.status[:, :, s.leader] == MEMBER).all()
    for q in s.patrons:
        assert (res.status[:, :, q] == OUT).all()
    aze = s.actors.index("AZE")  # left the organisation in 1999 (memberships.csv)
    assert s.status[aze] == OUT and (res.status[:, 1:, aze] == MEMBER).any()
    # a member that left can come back within the run
    left = res.exits
    back = False
    for rep, year, actor in zip(left["replicate"], left["year"], left["actor"], strict=True):
        if (res.status[rep, year + 1 :, actor] == MEMBER).any():
            back = True
            break
    assert back


def _random_drivers(s, r, y, rng):
    n, p = s.n, len(s.patrons)
    cs = rng.random((r, y, n, n)) * 2
    cs = (cs + cs.transpose(0, 1, 3, 2)) / 2
    return Drivers(
        capacity0=rng.random(r),
        at_war=rng.random((r, y)) < 0.5,
        drain=rng.random(r) * 0.5,
        recovery=rng.random(r),
        arms_offer=rng.random((r, y, p, n)) * 0.5,
        investment=rng.random((r, y, p, n)),
        guarantee=rng.random((r, y, p, n)) * 0.5,
        conflict_scale=cs,
        threat_scale=rng.random((r, y, n)) * 2,
        leader_threat_scale=rng.random((r, y, n)) * 2,
        cooperation=rng.random((r, y)),
        cooperation_group=rng.random(n) < 0.5,
    )


@pytest.mark.parametrize(
    ("which", "start"),
    [
        ("eurasia", "2022-01-01"),
        ("eurasia", "2026-12-31"),
        ("anzus_kb", None),
        ("triple_kb", "1914-09-01"),
    ],
)
def test_invariants_on_every_package(request, which, start):
    kb = request.getfixturevalue(which)
    s = initial_state(kb, start=start)
    r, y = 150, 6
    rng = np.random.default_rng(1)
    d = _random_drivers(s, r, y, rng)
    res = run_chunk(s, d, MembershipParams(alpha=-2.0), _uniforms(s, r, y), np.arange(r) + 7)
    assert res.status.shape == (r, y + 1, s.n)
    assert set(np.unique(res.status)) <= {OUT, MEMBER, FROZEN, SUSPENDED}
    for a in (res.belief, res.dependence, res.capacity):
        assert np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all()
    fin = res.strain[~np.isnan(res.strain)]
    assert ((fin >= 0) & (fin <= 1)).all()
    assert (res.requests["outcome"] >= 0).all() and (res.requests["outcome"] <= 1).all()
    assert set(res.replicate) == set(range(7, 7 + r))
    assert (res.status[:, :, s.leader] == MEMBER).all()
    # only candidates ever move
    fixed = ~s.candidates
    assert (res.status[:, :, fixed] == s.status[fixed]).all()
    # an exit's mechanism is its largest term
    t = res.exits["terms"]
    if t.size:
        assert (t[np.arange(len(t)), res.exits["mechanism"]] == t.max(axis=1)).all()
    assert res.meta["organization"] == s.organization and res.meta["parameters"]["alpha"] == -2


def test_relabelling_the_actors_relabels_the_results(eurasia):
    # A permutation that keeps the relative order of the actors in conflict (ARM, AZE,
    # KGZ, TJK) leaves the aggressor draws and the order of the belief updates unchanged,
    # so the results are exactly the permuted ones (uniforms permuted along).
    s = initial_state(eurasia, start="2022-01-01")
    n = s.n
    keep = [s.actors.index(a) for a in ("KGZ", "TJK", "ARM", "AZE")]  # in actor order
    others = [i for i in range(n) if i not in keep][::-1]
    perm = others[:3] + keep[:2] + others[3:6] + keep[2:] + others[6:]
    assert sorted(perm) == list(range(n))
    inv = np.argsort(perm)  # new index of old actor
    ps = _permuted_state(s, perm)
    r, y = 400, 8
    p = MembershipParams(alpha=-2.5)
    u = _uniforms(s, r, y, seed=9)
    iu, ju = np.triu_indices(n, 1)
    pair_of = {(a, b): k for k, (a, b) in enumerate(zip(iu, ju, strict=True))}
    cols = []
    for a, b in zip(iu, ju, strict=True):  # new pair (a, b) = old pair (perm[a], perm[b])
        oa, ob = sorted((perm[a], perm[b]))
        cols.append(3 * n + pair_of[(oa, ob)])
    up = np.concatenate(
        [
            u[:, :, perm],
            u[:, :, [n + i for i in perm]],
            u[:, :, [2 * n + i for i in perm]],
            u[:, :, cols],
        ],
        axis=2,
    )
    a = run_chunk(s, Drivers.neutral(s, r, y), p, u, np.arange(r))
    b = run_chunk(ps, Drivers.neutral(ps, r, y), p, up, np.arange(r))
    assert (b.status == a.status[:, :, perm]).all()
    assert b.belief == pytest.approx(a.belief[:, :, perm], abs=1e-6)
    assert b.dependence == pytest.approx(a.dependence[:, :, perm], abs=1e-6)
    assert b.strain == pytest.approx(a.strain, abs=1e-9, nan_ok=True)
    assert a.requests["outcome"].size > 0 and a.exits["actor"].size > 0
    assert sorted(inv[a.exits["actor"]].tolist()) == sorted(b.exits["actor"].tolist())


def _permuted_state(s, perm):
    from dataclasses import replace

    perm = np.asarray(perm)
    inv = np.argsort(perm)
    return replace(
        s,
        actors=tuple(s.actors[i] for i in perm),
        leader=int(inv[s.leader]),
        patrons=tuple(int(inv[q]) for q in s.patrons),
        candidates=s.candidates[perm],
        status=s.status[perm],
        dependence=s.dependence[perm],
        dependence_assumed=s.dependence_assumed[perm],
        capability=s.capability[perm],
        threat=s.threat[perm],
        perception=s.perception[perm],
        leader_threat=s.leader_threat[perm],
        conflict=s.conflict[np.ix_(perm, perm)],
        ties=s.ties[np.ix_(perm, perm)],
        patron_arms=s.patron_arms[:, perm],
        patron_guarantee=s.patron_guarantee[:, perm],
        requests_made=s.requests_made[perm],
        requests_open=s.requests_open[perm],
    )


def test_seeds_and_replicate_streams(anzus_kb):
    s = initial_state(anzus_kb)
    p = MembershipParams(alpha=-1.0)  # moves are frequent: statuses tell seeds apart
    a = MembershipModel(params=p, replicates=50, years=5, seed=4).run(s)
    b = MembershipModel(params=p, replicates=50, years=5, seed=4).run(s)
    c = MembershipModel(params=p, replicates=50, years=5, seed=5).run(s)
    assert a.seed_ == 4 and a.result_.meta["seed"] == 4
    assert (a.result_.status == b.result_.status).all()
    assert (a.result_.belief == b.result_.belief).all()
    assert not (a.result_.status == c.result_.status).all()
    # replicate 17 alone or inside a block of 40: the same trajectory
    ku = uniforms_per_year(s.n)
    _, u1 = replicate_uniforms(8, [17], 0, ku, 5)
    _, u40 = replicate_uniforms(8, np.arange(40), 0, ku, 5)
    one = run_chunk(s, Drivers.neutral(s, 1, 5), p, u1, np.array([17]))
    block = run_chunk(s, Drivers.neutral(s, 40, 5), p, u40, np.arange(40))
    assert (one.status[0] == block.status[17]).all()
    assert (one.belief[0] == block.belief[17]).all()
    # the stream is the spec's: SeedSequence(seed, spawn_key=(r,)), the engine's uniforms
    # first (so scenarios with different numbers of rules share them), the drivers' after
    g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(8, spawn_key=(17,))))
    drv, eng = replicate_uniforms(8, [17], 4, ku, 5)
    raw = g.random(5 * ku + 4)
    assert (eng[0].ravel() == raw[: 5 * ku]).all() and (drv[0] == raw[5 * ku :]).all()
    _, eng9 = replicate_uniforms(8, [17], 9, ku, 5)
    assert (eng9 == eng).all()
    # no seed: one is drawn and recorded
    m = MembershipModel(replicates=2, years=1).run(s)
    assert isinstance(m.seed_, int) and m.result_.meta["seed"] == m.seed_


def test_bad_settings_are_parameter_errors(anzus_kb):
    from phalanx.errors import ParameterError

    s = initial_state(anzus_kb)
    with pytest.raises(ParameterError, match="'replicates' parameter of MembershipModel"):
        MembershipModel(replicates=0).run(s)
    with pytest.raises(ParameterError, match="'drivers'"):
        MembershipModel(replicates=3, years=2).run(s, Drivers.neutral(s, 2, 2))


def test_any_relabelling_keeps_the_probabilities(eurasia):
    # reversing the actor order changes which uniform each decision reads (and the order
    # of a year's belief updates), so only the distributions agree: the share of
    # replicates in which each actor is a member after 8 years, within sampling error
    s = initial_state(eurasia, start="2022-01-01")
    perm = list(range(s.n))[::-1]
    ps = _permuted_state(s, perm)
    p = MembershipParams(alpha=-3.0)
    r = 3000
    a = MembershipModel(params=p, replicates=r, years=8, seed=21).run(s).result_
    b = MembershipModel(params=p, replicates=r, years=8, seed=22).run(ps).result_
    share_a = (a.status[:, -1] == MEMBER).mean(axis=0)[perm]
    share_b = (b.status[:, -1] == MEMBER).mean(axis=0)
    se = np.sqrt(share_a * (1 - share_a) / r + share_b * (1 - share_b) / r)
    assert (np.abs(share_a - share_b) <= 4 * se + 1e-9).all()
    assert ((share_a > 0.05) & (share_a < 0.95)).any()  # some actor's fate is uncertain
