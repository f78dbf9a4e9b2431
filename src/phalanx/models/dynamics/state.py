"""The membership model's starting point: what the knowledge base says on the start date.

:func:`initial_state` turns one snapshot into an :class:`~.types.InitialState` (arrays over
one actor order) by the rules of docs/odd/membership.md, "Initialization": the actors (the
package's region states, then the leader, then any other state holding a spell in the
organisation), the leader, the outside patrons, the statuses, dependence on the leader,
capability, threats, conflicts, ties and the requests made before the start. Nothing in it
is about one alliance: the organisation, the leader, the region and the patrons come from
the package's defaults. Every array is built from
:meth:`~phalanx.kb.snapshot.Snapshot.arrays`.

Cost: one snapshot (a few DuckDB queries) plus ``O(n_all**2)`` for the relation matrices
over every actor of the package (``n_all`` actors, organisations included), which is what
lets any actor, inside the region or not, be a threat target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from phalanx.errors import UserError
from phalanx.kb.arrays import MEMBER, OBSERVER, OUT, PARTNER
from phalanx.kb.dates import parse_partial_date, parse_query_date
from phalanx.models.dynamics.types import InitialState

__all__ = [
    "initial_state",
    "default_start",
    "renewal_dates",
    "DEFAULT_WINDOW_DAYS",
    "TIE_KINDS",
    "GUARANTEE_KINDS",
]

DEFAULT_WINDOW_DAYS = 365
"""Relations count if in force on some day of the year up to the start (as the strain
index counts them), so a war that ended weeks before the start still weighs."""

TIE_KINDS = ("alliance", "partnership", "basing", "arms_supply", "peacekeeping")
"""Positive relation kinds that make up the ties W."""

GUARANTEE_KINDS = ("alliance", "basing")
"""Positive relation kinds of a patron that count as a guarantee G (a defence pledge, or
troops on the ground). A ``partnership`` is courtship, not a pledge: it joins the
investment channel of the outside option (``InitialState.patron_partnership``)."""

LEADER_THREAT_KINDS = ("armed_conflict", "territorial_dispute", "rivalry")
"""Undirected adversarial kinds between the leader and an actor that make it fear the leader
(with the leader's ``territorial_threat`` towards it)."""

RULES = ("consensus", "unanimity", "majority", "qualified_majority")


def default_start(kb: Any, organization: str | None = None) -> dt.date:
    """The default start date: the last day of the package's period, else today.

    When ``organization`` is given and was dissolved before that day, the day before its
    dissolution (the last day on which it existed), so that the default is always a date
    on which the organisation can be simulated.
    """
    period = kb.defaults.period
    day = parse_partial_date(period[1]).latest if period else dt.date.today()
    if organization is not None:
        row = kb.organization(organization)
        gone = row.get("dissolved_lo")
        if gone is not None and gone <= day:
            day = gone - dt.timedelta(days=1)
    return day


def _start_day(kb: Any, org: str, start: str | dt.date | None) -> dt.date:
    if start is None:
        return default_start(kb, org)
    if isinstance(start, dt.datetime):
        return start.date()
    if isinstance(start, dt.date):
        return start
    try:
        return parse_query_date(str(start))
    except ValueError as e:
        raise UserError(f"{e}; expected an ISO date YYYY-MM-DD", field="start") from None


def _symmetric_max(m: np.ndarray) -> np.ndarray:
    return np.maximum(m, m.T)


def initial_state(
    kb: Any,
    organization: str | None = None,
    start: str | dt.date | None = None,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    dependence_missing: float = 0.5,
    actors: Sequence[str] | None = None,
) -> InitialState:
    """The state of ``organization`` on ``start``, ready for the engine.

    Parameters
    ----------
    kb : KnowledgeBase
    organization : str, optional
        An organisation id or name; default the package's main organisation.
    start : str or date, optional
        The start date (t = 0); default :func:`default_start`.
    window_days : int
        Relations in force on any day of this many days up to ``start`` count (default 365,
        the strain index's window, so that the simulated strain at t = 0 is the index's).
    dependence_missing : float in [0, 1]
        Dependence put where the package has neither a value nor an arms supply from the
        leader (the parameter of the same name; the engine re-applies the run's own value
        through ``dependence_assumed``).
    actors : sequence of str, optional
        The simulated actors, in this order, instead of the rules above (a historical
        replay keeps one order over many start dates). Must hold the leader, every
        declared patron and every state holding a spell in the organisation on
        ``start``; each must be a state of the package.

    Raises
    ------
    UserError
        An unknown organisation, a package without a leader, a leader that is not a member
        on ``start``, a ``start`` outside the package's period, or a declared patron that
        holds a spell in the organisation on ``start``.
    """
    from phalanx.measures.strain import (
        StrainSettings,
        leader_of,
        membership_spells,
        unanswered_requests_component,
    )

    d = kb.defaults
    if organization is None and d.organization is None:
        raise UserError(
            "the package names no organisation and has none to derive; declare "
            "'organization' in the phalanx object of datapackage.json",
            file="datapackage.json",
            field="phalanx.organization",
        )
    org = kb.resolve_organization(organization if organization is not None else d.organization)
    day = _start_day(kb, org, start)
    if d.period is not None:
        first = parse_partial_date(d.period[0]).earliest
        last = parse_partial_date(d.period[1]).latest
        if not first <= day <= last:
            raise UserError(
                f"the start {day.isoformat()} lies outside the package's period "
                f"{d.period[0]}..{d.period[1]}; choose a start within it",
                field="start",
            )
    if not 0 <= window_days <= 36500:
        raise UserError(f"must be in 0..36500; got {window_days}", field="window_days")
    if not 0 <= dependence_missing <= 1:
        raise UserError(f"must be in [0, 1]; got {dependence_missing}", field="dependence_missing")
    snap = kb.snapshot(day, window_days)
    leader = leader_of(snap, org, d)
    if leader is None:
        raise UserError(
            f"the package names no leading state of {org}; declare 'leader' in the phalanx "
            "object of datapackage.json (or fill the organisation's leader column)",
            file="datapackage.json",
            field="phalanx.leader",
        )
    kinds = {a["id"]: a.get("kind") for a in snap.actors}
    everyone = snap.arrays()
    all_status = everyone.status(org)
    # actors: region states in order, then the leader, then states holding a spell now
    fixed = actors is not None
    if actors is not None:
        order = list(actors)
        bad = [a for a in order if kinds.get(a) != "state"]
        if bad or len(set(order)) != len(order):
            raise UserError(
                f"must list distinct states of the package; got {', '.join(bad) or 'a repeat'}",
                field="actors",
            )
        holding = [
            leader,
            *(a for a in snap.members(org, statuses=None) if kinds.get(a) == "state"),
        ]
        missing = [a for a in holding if a not in order]
        if missing:
            raise UserError(
                f"must hold {missing[0]}, which holds a spell in {org} on {day.isoformat()}",
                field="actors",
            )
        actors = order
    else:
        actors = [a for a in d.region if kinds.get(a) == "state"]
        if leader not in actors:
            actors.append(leader)
        for a in snap.members(org, statuses=None):
            if kinds.get(a) == "state" and a not in actors:
                actors.append(a)
    assumptions: list[str] = []
    spells_all = membership_spells(kb, org)
    ever = {s["actor"] for s in spells_all}
    if d.patrons is not None and org == d.organization:
        patron_ids = list(d.patrons)
        for a in patron_ids:
            if a not in actors:
                if fixed:
                    raise UserError(f"must hold the declared patron {a}", field="actors")
                actors.append(a)
        held = [a for a in patron_ids if all_status[everyone.index[a]] != OUT]
        if held:
            raise UserError(
                f"{', '.join(held)} hold(s) a spell in {org} on {day.isoformat()}, but the "
                "package declares them patrons (outside powers); remove them from 'patrons'",
                file="datapackage.json",
                field="phalanx.patrons",
            )
    else:
        supply = everyone.relation("arms_supply", signed=False, directed=None)
        patron_ids = [
            a
            for a in actors
            if a != leader and a not in ever and supply[everyone.index[a]].max(initial=0) > 0
        ]
        assumptions.append(
            "patrons derived: region states outside the organisation's whole history that "
            f"supply arms on the start date ({', '.join(patron_ids) or 'none'})"
        )
    arr = snap.arrays(actors)
    n = arr.n
    idx = arr.index
    li = idx[leader]
    status = arr.status(org)
    status[(status == OBSERVER) | (status == PARTNER)] = OUT
    if status[li] != MEMBER:
        raise UserError(
            f"the leader {leader} is not a member of {org} on {day.isoformat()}; choose a "
            "start on which it is",
            field="start",
        )
    pidx = tuple(idx[a] for a in patron_ids)
    candidates = np.ones(n, dtype=bool)
    candidates[li] = False
    candidates[list(pidx)] = False

    # dependence on the leader's arms
    name = d.dependence_indicator if d.leader == leader else None
    dep = arr.indicator(name) if name is not None else np.full(n, np.nan)
    supply_l = arr.relation("arms_supply", signed=False)[li]
    from_supply = np.isnan(dep) & (supply_l > 0)
    dep = np.where(from_supply, supply_l, dep)
    assumed = np.isnan(dep)
    dep = np.where(assumed, dependence_missing, dep)
    dep[li] = 1.0
    assumed[li] = False
    dep = np.clip(dep, 0.0, 1.0)
    if from_supply.any():
        assumptions.append(
            "dependence from the leader's arms supply where the indicator is missing: "
            + ", ".join(a for a, f in zip(actors, from_supply, strict=True) if f)
        )
    if (assumed & candidates).any():  # a patron's dependence is never read: not worth a word
        assumptions.append(
            f"dependence {dependence_missing:g} (dependence_missing) assumed for: "
            + ", ".join(a for a, f in zip(actors, assumed & candidates, strict=True) if f)
        )
    capability = np.nan_to_num(arr.indicator("cinc"), nan=0.0)

    # threats, over every actor of the package (any kind may be a target)
    rows = np.array([everyone.index[a] for a in actors])
    tp = everyone.relation("threat_perception", signed=True)
    perceive = np.where(tp < 0, -tp, 0.0)[rows]  # (n, n_all)
    members0 = status == MEMBER
    oi = everyone.index.get(org)
    if oi is not None:
        perceive[members0] = np.maximum(perceive[members0], np.where(tp[oi] < 0, -tp[oi], 0.0))
    tt = everyone.relation("territorial_threat", signed=False)
    from_tt = tt[:, rows].T.copy()  # [i, k] = territorial threat k -> i
    from_tt[:, everyone.index[leader]] = 0.0
    # a strategic rival other than the leader is a threat too (Armenia's two hostile
    # neighbours); rivalry with the leader is fear of the leader (phi), not an outside threat
    rv = everyone.relation("rivalry", signed=False)
    rv = np.maximum(rv, rv.T)[rows].copy()  # [i, k] = rivalry between i and k
    rv[:, everyone.index[leader]] = 0.0
    t_all = np.maximum(np.maximum(perceive, from_tt), rv)
    t_all[np.arange(n), rows] = 0.0  # no actor threatens itself
    keep = np.flatnonzero(t_all.max(axis=0, initial=0) > 0)
    order = sorted(keep, key=lambda j: everyone.actors[j])
    targets = tuple(everyone.actors[j] for j in order)
    threat = t_all[:, order] if order else np.zeros((n, 0))
    perception = perceive[:, order] if order else np.zeros((n, 0))

    tt_s = arr.relation("territorial_threat", signed=False)
    phi = tt_s[li].copy()
    for kind in LEADER_THREAT_KINDS:
        m = _symmetric_max(arr.relation(kind, signed=False))
        phi = np.maximum(phi, m[li])
    phi[li] = 0.0

    conflict = np.zeros((n, n))
    for kind in ("armed_conflict", "territorial_dispute"):
        conflict = np.maximum(conflict, _symmetric_max(arr.relation(kind, signed=False)))
    np.fill_diagonal(conflict, 0.0)

    ties = np.zeros((n, n))
    for kind in TIE_KINDS:
        ties = np.maximum(ties, _symmetric_max(np.clip(arr.relation(kind, signed=True), 0, 1)))
    np.fill_diagonal(ties, 0.0)
    guarantee = np.zeros((n, n))
    for kind in GUARANTEE_KINDS:
        guarantee = np.maximum(
            guarantee, _symmetric_max(np.clip(arr.relation(kind, signed=True), 0, 1))
        )
    partnership = _symmetric_max(np.clip(arr.relation("partnership", signed=True), 0, 1))
    arms = np.clip(arr.relation("arms_supply", signed=True), 0, 1)
    p_rows = list(pidx)
    patron_partnership = partnership[p_rows] if p_rows else np.zeros((0, n))
    patron_arms = arms[p_rows] if p_rows else np.zeros((0, n))
    patron_guarantee = guarantee[p_rows] if p_rows else np.zeros((0, n))
    for p in p_rows:
        patron_arms[p_rows.index(p), p] = 0.0
        patron_guarantee[p_rows.index(p), p] = 0.0
        patron_partnership[p_rows.index(p), p] = 0.0

    # requests before the start
    made, open_ = arr.requests(org, answer_kinds=d.assistance)
    past = _past_requests(snap, org, arr, d.assistance, day)
    strain_rows = unanswered_requests_component(
        snap, org, StrainSettings(), spells=spells_all, defaults=d
    )["rows"]
    past_events = tuple(
        ((day - parse_query_date(r["date"])).days / 365.25, bool(r["answered_by"]))
        for r in strain_rows
    )

    row = kb.organization(org)
    rule = (row.get("decision_rule") or "").strip()
    if rule not in RULES:
        assumptions.append(f"decision rule {rule or 'missing'!r}: consensus assumed")
        rule = "consensus"
    mech = row.get("dispute_mechanism")
    if mech is None or mech == "":
        assumptions.append("dispute mechanism not recorded: none assumed")
    dispute = bool(mech) if not isinstance(mech, str) else mech.strip().lower() == "true"
    suspension = bool(
        kb.query(
            "SELECT count(*) AS n FROM provisions WHERE organization = ? AND kind = 'suspension'",
            [org],
        )[0]["n"]
    )
    renewals = renewal_dates(kb, org)
    used = {
        "armed_conflict",
        "territorial_dispute",
        "rivalry",
        "territorial_threat",
        "threat_perception",
        *TIE_KINDS,
    }
    ids = set(actors) | {org}
    sources = sorted(
        {
            r["id"]
            for r in snap.relations
            if r["kind"] in used and r["actor_a"] in ids and r["actor_b"] in ids
        }
        | {
            e["id"]
            for e in snap.events
            if e["kind"] == "invocation"
            and (e.get("organization") == org or org in (e.get("actors") or []))
        }
    )
    state = InitialState(
        organization=org,
        date=day.isoformat(),
        data_version=str(kb.version),
        actors=tuple(actors),
        leader=li,
        patrons=pidx,
        candidates=candidates,
        status=status.astype(np.int8),
        dependence=dep,
        capability=capability,
        threat=np.clip(threat, 0.0, 1.0),
        targets=targets,
        leader_threat=np.clip(phi, 0.0, 1.0),
        conflict=np.clip(conflict, 0.0, 1.0),
        ties=np.clip(ties, 0.0, 1.0),
        patron_arms=patron_arms,
        patron_guarantee=patron_guarantee,
        requests_made=made.astype(np.int64),
        requests_open=open_.astype(np.int64),
        past_requests=past,
        rule=rule,
        dispute_mechanism=dispute,
        suspension_allowed=suspension,
        leader_caps=bool(d.leader_caps_outcome),
        assumptions=tuple(assumptions),
        sources=tuple(sources),
        dependence_assumed=assumed,
        past_request_events=past_events,
        window_days=window_days,
        perception=np.clip(perception, 0.0, 1.0),
        patron_partnership=patron_partnership,
        renewals=renewals,
    )
    state.check()
    return state


def renewal_dates(kb: Any, organization: str) -> tuple[str, ...]:
    """The ISO days on which ``organization``'s treaty term ended (or ends) and the parties
    had to act to stay: the ``adopted`` day (the earliest the partial date allows) of each
    provision of kind ``renewal``, sorted. An automatic prolongation is not a renewal in
    this sense (it is a ``duration`` provision). O(provisions)."""
    rows = kb.query(
        "SELECT adopted_lo FROM provisions WHERE organization = ? AND kind = 'renewal' "
        "AND adopted_lo IS NOT NULL ORDER BY adopted_lo",
        [organization],
    )
    return tuple(r["adopted_lo"].isoformat() for r in rows)


def _past_requests(
    snap: Any, org: str, arr: Any, kinds: tuple[str, ...], day: dt.date, response_days: int = 30
) -> tuple[tuple[str, float, bool], ...]:
    """(actor, age in years, answered) per request before ``day`` and simulated actor that
    made it, answered by the rule of :meth:`~phalanx.kb.arrays.SnapshotArrays.requests`."""
    events = [
        e for e in snap.events if e.get("organization") == org or org in (e.get("actors") or [])
    ]
    answers = [
        (e["date"].earliest.toordinal(), set(e.get("actors") or ()))
        for e in events
        if e["kind"] in set(kinds)
    ]
    out = []
    for e in events:
        if e["kind"] != "invocation":
            continue
        asked = [a for a in (e.get("actors") or ()) if a != org]
        begin = e["date"].earliest
        answered = any(
            0 <= when - begin.toordinal() <= response_days and who.intersection(asked)
            for when, who in answers
        )
        age = (day - begin).days / 365.25
        out.extend((a, age, answered) for a in asked if a in arr.index)
    return tuple(out)
