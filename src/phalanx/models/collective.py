"""Organisation decision rules: what a collective body adopts, given its members' positions.

The issue scale runs from ``lo`` (no action, the status quo) to ``hi`` (the strongest action,
e.g. full military assistance under Article 4). A member at position ``x_i`` supports any
action up to ``x_i`` and opposes anything stronger: a weaker response than one wants is still
better than none, but a member will not be drawn into more than it wants. So the action a rule
adopts is the strongest level that enough members support:

* ``"consensus"``: every member can block, but a member whose salience is below
  ``abstain_below`` abstains rather than block (it does not care enough to stop the others;
  the CSTO practice of not objecting to documents it does not join). The adopted level is the
  lowest position among the members who block: the least willing member binds.
* ``"unanimity"``: every member blocks, whatever its salience (consensus with no abstention).
* ``"majority"``: the strongest level supported by more than half of the votes.
* ``"qualified_majority"``: the strongest level supported by at least ``quota`` of the votes.
  Votes are one per member (``weights="count"``) or proportional to capability
  (``weights="capability"``).

The leading state's capacity ``kappa`` in [0, 1] caps what the organisation can deliver: the
leader supplies most of the means of any action beyond words, so no rule can adopt more than
``lo + kappa (hi - lo)``. When the cap is below what the members would adopt, the result says
the leader's capacity bound the outcome.

>>> r = collective_decision({"A": 1.0, "B": 0.5, "C": 0.25}, salience={"C": 0.1})
>>> r["outcome"], r["bound_by"], r["abstaining"]
(0.5, ['B'], ['C'])
>>> collective_decision({"A": 1.0, "B": 0.5, "C": 0.25}, rule="unanimity")["outcome"]
0.25
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from phalanx.models.expected_utility import ExpectedUtilityModel
from phalanx.models.issue import Issue, load_issue

__all__ = ["RULES", "CollectiveDecision", "collective_decision", "decide_issue"]

RULES = ("consensus", "unanimity", "majority", "qualified_majority")
_EPS = 1e-9


def _check_rule(rule: str, quota: float | None, weights: str, abstain_below: float) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    if rule == "qualified_majority" and (quota is None or not 0.5 < quota <= 1):
        raise ValueError(f"qualified_majority needs a quota in (0.5, 1]; got {quota!r}")
    if weights not in ("count", "capability"):
        raise ValueError(f"weights must be 'count' or 'capability'; got {weights!r}")
    if not 0 <= abstain_below <= 1:
        raise ValueError(f"abstain_below must be in [0, 1]; got {abstain_below!r}")


def collective_decision(
    positions: Mapping[str, float],
    *,
    rule: str = "consensus",
    salience: Mapping[str, float] | None = None,
    capability: Mapping[str, float] | None = None,
    scale: tuple[float, float] = (0.0, 1.0),
    leader: str | None = None,
    leader_capacity: float = 1.0,
    quota: float | None = None,
    abstain_below: float = 0.2,
    weights: str = "count",
) -> dict[str, Any]:
    """Apply an organisation's decision rule to its members' positions.

    Parameters
    ----------
    positions : mapping member -> position on ``scale``
        Only members (voters) belong here.
    rule : {"consensus", "unanimity", "majority", "qualified_majority"}
    salience : mapping member -> salience in [0, 1], optional (missing members: 1)
        Used by ``"consensus"``: members below ``abstain_below`` abstain instead of blocking.
    capability : mapping member -> capability >= 0, optional
        Vote weights when ``weights="capability"``.
    scale : (lo, hi)
        ``lo`` is the status quo (no action).
    leader, leader_capacity : leading member and its capacity in [0, 1]
        The adopted level is capped at ``lo + leader_capacity * (hi - lo)``.
    quota : float in (0.5, 1], for ``"qualified_majority"``
    abstain_below : float in [0, 1], default 0.2
    weights : {"count", "capability"}

    Returns
    -------
    dict
        ``outcome`` (float), ``rule``, ``bound_by`` (members whose position set the outcome,
        or ``[leader]`` when its capacity did), ``binding`` (``"member"``,
        ``"leader_capacity"`` or ``"none"``), ``abstaining``, ``voters``, ``cap`` and a
        one-sentence ``explanation``. ``O(n log n)``.
    """
    _check_rule(rule, quota, weights, abstain_below)
    if not positions:
        raise ValueError("positions: no members")
    lo, hi = float(scale[0]), float(scale[1])
    if not lo < hi:
        raise ValueError(f"scale: min must be below max; got {scale!r}")
    if not 0 <= leader_capacity <= 1:
        raise ValueError(f"leader_capacity must be in [0, 1]; got {leader_capacity!r}")
    if leader is not None and leader not in positions:
        raise ValueError(f"leader {leader!r} is not among the members")
    for name, x in positions.items():
        if not (math.isfinite(x) and lo - _EPS <= x <= hi + _EPS):
            raise ValueError(f"position of {name!r} ({x}) lies outside the scale [{lo}, {hi}]")
    sal = {m: float((salience or {}).get(m, 1.0)) for m in positions}
    cap = lo + leader_capacity * (hi - lo) if leader is not None else hi

    if rule in ("consensus", "unanimity"):
        abstaining = sorted(m for m in positions if rule == "consensus" and sal[m] < abstain_below)
        voters = [m for m in positions if m not in abstaining]
        if voters:
            level = min(positions[m] for m in voters)
            pivotal = sorted(m for m in voters if positions[m] <= level + _EPS)
        else:
            level, pivotal = lo, []
        what = "the least willing member that blocks"
    else:
        abstaining, voters = [], list(positions)
        w = {
            m: (float((capability or {}).get(m, 0.0)) if weights == "capability" else 1.0)
            for m in voters
        }
        total = sum(w.values())
        if total <= 0:
            raise ValueError("capability weights sum to zero")
        need = quota if rule == "qualified_majority" else 0.5
        order = sorted(voters, key=lambda m: -positions[m])
        level, pivotal, acc = lo, [], 0.0
        for m in order:
            acc += w[m]
            enough = acc >= need * total - _EPS if rule == "qualified_majority" else (
                acc > need * total + _EPS
            )
            if enough:
                level = positions[m]
                pivotal = sorted(v for v in voters if abs(positions[v] - level) <= _EPS)
                break
        share = f"{need:.0%}" if rule == "qualified_majority" else "more than half"
        what = f"the pivotal member needed for {share} of the votes"

    if cap < level - _EPS:
        outcome, bound_by, binding = cap, [leader], "leader_capacity"
        explanation = (
            f"Members would adopt {level:g}, but the leader {leader}'s capacity "
            f"({leader_capacity:g}) caps the action at {cap:g}."
        )
    elif pivotal:
        outcome, bound_by, binding = min(level, cap), pivotal, "member"
        explanation = f"{', '.join(pivotal)} ({what}) set the outcome at {level:g}."
        if leader is not None and abs(cap - level) <= _EPS:
            explanation += f" The leader {leader}'s capacity caps it at the same level."
        if abstaining:
            explanation += f" Abstaining (salience below {abstain_below:g}): {', '.join(abstaining)}."
    else:
        outcome, bound_by, binding = lo, [], "none"
        explanation = "Every member abstains, so nothing is adopted (status quo)."
    return {
        "rule": rule,
        "outcome": float(outcome),
        "bound_by": bound_by,
        "binding": binding,
        "abstaining": abstaining,
        "voters": sorted(voters),
        "cap": float(cap),
        "explanation": explanation,
    }


class CollectiveDecision:
    """Bargain (optionally) with the expected-utility model, then apply the organisation's rule.

    Parameters
    ----------
    rule : str or None, default None
        A rule of :data:`RULES`; ``None`` uses the issue's own rule.
    bargaining_rounds : int, default 0
        Rounds of :class:`ExpectedUtilityModel` bargaining among all actors of the issue
        (members and outsiders) before the rule is applied to the members' final positions.
    variant : str, default "scholz_code"
        Variant of the expected-utility model.
    quota, abstain_below, weights :
        As in :func:`collective_decision`; ``None`` takes the issue's values.

    Attributes
    ----------
    result_ : dict
        Plain-data result (see :func:`decide_issue`).
    outcome_ : float
    label_ : str
    bound_by_ : list of str
    bargaining_ : ExpectedUtilityModel or None
    """

    def __init__(
        self,
        rule: str | None = None,
        *,
        bargaining_rounds: int = 0,
        variant: str = "scholz_code",
        quota: float | None = None,
        abstain_below: float | None = None,
        weights: str = "count",
    ) -> None:
        self.rule = rule
        self.bargaining_rounds = bargaining_rounds
        self.variant = variant
        self.quota = quota
        self.abstain_below = abstain_below
        self.weights = weights

    def _validate_params(self) -> None:
        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(
                f"The '{name}' parameter of CollectiveDecision must be {allowed}. "
                f"Got {getattr(self, name)!r} instead."
            )

        if self.rule is not None and self.rule not in RULES:
            raise bad("rule", f"None or a str among {set(RULES)}")
        br = self.bargaining_rounds
        if not (isinstance(br, (int, np.integer)) and not isinstance(br, bool) and 0 <= br <= 1000):
            raise bad("bargaining_rounds", "an int in the range [0, 1000]")
        if self.variant not in ("scholz_code", "printed"):
            raise bad("variant", "a str among {'scholz_code', 'printed'}")
        if self.quota is not None and not (
            isinstance(self.quota, (int, float)) and 0.5 < self.quota <= 1
        ):
            raise bad("quota", "None or a float in the range (0.5, 1]")
        if self.abstain_below is not None and not (
            isinstance(self.abstain_below, (int, float)) and 0 <= self.abstain_below <= 1
        ):
            raise bad("abstain_below", "None or a float in the range [0, 1]")
        if self.weights not in ("count", "capability"):
            raise bad("weights", "a str among {'count', 'capability'}")

    def fit(self, issue: Issue | str) -> CollectiveDecision:
        """Decide ``issue`` (an :class:`Issue`, a file path or a shipped issue's id)."""
        self._validate_params()
        if not isinstance(issue, Issue):
            issue = load_issue(issue)
        table = issue.actor_table()
        start = dict(zip(table.names, table.position.tolist(), strict=True))
        final = dict(start)
        self.bargaining_ = None
        if self.bargaining_rounds > 0:
            eu = ExpectedUtilityModel(
                rounds=self.bargaining_rounds,
                variant=self.variant,
                scale=(issue.scale.min, issue.scale.max),
            ).fit(table)
            final = dict(zip(table.names, eu.positions_[-1].tolist(), strict=True))
            self.bargaining_ = eu
        rule = self.rule or issue.decision_rule
        members = issue.members
        decision = collective_decision(
            {m: final[m] for m in members},
            rule=rule,
            salience={a.id: a.salience.value for a in issue.actors if a.member},
            capability={a.id: a.capability.value for a in issue.actors if a.member},
            scale=(issue.scale.min, issue.scale.max),
            leader=issue.leader if issue.leader in members else None,
            leader_capacity=issue.leader_capacity.value,
            quota=self.quota if self.quota is not None else issue.quota,
            abstain_below=(
                self.abstain_below if self.abstain_below is not None else issue.abstain_below
            ),
            weights=self.weights,
        )
        result: dict[str, Any] = {
            "issue": issue.id,
            "title": issue.title,
            "date": issue.date,
            "organisation": issue.organisation,
            "rule": rule,
            "bargaining_rounds": self.bargaining_rounds,
            "leader": issue.leader,
            "leader_capacity": issue.leader_capacity.value,
            "actors": [
                {
                    "id": a.id,
                    "name": a.name,
                    "member": a.member,
                    "capability": a.capability.value,
                    "salience": a.salience.value,
                    "start": start[a.id],
                    "final": final[a.id],
                    "inferred": a.position.inferred,
                }
                for a in issue.actors
            ],
            **{k: decision[k] for k in ("outcome", "bound_by", "binding", "abstaining", "cap")},
            "label": issue.scale.label(decision["outcome"]),
            "explanation": decision["explanation"],
            "historical": None,
        }
        if issue.outcome is not None:
            result["historical"] = {
                "value": issue.outcome.value,
                "label": issue.scale.label(issue.outcome.value),
                "description": issue.outcome.description,
                "source": issue.outcome.source,
                "url": issue.outcome.url,
                "difference": decision["outcome"] - issue.outcome.value,
            }
        self.issue_ = issue
        self.result_ = result
        self.outcome_ = result["outcome"]
        self.label_ = result["label"]
        self.bound_by_ = result["bound_by"]
        return self


def decide_issue(
    issue: Issue | str,
    *,
    rule: str | None = None,
    rounds: int = 0,
    variant: str = "scholz_code",
    abstain_below: float | None = None,
    quota: float | None = None,
    weights: str = "count",
) -> dict[str, Any]:
    """Decide an issue and return the plain-data result (what the CLI prints).

    >>> r = decide_issue("csto_kazakhstan_2022")
    >>> r["label"] == r["historical"]["label"]
    True
    """
    model = CollectiveDecision(
        rule,
        bargaining_rounds=rounds,
        variant=variant,
        abstain_below=abstain_below,
        quota=quota,
        weights=weights,
    )
    return model.fit(issue).result_
