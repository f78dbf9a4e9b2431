import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_helpers import brute_force, signed_graphs

from phalanx.network import (
    correlation_clustering,
    frustration_cost,
    frustration_heuristic,
    frustration_index,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(signed_graphs(max_nodes=14))
def test_exact_matches_brute_force(G):
    r = frustration_index(G, seed=0)
    assert r.optimal and r.gap == 0
    assert r.frustration_index == pytest.approx(brute_force(G), abs=1e-7)
    assert frustration_cost(G, r.partition) == pytest.approx(r.frustration_index, abs=1e-9)
    assert set(r.partition.values()) <= {0, 1}
    w = sum(G[a][b].get("weight", 1) for a, b in r.frustrated_edges)
    assert w == pytest.approx(r.frustration_index, abs=1e-9)


@FAST
@given(signed_graphs(max_nodes=12, weighted=False))
def test_unweighted_mode_ignores_weights(G):
    for a, b in G.edges:
        G[a][b]["weight"] = 7.5
    assert frustration_index(G, weight=None).frustration_index == brute_force(G, weight=None)


@FAST
@given(signed_graphs(max_nodes=14, balanced=True))
def test_balanced_graph_has_index_zero(G):
    assert frustration_index(G, seed=1).frustration_index == 0


@FAST
@given(signed_graphs(max_nodes=12), st.data())
def test_switching_keeps_the_index(G, data):
    H = G.copy()
    x = data.draw(st.sampled_from(sorted(H.nodes)))
    for y in H[x]:
        H[x][y]["sign"] *= -1
    assert frustration_index(H).frustration_index == pytest.approx(
        frustration_index(G).frustration_index, abs=1e-7
    )


@FAST
@given(signed_graphs(max_nodes=14))
def test_reductions_and_speedups_do_not_change_the_value(G):
    ref = frustration_index(
        G, reductions=False, triangles=False, warm_start=False, cycle_bound=False
    )
    for kw in ({}, {"reductions": False}, {"cycle_bound": False}, {"triangles": False}):
        assert frustration_index(G, seed=3, **kw).frustration_index == pytest.approx(
            ref.frustration_index, abs=1e-7
        )


@FAST
@given(signed_graphs(max_nodes=14), st.integers(0, 2**32 - 1))
def test_heuristic_bounds_bracket_the_exact_value(G, seed):
    exact = frustration_index(G).frustration_index
    h = frustration_heuristic(G, seed=seed, restarts=3, sweeps=10)
    assert h.lower_bound - 1e-7 <= exact <= h.upper_bound + 1e-7
    assert frustration_cost(G, h.partition) == pytest.approx(h.upper_bound)


@settings(max_examples=20, deadline=None)
@given(signed_graphs(max_nodes=7), st.integers(1, 4))
def test_kway_exact_matches_brute_force(G, k):
    r = correlation_clustering(G, k=k, seed=0, method="exact")
    assert r.optimal
    assert r.frustration_index == pytest.approx(brute_force(G, k=k), abs=1e-7)
    assert max(r.partition.values(), default=0) < k
    assert frustration_cost(G, r.partition) == pytest.approx(r.frustration_index, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(signed_graphs(max_nodes=9), st.integers(0, 1000))
def test_kway_heuristic_brackets_exact(G, seed):
    exact = correlation_clustering(G, k=3, method="exact").frustration_index
    h = correlation_clustering(G, k=3, method="heuristic", seed=seed)
    assert h.lower_bound - 1e-7 <= exact <= h.upper_bound + 1e-7


@settings(max_examples=10, deadline=None)
@given(signed_graphs(max_nodes=14), st.integers(0, 10**6))
def test_deterministic_for_a_seed(G, seed):
    a = frustration_heuristic(G, seed=seed, restarts=3, sweeps=5)
    b = frustration_heuristic(G, seed=seed, restarts=3, sweeps=5)
    assert a.partition == b.partition and a.lower_bound == b.lower_bound
    c = frustration_index(G, seed=seed)
    d = frustration_index(G, seed=seed)
    assert c.partition == d.partition


def test_time_limit_gives_an_interval_never_a_silent_value():
    G = nx.gnm_random_graph(400, 3000, seed=5)
    rng = np.random.default_rng(5)
    for a, b in G.edges:
        G[a][b]["sign"] = int(rng.choice([1, -1]))
    r = frustration_index(G, time_limit=0.5, seed=0)
    assert r.lower_bound <= r.frustration_index == r.upper_bound
    assert r.gap == pytest.approx(r.upper_bound - r.lower_bound)
    assert r.optimal == (r.gap == 0)
    if not r.optimal:
        assert r.gap > 0 and "interval" in r.method
    assert frustration_cost(G, r.partition) == r.frustration_index


def test_disconnected_graph_with_isolated_nodes_and_trees():
    G = nx.Graph()
    G.add_nodes_from(["lonely"])
    G.add_edges_from([(0, 1), (1, 2), (2, 0)], sign=-1)
    G.add_edges_from([(10, 11), (11, 12)], sign=-1)
    G.add_edge(2, 10, sign=1)
    r = frustration_index(G)
    assert r.frustration_index == 1 and r.optimal and "lonely" in r.partition


@FAST
@given(signed_graphs(max_nodes=14), st.integers(0, 2**32 - 1))
def test_cutting_plane_bound_brackets_the_exact_value(G, seed):
    from phalanx.network._search import Problem, search
    from phalanx.network.bounds import cutting_plane_bound, cycle_pool, separate_cycles
    from phalanx.network.signed import signed_edge_arrays
    from phalanx.seeds import as_generator

    exact = brute_force(G)
    P = Problem.from_edges(signed_edge_arrays(G, "weight"))
    rng = as_generator(seed)
    lab, ub = search(P, 2, rng, restarts=2, sweeps=0)
    greedy, pool = cycle_pool(P, lab)
    assert greedy - 1e-7 <= exact <= ub + 1e-7
    lb, rows, f = cutting_plane_bound(P, pool, rng=rng)
    assert greedy - 1e-6 <= lb <= exact + 1e-7
    if f is not None:  # converged: no violated unbalanced cycle is left
        assert separate_cycles(P, f, tol=1e-5) == []
    for row in rows:  # every row holds an unbalanced cycle: some frustrated edge in it
        same = lab[P.u[row]] == lab[P.v[row]]
        assert np.any(np.where(P.s[row] > 0, ~same, same))


@FAST
@given(signed_graphs(max_nodes=14))
def test_blocks_match_networkx_biconnected_components(G):
    from phalanx.network.reductions import reduce_graph
    from phalanx.network.signed import signed_edge_arrays

    E = signed_edge_arrays(G, "weight")
    core = nx.k_core(nx.Graph([(int(a), int(b)) for a, b in zip(E.u, E.v, strict=True)]), 2)
    eid = {frozenset((int(E.u[e]), int(E.v[e]))): e for e in range(E.m)}
    want = sorted(
        sorted(eid[frozenset(p)] for p in comp) for comp in nx.biconnected_component_edges(core)
    )
    assert sorted(b.tolist() for b in reduce_graph(E).blocks) == want


@FAST
@given(signed_graphs(max_nodes=14), st.integers(0, 2**32 - 1))
def test_tree_labels_satisfy_a_spanning_forest(G, seed):
    from phalanx.network._search import Problem, tree_labels
    from phalanx.network.signed import signed_edge_arrays

    E = signed_edge_arrays(G, "weight")
    P = Problem.from_edges(E)
    lab = tree_labels(P, np.random.default_rng(seed).random(E.m))
    same = lab[E.u] == lab[E.v]
    satisfied = int(np.where(E.sign > 0, same, ~same).sum())
    assert satisfied >= E.n - nx.number_connected_components(G)


def _hard_instance(n: int = 40, seed: int = 5):
    """A dense random signed graph: its LP relaxation is weak, so one B&B node is not
    enough to prove the optimum."""
    from phalanx.network.signed import signed_graph_from_edges

    rng = np.random.default_rng(seed)
    edges = [
        (i, j, int(rng.choice([-1, 1])))
        for i in range(n)
        for j in range(i + 1, n)
        if rng.random() < 0.5
    ]
    return signed_graph_from_edges(edges)


def test_work_limit_binds_and_is_deterministic():
    from phalanx.network import correlation_clustering, frustration_index

    G = _hard_instance()
    a = frustration_index(G, seed=11, work_limit=1)
    b = frustration_index(G, seed=11, work_limit=1)
    assert a.limit == "work" and not a.optimal and a.gap > 0
    assert a.seed == 11
    for f in (
        "frustration_index",
        "lower_bound",
        "upper_bound",
        "partition",
        "frustrated_edges",
        "blocks",
        "method",
    ):
        assert getattr(a, f) == getattr(b, f), f
    H = _hard_instance(n=14)
    k3 = correlation_clustering(H, k=3, seed=11, work_limit=1, method="exact")
    assert k3.limit == "work" and k3.lower_bound < k3.upper_bound
    again = correlation_clustering(H, k=3, seed=11, work_limit=1, method="exact")
    assert {**again.as_dict(), "solve_time": 0} == {**k3.as_dict(), "solve_time": 0}


def test_no_limit_means_limit_none_and_the_seed_is_recorded():
    from phalanx.network import frustration_index

    G = _hard_instance(n=12)
    r = frustration_index(G)  # no seed: one is drawn and recorded
    assert r.optimal and r.limit is None and isinstance(r.seed, int)
    again = frustration_index(G, seed=r.seed)
    assert again.partition == r.partition


@pytest.mark.parametrize(
    "kw", [{"time_limit": 0}, {"time_limit": float("nan")}, {"work_limit": -1}, {"work_limit": 1.5}]
)
def test_bad_limits_are_parameter_errors(kw):
    from phalanx.errors import ParameterError
    from phalanx.network import frustration_index

    with pytest.raises(ParameterError, match="limit"):
        frustration_index(_hard_instance(n=6), seed=1, **kw)


def test_bounds_and_heuristics_do_not_import_each_other():
    import ast
    import pathlib

    import phalanx.network as pkg

    root = pathlib.Path(pkg.__file__).parent
    for name, other in (("bounds", "heuristics"), ("heuristics", "bounds")):
        tree = ast.parse((root / f"{name}.py").read_text())
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if other == "heuristics":
            assert f"phalanx.network.{other}" not in mods
    tree = ast.parse((root / "_search.py").read_text())
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {"phalanx.network.bounds", "phalanx.network.heuristics"} & mods


@pytest.mark.parametrize(
    "kw", [{"restarts": 0}, {"sweeps": -1}, {"restarts": 2.5}, {"time_limit": float("inf")}]
)
def test_bad_heuristic_effort_is_a_parameter_error(kw):
    from phalanx.errors import ParameterError
    from phalanx.network import frustration_heuristic

    with pytest.raises(ParameterError):
        frustration_heuristic(_hard_instance(n=6), seed=1, **kw)


def test_heuristic_records_its_seed_and_repeats():
    from phalanx.network import frustration_heuristic

    G = _hard_instance(n=20)
    a = frustration_heuristic(G, lower_bound=False)
    b = frustration_heuristic(G, seed=a.seed, lower_bound=False)
    assert isinstance(a.seed, int) and a.partition == b.partition
    assert a.upper_bound == b.upper_bound
