"""A per-agent reference implementation of the membership-dynamics model on Mesa 3.3.

The vectorised engine (:mod:`phalanx.models.dynamics.engine`) runs thousands of replicates
at once with NumPy. This module runs the same specification (``docs/odd/membership.md``,
the contract of issue 9) the slow, literal way: one :class:`mesa.Agent` per actor holding
its scalar status, belief and dependence, one :class:`mesa.Model` per replicate holding the
leader's capacity and the organisation, and a ``step()`` that follows the schedule line by
line with Python scalars and loops. A request is answered by the dict-based
:func:`phalanx.models.collective.collective_decision`, so the engine's vectorised decision
rule is cross-checked too. It exists for two reasons: the tests compare the two
implementations' probabilities (``tests/dynamics/test_mesa_crosscheck.py``), and
``benchmarks/bench_dynamics.py`` measures the engine's speed-up over it.

Randomness: each replicate's model draws from its own ``rng`` (Mesa's ``rng=`` argument),
``np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(r,))))``,
one block of uniforms per year in the specification's layout (``u_move``, ``u_req``,
``u_agg``, then one ``u_clash`` per pair ``i < j``), every draw used whatever the state.
The engine's uniforms come first in a replicate's stream (the drivers' after them), so a
replicate here sees exactly the uniforms the engine sees for the same root seed and id.

Cost: a replicate-year is ``O(N^2 + N K + N P + Q N)`` Python operations (``Q`` requests),
a few milliseconds for ``N = 13``; use it for hundreds of replicates, not millions.
Mesa is an optional dependency (``pip install 'phalanx[mesa]'``): it is imported when a
model is built, and a clear error says so when it is missing.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from phalanx.errors import UserError
from phalanx.models.dynamics.types import (
    BINDINGS,
    MECHANISMS,
    SIM_STRAIN_COMPONENTS,
    ChunkResult,
    Drivers,
    InitialState,
)

__all__ = ["reference_model", "run_reference", "replicate_generator", "uniforms_per_year"]

OUT, MEMBER, FROZEN, SUSPENDED = 0, 1, 2, 3
_IN_ORG = (MEMBER, FROZEN, SUSPENDED)


def uniforms_per_year(n: int) -> int:
    """Uniform draws one replicate uses per year with ``n`` actors: ``3 n + n (n - 1) / 2``."""
    return 3 * n + n * (n - 1) // 2


def replicate_generator(seed: int, replicate: int) -> np.random.Generator:
    """The replicate's own stream (the specification's per-replicate generator)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(int(replicate),)))
    )


def _sigma(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def _import_mesa() -> Any:
    try:
        import mesa
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UserError(
            "the per-agent reference needs Mesa 3.3, which is not installed; "
            "install it with: pip install 'phalanx[mesa]'"
        ) from exc
    return mesa


@functools.lru_cache(maxsize=1)
def _classes() -> tuple[type, type]:
    """Build the Mesa agent and model classes (Mesa is imported here, not at module load)."""
    mesa = _import_mesa()
    from phalanx.measures.strain import DEFAULT_COMPONENT_WEIGHTS, StrainSettings
    from phalanx.models.collective import collective_decision

    half_life = float(StrainSettings().half_life_years)

    class ActorAgent(mesa.Agent):
        """One simulated actor: scalar status, belief and dependence."""

        def __init__(self, model: Any, index: int, actor: str) -> None:
            super().__init__(model)
            self.index = index
            self.actor = actor
            st = model.state
            self.is_leader = index == st.leader
            self.is_patron = index in st.patrons
            self.candidate = bool(st.candidates[index])
            self.status = int(st.status[index])
            self.belief = float(model.p.belief_start)
            self.dependence = 1.0 if self.is_leader else float(st.dependence[index])

        def in_org(self) -> bool:
            return self.status in _IN_ORG

        def learn(self, outcome: float, rate: float) -> None:
            """Submodel 5: move belief towards the outcome of a request."""
            self.belief += rate * (outcome - self.belief)

    class MembershipReference(mesa.Model):
        """One replicate of the membership dynamics, stepped one year at a time."""

        def __init__(
            self,
            state: InitialState,
            drivers: Drivers,
            row: int,
            params: Any,
            rng: np.random.Generator,
        ) -> None:
            super().__init__(rng=rng)
            # Mesa seeds its stdlib ``random`` with one draw from a Generator it is given;
            # put the stream back where it was, so the model's draws are the replicate's.
            self.rng.bit_generator.state = self._rng
            self.state, self.d, self.row, self.p = state, drivers, row, params
            n = state.n
            self.n = n
            self.L = state.leader
            self.rule = params.rule or state.rule
            self.mitigation = (
                (1.0 - params.mechanism_mitigation) if state.dispute_mechanism else 1.0
            )
            self.kappa = float(drivers.capacity0[row])
            self.t = 0
            self.actors_ = [ActorAgent(self, i, a) for i, a in enumerate(state.actors)]
            self.T0 = state.threat.tolist()
            # what the strain index's threat divergence reads: threat perceptions only
            perception = getattr(state, "perception", None)
            self.P0 = self.T0 if perception is None else np.asarray(perception).tolist()
            where = {a: i for i, a in enumerate(state.actors)}
            self.target_actor = [where.get(k, -1) for k in state.targets]
            self.phi0 = state.leader_threat.tolist()
            self.X0 = state.conflict.tolist()
            self.W = state.ties.tolist()
            self.A0 = state.patron_arms.tolist()
            self.G0 = state.patron_guarantee.tolist()
            pp = state.patron_partnership
            self.Q0 = pp.tolist() if pp is not None else [[0.0] * n for _ in self.G0]
            self.group = [bool(g) for g in drivers.cooperation_group]
            self.pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
            self.requests: list[tuple[int, int, int, float, int]] = []
            self.exits: list[tuple[int, int, int, int, list[float]]] = []
            self.clashes = 0
            # requests before the start as the strain index counts them: one per invocation
            # event (a joint request of several members is one request)
            self.past = [(float(age), bool(ans)) for age, ans in state.past_request_events]
            self._initial_beliefs()
            # this year's inputs; at t = 0 the snapshot's own
            self.X = [row_[:] for row_ in self.X0]
            self.T = [row_[:] for row_ in self.T0]
            self.perceived = [row_[:] for row_ in self.P0]

        # -- initialisation -------------------------------------------------------------
        def _initial_beliefs(self) -> None:
            """Past requests: answered ones (outcome 1), then open ones (outcome 0)."""
            st, p = self.state, self.p
            observers = [a for a in self.actors_ if a.status in _IN_ORG]
            for a in self.actors_:
                made, open_ = int(st.requests_made[a.index]), int(st.requests_open[a.index])
                for outcome, times in ((1.0, made - open_), (0.0, open_)):
                    for _ in range(times):
                        a.learn(outcome, p.learning_requester)
                        for m in observers:
                            if m is not a:
                                m.learn(outcome, p.learning_observer)

        # -- helpers --------------------------------------------------------------------
        def _exposure(self, i: int) -> float:
            """theta_i: the strongest threat or conflict with an outsider (not the leader)."""
            best = max(self.T[i], default=0.0)
            for j, a in enumerate(self.actors_):
                if j != self.L and a.status == OUT and self.X[i][j] > best:
                    best = self.X[i][j]
            return best

        # -- one year -------------------------------------------------------------------
        def step(self) -> None:
            p, d, r = self.p, self.d, self.row
            self.t += 1
            y = self.t - 1  # index on the drivers' year axis
            n, L = self.n, self.L
            u = self.rng.random(uniforms_per_year(n)).tolist()
            u_move, u_req, u_agg, u_clash = u[:n], u[n : 2 * n], u[2 * n : 3 * n], u[3 * n :]
            agents = self.actors_

            # 1. leader capacity
            if bool(d.at_war[r, y]):
                self.kappa = max(p.capacity_floor, self.kappa - float(d.drain[r]))
            else:
                self.kappa = self.kappa + float(d.recovery[r]) * (1.0 - self.kappa)
            kappa = self.kappa

            # 2. exogenous inputs of the year
            coop = float(d.cooperation[r, y])
            scale = d.conflict_scale[r, y].tolist()
            X = [[0.0] * n for _ in range(n)]
            for i in range(n):
                for j in range(n):
                    x0 = self.X0[i][j]
                    damp = coop * self.group[i] * self.group[j] * (1.0 - x0)
                    X[i][j] = _clip01(x0 * scale[i][j] * (1.0 - damp))
            self.X = X
            ts = d.threat_scale[r, y].tolist()
            self.T = [[_clip01(v * ts[i]) for v in self.T0[i]] for i in range(n)]
            self.perceived = [[_clip01(v * ts[i]) for v in self.P0[i]] for i in range(n)]
            ls = d.leader_threat_scale[r, y].tolist()
            phi = [_clip01(self.phi0[i] * ls[i]) for i in range(n)]
            offer = d.arms_offer[r, y].tolist()
            invest = d.investment[r, y].tolist()
            guar = d.guarantee[r, y].tolist()
            arms, outside = [0.0] * n, [0.0] * n
            for i in range(n):
                no_a = no_v = no_g = 1.0
                for q in range(len(self.A0)):
                    no_a *= 1.0 - min(1.0, self.A0[q][i] + offer[q][i])
                    no_v *= 1.0 - min(1.0, self.Q0[q][i] + invest[q][i])
                    no_g *= 1.0 - min(1.0, self.G0[q][i] + guar[q][i])
                a_i, v_i, g_i = 1.0 - no_a, 1.0 - no_v, 1.0 - no_g
                arms[i] = a_i
                if self.group[i]:
                    worst = max(
                        (self.X0[i][j] for j in range(n) if self.group[j]),
                        default=0.0,
                    )
                    coop_term = p.cooperation_weight * coop * (1.0 - worst)
                else:
                    coop_term = 0.0
                outside[i] = 1.0 - (1.0 - a_i) * (1.0 - p.investment_weight * v_i) * (1.0 - g_i) * (
                    1.0 - coop_term
                )

            # 3. dependence
            war_loss = 1.0 - p.war_dependence_loss * (1.0 - kappa)
            for a in agents:
                if not a.is_leader:
                    a.dependence = a.dependence * (1.0 - p.substitution * arms[a.index]) * war_loss

            # 4. belief recovery
            for a in agents:
                a.belief = a.belief + p.belief_recovery * (p.belief_start - a.belief)

            # 5. clashes between members
            for k, (i, j) in enumerate(self.pairs):
                ai, aj = agents[i], agents[j]
                x = X[i][j]
                if ai.status in (MEMBER, FROZEN) and aj.status in (MEMBER, FROZEN) and x > 0:
                    if u_clash[k] < 1.0 - math.exp(-p.clash_rate * x):
                        self.clashes += 1
                        loss = 1.0 - p.clash_belief_loss * x * self.mitigation
                        ai.belief *= loss
                        aj.belief *= loss

            # 6. requests and the answer (statuses do not change before step 8)
            theta = [self._exposure(i) for i in range(n)]
            asks: list[tuple[int, int]] = []
            for a in agents:
                i = a.index
                if a.status != MEMBER or a.is_leader:
                    continue
                foes = [j for j in range(n) if j != L and agents[j].status == OUT and X[i][j] > 0]
                total = sum(X[i][j] for j in foes)
                if not foes or u_req[i] >= 1.0 - math.exp(-p.request_rate * total):
                    continue
                target, acc = foes[-1], 0.0
                for j in foes:
                    acc += X[i][j]
                    if u_agg[i] * total < acc:
                        target = j
                        break
                asks.append((i, target))
            for i, j in asks:
                self._answer(i, j, kappa, theta)

            # 7. disaffection
            members = [a.index for a in agents if a.status == MEMBER]
            n_targets = len(self.T0[0]) if self.T0 else 0
            tbar = [
                sum(self.T[m][k] for m in members) / len(members) if members else 0.0
                for k in range(n_targets)
            ]
            # the targets some member perceives
            seen = [k for k in range(n_targets) if any(self.T[m][k] > 0 for m in members)]
            terms_of: dict[int, list[float]] = {}
            for a in agents:
                if not a.candidate:
                    continue
                i = a.index
                conflict = min(1.0, sum(X[i][j] for j in range(n) if j != i and agents[j].in_org()))
                terms_of[i] = [
                    p.beta_dependence * (1.0 - a.dependence),
                    p.beta_credibility * theta[i] * (1.0 - a.belief * kappa),
                    p.beta_leader_threat * phi[i],
                    p.beta_patrons * outside[i],
                    p.beta_member_conflict * conflict * self.mitigation,
                    p.beta_threat_divergence * _divergence(self.T[i], tbar, seen),
                    p.beta_leader_war * (1.0 - kappa),
                ]

            # 8. transitions, simultaneous: decide every move first, then apply
            moves: list[tuple[ActorAgent, int]] = []
            for a in agents:
                if not a.candidate:
                    continue
                terms = terms_of[a.index]
                z = p.alpha + sum(terms)
                u_i = u_move[a.index]
                new = a.status
                if a.status == MEMBER:
                    p_exit = _sigma(z)
                    p_freeze = _sigma(z + p.freeze_offset)
                    p_susp = _sigma(z + p.suspend_offset) if self.state.suspension_allowed else 0.0
                    c1 = p_exit
                    c2 = c1 + (1.0 - p_exit) * p_freeze
                    c3 = c2 + (1.0 - p_exit) * (1.0 - p_freeze) * p_susp
                    new = (
                        OUT
                        if u_i < c1
                        else FROZEN
                        if u_i < c2
                        else SUSPENDED
                        if u_i < c3
                        else MEMBER
                    )
                elif a.status in (FROZEN, SUSPENDED):
                    p_exit = _sigma(z + p.frozen_exit_offset)
                    p_back = _sigma(-z + p.return_offset)
                    if u_i < p_exit:
                        new = OUT
                    elif u_i < p_exit + (1.0 - p_exit) * p_back:
                        new = MEMBER
                elif u_i < _sigma(-z + p.join_offset):
                    new = MEMBER
                if new != a.status:
                    moves.append((a, new))
                    if new == OUT:
                        best = max(range(len(MECHANISMS)), key=lambda k: (terms[k], -k))
                        self.exits.append((self.t, a.index, a.status, best, list(terms)))
            for a, new in moves:
                a.status = new

        def _answer(self, i: int, j: int, kappa: float, theta: list[float]) -> None:
            """Vote on member ``i``'s request against aggressor ``j``; everyone learns."""
            p, W, X, L = self.p, self.W, self.X, self.L
            agents = self.actors_
            positions: dict[str, float] = {}
            salience: dict[str, float] = {}
            for m in agents:
                if m.status != MEMBER:
                    continue
                k = m.index
                if k == i:
                    x, s = 1.0, 1.0
                elif k == L:
                    base = p.position_base + p.position_ties * W[L][i]
                    # willingness only: its capacity caps the outcome (collective_decision)
                    x, s = _clip01(base - p.position_aggressor_ties * W[L][j]), 1.0
                else:
                    x = _clip01(
                        p.position_base
                        + p.position_ties * W[k][i]
                        - p.position_aggressor_ties * W[k][j]
                        + p.position_shared_enemy * X[k][j]
                        - p.position_exposure * theta[k]
                    )
                    s = max(W[k][i], W[k][j], X[k][j])
                positions[m.actor] = x
                salience[m.actor] = s
            caps = self.state.leader_caps
            res = collective_decision(
                positions,
                rule=self.rule,
                salience=salience,
                leader=agents[L].actor if caps else None,
                leader_capacity=kappa if caps else 1.0,
                quota=p.quota,
                abstain_below=p.abstain_below,
            )
            o = float(res["outcome"])
            for m in agents:
                if m.index == i:
                    m.learn(o, p.learning_requester)
                elif m.in_org():
                    m.learn(o, p.learning_observer)
            self.requests.append((self.t, i, j, o, BINDINGS.index(res["binding"])))

        # -- simulated strain -----------------------------------------------------------
        def strain(self) -> tuple[float, list[float]]:
            """The simulated strain index and components of the year just recorded."""
            p, agents = self.p, self.actors_
            members = [a.index for a in agents if a.status == MEMBER]
            nm = len(members)
            comps = dict.fromkeys(SIM_STRAIN_COMPONENTS, math.nan)
            if nm >= 2:
                pairs = nm * (nm - 1) / 2
                total = sum(self.X[a][b] for x, a in enumerate(members) for b in members[x + 1 :])
                comps["member_conflicts"] = total / pairs
                # as the strain index: a target that is itself a member does not count
                shares = []
                for k, target in enumerate(self.target_actor):
                    if target >= 0 and agents[target].status == MEMBER:
                        continue
                    seen = sum(1 for m in members if self.perceived[m][k] > 0)
                    if seen:
                        shares.append(seen / nm)
                if shares:
                    comps["threat_divergence"] = sum(4 * s * (1 - s) for s in shares) / len(shares)
            others = [agents[m].dependence for m in members if m != self.L]
            if others:
                comps["arms_independence"] = 1.0 - sum(others) / len(others)
            num = den = 0.0
            for age, answered in self.past:
                w = 0.5 ** ((age + self.t) / half_life)
                den += w
                num += 0.0 if answered else w
            for year, _, _, o, _ in self.requests:
                w = 0.5 ** ((self.t - year) / half_life)
                den += w
                num += 0.0 if o >= p.answered_level else w
            if den > 0:
                comps["unanswered_requests"] = num / den
            used = [(DEFAULT_COMPONENT_WEIGHTS[c], v) for c, v in comps.items() if v == v]
            wsum = sum(w for w, _ in used)
            index = sum(w * v for w, v in used) / wsum if wsum > 0 else math.nan
            return index, [comps[c] for c in SIM_STRAIN_COMPONENTS]

    return ActorAgent, MembershipReference


def _divergence(row: list[float], mean: list[float], seen: list[int]) -> float:
    """Mean of ``|row_k - mean_k|`` over the targets ``seen`` (some member perceives them);
    0 when there are none."""
    if not seen:
        return 0.0
    return sum(abs(row[k] - mean[k]) for k in seen) / len(seen)


def reference_model(
    state: InitialState, drivers: Drivers, params: Any, *, row: int = 0, rng: Any = None
) -> Any:
    """One replicate's Mesa model: ``drivers`` row ``row``, randomness from ``rng``.

    ``rng`` is anything Mesa accepts (a Generator, a seed); call ``step()`` once per year
    (at most ``drivers``' years). The model's agents are in ``model.actors_`` (actor
    order), its capacity in ``model.kappa``.
    """
    _, model_cls = _classes()
    return model_cls(state, drivers, row, params, rng)


def run_reference(
    state: InitialState,
    drivers: Drivers,
    params: Any,
    replicates: int,
    seed: int,
    *,
    replicate_ids: Any = None,
) -> ChunkResult:
    """Run ``replicates`` Mesa models, one per replicate, and collect a :class:`ChunkResult`.

    Replicate ``r`` (id ``replicate_ids[r]``, default ``r``) uses row ``r`` of ``drivers``
    (or row 0 when ``drivers`` holds a single replicate) and the stream
    :func:`replicate_generator` ``(seed, id)``, whose first draws are the model's, one year
    after another (a scenario's driver uniforms come after them, so a runner's replicate and
    this one see the same numbers). Years: ``drivers``'.
    Cost: ``replicates * Y`` model steps (see the module docstring).
    """
    rows, years = drivers.shape
    if rows not in (1, replicates):
        raise ValueError(f"drivers hold {rows} replicates; expected 1 or {replicates}")
    ids = np.arange(replicates) if replicate_ids is None else np.asarray(replicate_ids)
    n = state.n
    status = np.zeros((replicates, years + 1, n), np.int8)
    capacity = np.zeros((replicates, years + 1))
    belief = np.zeros((replicates, years + 1, n), np.float32)
    dependence = np.zeros((replicates, years + 1, n), np.float32)
    strain = np.zeros((replicates, years + 1))
    comps = np.zeros((replicates, years + 1, len(SIM_STRAIN_COMPONENTS)))
    clashes = np.zeros((replicates, years + 1), np.int32)
    req: list[tuple[int, int, int, int, float, int]] = []
    ex: list[tuple[int, int, int, int, int, list[float]]] = []
    for r in range(replicates):
        g = replicate_generator(seed, int(ids[r]))
        model = reference_model(state, drivers, params, row=r if rows > 1 else 0, rng=g)

        def record(t: int, model: Any = model, r: int = r) -> None:
            status[r, t] = [a.status for a in model.actors_]
            belief[r, t] = [a.belief for a in model.actors_]
            dependence[r, t] = [a.dependence for a in model.actors_]
            capacity[r, t] = model.kappa
            clashes[r, t] = model.clashes
            strain[r, t], comps[r, t] = model.strain()
            model.clashes = 0

        record(0)
        for t in range(1, years + 1):
            model.step()
            record(t)
        req.extend((int(ids[r]), *q) for q in model.requests)
        ex.extend((int(ids[r]), *e) for e in model.exits)
    requests = {
        "replicate": np.array([q[0] for q in req], np.int64),
        "year": np.array([q[1] for q in req], np.int64),
        "requester": np.array([q[2] for q in req], np.int64),
        "aggressor": np.array([q[3] for q in req], np.int64),
        "outcome": np.array([q[4] for q in req], np.float64),
        "binding": np.array([q[5] for q in req], np.int8),
    }
    exits = {
        "replicate": np.array([e[0] for e in ex], np.int64),
        "year": np.array([e[1] for e in ex], np.int64),
        "actor": np.array([e[2] for e in ex], np.int64),
        "from_status": np.array([e[3] for e in ex], np.int8),
        "mechanism": np.array([e[4] for e in ex], np.int8),
        "terms": np.array([e[5] for e in ex], np.float64).reshape(len(ex), len(MECHANISMS)),
    }
    dump = getattr(params, "model_dump", None)
    meta = {
        "implementation": "mesa_reference",
        "seed": int(seed),
        "parameters": dump(mode="json") if dump else dict(vars(params)),
        "data_version": state.data_version,
        "organization": state.organization,
        "start": state.date,
    }
    return ChunkResult(
        replicate=ids.astype(np.int64),
        status=status,
        capacity=capacity,
        belief=belief,
        dependence=dependence,
        strain=strain,
        strain_components=comps,
        clashes=clashes,
        requests=requests,
        exits=exits,
        meta=meta,
    )
