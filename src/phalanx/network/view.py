"""The signed network on a date as plain, JSON-ready data, and the dates worth drawing it on.

:func:`network_view` is what every shell draws (the report's "Signed network at key dates",
the dashboard's network page): the actors, their ties with sign, weight and the relation
rows and sources behind each, the two camps of the exact frustration solve, which ties
those camps frustrate, and a deterministic layout that puts the camps apart. Nothing in it
needs a plotting library. :func:`key_dates` picks the dates to draw it on from the
organisation's own events in the package (membership changes, requests for assistance,
armed conflicts between members), so another alliance's package gets its own dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date
from phalanx.kb.store import KnowledgeBase, query_day
from phalanx.network.from_snapshot import signed_network
from phalanx.network.frustration import frustration_index
from phalanx.network.pairs import resolve_weighting

__all__ = ["network_view", "key_dates", "KEY_EVENT_SCORES", "WORK_LIMIT", "SEED", "layout"]

WORK_LIMIT = 20000
"""Branch-and-bound nodes per block of the frustration solve (the strain index's default):
a deterministic limit, so a view does not depend on the machine."""

SEED = 0
"""Root seed of the frustration solve and of the layout (recorded in the view)."""

KEY_EVENT_SCORES: Mapping[str, int] = {
    "invocation": 3,
    "armed_conflict": 3,
    "withdrawal": 2,
    "suspension": 2,
    "freeze": 2,
    "accession": 1,
}
"""How much a kind of event weighs when :func:`key_dates` chooses dates (a date scores the
sum over the distinct kinds on it). ``armed_conflict`` stands for a ``clash`` event or the
start of an ``armed_conflict`` relation between two full members."""

_KIND_LABEL = {"armed_conflict": "armed conflict"}


def _day(value: Any) -> dt.date | None:
    """The earliest day of a partial date (text, date or PartialDate), or None."""
    if value is None or value == "":
        return None
    earliest = getattr(value, "earliest", None)
    if earliest is not None:
        return earliest
    if isinstance(value, dt.date):
        return value
    return parse_partial_date(str(value)).earliest


def _leader(kb: KnowledgeBase, organization: str) -> str | None:
    """The organisation's leading state: its row's ``leader``, else the package's default
    leader when the package's main organisation is this one."""
    row = kb.organization(organization)
    if row.get("leader"):
        return str(row["leader"])
    d = kb.defaults
    return d.leader if d.organization == organization else None


def layout(
    graph: nx.Graph, camps: Mapping[str, int | None], seed: int = SEED
) -> dict[str, tuple[float, float]]:
    """Positions in [-1, 1]^2: camp 0 on the left (x <= -0.15), camp 1 on the right
    (x >= 0.15), actors without a tie in a column at x = 0.

    Each camp is laid out on its own by networkx's spring layout (ties pull with their
    weight) from ``seed``, over nodes and ties in sorted order, then scaled into its half.
    Same graph, camps and seed: same positions, to 4 decimals.
    """
    pos: dict[str, tuple[float, float]] = {}
    for camp, side in ((0, -1.0), (1, 1.0)):
        nodes = sorted(n for n, c in camps.items() if c == camp)
        if not nodes:
            continue
        sub = nx.Graph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from(
            sorted(
                (min(u, v), max(u, v), {"weight": float(d.get("weight", 1.0))})
                for u, v, d in graph.edges(data=True)
                if camps.get(u) == camp and camps.get(v) == camp
            )
        )
        raw = nx.spring_layout(sub, seed=seed, weight="weight") if len(nodes) > 1 else {}
        xs = [raw[n][0] for n in nodes] if raw else [0.0]
        ys = [raw[n][1] for n in nodes] if raw else [0.0]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        for n in nodes:
            x, y = (raw[n][0], raw[n][1]) if raw else (0.0, 0.0)
            fx = 0.5 if x1 == x0 else (x - x0) / (x1 - x0)
            fy = 0.0 if y1 == y0 else 2 * (y - y0) / (y1 - y0) - 1
            pos[n] = (round(side * (0.15 + 0.85 * fx), 4), round(0.95 * fy, 4))
    alone = sorted(n for n, c in camps.items() if c is None)
    for i, n in enumerate(alone):
        y = 0.0 if len(alone) == 1 else 0.9 - 1.8 * i / (len(alone) - 1)
        pos[n] = (0.0, round(y, 4))
    return pos


def network_view(
    kb: KnowledgeBase,
    at: dt.date | str,
    organization: str | None = None,
    *,
    weighting: str = "default",
    time_limit: float | None = None,
) -> dict[str, Any]:
    """The signed network of the knowledge base on ``at``, its camps and frustrated ties.

    The network is :func:`~phalanx.network.from_snapshot.signed_network` of
    ``kb.snapshot(at)`` under the named ``weighting`` (``default``, ``propensity-v1`` or
    ``unit``). With ``organization`` it keeps the actors holding a spell in it on the date
    (any status) and every actor tied to one of them; without, every actor of the network.
    The camps are the two sides of the exact frustration solve (seed :data:`SEED`, work
    limit :data:`WORK_LIMIT`; ``time_limit`` seconds, if given, makes the answer an interval
    that depends on the machine). Camp 0 is the side of the organisation's leader when it is
    in the network, else of the first actor by id; an actor without a tie has no camp.

    Returns plain, JSON-ready data (dates as ISO text)::

        {"date", "organization", "data_version", "weighting",
         "nodes": [{"id", "name", "kind", "status", "camp", "x", "y"}],   # sorted by id
         "edges": [{"source", "target", "sign", "weight", "frustrated", "kinds",
                    "relations": [relation ids], "sources": [source ids]}],  # sorted
         "camps": [[ids of camp 0], [ids of camp 1]],
         "frustration": {"index", "lower", "upper", "optimal", "normalised", "limit",
                         "seed", "work_limit"},
         "sources": [every source id behind an edge, sorted]}

    ``weight`` is the tie's strength (> 0, the sum of its contributions' absolute value);
    a tie is frustrated when it is positive across the camps or negative within one; the
    frustrated ties' weights sum to ``frustration.index``, and ``normalised`` is that over
    the total tie weight (0..1; at most 0.5 at the optimum). An edge's sources are those of
    its relation rows and, for a shared membership, of both actors' spells in the
    organisations it counts. ``x``/``y`` come from :func:`layout`.
    """
    w = resolve_weighting(weighting)
    org = None if organization is None else kb.resolve_organization(organization)
    snap = kb.snapshot(at)
    G = signed_network(snap, w)
    if org is not None:
        holders = set(snap.members(org, statuses=None)) & set(G.nodes)
        keep = set(holders)
        for m in holders:
            keep.update(G.neighbors(m))
    else:
        keep = set(G.nodes)
    H = nx.Graph()
    H.add_nodes_from(sorted(keep))
    H.add_edges_from(
        sorted(
            (min(u, v), max(u, v), d) for u, v, d in G.edges(data=True) if u in keep and v in keep
        )
    )
    total = math.fsum(d["weight"] for _, _, d in H.edges(data=True))
    if H.number_of_edges():
        res = frustration_index(
            H, weight="weight", time_limit=time_limit, seed=SEED, work_limit=WORK_LIMIT
        )
        side = {n: int(res.partition[n]) for n in H.nodes if H.degree(n) > 0}
        lower, upper, optimal, limit = (
            res.lower_bound,
            res.upper_bound,
            res.optimal,
            res.limit,
        )
    else:
        side, lower, upper, optimal, limit = {}, 0.0, 0.0, True, None
    leader = _leader(kb, org) if org is not None else None
    anchor = leader if leader in side else min(side, default=None)
    if anchor is not None and side[anchor] == 1:
        side = {n: 1 - c for n, c in side.items()}
    camps: dict[str, int | None] = {n: side.get(n) for n in H.nodes}

    rel_sources = {str(r["id"]): list(r.get("sources") or []) for r in snap.relations}
    spell_sources: dict[tuple[str, str], set[str]] = {}
    for m in snap.memberships:
        spell_sources.setdefault((m["organization"], m["actor"]), set()).update(
            m.get("sources") or []
        )
    edges = []
    for u, v, d in H.edges(data=True):
        a, b = min(u, v), max(u, v)
        relations = [r for r in str(d.get("relations") or "").split(";") if r]
        orgs = [o for o in str(d.get("organizations") or "").split(";") if o]
        srcs = {s for r in relations for s in rel_sources.get(r, [])}
        for o in orgs:
            srcs |= spell_sources.get((o, a), set()) | spell_sources.get((o, b), set())
        sign = int(d["sign"])
        same = camps[a] == camps[b]
        edges.append(
            {
                "source": a,
                "target": b,
                "sign": sign,
                "weight": float(d["weight"]),
                "frustrated": (sign > 0 and not same) or (sign < 0 and same),
                "kinds": str(d.get("kinds") or ""),
                "relations": relations,
                "sources": sorted(srcs),
            }
        )
    edges.sort(key=lambda e: (e["source"], e["target"]))
    index = math.fsum(e["weight"] for e in edges if e["frustrated"])
    pos = layout(H, camps)
    actors = {a["id"]: a for a in snap.actors}
    nodes = [
        {
            "id": n,
            "name": str(actors.get(n, {}).get("name") or n),
            "kind": str(actors.get(n, {}).get("kind") or ""),
            "status": snap.status(org, n) if org is not None else None,
            "camp": camps[n],
            "x": pos[n][0],
            "y": pos[n][1],
        }
        for n in sorted(H.nodes)
    ]
    return {
        "date": snap.date.isoformat(),
        "organization": org,
        "data_version": snap.data_version,
        "weighting": weighting if isinstance(weighting, str) else "custom",
        "nodes": nodes,
        "edges": edges,
        "camps": [sorted(n for n, c in camps.items() if c == k) for k in (0, 1)],
        "frustration": {
            "index": index,
            "lower": float(min(lower, index)),
            "upper": float(max(upper, index)),
            "optimal": bool(optimal),
            "normalised": index / total if total > 0 else 0.0,
            "limit": limit,
            "seed": SEED,
            "work_limit": WORK_LIMIT,
        },
        "sources": sorted({s for e in edges for s in e["sources"]}),
    }


def _members_on(spells: Iterable[Mapping[str, Any]], day: dt.date) -> set[str]:
    """The actors holding a full-member spell on ``day`` (start inclusive, end exclusive)."""
    out = set()
    for s in spells:
        start, end = _day(s.get("start")), _day(s.get("end"))
        if s.get("status") == "member" and start is not None and start <= day:
            if end is None or day < end:
                out.add(s["actor"])
    return out


def _label(kind: str, actors: Iterable[str], organization: str) -> str:
    who = [a for a in actors if a != organization]
    joined = ("-" if kind == "armed_conflict" else ", ").join(who)
    return f"{_KIND_LABEL.get(kind, kind)}: {joined}" if who else _KIND_LABEL.get(kind, kind)


def key_dates(
    kb: KnowledgeBase, organization: str, at: dt.date | str, *, most: int = 4
) -> list[dict[str, Any]]:
    """The dates to draw ``organization``'s network on, up to ``at``: at most ``most``.

    Candidates are the organisation's own events in the package up to ``at``: accessions,
    withdrawals, suspensions, freezes and requests for assistance (``invocation``) of the
    organisation, and armed conflicts between two of its full members (a ``clash`` event, or
    the first day of an ``armed_conflict`` relation). Each date scores the sum of
    :data:`KEY_EVENT_SCORES` over the distinct kinds on it. The highest-scoring dates are
    taken first (ties: the later first), skipping one closer than ``gap`` days to a date
    already taken, where ``gap`` is the span from the organisation's founding (or first
    candidate) to ``at`` over ``2 * most`` (at least 90 days), or within 30 days before
    ``at``; ``at`` itself is always the last date. Sorted by date.

    Returns ``[{"date": "YYYY-MM-DD", "label": short text, "events": [event ids],
    "relations": [relation ids]}]``; partial dates count from their first day.
    """
    if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= 50:
        raise UserError(f"must be an integer from 1 to 50; got {most!r}", field="most")
    org = kb.resolve_organization(organization)
    day_at = at if isinstance(at, dt.date) else query_day(at, "at")
    spells = kb.spells(org, as_of=day_at)
    found: dict[dt.date, dict[str, Any]] = {}

    def add(day: dt.date, kind: str, label: str, event: str | None, relation: str | None):
        c = found.setdefault(day, {"kinds": set(), "labels": [], "events": [], "relations": []})
        c["kinds"].add(kind)
        if label not in c["labels"]:
            c["labels"].append(label)
        if event:
            c["events"].append(event)
        if relation:
            c["relations"].append(relation)

    for e in kb.events(as_of=day_at):
        day = _day(e["date"])
        if day is None or day > day_at:
            continue
        kind = str(e["kind"])
        actors = list(e.get("actors") or [])
        if kind in KEY_EVENT_SCORES and e.get("organization") == org:
            add(day, kind, _label(kind, actors, org), str(e["id"]), None)
        elif kind == "clash":
            fighting = sorted(set(actors) & _members_on(spells, day))
            if len(fighting) >= 2:
                add(day, "armed_conflict", _label("armed_conflict", fighting, org), e["id"], None)
    for r in kb.relations(as_of=day_at):
        if r["kind"] != "armed_conflict":
            continue
        day = _day(r["start"])
        if day is None or day > day_at:
            continue
        members = _members_on(spells, day)
        if r["actor_a"] in members and r["actor_b"] in members:
            pair = sorted((r["actor_a"], r["actor_b"]))
            add(day, "armed_conflict", _label("armed_conflict", pair, org), None, str(r["id"]))

    founded = _day(kb.organization(org).get("founded"))
    first = min([d for d in (founded, *found) if d is not None], default=day_at)
    gap = max(90.0, (day_at - first).days / (2 * most))
    ranked = sorted(
        (d for d in found if d < day_at),
        key=lambda d: (-sum(KEY_EVENT_SCORES[k] for k in found[d]["kinds"]), -d.toordinal()),
    )
    chosen: list[dt.date] = []
    for d in ranked:
        if len(chosen) >= most - 1:
            break
        if (day_at - d).days < 30 or any(abs((d - c).days) < gap for c in chosen):
            continue
        chosen.append(d)

    def entry(d: dt.date, fallback: str) -> dict[str, Any]:
        c = found.get(d)
        if c is None:
            return {"date": d.isoformat(), "label": fallback, "events": [], "relations": []}
        labels = c["labels"][:3] + (
            [f"+{len(c['labels']) - 3} more"] if len(c["labels"]) > 3 else []
        )
        return {
            "date": d.isoformat(),
            "label": "; ".join(labels),
            "events": sorted(set(c["events"])),
            "relations": sorted(set(c["relations"])),
        }

    return [entry(d, "") for d in sorted(chosen)] + [entry(day_at, "date asked for")]
