"""Per-replicate parameters, start statuses and beliefs in the engine; the renewal term."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from phalanx.errors import ParameterError
from phalanx.models.dynamics import MembershipParams, initial_state, run_chunk, uniforms_per_year
from phalanx.models.dynamics.engine import initial_beliefs, renewal_steps
from phalanx.models.dynamics.params import ARRAY_PARAMETERS, check_param_arrays, parameter_range
from phalanx.models.dynamics.types import Drivers

from .toy import small_state

OUT, MEMBER, FROZEN, SUSPENDED = 0, 1, 2, 3


def _random_drivers(s, r: int, y: int, seed: int) -> Drivers:
    """Drivers with a war, offers and scales, so every term of z moves."""
    rng = np.random.default_rng(seed)
    n, p = s.n, len(s.patrons)
    cs = rng.random((r, y, n, n)) * 2
    cs = (cs + cs.transpose(0, 1, 3, 2)) / 2
    return Drivers(
        capacity0=rng.random(r) * 0.5 + 0.5,
        at_war=rng.random((r, y)) < 0.5,
        drain=rng.random(r) * 0.2,
        recovery=rng.random(r) * 0.3,
        arms_offer=rng.random((r, y, p, n)) * 0.3,
        investment=rng.random((r, y, p, n)) * 0.3,
        guarantee=rng.random((r, y, p, n)) * 0.3,
        conflict_scale=cs,
        threat_scale=rng.random((r, y, n)) * 2,
        leader_threat_scale=rng.random((r, y, n)) * 2,
        cooperation=rng.random((r, y)),
        cooperation_group=rng.random(n) < 0.5,
    )


def _slice(d: Drivers, r: int) -> Drivers:
    f = {k: getattr(d, k) for k in d.__dataclass_fields__}
    return Drivers(**{k: (v if k == "cooperation_group" else v[r : r + 1]) for k, v in f.items()})


def _values(rng, r: int) -> dict[str, np.ndarray]:
    """Per-replicate values for every array parameter, in ranges where things happen."""
    out = {}
    for name in ARRAY_PARAMETERS:
        if name.startswith("beta_"):
            out[name] = rng.uniform(0.0, 5.0, r)
        elif name == "alpha":
            out[name] = rng.uniform(-6.0, -1.0, r)
        else:
            out[name] = rng.uniform(-4.0, 3.0, r)
    return out


def _same(a, b) -> None:
    for k in ("status", "capacity", "belief", "dependence", "clashes"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    for table in ("exits", "requests"):
        ta, tb = getattr(a, table), getattr(b, table)
        for k in ta:
            np.testing.assert_array_equal(ta[k], tb[k], err_msg=f"{table}.{k}")


def test_per_replicate_arrays_equal_separate_scalar_runs_exactly(eurasia):
    # the Eurasian state of 2022 (conflicts, requests, patrons, suspension allowed), a
    # renewal inside the horizon, and drivers with a war: every array parameter matters
    s = replace(initial_state(eurasia, start="2022-01-01"), renewals=("2024-03-01",))
    r, y = 6, 8
    rng = np.random.default_rng(11)
    values = _values(rng, r)
    drivers = _random_drivers(s, r, y, 5)
    u = rng.random((r, y, uniforms_per_year(s.n)))
    ids = np.arange(100, 100 + r)
    base = MembershipParams()
    together = run_chunk(s, drivers, base, u, ids, param_arrays=values)
    assert together.meta["parameter_arrays"] == sorted(ARRAY_PARAMETERS)
    assert together.meta["renewal_years"] == [2025]  # step 3 covers 2024-01-01..2025-01-01
    for k in range(r):
        p = MembershipParams(**{n: float(v[k]) for n, v in values.items()})
        alone = run_chunk(s, _slice(drivers, k), p, u[k : k + 1], ids[k : k + 1])
        for f in ("status", "capacity", "belief", "dependence", "clashes"):
            np.testing.assert_array_equal(getattr(together, f)[k], getattr(alone, f)[0], err_msg=f)
        for table in ("exits", "requests"):
            ta, tb = getattr(together, table), getattr(alone, table)
            sel = ta["replicate"] == ids[k]
            for f in ta:
                np.testing.assert_array_equal(ta[f][sel], tb[f], err_msg=f"{table}.{f}")
    # the values did change the paths (the comparison above is not between identical runs)
    default = run_chunk(s, drivers, base, u, ids)
    assert not np.array_equal(default.status, together.status)


def test_arrays_of_the_scalar_values_change_nothing(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    r, y = 40, 6
    u = np.random.default_rng(2).random((r, y, uniforms_per_year(s.n)))
    p = MembershipParams(alpha=-3.0)
    drivers = _random_drivers(s, r, y, 1)
    scalar = run_chunk(s, drivers, p, u, np.arange(r))
    arrays = {n: np.full(r, getattr(p, n)) for n in ARRAY_PARAMETERS}
    _same(scalar, run_chunk(s, drivers, p, u, np.arange(r), param_arrays=arrays))


def test_param_arrays_are_validated_once():
    with pytest.raises(ParameterError, match="'alpha' parameter of MembershipParams must be in"):
        check_param_arrays({"alpha": [0.0, 6.0]}, 2)
    with pytest.raises(ParameterError, match=r"must have shape \(3,\)"):
        check_param_arrays({"alpha": [0.0, 1.0]}, 3)
    with pytest.raises(ParameterError, match="must name parameters among"):
        check_param_arrays({"belief_start": [0.5]}, 1)
    with pytest.raises(ParameterError, match="Got nan"):
        check_param_arrays({"beta_patrons": [np.nan]}, 1)
    assert parameter_range("renewal_offset") == (-10.0, 10.0, False, False)
    assert parameter_range("quota")[2] is True  # (0.5, 1]


def test_per_replicate_start_statuses_equal_runs_from_those_states(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    cand = np.flatnonzero(s.candidates)
    r, y = 4, 5
    rng = np.random.default_rng(4)
    starts = np.broadcast_to(s.status, (r, s.n)).copy()
    for k in range(r):  # each replicate starts with some candidates moved
        starts[k, cand] = rng.choice([OUT, MEMBER, FROZEN, SUSPENDED], size=cand.size)
    u = rng.random((r, y, uniforms_per_year(s.n)))
    drivers = Drivers.neutral(s, r, y)
    p = MembershipParams(alpha=-2.5)
    # without initial_belief the beliefs come from state (its own statuses choose who
    # observed past requests), so give each replicate the beliefs of its own start
    b0 = np.array([initial_beliefs(replace(s, status=starts[k]), p) for k in range(r)])
    res = run_chunk(s, drivers, p, u, np.arange(r), initial_status=starts, initial_belief=b0)
    np.testing.assert_array_equal(res.status[:, 0], starts)
    for k in range(r):
        alone = run_chunk(
            replace(s, status=starts[k]), Drivers.neutral(s, 1, y), p, u[k : k + 1], [k]
        )
        np.testing.assert_array_equal(res.status[k], alone.status[0])
        np.testing.assert_array_equal(res.belief[k], alone.belief[0])


def test_per_replicate_start_beliefs(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    r, y = 8, 4
    u = np.random.default_rng(9).random((r, y, uniforms_per_year(s.n)))
    p = MembershipParams()
    drivers = Drivers.neutral(s, r, y)
    b0 = np.broadcast_to(initial_beliefs(s, p), (r, s.n)).copy()
    _same(
        run_chunk(s, drivers, p, u, np.arange(r)),
        run_chunk(s, drivers, p, u, np.arange(r), initial_belief=b0),
    )
    # one year of recovery from a given belief, by hand: b + 0.05 (0.7 - b); actors
    # outside the organisation with no conflict neither clash nor observe requests
    low = np.full((r, s.n), 0.1)
    res = run_chunk(s, drivers, p, u, np.arange(r), initial_belief=low)
    calm = (s.conflict.max(axis=1) == 0) & (s.status == OUT)
    assert calm.sum() >= 3
    np.testing.assert_allclose(res.belief[:, 1, calm], 0.1 + 0.05 * 0.6, rtol=1e-6)


def test_bad_start_arrays_are_refused(eurasia):
    s = initial_state(eurasia, start="2022-01-01")
    u = np.zeros((2, 1, uniforms_per_year(s.n)))
    d = Drivers.neutral(s, 2, 1)
    p = MembershipParams()
    bad = np.broadcast_to(s.status, (2, s.n)).copy()
    bad[:, s.leader] = OUT
    with pytest.raises(ValueError, match="leader MEMBER"):
        run_chunk(s, d, p, u, [0, 1], initial_status=bad)
    with pytest.raises(ValueError, match="shape"):
        run_chunk(s, d, p, u, [0, 1], initial_status=s.status[None])
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        run_chunk(s, d, p, u, [0, 1], initial_belief=np.full((2, s.n), 1.5))


def test_renewal_steps():
    s = small_state(["L", "B"], [1, 1], {}, {}, renewals=("2001-06-01", "2003-01-01"))
    np.testing.assert_array_equal(renewal_steps(s, 4), [False, True, False, True])
    assert not renewal_steps(s, 1).any()
    leap = replace(s, date="2000-02-29", renewals=("2001-02-28",))
    np.testing.assert_array_equal(renewal_steps(leap, 2), [False, True])  # 2001-02-28 ends step 1


def test_the_renewal_term_by_hand():
    # L leads; B a member, F frozen; nothing pushes (dependence 1, no threats, no patrons,
    # kappa 1), so z = alpha for both. alpha = -3, renewal_offset = 2 in step 2 only.
    s = small_state(
        ["L", "B", "F"],
        [MEMBER, MEMBER, FROZEN],
        {},
        {},
        renewals=("2001-06-01",),
    )
    p = MembershipParams(alpha=-3.0, renewal_offset=2.0, freeze_offset=0.0, frozen_exit_offset=1.0)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    ku = uniforms_per_year(3)
    u = np.full((1, 2, ku), 0.99)
    # step 1 (no renewal): B p_exit = sigma(-3) = 0.047 -> u 0.2 stays;
    # F q_exit = sigma(-2) = 0.119, q_back = sigma(3 - 6) -> u 0.45 stays frozen
    u[0, 0, 1], u[0, 0, 2] = 0.2, 0.45
    # step 2 (renewal): B p_exit = sigma(-1) = 0.269 > 0.2 -> OUT; F q_exit = sigma(0) = 0.5
    u[0, 1, 1], u[0, 1, 2] = 0.2, 0.45
    assert sig(-3) < 0.2 < sig(-1) and sig(-2) + (1 - sig(-2)) * sig(-3) < 0.45 < sig(0)
    res = run_chunk(s, Drivers.neutral(s, 1, 2), p, u, [0])
    assert res.status[0, :, 1].tolist() == [MEMBER, MEMBER, OUT]
    assert res.status[0, :, 2].tolist() == [FROZEN, FROZEN, OUT]
    # freezing does not get the renewal offset: with u = 0.35 in the renewal year B stays,
    # since sigma(-1) + (1 - sigma(-1)) sigma(-3) = 0.304 < 0.35 (it would be 0.466 if it did)
    u[0, 1, 1] = 0.35
    res = run_chunk(s, Drivers.neutral(s, 1, 2), p, u, [0])
    assert res.status[0, 2, 1] == MEMBER
    # renewal_offset 0 (the default) is the model without the term
    res0 = run_chunk(s, Drivers.neutral(s, 1, 2), replace_params(p, renewal_offset=0.0), u, [0])
    assert res0.status[0, 2].tolist() == [MEMBER, MEMBER, FROZEN]


def replace_params(p: MembershipParams, **over) -> MembershipParams:
    return MembershipParams(**{**p.model_dump(), **over})
