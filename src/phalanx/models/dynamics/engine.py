"""The vectorised engine of the membership model: one block of replicates, all years.

:func:`run_chunk` advances ``R`` replicates of one :class:`~.types.InitialState` through
``Y`` yearly steps under the scenario's :class:`~.types.Drivers`, following the schedule
of docs/odd/membership.md exactly: the leader's capacity, the year's exogenous inputs,
dependence, belief recovery, clashes between members, requests for assistance and their
answers, disaffection, transitions, and the record of the year. It is a pure function:
every random decision reads the uniforms it is given (laid out as
:func:`uniforms_per_year` says), so a replicate's trajectory depends only on its own
uniforms, never on the block it runs in.

NumPy only, vectorised over replicates: the Python loops are over years, and over the
requests of a year only to apply their belief updates in actor order (each answer sees the
beliefs the previous one left); the answers themselves are decided in one batched call of
:func:`~phalanx.models.collective.adopted_levels` per year.

Conflicts are zero wherever the start's are (``X_t = clip01(X0 * ...)``), so everything about
them runs on the ``E`` pairs with ``X0 > 0`` (at most ``N (N - 1) / 2``; two on the Eurasian
package in 2022). Only the ``i < j`` entry of a driver's ``conflict_scale`` is read.

Cost per block: ``O(Y R (E + N K + P N + N))`` time, plus ``O(B N log N)`` for the ``B``
requests of a year, and ``O(R Y N)`` memory for the record (the drivers hold their own
``O(R Y N**2)``). See ``benchmarks/bench_engine.py`` for the
measured rate (actor-years per second).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from phalanx.models.collective import adopted_levels
from phalanx.models.dynamics.params import MembershipParams, check_param_arrays
from phalanx.models.dynamics.types import (
    MECHANISMS,
    SIM_STRAIN_COMPONENTS,
    ChunkResult,
    Drivers,
    InitialState,
)

__all__ = [
    "uniforms_per_year",
    "run_chunk",
    "initial_beliefs",
    "initial_dependence",
    "renewal_steps",
    "OUT",
    "MEMBER",
    "FROZEN",
    "SUSPENDED",
]

OUT, MEMBER, FROZEN, SUSPENDED = 0, 1, 2, 3  # the codes of phalanx.kb.arrays

_N_MECH = len(MECHANISMS)


def uniforms_per_year(n: int) -> int:
    """``K_u = 3 n + n (n - 1) / 2``: one year's uniforms for one replicate with ``n`` actors.

    Layout: ``u_move (n)``, ``u_req (n)``, ``u_agg (n)``, then ``u_clash`` for the pairs
    ``i < j`` in row-major order.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    return 3 * n + n * (n - 1) // 2


def initial_dependence(state: InitialState, params: MembershipParams) -> np.ndarray:
    """``(N,)`` dependence at t = 0, with the run's ``dependence_missing`` where assumed."""
    d = np.asarray(state.dependence, dtype=float).copy()
    if state.dependence_assumed is not None:
        d[np.asarray(state.dependence_assumed, bool)] = params.dependence_missing
    d[state.leader] = 1.0
    return d


def _in_org(status: np.ndarray) -> np.ndarray:
    return (status == MEMBER) | (status == FROZEN) | (status == SUSPENDED)


def initial_beliefs(state: InitialState, params: MembershipParams) -> np.ndarray:
    """``(N,)`` beliefs at t = 0: ``belief_start``, then the requests before the start.

    For each actor in order, its answered requests (outcome 1) and then its unanswered ones
    (outcome 0): the requester moves by ``learning_requester`` towards the outcome, every
    other actor in the organisation at the start (member, frozen or suspended) by
    ``learning_observer``. Only counts are known, so answered requests come first (the
    documented approximation). Cost ``O(N * requests)``.
    """
    b = np.full(state.n, params.belief_start)
    org = _in_org(np.asarray(state.status))
    made = np.asarray(state.requests_made, dtype=np.int64)
    open_ = np.asarray(state.requests_open, dtype=np.int64)
    for i in range(state.n):
        answered, unanswered = int(made[i] - open_[i]), int(open_[i])
        obs = org.copy()
        obs[i] = False
        for outcome, times in ((1.0, answered), (0.0, unanswered)):
            for _ in range(times):
                b[i] += params.learning_requester * (outcome - b[i])
                b[obs] += params.learning_observer * (outcome - b[obs])
    return b


def _sigma(x: np.ndarray) -> np.ndarray:
    # exp of a large positive argument overflows to inf, giving 0: the right limit
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _one_minus_prod(
    base: np.ndarray | None, offer: np.ndarray, *, add: bool, active: np.ndarray | None = None
) -> np.ndarray:
    """``1 - prod_p (1 - M[:, p])`` with ``M = min(1, base + offer)`` (or ``offer``), over
    the patron axis 1 of ``offer`` (R, P, N); zeros without patrons. A loop over the few
    patrons: a reduction over a short axis is slow in NumPy. ``active[p]`` False says that
    patron ``p`` offers nothing in the whole chunk, so only its base ties count."""
    r, p, n = offer.shape
    keep = np.ones((r, n))
    for k in range(p):
        if active is not None and not active[k]:
            if add and base[k].any():
                keep *= 1.0 - np.minimum(1.0, base[k])
            continue
        m = offer[:, k]
        if add:
            m = np.minimum(1.0, base[k] + m)
        keep *= 1.0 - m
    return 1.0 - keep


def _max_over_k(thr: np.ndarray) -> np.ndarray:
    """``max_k thr[:, :, k]`` (0 without targets), looping over the few targets."""
    out = np.zeros(thr.shape[:2])
    for k in range(thr.shape[2]):
        np.maximum(out, thr[:, :, k], out=out)
    return out


def _edge_sums(
    xe: np.ndarray, ei: np.ndarray, ej: np.ndarray, out_f: np.ndarray, org_f: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per replicate and actor, over the actor's conflict edges: the largest conflict with
    an outsider, the sum of conflicts with outsiders, the sum with actors in the
    organisation. ``xe`` (R, E); ``out_f``, ``org_f`` (R, N) 0/1. Returns three (R, N).

    A loop over the E edges on actor-major (N, R) rows: ``O(E R)``, no BLAS (whose thread
    start-up dominates at these sizes) and no reduction over a short axis.
    """
    r, n = out_f.shape
    xt = np.ascontiguousarray(xe.T)
    out_t = np.ascontiguousarray(out_f.T)
    org_t = np.ascontiguousarray(org_f.T)
    mx = np.zeros((n, r))
    s_out = np.zeros((n, r))
    s_org = np.zeros((n, r))
    for e in range(xt.shape[0]):
        i, j, x = ei[e], ej[e], xt[e]
        a, b = x * out_t[j], x * out_t[i]  # i's conflict with j if j is outside, and back
        np.maximum(mx[i], a, out=mx[i])
        np.maximum(mx[j], b, out=mx[j])
        s_out[i] += a
        s_out[j] += b
        s_org[i] += x * org_t[j]
        s_org[j] += x * org_t[i]
    return mx.T, s_out.T, s_org.T


def _divergence(thr: np.ndarray, mem_f: np.ndarray) -> np.ndarray:
    """Each actor's distance from the members' common threat picture, in [0, 1].

    ``delta_i = mean_k |T[i, k] - Tbar_k|`` over the targets ``k`` that at least one member
    perceives (``T > 0``), ``Tbar`` the members' mean row; 0 when no member perceives any
    target (docs/odd/membership.md, step 7). A member that shares the common view scores 0;
    one that ignores a threat every member fears, or fears one nobody else does, scores
    its intensity. ``O(R N K)``.
    """
    r, n, k = thr.shape
    if k == 0:
        return np.zeros((r, n))
    count = np.maximum(mem_f.sum(axis=1), 1.0)
    bar = np.einsum("rn,rnk->rk", mem_f, thr) / count[:, None]  # (R, K)
    seen = np.einsum("rn,rnk->rk", mem_f, (thr > 0).astype(float)) > 0  # perceived by a member
    used = seen.sum(axis=1)  # (R,)
    dist = np.abs(thr - bar[:, None, :])  # (R, N, K)
    total = np.einsum("rnk,rk->rn", dist, seen.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(used[:, None] > 0, total / used[:, None], 0.0)
    return np.clip(out, 0.0, 1.0)


def run_chunk(
    state: InitialState,
    drivers: Drivers,
    params: MembershipParams,
    uniforms: np.ndarray,
    replicate_ids: np.ndarray,
    *,
    param_arrays: Mapping[str, np.ndarray] | None = None,
    initial_status: np.ndarray | None = None,
    initial_belief: np.ndarray | None = None,
) -> ChunkResult:
    """Simulate ``R`` replicates for ``Y`` years and return what they did.

    Parameters
    ----------
    state : InitialState
        The start (``N`` actors, ``P`` patrons, ``K`` threat targets).
    drivers : Drivers
        The scenario's inputs for this block, shape ``(R, Y)``.
    params : MembershipParams
    uniforms : array ``(R, Y, K_u)``
        Uniforms in [0, 1), ``K_u = uniforms_per_year(N)``, laid out as it says; year axis
        index ``y`` is step ``t = y + 1``.
    replicate_ids : int array ``(R,)``
        Global replicate ids, written into every record.
    param_arrays : mapping of name to float array ``(R,)``, optional
        Per-replicate values of some of :data:`~.params.ARRAY_PARAMETERS` (the baseline,
        the mechanism weights and the transition offsets), which then replace ``params``'s
        value of that name replicate by replicate (a calibration's particles, a
        posterior's draws). Validated once against the declared ranges. Replicate ``r``
        with values ``v[r]`` follows exactly the path of a scalar run with those values
        on the same uniforms.
    initial_status : int array ``(R, N)``, optional
        Per-replicate statuses at t = 0 instead of ``state.status`` (a historical replay
        carries the simulation's own statuses from one year to the next). The leader must
        be MEMBER and patrons OUT; codes OUT, MEMBER, FROZEN, SUSPENDED.
    initial_belief : float array ``(R, N)``, optional
        Per-replicate beliefs at t = 0 in [0, 1] instead of :func:`initial_beliefs`
        (which reads ``state.status``, not ``initial_status``, for who observed the past
        requests).

    Returns
    -------
    ChunkResult
        Status, capacity, belief, dependence, simulated strain and clash counts per
        replicate and year (index 0 = the start), the requests and the exits, and ``meta``
        (organisation, date, data version, actors, rule used and what was assumed, the
        parameters as recorded).

    Cost ``O(Y R (E + N K + P N + N))`` for ``E`` conflict pairs (see the module's
    docstring); memory ``O(R Y N)`` for the record.
    """
    from phalanx.measures.strain import StrainSettings
    from phalanx.measures.strain_arrays import request_decay, simulated_strain

    state.check()
    n, p_count = state.n, len(state.patrons)
    drivers.check(n, p_count)
    r_count, years = drivers.shape
    ku = uniforms_per_year(n)
    u_all = np.asarray(uniforms, dtype=float)
    if u_all.shape != (r_count, years, ku):
        raise ValueError(f"uniforms have shape {u_all.shape}; expected {(r_count, years, ku)}")
    rep = np.asarray(replicate_ids, dtype=np.int64)
    if rep.shape != (r_count,):
        raise ValueError(f"replicate_ids have shape {rep.shape}; expected {(r_count,)}")

    pr = params
    pa = {} if not param_arrays else check_param_arrays(param_arrays, r_count)

    def col(name: str) -> Any:
        """The parameter's scalar, or its per-replicate values as an (R, 1) column."""
        return pa[name][:, None] if name in pa else getattr(pr, name)

    lead = state.leader
    rule = pr.rule or state.rule
    m_mech = (1.0 - pr.mechanism_mitigation) if state.dispute_mechanism else 1.0
    cand = np.asarray(state.candidates, dtype=bool)
    x0 = np.asarray(state.conflict, dtype=float)
    t0 = np.asarray(state.threat, dtype=float)
    # the strain index's threat divergence reads threat perceptions only (not rivalries)
    tp0 = t0 if state.perception is None else np.asarray(state.perception, dtype=float)
    k_count = t0.shape[1]
    phi0 = np.asarray(state.leader_threat, dtype=float)
    w = np.asarray(state.ties, dtype=float)
    a0 = np.asarray(state.patron_arms, dtype=float)
    g0 = np.asarray(state.patron_guarantee, dtype=float)
    pp0 = None if state.patron_partnership is None else np.asarray(state.patron_partnership, float)
    group = np.asarray(drivers.cooperation_group, dtype=bool)
    # which patrons offer anything at all in this chunk (most scenarios leave most at zero)
    arms_on, invest_on, guar_on = (
        np.asarray(a).any(axis=(0, 1, 3))
        for a in (drivers.arms_offer, drivers.investment, drivers.guarantee)
    )
    # X_t is zero wherever X0 is (X_t = clip01(X0 * ...)), so conflicts live on the pairs
    # i < j with X0 > 0: the "edges" (E of them, at most n(n-1)/2), all in (R, E) arrays
    iu, ju = np.triu_indices(n, 1)
    on = x0[iu, ju] > 0
    ei, ej = iu[on], ju[on]
    e_pair = np.flatnonzero(on)  # the edge's index among all pairs (the u_clash column)
    x0e = x0[ei, ej]
    damp_e = (group[ei] & group[ej]) * (1.0 - x0e)  # how far cooperation damps each edge
    e_count = ei.size
    # edge_of[i, j]: the edge of the pair (i, j), or e_count (a column of zeros) for none
    edge_of = np.full((n, n), e_count, dtype=np.int64)
    edge_of[ei, ej] = np.arange(e_count)
    edge_of[ej, ei] = np.arange(e_count)
    group_distrust = np.where(group[None, :], x0, 0.0).max(axis=1, initial=0.0)  # (N,)
    group_open = group * (1.0 - group_distrust)  # (N,): in_group_i (1 - max_j X0)
    where = {a: i for i, a in enumerate(state.actors)}
    target_actor = np.array([where.get(k, -1) for k in state.targets], dtype=np.int64)
    half_life = StrainSettings().half_life_years
    decay = request_decay(half_life)
    not_leader = np.ones(n, dtype=bool)
    not_leader[lead] = False

    # --- t = 0
    if initial_status is None:
        status = np.broadcast_to(np.asarray(state.status, dtype=np.int8), (r_count, n)).copy()
    else:
        status = _check_initial_status(initial_status, state, r_count)
    kappa = np.maximum(pr.capacity_floor, np.asarray(drivers.capacity0, dtype=float)).copy()
    if initial_belief is None:
        belief = np.broadcast_to(initial_beliefs(state, pr), (r_count, n)).copy()
    else:
        belief = np.array(initial_belief, dtype=float)
        if belief.shape != (r_count, n) or not np.all((belief >= 0) & (belief <= 1)):
            raise ValueError(
                f"initial_belief must be an (R, N) = {(r_count, n)} array in [0, 1]; "
                f"got shape {belief.shape}"
            )
    renew = renewal_steps(state, years)
    dep = np.broadcast_to(initial_dependence(state, pr), (r_count, n)).copy()
    past_w = np.array([0.5 ** (age / half_life) for age, _ in state.past_request_events])
    past_u = np.array([not ans for _, ans in state.past_request_events], dtype=float)
    w_total = np.full(r_count, float(past_w.sum()) if past_w.size else 0.0)
    w_open = np.full(r_count, float((past_w * past_u).sum()) if past_w.size else 0.0)

    out_status = np.empty((r_count, years + 1, n), dtype=np.int8)
    out_kappa = np.empty((r_count, years + 1))
    out_belief = np.empty((r_count, years + 1, n), dtype=np.float32)
    out_dep = np.empty((r_count, years + 1, n), dtype=np.float32)
    out_strain = np.empty((r_count, years + 1))
    out_comp = np.empty((r_count, years + 1, len(SIM_STRAIN_COMPONENTS)))
    out_clash = np.zeros((r_count, years + 1), dtype=np.int32)

    def record(t: int, xe: np.ndarray, thr: np.ndarray) -> None:
        out_status[:, t] = status
        out_kappa[:, t] = kappa
        out_belief[:, t] = belief
        out_dep[:, t] = dep
        idx, comp = simulated_strain(
            status, (ei, ej, xe), dep, thr, lead, w_open, w_total, target_actor=target_actor
        )
        out_strain[:, t] = idx
        out_comp[:, t] = comp

    record(0, np.broadcast_to(x0e, (r_count, ei.size)), np.broadcast_to(tp0, (r_count, n, k_count)))

    req_rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("replicate", "year", "requester", "aggressor", "outcome", "binding")
    }
    exit_rows: dict[str, list[np.ndarray]] = {
        k: [] for k in ("replicate", "year", "actor", "from_status", "mechanism", "terms")
    }

    for y in range(years):
        t = y + 1
        u = u_all[:, y]
        u_move, u_req, u_agg = u[:, :n], u[:, n : 2 * n], u[:, 2 * n : 3 * n]
        u_clash = u[:, 3 * n :][:, e_pair]  # (R, E)

        # 1. leader capacity
        war = np.asarray(drivers.at_war[:, y], dtype=bool)
        kappa = np.where(
            war,
            np.maximum(pr.capacity_floor, kappa - drivers.drain),
            kappa + drivers.recovery * (1.0 - kappa),
        )

        # 2. exogenous inputs of the year
        coop = np.asarray(drivers.cooperation[:, y], dtype=float)
        xe = x0e * drivers.conflict_scale[:, y][:, ei, ej]  # (R, E)
        if coop.any():
            xe = xe * (1.0 - coop[:, None] * damp_e)
        np.clip(xe, 0.0, 1.0, out=xe)
        scale_y = drivers.threat_scale[:, y]
        plain = bool((scale_y == 1.0).all())  # the usual case: no scenario rule on threats
        if plain:
            thr = np.broadcast_to(t0, (r_count, n, k_count))  # a view: nothing to compute
        else:
            thr = np.clip(t0[None, :, :] * scale_y[:, :, None], 0.0, 1.0)
        phi = np.clip(phi0 * drivers.leader_threat_scale[:, y], 0.0, 1.0)
        arms = _one_minus_prod(a0, drivers.arms_offer[:, y], add=True, active=arms_on)
        invest = _one_minus_prod(
            pp0, drivers.investment[:, y], add=pp0 is not None, active=invest_on
        )
        guar = _one_minus_prod(g0, drivers.guarantee[:, y], add=True, active=guar_on)
        outside = 1.0 - (
            (1.0 - arms)
            * (1.0 - pr.investment_weight * invest)
            * (1.0 - guar)
            * (1.0 - pr.cooperation_weight * coop[:, None] * group_open[None, :])
        )

        # 3. dependence
        dep = dep * (1.0 - pr.substitution * arms)
        dep *= (1.0 - pr.war_dependence_loss * (1.0 - kappa))[:, None]
        dep[:, lead] = 1.0

        # 4. belief recovery
        belief = belief + pr.belief_recovery * (pr.belief_start - belief)

        # 5. clashes between members (pairs i < j, both member or frozen)
        mf = (status == MEMBER) | (status == FROZEN)
        clash = mf[:, ei] & mf[:, ej] & (xe > 0) & (u_clash < -np.expm1(-pr.clash_rate * xe))
        if clash.any():
            rr, pp = np.nonzero(clash)
            f = 1.0 - pr.clash_belief_loss * xe[rr, pp] * m_mech
            np.multiply.at(belief, (rr, ei[pp]), f)
            np.multiply.at(belief, (rr, ej[pp]), f)
        out_clash[:, t] = clash.sum(axis=1)

        # 6. requests and the answer
        org = _in_org(status)
        outsider = ~org
        outsider[:, lead] = False
        out_f = outsider.astype(float)
        org_f = org.astype(float)
        # per actor over its edges: the strongest conflict with an outsider (theta), the
        # sum of those (the request hazard) and the sum of conflicts inside the
        # organisation (c); actor-major (N, R) rows keep each edge's update contiguous
        theta_x, to_out, to_org = _edge_sums(xe, ei, ej, out_f, org_f)
        theta = np.maximum(_max_over_k(thr), theta_x)
        hazard = pr.request_rate * to_out
        asks = (
            (status == MEMBER) & not_leader[None, :] & (hazard > 0) & (u_req < -np.expm1(-hazard))
        )
        if asks.any():
            rq_r, rq_i = np.nonzero(asks)  # replicate-major, then actor order
            b_count = rq_r.size
            bidx = np.arange(b_count)
            xe_pad = np.zeros((r_count, e_count + 1))  # (R, E+1): a zero for "no edge"
            xe_pad[:, :e_count] = xe
            rows = rq_r[:, None]
            x_req = xe_pad[rows, edge_of[rq_i]]  # (B, N): X_t[i, :] of each requester i
            weights = x_req * out_f[rq_r]  # (B, N): conflict with each outsider
            cum = np.cumsum(weights, axis=1)
            aim = u_agg[rq_r, rq_i] * cum[:, -1]
            rq_j = np.argmax(cum > aim[:, None], axis=1)
            voters = status[rq_r] == MEMBER  # (B, N)
            w_req, w_agg = w[:, rq_i].T, w[:, rq_j].T  # (B, N): ties to requester, aggressor
            base = pr.position_base + pr.position_ties * w_req - pr.position_aggressor_ties * w_agg
            xj = xe_pad[rows, edge_of[rq_j]]  # (B, N): each voter's conflict with aggressor
            pos = base + pr.position_shared_enemy * xj - pr.position_exposure * theta[rq_r]
            np.clip(pos, 0.0, 1.0, out=pos)
            kap = kappa[rq_r]
            # the leader's willingness only: its capacity caps the outcome below (as in
            # collective_decision), so an answer bound by capacity is recorded as such
            pos[:, lead] = np.clip(base[:, lead], 0.0, 1.0)
            pos[bidx, rq_i] = 1.0
            sal = np.maximum(np.maximum(w_req, w_agg), xj)
            sal[:, lead] = 1.0
            sal[bidx, rq_i] = 1.0
            outcome, binding = adopted_levels(
                pos,
                voters,
                sal,
                rule=rule,
                cap=kap if state.leader_caps else None,
                abstain_below=pr.abstain_below,
                quota=pr.quota,
            )
            # belief updates in actor order; replicates are independent, so each actor's
            # requests update all the replicates that made one at once
            for i in np.unique(rq_i):
                sel = rq_i == i
                rs, o = rq_r[sel], outcome[sel][:, None]
                obs = org[rs]
                obs[:, i] = False
                bb = belief[rs]
                bb = np.where(obs, bb + pr.learning_observer * (o - bb), bb)
                bb[:, i] += pr.learning_requester * (o[:, 0] - bb[:, i])
                belief[rs] = bb
            w_total = w_total * decay
            w_open = w_open * decay
            np.add.at(w_total, rq_r, 1.0)
            np.add.at(w_open, rq_r, (outcome < pr.answered_level).astype(float))
            req_rows["replicate"].append(rep[rq_r])
            req_rows["year"].append(np.full(b_count, t, dtype=np.int16))
            req_rows["requester"].append(rq_i.astype(np.int16))
            req_rows["aggressor"].append(rq_j.astype(np.int16))
            req_rows["outcome"].append(outcome)
            req_rows["binding"].append(binding)
        else:
            w_total = w_total * decay
            w_open = w_open * decay

        # 7. disaffection
        members = status == MEMBER
        mem_f = members.astype(float)
        conf_org = np.minimum(1.0, to_org) * m_mech
        diverge = _divergence(thr, mem_f)
        terms = np.empty((r_count, n, _N_MECH))
        terms[:, :, 0] = col("beta_dependence") * (1.0 - dep)
        terms[:, :, 1] = col("beta_credibility") * theta * (1.0 - belief * kappa[:, None])
        terms[:, :, 2] = col("beta_leader_threat") * phi
        terms[:, :, 3] = col("beta_patrons") * outside
        terms[:, :, 4] = col("beta_member_conflict") * conf_org
        terms[:, :, 5] = col("beta_threat_divergence") * diverge
        # (R,) * (R,): one value per replicate, then spread over the actors
        bw = pa["beta_leader_war"] if "beta_leader_war" in pa else pr.beta_leader_war
        terms[:, :, 6] = (bw * (1.0 - kappa))[:, None]
        z = col("alpha") + terms[:, :, 0]
        for c in range(1, _N_MECH):
            z += terms[:, :, c]
        # a renewal year: leaving is easier (or harder) by renewal_offset
        z_exit = z + col("renewal_offset") if renew[y] else z

        # 8. transitions, simultaneous for every candidate
        new = status.copy()
        is_m = (status == MEMBER) & cand
        if is_m.any():
            p_exit = _sigma(z_exit)
            p_freeze = _sigma(z + col("freeze_offset"))
            p_susp = (
                _sigma(z + col("suspend_offset")) if state.suspension_allowed else np.zeros_like(z)
            )
            c1 = p_exit
            c2 = c1 + (1.0 - p_exit) * p_freeze
            c3 = c2 + (1.0 - p_exit) * (1.0 - p_freeze) * p_susp
            new = np.where(is_m & (u_move < c1), OUT, new)
            new = np.where(is_m & (u_move >= c1) & (u_move < c2), FROZEN, new)
            new = np.where(is_m & (u_move >= c2) & (u_move < c3), SUSPENDED, new)
        is_fs = ((status == FROZEN) | (status == SUSPENDED)) & cand
        if is_fs.any():
            q_exit = _sigma(z_exit + col("frozen_exit_offset"))
            q_back = _sigma(-z + col("return_offset"))
            d2 = q_exit + (1.0 - q_exit) * q_back
            new = np.where(is_fs & (u_move < q_exit), OUT, new)
            new = np.where(is_fs & (u_move >= q_exit) & (u_move < d2), MEMBER, new)
        is_o = (status == OUT) & cand
        if is_o.any():
            new = np.where(is_o & (u_move < _sigma(-z + col("join_offset"))), MEMBER, new)
        new = new.astype(np.int8)
        left = org & (new == OUT)
        if left.any():
            xr, xa = np.nonzero(left)
            tt = terms[xr, xa]
            exit_rows["replicate"].append(rep[xr])
            exit_rows["year"].append(np.full(xr.size, t, dtype=np.int16))
            exit_rows["actor"].append(xa.astype(np.int16))
            exit_rows["from_status"].append(status[xr, xa].astype(np.int8))
            exit_rows["mechanism"].append(np.argmax(tt, axis=1).astype(np.int8))
            exit_rows["terms"].append(tt)
        status = new

        # 9. record
        if tp0 is not t0:
            thr = (
                np.broadcast_to(tp0, (r_count, n, k_count))
                if plain
                else np.clip(tp0[None, :, :] * scale_y[:, :, None], 0.0, 1.0)
            )
        record(t, xe, thr)  # the strain's threat divergence: perceptions only

    requests = _concat(
        req_rows,
        {
            "replicate": np.int64,
            "year": np.int16,
            "requester": np.int16,
            "aggressor": np.int16,
            "outcome": float,
            "binding": np.int8,
        },
    )
    exits = _concat(
        exit_rows,
        {
            "replicate": np.int64,
            "year": np.int16,
            "actor": np.int16,
            "from_status": np.int8,
            "mechanism": np.int8,
            "terms": float,
        },
        widths={"terms": _N_MECH},
    )
    meta: dict[str, Any] = {
        "organization": state.organization,
        "date": state.date,
        "data_version": state.data_version,
        "actors": list(state.actors),
        "leader": state.actors[lead],
        "patrons": [state.actors[i] for i in state.patrons],
        "targets": list(state.targets),
        "rule": rule,
        "rule_source": "parameters" if pr.rule else "organisation",
        "dispute_mechanism": state.dispute_mechanism,
        "suspension_allowed": state.suspension_allowed,
        "leader_caps": state.leader_caps,
        "assumptions": list(state.assumptions),
        "parameters": pr.model_dump(mode="json"),
        "parameter_arrays": sorted(pa),
        "renewal_years": [int(state.date[:4]) + int(t) + 1 for t in np.flatnonzero(renew)],
        "replicates": int(r_count),
        "years": int(years),
        "uniforms_per_year": ku,
        "strain_half_life_years": half_life,
        "window_days": state.window_days,
    }
    return ChunkResult(
        replicate=rep,
        status=out_status,
        capacity=out_kappa,
        belief=out_belief,
        dependence=out_dep,
        strain=out_strain,
        strain_components=out_comp,
        clashes=out_clash,
        requests=requests,
        exits=exits,
        meta=meta,
    )


def _check_initial_status(status: np.ndarray, state: InitialState, r_count: int) -> np.ndarray:
    """Per-replicate start statuses, checked: shape, codes, the leader a member, patrons
    out (the engine never moves them, so anything else would be a bug upstream)."""
    s0 = np.array(status, dtype=np.int8)
    n = state.n
    if s0.shape != (r_count, n):
        raise ValueError(f"initial_status has shape {s0.shape}; expected {(r_count, n)}")
    if not np.isin(s0, (OUT, MEMBER, FROZEN, SUSPENDED)).all():
        raise ValueError("initial_status holds a code other than OUT, MEMBER, FROZEN, SUSPENDED")
    if (s0[:, state.leader] != MEMBER).any():
        raise ValueError("initial_status must keep the leader MEMBER")
    if state.patrons and (s0[:, list(state.patrons)] != OUT).any():
        raise ValueError("initial_status must keep the patrons OUT")
    return s0


def renewal_steps(state: InitialState, years: int) -> np.ndarray:
    """``(Y,)`` bool: step ``t = y + 1`` contains a renewal date of ``state.renewals``.

    Step ``t`` covers the days from the start's anniversary ``t - 1`` (inclusive) to
    anniversary ``t`` (exclusive); a renewal is a date on which the treaty's term ends and
    the parties must act to stay (docs/odd/membership.md, 7.7). O(Y x renewals).
    """
    out = np.zeros(int(years), dtype=bool)
    if not state.renewals or years <= 0:
        return out
    start = dt.date.fromisoformat(state.date)

    def anniversary(t: int) -> dt.date:
        try:
            return start.replace(year=start.year + t)
        except ValueError:  # 29 February in a common year
            return start.replace(year=start.year + t, day=28)

    days = [dt.date.fromisoformat(d) for d in state.renewals]
    for y in range(int(years)):
        lo, hi = anniversary(y), anniversary(y + 1)
        out[y] = any(lo <= d < hi for d in days)
    return out


def _concat(
    rows: dict[str, list[np.ndarray]],
    dtypes: dict[str, Any],
    widths: dict[str, int] | None = None,
) -> dict[str, np.ndarray]:
    out = {}
    for k, parts in rows.items():
        if parts:
            out[k] = np.concatenate(parts).astype(dtypes[k], copy=False)
        else:
            shape = (0, (widths or {})[k]) if k in (widths or {}) else (0,)
            out[k] = np.zeros(shape, dtype=dtypes[k])
    return out
