"""Signed networks and structural balance: frustration index, k camps, triangle measures.

Plain functions over a :class:`networkx.Graph` whose edges carry ``sign`` (+1/-1) and an
optional positive ``weight``. See ``docs/balance.md``.

>>> from phalanx.network import signed_graph_from_edges, frustration_index
>>> frustration_index(signed_graph_from_edges([(0, 1, -1), (1, 2, -1), (0, 2, -1)])).frustration_index
1.0
"""

from phalanx.network.bounds import clustering_lower_bound, frustration_lower_bound
from phalanx.network.frustration import FrustrationResult, frustration_index
from phalanx.network.heuristics import (
    HeuristicResult,
    frustration_heuristic,
    local_search,
    simulated_annealing,
)
from phalanx.network.kway import correlation_clustering
from phalanx.network.signed import (
    SignedNetworkError,
    frustrated_edges,
    frustration_cost,
    read_signed_edgelist,
    signed_edge_arrays,
    signed_graph_from_edges,
)
from phalanx.network.summary import balance_summary
from phalanx.network.triangles import normalised_balance, triangle_balance

__all__ = [
    "SignedNetworkError",
    "read_signed_edgelist",
    "signed_graph_from_edges",
    "signed_edge_arrays",
    "frustration_cost",
    "frustrated_edges",
    "FrustrationResult",
    "frustration_index",
    "HeuristicResult",
    "frustration_heuristic",
    "local_search",
    "simulated_annealing",
    "frustration_lower_bound",
    "clustering_lower_bound",
    "correlation_clustering",
    "triangle_balance",
    "normalised_balance",
    "balance_summary",
]
