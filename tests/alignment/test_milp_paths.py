"""The two exact two-coalition models agree: the plain MILP and the frustration-index one."""

from __future__ import annotations

import numpy as np
import pytest

from phalanx.models.landscape import LandscapeModel
from phalanx.models.landscape_milp import milp_global_minimum
from phalanx.models.landscape_search import exhaustive_two, pair_weights


@pytest.mark.parametrize("seed", range(6))
def test_plain_and_frustration_models_agree_with_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = 9
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    w = pair_weights(rng.uniform(1e-4, 0.2, size=n), p)  # CINC-like, tiny sizes
    best = exhaustive_two(w).energies.min()
    plain = milp_global_minimum(w, method="plain")
    fast = milp_global_minimum(w, method="frustration")
    auto = milp_global_minimum(w)
    assert auto.energy == pytest.approx(best, rel=1e-9, abs=1e-15)
    assert plain.optimal and fast.optimal
    assert plain.energy == pytest.approx(best, rel=1e-9, abs=1e-15)
    assert fast.energy == pytest.approx(best, rel=1e-9, abs=1e-15)
    assert fast.lower_bound <= fast.energy + 1e-15


def hard_instance(n: int = 30) -> np.ndarray:
    """Dense random propensities (weighted max-cut): far from solved at the root node."""
    rng = np.random.default_rng(3)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    return p


def test_a_work_limit_stops_at_the_same_point_and_says_so():
    p = hard_instance()
    w = pair_weights(np.ones(len(p)), p)
    # the plain model: the frustration model proves this instance at the root
    a = milp_global_minimum(w, work_limit=1, time_limit=60, seed=7, method="plain")
    b = milp_global_minimum(w, work_limit=1, time_limit=60, seed=7, method="plain")
    assert not a.optimal and a.limit == "work" and a.seed == 7
    assert a.lower_bound <= a.energy
    # deterministic: the same alignment and bound on a second run (no clock involved)
    assert a.labels.tolist() == b.labels.tolist() and a.lower_bound == b.lower_bound
    # the energy reported is the energy of the labels returned
    x = a.labels
    assert a.energy == pytest.approx(float((w * (x[:, None] != x[None, :])).sum()))


def test_the_model_records_limit_seed_and_a_finished_solve():
    p = hard_instance()
    # three coalitions: the k-way MILP, which one branch-and-bound node cannot finish
    m = LandscapeModel(method="milp", k=3, work_limit=1, seed=11).fit(np.ones(len(p)), p)
    d = m.to_dict()
    assert d["seed"] == 11 and d["solver"]["limit"] == "work" and d["solver"]["work_limit"] == 1
    assert d["solver"]["optimal"] is False and d["minima_complete"] is False
    small = LandscapeModel(method="milp").fit([1, 1, 1], [[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
    assert small.solver_["optimal"] is True and small.solver_["limit"] is None
    assert isinstance(small.seed_, int)  # drawn, and recorded
