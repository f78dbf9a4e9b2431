"""The array core of the signed-graph search, shared by the heuristics and the bounds.

:class:`Problem` holds a signed graph as arrays; :func:`search` runs multi-start local
search and annealing on it (see :mod:`phalanx.network.heuristics` for the method). It
lives in its own module so that :mod:`phalanx.network.bounds` (which warm-starts from a
search) and :mod:`phalanx.network.heuristics` (which asks the bounds for a lower bound)
do not import each other.

Effort is bounded by ``restarts`` and ``sweeps`` (deterministic work) and, optionally, by
a wall-clock ``deadline`` (then the result depends on the machine).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from phalanx.network.signed import SignedEdges
from phalanx.seeds import SeedLike, as_generator, resolve_seed

__all__ = [
    "Problem",
    "search",
    "tree_labels",
    "local_search_labels",
    "seeded",
    "merge_limits",
    "milp_interval",
    "expired",
]


class Problem:
    """Arrays of a signed graph used by the search (internal; node indices 0..n-1)."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, s: np.ndarray, w: np.ndarray):
        self.n, self.u, self.v = n, u, v
        self.s, self.w = s.astype(np.float64), w.astype(np.float64)
        sw = self.s * self.w
        self.A = sp.csr_matrix(
            (np.concatenate([sw, sw]), (np.concatenate([u, v]), np.concatenate([v, u]))),
            shape=(n, n),
        )
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


def _local_search(
    P: Problem, lab: np.ndarray, k: int, rng: np.random.Generator, deadline: float = math.inf
) -> np.ndarray:
    """Parallel improving moves to a 1-move local optimum, or until ``deadline`` (every
    round keeps a valid labelling, so stopping early is safe)."""
    lab = lab.copy()
    idx = np.arange(P.n)
    while True:
        if time.perf_counter() > deadline:
            return lab
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


def _anneal(
    P: Problem, lab: np.ndarray, k: int, rng: np.random.Generator, sweeps: int, deadline: float
) -> np.ndarray:
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


def _forest_labels(
    P: Problem, priority: np.ndarray, k: int, shift: np.ndarray | None = None
) -> np.ndarray:
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
        sp.csr_matrix((np.ones(te.size), (P.u[te], P.v[te])), shape=(n, n)), directed=False
    )
    roots = np.unique(comp, return_index=True)[1]  # smallest node of each component
    ones = np.ones(te.size)
    U = sp.csr_matrix(
        (
            np.concatenate([ones, ones]),
            (np.concatenate([P.u[te], P.v[te]]), np.concatenate([P.v[te], P.u[te]])),
        ),
        shape=(n, n),
    )
    _, pred, _ = csgraph.dijkstra(
        U, directed=False, indices=roots, unweighted=True, min_only=True, return_predecessors=True
    )
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


def local_search_labels(
    P: Problem, lab: np.ndarray, rng: np.random.Generator, k: int = 2
) -> np.ndarray:
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
            _, vec = eigsh(P.A, k=1, which="LA", v0=rng.random(P.n) + 0.1, maxiter=2000, tol=1e-4)
            x = vec[:, 0]
    except (ArpackNoConvergence, np.linalg.LinAlgError):
        return rng.integers(0, 2, size=P.n)
    return (x < 0).astype(np.int64)


def search(
    P: Problem,
    k: int,
    rng: np.random.Generator,
    restarts: int = 8,
    sweeps: int = 60,
    deadline: float = float("inf"),
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Multi-start local search + annealing on arrays; returns (labels, cost)."""
    if P.n == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    if time.perf_counter() > deadline:  # no time left: one cheap valid start, improved
        lab = _local_search(P, _tree_start(P, k, rng) if start is None else start, k, rng)
        return lab, P.cost(lab)
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
        lab = _local_search(P, lab0, k, rng, deadline)
        if sweeps > 0:
            lab = _local_search(P, _anneal(P, lab, k, rng, sweeps, deadline), k, rng, deadline)
        c = P.cost(lab)
        if c < best - 1e-12:
            best, best_lab = c, lab
    return best_lab, best


def seeded(seed: SeedLike) -> tuple[int | None, np.random.Generator]:
    """The root seed to record and the generator to draw from, for any ``seed``.

    An int or None is resolved with :func:`phalanx.seeds.resolve_seed` (None draws fresh
    entropy, which is recorded, so the run can be repeated); a ``SeedSequence`` records
    its entropy; a ``Generator`` is used as is and records None (its state is the
    caller's).
    """
    if isinstance(seed, np.random.Generator):
        return None, seed
    if isinstance(seed, np.random.SeedSequence):
        ent = seed.entropy
        return (int(ent) if isinstance(ent, int) else None), as_generator(seed)
    root = resolve_seed(seed)
    return root, as_generator(root)


def merge_limits(limits: list[str | None]) -> str | None:
    """The limit to report for several solves: "time" beats "work" beats None."""
    if "time" in limits:
        return "time"
    return "work" if "work" in limits else None


def expired(deadline: float) -> bool:
    """True once ``time.perf_counter()`` has passed ``deadline`` (s; ``inf``: never)."""
    return time.perf_counter() > deadline


def milp_interval(lb: float, dual_bound: float, ub: float, integral: bool) -> tuple[float, str]:
    """Lower bound and status of a block after a MILP stopped short of a proof.

    ``lb`` is the bound known before the MILP, ``dual_bound`` the MILP's (ignored when
    not finite), ``ub`` the cost of the best labelling; with integer weights the bound
    is rounded up. Returns ``(lower, how)``: ``how`` is ``"milp"`` when the bounds meet
    (proven optimal after all), ``"interval"`` otherwise.

    >>> milp_interval(1.0, 2.2, 3.0, True), milp_interval(0.0, float("nan"), 2.0, False)
    ((3.0, 'milp'), (0.0, 'interval'))
    """
    lb = max(lb, dual_bound if math.isfinite(dual_bound) else 0.0)
    if integral:
        lb = float(math.ceil(lb - 1e-6))
    lb = min(lb, ub)
    return lb, ("milp" if ub - lb <= 1e-9 else "interval")
