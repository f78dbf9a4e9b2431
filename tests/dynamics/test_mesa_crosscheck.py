"""The vectorised engine against the per-agent Mesa reference (an independent implementation).

Two checks:

1. Same streams: given the same root seed and ready-made drivers, the two draw the same
   uniforms for each replicate (the specification's layout), so they must produce the same
   trajectories, requests and exits -- an exact check of every step of the schedule.
2. Same distributions, independent streams: with different seeds, the probabilities of
   every (actor, year, status) cell, the replicate-level request counts and outcome sums,
   the bindings, the exits per mechanism and the mean beliefs must agree within Monte Carlo
   error. Each cell gets a two-sided Fisher exact test (exact for the rare cells a normal
   approximation gets wrong: year-one moves, small actors) and each replicate-level mean a
   Welch test (replicates are independent; requests within one replicate are not, so they
   are summed per replicate first). The family is corrected with Holm's step-down method,
   which controls the family-wise error under any dependence between the tests (cells of one
   trajectory are strongly dependent) and is never less powerful than Bonferroni. Family-wise
   level 1e-3: the seeds are fixed, so a pass is deterministic, and a real difference of the
   size the helper test plants is rejected with p-values many orders below the threshold.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa")

from phalanx.kb import KnowledgeBase  # noqa: E402
from phalanx.models.dynamics.mesa_reference import run_reference  # noqa: E402
from phalanx.models.dynamics.model import MembershipModel  # noqa: E402
from phalanx.models.dynamics.params import MembershipParams  # noqa: E402
from phalanx.models.dynamics.state import initial_state  # noqa: E402
from phalanx.models.dynamics.types import (  # noqa: E402
    BINDINGS,
    MECHANISMS,
    ChunkResult,
    Drivers,
    InitialState,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"
YEARS = 6
R_ENGINE = 2000
R_MESA = 400
FWER = 1e-3

#: Livelier than the defaults, so that exits, freezes, returns and joins all happen often
#: enough within six years to be tested (with the defaults, alpha = -5, few actors move).
LIVELY = {
    "alpha": -2.5,
    "return_offset": -1.0,
    "join_offset": -2.0,
    "request_rate": 2.0,
    "clash_rate": 2.0,
    "belief_recovery": 0.1,
}


@pytest.fixture(scope="module")
def states() -> dict[str, InitialState]:
    kb = KnowledgeBase.embedded()
    anzus = KnowledgeBase.from_path(DATA / "anzus")
    triple = KnowledgeBase.from_path(DATA / "triple-alliance")
    return {
        "embedded-2022": initial_state(kb, start="2022-01-01"),
        "embedded-2026": initial_state(kb, start="2026-12-31"),
        "anzus": initial_state(anzus),
        "triple-alliance": initial_state(triple),
    }


def _repeat(d: Drivers, replicates: int) -> Drivers:
    """``d`` (one replicate) for ``replicates`` replicates."""
    return dataclasses.replace(
        d,
        **{
            f.name: np.repeat(getattr(d, f.name), replicates, axis=0)
            for f in dataclasses.fields(d)
            if f.name != "cooperation_group"
        },
    )


def eventful(state: InitialState, years: int = YEARS) -> Drivers:
    """One non-trivial set of drivers: the leader at war for three years (capacity drains,
    then recovers), every patron offering arms, investment and guarantees, a member-member
    conflict sharpened (the strongest one, else the strongest involving a member), threats
    scaled up and the leader's threat scaled up, cooperation inside a group of members."""
    d = Drivers.neutral(state, 1, years)
    n, p = state.n, len(state.patrons)
    at_war = np.zeros((1, years), bool)
    at_war[0, :3] = True
    member = state.status == 1
    x = state.conflict * np.outer(member, member)
    if not x.any():
        x = state.conflict * (member[:, None] | member[None, :])
    scale = np.ones((1, years, n, n))
    if x.any():
        i, j = np.unravel_index(np.argmax(x), x.shape)
        scale[0, :, i, j] = scale[0, :, j, i] = 2.5
    group = member.copy()
    group[state.leader] = False
    return dataclasses.replace(
        d,
        capacity0=np.array([0.9]),
        at_war=at_war,
        drain=np.array([0.2]),
        recovery=np.array([0.3]),
        arms_offer=np.full((1, years, p, n), 0.3),
        investment=np.full((1, years, p, n), 0.4),
        guarantee=np.full((1, years, p, n), 0.2),
        conflict_scale=scale,
        threat_scale=np.full((1, years, n), 1.5),
        leader_threat_scale=np.full((1, years, n), 2.0),
        cooperation=np.linspace(0.2, 0.8, years)[None, :],
        cooperation_group=group,
    )


def run_engine(
    state: InitialState, drivers: Drivers, params: MembershipParams, replicates: int, seed: int
) -> ChunkResult:
    model = MembershipModel(params=params, replicates=replicates, years=drivers.shape[1], seed=seed)
    return model.run(state, _repeat(drivers, replicates)).result_


# -- the statistics --------------------------------------------------------------------


def holm(pvalues: dict[str, float], level: float = FWER) -> list[str]:
    """Labels Holm's step-down procedure rejects at family-wise ``level``."""
    ranked = sorted(pvalues.items(), key=lambda kv: kv[1])
    m, out = len(ranked), []
    for k, (label, p) in enumerate(ranked):
        if p > level / (m - k):
            break
        out.append(label)
    return out


def _fisher(ka: int, na: int, kb: int, nb: int) -> float:
    from scipy.stats import fisher_exact

    return float(fisher_exact([[ka, na - ka], [kb, nb - kb]]).pvalue)


def _welch(a: np.ndarray, b: np.ndarray) -> float | None:
    """Two-sided Welch t test of equal means (Welch-Satterthwaite degrees of freedom)."""
    from scipy.stats import t as student

    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb < 1e-14:  # (nearly) constant in both: a t statistic means nothing
        return None if abs(a.mean() - b.mean()) < 1e-6 else 0.0
    stat = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * student.sf(abs(stat), df))


def _per_replicate(res: ChunkResult, table: dict[str, np.ndarray], weights=None) -> np.ndarray:
    pos = np.searchsorted(res.replicate, table["replicate"])
    return np.bincount(pos, weights=weights, minlength=len(res.replicate))


def compare(a: ChunkResult, b: ChunkResult, actors: tuple[str, ...]) -> dict[str, float]:
    """p-values of every test of "``a`` and ``b`` come from the same model"."""
    out: dict[str, float] = {}
    na, nb = len(a.replicate), len(b.replicate)
    years = a.status.shape[1]
    for t in range(1, years):
        for i, actor in enumerate(actors):
            for s in range(4):
                ka = int((a.status[:, t, i] == s).sum())
                kb = int((b.status[:, t, i] == s).sum())
                if ka + kb not in (0, na + nb):
                    out[f"status {actor} year {t} code {s}"] = _fisher(ka, na, kb, nb)
    tests = {
        "requests per run": (
            _per_replicate(a, a.requests),
            _per_replicate(b, b.requests),
        ),
        "outcome sum per run": (
            _per_replicate(a, a.requests, a.requests["outcome"]),
            _per_replicate(b, b.requests, b.requests["outcome"]),
        ),
    }
    for k, name in enumerate(BINDINGS):
        tests[f"binding {name} per run"] = (
            _per_replicate(a, a.requests, a.requests["binding"] == k),
            _per_replicate(b, b.requests, b.requests["binding"] == k),
        )
    for k, name in enumerate(MECHANISMS):
        tests[f"exits by {name} per run"] = (
            _per_replicate(a, a.exits, a.exits["mechanism"] == k),
            _per_replicate(b, b.exits, b.exits["mechanism"] == k),
        )
    for i, actor in enumerate(actors):
        tests[f"belief {actor} last year"] = (a.belief[:, -1, i], b.belief[:, -1, i])
        tests[f"dependence {actor} last year"] = (a.dependence[:, -1, i], b.dependence[:, -1, i])
    tests["strain last year"] = (
        np.nan_to_num(a.strain[:, -1], nan=-1.0),
        np.nan_to_num(b.strain[:, -1], nan=-1.0),
    )
    for label, (x, y) in tests.items():
        p = _welch(np.asarray(x, float), np.asarray(y, float))
        if p is not None:
            out[label] = p
    return out


# -- 1. same streams, same trajectories -------------------------------------------------


def _sorted(table: dict[str, np.ndarray], who: str) -> dict[str, np.ndarray]:
    order = np.lexsort((table[who], table["year"], table["replicate"]))
    return {k: np.asarray(v)[order] for k, v in table.items()}


@pytest.mark.parametrize("name", ["embedded-2022", "embedded-2026", "anzus", "triple-alliance"])
@pytest.mark.parametrize("kind", ["neutral", "eventful"])
def test_same_streams_same_trajectories(states, name: str, kind: str) -> None:
    state = states[name]
    one = Drivers.neutral(state, 1, YEARS) if kind == "neutral" else eventful(state)
    params = MembershipParams(**LIVELY)
    r = 40
    eng = run_engine(state, one, params, r, seed=11)
    ref = run_reference(state, one, params, r, seed=11)
    np.testing.assert_array_equal(eng.replicate, ref.replicate)
    np.testing.assert_array_equal(eng.status, ref.status)
    np.testing.assert_allclose(eng.capacity, ref.capacity, atol=1e-12)
    np.testing.assert_allclose(eng.belief, ref.belief, atol=1e-5)
    np.testing.assert_allclose(eng.dependence, ref.dependence, atol=1e-5)
    np.testing.assert_array_equal(eng.clashes, ref.clashes)
    # the tables' row order is not part of the contract: compare them sorted
    req_e, req_r = _sorted(eng.requests, "requester"), _sorted(ref.requests, "requester")
    for key in ("replicate", "year", "requester", "aggressor", "binding"):
        np.testing.assert_array_equal(req_e[key], req_r[key], err_msg=key)
    np.testing.assert_allclose(req_e["outcome"], req_r["outcome"], atol=1e-12)
    ex_e, ex_r = _sorted(eng.exits, "actor"), _sorted(ref.exits, "actor")
    for key in ("replicate", "year", "actor", "from_status", "mechanism"):
        np.testing.assert_array_equal(ex_e[key], ex_r[key], err_msg=key)
    np.testing.assert_allclose(ex_e["terms"], ex_r["terms"], atol=1e-9)
    np.testing.assert_allclose(eng.strain, ref.strain, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(
        eng.strain_components, ref.strain_components, atol=1e-9, equal_nan=True
    )
    # the check is worth something only if things happen
    assert len(ref.exits["year"]) > 0 and (ref.status[:, 1:] != ref.status[:, :-1]).any()


@pytest.mark.parametrize(
    "variant",
    [
        {"rule": "unanimity"},
        {"rule": "majority"},
        {"rule": "qualified_majority", "quota": 0.75},
        {"state": {"dispute_mechanism": True, "suspension_allowed": True, "leader_caps": False}},
    ],
)
def test_same_streams_other_rules_and_provisions(states, variant: dict) -> None:
    """The paths the package's own organisation does not take: other decision rules, a
    dispute mechanism, suspension, no cap by the leader's capacity."""
    state = dataclasses.replace(states["embedded-2022"], **variant.get("state", {}))
    params = MembershipParams(**LIVELY, **{k: v for k, v in variant.items() if k != "state"})
    one = eventful(state)
    eng = run_engine(state, one, params, 40, seed=5)
    ref = run_reference(state, one, params, 40, seed=5)
    np.testing.assert_array_equal(eng.status, ref.status)
    np.testing.assert_allclose(eng.belief, ref.belief, atol=1e-5)
    req_e, req_r = _sorted(eng.requests, "requester"), _sorted(ref.requests, "requester")
    for key in ("replicate", "year", "requester", "aggressor", "binding"):
        np.testing.assert_array_equal(req_e[key], req_r[key], err_msg=key)
    np.testing.assert_allclose(req_e["outcome"], req_r["outcome"], atol=1e-12)
    assert len(req_r["year"]) > 20
    if state.suspension_allowed:
        assert (ref.status == 3).any()


# -- 2. independent streams, same distributions -----------------------------------------

#: The 2022 cases have member-outsider conflicts, hence requests (and, in the eventful one,
#: answers capped by the leader's drained capacity); 2026 and ANZUS have exits without them.
CASES = [
    "embedded-2022 neutral",
    "embedded-2022 eventful",
    "embedded-2026 neutral",
    "anzus eventful",
]


@pytest.fixture(scope="module")
def runs(states) -> dict[str, tuple[ChunkResult, ChunkResult, InitialState]]:
    params = MembershipParams(**LIVELY)
    cases = {case: tuple(case.split()) for case in CASES}
    out = {}
    for label, (name, kind) in cases.items():
        state = states[name]
        one = Drivers.neutral(state, 1, YEARS) if kind == "neutral" else eventful(state)
        out[label] = (
            run_engine(state, one, params, R_ENGINE, seed=2024),
            run_reference(state, one, params, R_MESA, seed=99),
            state,
        )
    return out


@pytest.mark.parametrize("case", CASES)
def test_distributions_agree(runs, case: str) -> None:
    eng, ref, state = runs[case]
    pvalues = compare(eng, ref, state.actors)
    # enough cells vary to test something: at least two statuses per candidate and year
    assert sum(k.startswith("status") for k in pvalues) >= 2 * YEARS * state.candidates.sum()
    assert holm(pvalues) == [], {k: pvalues[k] for k in holm(pvalues)}
    # moves of every kind happened, in both
    for res in (eng, ref):
        moved = res.status[:, 1:] != res.status[:, :-1]
        assert moved.any() and len(res.exits["year"]) > 0


def test_the_check_rejects_a_real_difference(runs, states) -> None:
    """Doubling beta_credibility in the reference only must be caught."""
    eng, _, _ = runs["embedded-2022 eventful"]
    state = states["embedded-2022"]
    doubled = MembershipParams(**{**LIVELY, "beta_credibility": 2 * 2.5})
    ref = run_reference(state, eventful(state), doubled, R_MESA, seed=99)
    rejected = holm(compare(eng, ref, state.actors))
    assert rejected, "a doubled credibility weight went unnoticed"


def test_holm_by_hand() -> None:
    # m = 4 at level 0.05: thresholds 0.0125, 0.0167, 0.025, 0.05 for the sorted p-values.
    p = {"a": 0.01, "b": 0.015, "c": 0.03, "d": 0.5}
    assert holm(p, 0.05) == ["a", "b"]
    assert holm({"a": 0.02, "b": 0.001}, 0.05) == ["b", "a"]
    assert holm({"a": 0.2}, 0.05) == []
    assert math.isclose(_fisher(3, 10, 3, 10), 1.0)
    # Welch by hand: means 2 and 5, variances 1 and 4 (n = 3 each): t = -3 / sqrt(5/3) =
    # -2.324, df = (5/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = 2.941; two-sided p = 0.1045.
    p = _welch(np.array([1.0, 2.0, 3.0]), np.array([3.0, 5.0, 7.0]))
    assert p == pytest.approx(0.1045, abs=2e-4)
