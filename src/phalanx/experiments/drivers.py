"""Turn a scenario into driver arrays for a block of replicates.

:func:`compile_scenario` resolves a :class:`~phalanx.experiments.scenario.Scenario`'s
selectors and ids against one simulated :class:`~phalanx.models.dynamics.types.InitialState`
(its actors, leader, patrons, candidates, who is in the organisation on the start date, and
the start date for calendar years) and interpolates every path onto the simulated years. The
result, a :class:`CompiledScenario`, needs ``n_uniforms`` uniforms per replicate and turns a
``(R, n_uniforms)`` block of them into a :class:`~phalanx.models.dynamics.types.Drivers` with
:meth:`CompiledScenario.sample`: pure, vectorised over replicates, deterministic.

Uniform layout (one row per replicate; fixed by the file alone, never by the package, so a
rule that is skipped on one package still owns its slot):

====  ==========================================================================
slot  use
====  ==========================================================================
0     leader capacity at the start: ``low + u (high - low)``
1     war years: ``low + floor(u (high - low + 1))``, an integer uniform on low..high
2     drain per year of war
3     recovery per year of peace
4     cooperation path
5..   one per rule, in file order: ``patrons``, ``conflicts``, ``threats``, ``leader_threat``
====  ==========================================================================

A path's value in simulated year ``t`` (calendar year ``start.year + t``) is the linear
interpolation of its points, constant before the first point and after the last; with the
rule's one uniform ``u``, it is ``low(year) + u (high(year) - low(year))``, so a replicate
that draws a high value draws it in every year (comonotone over time).

Several rules on one cell combine: multipliers (``conflicts``, ``threats``,
``leader_threat``) multiply; offers of one kind (``arms``, ``investment``, ``guarantee``)
combine as independent chances, ``1 - prod(1 - x)``, so they stay in [0, 1]. A patron's offer
to itself is ignored. A conflict multiplier applies to both directions of a pair.

An id that is not a simulated actor (or, in ``patron``, not an outside patron) makes a
warning with the file and line, collected in :attr:`CompiledScenario.warnings`, and its rule
is skipped: a shipped scenario that names Central Asian states runs on any package. A
selector that resolves to nobody is not a problem.

Cost: compiling is O(rules x N^2 + Y); sampling is O(R x Y x (rules x N^2 + P N)) time and
memory, dominated by the ``(R, Y, N, N)`` conflict multipliers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from phalanx.experiments.scenario import (
    SELECTOR_KEYWORDS,
    ActorRule,
    ConflictRule,
    PatronRule,
    Scenario,
)
from phalanx.models.dynamics.types import Drivers, InitialState

__all__ = ["FIXED_SLOTS", "CompiledScenario", "compile_scenario"]

#: Uniform slots every scenario uses, whatever its rules: capacity, war years, drain,
#: recovery, cooperation.
FIXED_SLOTS = 5

_OFFER_INDEX = {"arms": 0, "investment": 1, "guarantee": 2}
_IN_ORG = (1, 2, 3)  # MEMBER, FROZEN, SUSPENDED


@dataclass(frozen=True)
class _Path:
    """A path interpolated onto the simulated years, with its uniform slot."""

    low: np.ndarray  # (Y,)
    high: np.ndarray  # (Y,)
    slot: int

    def values(self, u: np.ndarray) -> np.ndarray:
        """``(R, Y)`` values for the uniforms ``u`` of shape ``(R, n_uniforms)``."""
        w = u[:, self.slot][:, None]
        return self.low[None, :] + w * (self.high - self.low)[None, :]


@dataclass(frozen=True)
class _Offer:
    kind: int  # index into arms, investment, guarantee
    patrons: np.ndarray  # (p,) positions in the patron axis
    actors: np.ndarray  # (n,) actor indices
    mask: np.ndarray  # (p, n) bool: the cells offered (a patron never offers to itself)
    path: _Path


@dataclass(frozen=True)
class _Cells:
    """A multiplier on a set of cells (pairs for conflicts, rows for actor rules)."""

    mask: np.ndarray  # (N, N) symmetric bool for conflicts, (N,) bool for actor rules
    path: _Path


@dataclass(frozen=True)
class CompiledScenario:
    """A scenario resolved against one simulated state, ready to sample.

    Attributes
    ----------
    name, sha256 : str
        The scenario's name and file hash (for the run's record).
    years : int
        ``Y``, the number of simulated years.
    calendar : ndarray of int, shape (Y,)
        The calendar year of each simulated year (``start.year + t``).
    n_uniforms : int
        Uniforms each replicate needs (``FIXED_SLOTS`` + one per rule of the file).
    warnings : tuple of str
        What was skipped or may surprise, each naming the file and line.
    rules : tuple of dict
        One entry per rule of the file: ``field``, ``line``, ``slot``, ``cells`` (how many
        cells it touches here) and ``skipped``.
    """

    name: str
    sha256: str
    years: int
    calendar: np.ndarray
    n_actors: int
    n_patrons: int
    n_uniforms: int
    warnings: tuple[str, ...]
    rules: tuple[dict[str, Any], ...]
    capacity: tuple[float, float]
    war_years: tuple[int, int]
    drain: tuple[float, float]
    recovery: tuple[float, float]
    cooperation_group: np.ndarray  # (N,) bool
    cooperation: _Path | None
    offers: tuple[_Offer, ...] = field(default=())
    conflicts: tuple[_Cells, ...] = field(default=())
    threats: tuple[_Cells, ...] = field(default=())
    leader_threat: tuple[_Cells, ...] = field(default=())

    def sample(self, uniforms: np.ndarray) -> Drivers:
        """The drivers for ``R`` replicates from their uniforms, shape ``(R, n_uniforms)``.

        Pure and deterministic: row ``r`` of the result depends only on row ``r`` of
        ``uniforms``. Every value lies in its declared range (offers and cooperation in
        [0, 1], multipliers >= 0).
        """
        u = np.asarray(uniforms, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.n_uniforms:
            raise ValueError(f"expected uniforms of shape (R, {self.n_uniforms}); got {u.shape}")
        if u.size and (not np.isfinite(u).all() or u.min() < 0 or u.max() > 1):
            raise ValueError("uniforms must lie in [0, 1]")
        r, y, n, p = u.shape[0], self.years, self.n_actors, self.n_patrons

        def draw(rng: tuple[float, float], slot: int) -> np.ndarray:
            return rng[0] + u[:, slot] * (rng[1] - rng[0])

        capacity0 = draw(self.capacity, 0)
        lo, hi = self.war_years
        war = np.minimum(lo + np.floor(u[:, 1] * (hi - lo + 1)), hi).astype(np.int64)
        at_war = np.arange(1, y + 1)[None, :] <= war[:, None]
        drain = draw(self.drain, 2)
        recovery = draw(self.recovery, 3)

        # offers: keep the chance that no rule offers, then 1 - that
        none = np.ones((3, r, y, p, n))
        for o in self.offers:
            v = o.path.values(u)  # (R, Y)
            cells = none[o.kind][:, :, o.patrons[:, None], o.actors[None, :]]
            factor = np.where(o.mask[None, None], 1.0 - v[:, :, None, None], 1.0)
            none[o.kind][:, :, o.patrons[:, None], o.actors[None, :]] = cells * factor
        offered = 1.0 - none

        # multipliers: only the selected cells are touched (each cell once per rule)
        conflict_scale = np.ones((r, y, n, n))
        for c in self.conflicts:
            ii, jj = np.nonzero(c.mask)
            conflict_scale[:, :, ii, jj] *= c.path.values(u)[:, :, None]
        threat_scale = np.ones((r, y, n))
        for c in self.threats:
            threat_scale[:, :, np.flatnonzero(c.mask)] *= c.path.values(u)[:, :, None]
        leader_threat_scale = np.ones((r, y, n))
        for c in self.leader_threat:
            leader_threat_scale[:, :, np.flatnonzero(c.mask)] *= c.path.values(u)[:, :, None]

        if self.cooperation is None:
            cooperation = np.zeros((r, y))
        else:
            cooperation = self.cooperation.values(u)
        return Drivers(
            capacity0=capacity0,
            at_war=at_war,
            drain=drain,
            recovery=recovery,
            arms_offer=offered[0],
            investment=offered[1],
            guarantee=offered[2],
            conflict_scale=conflict_scale,
            threat_scale=threat_scale,
            leader_threat_scale=leader_threat_scale,
            cooperation=np.clip(cooperation, 0.0, 1.0),
            cooperation_group=self.cooperation_group.copy(),
        )

    def meta(self) -> dict[str, Any]:
        """What a run records about its scenario (plain JSON types)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "n_uniforms": self.n_uniforms,
            "calendar": [int(c) for c in self.calendar],
            "warnings": list(self.warnings),
            "rules": [dict(x) for x in self.rules],
        }


def _field_name(loc: tuple[Any, ...]) -> str:
    """``("patrons", 0, "to")`` as ``patrons[0].to``."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int) and parts:
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
    return ".".join(parts)


class _Resolver:
    """Selectors and ids of one scenario against one state; collects the warnings."""

    def __init__(self, scenario: Scenario, state: InitialState) -> None:
        self.scenario = scenario
        self.state = state
        n = state.n
        self.index = {a: i for i, a in enumerate(state.actors)}
        status = np.asarray(state.status)
        candidates = np.asarray(state.candidates, dtype=bool)
        in_org = np.isin(status, _IN_ORG)
        leader = np.zeros(n, dtype=bool)
        leader[state.leader] = True
        patrons = np.zeros(n, dtype=bool)
        patrons[list(state.patrons)] = True
        self.in_org = in_org
        self.patron_mask = patrons
        self.words = {
            "all": np.ones(n, dtype=bool),
            "members": in_org,
            "outsiders": candidates & ~in_org,
            "candidates": candidates,
            "leader": leader,
            "patrons": patrons,
        }
        assert set(self.words) == set(SELECTOR_KEYWORDS)
        self.warnings: list[str] = []

    def where(self, loc: tuple[Any, ...]) -> str:
        line = self.scenario.line(loc)
        at = f"{self.scenario.file}:{line}:" if line is not None else f"{self.scenario.file}:"
        return f"{at} field {_field_name(loc)!r}:"

    def warn(self, loc: tuple[Any, ...], message: str) -> None:
        self.warnings.append(f"{self.where(loc)} {message}")

    def ids(self, names: list[str], loc: tuple[Any, ...]) -> np.ndarray | None:
        """Actor mask for explicit ids; None (and a warning) if one is not simulated."""
        missing = [a for a in names if a not in self.index]
        if missing:
            near = [w for a in missing for w in difflib.get_close_matches(a, self.words, 1, 0.75)]
            hint = f" (did you mean the selector word {near[0]!r}?)" if near else ""
            self.warn(
                loc,
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among the "
                f"simulated actors of {self.state.organization} "
                f"({', '.join(self.state.actors)}){hint}; the rule is skipped",
            )
            return None
        mask = np.zeros(self.state.n, dtype=bool)
        mask[[self.index[a] for a in names]] = True
        return mask

    def select(self, sel: str | list[str], loc: tuple[Any, ...]) -> np.ndarray | None:
        """Actor mask of a selector (words and ids, united); None if the rule is skipped."""
        items = [sel] if isinstance(sel, str) else list(sel)
        mask = np.zeros(self.state.n, dtype=bool)
        names = [s for s in items if s not in self.words]
        for s in items:
            if s in self.words:
                mask |= self.words[s]
        if names:
            found = self.ids(names, loc)
            if found is None:
                return None
            mask |= found
        return mask


def _interp(points: list[Any], calendar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    years = np.array([p.year for p in points], dtype=float)
    low = np.interp(calendar, years, [p.low for p in points])
    high = np.interp(calendar, years, [p.high for p in points])
    return low, high


def _compile_path(
    res: _Resolver, points: list[Any], calendar: np.ndarray, slot: int, loc: tuple[Any, ...]
) -> _Path:
    low, high = _interp(points, calendar)
    if len(calendar):
        first, last = points[0].year, points[-1].year
        if last < calendar[0]:
            res.warn(
                (*loc, "path"),
                f"every point lies before the first simulated year ({calendar[0]}); the last "
                "point's range applies throughout",
            )
        elif first > calendar[-1]:
            res.warn(
                (*loc, "path"),
                f"every point lies after the last simulated year ({calendar[-1]}); the first "
                "point's range applies throughout",
            )
    return _Path(low=low, high=high, slot=slot)


def compile_scenario(scenario: Scenario, state: InitialState, years: int) -> CompiledScenario:
    """Resolve ``scenario`` against ``state`` for ``years`` simulated years (see the module).

    ``years`` must be >= 1. Ids that are not simulated actors skip their rule with a warning.
    Cost: O(rules x N^2 + years).
    """
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or years < 1:
        raise ValueError(f"years must be a positive integer; got {years!r}")
    res = _Resolver(scenario, state)
    n = state.n
    start_year = int(str(state.date)[:4])
    calendar = start_year + np.arange(1, years + 1)
    patron_pos = {a: k for k, a in enumerate(state.patrons)}
    slot = FIXED_SLOTS
    rules: list[dict[str, Any]] = []

    def record(loc: tuple[Any, ...], s: int, cells: int | None) -> None:
        rules.append(
            {
                "field": _field_name(loc),
                "line": scenario.line(loc),
                "slot": s,
                "cells": 0 if cells is None else int(cells),
                "skipped": cells is None,
            }
        )

    offers: list[_Offer] = []
    for k, rule in enumerate(scenario.patrons):
        loc = ("patrons", k)
        offer = _compile_offer(res, rule, loc, patron_pos, calendar, slot)
        if offer is not None:
            offers.append(offer)
        record(loc, slot, None if offer is None else offer.mask.sum())
        slot += 1

    conflicts: list[_Cells] = []
    for k, rule in enumerate(scenario.conflicts):
        loc = ("conflicts", k)
        cells = _compile_conflict(res, rule, loc, calendar, slot)
        if cells is not None:
            conflicts.append(cells)
        record(loc, slot, None if cells is None else np.triu(cells.mask, 1).sum())
        slot += 1

    actor_rules: dict[str, list[_Cells]] = {"threats": [], "leader_threat": []}
    for key, out in actor_rules.items():
        for k, rule in enumerate(getattr(scenario, key)):
            loc = (key, k)
            cells = _compile_actor_rule(res, rule, loc, calendar, slot)
            if cells is not None:
                out.append(cells)
            record(loc, slot, None if cells is None else cells.mask.sum())
            slot += 1

    group = np.zeros(n, dtype=bool)
    cooperation = None
    if scenario.cooperation is not None:
        found = res.select(scenario.cooperation.group, ("cooperation", "group"))
        if found is not None:
            group = found
            cooperation = _compile_path(
                res, scenario.cooperation.path, calendar, 4, ("cooperation",)
            )

    lead = scenario.leader
    war = lead.war
    return CompiledScenario(
        name=scenario.name,
        sha256=scenario.sha256,
        years=years,
        calendar=calendar,
        n_actors=n,
        n_patrons=len(state.patrons),
        n_uniforms=slot,
        warnings=tuple(res.warnings),
        rules=tuple(rules),
        capacity=(lead.capacity.low, lead.capacity.high),
        war_years=(0, 0) if war is None else (war.years.low, war.years.high),
        drain=(0.0, 0.0) if war is None else (war.drain.low, war.drain.high),
        recovery=(lead.recovery.low, lead.recovery.high),
        cooperation_group=group,
        cooperation=cooperation,
        offers=tuple(offers),
        conflicts=tuple(conflicts),
        threats=tuple(actor_rules["threats"]),
        leader_threat=tuple(actor_rules["leader_threat"]),
    )


def _compile_offer(
    res: _Resolver,
    rule: PatronRule,
    loc: tuple[Any, ...],
    patron_pos: dict[int, int],
    calendar: np.ndarray,
    slot: int,
) -> _Offer | None:
    items = [rule.patron] if isinstance(rule.patron, str) else list(rule.patron)
    givers = res.select(rule.patron, (*loc, "patron"))
    if givers is None:
        return None
    named = [a for a in items if a not in res.words]
    not_patrons = [a for a in named if not res.patron_mask[res.index[a]]]
    if not_patrons:
        shown = ", ".join(res.state.actors[i] for i in res.state.patrons) or "none"
        res.warn(
            (*loc, "patron"),
            f"{', '.join(not_patrons)} {'is' if len(not_patrons) == 1 else 'are'} not an "
            f"outside patron in this simulation (patrons: {shown}); the rule is skipped",
        )
        return None
    givers &= res.patron_mask  # words such as 'all' mean the patrons among them
    takers = res.select(rule.to, (*loc, "to"))
    if takers is None:
        return None
    p_idx = np.flatnonzero(givers)
    n_idx = np.flatnonzero(takers)
    mask = p_idx[:, None] != n_idx[None, :]
    path = _compile_path(res, rule.path, calendar, slot, loc)
    return _Offer(
        kind=_OFFER_INDEX[rule.offer],
        patrons=np.array([patron_pos[int(i)] for i in p_idx], dtype=np.int64),
        actors=n_idx.astype(np.int64),
        mask=mask,
        path=path,
    )


def _compile_conflict(
    res: _Resolver, rule: ConflictRule, loc: tuple[Any, ...], calendar: np.ndarray, slot: int
) -> _Cells | None:
    n = res.state.n
    if rule.pair is not None:
        found = res.ids(list(rule.pair), (*loc, "pair"))
        if found is None:
            return None
        i, j = (res.index[a] for a in rule.pair)
        mask = np.zeros((n, n), dtype=bool)
        mask[i, j] = mask[j, i] = True
    else:
        inside = res.in_org
        if rule.between == "members":
            mask = inside[:, None] & inside[None, :]
        elif rule.between == "external":
            mask = inside[:, None] != inside[None, :]
        else:
            mask = np.ones((n, n), dtype=bool)
        mask = mask & ~np.eye(n, dtype=bool)
    return _Cells(mask=mask, path=_compile_path(res, rule.path, calendar, slot, loc))


def _compile_actor_rule(
    res: _Resolver, rule: ActorRule, loc: tuple[Any, ...], calendar: np.ndarray, slot: int
) -> _Cells | None:
    mask = res.select(rule.actors, (*loc, "actors"))
    if mask is None:
        return None
    return _Cells(mask=mask, path=_compile_path(res, rule.path, calendar, slot, loc))
