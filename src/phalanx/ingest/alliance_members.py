"""Alliance member files as organisations and membership spells, for any dataset that
lists the members of numbered alliances (COW Formal Alliances, ATOP).

Each alliance becomes an organisation (also an actor of kind ``organization``) with the
id ``<PREFIX>_<number>``, named "<label> <number>" since the files carry no names; its kind
follows the strongest pledge of any member (defence: ``collective_defence``; neutrality
or non-aggression: ``security_cooperation``; consultation or entente only:
``partnership``), its decision rule is ``unknown``, it is founded on its first member's
entry and dissolved on the last exit (none while a member remains). Each member gets one
spell per stretch of membership: spells of one state that overlap or repeat are merged.
"""

from __future__ import annotations

from typing import Any

from phalanx.ingest.rows import ActorResolver
from phalanx.kb.dates import parse_partial_date

__all__ = ["LEVEL_WORDS", "in_years", "organisation_rows"]

LEVEL_WORDS = {
    3: "defence pledge",
    2: "neutrality or non-aggression pledge",
    1: "consultation pledge or entente",
    0: "no recorded pledge",
}
_ORG_KIND = {3: "collective_defence", 2: "security_cooperation", 1: "partnership", 0: "partnership"}


def in_years(start: str, end: str | None, first: int | None, last: int | None) -> bool:
    """Whether a spell from ``start`` to ``end`` (None: open) overlaps the years
    ``first``..``last`` (None: unbounded).

    >>> in_years("1990-05", "1995", 1995, None), in_years("1990", "1995", 1996, None)
    (True, False)
    """
    s = int(start[:4])
    e = None if end is None else int(end[:4])
    return (last is None or s <= last) and (first is None or e is None or e >= first)


def _earliest(d: str):
    return parse_partial_date(d).earliest


def _merged(spells: list[tuple[str, str | None]]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for begin, stop in sorted(spells, key=lambda s: _earliest(s[0])):
        if out and (out[-1][1] is None or _earliest(out[-1][1]) > _earliest(begin)):
            last = out[-1]
            if last[1] is not None and (
                stop is None or parse_partial_date(stop).latest > parse_partial_date(last[1]).latest
            ):
                last[1] = stop
            continue
        out.append([begin, stop])
    return out


def organisation_rows(
    alliances: dict[int, list[dict[str, Any]]],
    *,
    prefix: str,
    label: str,
    resolver: ActorResolver,
    source_id: str,
    first: int | None = None,
    last: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Actors, organisations and memberships of ``alliances`` (number -> member spells,
    each ``{code, name, start, end, level}``: a COW code, the dataset's name for the state
    or None, partial dates (``end`` the first day no longer in force, None while it
    lasts) and the pledge level 0-3 of :data:`LEVEL_WORDS`).

    An alliance is kept when one of its spells overlaps ``first``..``last`` and one of its
    members passes the resolver's actors filter; it is then kept whole.
    """
    actors, orgs, memberships = [], [], []
    for number, members in sorted(alliances.items()):
        if not any(in_years(m["start"], m["end"], first, last) for m in members):
            continue
        if not resolver.wanted({resolver.peek(m["code"]) for m in members}):
            continue
        org = f"{prefix}_{number}"
        level = max(m["level"] for m in members)
        name = f"{label} {number}"
        note = f"{label} {number} ({LEVEL_WORDS[level]}); the file gives no name."
        ends = [m["end"] for m in members]
        dissolved = None
        if all(e is not None for e in ends):
            dissolved = max(ends, key=lambda d: parse_partial_date(d).latest)
        actors.append(
            {
                "id": org,
                "name": name,
                "kind": "organization",
                "cow_code": None,
                "aliases": None,
                "note": note,
                "sources": [source_id],
            }
        )
        orgs.append(
            {
                "id": org,
                "name": name,
                "kind": _ORG_KIND[level],
                "founded": min((m["start"] for m in members), key=_earliest),
                "dissolved": dissolved,
                "decision_rule": "unknown",
                "dispute_mechanism": None,
                "leader": None,
                "coverage": None,
                "note": note,
                "sources": [source_id],
            }
        )
        by_code: dict[int, list[dict[str, Any]]] = {}
        for m in members:
            by_code.setdefault(int(m["code"]), []).append(m)
        for code, spells in sorted(by_code.items()):
            actor = resolver.resolve(code, next((s["name"] for s in spells if s["name"]), None))
            for begin, stop in _merged([(s["start"], s["end"]) for s in spells]):
                memberships.append(
                    {
                        "organization": org,
                        "actor": actor,
                        "status": "member",
                        "start": begin,
                        "end": stop,
                        "certainty": "single_source",
                        "note": f"{label} {number}; COW code {code}.",
                        "sources": [source_id],
                    }
                )
    return {"actors": actors, "organizations": orgs, "memberships": memberships}
