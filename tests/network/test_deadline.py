"""One deadline for the whole balance computation: an expired time limit still gives a
valid partition with honest bounds, and skipped triangle measures are said to be so."""

import itertools

import networkx as nx
import numpy as np
import pytest
from network_helpers import brute_force

from phalanx.network import correlation_clustering, frustration_cost, frustration_index
from phalanx.network.reductions import reduce_graph
from phalanx.network.signed import signed_edge_arrays
from phalanx.network.summary import balance_summary
from phalanx.network.triangles import triangle_edge_triples_until

EXPIRED = 1e-6  # seconds: gone before the first phase starts


def _random_signed(n: int, p: float, seed: int) -> nx.Graph:
    """G(n, p) with independent random signs and integer weights 1..3 (frustrated)."""
    rng = np.random.default_rng(seed)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for a, b in itertools.combinations(range(n), 2):
        if rng.random() < p:
            G.add_edge(a, b, sign=int(rng.choice([-1, 1])), weight=int(rng.integers(1, 4)))
    return G


def _clustering_cost(G: nx.Graph, part: dict) -> float:
    """Weight of negative edges inside groups plus positive edges between groups."""
    return float(
        sum(
            d["weight"] for a, b, d in G.edges(data=True) if (part[a] == part[b]) != (d["sign"] > 0)
        )
    )


@pytest.mark.parametrize("k", [2, 3])
def test_expired_limit_gives_a_valid_partition_with_honest_bounds(k):
    G = _random_signed(60, 0.25, seed=3)
    s = balance_summary(G, k=k, time_limit=EXPIRED, seed=0)
    part = {int(x): c for x, c in s["partition"].items()}
    assert set(part) == set(G.nodes) and set(part.values()) <= set(range(k))
    cost = _clustering_cost(G, part)
    assert s["frustration_index"] == pytest.approx(cost)
    assert s["upper_bound"] == pytest.approx(cost)
    assert sum(e["weight"] for e in s["frustrated_edges"]) == pytest.approx(cost)
    assert 0 <= s["lower_bound"] <= s["upper_bound"]
    assert s["gap"] == pytest.approx(s["upper_bound"] - s["lower_bound"])
    assert s["optimal"] is False and s["limit"] == "time"
    assert s["triangles"] == "skipped: time limit"
    assert s["n_triangles"] is None
    assert s["triangle_balance"] is None and s["triangle_balance_weighted"] is None
    # the normalised balance is exact arithmetic on the reported value, never skipped
    W = sum(d["weight"] for _, _, d in G.edges(data=True))
    assert s["normalised_balance"] == pytest.approx(1 - cost / (W / 2))


def test_expired_limit_bounds_bracket_the_brute_force_optimum():
    G = _random_signed(13, 0.5, seed=8)
    exact = brute_force(G)
    assert exact > 0
    r = frustration_index(G, time_limit=EXPIRED, seed=1)
    assert r.lower_bound <= exact + 1e-9 <= r.upper_bound + 2e-9
    assert frustration_cost(G, r.partition) == pytest.approx(r.upper_bound)
    assert r.limit == "time" and not r.optimal


def test_expired_limit_skips_the_k3_phases_but_keeps_a_valid_clustering():
    G = _random_signed(40, 0.3, seed=4)
    r = correlation_clustering(G, k=3, time_limit=EXPIRED, seed=0)
    assert _clustering_cost(G, r.partition) == pytest.approx(r.upper_bound)
    assert r.lower_bound <= r.upper_bound and r.limit == "time"


def test_without_a_limit_the_triangle_measures_are_computed():
    G = _random_signed(30, 0.3, seed=5)
    s = balance_summary(G, seed=0)
    assert s["triangles"] == "computed" and s["optimal"] and s["limit"] is None
    assert s["n_triangles"] == sum(nx.triangles(G).values()) // 3
    balanced = sum(
        1
        for t in nx.enumerate_all_cliques(G)
        if len(t) == 3 and np.prod([G[a][b]["sign"] for a, b in itertools.combinations(t, 2)]) > 0
    )
    assert s["triangle_balance"] == pytest.approx(balanced / s["n_triangles"])
    part = {int(x): c for x, c in s["partition"].items()}
    assert s["frustration_index"] == pytest.approx(frustration_cost(G, part))
    assert s["frustration_index"] == frustration_index(G, seed=0).frustration_index


def test_triangle_listing_is_all_or_nothing():
    G = _random_signed(25, 0.4, seed=6)
    E = signed_edge_arrays(G)
    full = triangle_edge_triples_until(E.n, E.u, E.v, float("inf"))
    assert full is not None and full.shape[0] == sum(nx.triangles(G).values()) // 3
    assert triangle_edge_triples_until(E.n, E.u, E.v, 0.0) is None


def test_expired_reduction_keeps_every_edge_in_one_block():
    G = _random_signed(20, 0.3, seed=7)
    E = signed_edge_arrays(G)
    R = reduce_graph(E, deadline=0.0)
    assert R.pruned == [] and len(R.blocks) == 1
    assert R.blocks[0].tolist() == list(range(E.m))
