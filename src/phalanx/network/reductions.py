"""Exact reductions for frustration and correlation clustering (Aref, Mason & Wilson 2020).

Two reductions keep the optimum unchanged, for 2 camps and for any k >= 2:

1. *Pruning*: a node of degree 0 or 1 can always satisfy its single tie (join the
   neighbour's group for a positive tie, any other group for a negative tie), so it is
   removed, repeatedly, leaving the 2-core.
2. *Blocks*: the optimum is additive over the biconnected components (blocks) of the
   core, because relabelling one block (switching it, or permuting its k labels)
   never changes its cost; block solutions are glued by relabelling each block so that
   it agrees with its parent at the shared articulation point (block-cut tree BFS).

Everything here works on integer node/edge indices of a
:class:`~phalanx.network.signed.SignedEdges`; cost O(n + m) plus networkx's linear-time
biconnected-components routine.

>>> from phalanx.network.signed import signed_graph_from_edges, signed_edge_arrays
>>> E = signed_edge_arrays(signed_graph_from_edges(
...     [(0, 1, 1), (1, 2, -1), (2, 0, -1), (2, 3, 1), (3, 4, -1)]))
>>> R = reduce_graph(E)
>>> [E.nodes[x] for x, _, _ in R.pruned], len(R.blocks)
([4, 3], 1)
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from phalanx.network.signed import SignedEdges

__all__ = [
    "Reduction",
    "reduce_graph",
    "no_reduction",
    "recombine",
    "block_nodes",
    "spanning_labels",
    "solve_trivial_block",
]


@dataclass
class Reduction:
    """Pruned nodes ``(node, neighbour or -1, edge or -1)`` in removal order and the
    edge-index arrays of the blocks left to solve."""

    pruned: list[tuple[int, int, int]] = field(default_factory=list)
    blocks: list[np.ndarray] = field(default_factory=list)


def _adjacency(E: SignedEdges) -> list[list[tuple[int, int]]]:
    adj: list[list[tuple[int, int]]] = [[] for _ in range(E.n)]
    for e, (a, b) in enumerate(zip(E.u.tolist(), E.v.tolist(), strict=True)):
        adj[a].append((b, e))
        adj[b].append((a, e))
    return adj


def reduce_graph(E: SignedEdges, deadline: float = math.inf) -> Reduction:
    """Prune degree <= 1 nodes repeatedly, then split the core into blocks. O(n + m).

    ``deadline`` (``time.perf_counter()`` seconds): once it passes, the work stops and
    whatever is left becomes one block (the nodes pruned so far stay pruned; every
    prefix of the pruning order is exact, and one block per leftover edge set keeps the
    optimum additive), so a time-limited solve still gets a valid decomposition.
    """
    if time.perf_counter() > deadline:
        return Reduction([], _rest(E, np.zeros(E.n, dtype=bool)))
    adj = _adjacency(E)
    deg = np.array([len(a) for a in adj], dtype=np.int64)
    removed = np.zeros(E.n, dtype=bool)
    queue = deque(int(x) for x in np.flatnonzero(deg <= 1))
    pruned: list[tuple[int, int, int]] = []
    timed = math.isfinite(deadline)
    while queue:
        if timed and len(pruned) % 4096 == 0 and time.perf_counter() > deadline:
            return Reduction(pruned, _rest(E, removed))
        x = queue.popleft()
        if removed[x]:
            continue
        nbr, eid = -1, -1
        for y, e in adj[x]:
            if not removed[y]:
                nbr, eid = y, e
                break
        removed[x] = True
        pruned.append((x, nbr, eid))
        if nbr >= 0:
            deg[nbr] -= 1
            if deg[nbr] <= 1:
                queue.append(nbr)
    blocks = _blocks(adj, removed.tolist(), deadline)
    return Reduction(pruned, _rest(E, removed) if blocks is None else blocks)


def _rest(E: SignedEdges, removed: np.ndarray) -> list[np.ndarray]:
    """The edges between nodes not removed, as one block (none if there are none)."""
    eids = np.flatnonzero(~removed[E.u] & ~removed[E.v])
    return [eids] if eids.size else []


def _blocks(
    adj: list[list[tuple[int, int]]], removed: list[bool], deadline: float = math.inf
) -> list[np.ndarray] | None:
    """Edge ids of the biconnected components of the graph on the nodes not removed.

    Iterative Hopcroft-Tarjan (depth-first search with an edge stack, low points),
    O(n + m); the graph is simple, so skipping the tree edge to the parent is enough.
    ``None`` when ``deadline`` passes first.
    """
    timed = math.isfinite(deadline)
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    blocks: list[np.ndarray] = []
    t = 0
    for root in range(n):
        if removed[root] or disc[root] >= 0:
            continue
        disc[root] = low[root] = t
        t += 1
        stack = [(root, -1, iter(adj[root]))]
        estack: list[int] = []
        while stack:
            if timed and t % 4096 == 0 and time.perf_counter() > deadline:
                return None
            x, pe, it = stack[-1]
            advanced = False
            for y, e in it:
                if removed[y] or e == pe:
                    continue
                dy = disc[y]
                if dy < 0:
                    estack.append(e)
                    disc[y] = low[y] = t
                    t += 1
                    stack.append((y, e, iter(adj[y])))
                    advanced = True
                    break
                if dy < disc[x]:  # back edge to an ancestor, pushed once
                    estack.append(e)
                    if dy < low[x]:
                        low[x] = dy
            if advanced:
                continue
            stack.pop()
            if stack:
                p = stack[-1][0]
                if low[x] < low[p]:
                    low[p] = low[x]
                if low[x] >= disc[p]:  # p separates x's subtree: pop one block
                    comp = []
                    while True:
                        f = estack.pop()
                        comp.append(f)
                        if f == pe:
                            break
                    blocks.append(np.array(sorted(comp), dtype=np.int64))
    return blocks


def no_reduction(E: SignedEdges) -> Reduction:
    """One block per connected component (no pruning); for testing the reductions."""
    g = nx.Graph()
    g.add_nodes_from(range(E.n))
    g.add_edges_from(zip(E.u.tolist(), E.v.tolist(), strict=True))
    comp_of = np.empty(E.n, dtype=np.int64)
    for c, comp in enumerate(nx.connected_components(g)):
        comp_of[list(comp)] = c
    ec = comp_of[E.u]
    blocks = [np.flatnonzero(ec == c) for c in np.unique(ec)]
    return Reduction([], blocks)


def block_nodes(E: SignedEdges, eids: np.ndarray) -> np.ndarray:
    """Sorted node indices touched by the edges ``eids``."""
    return np.unique(np.concatenate([E.u[eids], E.v[eids]]))


def spanning_labels(E: SignedEdges, eids: np.ndarray, k: int = 2) -> dict[int, int]:
    """Labels satisfying every edge of a spanning forest of ``eids`` (BFS order).

    Positive edges copy the parent's label, negative ones take ``(label + 1) % k``.
    """
    adj: dict[int, list[tuple[int, int]]] = {}
    for e in eids.tolist():
        a, b = int(E.u[e]), int(E.v[e])
        adj.setdefault(a, []).append((b, e))
        adj.setdefault(b, []).append((a, e))
    lab: dict[int, int] = {}
    for root in sorted(adj):
        if root in lab:
            continue
        lab[root] = 0
        queue = deque([root])
        while queue:
            x = queue.popleft()
            for y, e in adj[x]:
                if y not in lab:
                    lab[y] = lab[x] if E.sign[e] > 0 else (lab[x] + 1) % k
                    queue.append(y)
    return lab


def solve_trivial_block(
    E: SignedEdges, eids: np.ndarray, k: int = 2
) -> tuple[dict[int, int], float] | None:
    """Exact labels and cost of a tree block (cost 0) or, for ``k == 2``, a cycle block
    (cost 0 if balanced, else its lightest edge); ``None`` for other blocks."""
    nn = block_nodes(E, eids).size
    if eids.size == nn - 1:
        return spanning_labels(E, eids, k), 0.0
    if eids.size == nn and k == 2:
        if np.prod(E.sign[eids].astype(np.int64)) > 0:
            return spanning_labels(E, eids, k), 0.0
        j = int(np.argmin(E.w[eids]))
        return spanning_labels(E, np.delete(eids, j), k), float(E.w[eids[j]])
    return None


def recombine(
    E: SignedEdges, red: Reduction, block_labels: list[dict[int, int]], k: int = 2
) -> np.ndarray:
    """Glue block labellings and re-insert pruned nodes; returns labels for all nodes.

    Each block is relabelled (swapping two labels) to agree with the already-labelled
    articulation point it shares with its parent in the block-cut tree; this keeps
    every block's cost. Pruned nodes then satisfy their single remaining tie.
    """
    labels = np.full(E.n, -1, dtype=np.int64)
    blocks_of: dict[int, list[int]] = {}
    nodes_of = []
    for b, eids in enumerate(red.blocks):
        nodes = block_nodes(E, eids).tolist()
        nodes_of.append(nodes)
        for x in nodes:
            blocks_of.setdefault(x, []).append(b)
    seen = np.zeros(len(red.blocks), dtype=bool)
    for start in range(len(red.blocks)):
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue:
            b = queue.popleft()
            lab = block_labels[b]
            shared = [x for x in nodes_of[b] if labels[x] >= 0]
            if len(shared) > 1:  # pragma: no cover - impossible in a block-cut tree
                raise RuntimeError("block shares more than one labelled node")
            perm = {}
            if shared:
                cur, want = lab[shared[0]], int(labels[shared[0]])
                perm = {cur: want, want: cur}
            for x in nodes_of[b]:
                labels[x] = perm.get(lab[x], lab[x])
                for b2 in blocks_of[x]:
                    if not seen[b2]:
                        seen[b2] = True
                        queue.append(b2)
    for x, nbr, e in reversed(red.pruned):
        if nbr < 0:
            labels[x] = 0
        else:
            labels[x] = labels[nbr] if E.sign[e] > 0 else (labels[nbr] + 1) % k
    labels[labels < 0] = 0
    return labels
