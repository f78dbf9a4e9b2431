"""Shared helpers for the network tests: random signed graphs and brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
from hypothesis import strategies as st

from phalanx.network.signed import signed_edge_arrays

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "validation" / "signed"


@st.composite
def signed_graphs(
    draw, max_nodes: int = 14, weighted: bool | None = None, balanced: bool = False
) -> nx.Graph:
    """Random signed graph; integer or fractional weights when ``weighted``."""
    n = draw(st.integers(2, max_nodes))
    pairs = list(itertools.combinations(range(n), 2))
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    side = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    if weighted is None:
        weighted = draw(st.booleans())
    frac = draw(st.booleans())
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for (a, b), k in zip(pairs, keep, strict=True):
        if not k:
            continue
        s = (1 if side[a] == side[b] else -1) if balanced else draw(st.sampled_from([1, -1]))
        if weighted:
            w = draw(st.floats(0.1, 5.0, allow_nan=False)) if frac else draw(st.integers(1, 5))
            G.add_edge(a, b, sign=s, weight=w)
        else:
            G.add_edge(a, b, sign=s)
    return G


def brute_force(G: nx.Graph, k: int = 2, weight: str | None = "weight") -> float:
    """Minimum over all labellings into at most k groups (node 0 fixed to group 0)."""
    E = signed_edge_arrays(G, weight)
    if E.m == 0:
        return 0.0
    labs = np.array(list(itertools.product(range(k), repeat=E.n - 1)), dtype=np.int64)
    labs = np.hstack([np.zeros((labs.shape[0], 1), dtype=np.int64), labs])
    same = labs[:, E.u] == labs[:, E.v]
    bad = np.where(E.sign > 0, ~same, same)
    return float((bad * E.w).sum(axis=1).min())
