"""The signed network of a knowledge-base snapshot.

Nodes are actors; edges are the per-pair ties of :func:`phalanx.network.pairs.aggregate_pairs`
(the one aggregation the alignment inputs use too): each relation kind in force contributes
``sign x kind weight x intensity`` to its pair (rows of one kind and sign count once, at the
strongest), and shared membership in an organisation contributes a positive tie by the
organisation's kind (a collective-defence treaty binds its members to one another even where
no bilateral row says so). The contributions of a pair are summed; the tie's sign is the sign
of the sum and its weight the absolute value. Pairs that cancel out exactly get no tie. Every
tie keeps the relation ids and organisations behind it, so a frustrated tie can be traced to
its source rows.

All weights are settings of a :class:`~phalanx.network.pairs.Weighting` (``AggregationRules``
is the same class under its older name), documented in ``docs/balance.md``.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from phalanx.kb.snapshot import Snapshot
from phalanx.network.pairs import (
    DEFAULT_KIND_WEIGHTS,
    DEFAULT_MEMBERSHIP_WEIGHTS,
    Weighting,
    aggregate_pairs,
)

__all__ = [
    "AggregationRules",
    "signed_network",
    "DEFAULT_KIND_WEIGHTS",
    "DEFAULT_MEMBERSHIP_WEIGHTS",
]

AggregationRules = Weighting
"""The older name of :class:`~phalanx.network.pairs.Weighting` (kept for callers)."""


def signed_network(
    snapshot: Snapshot,
    rules: Weighting | str | None = None,
    actors: Iterable[str] | None = None,
) -> nx.Graph:
    """The signed, weighted network of ``snapshot`` under ``rules``.

    ``rules`` is a :class:`~phalanx.network.pairs.Weighting`, the name of one in
    :data:`~phalanx.network.pairs.WEIGHTINGS`, or None (``"default"``).
    Returns an undirected :class:`networkx.Graph` whose edges carry ``sign`` (+1/-1),
    ``weight`` (> 0), ``relations`` (ids of the relation rows behind the tie),
    ``organizations`` (shared organisations counted) and ``kinds`` (text such as
    ``"alliance+;armed_conflict-"``). ``actors`` restricts the nodes. Cost:
    O(relations + sum over organisations of members^2).

    >>> import datetime as dt
    >>> s = Snapshot(dt.date(2022, 10, 1),
    ...     actors=({"id": "A", "kind": "state"}, {"id": "B", "kind": "state"}),
    ...     memberships=({"organization": "O", "actor": "A", "status": "member"},
    ...                  {"organization": "O", "actor": "B", "status": "member"}),
    ...     relations=({"id": "r1", "actor_a": "A", "actor_b": "B", "kind": "armed_conflict",
    ...                 "sign": -1, "intensity": 1.0},),
    ...     organizations=({"id": "O", "kind": "collective_defence"},))
    >>> G = signed_network(s, AggregationRules(kind_weights={"armed_conflict": 2.0}))
    >>> G.edges["A", "B"]["sign"], G.edges["A", "B"]["weight"], G.edges["A", "B"]["kinds"]
    (-1, 1.0, 'armed_conflict-;member:O+')
    """
    pairs = aggregate_pairs(snapshot, rules, actors)
    G = nx.Graph(date=snapshot.date.isoformat(), data_version=snapshot.data_version)
    G.add_nodes_from(pairs.actors)
    for (a, b), tie in pairs.ties.items():
        total = tie.total
        if total == 0:
            continue
        cs = tie.contributions
        G.add_edge(
            a,
            b,
            sign=1 if total > 0 else -1,
            weight=abs(total),
            kinds=";".join(sorted(c.label for c in cs)),
            relations=";".join(sorted({r for c in cs for r in c.relations})),
            organizations=";".join(sorted({c.organization for c in cs if c.organization})),
        )
    return G
