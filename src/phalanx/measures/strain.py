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
    One minus members' mean dependence on the leading state (the package's
    ``dependence_indicator``, e.g. their share of arms imports from it): dependence is
    glue, and its loss weakens it.
``unanswered_requests``
    Share of requests for assistance (``invocation`` events by actors that were members
    when they asked) that got no answer (an event of the package's ``assistance`` kinds)
    within ``response_days``, each weighted by ``0.5 ** (age / half_life)``.
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
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date, parse_query_date
from phalanx.kb.defaults import EVENT_KINDS_ANSWER
from phalanx.kb.snapshot import Snapshot
from phalanx.network.from_snapshot import AggregationRules, signed_network
from phalanx.network.frustration import frustration_index
from phalanx.params import Settings

__all__ = [
    "StrainSettings",
    "strain_at",
    "membership_spells",
    "leader_of",
    "dependence_indicator_of",
    "assistance_of",
    "windowed",
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


_INDICATOR = r"^[A-Za-z][A-Za-z0-9_]{0,99}$"
_KIND = r"^[a-z][a-z0-9_]*$"


class StrainSettings(Settings):
    """Settings of the strain index; every weight and window is documented in docs/strain.md.

    Every number has a declared range and NaN/inf are refused (``phalanx.params``). What
    the package itself declares (the leader, the dependence indicator, what answers a
    request) is read from its defaults unless a setting here overrides it.
    """

    weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_COMPONENT_WEIGHTS),
        description="Weight of each component in the index, each in [0, 100]; "
        "renormalised over the components with data; a component left out weighs 0.",
    )
    rules: AggregationRules = Field(
        default_factory=AggregationRules,
        description="How relations and memberships become signed ties for frustration.",
    )
    response_days: int = Field(
        30,
        ge=0,
        le=3650,
        description="A request counts as answered if the organisation answers it within "
        "this many days (days, 0..3650).",
    )
    half_life_years: float = Field(
        5.0,
        gt=0,
        le=100,
        description="Half-life of a request's weight in unanswered_requests (years, >0..100).",
    )
    vote_window_years: float = Field(
        10.0,
        gt=0,
        le=100,
        description="Votes older than this are ignored in vote_divergence (years, >0..100).",
    )
    work_limit: int | None = Field(
        20000,
        ge=0,
        le=10**8,
        description="Branch-and-bound nodes allowed to each exact frustration solve "
        "(0..1e8; None: unlimited). A deterministic limit: the index does not depend on "
        "the machine.",
    )
    time_limit: float | None = Field(
        None,
        gt=0,
        le=86400,
        description="Optional wall-clock seconds for each exact frustration solve (>0..86400;"
        " None: none). When it binds the value depends on the machine; the result says so.",
    )
    seed: int = Field(
        0,
        ge=0,
        le=2**63 - 1,
        description="Root seed of the frustration solve (recorded in its raw output).",
    )
    window_days: int = Field(
        365,
        ge=0,
        le=36500,
        description="Relations count if in force on any day of this many days up to the "
        "date (days, 0..36500; default 365: a war of the past year still strains).",
    )
    dependence_indicator: str | None = Field(
        None,
        pattern=_INDICATOR,
        description="Indicator of each member's dependence on the leader, a share in "
        "[0, 1] (None: the package's declared dependence_indicator).",
    )
    assistance: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="Event kinds that count as answering a request for assistance "
        "(None: the package's declared assistance).",
    )

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - set(DEFAULT_COMPONENT_WEIGHTS)
        if unknown:
            raise ValueError(
                f"names unknown components {sorted(unknown)}; known: "
                f"{sorted(DEFAULT_COMPONENT_WEIGHTS)}"
            )
        for k, w in v.items():
            if not (isinstance(w, int | float) and math.isfinite(w) and 0 <= w <= 100):
                raise ValueError(f"must hold weights in [0, 100]; {k!r} has {w!r}")
        return {k: float(w) for k, w in v.items()}

    @field_validator("assistance")
    @classmethod
    def _kinds(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None:
            import re

            bad = [k for k in v if not re.fullmatch(_KIND, k)]
            if bad:
                raise ValueError(f"holds {bad[0]!r}, which is not an event kind")
        return v


def _component(
    name: str, value: float | None, explanation: str, rows: list[Any], **raw: Any
) -> dict[str, Any]:
    return {"component": name, "value": value, "explanation": explanation, "rows": rows, "raw": raw}


def _defaults(snapshot: Snapshot, defaults: Any = None) -> Any:
    """The package defaults: given explicitly, else the snapshot's (when it carries them)."""
    return defaults if defaults is not None else getattr(snapshot, "defaults", None)


def leader_of(snapshot: Snapshot, organization: str, defaults: Any = None) -> str | None:
    """The leading state of ``organization``: its ``leader`` column, else the package
    defaults' leader when ``organization`` is the package's main organisation."""
    row = next((o for o in snapshot.organizations if o["id"] == organization), None)
    if row is not None and row.get("leader"):
        return row["leader"]
    d = _defaults(snapshot, defaults)
    if d is not None and getattr(d, "organization", None) == organization:
        return getattr(d, "leader", None)
    return None


def dependence_indicator_of(
    snapshot: Snapshot, organization: str, settings: StrainSettings, defaults: Any = None
) -> str | None:
    """The indicator measuring members' dependence on the leader: the setting, else the
    package's declared (or derived) ``dependence_indicator`` when it is about this
    organisation's leader; None when neither names one (no name is guessed here)."""
    if settings.dependence_indicator is not None:
        return settings.dependence_indicator
    d = _defaults(snapshot, defaults)
    if d is None or getattr(d, "dependence_indicator", None) is None:
        return None
    if getattr(d, "leader", None) == leader_of(snapshot, organization, defaults):
        return d.dependence_indicator
    return None


def assistance_of(
    snapshot: Snapshot, settings: StrainSettings, defaults: Any = None
) -> tuple[str, ...]:
    """Event kinds that answer a request: the setting, else the package's ``assistance``,
    else :data:`phalanx.kb.defaults.EVENT_KINDS_ANSWER`."""
    if settings.assistance is not None:
        return tuple(settings.assistance)
    d = _defaults(snapshot, defaults)
    kinds = getattr(d, "assistance", None) if d is not None else None
    return tuple(kinds) if kinds else EVENT_KINDS_ANSWER


def _day(value: Any, end: bool = False) -> dt.date | None:
    """Earliest day a start (or end) may denote; accepts text, ``PartialDate`` or a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    earliest = getattr(value, "earliest", None)
    if earliest is not None:
        return earliest
    return parse_partial_date(str(value)).earliest


def in_force(record: Mapping[str, Any], first: dt.date, last: dt.date) -> bool:
    """Whether a relation or spell with ``start``/``end`` is in force on some day of
    [first, last] (as the knowledge base counts it: it starts on or before ``last`` and
    does not end on or before ``first``). A missing start counts as always."""
    start, stop = _day(record.get("start")), _day(record.get("end"))
    return (start is None or start <= last) and (stop is None or stop > first)


def windowed(snapshot: Snapshot, window_days: int) -> Snapshot:
    """``snapshot`` with only the relations in force in the ``window_days`` days up to its
    date. A snapshot taken with a narrower window cannot be widened: that is a UserError."""
    have = int(getattr(snapshot, "window_days", 0) or 0)
    if have < window_days:
        raise UserError(
            f"the snapshot of {snapshot.date.isoformat()} counts relations of the last "
            f"{have} day(s), but the strain settings ask for window_days={window_days}; "
            f"take the snapshot with window_days >= {window_days} (or use strain_at)",
            field="window_days",
        )
    if have == window_days:
        return snapshot
    first = snapshot.date - dt.timedelta(days=window_days)
    rels = tuple(r for r in snapshot.relations if in_force(r, first, snapshot.date))
    return replace(snapshot, relations=rels, window_days=window_days)


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
    # nodes and ties in a fixed order (not a set's), so every sum and solve is repeatable
    # byte for byte whatever the hash seed
    H = G.__class__()
    H.add_nodes_from(n for n in G.nodes if n in keep)
    H.add_edges_from((u, v, d) for u, v, d in G.edges(data=True) if u in keep and v in keep)
    H.remove_nodes_from([n for n in list(H.nodes) if H.degree(n) == 0])
    total = math.fsum(d["weight"] for _, _, d in H.edges(data=True))  # order-free sum
    if total == 0:
        return _component(
            "frustration", None, "no signed ties among the members and their partners", []
        )
    res = frustration_index(
        H,
        weight="weight",
        time_limit=settings.time_limit,
        seed=settings.seed,
        work_limit=settings.work_limit,
    )
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
        limit=res.limit,
        seed=res.seed,
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
    snapshot: Snapshot,
    organization: str,
    settings: StrainSettings | None = None,
    *,
    defaults: Any = None,
) -> dict[str, Any]:
    """One minus the members' mean share of arms imports from the leading state.

    Uses the dependence indicator (0..1) of each full member other than the leader:
    ``settings.dependence_indicator``, else the package's ``dependence_indicator``
    (``defaults``, or the snapshot's). Members without a value are left out and named.
    """
    settings = settings or StrainSettings()
    leader = leader_of(snapshot, organization, defaults)
    if leader is None:
        return _component("arms_independence", None, "the organisation has no leading state", [])
    name = dependence_indicator_of(snapshot, organization, settings, defaults)
    if name is None:
        return _component(
            "arms_independence",
            None,
            f"no dependence indicator declared for {leader} (settings or package defaults)",
            [],
        )
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
    snapshot: Snapshot,
    organization: str,
    settings: StrainSettings | None = None,
    *,
    spells: list[Mapping[str, Any]] | None = None,
    defaults: Any = None,
) -> dict[str, Any]:
    """Decay-weighted share of requests for assistance the organisation left unanswered.

    A request is an ``invocation`` event of the organisation by an actor that held a
    spell in it **when it asked**, whatever it is now: an unanswered request that drove
    a member out still weighs, decaying with ``half_life_years`` (docs/strain.md).
    ``spells`` are the organisation's membership spells over all time (``{actor, start,
    end}``; :func:`strain_at` passes them); without them only the snapshot's current
    spells are known, so a departed member's requests drop out. A request is answered
    when an event of an assistance kind (``settings.assistance``, else the package's
    ``assistance``, else a deployment) of the organisation that includes the requesting
    actor begins within ``response_days`` after it.
    """
    settings = settings or StrainSettings()
    day = snapshot.date
    answers = set(assistance_of(snapshot, settings, defaults))
    if spells is None:
        current = set(snapshot.members(organization, statuses=None))

        def was_member(actor: str, when: dt.date) -> bool:
            return actor in current
    else:
        by_actor: dict[str, list[Mapping[str, Any]]] = {}
        for sp in spells:
            by_actor.setdefault(sp["actor"], []).append(sp)

        def was_member(actor: str, when: dt.date) -> bool:
            return any(in_force(sp, when, when) for sp in by_actor.get(actor, ()))

    events = [
        e
        for e in snapshot.events
        if e.get("organization") == organization or organization in (e.get("actors") or [])
    ]
    replies = [e for e in events if e["kind"] in answers]
    rows, num, den = [], 0.0, 0.0
    for e in events:
        if e["kind"] != "invocation":
            continue
        start = parse_query_date(str(e["date"]))
        asked = [a for a in e["actors"] if a != organization and was_member(a, start)]
        if not asked:
            continue
        answered = [
            d["id"]
            for d in replies
            if 0 <= (parse_query_date(str(d["date"])) - start).days <= settings.response_days
            and set(asked) & set(d["actors"])
        ]
        age = (day - start).days / 365.25
        w = 0.5 ** (age / settings.half_life_years)
        den += w
        num += 0 if answered else w
        rows.append(
            {
                "event": e["id"],
                "date": str(e["date"]),
                "requested_by": asked,
                "answered_by": answered,
                "weight": round(w, 4),
            }
        )
    if den == 0:
        return _component("unanswered_requests", None, "no request for assistance so far", [])
    open_ = [r for r in rows if not r["answered_by"]]
    text = f"{len(open_)} of {len(rows)} request(s) unanswered" + (
        ": " + ", ".join(f"{'/'.join(r['requested_by'])} {r['date']}" for r in open_)
        if open_
        else ""
    )
    return _component("unanswered_requests", num / den, text, rows, assistance=sorted(answers))


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
    snapshot: Snapshot,
    organization: str,
    settings: StrainSettings | None = None,
    *,
    spells: list[Mapping[str, Any]] | None = None,
    defaults: Any = None,
) -> dict[str, Any]:
    """The strain index of ``organization`` on the snapshot's date, with its components.

    Relations count if in force on some day of the ``settings.window_days`` days up to
    the date: a snapshot taken with a wider window is narrowed to it, one taken with a
    narrower window is refused (UserError). ``spells`` (the organisation's membership
    spells over all time) let departed members' requests count; ``defaults`` (the
    package's :class:`~phalanx.kb.defaults.Defaults`, else the snapshot's) supply the
    leader, the dependence indicator and what answers a request. :func:`strain_at`
    passes both.

    Returns plain data: ``organization``, ``date``, ``index`` (0..1, the weighted mean
    of the components with data; None if none has data), ``components`` (each with
    ``value``, ``weight``, ``explanation``, ``rows``, ``raw``), ``members``,
    ``data_version``, ``window_days`` and ``settings`` (the numbers used).
    """
    settings = settings or StrainSettings()
    snapshot = windowed(snapshot, settings.window_days)
    comps = []
    for name, fn in COMPONENTS.items():
        if name == "unanswered_requests":
            c = fn(snapshot, organization, settings, spells=spells, defaults=defaults)
        elif name == "arms_independence":
            c = fn(snapshot, organization, settings, defaults=defaults)
        else:
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
        "settings": settings.model_dump(mode="json"),
    }


def membership_spells(kb: Any, organization: str) -> list[dict[str, Any]]:
    """Every membership spell of ``organization`` in the knowledge base (any status), as
    ``{actor, status, start, end}`` with ISO text dates, ordered by actor and start."""
    rows = kb.query(
        'SELECT actor, status, start, "end" FROM memberships WHERE organization = ? '
        "ORDER BY actor, start_lo",
        [organization],
    )
    return [{**r, "start": _text(r["start"]), "end": _text(r["end"])} for r in rows]


def _text(v: Any) -> str | None:
    return None if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v))


def strain_at(
    kb: Any, organization: str, date: dt.date | str, settings: StrainSettings | None = None
) -> dict[str, Any]:
    """The strain of ``organization`` (an id or name) on ``date``, from the knowledge base.

    Takes the snapshot with the settings' window, the organisation's whole membership
    history (so a departed member's unanswered requests keep weighing) and the package
    defaults, and returns :func:`strain`'s result.
    """
    settings = settings or StrainSettings()
    org = kb.resolve_organization(organization)
    snap = kb.snapshot(
        parse_query_date(str(date)) if not isinstance(date, dt.date) else date, settings.window_days
    )
    return strain(snap, org, settings, spells=membership_spells(kb, org), defaults=kb.defaults)
