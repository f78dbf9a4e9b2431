"""The state of the knowledge base on one date, as plain data for measures and models.

A :class:`Snapshot` is what later stages consume: the actors, the membership spells,
relations and indicator values in force on a date, and the events and votes up to it.
It is a frozen dataclass of tuples of plain dicts, so a test can build one by hand and
a model never needs a database.

Dates in its records are parsed once, here: every ``start``, ``end``, ``date`` and
``end_date`` is a :class:`~phalanx.kb.dates.PartialDate` (``str()`` gives the text as in
the package), and each indicator record gains ``period_start``, the parsed start of its
``period`` (which stays text: ``1992/2021`` is a range). Records given with text dates
(a hand-built snapshot) are parsed the same way. :meth:`Snapshot.arrays` gives the same
state as NumPy arrays indexed by actor (:mod:`phalanx.kb.arrays`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError
from phalanx.kb.dates import PartialDate, parse_partial_date
from phalanx.kb.defaults import Defaults

if TYPE_CHECKING:
    from phalanx.kb.arrays import SnapshotArrays

__all__ = ["Snapshot", "DATE_FIELDS", "as_partial_date"]

Record = dict[str, Any]

DATE_FIELDS = ("start", "end", "date", "end_date")
"""Record fields holding a partial date; a Snapshot stores them as PartialDate."""


def as_partial_date(value: Any, field_name: str = "date") -> PartialDate | None:
    """``value`` (text, ``datetime.date``, PartialDate or None) as a PartialDate or None.

    Raises :class:`~phalanx.errors.UserError` naming ``field_name`` for text that is not
    a partial ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).
    """
    if value is None or isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value, value, "day", value.isoformat())
    try:
        return parse_partial_date(str(value))
    except ValueError as e:
        raise UserError(str(e), field=field_name) from None


def _parsed(rec: Record) -> Record:
    """A copy of ``rec`` with its date fields parsed (the record itself is not changed)."""
    out = dict(rec)
    for name in DATE_FIELDS:
        if name in out:
            out[name] = as_partial_date(out[name], name)
    period = out.get("period")
    if period is not None and "period_start" not in out:
        out["period_start"] = as_partial_date(str(period).split("/")[0], "period")
    return out


@dataclass(frozen=True)
class Snapshot:
    """Actors, memberships, relations, indicators, events and votes as of ``date``.

    Attributes
    ----------
    date : datetime.date
        The day the snapshot describes.
    actors : tuple of dict
        ``{id, name, kind, cow_code}`` for every actor in the knowledge base.
    memberships : tuple of dict
        Spells in force on ``date``: ``{organization, actor, status, start, end,
        certainty, sources}``; ``status`` is member, observer, partner, suspended or frozen.
        Nothing after ``date`` shows: a spell that ends later has ``end`` None (it is
        ongoing on the date), and so have relations and events (their ``end_date``).
    relations : tuple of dict
        Ties in force on ``date``: ``{id, actor_a, actor_b, kind, directed, sign,
        intensity, start, end, ongoing, certainty, sources}``; ``sign`` is +1 or -1 and
        ``intensity`` lies in [0, 1].
    indicators : tuple of dict
        For each (actor, indicator), the latest value whose period starts on or before
        ``date``: ``{actor, indicator, period, period_start, value, unit, sources}``
        (``period`` text such as ``1992`` or ``1992/2021``; ``period_start`` its first
        day as a PartialDate).
    events : tuple of dict
        Events that began on or before ``date``: ``{id, date, end_date, ongoing, kind,
        actors (list of ids), organization, magnitude, magnitude_unit, summary, sources}``
        (``ongoing`` True for an event still lasting on ``date``).
    votes : tuple of dict
        Votes cast on or before ``date``: ``{vote, date, body, actor, choice, topic}``.
    organizations : tuple of dict
        ``{id, name, kind, founded, dissolved, decision_rule, dispute_mechanism, leader,
        coverage}``.
    data_version : str
        Version of the data package the snapshot was taken from.
    window_days : int
        Relations count if in force on any day of the ``window_days`` days up to
        ``date`` (0: on ``date`` itself), so that a short war is not missed by a
        snapshot taken weeks after its ceasefire.
    defaults : Defaults or None
        The package's defaults (main organisation, leader, dependence indicator, event
        kinds that answer a request, ...); None for a hand-built snapshot without them.

    Examples
    --------
    >>> import datetime as dt
    >>> s = Snapshot(dt.date(2022, 1, 1), actors=({"id": "A"}, {"id": "B"}),
    ...              memberships=({"organization": "O", "actor": "A", "status": "member"},
    ...                           {"organization": "O", "actor": "B", "status": "frozen"}))
    >>> s.members("O")
    ['A']
    >>> s.members("O", statuses=None)
    ['A', 'B']
    >>> Snapshot(dt.date(2022, 1, 1), events=({"id": "e", "date": "2021"},)).events[0]["date"]
    PartialDate(earliest=datetime.date(2021, 1, 1), latest=datetime.date(2021, 12, 31), precision='year', text='2021')
    """

    date: dt.date
    actors: tuple[Record, ...] = ()
    memberships: tuple[Record, ...] = ()
    relations: tuple[Record, ...] = ()
    indicators: tuple[Record, ...] = ()
    events: tuple[Record, ...] = ()
    votes: tuple[Record, ...] = ()
    organizations: tuple[Record, ...] = ()
    data_version: str = "unversioned"
    window_days: int = 0
    defaults: Defaults | None = None
    _index: dict[tuple[str, str], Record] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("memberships", "relations", "indicators", "events", "votes"):
            object.__setattr__(self, name, tuple(_parsed(r) for r in getattr(self, name)))
        for r in self.indicators:
            self._index[(r["actor"], r["indicator"])] = r

    def arrays(self, actors: Iterable[str] | None = None) -> SnapshotArrays:
        """The snapshot as NumPy arrays indexed by actor (see :mod:`phalanx.kb.arrays`).

        ``actors`` fixes the order (default: every actor, in the snapshot's order).
        Building the view costs ``O(n)``; each array is computed when asked for.
        """
        from phalanx.kb.arrays import SnapshotArrays

        return SnapshotArrays(self, actors)

    def actor_ids(self, kind: str | None = None) -> list[str]:
        """Ids of all actors, or of those of one ``kind`` (state, organization, ...)."""
        return [a["id"] for a in self.actors if kind is None or a.get("kind") == kind]

    def members(self, organization: str, statuses: Iterable[str] | None = ("member",)) -> list[str]:
        """Sorted ids of actors holding one of ``statuses`` in ``organization``.

        ``statuses=None`` returns every actor with a spell in force, whatever its status.
        """
        wanted = None if statuses is None else set(statuses)
        return sorted(
            {
                m["actor"]
                for m in self.memberships
                if m["organization"] == organization and (wanted is None or m["status"] in wanted)
            }
        )

    def status(self, organization: str, actor: str) -> str | None:
        """The status of ``actor`` in ``organization`` on the date, or None if outside it."""
        for m in self.memberships:
            if m["organization"] == organization and m["actor"] == actor:
                return m["status"]
        return None

    def indicator_record(self, actor: str, name: str) -> Record | None:
        """The indicators row (value, period, sources) behind :meth:`indicator`, or None."""
        return self._index.get((actor, name))

    def indicator(self, actor: str, name: str, default: float | None = None) -> float | None:
        """Latest value of indicator ``name`` for ``actor`` on the date, else ``default``."""
        rec = self._index.get((actor, name))
        return default if rec is None else float(rec["value"])

    def relations_of(self, actor: str, kind: str | None = None) -> list[Record]:
        """Relations in force that involve ``actor`` (optionally of one ``kind``)."""
        return [
            r
            for r in self.relations
            if actor in (r["actor_a"], r["actor_b"]) and (kind is None or r["kind"] == kind)
        ]
