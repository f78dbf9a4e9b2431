"""Everything the knowledge base holds about one actor, as plain data (``phalanx show``).

The dossier gathers the actor's row, its membership spells, its relations (with the
other side named), the events it took part in, its indicator values and recorded votes,
and every source cited by any of these with its reliability grade. As of a date, it
holds nothing later: rows starting after it are left out and later ends show as None
(``ongoing`` True), see :class:`~phalanx.kb.store.KnowledgeBase`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from phalanx.kb.store import KnowledgeBase, query_day

__all__ = ["dossier", "PARTS"]

PARTS = ("memberships", "relations", "events", "indicators", "votes")
"""The lists of a dossier that cite sources, in the order they are shown."""


def dossier(kb: KnowledgeBase, actor: str, as_of: str | dt.date | None = None) -> dict[str, Any]:
    """The dossier of ``actor`` (id, name or alias), optionally as of a date.

    Returns ``{actor, as_of, memberships, relations, events, indicators, votes,
    sources}``: ``actor`` is the actors row; each relation gains ``other``, the id of
    the other side; ``sources`` are the rows (id, citation, url, reliability, accessed)
    of every source the other parts cite, in id order; ``as_of`` is the ISO date or
    None. An unknown actor raises :class:`~phalanx.kb.store.UnknownIdError`.
    """
    aid = kb.resolve_actor(actor)
    day = None if as_of is None else query_day(as_of, "at")
    record: dict[str, Any] = {
        "actor": kb.actor(aid),
        "as_of": None if day is None else day.isoformat(),
        "memberships": kb.history(aid, as_of=day),
        "relations": [
            dict(r, other=r["actor_b"] if r["actor_a"] == aid else r["actor_a"])
            for r in kb.relations(actor=aid, as_of=day)
        ],
        "events": kb.events(actor=aid, as_of=day),
        "indicators": kb.indicators(actor=aid, as_of=day),
        "votes": kb.votes(actor=aid, as_of=day),
    }
    used = set(record["actor"].get("sources") or [])
    for part in PARTS:
        for r in record[part]:
            used.update(r.get("sources") or [])
    record["sources"] = kb.sources(used)
    return record
