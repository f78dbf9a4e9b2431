"""Replay an organisation's history in the membership model, year by year, on observed inputs.

A forward simulation holds the start date's inputs for every year (docs/odd/membership.md,
section 5). To confront the model with an organisation's past, the replay instead rebuilds
the exogenous inputs of every year from the knowledge base, while the statuses and the
beliefs stay the simulation's own, carried over from one year to the next per replicate:

- **Inputs of year Y** (threats, conflicts, fear of the leader, ties, dependence, the
  patrons' arms and guarantees) are those of the state on 1 January of Y
  (:func:`~phalanx.models.dynamics.state.initial_state`, with its 365-day window, so they
  describe the year before: what the states knew when the year began). One state per
  year, built once and cached in :class:`History`.
- **Requests for assistance** are the data's, not simulated: the engine runs with
  ``request_rate = 0``, and the invocations recorded in the year before 1 January of Y
  (answered or not, by the package's rule) update the carried beliefs at the start of Y,
  by the rule of the model's initialisation (answered first; the requester by
  ``learning_requester``, every other actor the replicate has in the organisation by
  ``learning_observer``). A replicate in which the requester has already left makes no
  such request.
- **The leader's capacity** follows submodel 1 with the leader's wars as the data record
  them: the leader is at war in year Y when an ``armed_conflict`` relation between it and
  a state is in force on some day of Y; that year drains ``drain`` times the mean, over
  the year's days, of the largest intensity of such a conflict in force that day (a war
  of a week costs a fiftieth of a war all year); a year of peace recovers ``recovery`` of
  the gap to 1. The defaults (0.04 a year of full war, 0.2 of the gap a year) are the central
  values of the shipped long-war scenario; with them Russia's capacity falls from 1 to
  about 0.5 over 2014-2026, the baseline scenario's 0.5-0.7 for 2026. An assumption, the
  same for every replicate, recorded with the history.
- **Renewals**: a provision of kind ``renewal`` puts ``renewal_offset`` on leaving in its
  year (docs/odd/membership.md, 7.7).

The actors are one fixed order for all years: the package's region states, the leader,
every state holding a spell in the organisation on some 1 January of the replay, then the
declared patrons. Statuses of the leader and the patrons are the data's every year.

The patterns the calibration fits are counted by one function, :func:`count_patterns`,
from yearly status paths (the observed one, :attr:`History.observed`, or simulated ones),
over periods derived from the data (:func:`pattern_spec`), so nothing here is about one
organisation. Cost: building a :class:`History` is one knowledge-base snapshot per year
(about 0.1 s each); a replay of ``R`` replicates is ``Y`` engine calls of ``R`` x 1 year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.models.dynamics.engine import FROZEN, MEMBER, OUT, SUSPENDED
from phalanx.models.dynamics.params import MembershipParams
from phalanx.models.dynamics.types import InitialState
from phalanx.params import Settings

__all__ = [
    "ReplaySettings",
    "History",
    "build_history",
    "replay",
    "default_replay_start",
    "PatternSpec",
    "pattern_spec",
    "count_patterns",
    "observed_statuses",
]


class ReplaySettings(Settings):
    """How the leader's capacity is set from the data in a replay (docs: module text)."""

    drain: float = Field(
        0.04,
        ge=0,
        le=1,
        description="Capacity lost in a year of full-intensity war all year (share, 0..1).",
    )
    recovery: float = Field(
        0.2, ge=0, le=1, description="Share of the gap to full capacity recovered a year of peace."
    )


@dataclass(frozen=True)
class History:
    """The observed inputs and outcomes of an organisation's history, year by year.

    ``years[y]`` is the calendar year that step ``y`` simulates (from 1 January of it to 1
    January of the next); ``states[y]`` the state on 1 January of it; ``observed[y]`` the
    observed statuses on that day and ``observed[-1]`` those on the last day covered.
    """

    organization: str
    data_version: str
    actors: tuple[str, ...]
    years: tuple[int, ...]
    states: tuple[InitialState, ...]
    observed: np.ndarray  # (Y + 1, N) int8 status codes
    capacity: np.ndarray  # (Y,) the leader's capacity on 1 January of each year
    at_war: np.ndarray  # (Y,) bool
    drain: np.ndarray  # (Y,) capacity drained in the year if at war
    recovery: float
    answered: np.ndarray  # (Y, N) int64 answered requests in the year before 1 January
    unanswered: np.ndarray  # (Y, N) int64
    candidates: np.ndarray  # (N,) bool: may change status in every year
    renewal_years: tuple[int, ...]
    end_day: str  # the last day covered (ISO)
    member_conflict_years: tuple[int, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.actors)


def _jan1(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def _org_status(kb: Any, org: str, day: dt.date, actors: Sequence[str]) -> np.ndarray:
    from phalanx.kb.arrays import OBSERVER, PARTNER

    st = kb.snapshot(day).arrays(list(actors)).status(org)
    st[(st == OBSERVER) | (st == PARTNER)] = OUT
    return st.astype(np.int8)


def observed_statuses(
    kb: Any, organization: str, actors: Sequence[str], days: Sequence[dt.date]
) -> np.ndarray:
    """``(len(days), N)`` statuses of ``actors`` in ``organization`` on each day, from the
    package's memberships (observer and partner spells count as OUT). O(days) snapshots."""
    return np.array([_org_status(kb, organization, d, actors) for d in days], dtype=np.int8)


def _in_org(s: np.ndarray) -> np.ndarray:
    return (s == MEMBER) | (s == FROZEN) | (s == SUSPENDED)


def _period_days(kb: Any) -> tuple[dt.date | None, dt.date | None]:
    from phalanx.kb.dates import parse_partial_date

    p = kb.defaults.period
    if p is None:
        return None, None
    return parse_partial_date(p[0]).earliest, parse_partial_date(p[1]).latest


def default_replay_start(kb: Any, organization: str | None = None) -> dt.date:
    """1 January once the organisation's founding wave is complete.

    The first 1 January, among the five after the first membership spell begins, on which
    the organisation holds as many states (member, frozen or suspended) as on any of those
    five: 1994-01-01 for the CSTO (nine parties: the six of 1992 and the three of 1993),
    1953-01-01 for ANZUS, 1884-01-01 for the Triple Alliance (Romania joined in 1883). The
    replay takes the statuses on that day as given: how the founders came together is not
    something the model's yearly hazards explain. O(5) snapshots.
    """
    org = kb.resolve_organization(organization or kb.defaults.organization)
    starts = kb.query("SELECT min(start_lo) AS s FROM memberships WHERE organization = ?", [org])[
        0
    ]["s"]
    if starts is None:
        raise UserError(f"{org} has no membership spells to replay", field="organization")
    first, last = _period_days(kb)
    days = [_jan1(starts.year + k) for k in range(1, 6)]
    days = [d for d in days if last is None or d <= last] or [_jan1(starts.year + 1)]
    counts = []
    for d in days:
        snap = kb.snapshot(d)
        counts.append(len([a for a in snap.members(org, statuses=None)]))
    return days[int(np.argmax(counts))]


def _default_end_year(kb: Any, org: str, leader: str, start: dt.date) -> int:
    """The last year to replay: within the period, with the leader a member on 1 January
    of it and on the day the year's outcome is observed."""
    _, last = _period_days(kb)
    year = (last or dt.date.today()).year
    while year >= start.year:
        obs_day = min(_jan1(year + 1), last) if last else _jan1(year + 1)
        if (
            _org_status(kb, org, _jan1(year), [leader])[0] == MEMBER
            and _org_status(kb, org, obs_day, [leader])[0] == MEMBER
        ):
            return year
        year -= 1
    raise UserError(
        f"the leader of {org} is not a member in any year from {start.isoformat()}",
        field="start",
    )


def _overlaps(kb: Any, kind: str, year: int) -> list[tuple[str, str, float, int, int]]:
    """(actor_a, actor_b, intensity, first day, end day) of the relations of ``kind`` in
    force on some day of ``year``, days counted from 1 January (end exclusive)."""
    lo, hi = _jan1(year), _jan1(year + 1)
    rows = kb.query(
        "SELECT actor_a, actor_b, intensity, start_lo, end_lo FROM relations WHERE kind = ? "
        "AND start_lo < ? AND (end_lo IS NULL OR end_lo > ?)",
        [kind, hi, lo],
    )
    out = []
    for r in rows:
        a = max(r["start_lo"], lo)
        b = min(r["end_lo"], hi) if r["end_lo"] is not None else hi
        x = float(r["intensity"] or 0.0)
        out.append((r["actor_a"], r["actor_b"], x, (a - lo).days, (b - lo).days))
    return out


def build_history(
    kb: Any,
    organization: str | None = None,
    *,
    start: str | dt.date | None = None,
    end: int | None = None,
    settings: ReplaySettings | None = None,
) -> History:
    """Everything a replay of ``organization`` needs, from ``start`` to the end of ``end``.

    ``start`` (default :func:`default_replay_start`) is moved to 1 January of its year;
    ``end`` (default: the last year of the package's period in which the leader is a
    member all year) is the last simulated year. Raises ``UserError`` for an unknown
    organisation, a start outside the period or after ``end``. Cost: ``Y + 2`` snapshots
    and ``Y`` calls of ``initial_state`` (a few seconds for 33 years).
    """
    from phalanx.measures.strain import leader_of
    from phalanx.models.dynamics.state import initial_state, renewal_dates

    cfg = settings or ReplaySettings()
    d = kb.defaults
    if organization is None and d.organization is None:
        raise UserError("the package names no organisation", field="organization")
    org = kb.resolve_organization(organization if organization is not None else d.organization)
    if start is None:
        day0 = default_replay_start(kb, org)
    else:
        try:
            day0 = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        except ValueError:
            raise UserError(
                f"{start!r} is not a date; expected YYYY-MM-DD", field="start"
            ) from None
        day0 = _jan1(day0.year)
    leader = leader_of(kb.snapshot(day0), org, d)
    if leader is None:
        raise UserError(f"the package names no leading state of {org}", field="phalanx.leader")
    last_year = end if end is not None else _default_end_year(kb, org, leader, day0)
    if last_year < day0.year:
        raise UserError(
            f"the replay must end in or after its start year {day0.year}; got {last_year}",
            field="end",
        )
    years = tuple(range(day0.year, last_year + 1))
    _, period_last = _period_days(kb)
    end_day = _jan1(last_year + 1)
    if period_last is not None and end_day > period_last:
        end_day = period_last

    # one actor order for every year
    kinds = {a["id"]: a.get("kind") for a in kb.actors()}
    actors: list[str] = [a for a in d.region if kinds.get(a) == "state"]
    if leader not in actors:
        actors.append(leader)
    for y in years:
        for a in kb.snapshot(_jan1(y)).members(org, statuses=None):
            if kinds.get(a) == "state" and a not in actors:
                actors.append(a)
    if d.patrons is not None and org == d.organization:
        actors += [a for a in d.patrons if a not in actors]

    states = tuple(initial_state(kb, org, _jan1(y), actors=actors) for y in years)
    n = len(actors)
    observed = np.concatenate(
        [
            np.stack([s.status for s in states]).astype(np.int8),
            observed_statuses(kb, org, actors, [end_day]),
        ]
    )
    candidates = np.logical_and.reduce([s.candidates for s in states])

    # observed requests made in the year before each 1 January (none before the first:
    # the first state's beliefs already hold every earlier request)
    made = np.stack([s.requests_made for s in states])
    open_ = np.stack([s.requests_open for s in states])
    answered = np.zeros((len(years), n), dtype=np.int64)
    unanswered = np.zeros((len(years), n), dtype=np.int64)
    answered[1:] = np.maximum(0, (made[1:] - open_[1:]) - (made[:-1] - open_[:-1]))
    unanswered[1:] = np.maximum(0, open_[1:] - open_[:-1])

    # the leader's wars, and capacity by submodel 1
    at_war = np.zeros(len(years), dtype=bool)
    drain = np.zeros(len(years))
    for k, y in enumerate(years):
        days = np.zeros((_jan1(y + 1) - _jan1(y)).days)
        for a, b, x, first, stop in _overlaps(kb, "armed_conflict", y):
            if leader in (a, b) and a != b and kinds.get(b if a == leader else a) == "state":
                np.maximum(days[first:stop], x, out=days[first:stop])
                at_war[k] = True
        drain[k] = cfg.drain * float(days.mean())
    floor = MembershipParams().capacity_floor
    capacity = np.ones(len(years))
    for k in range(1, len(years)):
        prev = capacity[k - 1]
        capacity[k] = (
            max(floor, prev - drain[k - 1]) if at_war[k - 1] else prev + cfg.recovery * (1.0 - prev)
        )

    # years in which two states in the organisation (observed) fought each other
    conflict_years = []
    for k, y in enumerate(years):
        inside = {a for a, s in zip(actors, observed[k], strict=True) if _in_org(s)}
        if any(a in inside and b in inside for a, b, *_ in _overlaps(kb, "armed_conflict", y)):
            conflict_years.append(y)
    renewals = tuple(
        sorted({int(r[:4]) for r in renewal_dates(kb, org) if years[0] <= int(r[:4]) <= years[-1]})
    )
    return History(
        organization=org,
        data_version=str(kb.version),
        actors=tuple(actors),
        years=years,
        states=states,
        observed=observed,
        capacity=capacity,
        at_war=at_war,
        drain=drain,
        recovery=cfg.recovery,
        answered=answered,
        unanswered=unanswered,
        candidates=candidates,
        renewal_years=renewals,
        end_day=end_day.isoformat(),
        member_conflict_years=tuple(conflict_years),
        settings={"start": day0.isoformat(), "end_year": last_year, **cfg.model_dump()},
    )


def _apply_requests(
    belief: np.ndarray,
    status: np.ndarray,
    answered: np.ndarray,
    unanswered: np.ndarray,
    params: MembershipParams,
) -> np.ndarray:
    """The observed requests of a year on the carried beliefs (R, N), actor by actor in
    order, answered ones first; requesters outside the organisation in a replicate make
    none there; observers are the replicate's actors in the organisation."""
    org = _in_org(status)
    lr, lo = params.learning_requester, params.learning_observer
    b = belief.copy()
    for i in np.flatnonzero((answered + unanswered) > 0):
        asks = org[:, i]
        obs = org.copy()
        obs[:, i] = False
        obs &= asks[:, None]
        for outcome, times in ((1.0, int(answered[i])), (0.0, int(unanswered[i]))):
            for _ in range(times):
                b[asks, i] += lr * (outcome - b[asks, i])
                b = np.where(obs, b + lo * (outcome - b), b)
    return b


def replay(
    history: History,
    params: MembershipParams,
    replicates: int,
    rng: np.random.Generator,
    *,
    param_arrays: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Simulate ``replicates`` histories; returns their statuses ``(R, Y + 1, N)`` int8.

    Index 0 is the observed start; index ``y + 1`` the statuses at the end of
    ``history.years[y]``. ``param_arrays`` gives per-replicate values of the engine's
    array parameters (:data:`~phalanx.models.dynamics.params.ARRAY_PARAMETERS`), e.g. a
    calibration's particles repeated over their replicates. The uniforms are drawn from
    ``rng``, one ``(R, K_u)`` block per year, so a replay is reproducible from the
    generator's seed. Cost: ``Y`` engine calls of ``R`` replicates x 1 year, about
    ``O(Y R N^2)``.
    """
    from phalanx.models.dynamics.engine import initial_beliefs, run_chunk, uniforms_per_year
    from phalanx.models.dynamics.types import Drivers

    r = int(replicates)
    n = history.n
    engine_params = MembershipParams(**{**params.model_dump(), "request_rate": 0.0})
    ids = np.arange(r, dtype=np.int64)
    ku = uniforms_per_year(n)
    out = np.empty((r, len(history.years) + 1, n), dtype=np.int8)
    status = np.broadcast_to(history.observed[0], (r, n)).copy()
    belief = np.broadcast_to(initial_beliefs(history.states[0], params), (r, n)).astype(float)
    out[:, 0] = status
    fixed = ~history.candidates
    for k, st in enumerate(history.states):
        if k:
            belief = _apply_requests(
                belief, status, history.answered[k], history.unanswered[k], params
            )
        status[:, fixed] = st.status[fixed]  # the leader and the patrons as the data say
        drivers = Drivers.neutral(st, r, 1)
        drivers = Drivers(
            **{
                **{f: getattr(drivers, f) for f in drivers.__dataclass_fields__},
                "capacity0": np.full(r, history.capacity[k]),
                "at_war": np.full((r, 1), bool(history.at_war[k])),
                "drain": np.full(r, history.drain[k]),
                "recovery": np.full(r, history.recovery),
            }
        )
        u = rng.random((r, 1, ku))
        res = run_chunk(
            st,
            drivers,
            engine_params,
            u,
            ids,
            param_arrays=param_arrays,
            initial_status=status,
            initial_belief=np.clip(belief, 0.0, 1.0),
        )
        status = res.status[:, 1].copy()
        belief = res.belief[:, 1].astype(float)
        out[:, k + 1] = status
    return out


# --- the patterns -------------------------------------------------------------------------


FLOWS = ("exits", "freezes and suspensions", "returns and joins")
"""The moves counted per period: a state leaving (from member, frozen or suspended to
out), a member freezing or being suspended, a state becoming a full member (a frozen or
suspended one returning, an outsider joining or a former member coming back)."""


@dataclass(frozen=True)
class PatternSpec:
    """Which counts summarise a status path, derived from the observed history.

    ``periods`` are inclusive year ranges partitioning the replayed years; each stat is
    (name, kind, period index, flow index, actors or None, in_distance).
    """

    years: tuple[int, ...]
    periods: tuple[tuple[int, int], ...]
    stats: tuple[tuple[str, str, int, int, tuple[int, ...] | None, bool], ...]
    actors: tuple[str, ...]
    candidates: np.ndarray

    @property
    def names(self) -> list[str]:
        return [s[0] for s in self.stats]

    @property
    def in_distance(self) -> np.ndarray:
        return np.array([s[5] for s in self.stats], dtype=bool)


def _flows(path: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """``(R, Y, 3, N)`` bool: each flow of :data:`FLOWS` per replicate, year and actor."""
    a, b = path[:, :-1], path[:, 1:]
    exits = _in_org(a) & (b == OUT)
    hedge = (a == MEMBER) & ((b == FROZEN) | (b == SUSPENDED))
    back = (a != MEMBER) & (b == MEMBER)
    out = np.stack([exits, hedge, back], axis=2)
    return out & candidates[None, None, None, :]


def _label(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def pattern_spec(history: History) -> PatternSpec:
    """The pattern counts of ``history``'s organisation, derived from its data.

    The replayed years are cut into periods: every year with an observed move, every
    renewal year, and every run of years in which two states of the organisation fought
    each other (e.g. the Kyrgyz-Tajik border wars of 2021-2022), each a period of its own;
    the years between them fill the gaps. For every period, the number of each flow of
    :data:`FLOWS` (fitted); for every flow observed in a period, how many of the states
    that made it made it (fitted: the right states, not only the right count); the states
    in the organisation at the end of every period, and the exits after the last observed
    one (reported, not fitted: they follow from the flows). O(Y N).
    """
    years = history.years
    obs = _flows(history.observed[None], history.candidates)[0]  # (Y, 3, N)
    moved = obs.any(axis=(1, 2))
    single = set(history.renewal_years) | {y for y, m in zip(years, moved, strict=True) if m}
    conflict = set(history.member_conflict_years)

    def kind(y: int) -> str:
        return f"single{y}" if y in single else ("conflict" if y in conflict else "plain")

    periods: list[tuple[int, int]] = []
    for y in years:
        if periods and kind(y) == kind(periods[-1][1]) and not kind(y).startswith("single"):
            periods[-1] = (periods[-1][0], y)
        else:
            periods.append((y, y))
    stats: list[tuple[str, str, int, int, tuple[int, ...] | None, bool]] = []
    for p, (a, b) in enumerate(periods):
        for f, flow in enumerate(FLOWS):
            stats.append((f"{flow} {_label(a, b)}", "flow", p, f, None, True))
    for p, (a, b) in enumerate(periods):
        sel = slice(years.index(a), years.index(b) + 1)
        for f, flow in enumerate(FLOWS):
            who = tuple(int(i) for i in np.flatnonzero(obs[sel, f].any(axis=0)))
            if who:
                names = ", ".join(history.actors[i] for i in who)
                stats.append((f"{flow} {_label(a, b)} by {names}", "matched", p, f, who, True))
    for p, (_, b) in enumerate(periods):
        stats.append((f"in the organisation at the end of {b}", "stock", p, -1, None, False))
    exit_years = [y for y, e in zip(years, obs[:, 0].any(axis=1), strict=True) if e]
    after = exit_years[-1] + 1 if exit_years else years[0]
    if after <= years[-1]:
        stats.append(
            (f"exits {_label(after, years[-1])} (none observed)", "after", after, 0, None, False)
        )
    return PatternSpec(
        years=years,
        periods=tuple(periods),
        stats=tuple(stats),
        actors=history.actors,
        candidates=history.candidates.copy(),
    )


def count_patterns(paths: np.ndarray, spec: PatternSpec) -> np.ndarray:
    """The pattern counts of status paths ``(R, Y + 1, N)`` (or one path ``(Y + 1, N)``):
    an ``(R, S)`` float array in the order of ``spec.stats``. O(R Y N)."""
    p = np.asarray(paths)
    if p.ndim == 2:
        p = p[None]
    if p.shape[1:] != (len(spec.years) + 1, len(spec.actors)):
        raise ValueError(
            f"paths have shape {p.shape}; expected (R, {len(spec.years) + 1}, {len(spec.actors)})"
        )
    fl = _flows(p, spec.candidates)  # (R, Y, 3, N)
    bounds = [(spec.years.index(a), spec.years.index(b) + 1) for a, b in spec.periods]
    out = np.empty((p.shape[0], len(spec.stats)))
    for k, (_, kind, per, f, who, _) in enumerate(spec.stats):
        if kind == "flow":
            lo, hi = bounds[per]
            out[:, k] = fl[:, lo:hi, f].sum(axis=(1, 2))
        elif kind == "matched":
            lo, hi = bounds[per]
            out[:, k] = fl[:, lo:hi, f][:, :, list(who)].any(axis=1).sum(axis=1)
        elif kind == "stock":
            out[:, k] = _in_org(p[:, bounds[per][1]]).sum(axis=1)
        else:  # exits after the last observed exit
            lo = spec.years.index(per)
            out[:, k] = fl[:, lo:, 0].sum(axis=(1, 2))
    return out
