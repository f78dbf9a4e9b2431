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

import functools
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from phalanx.errors import ParameterError
from phalanx.models.expected_utility import ExpectedUtilityModel
from phalanx.models.issue import Issue, IssueError, load_issue
from phalanx.params import Estimator, Settings

__all__ = [
    "RULES",
    "DEFAULT_QUOTA",
    "CollectiveDecision",
    "CollectiveDecisionParams",
    "collective_decision",
    "adopted_levels",
    "decide_issue",
    "bargaining_path",
]

#: Quota of a qualified majority when neither the caller nor the issue gives one (share of
#: the votes; two thirds is the common treaty quota, e.g. the UN General Assembly's).
DEFAULT_QUOTA = 2 / 3

RULES = ("consensus", "unanimity", "majority", "qualified_majority")
_EPS = 1e-9


def _check_rule(rule: str, quota: float | None, weights: str, abstain_below: float) -> None:
    if rule not in RULES:
        raise ParameterError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    if rule == "qualified_majority" and (quota is None or not 0.5 < quota <= 1):
        raise ParameterError(f"qualified_majority needs a quota in (0.5, 1]; got {quota!r}")
    if weights not in ("count", "capability"):
        raise ParameterError(f"weights must be 'count' or 'capability'; got {weights!r}")
    if not 0 <= abstain_below <= 1:
        raise ParameterError(f"abstain_below must be in [0, 1]; got {abstain_below!r}")


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
        raise ParameterError("positions: no members")
    lo, hi = float(scale[0]), float(scale[1])
    if not lo < hi:
        raise ParameterError(f"scale: min must be below max; got {scale!r}")
    if not 0 <= leader_capacity <= 1:
        raise ParameterError(f"leader_capacity must be in [0, 1]; got {leader_capacity!r}")
    if leader is not None and leader not in positions:
        raise ParameterError(f"leader {leader!r} is not among the members")
    for name, x in positions.items():
        if not (math.isfinite(x) and lo - _EPS <= x <= hi + _EPS):
            raise ParameterError(f"position of {name!r} ({x}) lies outside the scale [{lo}, {hi}]")
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
            raise ParameterError("capability weights sum to zero")
        need = quota if rule == "qualified_majority" else 0.5
        order = sorted(voters, key=lambda m: -positions[m])
        level, pivotal, acc = lo, [], 0.0
        for m in order:
            acc += w[m]
            enough = (
                acc >= need * total - _EPS
                if rule == "qualified_majority"
                else (acc > need * total + _EPS)
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
            explanation += (
                f" Abstaining (salience below {abstain_below:g}): {', '.join(abstaining)}."
            )
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


def adopted_levels(
    positions: np.ndarray,
    voters: np.ndarray,
    salience: np.ndarray,
    *,
    rule: str,
    cap: np.ndarray | float | None = None,
    abstain_below: float = 0.2,
    quota: float = DEFAULT_QUOTA,
    lo: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`collective_decision` for a batch of ``B`` decisions at once (one vote each).

    Row ``b`` is one decision among ``M`` potential voters: ``positions[b, m]`` on the scale
    (``lo`` = no action), ``voters[b, m]`` whether ``m`` votes (the members of
    ``collective_decision``'s ``positions``), ``salience[b, m]`` in [0, 1]; ``cap[b]`` is
    the most the leader's capacity lets the organisation deliver (``lo + kappa (hi - lo)``;
    None: no cap). Votes are one per voter (``weights="count"``). Returns ``outcome`` (B,)
    and ``binding`` (B,) int8, an index into :data:`phalanx.models.dynamics.types.BINDINGS`
    (0 member, 1 leader_capacity, 2 none), exactly as ``collective_decision`` decides them
    (same tolerance); a row without voters adopts ``lo`` with binding "none". Cost
    ``O(B M log M)`` (a sort per row) for the majority rules, ``O(B M)`` otherwise.
    """
    if rule not in RULES:
        raise ParameterError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    if rule == "qualified_majority" and not 0.5 < quota <= 1:
        raise ParameterError(f"qualified_majority needs a quota in (0.5, 1]; got {quota!r}")
    x = np.asarray(positions, dtype=float)
    v = np.asarray(voters, dtype=bool)
    if x.ndim != 2 or v.shape != x.shape or np.shape(salience) != x.shape:
        raise ParameterError(
            f"positions, voters and salience must share one (B, M) shape; got {x.shape}, "
            f"{v.shape}, {np.shape(salience)}"
        )
    b = x.shape[0]
    if rule in ("consensus", "unanimity"):
        block = v if rule == "unanimity" else v & (np.asarray(salience) >= abstain_below)
        anyone = block.any(axis=1)
        level = np.where(block, x, np.inf).min(axis=1, initial=np.inf)
        level = np.where(anyone, level, lo)
    else:
        total = v.sum(axis=1)
        ranked = -np.sort(np.where(v, -x, np.inf), axis=1)  # descending, non-voters last
        acc = np.arange(1, x.shape[1] + 1)[None, :]
        if rule == "qualified_majority":
            enough = acc >= quota * total[:, None] - _EPS
        else:
            enough = acc > 0.5 * total[:, None] + _EPS
        k = np.argmax(enough, axis=1)
        anyone = total > 0
        level = np.where(anyone, ranked[np.arange(b), np.minimum(k, x.shape[1] - 1)], lo)
    capped = np.full(b, np.inf) if cap is None else np.broadcast_to(np.asarray(cap, float), (b,))
    by_cap = capped < level - _EPS
    outcome = np.where(by_cap, capped, np.minimum(level, capped))
    binding = np.where(by_cap, 1, np.where(anyone, 0, 2)).astype(np.int8)
    outcome = np.where(anyone | by_cap, outcome, lo)
    return outcome, binding


class CollectiveDecisionParams(Settings):
    """Declared parameters of :class:`CollectiveDecision` (ranges, defaults, meaning)."""

    rule: Literal["consensus", "unanimity", "majority", "qualified_majority"] | None = Field(
        None, description="Decision rule; None: the issue's own rule."
    )
    bargaining_rounds: int = Field(
        0,
        ge=0,
        le=1000,
        description="Most rounds of expected-utility bargaining before the rule is applied "
        "(0..1000); bargaining stops earlier when positions settle or repeat.",
    )
    tolerance: float = Field(
        1e-3,
        ge=0,
        le=0.5,
        description="Bargaining has settled when no position moves more than this share "
        "of the scale width in a round (0..0.5).",
    )
    variant: Literal["scholz_code", "printed"] = Field(
        "scholz_code", description="Variant of the expected-utility model."
    )
    quota: float | None = Field(
        None,
        gt=0.5,
        le=1,
        description="Quota of a qualified majority (share of votes, (0.5, 1]); None: the "
        "issue's quota, else DEFAULT_QUOTA (2/3).",
    )
    abstain_below: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Under consensus, members with salience below this abstain ([0, 1]); "
        "None: the issue's value.",
    )
    weights: Literal["count", "capability"] = Field(
        "count", description="Votes per member: one each, or proportional to capability."
    )
    leader_caps: bool | None = Field(
        None,
        description="Whether the leader's capacity caps the outcome; None: the package's "
        "leader_caps_outcome default.",
    )


@functools.lru_cache(maxsize=1)
def _embedded_defaults() -> Any:
    from phalanx.kb.package import load_package

    return load_package().defaults


def bargaining_path(
    positions: np.ndarray, width: float, tolerance: float
) -> tuple[int, str, int | None]:
    """How a bargaining path ends: ``(rounds_used, status, period)``.

    ``positions`` has one row per round (row 0: the start). ``status`` is ``"settled"``
    when a round moves no position more than ``tolerance * width`` (``rounds_used`` is the
    last round that moved), ``"cycle"`` when a row repeats an earlier one (within that
    tolerance; ``period`` rounds apart) so the path will never settle, ``"unsettled"``
    when the rounds ran out first, and ``"none"`` without rounds.

    >>> bargaining_path(np.array([[0.0, 1.0], [0.5, 1.0], [0.5, 1.0]]), 1.0, 1e-3)
    (1, 'settled', None)
    >>> bargaining_path(np.array([[0.0], [1.0], [0.0], [1.0]]), 1.0, 1e-3)
    (2, 'cycle', 2)
    """
    n = positions.shape[0] - 1
    if n <= 0:
        return 0, "none", None
    tol = tolerance * width
    for k in range(1, n + 1):
        if np.max(np.abs(positions[k] - positions[k - 1]), initial=0.0) <= tol:
            return k - 1, "settled", None
        for j in range(k - 1):
            if np.max(np.abs(positions[k] - positions[j]), initial=0.0) <= tol:
                return k, "cycle", k - j
    return n, "unsettled", None


class CollectiveDecision(Estimator):
    """Bargain (optionally) with the expected-utility model, then apply the organisation's rule.

    Parameters are declared in :class:`CollectiveDecisionParams` (ranges and meaning):
    ``rule``, ``bargaining_rounds``, ``tolerance``, ``variant``, ``quota``,
    ``abstain_below``, ``weights``, ``leader_caps``.

    Bargaining runs at most ``bargaining_rounds`` rounds and stops when the positions
    settle (no move above ``tolerance`` of the scale width) or repeat an earlier round (a
    cycle: the model will never settle). The rule is applied after every round; the
    result reports these per-round outcomes and their spread. Only settled bargaining
    moves the answer: when it cycles or runs out of rounds, the outcome is the rule
    applied to the starting positions, and the result says why (docs/models/decision.md).

    Attributes
    ----------
    result_ : dict
        Plain-data result (see :func:`decide_issue`).
    outcome_ : float
    label_ : str
    bound_by_ : list of str
    bargaining_ : ExpectedUtilityModel or None
    """

    Params = CollectiveDecisionParams

    def __init__(
        self,
        rule: str | None = None,
        *,
        bargaining_rounds: int = 0,
        tolerance: float = 1e-3,
        variant: str = "scholz_code",
        quota: float | None = None,
        abstain_below: float | None = None,
        weights: str = "count",
        leader_caps: bool | None = None,
    ) -> None:
        self.rule = rule
        self.bargaining_rounds = bargaining_rounds
        self.tolerance = tolerance
        self.variant = variant
        self.quota = quota
        self.abstain_below = abstain_below
        self.weights = weights
        self.leader_caps = leader_caps

    def _decide(
        self,
        issue: Issue,
        p: CollectiveDecisionParams,
        rule: str,
        caps: bool,
        positions: Mapping[str, float],
    ) -> dict[str, Any]:
        members = issue.members
        leader = issue.leader if caps and issue.leader in members else None
        quota = p.quota if p.quota is not None else issue.quota
        if rule == "qualified_majority" and quota is None:
            quota = DEFAULT_QUOTA
        return collective_decision(
            {m: positions[m] for m in members},
            rule=rule,
            salience={a.id: a.salience.value for a in issue.actors if a.member},
            capability={a.id: a.capability.value for a in issue.actors if a.member},
            scale=(issue.scale.min, issue.scale.max),
            leader=leader,
            leader_capacity=issue.leader_capacity.value if leader is not None else 1.0,
            quota=quota,
            abstain_below=p.abstain_below if p.abstain_below is not None else issue.abstain_below,
            weights=p.weights,
        )

    def fit(self, issue: Issue | str, kb: Any = None) -> CollectiveDecision:
        """Decide ``issue`` (an :class:`Issue`, a file path, or the id of a shipped issue or
        of one in ``kb``'s package). ``kb`` also supplies the package defaults
        (``leader_caps_outcome``); without it the embedded package's apply."""
        p = self._validate_params()
        if not isinstance(issue, Issue):
            issue = load_issue(issue, kb)
        defaults = kb.defaults if kb is not None else _embedded_defaults()
        caps = p.leader_caps if p.leader_caps is not None else bool(defaults.leader_caps_outcome)
        if caps and (issue.leader is None or issue.leader_capacity is None):
            raise IssueError(
                "the package says the leader's capacity caps the outcome "
                "(leader_caps_outcome), so the issue must name a leader and its "
                "leader_capacity",
                file=f"{issue.id}.yaml",
                field="leader" if issue.leader is None else "leader_capacity",
            )
        table = issue.actor_table()
        start = dict(zip(table.names, table.position.tolist(), strict=True))
        rule = p.rule or issue.decision_rule
        width = issue.scale.max - issue.scale.min
        self.bargaining_ = None
        rows = [start]
        used, status, period = 0, "none", None
        if p.bargaining_rounds > 0:
            eu = ExpectedUtilityModel(
                rounds=p.bargaining_rounds,
                variant=p.variant,
                scale=(issue.scale.min, issue.scale.max),
            ).fit(table)
            used, status, period = bargaining_path(eu.positions_, width, p.tolerance)
            rows = [
                dict(zip(table.names, r.tolist(), strict=True)) for r in eu.positions_[: used + 1]
            ]
            self.bargaining_ = eu
        per_round = [self._decide(issue, p, rule, caps, r)["outcome"] for r in rows]
        settled = status == "settled"
        final = rows[-1] if settled else start
        decision = self._decide(issue, p, rule, caps, final)
        explanation = decision["explanation"]
        if status in ("cycle", "unsettled"):
            why = (
                f"they repeat every {period} rounds from round {used - period}"
                if status == "cycle"
                else f"they still move after {used} rounds"
            )
            explanation += (
                f" Bargaining did not settle ({why}; the rule gives outcomes from "
                f"{min(per_round):g} to {max(per_round):g} over rounds 0-{used}), so the "
                "rule is applied to the starting positions."
            )
        elif settled:
            explanation += f" Bargaining settled after {used} round(s)."
        bargaining = {
            "max_rounds": p.bargaining_rounds,
            "rounds_used": used,
            "status": status,
            "period": period,
            "tolerance": p.tolerance,
            "variant": p.variant,
            "outcomes": per_round,
            "spread": [min(per_round), max(per_round)],
        }
        result: dict[str, Any] = {
            "issue": issue.id,
            "title": issue.title,
            "date": issue.date,
            "organisation": issue.organisation,
            "rule": rule,
            "bargaining_rounds": p.bargaining_rounds,
            "bargaining": bargaining,
            "leader": issue.leader,
            "leader_capacity": (
                issue.leader_capacity.value if issue.leader_capacity is not None else None
            ),
            "leader_caps": caps,
            "actors": [
                {
                    "id": a.id,
                    "name": a.name,
                    "member": a.member,
                    "capability": a.capability.value,
                    "salience": a.salience.value,
                    "start": start[a.id],
                    "final": final[a.id],
                    "bargained": rows[-1][a.id],
                    "inferred": a.position.inferred,
                }
                for a in issue.actors
            ],
            **{k: decision[k] for k in ("outcome", "bound_by", "binding", "abstaining", "cap")},
            "label": issue.scale.label(decision["outcome"]),
            "explanation": explanation,
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
    tolerance: float = 1e-3,
    leader_caps: bool | None = None,
    kb: Any = None,
) -> dict[str, Any]:
    """Decide an issue and return the plain-data result (what the CLI prints).

    The parameters are those of :class:`CollectiveDecision` (``rounds`` is
    ``bargaining_rounds``); ``kb`` finds package issues and supplies the package defaults.

    >>> r = decide_issue("csto_kazakhstan_2022")
    >>> r["label"] == r["historical"]["label"]
    True
    """
    model = CollectiveDecision(
        rule,
        bargaining_rounds=rounds,
        tolerance=tolerance,
        variant=variant,
        abstain_below=abstain_below,
        quota=quota,
        weights=weights,
        leader_caps=leader_caps,
    )
    return model.fit(issue, kb).result_
