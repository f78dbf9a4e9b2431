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
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from phalanx.network.signed import SignedEdges, frustrated_edges, signed_edge_arrays

__all__ = ["as_generator", "local_search", "simulated_annealing", "frustration_heuristic",
           "HeuristicResult"]

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Convert ``seed`` once into a ``numpy.random.Generator`` (no global state).

    >>> int(as_generator(3).integers(100)) == int(as_generator(np.random.SeedSequence(3)).integers(100))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Problem:
    """Arrays of a signed graph used by the search (internal; node indices 0..n-1)."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, s: np.ndarray, w: np.ndarray):
        self.n, self.u, self.v = n, u, v
        self.s, self.w = s.astype(np.float64), w.astype(np.float64)
        sw = self.s * self.w
        self.A = sp.csr_matrix((np.concatenate([sw, sw]), (np.concatenate([u, v]),
                                np.concatenate([v, u]))), shape=(n, n))
        self._classes: list[np.ndarray] | None = None

    @classmethod
    def from_edges(cls, E: SignedEdges) -> Problem:
        return cls(E.n, E.u, E.v, E.sign, E.w)

    def cost(self, lab: np.ndarray) -> float:
        same = lab[self.u] == lab[self.v]
        return float(self.w[np.where(self.s > 0, ~same, same)].sum())

    def field(self, lab: np.ndarray, k: int) -> np.ndarray:
        return np.asarray(self.A @ np.eye(k)[lab])

    def classes(self, rng: np.random.Generator) -> list[np.ndarray]:
        """Partition nodes into independent sets (random-priority greedy rounds)."""
        if self._classes is None:
            left = np.ones(self.n, dtype=bool)
            key = rng.permutation(self.n)
            out = []
            while left.any():
                both = left[self.u] & left[self.v]
                a, b = self.u[both], self.v[both]
                loser = np.where(key[a] < key[b], a, b)
                blocked = np.bincount(loser, minlength=self.n) > 0
                pick = left & ~blocked
                out.append(np.flatnonzero(pick))
                left &= ~pick
            self._classes = out
        return self._classes


def _local_search(P: Problem, lab: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    lab = lab.copy()
    idx = np.arange(P.n)
    while True:
        if k == 2:  # flip gains from the spin field h = A sigma
            sigma = 1.0 - 2.0 * lab
            gain = -sigma * (P.A @ sigma)
            best = 1 - lab
        else:
            M = P.field(lab, k)
            best = np.argmax(M, axis=1)
            gain = M[idx, best] - M[idx, lab]
        imp = gain > 1e-9
        if not imp.any():
            return lab
        key = rng.random(P.n)
        both = imp[P.u] & imp[P.v]
        a, b = P.u[both], P.v[both]
        a_loses = (gain[a] < gain[b]) | ((gain[a] == gain[b]) & (key[a] < key[b]))
        loser = np.where(a_loses, a, b)
        sel = imp & ~(np.bincount(loser, minlength=P.n) > 0)
        lab[sel] = best[sel]


def _anneal(P: Problem, lab: np.ndarray, k: int, rng: np.random.Generator,
            sweeps: int, deadline: float) -> np.ndarray:
    lab = lab.copy()
    if sweeps <= 0 or P.u.size == 0:
        return lab
    classes = P.classes(rng)
    rows = [P.A[c] for c in classes]
    wbar = float(P.w.mean())
    temps = np.geomspace(1.5 * wbar, 0.02 * wbar, sweeps)
    for T in temps:
        if time.perf_counter() > deadline:
            break
        for c, Ac in zip(classes, rows, strict=True):
            cur = lab[c]
            if k == 2:  # cost change of a flip: the signed weight into the own group
                Mc = np.asarray(Ac @ (1.0 - 2.0 * lab))
                delta = np.where(cur == 0, Mc, -Mc)
                acc = (delta <= 0) | (rng.random(c.size) < np.exp(-np.maximum(delta, 0) / T))
                lab[c[acc]] = 1 - cur[acc]
                continue
            Mc = np.asarray(Ac @ np.eye(k)[lab])
            prop = (cur + rng.integers(1, k, size=c.size)) % k
            r = np.arange(c.size)
            delta = Mc[r, cur] - Mc[r, prop]
            acc = (delta <= 0) | (rng.random(c.size) < np.exp(-np.maximum(delta, 0) / T))
            lab[c[acc]] = prop[acc]
    return lab


def _forest_labels(P: Problem, priority: np.ndarray, k: int,
                   shift: np.ndarray | None = None) -> np.ndarray:
    """Labels satisfying every edge of the minimum spanning forest for ``priority``.

    Vectorised: Kruskal through ``csgraph.minimum_spanning_tree`` on edge ranks, one
    multi-source BFS (unit-length Dijkstra) for the parent pointers, then pointer
    jumping to count the negative edges from each node up to its root. ``shift[c]`` is
    the label of the root of component c (default 0).
    """
    n, m = P.n, P.u.size
    if m == 0:
        return np.zeros(n, dtype=np.int64)
    order = np.argsort(priority, kind="stable")
    rank = np.empty(m, dtype=np.float64)
    rank[order] = np.arange(1, m + 1)
    R = sp.csr_matrix((rank, (P.u, P.v)), shape=(n, n))
    T = csgraph.minimum_spanning_tree(R).tocoo()
    te = order[T.data.astype(np.int64) - 1]  # tree edge ids
    ncomp, comp = csgraph.connected_components(
        sp.csr_matrix((np.ones(te.size), (P.u[te], P.v[te])), shape=(n, n)), directed=False)
    roots = np.unique(comp, return_index=True)[1]  # smallest node of each component
    ones = np.ones(te.size)
    U = sp.csr_matrix((np.concatenate([ones, ones]), (np.concatenate([P.u[te], P.v[te]]),
                       np.concatenate([P.v[te], P.u[te]]))), shape=(n, n))
    _, pred, _ = csgraph.dijkstra(U, directed=False, indices=roots, unweighted=True,
                                  min_only=True, return_predecessors=True)
    pred = pred.astype(np.int64)
    up = np.zeros(n, dtype=np.int64)
    a, b = P.u[te], P.v[te]
    neg = (P.s[te] < 0).astype(np.int64)
    up[a[pred[a] == b]] = neg[pred[a] == b]
    up[b[pred[b] == a]] = neg[pred[b] == a]
    ptr = np.where(pred < 0, np.arange(n), pred)
    while True:  # pointer jumping: up[x] = negative edges from x to its root
        nxt = ptr[ptr]
        up = up + np.where(ptr != np.arange(n), up[ptr], 0)
        if np.array_equal(nxt, ptr):
            break
        ptr = nxt
    base = shift[comp] if shift is not None else 0
    return ((base + up) % k).astype(np.int64)


def tree_labels(P: Problem, priority: np.ndarray) -> np.ndarray:
    """Two-camp labels satisfying a minimum spanning forest for ``priority`` (e.g. LP
    values: the edges the relaxation leaves unfrustrated are kept satisfied)."""
    return _forest_labels(P, np.asarray(priority, dtype=np.float64), 2)


def local_search_labels(P: Problem, lab: np.ndarray, rng: np.random.Generator,
                        k: int = 2) -> np.ndarray:
    """Single-node local search to a 1-move local optimum (arrays in, arrays out)."""
    return _local_search(P, lab, k, rng)


def _tree_start(P: Problem, k: int, rng: np.random.Generator) -> np.ndarray:
    """Labels satisfying every edge of a random spanning forest."""
    if P.u.size == 0:
        return np.zeros(P.n, dtype=np.int64)
    pri = rng.random(P.u.size)
    return _forest_labels(P, pri, k, rng.integers(0, k, size=P.n))


def _spectral_start(P: Problem, rng: np.random.Generator) -> np.ndarray:
    if P.n < 3:
        return np.zeros(P.n, dtype=np.int64)
    try:
        if P.n <= 40:
            _, vec = np.linalg.eigh(P.A.toarray())
            x = vec[:, -1]
        else:
            _, vec = eigsh(P.A, k=1, which="LA", v0=rng.random(P.n) + 0.1, maxiter=2000,
                           tol=1e-4)
            x = vec[:, 0]
    except (ArpackNoConvergence, np.linalg.LinAlgError):
        return rng.integers(0, 2, size=P.n)
    return (x < 0).astype(np.int64)


def search(P: Problem, k: int, rng: np.random.Generator, restarts: int = 8,
           sweeps: int = 60, deadline: float = float("inf"),
           start: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Multi-start local search + annealing on arrays; returns (labels, cost)."""
    if P.n == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    starts: list[np.ndarray] = []
    if start is not None:
        starts.append(np.asarray(start, dtype=np.int64))
    if k == 2:
        starts.append(_spectral_start(P, rng))
    best_lab, best = None, float("inf")
    for r in range(max(restarts, 1)):
        if r > 0 and time.perf_counter() > deadline:
            break
        if starts:
            lab0 = starts.pop(0)
        elif r % 3 == 2 and best_lab is not None:  # perturb the incumbent
            lab0 = best_lab.copy()
            flip = rng.random(P.n) < 0.1
            lab0[flip] = rng.integers(0, k, size=int(flip.sum()))
        elif r % 3 == 1:
            lab0 = rng.integers(0, k, size=P.n)
        else:
            lab0 = _tree_start(P, k, rng)
        lab = _local_search(P, lab0, k, rng)
        if sweeps > 0:
            lab = _local_search(P, _anneal(P, lab, k, rng, sweeps, deadline), k, rng)
        c = P.cost(lab)
        if c < best - 1e-12:
            best, best_lab = c, lab
    return best_lab, best


def _to_labels(E: SignedEdges, partition: dict | None, k: int) -> np.ndarray | None:
    if partition is None:
        return None
    lab = np.array([partition.get(x, 0) for x in E.nodes], dtype=np.int64)
    if lab.size and (lab.min() < 0 or lab.max() >= k):
        raise ValueError(f"partition labels must be in 0..{k - 1}")
    return lab


def local_search(G: nx.Graph, partition: dict | None = None, *, k: int = 2,
                 weight: str | None = "weight", seed: SeedLike = None) -> tuple[dict, float]:
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


def simulated_annealing(G: nx.Graph, *, k: int = 2, weight: str | None = "weight",
                        seed: SeedLike = None, sweeps: int = 200) -> tuple[dict, float]:
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

    def as_dict(self) -> dict:
        return asdict(self)


def frustration_heuristic(G: nx.Graph, weight: str | None = "weight", seed: SeedLike = None,
                          *, restarts: int = 8, sweeps: int = 60,
                          lower_bound: bool = True,
                          time_limit: float | None = None) -> HeuristicResult:
    """Upper and lower bounds on the frustration index of a large signed graph.

    Multi-start local search and annealing give a partition (upper bound); the lower
    bound is an LP-strengthened packing of unbalanced cycles
    (:func:`phalanx.network.bounds.frustration_lower_bound`), 0 if ``lower_bound`` is
    False. ``time_limit`` (s) caps the search and the bound (about half each).
    Deterministic for a given ``seed``.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])
    >>> r = frustration_heuristic(G, seed=0)
    >>> r.upper_bound, r.lower_bound, r.gap
    (1.0, 1.0, 0.0)
    """
    from phalanx.network.bounds import frustration_lower_bound

    t0 = time.perf_counter()
    E = signed_edge_arrays(G, weight)
    rng = as_generator(seed)
    budget = float("inf") if time_limit is None else float(time_limit)
    P = Problem.from_edges(E)
    lab, ub = search(P, 2, rng, restarts, sweeps, t0 + budget / 2)
    part = dict(zip(E.nodes, lab.tolist(), strict=True))
    lb, method = 0.0, "local search + annealing"
    if lower_bound:
        left = None if time_limit is None else max(budget - (time.perf_counter() - t0), 0.1)
        lb = min(frustration_lower_bound(G, part, weight=weight, time_limit=left), ub)
        method += "; unbalanced-cycle packing LP bound"
    return HeuristicResult(part, ub, lb, ub - lb, frustrated_edges(G, part, weight),
                           time.perf_counter() - t0, method)
