"""Candidates against the knowledge base: known, new, or contradicting a row.

- known: the knowledge base has an event of the candidate's kind whose date is compatible
  (the days the two partial dates may denote overlap) and whose actors include the
  candidate's (several rows together may cover them: one non-recognition per state); the
  organisation must agree when both name one;
- contradicts (membership changes only): no such event, but the knowledge base has the same
  change of the same actor in the same organisation dated otherwise within
  :data:`NEAR_YEARS` years (the article's "rejoined in 2005" against a row of 2006), or a
  different membership change of that actor and organisation on a compatible date (the
  article's "withdrew in 2012" against a suspension);
- new: anything else. A clash or an arms deal on another date is a new event, not a
  contradiction: such events recur.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phalanx.ingest.extract.candidates import Candidate
from phalanx.ingest.extract.rules import MEMBERSHIP_KINDS
from phalanx.kb.dates import PartialDate, parse_partial_date

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = ["NEAR_YEARS", "compare", "compatible"]

NEAR_YEARS = 3
"""How far apart (years) two dates of the same membership change may be to contradict."""


def compatible(a: PartialDate, b: PartialDate) -> bool:
    """Whether two partial dates may denote a common day.

    >>> p = parse_partial_date
    >>> compatible(p("2022-09"), p("2022-09-13")), compatible(p("2005"), p("2006-06-23"))
    (True, False)
    """
    return a.earliest <= b.latest and b.earliest <= a.latest


def _events(kb: KnowledgeBase) -> list[dict[str, Any]]:
    rows = kb.query("SELECT id, date, kind, actors, organization FROM events ORDER BY date_lo, id")
    for r in rows:
        r["when"] = parse_partial_date(str(r["date"]))
        r["actors"] = set(r["actors"] or [])
    return rows


def _org_ok(cand: Candidate, row: dict[str, Any]) -> bool:
    return cand.organization is None or row["organization"] in (None, cand.organization)


def compare(candidates: list[Candidate], kb: KnowledgeBase) -> list[Candidate]:
    """Set ``status``, ``kb_rows`` and ``explanation`` on each candidate (in place; the
    list is returned)."""
    events = _events(kb)
    for c in candidates:
        when = parse_partial_date(c.date) if c.date else None
        want = set(c.actors)
        if when is None:
            c.status, c.explanation = "new", "undated: not compared"
            continue
        same = [
            e
            for e in events
            if e["kind"] == c.kind
            and _org_ok(c, e)
            and compatible(e["when"], when)
            and e["actors"] & want
        ]
        covered = set().union(*(e["actors"] for e in same)) if same else set()
        if same and want <= covered:
            c.status = "known"
            c.kb_rows = [e["id"] for e in same]
            c.explanation = "the knowledge base has this event"
            continue
        if c.kind in MEMBERSHIP_KINDS and c.organization is not None:
            clash = _contradiction(c, when, events)
            if clash is not None:
                c.status = "contradicts"
                c.kb_rows = [clash[0]["id"]]
                c.explanation = clash[1]
                continue
        c.status, c.explanation = "new", "no event of this kind, actors and date"
    return candidates


def _contradiction(
    c: Candidate, when: PartialDate, events: list[dict[str, Any]]
) -> tuple[dict[str, Any], str] | None:
    mine = [
        e
        for e in events
        if e["organization"] == c.organization
        and e["kind"] in MEMBERSHIP_KINDS
        and e["actors"] & set(c.actors)
    ]
    for e in mine:
        if e["kind"] == c.kind and not compatible(e["when"], when):
            gap = abs(e["when"].earliest.year - when.earliest.year)
            if gap <= NEAR_YEARS:
                return e, f"the knowledge base dates this {c.kind} {e['date']}, not {c.date}"
    for e in mine:
        if e["kind"] != c.kind and compatible(e["when"], when):
            return e, f"the knowledge base records a {e['kind']} on {e['date']}, not a {c.kind}"
    return None
