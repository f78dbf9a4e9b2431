"""Lower bounds from packings of "bad" cycles, strengthened by a small LP.

Every cycle with an odd number of negative edges (an *unbalanced* cycle) contains at
least one frustrated edge in every 2-camp partition; every cycle with exactly one
negative edge contains at least one violated edge in every clustering, whatever the
number of groups (Bansal, Blum & Chawla 2004). Hence for any family ``C`` of such cycles
the covering LP

    min  sum_e w_e f_e   s.t.   sum_{e in C} f_e >= 1  for C in C,   f >= 0

is a lower bound on the optimum (its dual is a fractional cycle packing, and a greedy
packing in which each cycle takes the smallest residual weight on it is a feasible dual
point, so LP >= greedy). The family is built around a good partition: for each violated
edge ``(a, b)`` a shortest path from a to b through satisfied edges (2 camps) or through
positive edges (clustering) closes a bad cycle. The paths come from bidirectional BFS,
first with residual capacities (the greedy packing), then without.

With integer weights the optimum is an integer, so the bound is rounded up.

>>> from phalanx.network.signed import signed_graph_from_edges
>>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1), (2, 3, -1), (3, 0, 1)])
>>> frustration_lower_bound(G, {0: 0, 1: 0, 2: 0, 3: 1})
1.0
"""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from phalanx.errors import ParameterError
from phalanx.network import _highs
from phalanx.network._search import Problem, search
from phalanx.network.signed import signed_edge_arrays
from phalanx.seeds import as_generator

__all__ = [
    "frustration_lower_bound",
    "clustering_lower_bound",
    "cycle_bound",
    "cycle_pool",
    "pool_lp_bound",
    "separate_cycles",
    "cutting_plane_bound",
]


#: Path-length caps of the greedy packing passes (shortest cycles are packed first).
SHORT_PASSES = (2, 3, 4, 5, 6, 7)


def _bibfs(
    adj: list[list[tuple[int, int]]],
    cap: list[float],
    a: int,
    b: int,
    max_visit: int,
    max_len: int | None = None,
) -> list[int] | None:
    """Edge ids of a shortest a-b path using edges with ``cap > 0`` (None if none, or
    if every such path has more than ``max_len`` edges)."""
    if a == b:
        return []
    pa: dict[int, int] = {a: -1}
    pb: dict[int, int] = {b: -1}
    ea: dict[int, int] = {}
    eb: dict[int, int] = {}
    fa, fb = [a], [b]
    visits = 0
    levels = 0
    while fa and fb and visits < max_visit:
        if max_len is not None and levels >= max_len:
            return None
        levels += 1
        if len(fa) <= len(fb):
            front, par, epar, other, forward = fa, pa, ea, pb, True
        else:
            front, par, epar, other, forward = fb, pb, eb, pa, False
        nxt = []
        meet = -1
        for x in front:
            for y, e in adj[x]:
                if cap[e] <= 1e-12 or y in par:
                    continue
                par[y], epar[y] = x, e
                visits += 1
                if y in other:
                    meet = y
                    break
                nxt.append(y)
            if meet >= 0:
                break
        if meet >= 0:
            path = []
            x = meet
            while pa[x] != -1:
                path.append(ea[x])
                x = pa[x]
            x = meet
            while pb[x] != -1:
                path.append(eb[x])
                x = pb[x]
            return path
        if forward:
            fa = nxt
        else:
            fb = nxt
    return None


def pool_lp_bound(w: np.ndarray, pool: list[list[int]], deadline: float) -> float:
    """Optimal value of the covering LP over the cycle pool (a valid lower bound)."""
    used = np.unique(np.concatenate([np.asarray(c) for c in pool]))
    col = np.full(w.size, -1, dtype=np.int64)
    col[used] = np.arange(used.size)
    rows = np.repeat(np.arange(len(pool)), [len(c) for c in pool])
    cols = col[np.concatenate([np.asarray(c) for c in pool])]
    A = sp.csr_matrix((np.ones(cols.size), (rows, cols)), shape=(len(pool), used.size))
    A.sum_duplicates()
    A.data[:] = 1.0
    left = deadline - time.perf_counter()
    if left <= 0:
        return 0.0
    res = _highs.solve(
        w[used],
        A,
        np.ones(len(pool)),
        np.full(len(pool), np.inf),
        np.zeros(used.size),
        np.ones(used.size),
        time_limit=None if math.isinf(left) else left,
    )
    if not res.optimal or res.x is None:
        return 0.0
    # A feasible dual would be exact; the primal value of an optimal LP is within the
    # solver tolerance of it, so shave a relative 1e-7 off to stay on the safe side.
    return max(res.objective * (1 - 1e-7) - 1e-7, 0.0)


def cycle_pool(
    P: Problem,
    lab: np.ndarray,
    kind: str = "balance",
    *,
    deadline: float = float("inf"),
    extra: bool = True,
    max_visit: int = 20000,
) -> tuple[float, list[list[int]]]:
    """Greedy packing value and the pool of bad cycles (lists of edge ids) around ``lab``.

    ``kind="balance"``: cycles with an odd number of negative edges (k = 2);
    ``kind="cluster"``: cycles with exactly one negative edge (any k). For each violated
    edge, shortest closing paths found by BFS (capped at ``max_visit`` nodes): first with
    residual capacities (greedy packing), then, if ``extra``, without. O(c * B).
    """
    if P.u.size == 0:
        return 0.0, []
    same = lab[P.u] == lab[P.v]
    if kind == "balance":
        bad = np.where(P.s > 0, ~same, same)
        path_ok = ~bad
        cand = np.flatnonzero(bad)
    elif kind == "cluster":
        path_ok = P.s > 0
        neg = P.s < 0
        cand = np.concatenate([np.flatnonzero(neg & same), np.flatnonzero(neg & ~same)])
    else:
        raise ParameterError("kind must be 'balance' or 'cluster'")
    cand = cand[np.argsort(-P.w[cand], kind="stable")]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(P.n)]
    for e in np.flatnonzero(path_ok).tolist():
        a, b = int(P.u[e]), int(P.v[e])
        adj[a].append((b, e))
        adj[b].append((a, e))
    cap = P.w.tolist()
    uu, vv = P.u.tolist(), P.v.tolist()
    pool: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    greedy = 0.0
    # short cycles first (a cycle of length L spends L units of capacity for one unit
    # of bound): passes with growing path-length caps, then uncapped
    for max_len in (*SHORT_PASSES, None):
        if time.perf_counter() > deadline:
            break
        for e in cand.tolist():
            while cap[e] > 1e-12 and time.perf_counter() < deadline:
                path = _bibfs(adj, cap, uu[e], vv[e], max_visit, max_len)
                if path is None:
                    break
                cyc = path + [e]
                y = min(cap[f] for f in cyc)
                for f in cyc:
                    cap[f] -= y
                greedy += y
                key = tuple(sorted(cyc))
                if key not in seen:
                    seen.add(key)
                    pool.append(cyc)
    if extra:
        ones = [1.0] * len(cap)
        for e in cand.tolist():
            if time.perf_counter() > deadline:
                break
            path = _bibfs(adj, ones, uu[e], vv[e], max_visit)
            if path is not None:
                key = tuple(sorted(path + [e]))
                if key not in seen:
                    seen.add(key)
                    pool.append(path + [e])
    return greedy, pool


def cycle_bound(
    P: Problem,
    lab: np.ndarray,
    kind: str = "balance",
    *,
    deadline: float = float("inf"),
    lp: bool = True,
    max_visit: int = 20000,
) -> tuple[float, int]:
    """Lower bound (greedy packing, raised by the pool LP if ``lp``) and pool size.

    See :func:`cycle_pool` for ``kind``; rounded up when all weights are integers.
    """
    greedy, pool = cycle_pool(P, lab, kind, deadline=deadline, extra=lp, max_visit=max_visit)
    lb = greedy
    if lp and pool:
        lb = max(greedy, pool_lp_bound(P.w, pool, deadline))
    if np.all(P.w == np.round(P.w)):
        lb = float(math.ceil(lb - 1e-6))
    return lb, len(pool)


def _prepare(
    G: nx.Graph, partition: dict | None, weight: str | None, k: int, seed: object, deadline: float
) -> tuple[Problem, np.ndarray]:
    E = signed_edge_arrays(G, weight)
    P = Problem.from_edges(E)
    if partition is None:
        lab, _ = search(P, k, as_generator(seed), restarts=4, sweeps=30, deadline=deadline)
    else:
        lab = np.array([partition.get(x, 0) for x in E.nodes], dtype=np.int64)
    return P, lab


def _packing_bound(
    G: nx.Graph,
    partition: dict | None,
    weight: str | None,
    kind: str,
    lp: bool,
    time_limit: float | None,
    seed: object,
) -> float:
    """The cycle-packing bound of ``kind`` ("balance": k = 2 with a 2-camp heuristic
    start; "cluster": any k, 3-group start) within ``time_limit`` seconds."""
    t0 = time.perf_counter()
    deadline = t0 + (float("inf") if time_limit is None else float(time_limit))
    P, lab = _prepare(G, partition, weight, 2 if kind == "balance" else 3, seed, deadline)
    return cycle_bound(P, lab, kind, deadline=deadline, lp=lp)[0]


def frustration_lower_bound(
    G: nx.Graph,
    partition: dict | None = None,
    weight: str | None = "weight",
    *,
    lp: bool = True,
    time_limit: float | None = None,
    seed: object = None,
) -> float:
    """Lower bound on the frustration index from unbalanced-cycle packing (+ LP).

    ``partition`` (node -> 0/1) guides the cycle search; a heuristic one is computed
    when omitted. Valid for any partition; tighter for better ones.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])
    >>> frustration_lower_bound(G)
    1.0
    """
    return _packing_bound(G, partition, weight, "balance", lp, time_limit, seed)


def clustering_lower_bound(
    G: nx.Graph,
    partition: dict | None = None,
    weight: str | None = "weight",
    *,
    lp: bool = True,
    time_limit: float | None = None,
    seed: object = None,
) -> float:
    """Lower bound on correlation clustering for any number of groups (cycles with
    exactly one negative edge). Also a lower bound for at most k groups, any k.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1)])
    >>> clustering_lower_bound(G)
    1.0
    """
    return _packing_bound(G, partition, weight, "cluster", lp, time_limit, seed)


def separate_cycles(
    P: Problem,
    f: np.ndarray,
    sources: np.ndarray | None = None,
    tol: float = 1e-6,
    max_cuts: int | None = None,
) -> list[list[int]]:
    """Unbalanced closed walks with ``sum f < 1 - tol`` (violated covering rows).

    Shortest paths on the signed double cover: node ``(i, p)`` for parity p, a positive
    edge joins equal parities and a negative edge opposite ones, with length ``f_e``. A
    path from ``(i, 0)`` to ``(i, 1)`` is a closed walk through i with an odd number of
    negative edges; its edge set contains an unbalanced cycle, so
    ``sum_{e in set} f_e >= 1`` is valid for every 0/1 solution. Dijkstra from each
    source (all nodes by default), cut off at length 1. Returns edge-id lists.
    """
    n, m = P.n, P.u.size
    if m == 0:
        return []
    neg = (P.s < 0).astype(np.int64)
    u, v = P.u.astype(np.int64), P.v.astype(np.int64)
    # arcs of the double cover (both parities, both directions); weights f + tiny
    a = np.concatenate([u, u + n, v, v + n])
    b = np.concatenate([v + n * neg, v + n * (1 - neg), u + n * neg, u + n * (1 - neg)])
    length = np.tile(np.maximum(f, 0.0) + 1e-9, 4)
    D = sp.csr_matrix((length, (a, b)), shape=(2 * n, 2 * n))
    lookup = getattr(P, "_pair_edge", None)
    if lookup is None:  # node pair -> edge id, cached on the problem
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        lookup = dict(zip((lo * n + hi).tolist(), range(m), strict=True))
        P._pair_edge = lookup
    if sources is None:
        sources = np.arange(n)
    sources = np.asarray(sources, dtype=np.int64)
    if sources.size == 0:
        return []
    dist, pred = csgraph.dijkstra(
        D, directed=True, indices=sources, return_predecessors=True, limit=1.0
    )
    dd = dist[np.arange(sources.size), sources + n]
    hit = np.flatnonzero(dd < 1.0 - tol)
    hit = hit[np.argsort(dd[hit], kind="stable")]
    cuts: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for r in hit.tolist():
        s = int(sources[r])
        row = pred[r]
        x = s + n
        odd: set[int] = set()
        while x != s:
            p = int(row[x])
            a_, b_ = x % n, p % n
            odd ^= {lookup[a_ * n + b_] if a_ < b_ else lookup[b_ * n + a_]}
            x = p
        # edges used an odd number of times: an Eulerian subgraph with an odd number
        # of negative edges, hence containing an unbalanced cycle
        key = tuple(sorted(odd))
        if not key or key in seen:
            continue
        seen.add(key)
        cuts.append(list(key))
        if max_cuts is not None and len(cuts) >= max_cuts:
            break
    return cuts


def cutting_plane_bound(
    P: Problem,
    initial: list,
    *,
    target: float = math.inf,
    deadline: float = math.inf,
    rounds: int = 50,
    integral: bool = False,
    chunk: int | None = None,
    rng: np.random.Generator | None = None,
    max_cuts: int | None = None,
) -> tuple[float, list[list[int]], np.ndarray | None]:
    """Cycle-relaxation LP bound by cutting planes (odd-cycle separation).

    Starts from the covering LP over ``initial`` (edge-id lists of unbalanced cycles),
    then alternates: solve (warm dual simplex), find unbalanced closed walks shorter than
    1 in the current solution (:func:`separate_cycles`), add them. The Dijkstra sources
    go in chunks of ``chunk`` nodes (default ``max(16, n // 4)``; in a random order drawn
    once from ``rng``, or in node order without one);
    when a chunk finds nothing the next one is tried, so the loop ends only when no
    node lies on a violated cycle (the LP optimum over *all* unbalanced cycles), when
    the bound reaches ``target`` (rounded up first if ``integral``), after ``rounds`` LP
    solves, or at ``deadline``. Returns the certified bound (from the LP duals), every
    row used and the last LP solution.
    """
    rows = [list(c) for c in initial]
    lp = _highs.CoveringLP(P.w)
    lp.add(rows)
    size = max(16, P.n // 4) if chunk is None else max(1, chunk)
    perm = rng.permutation(P.n) if rng is not None else np.arange(P.n)
    chunks = [perm[i : i + size] for i in range(0, P.n, size)] or [perm]
    ci = 0
    best, f = 0.0, None
    for _ in range(rounds):
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        val, x = lp.solve(time_limit=None if math.isinf(left) else left)
        if x is None:
            break
        f = x
        best = max(best, val)
        got = float(math.ceil(best - 1e-6)) if integral else best
        if got >= target - 1e-9:
            break
        cuts: list[list[int]] = []
        for _ in range(len(chunks)):
            if time.perf_counter() > deadline:
                break
            cuts = separate_cycles(P, x, chunks[ci], max_cuts=max_cuts)
            ci = (ci + 1) % len(chunks)
            if cuts:
                break
        if not cuts:
            break
        lp.add(cuts)
        rows.extend(cuts)
    if integral:
        best = float(math.ceil(best - 1e-6))
    return best, rows, f
