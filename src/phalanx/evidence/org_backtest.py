"""Backtest of one organisation's membership: forecast each member's status after a cut-off.

For a cut-off year ``C`` (the cut-off date is 31 December of ``C``) and a horizon of ``h``
years, every state that is a full member of the organisation on the cut-off date, except
the leading state (whose status the model holds fixed, so it is never forecast), is one
case: did it stop being a full member (leave, freeze its participation, be suspended, or
drop to observer or partner: all four count) by 31 December of ``C + h``? Forecasters give
each case a probability from what was known on the cut-off date; the Brier and log scores
(:mod:`phalanx.evidence.scores`) compare them with what happened.

What is observed. The outcome is read from the package's membership spells, but only up
to the end of what the package observes: the last day of its ``period``, or the day
before the organisation's dissolution when that comes first (a spell that ends with the
organisation is not an exit). A horizon that runs past it is *truncated* to the whole
years observed (``observed_years``, ``observed_to``) and marked; the forecasters are
then asked for that shorter horizon, so that forecast and outcome always cover the same
years and a member whose later fate is unknown is never scored as having stayed. A cut-off
with no whole year observed after it is refused.

The forecasters (each a callable ``(kb, org, cutoff, horizon, members) -> Forecast``,
``members`` the outcome rows of :func:`member_outcomes`, ``horizon`` the observed years):

- ``base-rate`` (:func:`base_rate_forecaster`): the organisation's own yearly rate of
  ending full membership up to the cut-off, compounded over the horizon, the same for
  every member;
- ``persistence`` (:func:`persistence_forecaster`): nothing changes (probability 0);
- ``simulation`` (:class:`SimulationForecaster`): the membership model run from the cut-off
  date on the package as it was known then (:func:`known_by`), with neutral drivers;
- the large-N models (:class:`LargeNForecaster`): a fitted model of defence-pact
  termination (anything with ``horizon_probability(rows, h)``) applied to the row of the
  (member, leader) dyad in the ATOP dyad-year table.

:func:`organization_backtest` runs them all and returns the score records and the cases.
An organisation has few members and fewer events (the CSTO: five forecast members per
cut-off, one event in the three cut-offs), so every interval is wide and a single event
moves every score: read the cases, not only the scores.

Nothing here is about one alliance: the organisation, its leader and its period come from
the package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date
from phalanx.params import Estimator, Settings

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.params import MembershipParams
    from phalanx.models.dynamics.types import InitialState

__all__ = [
    "DEFAULT_CUTOFFS",
    "DEFAULT_HORIZONS",
    "Forecast",
    "Forecaster",
    "LargeNForecaster",
    "OrgBacktestSettings",
    "SimulationForecaster",
    "SimulationForecasterParams",
    "base_rate",
    "base_rate_forecaster",
    "cutoff_day",
    "known_by",
    "member_outcomes",
    "observation_end",
    "organization_backtest",
    "persistence_forecaster",
]

DEFAULT_CUTOFFS = (2005, 2012, 2020)
"""The cut-off years of the issue (for the CSTO: after the core of six formed, the year of
Uzbekistan's suspension, and the year before the Kyrgyz-Tajik clashes)."""

DEFAULT_HORIZONS = (5, 10)
"""Forecast horizons in years."""

FULL = "member"
"""The status that counts as full membership; any other status, or none, ends it."""

YEAR_DAYS = 365.25
"""Days per year when member-days are turned into member-years."""


# --- dates ------------------------------------------------------------------------------------


def cutoff_day(year: int) -> dt.date:
    """The cut-off date of a cut-off year: 31 December of it."""
    return dt.date(int(year), 12, 31)


def _lo(value: Any) -> dt.date | None:
    """The earliest day of a stored date (a DuckDB date, or partial-date text)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return parse_partial_date(str(value)).earliest


def observation_end(kb: KnowledgeBase, org: str) -> dt.date:
    """The last day on which the package observes ``org``'s members.

    The last day of the package's ``period``, or the day before the organisation's
    dissolution when that is earlier (membership ending with the organisation is not a
    member's exit). A package that declares no ``period`` has one derived from its
    membership dates (``defaults.derived``), which ends in the year of the last dated spell:
    a conservative reading (nothing later is known to have been observed), said in the
    errors it causes. A package with no period at all is refused: its data would not say
    up to when a member that shows no exit was observed to stay.
    """
    period = kb.defaults.period
    if not period:
        raise UserError(
            "the package declares no period, so it does not say up to when its members are "
            "observed; declare 'period' (first and last year) in the phalanx object",
            file="datapackage.json",
            field="phalanx.period",
        )
    end = parse_partial_date(str(period[1])).latest
    gone = _lo(kb.organization(org).get("dissolved_lo"))
    if gone is not None and gone - dt.timedelta(days=1) < end:
        end = gone - dt.timedelta(days=1)
    return end


def _observed(kb: KnowledgeBase, org: str, cutoff: int, horizon: int) -> tuple[int, dt.date]:
    """Whole years observed after ``cutoff`` (at most ``horizon``) and the day they end."""
    end = observation_end(kb, org)
    last_full = end.year if end == cutoff_day(end.year) else end.year - 1
    years = min(horizon, last_full - cutoff)
    if years < 1:
        derived = "period" in kb.defaults.derived
        why = (
            " (the period is derived from the membership dates; declare 'period' in the "
            "phalanx object of datapackage.json to say how long the data observe)"
            if derived
            else ""
        )
        raise UserError(
            f"the cut-off {cutoff} leaves no whole year observed: the data end on "
            f"{end.isoformat()}{why}; choose a cut-off year no later than {last_full - 1}",
            field="cutoffs",
        )
    return years, cutoff_day(cutoff + years)


# --- spells -------------------------------------------------------------------------------------


def _leader(kb: KnowledgeBase, org: str) -> str | None:
    row = kb.organization(org)
    if row.get("leader"):
        return str(row["leader"])
    d = kb.defaults
    return d.leader if d.organization == org else None


def _spells(kb: KnowledgeBase, org: str) -> dict[str, list[dict[str, Any]]]:
    """Every spell of every state in ``org``, by actor then start: status, start_lo, end_lo."""
    rows = kb.query(
        """SELECT m.actor, m.status, m.start_lo, m.end_lo
           FROM memberships m JOIN actors a ON a.id = m.actor
           WHERE m.organization = ? AND a.kind = 'state'
           ORDER BY m.actor, m.start_lo, m.status""",
        [org],
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["actor"], []).append(r)
    return out


def _full_spans(spells: list[dict[str, Any]]) -> list[tuple[dt.date, dt.date | None]]:
    """The spans of unbroken full membership: member spells merged where one starts on or
    before the previous one's end (a record split in two is one span). End None: ongoing."""
    spans: list[list[Any]] = []
    for s in spells:
        if s["status"] != FULL:
            continue
        start, end = s["start_lo"], s["end_lo"]
        if spans and (spans[-1][1] is None or start <= spans[-1][1]):
            last = spans[-1]
            last[1] = None if last[1] is None or end is None else max(last[1], end)
        else:
            spans.append([start, end])
    return [(a, b) for a, b in spans]


def _status_on(spells: list[dict[str, Any]], day: dt.date) -> str:
    """The status held on ``day`` ('out' when no spell covers it)."""
    for s in spells:
        if s["start_lo"] <= day and (s["end_lo"] is None or day < s["end_lo"]):
            return str(s["status"])
    return "out"


# --- outcomes -----------------------------------------------------------------------------------


def _org(kb: KnowledgeBase, org: str | None) -> str:
    d = kb.defaults
    if org is None and d.organization is None:
        raise UserError(
            "the package names no organisation; declare 'organization' in the phalanx object "
            "of datapackage.json or name one",
            file="datapackage.json",
            field="phalanx.organization",
        )
    return kb.resolve_organization(org if org is not None else d.organization)


def member_outcomes(
    kb: KnowledgeBase, org: str | None, cutoff: int, horizon: int
) -> list[dict[str, Any]]:
    """The cases of one cut-off: each full member on 31 December ``cutoff`` and its fate.

    One dict per state that is a full member of ``org`` on the cut-off date, the leader
    excluded (it is not forecast), in actor-id order:
    ``{organization, actor, cow_code, cutoff, cutoff_date, horizon, observed_years,
    observed_to, truncated, outcome, became, event_date}``. ``outcome`` is 1 when the
    state's full membership ended on or before ``observed_to`` (31 December of ``cutoff +
    observed_years``), ``became`` what it became then (``out``, ``frozen``,
    ``suspended``, ``observer`` or ``partner``) and ``event_date`` the day (the earliest
    day of a partial date); else 0 and None. ``observed_years`` is ``horizon`` unless the
    data end earlier (:func:`observation_end`), and then ``truncated`` is True.

    Cost: one query of the memberships table, O(spells).
    """
    org = _org(kb, org)
    if horizon < 1:
        raise UserError(f"must be at least 1 year; got {horizon}", field="horizons")
    years, to = _observed(kb, org, cutoff, horizon)
    day = cutoff_day(cutoff)
    leader = _leader(kb, org)
    codes = {a["id"]: a.get("cow_code") for a in kb.actors("state")}
    out: list[dict[str, Any]] = []
    for actor, spells in sorted(_spells(kb, org).items()):
        if actor == leader:
            continue
        span = next(
            (s for s in _full_spans(spells) if s[0] <= day and (s[1] is None or day < s[1])),
            None,
        )
        if span is None:
            continue
        end = span[1]
        event = end is not None and end <= to
        code = codes.get(actor)
        out.append(
            {
                "organization": org,
                "actor": actor,
                "cow_code": None if code is None else int(code),
                "cutoff": int(cutoff),
                "cutoff_date": day.isoformat(),
                "horizon": int(horizon),
                "observed_years": years,
                "observed_to": to.isoformat(),
                "truncated": years < horizon,
                "outcome": int(event),
                "became": _status_on(spells, end) if event and end is not None else None,
                "event_date": end.isoformat() if event and end is not None else None,
            }
        )
    return out


# --- forecasts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """A forecaster's answer: one probability per member (None: the member is not covered
    by this method), and notes recorded with the cases (seed, runs, data used...)."""

    probabilities: tuple[float | None, ...]
    notes: dict[str, Any] = field(default_factory=dict)


Forecaster = Callable[
    ["KnowledgeBase", str, int, int, Sequence[Mapping[str, Any]]],
    "Forecast | Sequence[float | None]",
]
"""``(kb, org, cutoff, horizon, members) -> Forecast`` (or a plain sequence of
probabilities); ``horizon`` is the number of whole years after the cut-off to forecast."""


def base_rate(kb: KnowledgeBase, org: str | None, cutoff: int) -> dict[str, Any]:
    """The organisation's yearly rate of ending full membership, from its spells to the cut-off.

    Exposure: the member-years (days / 365.25) of every state other than the leader as a
    full member, from each span's start to its end or the cut-off date. Events: the spans
    that ended on or before the cut-off date. The rate is the Jeffreys estimate
    ``(events + 1/2) / (member_years + 1)`` (the posterior mean of a yearly probability
    under a Beta(1/2, 1/2) prior with one trial per member-year), not the raw share
    ``events / member_years``: with no event yet the raw share is 0, the same forecast
    as persistence, which the log score punishes without limit when an event comes; the
    half event keeps it small but positive (and changes a share of 3 in 84 member-years
    from 0.036 to 0.041). Both are returned: ``{events, member_years, share, rate}``.

    Cost: O(spells).
    """
    org = _org(kb, org)
    day = cutoff_day(cutoff)
    leader = _leader(kb, org)
    events, days = 0, 0
    for actor, spells in _spells(kb, org).items():
        if actor == leader:
            continue
        for start, end in _full_spans(spells):
            if start > day:
                continue
            stop = day if end is None or end > day else end
            days += (stop - start).days
            if end is not None and end <= day:
                events += 1
    years = days / YEAR_DAYS
    return {
        "events": events,
        "member_years": years,
        "share": events / years if years > 0 else None,
        "rate": (events + 0.5) / (years + 1.0),
    }


def base_rate_forecaster(
    kb: KnowledgeBase,
    org: str,
    cutoff: int,
    horizon: int,
    members: Sequence[Mapping[str, Any]],
) -> Forecast:
    """``1 - (1 - rate)^horizon`` for every member, ``rate`` from :func:`base_rate`."""
    br = base_rate(kb, org, cutoff)
    p = 1.0 - (1.0 - br["rate"]) ** horizon
    return Forecast(tuple(p for _ in members), {"base_rate": br})


def persistence_forecaster(
    kb: KnowledgeBase,
    org: str,
    cutoff: int,
    horizon: int,
    members: Sequence[Mapping[str, Any]],
) -> Forecast:
    """Nothing changes: probability 0 for every member (the log score's clip applies)."""
    return Forecast(tuple(0.0 for _ in members), {})


# --- the package as known on a day ----------------------------------------------------------------

_STARTS = {
    "memberships": "start",
    "relations": "start",
    "events": "date",
    "votes": "date",
    "provisions": "adopted",
}
_ENDS = {
    "memberships": "end",
    "relations": "end",
    "events": "end_date",
    "organizations": "dissolved",
}


def _period_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    parts = str(text).split("/")
    try:
        return parse_partial_date(parts[0]).earliest, parse_partial_date(parts[-1]).latest
    except ValueError:
        return None


def known_by(
    kb: KnowledgeBase, day: dt.date, *, periods: Literal["ended", "started"] = "ended"
) -> KnowledgeBase:
    """A copy of ``kb`` holding only what was known on ``day``.

    Memberships, relations, events, votes and provisions that begin after ``day`` are
    dropped; ends (of spells, relations, events, organisations) after ``day`` become
    open. Indicators: with ``periods="ended"`` (the default) only values whose period ends
    on or before ``day`` are kept, so a 1992-2021 average of arms imports is not known in
    2005; ``"started"`` keeps those whose period has begun (what a snapshot reads). Actors,
    organisations and sources are kept; a package's own extra tables are kept as they are
    (their dates are not known to this function). The copy's ``version`` says
    ``known-by DAY``. Cost: O(rows) plus building a new DuckDB store (a fraction of a
    second for the embedded package).
    """
    from phalanx.kb import KnowledgeBase

    if periods not in ("ended", "started"):
        raise ValueError(f"periods must be 'ended' or 'started'; got {periods!r}")
    tables = {}
    for name, table in kb.package.tables.items():
        start_f, end_f = _STARTS.get(name), _ENDS.get(name)
        rows, origins = [], []
        for row, origin in zip(table.rows, table.origins, strict=True):
            if start_f is not None and row.get(start_f) is not None:
                if parse_partial_date(str(row[start_f])).earliest > day:
                    continue
            if name == "indicators" and row.get("period") is not None:
                bounds = _period_bounds(row["period"])
                if bounds is not None:
                    edge = bounds[1] if periods == "ended" else bounds[0]
                    if edge > day:
                        continue
            if end_f is not None and row.get(end_f) is not None:
                if parse_partial_date(str(row[end_f])).earliest > day:
                    row = {**row, end_f: None}
            rows.append(row)
            origins.append(origin)
        tables[name] = dataclasses.replace(table, rows=rows, origins=origins)
    copy = KnowledgeBase(dataclasses.replace(kb.package, tables=tables))
    copy.version = f"{kb.version} known-by {day.isoformat()}"
    return copy


# --- the simulation -------------------------------------------------------------------------------


class SimulationForecasterParams(Settings):
    """Declared settings of :class:`SimulationForecaster`."""

    params: Any = Field(
        None,
        description="None (the defaults), MembershipParams, a sequence of them (draws) or a "
        "callable of the cut-off year returning one of these.",
    )
    runs: int = Field(1000, ge=1, le=1_000_000, description="Replicates per forecast.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed of the replicates.")
    indicator_periods: Literal["ended", "started"] = Field(
        "ended",
        description="Indicators known at the cut-off: those whose period has ended "
        "(default) or begun.",
    )


class SimulationForecaster(Estimator):
    """The membership model as a forecaster: ``P(not a full member at some year end in
    1..h)``, from the cut-off date, on the package as known then.

    For each cut-off the initial state is built (:func:`~phalanx.models.dynamics.initial_state`)
    from :func:`known_by` ``(kb, cutoff date, periods=indicator_periods)`` on the cut-off
    date, and ``runs`` replicates are simulated for the horizon with *neutral drivers* (the
    leader at full capacity and at peace, no outside offers, every scale 1): the shipped
    scenarios describe the years after the package's period (the leader's war of the
    2020s), so applying one to 2005 would import later knowledge, and a backtest must not
    invent a future either. Replicate ``r`` draws from the root ``seed``'s stream ``r``
    (:mod:`phalanx.models.dynamics.streams`), so the forecast is the same for a seed, and
    the first ``h`` years of a longer run are those of a shorter one.

    ``params``: None (the defaults, ``MembershipParams()``), one parameter set, a sequence
    of sets (posterior draws: replicate ``r`` takes draw ``r % D``), or a callable of the
    cut-off year returning one of these (a posterior fitted on the years up to it). The
    defaults were set with the package's whole history in view (``alpha`` matches the
    base rate of 1992-2026, docs/odd/membership.md 7.11), so a backtest at the defaults is
    not fully out of sample; only parameters fitted on the years up to each cut-off are.

    Cost per call: the initial state (a snapshot, once per cut-off, cached) plus
    O(runs x h x N^2) for the engine.
    """

    Params = SimulationForecasterParams

    def __init__(
        self,
        *,
        params: Any = None,
        runs: int = 1000,
        seed: int = 0,
        indicator_periods: Literal["ended", "started"] = "ended",
    ) -> None:
        self.params = params
        self.runs = runs
        self.seed = seed
        self.indicator_periods = indicator_periods
        self.settings = self._validate_params()
        self._states: dict[tuple[int, str, int], tuple[Any, InitialState]] = {}

    def _state(self, kb: KnowledgeBase, org: str, cutoff: int) -> InitialState:
        from phalanx.models.dynamics.state import initial_state

        key = (id(kb), org, cutoff)
        hit = self._states.get(key)
        if hit is not None and hit[0] is kb:
            return hit[1]
        day = cutoff_day(cutoff)
        known = known_by(kb, day, periods=self.settings.indicator_periods)
        state = initial_state(known, org, day)
        self._states[key] = (kb, state)
        return state

    def _draws(self, cutoff: int) -> tuple[list[MembershipParams], str]:
        from phalanx.models.dynamics.params import MembershipParams

        given = self.params(cutoff) if callable(self.params) else self.params
        if given is None:
            return [MembershipParams()], "defaults"
        if isinstance(given, MembershipParams):
            return [given], "given"
        draws = list(given)
        if not draws or not all(isinstance(d, MembershipParams) for d in draws):
            raise TypeError(
                "params must be MembershipParams, a non-empty sequence of them, or None"
            )
        return draws, f"draws ({len(draws)})"

    def __call__(
        self,
        kb: KnowledgeBase,
        org: str,
        cutoff: int,
        horizon: int,
        members: Sequence[Mapping[str, Any]],
    ) -> Forecast:
        from phalanx.kb.arrays import MEMBER
        from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
        from phalanx.models.dynamics.streams import replicate_uniforms
        from phalanx.models.dynamics.types import Drivers

        s = self.settings
        state = self._state(kb, org, cutoff)
        draws, source = self._draws(cutoff)
        index = {a: i for i, a in enumerate(state.actors)}
        missing = [m["actor"] for m in members if m["actor"] not in index]
        if missing:  # a member on the cut-off date is always simulated: a bug if not
            raise RuntimeError(f"members {missing} are not in the simulated actors")
        cols = [index[m["actor"]] for m in members]
        ever_left = np.zeros((s.runs, len(cols)), dtype=bool)
        for k, params in enumerate(draws):
            ids = np.arange(k, s.runs, len(draws), dtype=np.int64)
            if ids.size == 0:
                continue
            _, u = replicate_uniforms(s.seed, ids, 0, uniforms_per_year(state.n), horizon)
            drivers = Drivers.neutral(state, ids.size, horizon)
            status = run_chunk(state, drivers, params, u, ids).status  # (R, h + 1, N)
            ever_left[ids] = (status[:, 1:, :][:, :, cols] != MEMBER).any(axis=1)
        probs = ever_left.mean(axis=0)
        notes = {
            "runs": s.runs,
            "seed": s.seed,
            "start": state.date,
            "years": horizon,
            "drivers": "neutral",
            "parameters": source,
            "data_version": state.data_version,
            "indicator_periods": s.indicator_periods,
            "assumptions": list(state.assumptions),
        }
        return Forecast(tuple(float(p) for p in probs), notes)


# --- the large-N models -----------------------------------------------------------------------------


class LargeNForecaster:
    """A model of defence-pact termination fitted on the ATOP dyad-year table, as a forecaster.

    ``model`` is either fitted (it has ``horizon_probability(rows, h)``: the probability
    that each row's pact ends within ``h`` years) or a callable of the cut-off year
    returning one fitted on the years up to it (called once per cut-off and kept).
    ``table`` is the dyad-year table (``phalanx.evidence.dyads.build_dyad_years``: columns
    ``a``, ``b``, ``year``; ``attrs["final_year"]``). A fit on the years up to a cut-off
    reads the rows whose outcome is known then (``year < cutoff``:
    :func:`phalanx.evidence.backtest.training_rows`), e.g. ``LargeNForecaster(lambda c:
    HazardModel().fit(training_rows(table, c)), table)``.

    The event differs from the cases' own: the model forecasts the end of the defence
    pledge between member and leader in ATOP, and a member that freezes its participation
    in the organisation may keep its bilateral pledge.

    Each member's case is the row of the undirected dyad (member, leader), COW codes from
    the actors table, in the cut-off year, or in the table's final year when the cut-off is
    later (ATOP 5.1 ends in 2018: a 2020 cut-off reads the 2018 row, two years old, and the
    pact's age as it was then). A member without such a row (no ATOP defence pledge with
    the leader that year, or no COW code) is *not covered*: its probability is None and
    it is left out of this method's scores (the record's ``not_covered`` says how many),
    rather than given a forecast at made-up covariates.

    Cost: one boolean scan of the table per member, plus the model's own.
    """

    def __init__(self, model: Any, table: Any, *, name: str = "hazard") -> None:
        if not hasattr(model, "horizon_probability") and not callable(model):
            raise TypeError("model must have horizon_probability(rows, h) or be a callable")
        for col in ("a", "b", "year"):
            if col not in table.columns:
                raise ValueError(f"the dyad-year table has no column {col!r}")
        self.model = model
        self.table = table
        self.name = name
        self._fitted: dict[int, Any] = {}

    def _model(self, cutoff: int) -> Any:
        if hasattr(self.model, "horizon_probability"):
            return self.model
        if cutoff not in self._fitted:
            self._fitted[cutoff] = self.model(cutoff)
        return self._fitted[cutoff]

    def __call__(
        self,
        kb: KnowledgeBase,
        org: str,
        cutoff: int,
        horizon: int,
        members: Sequence[Mapping[str, Any]],
    ) -> Forecast:
        t = self.table
        final = int(t.attrs.get("final_year", int(t["year"].max())))
        year = min(int(cutoff), final)
        leader = _leader(kb, org)
        lcode = None if leader is None else kb.actor(leader).get("cow_code")
        in_year = t[t["year"].to_numpy() == year]
        a_col, b_col = in_year["a"].to_numpy(), in_year["b"].to_numpy()
        picks: list[int | None] = []
        for m in members:
            code = m.get("cow_code")
            if code is None or lcode is None or int(code) == int(lcode):
                picks.append(None)
                continue
            a, b = sorted((int(code), int(lcode)))
            hit = np.flatnonzero((a_col == a) & (b_col == b))
            picks.append(int(hit[0]) if hit.size else None)
        rows_at = [p for p in picks if p is not None]
        probs: list[float | None] = [None] * len(members)
        if rows_at:
            fitted = self._model(int(cutoff))
            values = np.asarray(
                fitted.horizon_probability(in_year.iloc[rows_at], horizon), dtype=float
            )
            it = iter(values.tolist())
            probs = [None if p is None else float(next(it)) for p in picks]
        notes = {"table_year": year, "table_final_year": final, "leader_cow_code": lcode}
        return Forecast(tuple(probs), notes)


# --- the backtest -----------------------------------------------------------------------------------


class OrgBacktestSettings(Settings):
    """Settings of :func:`organization_backtest`."""

    cutoffs: tuple[int, ...] = Field(
        DEFAULT_CUTOFFS, min_length=1, description="Cut-off years (31 December of each)."
    )
    horizons: tuple[int, ...] = Field(
        DEFAULT_HORIZONS, min_length=1, description="Forecast horizons in years (1..200)."
    )
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed (bootstrap, simulation).")
    bootstrap: int = Field(
        1000, ge=10, le=1_000_000, description="Bootstrap resamples of the members."
    )
    level: float = Field(0.95, gt=0, lt=1, description="Level of the bootstrap intervals.")

    @field_validator("horizons")
    @classmethod
    def _horizons(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(h < 1 or h > 200 for h in v):
            raise ValueError("horizons must lie in 1..200 years")
        return v


def _as_forecast(value: Any, n: int, method: str) -> Forecast:
    fc = value if isinstance(value, Forecast) else Forecast(tuple(value), {})
    if len(fc.probabilities) != n:
        raise ValueError(
            f"forecaster {method!r} gave {len(fc.probabilities)} probabilities for {n} members"
        )
    for p in fc.probabilities:
        if p is not None and not (np.isfinite(p) and 0.0 <= p <= 1.0):
            raise ValueError(f"forecaster {method!r} gave {p!r}, not a probability in [0, 1]")
    return fc


def _record(
    org: str,
    cutoff: int,
    horizon: int,
    method: str,
    p: list[float],
    y: list[int],
    s: OrgBacktestSettings,
    extra: dict[str, Any],
) -> dict[str, Any]:
    from phalanx.evidence.scores import bootstrap_ci, brier, log_score

    rec: dict[str, Any] = {
        "dataset": org,
        "cutoff": cutoff,
        "horizon": horizon,
        "method": method,
        "brier": None,
        "brier_low": None,
        "brier_high": None,
        "log_score": None,
        "log_low": None,
        "log_high": None,
        "n": len(p),
        "events": int(sum(y)),
    }
    if p:
        rec["brier"] = brier(p, y)
        rec["brier_low"], rec["brier_high"] = bootstrap_ci(
            p, y, brier, reps=s.bootstrap, seed=s.seed, level=s.level
        )
        rec["log_score"] = log_score(p, y)
        rec["log_low"], rec["log_high"] = bootstrap_ci(
            p, y, log_score, reps=s.bootstrap, seed=s.seed, level=s.level
        )
    rec.update(extra)
    return rec


def organization_backtest(
    kb: KnowledgeBase,
    org: str | None = None,
    cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    forecasters: Mapping[str, Forecaster] | None = None,
    seed: int = 0,
    *,
    bootstrap: int = 1000,
    level: float = 0.95,
    runs: int = 1000,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score each forecaster on each member of ``org`` at each cut-off and horizon.

    ``forecasters`` maps a method name (contract names: ``base-rate``, ``persistence``,
    ``simulation``, ``hazard``, ``logistic``) to a forecaster; None gives ``base-rate``,
    ``persistence`` and ``simulation`` (:class:`SimulationForecaster` at the default
    parameters with ``runs`` replicates and root ``seed``).

    Returns ``(records, cases)``. A record per cut-off x horizon x method, as contract 3:
    ``{dataset (the organisation id), cutoff, horizon, method, brier, brier_low,
    brier_high, log_score, log_low, log_high, n, events}`` plus ``observed_years``,
    ``observed_to``, ``truncated`` and ``not_covered`` (members the method gave no
    forecast, left out of its ``n``); the scores are None when ``n`` is 0. Intervals are
    percentile bootstraps over the members (:func:`~phalanx.evidence.scores.bootstrap_ci`,
    ``bootstrap`` resamples, the same ``seed`` for every record, so methods scored on the
    same members see the same resamples); with five members and few events they are very
    wide and, where no event happened, reflect only the spread of the forecasts. A case
    per member x cut-off x horizon x method: the outcome row of :func:`member_outcomes`
    with ``method``, ``forecast`` (None when not covered) and ``notes``.

    Cost: the forecasters' (the simulation's dominates: O(runs x h x N^2) per cut-off and
    horizon) plus O(bootstrap x members) per record.
    """
    s = OrgBacktestSettings(
        cutoffs=tuple(cutoffs),
        horizons=tuple(horizons),
        seed=seed,
        bootstrap=bootstrap,
        level=level,
    )
    org_id = _org(kb, org)
    if forecasters is None:
        forecasters = {
            "base-rate": base_rate_forecaster,
            "persistence": persistence_forecaster,
            "simulation": SimulationForecaster(runs=runs, seed=s.seed),
        }
    records: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for cutoff in s.cutoffs:
        for horizon in s.horizons:
            members = member_outcomes(kb, org_id, cutoff, horizon)
            if not members:
                raise UserError(
                    f"{org_id} has no full member other than its leader on "
                    f"{cutoff_day(cutoff).isoformat()}; choose another cut-off",
                    field="cutoffs",
                )
            years = members[0]["observed_years"]
            extra = {
                "observed_years": years,
                "observed_to": members[0]["observed_to"],
                "truncated": members[0]["truncated"],
            }
            for method, forecaster in forecasters.items():
                fc = _as_forecast(
                    forecaster(kb, org_id, cutoff, years, members), len(members), method
                )
                p, y = [], []
                for m, prob in zip(members, fc.probabilities, strict=True):
                    cases.append({**m, "method": method, "forecast": prob, "notes": fc.notes})
                    if prob is not None:
                        p.append(float(prob))
                        y.append(int(m["outcome"]))
                records.append(
                    _record(
                        org_id,
                        cutoff,
                        horizon,
                        method,
                        p,
                        y,
                        s,
                        {**extra, "not_covered": len(members) - len(p)},
                    )
                )
    return records, cases
