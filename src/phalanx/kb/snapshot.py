"""The state of the knowledge base on one date, as plain data for measures and models.

A :class:`Snapshot` is what later stages consume: the actors, the membership spells,
relations and indicator values in force on a date, and the events and votes up to it.
It is a frozen dataclass of tuples of plain dicts, so a test can build one by hand and
a model never needs a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Snapshot"]

Record = dict[str, Any]


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
    relations : tuple of dict
        Ties in force on ``date``: ``{id, actor_a, actor_b, kind, directed, sign,
        intensity, start, end, certainty, sources}``; ``sign`` is +1 or -1 and
        ``intensity`` lies in [0, 1].
    indicators : tuple of dict
        For each (actor, indicator), the latest value whose period starts on or before
        ``date``: ``{actor, indicator, period, value, unit, sources}``.
    events : tuple of dict
        Events that began on or before ``date``: ``{id, date, end_date, kind, actors
        (list of ids), organization, magnitude, magnitude_unit, summary, sources}``.
    votes : tuple of dict
        Votes cast on or before ``date``: ``{vote, date, body, actor, choice, topic}``.
    organizations : tuple of dict
        ``{id, name, kind, decision_rule, dispute_mechanism, leader}``.
    data_version : str
        Version of the data package the snapshot was taken from.
    window_days : int
        Relations count if in force on any day of the ``window_days`` days up to
        ``date`` (0: on ``date`` itself), so that a short war is not missed by a
        snapshot taken weeks after its ceasefire.

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
    _index: dict[tuple[str, str], Record] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for r in self.indicators:
            self._index[(r["actor"], r["indicator"])] = r

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
