"""Simulated strain at t = 0 is the strain index's, component by component."""

from __future__ import annotations

import numpy as np
import pytest

from phalanx.measures.strain import strain_at
from phalanx.measures.strain_arrays import (
    SIM_COMPONENTS,
    arms_independence,
    member_conflicts,
    simulated_strain,
    threat_divergence,
    unanswered_requests,
)
from phalanx.models.dynamics import MembershipModel, initial_state
from phalanx.models.dynamics.types import SIM_STRAIN_COMPONENTS


def _compare(kb, org, date):
    state = initial_state(kb, org, date)
    # the engine's record of year 0 (no step taken)
    res = MembershipModel(replicates=3, years=0, seed=1).run(state).result_
    want = {c["component"]: c["value"] for c in strain_at(kb, org, date)["components"]}
    compared = 0
    for k, name in enumerate(SIM_STRAIN_COMPONENTS):
        if want[name] is None:
            # no data for the index means no value here either -- except dependence, which
            # the model assumes (dependence_missing) where the package has none
            if name != "arms_independence":
                assert np.isnan(res.strain_components[:, 0, k]).all(), name
            continue
        compared += 1
        assert res.strain_components[:, 0, k] == pytest.approx(want[name], abs=1e-12), name
    return compared


@pytest.mark.parametrize(
    ("date", "with_value"), [("2012-06-01", 3), ("2022-10-01", 4), ("2026-06-01", 4)]
)
def test_eurasia_at_start_equals_strain_at(eurasia, date, with_value):
    # before 2021 no member had asked for help: no unanswered_requests value in 2012
    assert _compare(eurasia, "CSTO", date) == with_value


def test_anzus_at_start_equals_strain_at(anzus_kb):
    assert _compare(anzus_kb, "ANZUS", "2005-01-01") >= 2


def test_triple_alliance_at_start_equals_strain_at(triple_kb):
    assert _compare(triple_kb, "TRI", "1914-09-01") >= 2


def test_components_by_hand():
    # 4 actors; members 0, 1, 2 (2 is the leader); actor 3 outside
    status = np.array([[1, 1, 1, 0], [1, 0, 1, 0]], dtype=np.int8)
    x = np.zeros((4, 4))
    x[0, 1] = x[1, 0] = 0.6
    x[0, 3] = x[3, 0] = 1.0  # with an outsider: not a member conflict
    # replicate 0: pairs (0,1) (0,2) (1,2): 0.6 / 3; replicate 1: pair (0,2) only: 0 / 1
    assert member_conflicts(status, x) == pytest.approx([0.2, 0.0])
    pairs = (np.array([0, 0]), np.array([1, 3]), np.array([[0.6, 1.0], [0.6, 1.0]]))
    assert member_conflicts(status, pairs) == pytest.approx([0.2, 0.0])
    d = np.array([[0.8, 0.4, 1.0, 0.0], [0.8, 0.4, 1.0, 0.0]])
    # members other than the leader: (0.8, 0.4) -> 1 - 0.6; replicate 1: (0.8) -> 0.2
    assert arms_independence(status, d, leader=2) == pytest.approx([0.4, 0.2])
    t = np.zeros((4, 2))
    t[0, 0] = t[1, 0] = 0.5  # target 0 seen by 2 of 3 members: 4 (2/3)(1/3) = 8/9
    t[2, 1] = 0.1  # target 1 seen by 1 of 3: 8/9 as well; in replicate 1: 1 of 2 -> 1
    got = threat_divergence(status, t)
    assert got == pytest.approx([8 / 9, (1.0 + 1.0) / 2])
    # a target that is itself a member is left out
    assert threat_divergence(status, t, np.array([-1, 1]))[0] == pytest.approx(8 / 9)
    assert np.isnan(unanswered_requests(np.array([0.0]), np.array([0.0])))[0]
    index, comps = simulated_strain(status, x, d, t, 2, np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    # weights: member_conflicts 1, arms_independence 0.5, unanswered 1, threat_divergence 0.5
    w = {
        "member_conflicts": 1,
        "arms_independence": 0.5,
        "unanswered_requests": 1,
        "threat_divergence": 0.5,
    }
    vals = [0.2, 0.4, 0.5, 8 / 9]
    assert comps[0] == pytest.approx(vals)
    assert index[0] == pytest.approx(
        sum(w[c] * v for c, v in zip(SIM_COMPONENTS, vals, strict=True)) / 3.0
    )
    # replicate 1 has no requests: the index is over the other three
    assert np.isnan(comps[1, 2])
    assert index[1] == pytest.approx((1 * 0.0 + 0.5 * 0.2 + 0.5 * 1.0) / 2.0)
