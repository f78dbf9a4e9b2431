"""The two exact two-coalition models agree: the plain MILP and the frustration-index one."""

from __future__ import annotations

import numpy as np
import pytest

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
