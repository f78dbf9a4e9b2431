"""Outcomes of a simulated replicate, named in a small safe grammar.

An outcome is a number (or a yes/no) read from one replicate's trajectory, such as "how
many members left by 2031". The CLI takes it as text; :func:`parse_outcome` reads it with
one regular expression (never ``eval``):

    QUANTITY [OP NUMBER] (by|at) YEAR [OP NUMBER]

with the comparison on either side of the year (not both), ``OP`` one of ``>= > <= < ==``,
and the quantities

==================  =====  ================================================================
quantity            with   value for one replicate
==================  =====  ================================================================
``exits``           by     candidates that left (moved to out from member, frozen or
                           suspended) at least once in the years after the start up to YEAR
``departures``      by     candidates that left, froze or were suspended at least once up
                           to YEAR (a move from a status in the organisation to any other
                           but full membership)
``left:ID``         by     1 if actor ID left at least once up to YEAR, else 0
``departed:ID``     by     1 if actor ID left, froze or was suspended up to YEAR, else 0
``members``         at     actors that are full members in YEAR (the leader included)
``capacity``        at     the leader's free capacity in YEAR (share, 0 to 1)
``strain``          at     the simulated strain index in YEAR (0 to 1; NaN without a value)
==================  =====  ================================================================

A comparison makes any quantity a yes/no outcome (1 or 0): ``exits >= 2 by 2031``,
``strain at 2031 > 0.5``; ``left:`` and ``departed:`` are yes/no already. YEAR must be a
simulated year: after the start year, at most the last one.

:func:`bind` checks the outcome against a simulated state (the actor a candidate, the
year simulated) and gives a :class:`BoundOutcome`, whose :meth:`~BoundOutcome.evaluate`
reads a :class:`~phalanx.models.dynamics.types.ChunkResult`: O(R x t x N) per call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from phalanx.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.models.dynamics.types import ChunkResult, InitialState

__all__ = [
    "QUANTITIES",
    "OPERATORS",
    "GRAMMAR",
    "Outcome",
    "BoundOutcome",
    "parse_outcome",
    "bind",
]

EVENT_QUANTITIES = ("exits", "departures")
STATE_QUANTITIES = ("members", "capacity", "strain")
ACTOR_QUANTITIES = ("left", "departed")
QUANTITIES = (*EVENT_QUANTITIES, *STATE_QUANTITIES, *(f"{q}:ID" for q in ACTOR_QUANTITIES))
"""The quantities of the grammar (``ID`` is an actor id)."""

OPERATORS = (">=", ">", "<=", "<", "==")

GRAMMAR = (
    "QUANTITY [OP NUMBER] (by|at) YEAR, e.g. 'exits >= 2 by 2031', 'left:ARM by 2031', "
    "'strain at 2031'; quantities: exits, departures, left:ID, departed:ID (with 'by'), "
    "members, capacity, strain (with 'at'); OP one of >=, >, <=, <, =="
)

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_CMP = rf"(?:(?P<{{g}}op>>=|<=|==|>|<)\s*(?P<{{g}}num>{_NUM}))"
_PATTERN = re.compile(
    r"\s*(?P<q>[A-Za-z_]+)(?::(?P<actor>[A-Za-z][A-Za-z0-9_]*))?\s*"
    + _CMP.format(g="a")
    + r"?\s*(?P<prep>by|at)\s+(?P<year>\d{3,4})\s*"
    + _CMP.format(g="b")
    + r"?\s*"
)

_IN_ORG = (1, 2, 3)  # MEMBER, FROZEN, SUSPENDED
_OUT, _MEMBER = 0, 1


def _error(message: str) -> UserError:
    return UserError(message, field="--outcome")


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome (see the module text); :attr:`text` is its normal form."""

    quantity: str
    year: int
    actor: str | None = None
    op: str | None = None
    threshold: float | None = None

    @property
    def binary(self) -> bool:
        """Whether the outcome is a yes/no (1 or 0)."""
        return self.op is not None or self.quantity in ACTOR_QUANTITIES

    @property
    def text(self) -> str:
        """The outcome in its normal form, e.g. ``exits >= 2 by 2031``."""
        q = self.quantity if self.actor is None else f"{self.quantity}:{self.actor}"
        cmp = "" if self.op is None else f" {self.op} {self.threshold:g}"
        prep = "at" if self.quantity in STATE_QUANTITIES else "by"
        return f"{q}{cmp} {prep} {self.year}"

    def __str__(self) -> str:
        return self.text


def parse_outcome(text: str) -> Outcome:
    """Read an outcome in the grammar of the module text (a UserError otherwise, naming
    what is expected). O(len(text)).

    >>> parse_outcome("exits >= 2 by 2031").text
    'exits >= 2 by 2031'
    >>> parse_outcome(" strain at 2031 > 0.5 ").binary
    True
    """
    if not isinstance(text, str) or len(text) > 200:
        raise _error(f"expected an outcome of at most 200 characters: {GRAMMAR}")
    m = _PATTERN.fullmatch(text)
    if m is None:
        raise _error(f"cannot read {text!r}; expected {GRAMMAR}")
    q, actor, prep, year = m["q"], m["actor"], m["prep"], int(m["year"])
    if q in ACTOR_QUANTITIES:
        if actor is None:
            raise _error(f"{q!r} needs an actor id: write e.g. '{q}:ARM by {year}'")
    elif q in (*EVENT_QUANTITIES, *STATE_QUANTITIES):
        if actor is not None:
            raise _error(f"{q!r} takes no actor id; expected {GRAMMAR}")
    else:
        raise _error(f"unknown quantity {q!r}; expected one of {', '.join(QUANTITIES)}")
    want = "at" if q in STATE_QUANTITIES else "by"
    if prep != want:
        what = "a state in one year" if want == "at" else "events up to a year"
        raise _error(f"{q!r} is {what}: write '{q} {want} {year}', not '{prep}'")
    if m["aop"] and m["bop"]:
        raise _error("give one comparison, before or after the year, not both")
    op = m["aop"] or m["bop"]
    num = m["anum"] or m["bnum"]
    if op is not None and q in ACTOR_QUANTITIES:
        raise _error(f"'{q}:{actor}' is a yes/no outcome already; drop the comparison")
    threshold = None if num is None else float(num)
    if threshold is not None and not np.isfinite(threshold):
        raise _error(f"the comparison needs a finite number, got {num!r}")
    return Outcome(quantity=q, year=year, actor=actor, op=op, threshold=threshold)


@dataclass(frozen=True)
class BoundOutcome:
    """An outcome checked against one simulated state: the year's step index and the
    actor's index resolved. Picklable (it runs in worker processes)."""

    outcome: Outcome
    step: int  # year index in the trajectory (1..Y)
    actor_index: int | None
    candidates: np.ndarray  # (N,) bool

    @property
    def text(self) -> str:
        return self.outcome.text

    @property
    def binary(self) -> bool:
        return self.outcome.binary

    def evaluate(self, chunk: ChunkResult) -> np.ndarray:
        """``(R,)`` float values of the outcome for the replicates of ``chunk`` (1.0/0.0
        for a yes/no outcome; NaN where the strain has no value). O(R t N)."""
        o, t = self.outcome, self.step
        status = np.asarray(chunk.status)
        if o.quantity in ("exits", "departures", "left", "departed"):
            before, after = status[:, :t], status[:, 1 : t + 1]
            in_org = np.isin(before, _IN_ORG)
            if o.quantity in ("exits", "left"):
                moved = in_org & (after == _OUT)
            else:  # a move from a status in the organisation to any but full membership
                moved = in_org & (after != before) & (after != _MEMBER)
            ever = moved.any(axis=1)  # (R, N)
            if o.actor is None:
                value = ever[:, self.candidates].sum(axis=1).astype(float)
            else:
                value = ever[:, self.actor_index].astype(float)
        elif o.quantity == "members":
            value = (status[:, t] == _MEMBER).sum(axis=1).astype(float)
        elif o.quantity == "capacity":
            value = np.asarray(chunk.capacity, dtype=float)[:, t].copy()
        else:
            value = np.asarray(chunk.strain, dtype=float)[:, t].copy()
        if o.op is None:
            return value
        ops = {
            ">=": np.greater_equal,
            ">": np.greater,
            "<=": np.less_equal,
            "<": np.less,
            "==": np.equal,
        }
        out = ops[o.op](value, o.threshold).astype(float)
        out[np.isnan(value)] = np.nan
        return out


def bind(outcome: Outcome | str, state: InitialState, years: int) -> BoundOutcome:
    """Check ``outcome`` against ``state`` simulated for ``years`` years: YEAR in
    ``start.year + 1 .. start.year + years``, the actor a candidate of the simulation.
    A UserError (field ``--outcome``) names the allowed years or actors."""
    o = parse_outcome(outcome) if isinstance(outcome, str) else outcome
    first = int(str(state.date)[:4])
    if not first + 1 <= o.year <= first + years:
        raise _error(
            f"{o.text!r}: the year must be a simulated year, {first + 1} to {first + years} "
            f"(the start is {state.date}; more --years reach further), got {o.year}"
        )
    candidates = np.asarray(state.candidates, dtype=bool)
    index = None
    if o.actor is not None:
        names = [a for a, c in zip(state.actors, candidates, strict=True) if c]
        if o.actor not in names:
            raise _error(
                f"{o.text!r}: {o.actor} is not an actor that may change status in this "
                f"simulation; expected one of {', '.join(names)}"
            )
        index = state.actors.index(o.actor)
    return BoundOutcome(o, o.year - first, index, candidates)
