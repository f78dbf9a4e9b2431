"""Heuristics for the frustration index and k-camp partitions of large signed graphs.

The search works on k labels (k = 2 for the frustration index, k >= 2 for correlation
clustering with at most k groups). With the signed adjacency ``A`` (``A_ij = s_ij w_ij``)
and the one-hot label matrix ``Z``, ``M = A Z`` gives for node i and label c the signed
weight of i's ties into group c; moving i from label a to b lowers the cost by
``M_ib - M_ia``. All steps are numpy / scipy.sparse operations, O(m k) per round:

* **local search**: every round, all nodes with a positive gain that beat (by gain,
  then a random key) each improving neighbour move at once -- an independent set, so
  the gains add up exactly; stops at a 1-move local optimum.
* **simulated annealing**: Metropolis sweeps over random independent sets (a colouring
  computed once), so each class is updated in one vectorised step; geometric cooling.
* **multi-start**: starts from random spanning trees (satisfying every tree edge), from
  the leading eigenvector of ``A`` (k = 2) and at random, then perturb-and-improve.

The value returned is the cost of an actual partition, hence an **upper bound**; the
matching lower bound comes from :mod:`phalanx.network.bounds`. Results depend only on
``seed`` (int, ``numpy.random.SeedSequence`` or ``Generator``; converted once).

>>> from phalanx.network.signed import signed_graph_from_edges
>>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1), (2, 3, -1), (3, 0, 1)])
>>> r = frustration_heuristic(G, seed=1)
>>> r.upper_bound, r.lower_bound
(1.0, 1.0)
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np

from phalanx.errors import ParameterError
from phalanx.network._search import (
    Problem,
    _anneal,
    _local_search,
    local_search_labels,
    search,
    seeded,
    tree_labels,
)
from phalanx.network.bounds import frustration_lower_bound
from phalanx.network.frustration import check_limits
from phalanx.network.signed import SignedEdges, frustrated_edges, signed_edge_arrays
from phalanx.seeds import SeedLike, as_generator

__all__ = [
    "local_search",
    "simulated_annealing",
    "frustration_heuristic",
    "HeuristicResult",
    "Problem",
    "search",
    "tree_labels",
    "local_search_labels",
]


def _to_labels(E: SignedEdges, partition: dict | None, k: int) -> np.ndarray | None:
    if partition is None:
        return None
    lab = np.array([partition.get(x, 0) for x in E.nodes], dtype=np.int64)
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ParameterError(f"partition labels must be in 0..{k - 1}")
    return lab


def local_search(
    G: nx.Graph,
    partition: dict | None = None,
    *,
    k: int = 2,
    weight: str | None = "weight",
    seed: SeedLike = None,
) -> tuple[dict, float]:
    """Improve ``partition`` (default: random) by single-node moves until no move helps.

    Returns ``(partition, cost)``; cost = weight of frustrated edges (an upper bound on
    the optimum). O(m k) per round, usually few rounds.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (2, 3, 1)])
    >>> local_search(G, {0: 0, 1: 0, 2: 0, 3: 1}, seed=0)
    ({0: 0, 1: 1, 2: 0, 3: 0}, 0.0)
    """
    E = signed_edge_arrays(G, weight)
    rng = as_generator(seed)
    P = Problem.from_edges(E)
    lab0 = _to_labels(E, partition, k)
    if lab0 is None:
        lab0 = rng.integers(0, k, size=E.n)
    lab = _local_search(P, lab0, k, rng)
    return dict(zip(E.nodes, lab.tolist(), strict=True)), P.cost(lab)


def simulated_annealing(
    G: nx.Graph,
    *,
    k: int = 2,
    weight: str | None = "weight",
    seed: SeedLike = None,
    sweeps: int = 200,
) -> tuple[dict, float]:
    """Simulated annealing from a random partition, finished by local search.

    ``sweeps`` Metropolis sweeps (each O(m k)), temperature cooling geometrically from
    1.5 to 0.02 times the mean edge weight. Returns ``(partition, cost)``.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])
    >>> simulated_annealing(G, k=3, seed=0)[1]
    0.0
    """
    E = signed_edge_arrays(G, weight)
    rng = as_generator(seed)
    P = Problem.from_edges(E)
    lab = _anneal(P, rng.integers(0, k, size=E.n), k, rng, sweeps, float("inf"))
    lab = _local_search(P, lab, k, rng)
    return dict(zip(E.nodes, lab.tolist(), strict=True)), P.cost(lab)


@dataclass
class HeuristicResult:
    """Best partition found (its cost is ``upper_bound``) and a proven ``lower_bound``."""

    partition: dict
    upper_bound: float
    lower_bound: float
    gap: float
    frustrated_edges: list
    solve_time: float
    method: str
    seed: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def frustration_heuristic(
    G: nx.Graph,
    weight: str | None = "weight",
    seed: SeedLike = None,
    *,
    restarts: int = 8,
    sweeps: int = 60,
    lower_bound: bool = True,
    time_limit: float | None = None,
) -> HeuristicResult:
    """Upper and lower bounds on the frustration index of a large signed graph.

    Multi-start local search and annealing give a partition (upper bound); the lower
    bound is an LP-strengthened packing of unbalanced cycles
    (:func:`phalanx.network.bounds.frustration_lower_bound`), 0 if ``lower_bound`` is
    False. ``restarts`` (1..10^6) and ``sweeps`` (0..10^7) bound the search's work,
    deterministically; ``time_limit`` (s, optional) also caps the search and the bound
    (about half each), and then the result depends on the machine. Deterministic for a
    given ``seed`` without a time limit; ``seed`` of the result is the root seed used.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])
    >>> r = frustration_heuristic(G, seed=0)
    >>> r.upper_bound, r.lower_bound, r.gap
    (1.0, 1.0, 0.0)
    """
    _check_effort(restarts, sweeps)
    check_limits(time_limit, None)
    t0 = time.perf_counter()
    E = signed_edge_arrays(G, weight)
    root, rng = seeded(seed)
    budget = float("inf") if time_limit is None else float(time_limit)
    P = Problem.from_edges(E)
    lab, ub = search(P, 2, rng, restarts, sweeps, t0 + budget / 2)
    part = dict(zip(E.nodes, lab.tolist(), strict=True))
    lb, method = 0.0, "local search + annealing"
    if lower_bound:
        left = None if time_limit is None else max(budget - (time.perf_counter() - t0), 0.1)
        lb = min(frustration_lower_bound(G, part, weight=weight, time_limit=left), ub)
        method += "; unbalanced-cycle packing LP bound"
    return HeuristicResult(
        part,
        ub,
        lb,
        ub - lb,
        frustrated_edges(G, part, weight),
        time.perf_counter() - t0,
        method,
        seed=root,
    )


def _check_effort(restarts: int, sweeps: int) -> None:
    """Refuse a restart count outside 1..10^6 or a sweep count outside 0..10^7."""
    from phalanx.errors import ParameterError

    for name, v, lo, hi in (("restarts", restarts, 1, 10**6), ("sweeps", sweeps, 0, 10**7)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
            raise ParameterError(
                f"The {name!r} parameter must be an integer in [{lo}, {hi}]. Got {v!r} instead."
            )
