"""Bueno de Mesquita's expected-utility (group decision) model.

The model follows the reconstruction by Scholz, Calbert and Smith (2011), "Unravelling Bueno
De Mesquita's group decision model", *Journal of Theoretical Politics* 23(4): 510-531. Actors
hold a position ``x`` on one issue scale, a capability ``c`` and a salience ``s`` in [0, 1].
Each round every actor weighs, against every other actor, the expected utility of challenging
it; challenges that are expected to pay become offers (a confrontation, a compromise or a
capitulation) and every actor accepts one offer and moves. The weighted mean and the median
voter position are tracked round by round; the median is the predicted outcome under majority
rule.

Equations, with ``R = x_max - x_min`` the width of the scale and ``d_ij = |x_i - x_j| / R``:

* vote of ``k`` for ``x_i`` over ``x_j``: ``v_k(i, j) = c_k s_k ((|x_k-x_j|/R)^r_k - (|x_k-x_i|/R)^r_k)``
* probability that ``i`` prevails over ``j``: ``P_ij = sum_k max(0, v_k(i, j)) / D``, with
  ``D = sum_k |v_k(i, j)|`` (variant ``"printed"``) or ``D = sum_k sum_a sum_b |v_k(a, b)|``
  over all actor pairs (variant ``"scholz_code"``, as in Scholz's own program).
* utilities, seen by actor ``p`` with risk exponent ``r_p``: success
  ``U_s = 2 - 4 (0.5 - 0.5 d_ij)^r_p``, failure ``U_f = 2 - 4 (0.5 + 0.5 d_ij)^r_p``, status
  quo ``U_sq = 2 - 4 (0.5)^r_p``, better / worse ``U_b, U_w = 2 - 4 (0.5 -/+ 0.25 (|x_i - mu|/R
  + d_ij))^r_p`` with ``mu`` the median voter position.
* expected utility of ``i`` challenging ``j``:
  ``EU = s_j (P_ij U_s + (1-P_ij) U_f) + (1-s_j) U_s - Q U_sq - (1-Q)(T U_b + (1-T) U_w)``.
* risk: with every ``r = 1``, actor ``i``'s exposure is ``e_i = sum_{j != i} EU_j(j -> i)``;
  ``R_i = (2 e_i - max e - min e) / (max e - min e)`` and ``r_i = (1 - R_i/3) / (1 + R_i/3)``,
  in [0.5, 2].
* offers to ``i`` from ``j`` (both EUs as ``i`` perceives them, with ``r_i``):
  confrontation if ``EU_ji > EU_ij > 0`` (``i`` moves to ``x_j``); compromise if
  ``EU_ji > 0 > EU_ij`` and ``EU_ji > |EU_ij|`` (``i`` moves ``|EU_ij / EU_ji|`` of the way to
  ``x_j``); capitulation if ``EU_ji > 0 > EU_ij`` and ``EU_ji < |EU_ij|`` (``i`` moves to
  ``x_j``).
* choice: ``"printed"``: the offer that moves ``i`` least. ``"scholz_code"``: confrontations
  first (least move), then compromises ranked by the weighted position
  ``(|EU_ij| x_i + |EU_ji| x_j) / (|EU_ij| + |EU_ji|)`` (lowest first), then capitulations
  (least move). Ties go to the lower position, so the result does not depend on the order of
  the actors.

Only ``"scholz_code"`` reproduces the published ten-actor EU path; see ``docs/models/decision.md``.

>>> m = ExpectedUtilityModel(rounds=2).fit([
...     {"actor": "A", "capability": 1, "position": 0, "salience": 1},
...     {"actor": "B", "capability": 1, "position": 0, "salience": 1},
... ])
>>> m.positions_.shape, m.outcome_
((3, 2), 0.0)
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from phalanx.errors import UserError
from phalanx.models.actors import as_actor_table
from phalanx.params import Estimator, Settings

__all__ = [
    "ExpectedUtilityModel",
    "ExpectedUtilityParams",
    "eu_round",
    "weighted_median",
    "weighted_mean",
    "win_probabilities",
]

VARIANTS = ("scholz_code", "printed")
OFFER_KINDS = ("confrontation", "compromise", "capitulation")


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted mean ``sum(w x) / sum(w)`` (``w = c s``, the BDM mean position).

    >>> weighted_mean(np.array([4.0, 10.0]), np.array([1.0, 3.0]))
    8.5
    """
    return float(np.dot(w, x) / w.sum())


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Median voter position: the actor position that wins every pairwise vote.

    With votes linear in distance (risk exponent 1) the position that beats all others is the
    one minimising ``sum_k w_k |x_k - a|`` over the actors' positions ``a``; ties go to the
    lowest position. ``O(n^2)``.

    >>> weighted_median(np.array([4.0, 7.0, 10.0]), np.array([24.8, 9.3, 33.6]))
    7.0
    """
    cost = np.abs(x[:, None] - x[None, :]) @ w
    best = cost.min()
    tied = cost <= best + 1e-12 * max(1.0, abs(best))
    return float(x[tied].min())


def _vote_margins(x: np.ndarray, w: np.ndarray, r: np.ndarray, prange: float) -> np.ndarray:
    """``M[a, b] = sum_k w_k max(0, D_kb - D_ka)`` with ``D_ka = (|x_k - x_a| / R)^r_k``.

    The positive part of the votes for ``a`` over ``b``. Because ``t -> t^r_k`` is increasing,
    voter ``k`` prefers ``a`` exactly when ``x_k`` lies on ``a``'s side of the midpoint
    ``(x_a + x_b) / 2``; with the voters sorted by position, the sum over those voters is a
    difference of two cumulative sums. ``O(n^2 log n)`` time and ``O(n^2)`` memory instead of
    the ``O(n^3)`` triple sum.
    """
    n = x.size
    order = np.argsort(x, kind="stable")
    xs = x[order]
    dist = (np.abs(x[order][:, None] - x[None, :]) / prange) ** r[order][:, None]
    csum = np.zeros((n + 1, n))
    np.cumsum(w[order][:, None] * dist, axis=0, out=csum[1:])
    total = csum[-1]
    mid = 0.5 * (x[:, None] + x[None, :])
    a_idx = np.arange(n)[:, None]
    b_idx = np.arange(n)[None, :]
    below = np.searchsorted(xs, mid, side="left")  # voters strictly left of the midpoint
    above = np.searchsorted(xs, mid, side="right")  # voters at or left of the midpoint
    left = csum[below, b_idx] - csum[below, a_idx]  # a < b: voters left of mid prefer a
    right = (total[b_idx] - csum[above, b_idx]) - (total[a_idx] - csum[above, a_idx])
    out = np.where(x[:, None] < x[None, :], left, np.where(x[:, None] > x[None, :], right, 0.0))
    return np.maximum(out, 0.0)


def win_probabilities(
    x: np.ndarray, w: np.ndarray, r: np.ndarray, prange: float, variant: str
) -> np.ndarray:
    """``P[a, b]``: probability that the position of ``a`` prevails over that of ``b``.

    ``variant="printed"`` divides by the votes cast in that contest; ``"scholz_code"`` by the
    votes summed over all ordered pairs of actors. ``P`` is 0 where ``x_a == x_b``.
    """
    pos = _vote_margins(x, w, r, prange)
    if variant == "printed":
        den = pos + pos.T
    else:
        den = np.full_like(pos, 2.0 * pos.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(den > 0, pos / den, 0.0)
    p[x[:, None] == x[None, :]] = 0.0
    return p


def _eu(
    r: np.ndarray,
    p: np.ndarray,
    s_target: np.ndarray,
    d: np.ndarray,
    dmu: np.ndarray,
    q: float,
    t: float,
) -> np.ndarray:
    """Expected utility of challenging, elementwise; every argument broadcasts to (n, n)."""
    us = 2.0 - 4.0 * (0.5 - 0.5 * d) ** r
    uf = 2.0 - 4.0 * (0.5 + 0.5 * d) ** r
    usq = 2.0 - 4.0 * 0.5**r
    eu = s_target * (p * us + (1.0 - p) * uf) + (1.0 - s_target) * us - q * usq
    if q < 1.0:
        ub = 2.0 - 4.0 * np.clip(0.5 - 0.25 * (dmu + d), 0.0, None) ** r
        uw = 2.0 - 4.0 * (0.5 + 0.25 * (dmu + d)) ** r
        eu = eu - (1.0 - q) * (t * ub + (1.0 - t) * uw)
    return eu


def risk_exponents(
    x: np.ndarray, c: np.ndarray, s: np.ndarray, prange: float, variant: str, q: float, t: float
) -> np.ndarray:
    """Endogenous risk exponents ``r_i`` in [0.5, 2], from each actor's exposure to challenges.

    An actor that others gain much by challenging (a weak, exposed position) gets ``r > 1``
    (risk averse); one that nobody gains by challenging gets ``r < 1`` (risk acceptant).
    """
    n = x.size
    w = c * s
    ones = np.ones(n)
    d = np.abs(x[:, None] - x[None, :]) / prange
    dmu = np.abs(x - weighted_median(x, w)) / prange
    p = win_probabilities(x, w, ones, prange, variant)
    e1 = _eu(1.0, p, s[None, :], d, dmu[:, None], q, t)  # [a, b]: a challenges b
    np.fill_diagonal(e1, 0.0)
    exposure = e1.sum(axis=0)
    lo, hi = exposure.min(), exposure.max()
    if hi - lo <= 1e-15 * max(1.0, abs(hi)):
        return ones
    big_r = (2.0 * exposure - hi - lo) / (hi - lo)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def eu_round(
    x: np.ndarray,
    c: np.ndarray,
    s: np.ndarray,
    *,
    prange: float,
    variant: str = "scholz_code",
    risk: str | float = "endogenous",
    q: float = 1.0,
    t: float = 1.0,
) -> dict[str, np.ndarray]:
    """One round of the model on arrays; returns the new positions and the round's workings.

    Returns a dict with ``position`` (new positions), ``risk`` (exponents used), ``p``
    (win probabilities), ``eu_self`` (``[i, j]``: ``i``'s EU of challenging ``j``, as ``i`` sees
    it), ``eu_other`` (``[i, j]``: ``j``'s EU of challenging ``i``, as ``i`` sees it),
    ``proposer`` (index of the accepted offer's proposer, -1 for none) and ``kind`` (0
    confrontation, 1 compromise, 2 capitulation, -1 none). ``O(n^2 log n)`` time, ``O(n^2)``
    memory.
    """
    n = x.size
    w = c * s
    if risk == "endogenous":
        r = risk_exponents(x, c, s, prange, variant, q, t)
    else:
        r = np.full(n, float(risk))
    d = np.abs(x[:, None] - x[None, :]) / prange
    dmu = np.abs(x - weighted_median(x, w)) / prange
    p = win_probabilities(x, w, r, prange, variant)
    rr = r[:, None]
    eu_ij = _eu(rr, p, s[None, :], d, dmu[:, None], q, t)
    eu_ji = _eu(rr, p.T, s[:, None], d, dmu[None, :], q, t)

    differ = x[:, None] != x[None, :]
    conf = differ & (eu_ij > 0) & (eu_ji > eu_ij)
    bargain = differ & (eu_ij < 0) & (eu_ji > 0)
    comp = bargain & (eu_ji > -eu_ij)
    capit = bargain & (eu_ji < -eu_ij)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(comp, -eu_ij / eu_ji, 0.0)
    target = np.broadcast_to(x[None, :], (n, n))
    new = np.where(comp, x[:, None] + (target - x[:, None]) * frac, target)
    move = np.abs(new - x[:, None])

    kinds = np.full((n, n), -1)
    kinds[conf], kinds[comp] = 0, 1
    if variant == "printed":
        kinds[capit] = 2
        key = np.where(kinds >= 0, move, np.inf)
    else:
        # Confrontations first, then compromises; each class ranked by its own key.
        wpos = np.where(
            comp,
            (np.abs(eu_ij) * x[:, None] + np.abs(eu_ji) * target)
            / (np.abs(eu_ij) + np.abs(eu_ji) + 1e-300),
            np.inf,
        )
        kinds[capit] = 2
        has_conf = conf.any(axis=1, keepdims=True)
        has_comp = comp.any(axis=1, keepdims=True)
        key = np.where(
            has_conf,
            np.where(conf, move, np.inf),
            np.where(has_comp, wpos, np.where(capit, move, np.inf)),
        )
    # Lexicographic (key, new position): the lowest key, ties to the lower landing point.
    best = key.min(axis=1, keepdims=True)
    finite = np.isfinite(best[:, 0])
    tie = (key <= best + 1e-12 * np.maximum(1.0, np.abs(best))) & np.isfinite(key)
    landing = np.where(tie, new, np.inf)
    choice = landing.argmin(axis=1)
    rows = np.arange(n)
    new_x = np.where(finite, new[rows, choice], x)
    proposer = np.where(finite, choice, -1)
    kind = np.where(finite, kinds[rows, choice], -1)
    return {
        "position": new_x,
        "risk": r,
        "p": p,
        "eu_self": eu_ij,
        "eu_other": eu_ji,
        "proposer": proposer,
        "kind": kind,
    }


class ExpectedUtilityParams(Settings):
    """Declared parameters of :class:`ExpectedUtilityModel` (ranges, defaults, meaning)."""

    rounds: int = Field(10, ge=0, le=10000, description="Bargaining rounds (0..10000).")
    variant: Literal["scholz_code", "printed"] = Field(
        "scholz_code", description="Model variant (see the module docstring)."
    )
    risk: str | float = Field(
        "endogenous",
        description="'endogenous' (recomputed each round) or a fixed risk exponent in "
        "[0.5, 2] for every actor (1 = risk neutral).",
    )
    q: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Probability the challenged actor expects the status quo to hold ([0, 1]).",
    )
    t: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Probability that a changing status quo changes for the better ([0, 1]).",
    )
    scale: tuple[float, float] | None = Field(
        None,
        description="Issue scale (min, max), min < max; its width normalises distances. "
        "None: the range of the initial positions.",
    )
    outcome: Literal["median", "mean"] = Field(
        "median", description="Which final statistic is reported as outcome_."
    )

    @field_validator("risk", mode="before")
    @classmethod
    def _risk(cls, v: Any) -> Any:
        if v == "endogenous":
            return v
        ok = isinstance(v, int | float) and not isinstance(v, bool) and 0.5 <= v <= 2
        if not ok:  # NaN fails the range test too
            raise ValueError("must be 'endogenous' or a number in [0.5, 2]")
        return float(v)

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError("must be a pair (min, max) of finite numbers with min < max")
        return v


class ExpectedUtilityModel(Estimator):
    """Bueno de Mesquita's expected-utility model, as replicated by Scholz et al. (2011).

    Parameters (declared, with ranges, in :class:`ExpectedUtilityParams`)
    ----------
    rounds : int, default 10
        Number of bargaining rounds (>= 0).
    variant : {"scholz_code", "printed"}, default "scholz_code"
        ``"scholz_code"`` follows the replication that reproduces the published EU path
        (probability normalised over all actor pairs; offers taken by kind, confrontation then
        compromise then capitulation; compromises ranked by weighted position). ``"printed"`` follows the equations as printed (probability
        normalised per contest; every actor takes the offer that moves it least).
    risk : "endogenous" or float in [0.5, 2], default "endogenous"
        ``"endogenous"`` recomputes each actor's risk exponent every round; a number fixes it
        for every actor (1 = risk neutral).
    q : float in [0, 1], default 1.0
        Probability the challenged actor expects the status quo to hold if no challenge is made.
    t : float in [0, 1], default 1.0
        Probability that, if the status quo changes, it changes for the better.
    scale : tuple (min, max) or None, default None
        Issue scale; its width normalises distances. ``None`` uses the range of the initial
        positions.
    outcome : {"median", "mean"}, default "median"
        Which final statistic is reported as ``outcome_``.

    Attributes
    ----------
    names_ : tuple of str
    positions_ : ndarray, shape (rounds + 1, n)
        Row 0 holds the initial positions, row ``k`` the positions after round ``k``.
    mean_position_, median_position_ : ndarray, shape (rounds + 1,)
    outcome_ : float
    risk_ : ndarray, shape (rounds, n)
        Risk exponents used in each round.
    offers_ : list of list of dict
        Per round, the offer each actor accepted (actor, proposer, kind, from, to, EUs).
    win_probability_, expected_utility_ : ndarray, shape (n, n)
        The last round's ``P[i, j]`` and ``i``'s expected utility of challenging ``j``.
    """

    Params = ExpectedUtilityParams

    def __init__(
        self,
        rounds: int = 10,
        *,
        variant: str = "scholz_code",
        risk: str | float = "endogenous",
        q: float = 1.0,
        t: float = 1.0,
        scale: tuple[float, float] | None = None,
        outcome: str = "median",
    ) -> None:
        self.rounds = rounds
        self.variant = variant
        self.risk = risk
        self.q = q
        self.t = t
        self.scale = scale
        self.outcome = outcome

    def fit(self, actors: Any, *, salience_max: float = 1.0) -> ExpectedUtilityModel:
        """Run the model on ``actors`` (list of dicts, CSV path or :class:`ActorTable`).

        ``salience_max`` rescales salience given on another scale (100 for BDM's data).
        Returns ``self``; results are in the attributes ending in ``_``.
        """
        p_ = self._validate_params()
        table = as_actor_table(actors, salience_max=salience_max)
        x = table.position.astype(float).copy()
        c, s = table.capability.astype(float), table.salience.astype(float)
        w = c * s
        if w.sum() <= 0:
            raise UserError("at least one actor needs capability > 0 and salience > 0")
        if p_.scale is not None:
            lo, hi = float(p_.scale[0]), float(p_.scale[1])
            outside = (x < lo) | (x > hi)
            if outside.any():
                k = int(np.argmax(outside))
                raise UserError(
                    f"actor {table.names[k]!r}: position {x[k]} lies outside the scale "
                    f"[{lo:g}, {hi:g}]"
                )
            prange = hi - lo
        else:
            prange = float(x.max() - x.min())
        n, rounds = x.size, int(p_.rounds)
        positions = np.empty((rounds + 1, n))
        positions[0] = x
        risk = np.ones((rounds, n))
        offers: list[list[dict[str, Any]]] = []
        p = np.zeros((n, n))
        eu = np.zeros((n, n))
        for k in range(rounds):
            if prange <= 0:  # everyone at one point: nothing to bargain over
                positions[k + 1] = x
                offers.append([])
                continue
            res = eu_round(x, c, s, prange=prange, variant=p_.variant, risk=p_.risk, q=p_.q, t=p_.t)
            offers.append(self._describe_offers(table.names, x, res))
            x = res["position"]
            positions[k + 1] = x
            risk[k] = res["risk"]
            p, eu = res["p"], res["eu_self"]
        self.names_ = table.names
        self.actors_ = table
        self.positions_ = positions
        self.mean_position_ = np.array([weighted_mean(row, w) for row in positions])
        self.median_position_ = np.array([weighted_median(row, w) for row in positions])
        self.outcome_ = float(
            self.median_position_[-1] if p_.outcome == "median" else self.mean_position_[-1]
        )
        self.risk_ = risk
        self.offers_ = offers
        self.win_probability_ = p
        self.expected_utility_ = eu
        return self

    run = fit

    @staticmethod
    def _describe_offers(
        names: tuple[str, ...], x: np.ndarray, res: dict[str, np.ndarray]
    ) -> list[dict[str, Any]]:
        out = []
        for i in np.flatnonzero(res["proposer"] >= 0):
            j = int(res["proposer"][i])
            out.append(
                {
                    "actor": names[i],
                    "proposer": names[j],
                    "kind": OFFER_KINDS[int(res["kind"][i])],
                    "from": float(x[i]),
                    "to": float(res["position"][i]),
                    "eu_actor": float(res["eu_self"][i, j]),
                    "eu_proposer": float(res["eu_other"][i, j]),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """Results as plain data (lists and floats), for JSON output."""
        return {
            "params": self.get_params(),
            "actors": list(self.names_),
            "positions": self.positions_.tolist(),
            "mean_position": self.mean_position_.tolist(),
            "median_position": self.median_position_.tolist(),
            "outcome": self.outcome_,
            "offers": self.offers_,
        }
