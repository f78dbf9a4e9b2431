"""The strain of an organisation on a date: explained components and their index.

Each component is a number in [0, 1] (0 no strain, 1 the most), computed from a
:class:`~phalanx.kb.snapshot.Snapshot` alone, with the rows behind it and a short
explanation; the index is the weighted mean of the components that have data. The
components follow the mechanisms of the source document:

``frustration``
    Frustration of the signed network of the members and the actors they are tied to,
    normalised by the total tie weight: the share of tie strength that contradicts the
    best split into two camps. The frustrated ties are listed.
``member_conflicts``
    Intensity-weighted share of member pairs in armed conflict or a territorial dispute.
``arms_independence``
    One minus members' mean share of arms imports from the leading state: dependence
    is glue, and its loss weakens it.
``unanswered_requests``
    Share of members' collective-defence requests (``invocation`` events) that got no
    deployment within ``response_days``, each weighted by ``0.5 ** (age / half_life)``.
``vote_divergence``
    One minus the mean agreement index (Hix, Noury and Roland 2005) of members' votes in
    the last ``vote_window_years``.
``threat_divergence``
    Over the threats any member perceives, the mean of ``4 p (1 - p)``, where ``p`` is the
    share of members perceiving it: 0 when all or none do, 1 when they split evenly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from phalanx.kb.dates import parse_query_date
from phalanx.kb.snapshot import Snapshot
from phalanx.network.from_snapshot import AggregationRules, signed_network
from phalanx.network.frustration import frustration_index

__all__ = [
    "StrainSettings",
    "DEFAULT_COMPONENT_WEIGHTS",
    "strain",
    "frustration_component",
    "member_conflicts_component",
    "arms_independence_component",
    "unanswered_requests_component",
    "vote_divergence_component",
    "threat_divergence_component",
]

DEFAULT_COMPONENT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "frustration": 1.0,
        "member_conflicts": 1.0,
        "arms_independence": 0.5,
        "unanswered_requests": 1.0,
        "vote_divergence": 0.5,
        "threat_divergence": 0.5,
    }
)

CONFLICT_KINDS = ("armed_conflict", "territorial_dispute")


@dataclass(frozen=True)
class StrainSettings:
    """Settings of the strain index; every weight and window is documented in docs/strain.md.

    Attributes
    ----------
    weights : mapping of component name to weight >= 0
        Weight of each component in the index (renormalised over components with data).
    rules : AggregationRules
        How relations and memberships become signed ties for ``frustration``.
    response_days : int
        A request counts as answered if the organisation deploys within this many days.
    half_life_years : float
        Half-life of a request's weight in ``unanswered_requests`` (years, > 0).
    vote_window_years : float
        Votes older than this (years) are ignored in ``vote_divergence``.
    time_limit : float or None
        Seconds allowed to the exact frustration solve (None: to optimality).
    window_days : int
        Snapshots taken for the index count relations in force on any day of this many
        days up to the date (default 365: a war of the past year still strains).
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_COMPONENT_WEIGHTS))
    rules: AggregationRules = field(default_factory=AggregationRules)
    response_days: int = 30
    half_life_years: float = 5.0
    vote_window_years: float = 10.0
    time_limit: float | None = 10.0
    window_days: int = 365

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(DEFAULT_COMPONENT_WEIGHTS)
        if unknown:
            raise ValueError(
                f"The 'weights' setting of StrainSettings names unknown components {sorted(unknown)}; known: {sorted(DEFAULT_COMPONENT_WEIGHTS)}."
            )
        if any(not w >= 0 for w in self.weights.values()):
            raise ValueError("The 'weights' setting of StrainSettings must hold weights >= 0.")
        if not self.half_life_years > 0:
            raise ValueError(
                f"The 'half_life_years' setting of StrainSettings must be > 0. Got {self.half_life_years} instead."
            )


def _component(
    name: str, value: float | None, explanation: str, rows: list[Any], **raw: Any
) -> dict[str, Any]:
    return {"component": name, "value": value, "explanation": explanation, "rows": rows, "raw": raw}


def _leader(snapshot: Snapshot, organization: str) -> str | None:
    return next((o.get("leader") for o in snapshot.organizations if o["id"] == organization), None)


def frustration_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """Normalised frustration of the members' signed network and the ties carrying it.

    The network holds the full members and every actor tied to one of them; the value
    is the frustration index divided by the total tie weight (0..1; at most 0.5 for the
    optimum, since the better of a split and its complement frustrates at most half).
    """
    settings = settings or StrainSettings()
    members = set(snapshot.members(organization))
    G = signed_network(snapshot, settings.rules)
    keep = set(members)
    for m in members & set(G.nodes):
        keep.update(G.neighbors(m))
    H = G.subgraph(keep).copy()
    H.remove_nodes_from([n for n in list(H.nodes) if H.degree(n) == 0])
    total = sum(d["weight"] for _, _, d in H.edges(data=True))
    if total == 0:
        return _component(
            "frustration", None, "no signed ties among the members and their partners", []
        )
    res = frustration_index(H, weight="weight", time_limit=settings.time_limit, seed=0)
    frustrated = []
    for u, v in res.frustrated_edges:
        d = H.edges[u, v]
        frustrated.append(
            {
                "source": u,
                "target": v,
                "sign": d["sign"],
                "weight": d["weight"],
                "kinds": d["kinds"],
                "relations": d["relations"],
            }
        )
    frustrated.sort(key=lambda e: -e["weight"])
    value = res.frustration_index / total
    bound = "" if res.optimal else f" (bounds {res.lower_bound:.3g}..{res.upper_bound:.3g})"
    explanation = f"{res.frustration_index:.3g}{bound} of {total:.3g} tie weight contradicts the best two-camp split; {len(frustrated)} frustrated tie(s)"
    return _component(
        "frustration",
        value,
        explanation,
        frustrated,
        frustration_index=res.frustration_index,
        total_weight=total,
        optimal=res.optimal,
        lower_bound=res.lower_bound,
        upper_bound=res.upper_bound,
        partition=res.partition,
        nodes=H.number_of_nodes(),
        edges=H.number_of_edges(),
    )


def member_conflicts_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """Intensity-weighted share of member pairs in armed conflict or territorial dispute.

    For each pair of full members the strongest such tie in force counts (its
    intensity, 0..1); the value is their sum over the number of pairs.
    """
    members = set(snapshot.members(organization))
    pairs = len(members) * (len(members) - 1) / 2
    if pairs == 0:
        return _component("member_conflicts", None, "fewer than two members", [])
    worst: dict[tuple[str, str], dict[str, Any]] = {}
    for r in snapshot.relations:
        if r["kind"] in CONFLICT_KINDS and r["actor_a"] in members and r["actor_b"] in members:
            key = tuple(sorted((r["actor_a"], r["actor_b"])))
            if key not in worst or r["intensity"] > worst[key]["intensity"]:
                worst[key] = r
    rows = [
        {"pair": list(k), "relation": r["id"], "kind": r["kind"], "intensity": r["intensity"]}
        for k, r in sorted(worst.items())
    ]
    value = sum(r["intensity"] for r in worst.values()) / pairs
    text = (
        ", ".join(
            f"{'-'.join(k)} ({r['kind']}, {r['intensity']:g})" for k, r in sorted(worst.items())
        )
        or "none"
    )
    return _component(
        "member_conflicts",
        value,
        f"member pairs in conflict or dispute: {text}; of {int(pairs)} pairs",
        rows,
        pairs=int(pairs),
    )


def arms_independence_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """One minus the members' mean share of arms imports from the leading state.

    Uses the indicator ``arms_import_share_from_<LEADER>`` (0..1) of each full member
    other than the leader; members without a value are left out and named.
    """
    leader = _leader(snapshot, organization)
    if leader is None:
        return _component("arms_independence", None, "the organisation has no leading state", [])
    name = f"arms_import_share_from_{leader}"
    members = [m for m in snapshot.members(organization) if m != leader]
    rows, missing = [], []
    for m in members:
        rec = snapshot.indicator_record(m, name)
        if rec is None:
            missing.append(m)
        else:
            rows.append(
                {
                    "actor": m,
                    "indicator": name,
                    "period": rec["period"],
                    "value": float(rec["value"]),
                }
            )
    if not rows:
        return _component(
            "arms_independence", None, f"no {name} values for the members", [], missing=missing
        )
    mean = sum(r["value"] for r in rows) / len(rows)
    text = (
        f"members import {mean:.0%} of their arms from {leader} on average ({len(rows)} members"
        + (f"; no data for {', '.join(missing)})" if missing else ")")
    )
    return _component("arms_independence", 1 - mean, text, rows, mean_share=mean, missing=missing)


def unanswered_requests_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """Decay-weighted share of collective-defence requests left without a deployment.

    A request is an ``invocation`` event of the organisation by a member; it is answered
    when a ``deployment`` event of the organisation that includes the requesting actor,
    or names it, begins within ``response_days`` after it.
    """
    settings = settings or StrainSettings()
    day = snapshot.date
    members = set(snapshot.members(organization, statuses=None))
    events = [
        e
        for e in snapshot.events
        if e.get("organization") == organization or organization in (e.get("actors") or [])
    ]
    deployments = [e for e in events if e["kind"] == "deployment"]
    rows, num, den = [], 0.0, 0.0
    for e in events:
        if e["kind"] != "invocation":
            continue
        asked = [a for a in e["actors"] if a in members and a != organization]
        if not asked:
            continue
        start = parse_query_date(e["date"])
        answered = [
            d["id"]
            for d in deployments
            if 0 <= (parse_query_date(d["date"]) - start).days <= settings.response_days
            and set(asked) & set(d["actors"])
        ]
        age = (day - start).days / 365.25
        w = 0.5 ** (age / settings.half_life_years)
        den += w
        num += 0 if answered else w
        rows.append(
            {
                "event": e["id"],
                "date": e["date"],
                "requested_by": asked,
                "answered_by": answered,
                "weight": round(w, 4),
            }
        )
    if den == 0:
        return _component("unanswered_requests", None, "no collective-defence request so far", [])
    open_ = [r for r in rows if not r["answered_by"]]
    text = f"{len(open_)} of {len(rows)} request(s) unanswered" + (
        ": " + ", ".join(f"{'/'.join(r['requested_by'])} {r['date']}" for r in open_)
        if open_
        else ""
    )
    return _component("unanswered_requests", num / den, text, rows)


def _agreement_index(choices: list[str]) -> float | None:
    counts = [choices.count(c) for c in ("yes", "no", "abstain")]
    n = sum(counts)
    if n < 2:
        return None
    top = max(counts)
    return (top - 0.5 * (n - top)) / n


def vote_divergence_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """One minus the mean agreement index of the members' recorded votes.

    The agreement index of a vote is ``(max(Y, N, A) - (Y + N + A - max) / 2) / (Y + N + A)``
    over the members present (Hix, Noury and Roland 2005): 1 when all vote alike, 0 at
    an even three-way split. Only votes with two or more members present count.
    """
    settings = settings or StrainSettings()
    members = set(snapshot.members(organization))
    cutoff = snapshot.date - dt.timedelta(days=round(settings.vote_window_years * 365.25))
    by_vote: dict[str, list[dict[str, Any]]] = {}
    for v in snapshot.votes:
        if (
            v["actor"] in members
            and v["choice"] != "absent"
            and parse_query_date(v["date"]) >= cutoff
        ):
            by_vote.setdefault(v["vote"], []).append(v)
    rows = []
    for vote, vs in sorted(by_vote.items()):
        ai = _agreement_index([v["choice"] for v in vs])
        if ai is not None:
            rows.append(
                {"vote": vote, "agreement": ai, "choices": {v["actor"]: v["choice"] for v in vs}}
            )
    if not rows:
        return _component(
            "vote_divergence", None, "no recorded votes of two or more members in the window", []
        )
    mean = sum(r["agreement"] for r in rows) / len(rows)
    return _component(
        "vote_divergence",
        1 - mean,
        f"mean agreement {mean:.2f} over {len(rows)} vote(s)",
        rows,
        mean_agreement=mean,
    )


def threat_divergence_component(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """Disagreement among members over which actors threaten them.

    For each actor that at least one full member perceives as a threat (a
    ``threat_perception`` relation in force), ``p`` is the share of members that do; the
    value is the mean of ``4 p (1 - p)`` over those threats. A threat the organisation
    itself names (a ``threat_perception`` tie from the organisation) counts as perceived
    by every member: that is the common vision the members signed up to.
    """
    members = sorted(snapshot.members(organization))
    if len(members) < 2:
        return _component("threat_divergence", None, "fewer than two members", [])
    perceives: dict[str, set[str]] = {}
    for r in snapshot.relations:
        if r["kind"] != "threat_perception":
            continue
        if organization in (r["actor_a"], r["actor_b"]):
            other = r["actor_b"] if r["actor_a"] == organization else r["actor_a"]
            if not r.get("directed") or r["actor_a"] == organization:
                perceives.setdefault(other, set()).update(members)
            continue
        for a, b in ((r["actor_a"], r["actor_b"]), (r["actor_b"], r["actor_a"])):
            if a in members and b not in members and (not r.get("directed") or a == r["actor_a"]):
                perceives.setdefault(b, set()).add(a)
    if not perceives:
        return _component(
            "threat_divergence", None, "no threat perceptions recorded for the members", []
        )
    rows = []
    for threat, who in sorted(perceives.items()):
        p = len(who) / len(members)
        rows.append(
            {
                "threat": threat,
                "perceived_by": sorted(who),
                "share": p,
                "divergence": 4 * p * (1 - p),
            }
        )
    value = sum(r["divergence"] for r in rows) / len(rows)
    text = "; ".join(f"{r['threat']}: {len(r['perceived_by'])} of {len(members)}" for r in rows)
    return _component("threat_divergence", value, f"members perceiving each threat: {text}", rows)


COMPONENTS = {
    "frustration": frustration_component,
    "member_conflicts": member_conflicts_component,
    "arms_independence": arms_independence_component,
    "unanswered_requests": unanswered_requests_component,
    "vote_divergence": vote_divergence_component,
    "threat_divergence": threat_divergence_component,
}


def strain(
    snapshot: Snapshot, organization: str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """The strain index of ``organization`` on the snapshot's date, with its components.

    Returns plain data: ``organization``, ``date``, ``index`` (0..1, the weighted mean
    of the components with data; None if none has data), ``components`` (each with
    ``value``, ``weight``, ``explanation``, ``rows``, ``raw``), ``members`` and
    ``data_version``.
    """
    settings = settings or StrainSettings()
    comps = []
    for name, fn in COMPONENTS.items():
        c = fn(snapshot, organization, settings)
        c["weight"] = float(settings.weights.get(name, 0.0))
        comps.append(c)
    used = [c for c in comps if c["value"] is not None and c["weight"] > 0]
    total = sum(c["weight"] for c in used)
    index = sum(c["weight"] * c["value"] for c in used) / total if total > 0 else None
    if index is not None and not math.isfinite(index):
        index = None
    return {
        "organization": organization,
        "date": snapshot.date.isoformat(),
        "index": index,
        "members": snapshot.members(organization),
        "components": comps,
        "data_version": snapshot.data_version,
        "window_days": snapshot.window_days,
    }
