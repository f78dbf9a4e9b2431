"""The signed network of a knowledge-base snapshot.

Nodes are actors; each relation in force contributes ``sign x kind weight x intensity``
to its pair, and shared membership in an organisation contributes a positive tie by
the organisation's kind (a collective-defence treaty binds its members to one another
even where no bilateral row says so). The contributions of a pair are summed; the tie's
sign is the sign of the sum and its weight the absolute value. Pairs that cancel out
exactly get no tie. Every tie keeps the relation ids and organisations behind it, so a
frustrated tie can be traced to its source rows.

All weights are settings of :class:`AggregationRules`, documented in ``docs/balance.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from types import MappingProxyType
from typing import Any

import networkx as nx

from phalanx.kb.snapshot import Snapshot

__all__ = [
    "AggregationRules",
    "signed_network",
    "DEFAULT_KIND_WEIGHTS",
    "DEFAULT_MEMBERSHIP_WEIGHTS",
]

DEFAULT_KIND_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "alliance": 1.0,
        "partnership": 0.5,
        "basing": 0.5,
        "arms_supply": 0.5,
        "economic": 0.25,
        "rivalry": 0.5,
        "territorial_dispute": 0.75,
        "armed_conflict": 2.0,
        "threat_perception": 0.5,
    }
)
"""Weight of each relation kind (0 leaves the kind out). Units: tie strength per unit intensity."""

DEFAULT_MEMBERSHIP_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "collective_defence": 1.0,
        "security_cooperation": 0.25,
        "economic": 0.0,
        "political": 0.0,
        "partnership": 0.0,
    }
)
"""Positive tie between two full members of an organisation, by the organisation's kind."""


@dataclass(frozen=True)
class AggregationRules:
    """How a snapshot's relations and memberships become signed, weighted ties.

    Attributes
    ----------
    kind_weights : mapping of relation kind to weight >= 0
        A relation contributes ``sign * kind_weights[kind] * intensity``.
    membership_weights : mapping of organisation kind to weight >= 0
        Two actors with status ``member`` in the same organisation get this positive
        contribution (per organisation).
    use_intensity : bool
        If False every relation counts with intensity 1.
    kinds_of_actor : tuple of str
        Actor kinds that become nodes (organisations themselves are not nodes).
    """

    kind_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    membership_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_MEMBERSHIP_WEIGHTS)
    )
    use_intensity: bool = True
    kinds_of_actor: tuple[str, ...] = ("state", "armed_group", "territory")

    def __post_init__(self) -> None:
        for name, table in (
            ("kind_weights", self.kind_weights),
            ("membership_weights", self.membership_weights),
        ):
            for k, v in table.items():
                if not v >= 0:
                    raise ValueError(
                        f"The '{name}' setting of AggregationRules must map to weights >= 0. Got {k}={v} instead."
                    )


def signed_network(
    snapshot: Snapshot,
    rules: AggregationRules | None = None,
    actors: Iterable[str] | None = None,
) -> nx.Graph:
    """The signed, weighted network of ``snapshot`` under ``rules``.

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
    rules = rules or AggregationRules()
    kinds = {a["id"]: a.get("kind", "state") for a in snapshot.actors}
    wanted = (
        set(actors)
        if actors is not None
        else {a for a, k in kinds.items() if k in rules.kinds_of_actor}
    )
    org_kind = {o["id"]: o.get("kind") for o in snapshot.organizations}
    acc: dict[tuple[str, str], dict[str, Any]] = {}

    def add(
        a: str, b: str, value: float, label: str, rels: Iterable[str] = (), org: str | None = None
    ) -> None:
        if a == b or a not in wanted or b not in wanted or value == 0:
            return
        key = (a, b) if a < b else (b, a)
        e = acc.setdefault(key, {"total": 0.0, "labels": [], "relations": [], "organizations": []})
        e["total"] += value
        e["labels"].append(label)
        e["relations"].extend(r for r in rels if r)
        if org:
            e["organizations"].append(org)

    # Rows of one kind and sign for a pair (successive spells, or spells that meet in a
    # snapshot's window) count once, at the strongest; different kinds add up.
    strongest: dict[tuple[str, str, str, int], tuple[float, list[str]]] = {}
    for r in snapshot.relations:
        w = rules.kind_weights.get(r["kind"], 0.0)
        intensity = float(r.get("intensity", 1.0)) if rules.use_intensity else 1.0
        sign = int(r["sign"])
        a, b = sorted((r["actor_a"], r["actor_b"]))
        value, ids = strongest.get((a, b, r["kind"], sign), (0.0, []))
        strongest[(a, b, r["kind"], sign)] = (max(value, w * intensity), [*ids, r.get("id") or ""])
    for (a, b, kind, sign), (value, ids) in sorted(strongest.items()):
        add(a, b, sign * value, f"{kind}{'+' if sign > 0 else '-'}", rels=ids)

    by_org: dict[str, list[str]] = {}
    for m in snapshot.memberships:
        if m.get("status") == "member":
            by_org.setdefault(m["organization"], []).append(m["actor"])
    for org, members in sorted(by_org.items()):
        w = rules.membership_weights.get(org_kind.get(org) or "", 0.0)
        for a, b in combinations(sorted(set(members)), 2):
            add(a, b, w, f"member:{org}+", org=org)

    G = nx.Graph(date=snapshot.date.isoformat(), data_version=snapshot.data_version)
    G.add_nodes_from(sorted(wanted))
    for (a, b), e in sorted(acc.items()):
        total = round(e["total"], 12)
        if total == 0:
            continue
        G.add_edge(
            a,
            b,
            sign=1 if total > 0 else -1,
            weight=abs(total),
            kinds=";".join(sorted(e["labels"])),
            relations=";".join(sorted(set(e["relations"]))),
            organizations=";".join(sorted(set(e["organizations"]))),
        )
    return G
