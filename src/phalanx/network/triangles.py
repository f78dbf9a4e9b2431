"""Triangle measures of balance.

* **Triangle balance ratio** (Cartwright & Harary 1956; the "walk-based" degree of
  balance restricted to 3-cycles): the share of triangles whose sign product is
  positive. Weighted variant: each triangle counts with the geometric mean of its three
  edge weights (the triangle "intensity" of Onnela, Saramaki, Kertesz & Kaski 2005).
  Range [0, 1]; ``None`` when the graph has no triangle.
* **Normalised frustration-based balance** (Aref & Wilson 2018, "Measuring partial
  balance in signed networks", J. Complex Networks 6(4):566-595):
  ``F(G) = 1 - L(G) / (m / 2)``, with ``m`` the number of edges (weighted: total weight
  ``W``); since a random 2-partition frustrates half of the weight on average,
  ``L <= W / 2`` and ``F`` lies in [0, 1], 1 meaning perfectly balanced.

>>> from phalanx.network.signed import signed_graph_from_edges
>>> G = signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1), (2, 3, 1), (3, 0, -1)])
>>> triangle_balance(G)["ratio"]
0.5
>>> normalised_balance(G, 1)
0.6
"""

from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np

from phalanx.network.signed import SignedEdges, signed_edge_arrays

__all__ = [
    "triangle_edge_triples",
    "triangle_edge_triples_until",
    "triangle_balance",
    "triangle_balance_edges",
    "normalised_balance",
    "normalised_balance_edges",
]

#: Loop iterations between two looks at the clock in the deadline-bounded listing.
_CHECK_EVERY = 4096


def triangle_edge_triples(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """All triangles of an edge list on nodes 0..n-1 as rows of three edge indices.

    Each edge is oriented from lower to higher (degree, index) rank and triangles are
    found by intersecting out-neighbourhoods: O(m * sqrt(m)) time, O(m + t) memory.

    >>> triangle_edge_triples(4, np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3])).tolist()
    [[0, 2, 1]]
    """
    out = triangle_edge_triples_until(n, u, v, math.inf)
    assert out is not None  # no deadline, so the listing always completes
    return out


def triangle_edge_triples_until(
    n: int, u: np.ndarray, v: np.ndarray, deadline: float
) -> np.ndarray | None:
    """:func:`triangle_edge_triples`, or ``None`` once ``time.perf_counter()`` passes
    ``deadline`` (s, same clock): the listing is all or nothing, never a partial count.

    >>> triangle_edge_triples_until(3, np.array([0, 1]), np.array([1, 2]), 0.0) is None
    True
    """
    if time.perf_counter() > deadline:
        return None
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    deg = np.bincount(np.concatenate([u, v]), minlength=n)
    rank = np.lexsort((np.arange(n), deg))
    pos = np.empty(n, dtype=np.int64)
    pos[rank] = np.arange(n)
    out: dict[int, dict[int, int]] = {}
    timed = math.isfinite(deadline)
    for e, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        if timed and e % _CHECK_EVERY == 0 and time.perf_counter() > deadline:
            return None
        if pos[a] > pos[b]:
            a, b = b, a
        out.setdefault(a, {})[b] = e
    tris = []
    for i, nb in enumerate(out.values()):
        if timed and i % 256 == 0 and time.perf_counter() > deadline:
            return None
        for b, e_ab in nb.items():
            nbb = out.get(b)
            if nbb:
                for c in nb.keys() & nbb.keys():
                    tris.append((e_ab, nb[c], nbb[c]))
    return np.array(sorted(tris), dtype=np.int64).reshape(-1, 3)


def triangle_balance(G: nx.Graph, weight: str | None = "weight") -> dict:
    """Share of balanced triangles, unweighted and weighted.

    Returns ``{"n_triangles", "balanced", "ratio", "weighted_ratio"}`` (ratios ``None``
    without triangles). O(m * sqrt(m)).

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> G = signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, 1, 4.0)])
    >>> triangle_balance(G)
    {'n_triangles': 1, 'balanced': 1, 'ratio': 1.0, 'weighted_ratio': 1.0}
    """
    out = triangle_balance_edges(signed_edge_arrays(G, weight))
    assert out is not None  # no deadline, so the listing always completes
    return out


def triangle_balance_edges(E: SignedEdges, deadline: float = math.inf) -> dict | None:
    """:func:`triangle_balance` on precomputed arrays; ``None`` when ``deadline``
    (``time.perf_counter()`` seconds) passes before every triangle is listed.

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> E = signed_edge_arrays(signed_graph_from_edges([(0, 1, 1), (1, 2, 1), (0, 2, -1)]))
    >>> triangle_balance_edges(E)["ratio"], triangle_balance_edges(E, deadline=0.0)
    (0.0, None)
    """
    tri = triangle_edge_triples_until(E.n, E.u, E.v, deadline)
    if tri is None:
        return None
    if tri.size == 0:
        return {"n_triangles": 0, "balanced": 0, "ratio": None, "weighted_ratio": None}
    good = E.sign.astype(np.int64)[tri].prod(axis=1) > 0
    intensity = np.cbrt(E.w[tri].prod(axis=1))
    return {
        "n_triangles": int(tri.shape[0]),
        "balanced": int(good.sum()),
        "ratio": float(good.mean()),
        "weighted_ratio": float(intensity[good].sum() / intensity.sum()),
    }


def normalised_balance(
    G: nx.Graph, frustration: float, weight: str | None = "weight"
) -> float | None:
    """Aref & Wilson's normalised balance ``1 - L / (W / 2)`` for frustration ``L``.

    ``W`` is the number of edges (``weight=None``) or their total weight; ``None`` for
    a graph without edges. O(m).

    >>> from phalanx.network.signed import signed_graph_from_edges
    >>> normalised_balance(signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)]), 1)
    0.33333333333333337
    """
    return normalised_balance_edges(signed_edge_arrays(G, weight), frustration)


def normalised_balance_edges(E: SignedEdges, frustration: float) -> float | None:
    """:func:`normalised_balance` on precomputed arrays (``W = E.w.sum()``). O(m)."""
    total = float(E.w.sum())
    if total == 0:
        return None
    return 1.0 - float(frustration) / (total / 2.0)
