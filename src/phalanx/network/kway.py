"""k camps: correlation clustering with at most k groups.

The cost of a labelling into groups is the weight of negative edges inside groups plus
positive edges between groups (Bansal, Blum & Chawla 2004, "Correlation clustering",
Machine Learning 56:89-113; Davis 1967 "clusterability" when it is 0). With k = 2 it is
the frustration index, so ``k=2`` is delegated to
:func:`~phalanx.network.frustration.frustration_index`; ``k=1`` is the weight of the
negative edges. For k >= 3:

* the exact reductions of :mod:`phalanx.network.reductions` (pruning, blocks; a block
  can have its labels permuted freely) apply unchanged;
* per block, a multi-start heuristic gives an upper bound and a packing of cycles with
  exactly one negative edge (violated in every clustering) a lower bound; when they
  meet the block is solved;
* otherwise an assignment MILP: binary ``z_ic`` (node i in group c),
  ``sum_c z_ic = 1``; continuous ``d_e >= z_ic - z_jc`` and ``d_e >= z_jc - z_ic``
  (positive e, for every c) or ``d_e >= z_ic + z_jc - 1`` (negative e, every c);
  minimise ``sum w_e d_e``. Symmetry breaking: with nodes ordered by decreasing degree,
  the r-th node may only use groups ``0..r`` (so the first node is in group 0). Under a
  time limit the result is an interval.

``method="auto"`` runs the MILP when the block has at most ``exact_max_cells`` = n k
assignment variables (default 20000) and the heuristic + bound otherwise.

>>> from phalanx.network.signed import signed_graph_from_edges
>>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1), (2, 3, 1)])
>>> [correlation_clustering(G, k, seed=0).frustration_index for k in (1, 2, 3)]
[3.0, 1.0, 0.0]
"""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np
import scipy.sparse as sp

from phalanx.errors import ParameterError
from phalanx.network import _highs
from phalanx.network._search import (
    Problem,
    expired,
    merge_limits,
    milp_interval,
    search,
    seeded,
)
from phalanx.network.bounds import cycle_pool, pool_lp_bound
from phalanx.network.frustration import FrustrationResult, check_limits, frustration_index
from phalanx.network.reductions import (
    block_nodes,
    no_reduction,
    recombine,
    reduce_graph,
    solve_trivial_block,
)
from phalanx.network.signed import SignedEdges, signed_edge_arrays
from phalanx.seeds import SeedLike

__all__ = ["correlation_clustering"]


def _assignment_model(P: Problem, k: int) -> tuple:
    n, m = P.n, P.u.size
    order = np.argsort(-np.bincount(np.concatenate([P.u, P.v]), minlength=n), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    z = np.arange(n * k).reshape(n, k)  # column of z_ic
    d = n * k + np.arange(m)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r0 = 0
    # sum_c z_ic = 1
    rows.append(np.repeat(np.arange(n), k))
    cols.append(z.ravel())
    vals.append(np.ones(n * k))
    lo.append(np.ones(n))
    hi.append(np.ones(n))
    r0 = n
    pos = P.s > 0
    for c in range(k):
        zi, zj = z[P.u, c], z[P.v, c]
        e = np.arange(m)
        # pos: d - z_ic + z_jc >= 0 and d + z_ic - z_jc >= 0 ; neg: d - z_ic - z_jc >= -1
        ra = r0 + e
        rows += [ra, ra, ra]
        cols += [d, zi, zj]
        vals += [np.ones(m), -np.ones(m), np.where(pos, 1.0, -1.0)]
        lo.append(np.where(pos, 0.0, -1.0))
        hi.append(np.full(m, np.inf))
        r0 += m
        pe = np.flatnonzero(pos)
        rb = r0 + np.arange(pe.size)
        rows += [rb, rb, rb]
        cols += [d[pe], zi[pe], zj[pe]]
        vals += [np.ones(pe.size), np.ones(pe.size), -np.ones(pe.size)]
        lo.append(np.zeros(pe.size))
        hi.append(np.full(pe.size, np.inf))
        r0 += pe.size
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, n * k + m)
    )
    cost = np.concatenate([np.zeros(n * k), P.w])
    col_lo = np.zeros(n * k + m)
    col_hi = np.ones(n * k + m)
    allowed = np.arange(k)[None, :] <= rank[:, None]
    col_hi[: n * k] = allowed.ravel().astype(np.float64)
    integer = np.concatenate([np.ones(n * k, dtype=bool), np.zeros(m, dtype=bool)])
    return cost, A, np.concatenate(lo), np.concatenate(hi), col_lo, col_hi, integer, rank


def _canonical(lab: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Relabel groups in order of first appearance along ``rank`` (fits the symmetry
    breaking, so the labelling is a feasible MILP start)."""
    order = np.argsort(rank)
    mapping: dict[int, int] = {}
    for x in order.tolist():
        mapping.setdefault(int(lab[x]), len(mapping))
    return np.array([mapping[int(c)] for c in lab.tolist()], dtype=np.int64)


def _solve_block(
    E: SignedEdges,
    eids: np.ndarray,
    k: int,
    rng: np.random.Generator,
    deadline: float,
    exact: bool,
    work_limit: int | None,
) -> tuple[dict[int, int], float, float, str, str | None]:
    """Solve one block; returns (labels by global node, lower, upper, how, limit)."""
    nodes = block_nodes(E, eids)
    loc = np.searchsorted(nodes, np.stack([E.u[eids], E.v[eids]]))
    P = Problem(nodes.size, loc[0], loc[1], E.sign[eids], E.w[eids])
    integral = bool(np.all(P.w == np.round(P.w)))
    now = time.perf_counter()
    timed = math.isfinite(deadline)
    budget = deadline - now
    sdl = now + 0.4 * budget if timed else math.inf
    lab, ub = search(P, k, rng, restarts=16, sweeps=40 if timed or not exact else 0, deadline=sdl)
    cut = "time" if time.perf_counter() > sdl else None  # the deadline shortened the search
    glob = lambda lab: dict(zip(nodes.tolist(), lab.tolist(), strict=True))  # noqa: E731
    if expired(deadline):
        if ub <= 1e-9:
            return glob(lab), ub, ub, "bound", None
        return glob(lab), 0.0, ub, "interval", "time"
    bdl = time.perf_counter() + 0.1 * budget if timed else math.inf
    greedy, pool = cycle_pool(P, lab, "cluster", deadline=bdl)
    lb = max(greedy, pool_lp_bound(P.w, pool, bdl)) if pool else greedy
    if integral:
        lb = float(math.ceil(lb - 1e-6))
    if lb >= ub - 1e-9:
        return glob(lab), ub, ub, "bound", None
    if not exact:
        return glob(lab), min(lb, ub), ub, "interval", cut
    if expired(deadline):
        return glob(lab), min(lb, ub), ub, "interval", "time"
    cost, A, lo, hi, col_lo, col_hi, integer, rank = _assignment_model(P, k)
    lab = _canonical(lab, rank)
    Z = np.zeros((P.n, k))
    Z[np.arange(P.n), lab] = 1.0
    same = lab[P.u] == lab[P.v]
    start = np.concatenate([Z.ravel(), np.where(P.s > 0, ~same, same).astype(np.float64)])
    left = deadline - time.perf_counter()
    res = _highs.solve(
        cost,
        A,
        lo,
        hi,
        col_lo,
        col_hi,
        integer,
        time_limit=max(left, 1e-3) if timed else None,
        start=start,
        abs_gap=(1 - 1e-6) if integral else 1e-9,
        seed=int(rng.integers(2**31 - 1)),
        node_limit=work_limit,
    )
    if res.x is not None:
        mlab = np.argmax(res.x[: P.n * k].reshape(P.n, k), axis=1)
        if P.cost(mlab) < ub - 1e-9:
            lab, ub = mlab, P.cost(mlab)
    if res.optimal:
        return glob(lab), ub, ub, "milp", None
    lb, how = milp_interval(lb, res.dual_bound, ub, integral)
    return glob(lab), lb, ub, how, (res.limit if how == "interval" else None)


def correlation_clustering(
    G: nx.Graph,
    k: int = 2,
    weight: str | None = "weight",
    time_limit: float | None = None,
    seed: SeedLike = None,
    *,
    work_limit: int | None = None,
    method: str = "auto",
    reductions: bool = True,
    exact_max_cells: int = 20000,
    edges: SignedEdges | None = None,
) -> FrustrationResult:
    """Best split of ``G`` into at most ``k`` camps (correlation clustering).

    ``method``: ``"exact"`` (MILP, interval under ``time_limit``), ``"heuristic"``
    (heuristic + cycle bound: an interval unless they meet) or ``"auto"``. Returns a
    :class:`~phalanx.network.frustration.FrustrationResult` with ``k`` set and
    ``partition`` mapping node -> group 0..k-1. NP-hard; the MILP has n k binaries.
    ``time_limit`` (s, wall clock) and ``work_limit`` (branch-and-bound nodes per block
    MILP, deterministic) as in :func:`~phalanx.network.frustration.frustration_index`;
    the heuristic's effort is a fixed count of restarts and sweeps, so without a time
    limit the result depends only on the graph and ``seed``. ``limit`` and ``seed`` of
    the result record what stopped the solve and the root seed. ``edges``:
    ``signed_edge_arrays(G, weight)`` when the caller has it already. The time limit is
    one deadline for every phase (reductions, search, bounds, MILP).

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1)])
    >>> r = correlation_clustering(G, k=3, seed=0)
    >>> r.frustration_index, r.optimal
    (1.0, True)
    """
    if not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(f"k must be a positive integer (got {k!r})")
    if method not in ("auto", "exact", "heuristic"):
        raise ParameterError("method must be 'auto', 'exact' or 'heuristic'")
    check_limits(time_limit, work_limit)
    if (
        isinstance(exact_max_cells, bool)
        or not isinstance(exact_max_cells, int | np.integer)
        or exact_max_cells < 0
    ):
        raise ParameterError(
            "The 'exact_max_cells' parameter must be an integer >= 0. "
            f"Got {exact_max_cells!r} instead."
        )
    if k == 2 and method != "heuristic":
        return frustration_index(
            G, weight, time_limit, seed, work_limit=work_limit, reductions=reductions, edges=edges
        )
    t0 = time.perf_counter()
    root, rng = seeded(seed)
    E = signed_edge_arrays(G, weight) if edges is None else edges
    if k == 1:
        neg = E.sign < 0
        value = float(E.w[neg].sum())
        return FrustrationResult(
            value,
            value,
            value,
            0.0,
            True,
            {x: 0 for x in E.nodes},
            [
                (E.nodes[a], E.nodes[b])
                for a, b in zip(E.u[neg].tolist(), E.v[neg].tolist(), strict=True)
            ],
            time.perf_counter() - t0,
            "k=1: all negative edges",
            k=1,
            seed=root,
        )
    deadline = math.inf if time_limit is None else t0 + float(time_limit)
    red = reduce_graph(E, deadline) if reductions else no_reduction(E)
    labels, lb, ub, optimal = [], 0.0, 0.0, True
    counts = {
        "blocks": len(red.blocks),
        "pruned_nodes": len(red.pruned),
        "trivial": 0,
        "bound": 0,
        "milp": 0,
        "interval": 0,
    }
    limits: list[str | None] = []
    for eids in red.blocks:
        triv = solve_trivial_block(E, eids, k) if reductions else None
        if triv is not None:
            lab, blb, bub, how, lim = triv[0], 0.0, 0.0, "trivial", None
        else:
            exact = method == "exact" or (
                method == "auto" and block_nodes(E, eids).size * k <= exact_max_cells
            )
            lab, blb, bub, how, lim = _solve_block(E, eids, k, rng, deadline, exact, work_limit)
        limits.append(lim)
        counts[how] += 1
        labels.append(lab)
        lb, ub, optimal = lb + blb, ub + bub, optimal and how != "interval"
    glob = recombine(E, red, labels, k)
    value = Problem.from_edges(E).cost(glob)
    if abs(value - ub) > 1e-6 * max(1.0, ub):  # pragma: no cover - internal consistency
        raise RuntimeError(f"recombined clustering costs {value}, blocks sum to {ub}")
    lb = value if optimal else min(lb, value)
    same = glob[E.u] == glob[E.v]
    bad = np.flatnonzero(np.where(E.sign > 0, ~same, same))
    how = "assignment MILP (HiGHS)" if method != "heuristic" else "heuristic"
    how += f", k={k}; pruning + blocks; one-negative-cycle packing bound"
    if not optimal:
        how += "; not proven optimal: interval [lower_bound, upper_bound]"
    return FrustrationResult(
        value,
        float(lb),
        value,
        float(value - lb),
        bool(optimal),
        dict(zip(E.nodes, glob.tolist(), strict=True)),
        [(E.nodes[E.u[i]], E.nodes[E.v[i]]) for i in bad.tolist()],
        time.perf_counter() - t0,
        how,
        k=k,
        blocks=counts,
        limit=merge_limits(limits) if not optimal else None,
        seed=root,
    )
