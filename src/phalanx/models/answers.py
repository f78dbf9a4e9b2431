"""The decision model's answer to each issue file about an organisation, beside what happened.

:func:`decision_answers` runs the collective-decision model
(:func:`~phalanx.models.collective.decide_issue`, the same call as ``phalanx decide``) on
every issue file about an organisation, shipped with Phalanx or in the data package
(:func:`~phalanx.models.issue.list_issues`), and sets its predicted level beside the level
the issue file records as what happened (``outcome``), with the gap between them. Some
issue files record no outcome (a question still open); their ``observed`` is None and they
say so. One issue's actors' positions can be overridden (a what-if: "what if Kazakhstan
had wanted a peacekeeping mission?"); each override is checked against the issue's actors
and scale first.

The answers are model outputs under the issue file's coded positions, saliences and
capabilities (many of them inferred, as each file says), not forecasts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from phalanx.errors import UserError
from phalanx.kb.dates import parse_partial_date, parse_query_date
from phalanx.models.collective import decide_issue
from phalanx.models.issue import Issue, list_issues, load_issue

__all__ = ["decision_answers", "override_positions"]

WHAT_IF_SOURCE = "what-if: position set by the user"
"""The ``source`` of an overridden position."""


def override_positions(issue: Issue, positions: Mapping[str, float]) -> Issue:
    """``issue`` with some actors' positions replaced (a what-if copy; the file is untouched).

    ``positions`` maps actor ids of the issue to positions on its scale (``scale.min`` to
    ``scale.max``). An unknown actor or a value that is not a finite number on the scale is
    a :class:`~phalanx.errors.UserError` naming it (field ``positions[ACTOR]``). An
    overridden position is marked ``inferred`` with :data:`WHAT_IF_SOURCE` as its source
    and the file's value in its note.
    """
    ids = [a.id for a in issue.actors]
    lo, hi = issue.scale.min, issue.scale.max
    for actor, value in positions.items():
        if actor not in ids:
            raise UserError(
                f"unknown actor {actor!r} in issue {issue.id}; its actors: {', '.join(ids)}",
                field=f"positions[{actor}]",
            )
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise UserError(
                f"expected a number on the scale [{lo:g}, {hi:g}], got {value!r}",
                field=f"positions[{actor}]",
            ) from None
        if not (math.isfinite(x) and lo <= x <= hi):
            raise UserError(
                f"{value!r} lies outside issue {issue.id}'s scale [{lo:g}, {hi:g}]",
                field=f"positions[{actor}]",
            )
    actors = []
    for a in issue.actors:
        if a.id in positions:
            new = a.position.model_copy(
                update={
                    "value": float(positions[a.id]),
                    "source": WHAT_IF_SOURCE,
                    "inferred": True,
                    "note": f"the issue file gives {a.position.value:g} ({a.position.source})",
                }
            )
            a = a.model_copy(update={"position": new})
        actors.append(a)
    return issue.model_copy(update={"actors": actors})


def _day(at: dt.date | str | None) -> dt.date | None:
    if at is None or isinstance(at, dt.date):
        return at
    try:
        return parse_query_date(str(at))
    except ValueError as e:
        raise UserError(str(e), field="at") from None


def decision_answers(
    kb: Any,
    organization: str,
    *,
    at: dt.date | None = None,
    positions: dict[str, float] | None = None,
    issue: str | None = None,
) -> list[dict[str, Any]]:
    """The model's answer to each issue about ``organization``, beside what happened.

    ``kb``: the knowledge base whose package may add issue files and whose defaults apply
    (None: the shipped issues and the embedded package's defaults); ``organization``: an
    organisation id (or a name ``kb`` resolves); ``at``: only issues dated on or before
    this day (an issue dated ``2023-04`` counts from its first day; None: all);
    ``issue``: one issue id only; ``positions``: actor id -> position overrides for that
    one issue (requires ``issue``).

    Returns one dict per issue, sorted by date then id::

        {"id", "title", "date", "question", "organisation", "origin" ("shipped"|"package"),
         "rule", "scale": {"min", "max", "anchors": [{"value", "label"}]},
         "predicted": {"level", "label"}, "observed": {"level", "label", "description",
         "note", "source", "url"} | None, "observed_note": why None, or None,
         "error": predicted level - observed level (scale units) | None,
         "explanation", "bound_by", "binding", "whatif": bool,
         "positions": [{"actor", "name", "member", "position", "salience", "capability",
                        "source", "url", "inferred"}],
         "settings": {"rule", "bargaining_rounds", "variant", "leader_caps"}}

    Bad input (an unknown issue or organisation, an issue about another organisation,
    positions without an issue, an unknown actor or an off-scale position) is a
    :class:`~phalanx.errors.UserError` naming the field.
    """
    if not organization or not isinstance(organization, str):
        raise UserError("give an organisation id", field="organization")
    org = kb.resolve_organization(organization) if kb is not None else organization
    day = _day(at)
    if positions and issue is None:
        raise UserError("positions override one issue's: name the issue", field="positions")
    catalogue = list_issues(kb)
    about = [i for i in catalogue if i["organisation"] == org]
    if issue is not None:
        chosen = [i for i in catalogue if i["id"] == issue]
        if not chosen:
            known = ", ".join(i["id"] for i in about) or "none"
            raise UserError(f"unknown issue {issue!r}; issues about {org}: {known}", field="issue")
        if chosen[0]["organisation"] != org:
            raise UserError(
                f"issue {issue!r} is about {chosen[0]['organisation']}, not {org}", field="issue"
            )
        about = chosen
    if day is not None:
        about = [i for i in about if parse_partial_date(i["date"]).earliest <= day]
    out = [_answer(kb, entry, positions if issue is not None else None) for entry in about]
    return sorted(out, key=lambda r: (parse_partial_date(r["date"]).earliest, r["id"]))


def _answer(kb: Any, entry: Mapping[str, str], positions: Mapping[str, float] | None) -> dict:
    """One issue's answer (see :func:`decision_answers`)."""
    issue = load_issue(entry["id"], kb)
    if positions:
        issue = override_positions(issue, positions)
    result = decide_issue(issue, kb=kb)
    hist = result["historical"]
    observed = None
    if issue.outcome is not None:
        observed = {
            "level": issue.outcome.value,
            "label": hist["label"],
            "description": issue.outcome.description,
            "note": issue.outcome.note,
            "source": issue.outcome.source,
            "url": issue.outcome.url,
        }
    return {
        "id": issue.id,
        "title": issue.title,
        "date": issue.date,
        "question": issue.question,
        "organisation": issue.organisation,
        "origin": entry["origin"],
        "rule": result["rule"],
        "scale": {
            "min": issue.scale.min,
            "max": issue.scale.max,
            "anchors": [{"value": a.value, "label": a.label} for a in issue.scale.anchors],
        },
        "predicted": {"level": result["outcome"], "label": result["label"]},
        "observed": observed,
        "observed_note": None
        if observed is not None
        else "the issue file records no outcome (the question is open or unsettled)",
        "error": None if observed is None else result["outcome"] - observed["level"],
        "explanation": result["explanation"],
        "bound_by": result["bound_by"],
        "binding": result["binding"],
        "whatif": bool(positions),
        "positions": [
            {
                "actor": a.id,
                "name": a.name,
                "member": a.member,
                "position": a.position.value,
                "salience": a.salience.value,
                "capability": a.capability.value,
                "source": a.position.source,
                "url": a.position.url,
                "inferred": a.position.inferred,
            }
            for a in issue.actors
        ],
        "settings": {
            "rule": result["rule"],
            "bargaining_rounds": result["bargaining_rounds"],
            "variant": result["bargaining"]["variant"],
            "leader_caps": result["leader_caps"],
        },
    }
