"""A :class:`~phalanx.kb.snapshot.Snapshot` as plain NumPy arrays indexed by actor.

The input of vectorised models (e.g. a simulation of membership dynamics): the actors
are put in one fixed order, actor ``actors[i]`` is row (and column) ``i`` of every array,
and each array is built with NumPy from the snapshot's records:

- :meth:`SnapshotArrays.status` -- status codes in one organisation (int8, see the
  ``OUT`` .. ``PARTNER`` constants);
- :meth:`SnapshotArrays.indicator` -- one indicator's values (float, ``nan`` if none);
- :meth:`SnapshotArrays.relation` -- an ``(n, n)`` matrix of one relation kind: the
  strongest intensity per pair, times its sign;
- :meth:`SnapshotArrays.requests` -- requests for assistance made to an organisation,
  and how many of them were left unanswered, per actor.

Cost: with ``n`` actors and ``R`` records of the kind asked for, each call is
``O(R)`` (plus ``O(n**2)`` memory for a relation matrix). Nothing is cached: the arrays
returned are fresh and the caller may change them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from phalanx.errors import UserError
from phalanx.kb.defaults import EVENT_KINDS_ANSWER

if TYPE_CHECKING:
    from phalanx.kb.snapshot import Snapshot

__all__ = [
    "SnapshotArrays",
    "OUT",
    "MEMBER",
    "FROZEN",
    "SUSPENDED",
    "OBSERVER",
    "PARTNER",
    "STATUS_CODES",
]

OUT = 0
"""Status code: no spell in the organisation on the snapshot's date."""
MEMBER = 1
"""Status code: full member."""
FROZEN = 2
"""Status code: membership frozen by the member itself."""
SUSPENDED = 3
"""Status code: membership suspended by the organisation."""
OBSERVER = 4
"""Status code: observer."""
PARTNER = 5
"""Status code: partner (dialogue partner and the like)."""

STATUS_CODES = {
    "member": MEMBER,
    "frozen": FROZEN,
    "suspended": SUSPENDED,
    "observer": OBSERVER,
    "partner": PARTNER,
}
"""The code of each membership status; an actor without a spell is :data:`OUT`."""


class SnapshotArrays:
    """Arrays over a fixed actor order, computed from one snapshot.

    Parameters
    ----------
    snapshot : Snapshot
        The state to view.
    actors : iterable of str, optional
        The actor order; default every actor of the snapshot, in its order. Each id must
        be an actor of the snapshot and appear once.

    Attributes
    ----------
    actors : tuple of str
        The order: ``actors[i]`` is index ``i`` of every array.
    index : dict of str to int
        The inverse: an actor's position.
    date : datetime.date
        The snapshot's date.
    """

    def __init__(self, snapshot: Snapshot, actors: Iterable[str] | None = None):
        known = snapshot.actor_ids()
        order = tuple(known if actors is None else actors)
        unknown = sorted(set(order) - set(known))
        if unknown:
            raise UserError(f"not actors of the snapshot: {', '.join(unknown)}", field="actors")
        if len(set(order)) != len(order):
            twice = sorted({a for a in order if order.count(a) > 1})
            raise UserError(f"actors named more than once: {', '.join(twice)}", field="actors")
        self.snapshot = snapshot
        self.actors = order
        self.index = {a: i for i, a in enumerate(order)}
        self.date = snapshot.date

    @property
    def n(self) -> int:
        """Number of actors (the length of every vector, the side of every matrix)."""
        return len(self.actors)

    def _positions(self, ids: Iterable[str]) -> np.ndarray:
        """Positions of ``ids`` in the order, -1 for ids outside it."""
        return np.fromiter((self.index.get(a, -1) for a in ids), dtype=np.int64)

    def status(self, organization: str) -> np.ndarray:
        """int8 status code of every actor in ``organization`` on the date (0 = OUT).

        An actor holding two spells at once (the package forbids overlaps, but a
        hand-built snapshot may not) gets the lower non-zero code.
        """
        spells = [m for m in self.snapshot.memberships if m["organization"] == organization]
        codes = np.zeros(self.n, dtype=np.int8)
        if not spells:
            return codes
        pos = self._positions(m["actor"] for m in spells)
        unknown = sorted({m["status"] for m in spells} - set(STATUS_CODES))
        if unknown:
            raise UserError(
                f"unknown status {', '.join(unknown)}; expected one of {', '.join(STATUS_CODES)}",
                field="status",
            )
        val = np.fromiter((STATUS_CODES[m["status"]] for m in spells), dtype=np.int8)
        keep = pos >= 0
        # several spells of one actor: keep the smallest code (max of the negated codes)
        neg = np.full(self.n, np.iinfo(np.int8).min, dtype=np.int8)
        np.maximum.at(neg, pos[keep], -val[keep])
        held = neg != np.iinfo(np.int8).min
        codes[held] = -neg[held]
        return codes

    def indicator(self, name: str, default: float = np.nan) -> np.ndarray:
        """float64 value of indicator ``name`` per actor on the date, else ``default``."""
        out = np.full(self.n, default, dtype=float)
        recs = [r for r in self.snapshot.indicators if r["indicator"] == name]
        if recs:
            pos = self._positions(r["actor"] for r in recs)
            val = np.fromiter((float(r["value"]) for r in recs), dtype=float)
            keep = pos >= 0
            out[pos[keep]] = val[keep]
        return out

    def relation(
        self, kind: str, *, signed: bool = True, directed: bool | None = None
    ) -> np.ndarray:
        """``(n, n)`` float matrix of relations of ``kind`` in force on the date.

        Cell ``[i, j]`` holds the strongest intensity (in [0, 1]) among the relations of
        that kind between actor ``i`` and actor ``j``, times its sign (+1 or -1) when
        ``signed``; 0 where there is none. When a positive and a negative relation are
        equally strong, the negative one wins. An undirected relation fills both
        ``[i, j]`` and ``[j, i]``; a directed one (``actor_a`` towards ``actor_b``) only
        ``[a, b]``. ``directed`` keeps only directed (True) or undirected (False)
        relations; None keeps both. The diagonal is 0 unless a record ties an actor to
        itself.
        """
        rels = [
            r
            for r in self.snapshot.relations
            if r["kind"] == kind and (directed is None or bool(r.get("directed")) == directed)
        ]
        out = np.zeros((self.n, self.n), dtype=float)
        if not rels:
            return out
        a = self._positions(r["actor_a"] for r in rels)
        b = self._positions(r["actor_b"] for r in rels)
        x = np.fromiter((float(r["intensity"]) for r in rels), dtype=float)
        neg = np.fromiter((float(r.get("sign", 1)) < 0 for r in rels), dtype=bool)
        undirected = ~np.fromiter((bool(r.get("directed")) for r in rels), dtype=bool)
        keep = (a >= 0) & (b >= 0)
        a, b, x, neg, undirected = a[keep], b[keep], x[keep], neg[keep], undirected[keep]
        rows = np.concatenate([a, b[undirected]])
        cols = np.concatenate([b, a[undirected]])
        x = np.concatenate([x, x[undirected]])
        neg = np.concatenate([neg, neg[undirected]])
        strongest = np.full((self.n, self.n), -1.0)
        np.maximum.at(strongest, (rows, cols), x)
        strongest_neg = np.full((self.n, self.n), -1.0)
        np.maximum.at(strongest_neg, (rows[neg], cols[neg]), x[neg])
        has = strongest >= 0
        out[has] = strongest[has]
        if signed:
            flip = has & (strongest_neg >= strongest)
            out[flip] = -out[flip]
        return out

    def requests(
        self,
        organization: str,
        *,
        response_days: int = 30,
        answer_kinds: Iterable[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Requests for assistance to ``organization`` up to the date, per actor.

        A request is an ``invocation`` event of the organisation (its ``organization``
        column, or the organisation among its actors); each actor it names, other than
        the organisation, made a request. The request is answered when an event of a
        kind in ``answer_kinds`` (default: the package's ``assistance`` kinds, else
        ``deployment``) of the organisation that names one of the requesting actors
        begins 0 to ``response_days`` days (inclusive) after it; dates are the earliest
        day a partial date may denote. Returns two int64 vectors: requests made, and
        requests left unanswered. Cost ``O(E + Q * D)`` for ``E`` events, ``Q``
        requests and ``D`` answering events.
        """
        if response_days < 0:
            raise UserError(f"must be >= 0; got {response_days}", field="response_days")
        if answer_kinds is None:
            d = self.snapshot.defaults
            answer_kinds = d.assistance if d is not None else EVENT_KINDS_ANSWER
        kinds = set(answer_kinds)
        events = [
            e
            for e in self.snapshot.events
            if e.get("organization") == organization or organization in (e.get("actors") or [])
        ]
        answers = [
            (e["date"].earliest.toordinal(), set(e.get("actors") or ()))
            for e in events
            if e["kind"] in kinds
        ]
        made = np.zeros(self.n, dtype=np.int64)
        open_ = np.zeros(self.n, dtype=np.int64)
        for e in events:
            if e["kind"] != "invocation":
                continue
            asked = [a for a in (e.get("actors") or ()) if a != organization]
            start = e["date"].earliest.toordinal()
            answered = any(
                0 <= day - start <= response_days and who.intersection(asked)
                for day, who in answers
            )
            pos = self._positions(asked)
            pos = pos[pos >= 0]
            np.add.at(made, pos, 1)
            if not answered:
                np.add.at(open_, pos, 1)
        return made, open_
