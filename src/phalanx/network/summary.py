"""One-call structural-balance summary as plain JSON-serialisable data."""

from __future__ import annotations

import json
import math
import time

import networkx as nx

from phalanx.network.frustration import check_limits
from phalanx.network.kway import correlation_clustering
from phalanx.network.signed import signed_edge_arrays
from phalanx.network.triangles import normalised_balance_edges, triangle_balance_edges
from phalanx.seeds import SeedLike

__all__ = ["balance_summary", "SOLVER_SHARE"]

#: Share of the time limit left after reading the graph that goes to the solver; the
#: rest is kept for the triangle measures and for building the answer.
SOLVER_SHARE = 0.85


def _plain(x: object) -> object:
    """Node ids as JSON scalars (str/int/float/bool kept, anything else -> str)."""
    return x if isinstance(x, str | int | float | bool) else str(x)


def balance_summary(
    G: nx.Graph,
    k: int = 2,
    time_limit: float | None = None,
    seed: SeedLike = None,
    weight: str | None = "weight",
    *,
    work_limit: int | None = None,
) -> dict:
    """Frustration (k = 2) or k-camp clustering cost, bounds, camps and triangle measures.

    Keys: ``frustration_index`` (exact when ``optimal``; otherwise the cost of the best
    partition found, with ``lower_bound``/``upper_bound``/``gap``), ``partition``
    (node -> camp 0..k-1; node ids as JSON keys, i.e. strings), ``frustrated_edges``
    (list of ``{source, target, sign, weight}``), ``triangle_balance`` (share of balanced
    triangles, ``None`` without triangles), ``triangle_balance_weighted``,
    ``n_triangles``, ``triangles`` (``"computed"``, or ``"skipped: time limit"`` when
    the deadline passed before every triangle was listed; the three triangle fields are
    then ``None``, never an estimate), ``normalised_balance`` (Aref & Wilson: ``1 - value / (W / 2)``),
    ``n_nodes``, ``n_edges``, ``k``, ``solve_time_s``, ``method``, ``limit`` (None,
    "time" or "work": what stopped the solve short of a proof) and ``seed`` (the root
    seed used; pass it back to repeat the run). ``time_limit`` in s, ``work_limit`` in
    branch-and-bound nodes (deterministic), as in
    :func:`~phalanx.network.kway.correlation_clustering`. The time limit is one
    deadline for the whole call: the solver gets ``SOLVER_SHARE`` of it and every
    later step checks the time left.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([("a", "b", 1), ("b", "c", -1), ("a", "c", 1)])
    >>> s = balance_summary(G)
    >>> s["frustration_index"], s["optimal"], len(s["frustrated_edges"])
    (1.0, True, 1)
    >>> s["triangle_balance"], round(s["normalised_balance"], 3)
    (0.0, 0.333)
    """
    t0 = time.perf_counter()
    check_limits(time_limit, work_limit)
    deadline = math.inf if time_limit is None else t0 + float(time_limit)
    E = signed_edge_arrays(G, weight)
    solver_limit = None
    if time_limit is not None:  # what is left after the conversion, in share
        solver_limit = max(SOLVER_SHARE * (deadline - time.perf_counter()), 1e-9)
    res = correlation_clustering(
        G, k=k, weight=weight, time_limit=solver_limit, seed=seed, work_limit=work_limit, edges=E
    )
    tb = triangle_balance_edges(E, deadline)
    tri_status = "computed" if tb is not None else "skipped: time limit"
    if tb is None:
        tb = {"n_triangles": None, "ratio": None, "weighted_ratio": None}
    fe = []
    for a, b in res.frustrated_edges:
        d = G[a][b]
        w = d.get(weight, 1) if weight is not None else 1
        fe.append(
            {"source": _plain(a), "target": _plain(b), "sign": int(d["sign"]), "weight": float(w)}
        )
    nb = normalised_balance_edges(E, res.frustration_index) if E.m else None

    def num(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(x) else float(x)

    out = {
        "frustration_index": num(res.frustration_index),
        "lower_bound": num(res.lower_bound),
        "upper_bound": num(res.upper_bound),
        "gap": num(res.gap),
        "optimal": bool(res.optimal),
        "partition": {str(_plain(x)): int(c) for x, c in res.partition.items()},
        "frustrated_edges": fe,
        "triangle_balance": tb["ratio"],
        "triangle_balance_weighted": tb["weighted_ratio"],
        "n_triangles": tb["n_triangles"],
        "triangles": tri_status,
        "normalised_balance": num(nb),
        "n_nodes": E.n,
        "n_edges": E.m,
        "k": int(k),
        "solve_time_s": float(res.solve_time),
        "method": res.method,
        "limit": res.limit,
        "seed": res.seed,
    }
    json.dumps(out)  # fail here, not in the caller, if anything is not serialisable
    return out
