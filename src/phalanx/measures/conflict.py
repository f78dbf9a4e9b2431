"""Conflict intensity between an organisation's members, year by year.

For each calendar year, from the knowledge base's ``armed_conflict`` relations and
``clash`` events (the rows the UCDP importers write, or any package's own):

``intensity``
    The strain index's ``member_conflicts`` rule over the year: for every pair of states
    that were full members at some time in the year, the strongest ``armed_conflict``
    relation between them (0..1) in force on a day when both were members; their sum over
    the number of pairs (0 none, 1 every pair at full-intensity war). A pair counts only
    while both were members: Italy's war on Austria-Hungary of May 1915 began after Italy
    had left the Triple Alliance, so it is no conflict between members.
``fatalities``
    The deaths (``magnitude`` in ``deaths``) of ``clash`` events that began in the year
    among members only: two or more actors, every one a full member on the day the event
    began (the second Karabakh war, Armenia against Azerbaijan with Russia as the
    ceasefire's guarantor, is no clash between CSTO members). Events
    without a death count are counted in ``unknown_fatalities``. Two packages recording the
    same fighting (an analyst's row and an imported UCDP event) both count: the rows say
    which.

Plain data in, plain data out: the strain index reads the same relations through
:func:`phalanx.measures.strain.member_conflicts_component`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from phalanx.errors import ParameterError
from phalanx.kb.dates import parse_partial_date
from phalanx.measures.strain import membership_spells

__all__ = ["conflict_intensity"]

_Span = tuple[dt.date, dt.date]  # [first, stop): stop is the first day after


def _first_day(text: Any) -> dt.date | None:
    if text is None or text == "":
        return None
    if isinstance(text, dt.date):
        return text
    return parse_partial_date(str(text)).earliest


def _spans(kb: Any, organization: str) -> dict[str, list[_Span]]:
    """Each actor's spells of full membership as half-open day ranges."""
    out: dict[str, list[_Span]] = {}
    for s in membership_spells(kb, organization):
        if s["status"] != "member":
            continue
        first = _first_day(s["start"])
        stop = _first_day(s["end"]) or dt.date.max
        if first is not None and first < stop:
            out.setdefault(s["actor"], []).append((first, stop))
    return out


def _overlap(*spans: _Span) -> bool:
    return max(s[0] for s in spans) < min(s[1] for s in spans)


def _both_members(spans: dict[str, list[_Span]], a: str, b: str, window: _Span) -> bool:
    return any(_overlap(sa, sb, window) for sa in spans.get(a, ()) for sb in spans.get(b, ()))


def conflict_intensity(kb: Any, organization: str, years: Iterable[int]) -> list[dict[str, Any]]:
    """Armed conflict between the members of ``organization`` in each of ``years``.

    Parameters
    ----------
    kb : KnowledgeBase
        Any package (the embedded one, a user's, or an imported one layered on top).
    organization : str
        Organisation id or name.
    years : iterable of int
        Calendar years, each 1..9999 (reported in the order given).

    Returns
    -------
    list of dict
        Per year: ``year``, ``members`` (full members at some time in the year, sorted),
        ``pairs`` (their number of pairs), ``intensity`` (0..1; None with fewer than two
        members), ``conflicts`` (``{pair, relation, intensity}`` of each pair in
        conflict: its strongest relation), ``fatalities`` (deaths, >= 0), ``events``
        (ids of the clash events counted), ``unknown_fatalities`` (those without a death
        count) and ``rows`` (every relation and event id used).
    """
    org = kb.resolve_organization(organization)
    spans = _spans(kb, org)
    out = []
    for year in years:
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998:
            raise ParameterError(f"year {year!r} is not a calendar year (1..9998)")
        window = (dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        members = sorted(a for a, ss in spans.items() if any(_overlap(s, window) for s in ss))
        n = len(members)
        pairs = n * (n - 1) // 2
        strongest: dict[tuple[str, str], dict[str, Any]] = {}
        for r in kb.relations(window[0], window[1] - dt.timedelta(days=1), kind="armed_conflict"):
            a, b = sorted((r["actor_a"], r["actor_b"]))
            if a == b or a not in members or b not in members:
                continue
            first = _first_day(r["start"]) or dt.date.min
            stop = _first_day(r["end"]) or dt.date.max
            if first >= stop or not _both_members(
                spans, a, b, (max(first, window[0]), min(stop, window[1]))
            ):
                continue
            if (a, b) not in strongest or r["intensity"] > strongest[(a, b)]["intensity"]:
                strongest[(a, b)] = r
        fatalities, counted, unknown = 0.0, [], 0
        for e in kb.events(window[0], window[1] - dt.timedelta(days=1), kind="clash"):
            day = _first_day(e["date"])
            if day is None or not window[0] <= day < window[1]:
                continue  # counted in the year it began
            actors = set(e["actors"])
            if len(actors) < 2 or not all(
                any(s[0] <= day < s[1] for s in spans.get(x, ())) for x in actors
            ):
                continue  # only fighting among members: every actor a member that day
            counted.append(e["id"])
            if e["magnitude"] is not None and e["magnitude_unit"] == "deaths":
                fatalities += float(e["magnitude"])
            else:
                unknown += 1
        conflicts = [
            {"pair": [a, b], "relation": r["id"], "intensity": float(r["intensity"])}
            for (a, b), r in sorted(strongest.items())
        ]
        intensity = sum(c["intensity"] for c in conflicts) / pairs if pairs > 0 else None
        out.append(
            {
                "year": year,
                "members": members,
                "pairs": pairs,
                "intensity": intensity,
                "conflicts": conflicts,
                "fatalities": fatalities,
                "events": counted,
                "unknown_fatalities": unknown,
                "rows": [c["relation"] for c in conflicts] + counted,
            }
        )
    return out
