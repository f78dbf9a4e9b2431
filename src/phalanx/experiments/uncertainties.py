"""The uncertainty space of a scenario, and designs of experiments over it.

A scenario states every uncertain number as a range ``{low, high}``, and the drivers draw
one uniform per range and replicate (:mod:`phalanx.experiments.drivers`: five fixed slots,
then one per rule). Each slot whose range is wide somewhere and whose rule acts on this
package is one **factor** of the space; :func:`uncertainty_space` lists them, named stably
after the scenario's fields:

==========================  =========================================================
name                        value (the factor's units)
==========================  =========================================================
``leader.capacity``         the leader's free capacity at the start (share)
``leader.war.years``        more years of war (whole years)
``leader.war.drain``        capacity lost per year of war (share)
``leader.recovery``         share of the gap to 1 regained per year of peace
``cooperation.path[2035]``  the cooperation level in 2035 (share)
``patrons[0].path[2035]``   the rule's offer in 2035 (share)
``conflicts[1].path[2030]`` the rule's multiplier in 2030 (and likewise ``threats[k]``,
                            ``leader_threat[k]``)
==========================  =========================================================

A path moves as a whole with its one uniform ``u`` (every year at ``low + u (high -
low)``), so it is one factor, shown by its value in the year of its widest point (the
latest of equally wide ones). Model parameters may join the space with a range of their
own (:func:`parse_parameter_range`: ``beta_patrons=0:4``), checked against
:class:`~phalanx.models.dynamics.params.MembershipParams`.

Left out, with a note each (:attr:`UncertaintySpace.notes`): ranges with ``low == high``
everywhere (known values), rules skipped on this package or touching no cell, a war's
drain when the war is over in every replicate.

Designs are points in the unit cube ``[0, 1]^d``, one column per factor; a point's
column is the uniform that replaces the factor's slot (the model's own uniforms stay per
replicate), and :meth:`UncertaintySpace.values` turns it into the factor's units exactly
as the drivers do. :func:`latin_hypercube` and :func:`sobol_points` (``scipy.stats.qmc``,
scrambled) are seeded from the experiment's root seed by :func:`design_generator`, a
stream apart from every replicate's. Cost: O(rules) to list the factors, O(n d) per
design.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from phalanx.errors import ParameterError, UserError

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.experiments.drivers import CompiledScenario
    from phalanx.experiments.scenario import Scenario

__all__ = [
    "DESIGNS",
    "DESIGN_KEY",
    "DESIGN_STREAM",
    "Factor",
    "UncertaintySpace",
    "uncertainty_space",
    "parse_parameter_range",
    "design_generator",
    "latin_hypercube",
    "sobol_points",
    "make_design",
]

DESIGNS = ("lhs", "sobol")
"""Designs for discovery: a Latin hypercube, or a scrambled Sobol sequence."""

DESIGN_KEY = 0xD15C
"""First entry of the design streams' spawn keys (replicate streams have one entry)."""

DESIGN_STREAM = "numpy.random.PCG64(numpy.random.SeedSequence(seed, spawn_key=(0xD15C, k)))"
"""How a design's random numbers are drawn (``k``: 0 LHS, 1 Sobol, 2 Saltelli, 3 trees)."""

_STREAM_OF = {"lhs": 0, "sobol": 1, "saltelli": 2, "trees": 3}


@dataclass(frozen=True)
class Factor:
    """One uncertain input: a scenario range (``kind="scenario"``) or a model parameter.

    ``low`` and ``high`` are in the factor's units (``unit``); ``slot`` is the scenario's
    uniform slot (None for a parameter); ``line`` the scenario line that states it.
    """

    name: str
    label: str
    kind: str
    low: float
    high: float
    unit: str = "share"
    integer: bool = False
    slot: int | None = None
    line: int | None = None

    def values(self, u: np.ndarray) -> np.ndarray:
        """The factor's values for uniforms ``u`` in [0, 1] (the drivers' own mapping)."""
        u = np.asarray(u, dtype=float)
        if self.integer:
            lo, hi = int(self.low), int(self.high)
            return np.minimum(lo + np.floor(u * (hi - lo + 1)), hi).astype(np.int64)
        return self.low + u * (self.high - self.low)

    def meta(self) -> dict[str, Any]:
        """The factor as plain JSON types."""
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "integer": self.integer,
            "slot": self.slot,
            "line": self.line,
        }


@dataclass(frozen=True)
class UncertaintySpace:
    """The factors of one compiled scenario (plus any parameter ranges), in order."""

    scenario: str
    sha256: str
    factors: tuple[Factor, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        """The factors' names, in column order."""
        return [f.name for f in self.factors]

    @property
    def d(self) -> int:
        """Number of factors."""
        return len(self.factors)

    @property
    def parameters(self) -> tuple[Factor, ...]:
        """The model-parameter factors."""
        return tuple(f for f in self.factors if f.kind == "parameter")

    def values(self, design: np.ndarray) -> list[np.ndarray]:
        """Each factor's values (its units) for a design ``(n, d)`` of uniforms, as columns
        (integers for whole-year factors). O(n d)."""
        u = _check_design(design, self.d)
        return [f.values(u[:, j]) for j, f in enumerate(self.factors)]

    def meta(self) -> dict[str, Any]:
        """The space as plain JSON types (what an experiment records)."""
        return {
            "scenario": self.scenario,
            "sha256": self.sha256,
            "factors": [f.meta() for f in self.factors],
            "notes": list(self.notes),
        }


def _check_design(design: np.ndarray, d: int) -> np.ndarray:
    u = np.asarray(design, dtype=float)
    if u.ndim != 2 or u.shape[1] != d:
        raise ValueError(f"expected a design of shape (n, {d}); got {u.shape}")
    if u.size and (not np.isfinite(u).all() or u.min() < 0 or u.max() > 1):
        raise ValueError("a design's uniforms must lie in [0, 1]")
    return u


def _selector(sel: str | list[str]) -> str:
    return sel if isinstance(sel, str) else ", ".join(sel)


def _rule_label(key: str, rule: Any, year: int) -> tuple[str, str]:
    """What a rule's path factor means, in words, and its unit."""
    if key == "patrons":
        return (
            f"{rule.offer} offered by {_selector(rule.patron)} to {_selector(rule.to)} in {year}",
            "share",
        )
    if key == "conflicts":
        who = "-".join(rule.pair) if rule.pair is not None else f"{rule.between} pairs"
        return f"multiplier of the conflicts of {who} in {year}", "multiplier"
    if key == "threats":
        return (
            f"multiplier of the threats {_selector(rule.actors)} perceive in {year}",
            "multiplier",
        )
    return (
        f"multiplier of the fear of the leader of {_selector(rule.actors)} in {year}",
        "multiplier",
    )


def _widest(points: Sequence[Any]) -> Any:
    """The point of a path with the widest range (the latest of equally wide ones)."""
    best = points[0]
    for p in points[1:]:
        if p.high - p.low >= best.high - best.low:
            best = p
    return best


def uncertainty_space(
    scenario: Scenario,
    compiled: CompiledScenario,
    parameters: Mapping[str, tuple[float, float]] | None = None,
) -> UncertaintySpace:
    """The factors of ``scenario`` as compiled on one package, then ``parameters``.

    ``parameters`` maps model-parameter names to ``(low, high)`` ranges (already checked
    by :func:`parse_parameter_range`). See the module text for names and what is left out.
    A space may be empty (a scenario of known values only); designs over it then fail.
    O(rules).
    """
    factors: list[Factor] = []
    notes: list[str] = []
    file = scenario.file

    def where(loc: tuple[Any, ...]) -> str:
        line = scenario.line(loc)
        return f"{file}:{line}" if line is not None else file

    lead = scenario.leader
    fixed: list[tuple[str, str, str, Any, int, tuple[Any, ...], bool]] = [
        ("leader.capacity", "the leader's free capacity at the start", "share", lead.capacity, 0,
         ("leader", "capacity"), False),
        ("leader.recovery", "share of the gap to 1 regained per year of peace", "share",
         lead.recovery, 3, ("leader", "recovery"), False),
    ]  # fmt: skip
    if lead.war is not None:
        fixed.insert(
            1,
            ("leader.war.years", "more years of war", "years", lead.war.years, 1,
             ("leader", "war", "years"), True),
        )  # fmt: skip
        if lead.war.years.high > 0:
            fixed.insert(
                2,
                ("leader.war.drain", "capacity lost per year of war", "share", lead.war.drain, 2,
                 ("leader", "war", "drain"), False),
            )  # fmt: skip
        elif lead.war.drain.low < lead.war.drain.high:
            notes.append(
                f"{where(('leader', 'war', 'drain'))}: leader.war.drain is left out: the war is "
                "over in every replicate (years: 0), so its drain does nothing"
            )
    for name, label, unit, rng, slot, loc, integer in fixed:
        if rng.low < rng.high:
            factors.append(
                Factor(name, label, "scenario", rng.low, rng.high, unit, integer, slot,
                       scenario.line(loc))
            )  # fmt: skip

    coop = scenario.cooperation
    if coop is not None:
        p = _widest(coop.path)
        if compiled.cooperation is None:
            notes.append(
                f"{where(('cooperation',))}: cooperation is left out: its group is not simulated "
                "on this package (the rule is skipped)"
            )
        elif p.low < p.high:
            k = coop.path.index(p)
            factors.append(
                Factor(f"cooperation.path[{p.year}]", f"cooperation level in {p.year}",
                       "scenario", p.low, p.high, "share", False, 4,
                       scenario.line(("cooperation", "path", k)))
            )  # fmt: skip

    for rule in compiled.rules:
        key, k = re.fullmatch(r"(\w+)\[(\d+)\]", rule["field"]).groups()  # type: ignore[union-attr]
        obj = getattr(scenario, key)[int(k)]
        p = _widest(obj.path)
        if p.low >= p.high:
            continue  # a known path: no uncertainty
        if rule["skipped"] or rule["cells"] == 0:
            why = "is skipped on this package" if rule["skipped"] else "touches no actor here"
            notes.append(f"{where((key, int(k)))}: {rule['field']} is left out: the rule {why}")
            continue
        label, unit = _rule_label(key, obj, p.year)
        factors.append(
            Factor(f"{rule['field']}.path[{p.year}]", label, "scenario", p.low, p.high, unit,
                   False, int(rule["slot"]), scenario.line((key, int(k), "path", obj.path.index(p))))
        )  # fmt: skip

    for name, (low, high) in (parameters or {}).items():
        factors.append(
            Factor(name, f"model parameter {name}", "parameter", float(low), float(high), "value")
        )
    return UncertaintySpace(scenario.name, scenario.sha256, tuple(factors), tuple(notes))


_RANGE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^:=]+?)\s*:\s*([^:=]+?)\s*")


def parse_parameter_range(text: str) -> tuple[str, float, float]:
    """``"beta_patrons=0:4"`` -> ``("beta_patrons", 0.0, 4.0)``, checked against
    :class:`~phalanx.models.dynamics.params.MembershipParams`: a numeric parameter, two
    finite numbers with ``low < high``, both inside the parameter's declared range.

    Raises a :class:`~phalanx.errors.UserError` (field ``--parameter``) saying what is
    expected, or the parameter's own ParameterError for a bound out of its range.
    """
    from phalanx.models.dynamics.params import MembershipParams

    m = _RANGE.fullmatch(text)
    if m is None:
        raise UserError(
            f"expected NAME=LOW:HIGH, e.g. beta_patrons=0:4; got {text!r}", field="--parameter"
        )
    name, lo_text, hi_text = m.groups()
    fields = MembershipParams.model_fields
    numeric = [n for n, f in fields.items() if f.annotation in (float, int)]
    if name not in numeric:
        raise UserError(
            f"{name!r} is not a numeric parameter of the membership model; expected one of "
            f"{', '.join(numeric)}",
            field="--parameter",
        )
    try:
        low, high = float(lo_text), float(hi_text)
    except ValueError:
        raise UserError(
            f"{name}: expected two numbers LOW:HIGH, got {lo_text!r} and {hi_text!r}",
            field="--parameter",
        ) from None
    if not (np.isfinite(low) and np.isfinite(high)) or not low < high:
        raise UserError(
            f"{name}: expected finite bounds with LOW < HIGH, got {low:g}:{high:g}",
            field="--parameter",
        )
    for value in (low, high):
        try:
            MembershipParams(**{name: value})
        except ParameterError as e:
            raise ParameterError(e.message, field="--parameter") from None
    return name, low, high


def design_generator(seed: int, kind: str) -> np.random.Generator:
    """The generator of a design of ``kind`` (lhs, sobol, saltelli, trees) under root
    ``seed``: ``PCG64(SeedSequence(seed, spawn_key=(DESIGN_KEY, k)))``, a stream apart from
    every replicate's (whose spawn keys have one entry)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(DESIGN_KEY, _STREAM_OF[kind]))
    return np.random.Generator(np.random.PCG64(ss))


def _check_size(d: int, n: int) -> None:
    if d < 1:
        raise UserError(
            "the scenario has no uncertain factor on this package (every range is a known "
            "value, or its rule is skipped); give a model parameter's range with "
            "--parameter NAME=LOW:HIGH",
            field="scenario",
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ParameterError(f"The 'points' parameter must be an integer >= 2. Got {n!r} instead.")


def latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    """``n`` points of a scrambled Latin hypercube in ``[0, 1]^d``: every one of the ``n``
    equal strata of each column holds exactly one point. O(n d)."""
    from scipy.stats import qmc

    _check_size(d, n)
    return qmc.LatinHypercube(d, scramble=True, rng=design_generator(seed, "lhs")).random(n)


def sobol_points(d: int, n: int, seed: int) -> np.ndarray:
    """The first ``n`` points of a scrambled Sobol sequence in ``[0, 1]^d`` (its balance
    properties hold exactly when ``n`` is a power of two). O(n d)."""
    from scipy.stats import qmc

    _check_size(d, n)
    engine = qmc.Sobol(d, scramble=True, rng=design_generator(seed, "sobol"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        return engine.random(n)


def make_design(kind: str, d: int, n: int, seed: int) -> np.ndarray:
    """A discovery design by name: ``lhs`` or ``sobol``."""
    if kind == "lhs":
        return latin_hypercube(d, n, seed)
    if kind == "sobol":
        return sobol_points(d, n, seed)
    raise UserError(
        f"unknown design {kind!r}; expected one of {', '.join(DESIGNS)}", field="--design"
    )
