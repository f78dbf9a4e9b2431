"""The exact searches agree with a plain, independently written enumeration."""

from __future__ import annotations

import itertools
import json
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.errors import ParameterError
from phalanx.models.landscape import LandscapeModel, energy, global_minima, local_minima
from phalanx.models.landscape_milp import milp_global_minimum
from phalanx.models.landscape_search import (
    count_partitions,
    exhaustive_partitions,
    exhaustive_two,
    pair_weights,
)

# -- an independent reference: plain loops, no numpy tricks ---------------------------------


def bf_energy(x, s, p):
    n = len(s)
    return sum(s[i] * s[j] * p[i][j] for i in range(n) for j in range(n) if i != j and x[i] != x[j])


def bf_canonical(x):
    seen = {}
    return tuple(seen.setdefault(v, len(seen)) for v in x)


def bf_moves(x, k):
    """Configurations reachable by moving one actor to another of the k labels."""
    for i in range(len(x)):
        for b in range(k):
            if b != x[i]:
                yield i, x[:i] + (b,) + x[i + 1 :]


def bf_landscape(s, p, k):
    """{canonical config: energy} and the canonical local minima (labelled moves)."""
    n = len(s)
    energies, minima = {}, set()
    for x in itertools.product(range(k), repeat=n):
        e = bf_energy(x, s, p)
        energies[bf_canonical(x)] = e
        if all(bf_energy(y, s, p) >= e for _, y in bf_moves(x, k)):
            minima.add(bf_canonical(x))
    return energies, minima


def bf_steepest_basins(s, p):
    """Two coalitions: follow the largest single-switch decrease (lowest index on ties)."""
    n = len(s)
    counts = {}
    for rest in itertools.product((0, 1), repeat=n - 1):
        x = (0,) + rest
        while True:
            e = bf_energy(x, s, p)
            best, arg = 0.0, None
            for i in range(n):
                y = x[:i] + (1 - x[i],) + x[i + 1 :]
                d = bf_energy(y, s, p) - e
                if d < best:
                    best, arg = d, i
            if arg is None:
                break
            x = bf_canonical(x[:arg] + (1 - x[arg],) + x[arg + 1 :])
        counts[x] = counts.get(x, 0) + 1
    return counts


def instance(draw, n_max, p_max=4, s_max=4):
    n = draw(st.integers(2, n_max))
    s = draw(st.lists(st.integers(1, s_max), min_size=n, max_size=n))
    vals = draw(st.lists(st.integers(-p_max, p_max), min_size=n * n, max_size=n * n))
    p = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            p[i][j] = p[j][i] = vals[i * n + j]
    return s, p


@st.composite
def instances12(draw):
    return instance(draw, 12)


@st.composite
def instances9(draw):
    return instance(draw, 9)


@st.composite
def instances6(draw):
    return instance(draw, 6)


def found(minima):
    return {a.labels: a.energy for a in minima}


# -- two coalitions ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(instances12())
def test_exhaustive_two_matches_brute_force(case):
    s, p = case
    energies, minima = bf_landscape(s, p, 2)
    model = LandscapeModel().fit(s, p)
    assert model.n_configurations_ == len(energies) == 2 ** (len(s) - 1)
    assert set(found(model.minima_)) == minima
    assert all(energies[lab] == e for lab, e in found(model.minima_).items())
    assert model.global_minimum_.energy == min(energies.values())
    for idx in range(0, model.n_configurations_, 7):
        assert model.energies_[idx] == energies[model.configuration(idx)]


@settings(max_examples=25, deadline=None)
@given(instances9())
def test_steepest_basins_match_brute_force(case):
    s, p = case
    expected = bf_steepest_basins(s, p)
    got = {a.labels: a.basin_size for a in local_minima(s, p, basin="steepest")}
    assert got == expected
    assert sum(got.values()) == 2 ** (len(s) - 1)


@settings(max_examples=20, deadline=None)
@given(instances6())
def test_stochastic_basins_match_recursive_probabilities(case):
    s, p = case
    n = len(s)

    @cache
    def ends(x):  # {minimum: probability} under a uniformly chosen improving switch
        e = bf_energy(x, s, p)
        nxt = [bf_canonical(x[:i] + (1 - x[i],) + x[i + 1 :]) for i in range(n)]
        better = [y for y in nxt if bf_energy(y, s, p) < e]
        if not better:
            return {x: 1.0}
        out = {}
        for y in better:
            for m, q in ends(y).items():
                out[m] = out.get(m, 0.0) + q / len(better)
        return out

    expected = {}
    for rest in itertools.product((0, 1), repeat=n - 1):
        for m, q in ends((0,) + rest).items():
            expected[m] = expected.get(m, 0.0) + q
    got = {a.labels: a.basin_size for a in local_minima(s, p, basin="stochastic")}
    assert got.keys() == expected.keys()
    for m in got:
        assert got[m] == pytest.approx(expected[m], abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(instances12(), st.randoms(use_true_random=False))
def test_relabelling_permutes_the_minima(case, rnd):
    s, p = case
    n = len(s)
    perm = list(range(n))
    rnd.shuffle(perm)
    s2 = [s[perm[i]] for i in range(n)]
    p2 = [[p[perm[i]][perm[j]] for j in range(n)] for i in range(n)]

    def by_coalitions(minima, names):
        return {
            frozenset(frozenset(g) for g in a.coalitions(names)): (a.energy, a.basin_size)
            for a in minima
        }

    names = [f"a{i}" for i in range(n)]
    a = by_coalitions(local_minima(s, p, basin="stochastic"), names)
    b = by_coalitions(local_minima(s2, p2, basin="stochastic"), [names[perm[i]] for i in range(n)])
    assert a.keys() == b.keys()
    for c, (e, size) in a.items():  # stochastic basins do not depend on the actors' order
        assert b[c][0] == e
        assert b[c][1] == pytest.approx(size, rel=1e-9)


def test_energy_by_hand_three_actors():
    # sizes 1, 2, 3; p12 = 1, p13 = -2, p23 = 0.5 (actors numbered 1..3)
    p = [[0, 1, -2], [1, 0, 0.5], [-2, 0.5, 0]]
    s = [1, 2, 3]
    # {1,2} vs {3}: pairs apart 1-3 (1*3*-2 = -6) and 2-3 (2*3*0.5 = 3); ordered pairs: x2
    assert energy([0, 0, 1], s, p) == -6.0
    # {1} vs {2,3}: 1-2 (2) and 1-3 (-6) -> 2 * (-4)
    assert energy([5, 7, 7], s, p) == -8.0
    # everyone apart (three coalitions): 2 * (2 - 6 + 3)
    assert energy([0, 1, 2], s, p) == -2.0
    assert energy([1, 1, 1], s, p) == 0.0
    model = LandscapeModel().fit(s, p)
    assert model.global_minimum_.labels == (0, 1, 1)
    assert model.global_minimum_.energy == -8.0


# -- k coalitions --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(instances6(), st.integers(2, 4))
def test_partitions_match_brute_force(case, k):
    s, p = case
    energies, minima = bf_landscape(s, p, k)
    res = exhaustive_partitions(pair_weights(np.array(s, float), np.array(p, float)), k)
    assert res.n_configurations == len(energies) == count_partitions(len(s), k)
    configs = [tuple(int(v) for v in row) for row in res.decode(np.arange(res.n_configurations))]
    assert {c: float(e) for c, e in zip(configs, res.energies, strict=True)} == energies
    got = {tuple(int(v) for v in row) for row in res.decode(res.minima)}
    assert got == minima
    assert res.basin_sizes.sum() == res.n_configurations


@settings(max_examples=20, deadline=None)
@given(instances9())
def test_partition_search_with_two_coalitions_equals_bitmask_search(case):
    s, p = case
    w = pair_weights(np.array(s, float), np.array(p, float))
    a, b = exhaustive_two(w), exhaustive_partitions(w, 2)
    pa = {tuple(r): sz for r, sz in zip(a.decode(a.minima).tolist(), a.basin_sizes, strict=True)}
    pb = {tuple(r): sz for r, sz in zip(b.decode(b.minima).tolist(), b.basin_sizes, strict=True)}
    assert pa == pb


def test_three_coalitions_can_beat_two():
    # three mutually hostile actors: two sides cannot keep all three apart
    p = -np.ones((3, 3))
    np.fill_diagonal(p, 0)
    m2 = LandscapeModel(k=2).fit([1, 1, 1], p)
    m3 = LandscapeModel(k=3).fit([1, 1, 1], p)
    assert m2.global_minimum_.energy == -4.0  # one enemy pair stays together
    assert m3.global_minimum_.energy == -6.0 and m3.global_minimum_.labels == (0, 1, 2)


# -- MILP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [5, 9, 13])
def test_milp_equals_exhaustive_two(seed, n):
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.1, 3.0, n)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    w = pair_weights(s, p)
    exact = exhaustive_two(w, basin=None)
    m = milp_global_minimum(w)
    assert m.optimal
    assert m.energy == pytest.approx(exact.energies.min(), rel=1e-9, abs=1e-9)
    assert m.lower_bound <= m.energy + 1e-6


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [3, 4])
def test_milp_equals_exhaustive_partitions(seed, k):
    rng = np.random.default_rng(100 + seed)
    n = 7
    s = rng.uniform(0.5, 2.0, n)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    w = pair_weights(s, p)
    exact = exhaustive_partitions(w, k, basin=None)
    m = milp_global_minimum(w, k)
    assert m.optimal
    assert m.energy == pytest.approx(exact.energies.min(), rel=1e-9, abs=1e-9)
    model = LandscapeModel(k=k, method="milp").fit(s, p)
    assert model.minima_complete_ is False and model.energies_ is None
    assert model.global_minimum_.energy == pytest.approx(exact.energies.min(), abs=1e-9)


def test_global_minima_returns_every_tie():
    # with no propensities every one of the 2**(3-1) alignments has energy 0
    ties, e, exact = global_minima(np.zeros((3, 3)), 2)
    assert exact and e == 0.0 and len(ties) == 4


# -- estimator contract --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"k": 0},
            "The 'k' parameter of LandscapeModel must be greater than or equal to 2. "
            "Got 0 instead.",
        ),
        (
            {"k": 20000},
            "The 'k' parameter of LandscapeModel must be less than or equal to 50. "
            "Got 20000 instead.",
        ),
        ({"k": 2.5}, "The 'k' parameter of LandscapeModel must be a valid integer"),
        (
            {"method": "greedy"},
            "The 'method' parameter of LandscapeModel must be 'auto', "
            "'exhaustive' or 'milp'. Got 'greedy' instead.",
        ),
        ({"basin": "random"}, "The 'basin' parameter of LandscapeModel must be 'steepest' or"),
        ({"time_limit": 0}, "The 'time_limit' parameter of LandscapeModel must be greater than 0."),
        (
            {"time_limit": float("nan")},
            "The 'time_limit' parameter of LandscapeModel must be a finite number",
        ),
        ({"work_limit": 0}, "The 'work_limit' parameter of LandscapeModel must be greater than"),
        ({"seed": -1}, "The 'seed' parameter of LandscapeModel must be greater than or equal to 0"),
        (
            {"max_configurations": 2**26},
            "The 'max_configurations' parameter of LandscapeModel "
            "must be less than or equal to 33554432",
        ),
    ],
)
def test_parameters_are_validated_with_one_message_shape(params, message):
    with pytest.raises(ParameterError) as err:
        LandscapeModel(**params).fit([1, 1], [[0, 1], [1, 0]])
    assert str(err.value).startswith(message)


def test_exhaustive_beyond_its_limit_is_refused_with_the_numbers():
    # 2**(6-1) = 32 configurations > 20 allowed; 2**(5-1) = 16 fit, so at most 5 actors
    n = 6
    with pytest.raises(ParameterError) as err:
        LandscapeModel(method="exhaustive", max_configurations=20).fit(np.ones(n), np.zeros((n, n)))
    msg = str(err.value)
    assert "6 actors in at most 2 coalitions have 32 configurations" in msg
    assert "max_configurations=20: at most 5 actors" in msg and "method='milp'" in msg
    # "auto" takes the MILP instead and says the global minimum is all it has
    m = LandscapeModel(max_configurations=20).fit(np.ones(n), np.zeros((n, n)))
    assert m.method_ == "milp" and m.minima_complete_ is False
    with pytest.raises(ParameterError, match="7 actors are more than this model accepts"):
        LandscapeModel(max_actors=6).fit(np.ones(7), np.zeros((7, 7)))
    # 400 actors in 30 coalitions: 3 * 30 * 400 * 399 / 2 = 7,182,000 MILP rows, refused
    # before anything is built
    with pytest.raises(ParameterError, match="about 7,182,000 constraints"):
        LandscapeModel(k=30).fit(np.ones(400), np.zeros((400, 400)))


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="symmetric"):
        LandscapeModel().fit([1, 1, 1], [[0, 1, 0], [2, 0, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="> 0"):
        LandscapeModel().fit([1, 0], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="max_configurations"):
        LandscapeModel(method="exhaustive", max_configurations=4).fit([1] * 5, np.zeros((5, 5)))


def test_result_is_plain_data():
    p = [[0, 2, -1], [2, 0, -1], [-1, -1, 0]]
    model = LandscapeModel().fit([1, 2, 3], p, labels=["X", "Y", "Z"])
    d = json.loads(json.dumps(model.to_dict()))
    assert d["global_minimum"]["coalitions"] == [["X", "Y"], ["Z"]]
    assert d["global_minimum"]["energy"] == energy([0, 0, 1], [1, 2, 3], p)
    assert sum(m["basin_size"] for m in d["minima"]) == d["n_configurations"] == 4
    assert d["params"] == model.get_params()


def test_large_landscape_is_consistent_with_milp():
    rng = np.random.default_rng(7)
    n = 20
    s = rng.uniform(0.5, 2.0, n)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    model = LandscapeModel().fit(s, p)
    assert model.method_ == "exhaustive"
    assert sum(a.basin_size for a in model.minima_) == 2 ** (n - 1)
    # each reported minimum really is one: no single switch lowers it
    for a in model.minima_:
        x = list(a.labels)
        for i in range(n):
            y = x.copy()
            y[i] = 1 - y[i]
            assert energy(y, s, p) >= a.energy - 1e-9
    m = milp_global_minimum(pair_weights(s, p))
    assert m.energy == pytest.approx(model.global_minimum_.energy, rel=1e-9)
