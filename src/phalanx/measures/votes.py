"""Agreement in UN votes: between two states, and among an organisation's members by year.

Two states' votes on the roll calls both took part in (yes, abstain or no; an absence is
no vote) are compared in two ways:

``agreement`` (Voeten's agreement score)
    The mean over those roll calls of 1 when the two voted alike, 0.5 when one abstained
    and the other did not, 0 when one voted yes and the other no. In [0, 1].
``s_score`` (Signorino and Ritter 1999)
    With yes, abstain and no coded 1, 2 and 3, ``S = 1 - 2 * sum|d| / (n * d_max)``, where
    ``d`` is the difference of the two codes on a roll call, ``n`` the roll calls and
    ``d_max = 2`` the largest difference. In [-1, 1]: 1 identical, -1 opposite on every
    roll call. On three ordered choices ``S = 2 * agreement - 1``.

:func:`vote_cohesion` is the mean agreement of every pair of full members over the
roll calls of each year: 1 when the members always vote alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from phalanx.errors import ParameterError

if TYPE_CHECKING:
    from phalanx.kb.store import KnowledgeBase

__all__ = ["CODES", "common_votes", "agreement", "s_score", "vote_cohesion"]

CODES: Mapping[str, int] = {"yes": 1, "abstain": 2, "no": 3}
"""The ordered coding of the choices that count (Voeten's 1, 2, 3)."""


def common_votes(
    votes_a: Mapping[str, str], votes_b: Mapping[str, str]
) -> list[tuple[str, int, int]]:
    """The roll calls (ids, in sorted order) on which both voted yes, abstain or no, with
    the two codes: ``[(vote, code_a, code_b), ...]``. Absences and other choices drop out.

    >>> common_votes({"r1": "yes", "r2": "absent"}, {"r1": "no", "r2": "yes"})
    [('r1', 1, 3)]
    """
    out = []
    for vote in sorted(set(votes_a) & set(votes_b)):
        a, b = CODES.get(str(votes_a[vote])), CODES.get(str(votes_b[vote]))
        if a is not None and b is not None:
            out.append((vote, a, b))
    return out


def agreement(votes_a: Mapping[str, str], votes_b: Mapping[str, str]) -> float | None:
    """Voeten's agreement of two states (0..1) over the roll calls both voted on, or None
    when there are none. ``votes_x`` maps a roll-call id to a choice.

    >>> agreement({"r1": "yes", "r2": "yes"}, {"r1": "yes", "r2": "abstain"})
    0.75
    """
    pairs = common_votes(votes_a, votes_b)
    if not pairs:
        return None
    return 1 - sum(abs(a - b) for _, a, b in pairs) / (2 * len(pairs))


def s_score(votes_a: Mapping[str, str], votes_b: Mapping[str, str]) -> float | None:
    """Signorino and Ritter's S (-1..1) of two states over the roll calls both voted on,
    yes/abstain/no coded 1/2/3, or None when there are none.

    >>> s_score({"r1": "yes", "r2": "yes"}, {"r1": "no", "r2": "yes"})
    0.0
    """
    pairs = common_votes(votes_a, votes_b)
    if not pairs:
        return None
    d_max = max(CODES.values()) - min(CODES.values())
    return 1 - 2 * sum(abs(a - b) for _, a, b in pairs) / (len(pairs) * d_max)


def _year(date: Any) -> int:
    return int(str(date)[:4])


def vote_cohesion(
    kb: KnowledgeBase, organization: str, years: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """UN vote cohesion of ``organization``'s full members in each year.

    For each roll call in the knowledge base's votes table (any body), the members are
    the full members on its date. For each year, every pair of members that both voted
    on at least one of that year's roll calls gets its :func:`agreement` over them; the
    year's ``cohesion`` is the mean over those pairs (0..1), None without any pair.

    Parameters
    ----------
    years : iterable of int, optional
        The years to report, each listed even without data; default: every year with a
        recorded vote, in order.

    Returns
    -------
    list of dict
        ``{year, cohesion, pairs, votes, rows}``: ``pairs`` is the number of member pairs
        compared, ``votes`` the roll calls with two or more members voting, ``rows`` one
        record per pair ``{actor_a, actor_b, agreement, s_score, votes}``.
    """
    org = kb.resolve_organization(organization)
    by_vote: dict[str, dict[str, Any]] = {}
    for v in kb.votes():
        rec = by_vote.setdefault(v["vote"], {"date": str(v["date"]), "choices": {}})
        rec["choices"][v["actor"]] = v["choice"]
    if years is None:
        wanted = sorted({_year(r["date"]) for r in by_vote.values()})
    else:
        wanted = sorted({int(y) for y in years})
        if any(not 1 <= y <= 9999 for y in wanted):
            raise ParameterError("years must lie in 1..9999", field="years")
    keep = set(wanted)
    members_on: dict[str, set[str]] = {}
    per_year: dict[int, dict[str, dict[str, str]]] = {y: {} for y in wanted}
    counted: dict[int, int] = dict.fromkeys(wanted, 0)
    for vote, rec in sorted(by_vote.items()):
        year = _year(rec["date"])
        if year not in keep:
            continue
        date = rec["date"]
        if date not in members_on:
            members_on[date] = {m["actor"] for m in kb.members(org, date, statuses=["member"])}
        voted = {a: c for a, c in rec["choices"].items() if a in members_on[date] and c in CODES}
        if len(voted) < 2:
            continue
        counted[year] += 1
        for actor, choice in voted.items():
            per_year[year].setdefault(actor, {})[vote] = choice
    out = []
    for year in wanted:
        choices = per_year[year]
        rows = []
        for a, b in itertools.combinations(sorted(choices), 2):
            n = len(common_votes(choices[a], choices[b]))
            if n:
                rows.append(
                    {
                        "actor_a": a,
                        "actor_b": b,
                        "agreement": agreement(choices[a], choices[b]),
                        "s_score": s_score(choices[a], choices[b]),
                        "votes": n,
                    }
                )
        cohesion = sum(r["agreement"] for r in rows) / len(rows) if rows else None
        out.append(
            {
                "year": year,
                "cohesion": cohesion,
                "pairs": len(rows),
                "votes": counted[year],
                "rows": rows,
            }
        )
    return out
