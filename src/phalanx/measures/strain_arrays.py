"""The strain index's components that a simulated state determines, over many replicates.

The membership simulation (``phalanx.models.dynamics``) produces, per replicate and year,
statuses, conflicts, dependence, threat perceptions and requests for assistance. Four of
the strain index's components (:mod:`phalanx.measures.strain`) follow from these alone and
are computed here with the index's own formulas, vectorised over a leading replicate axis
``R`` (``N`` actors, ``K`` threat targets); "members" are the actors with status MEMBER, as
the index counts full members:

``member_conflicts``
    Sum over member pairs of the conflict intensity, over the number of pairs (nan with
    fewer than two members).
``arms_independence``
    One minus the mean dependence on the leader of the members other than the leader
    (nan when there are none).
``unanswered_requests``
    The decay-weighted share of requests answered below ``answered_level``: each request
    weighs ``0.5 ** (age / half_life)``; the caller keeps the two weighted sums (see
    :func:`request_decay`), so a year costs ``O(R)`` whatever the number of requests.
``threat_divergence``
    Over the targets that at least one member perceives (threat > 0), leaving out targets
    that are members themselves, the mean of ``4 p (1 - p)``, ``p`` the share of members
    perceiving it (nan with fewer than two members or no such target).

Frustration and vote divergence need data a simulation does not produce and are left
out; :func:`simulated_strain` gives the weighted mean of the components that have a value
(weights :data:`~phalanx.measures.strain.DEFAULT_COMPONENT_WEIGHTS`). Nothing here reads
the knowledge base: the inputs are plain arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "SIM_COMPONENTS",
    "member_conflicts",
    "arms_independence",
    "threat_divergence",
    "unanswered_requests",
    "request_decay",
    "simulated_strain",
]

MEMBER = 1  # the status code of a full member (phalanx.kb.arrays.MEMBER)

SIM_COMPONENTS = (
    "member_conflicts",
    "arms_independence",
    "unanswered_requests",
    "threat_divergence",
)
"""The components computed here, in the column order of :func:`simulated_strain`."""


def member_conflicts(
    status: np.ndarray, conflict: np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray:
    """``(R,)`` intensity-weighted share of member pairs in conflict.

    ``conflict`` is ``(R, N, N)`` symmetric with a zero diagonal, ``(N, N)`` for every
    replicate, or the pairs that can be in conflict as ``(i, j, values)``: index vectors
    ``(E,)`` with ``i < j`` and ``values (R, E)`` (every other pair is 0). Cost
    ``O(R N**2)`` dense, ``O(R E)`` as pairs.
    """
    m = status == MEMBER
    n = m.sum(axis=1)
    pairs = n * (n - 1) / 2
    if isinstance(conflict, tuple):
        i, j, values = conflict
        both = m[:, i] & m[:, j]
        total = np.where(both, values, 0.0).sum(axis=1)
    else:
        mf = m.astype(float)
        if conflict.ndim == 2:
            total = np.einsum("ri,ij,rj->r", mf, conflict, mf) / 2
        else:
            total = np.einsum("ri,rij,rj->r", mf, conflict, mf) / 2
    return np.where(pairs > 0, total / np.where(pairs > 0, pairs, 1), np.nan)


def arms_independence(status: np.ndarray, dependence: np.ndarray, leader: int) -> np.ndarray:
    """``(R,)`` one minus the mean dependence of the members other than ``leader``.
    Cost ``O(R N)``."""
    m = status == MEMBER
    m = m.copy()
    m[:, leader] = False
    n = m.sum(axis=1)
    total = np.where(m, dependence, 0.0).sum(axis=1)
    return np.where(n > 0, 1 - total / np.maximum(n, 1), np.nan)


def threat_divergence(
    status: np.ndarray, threat: np.ndarray, target_actor: np.ndarray | None = None
) -> np.ndarray:
    """``(R,)`` mean ``4 p (1 - p)`` over the targets some member perceives.

    ``threat`` is ``(R, N, K)`` (or ``(N, K)``); ``target_actor[k]`` is the index of target
    ``k`` among the actors, -1 when it is not one; a target that is a member is left out,
    as the strain index leaves out members' perceptions of one another. Cost ``O(R N K)``.
    """
    m = status == MEMBER
    n = m.sum(axis=1)
    r = status.shape[0]
    k = threat.shape[-1]
    if k == 0:
        return np.full(r, np.nan)
    perceived = (threat > 0).astype(float)
    mf = m.astype(float)
    if perceived.ndim == 2:  # the same perceptions in every replicate: one product
        count = mf @ perceived
    else:
        count = np.einsum("rn,rnk->rk", mf, perceived)
    valid = count > 0
    if target_actor is not None:
        ta = np.asarray(target_actor)
        inside = ta >= 0
        if inside.any():
            is_member = np.zeros((r, k), dtype=bool)
            is_member[:, inside] = m[:, ta[inside]]
            valid &= ~is_member
    p = count / np.maximum(n, 1)[:, None]
    div = np.where(valid, 4 * p * (1 - p), 0.0).sum(axis=1)
    nv = valid.sum(axis=1)
    return np.where((n >= 2) & (nv > 0), div / np.maximum(nv, 1), np.nan)


def request_decay(half_life_years: float, years: float = 1.0) -> float:
    """The factor by which a request's weight ``0.5 ** (age / half_life)`` shrinks when it
    ages ``years`` (multiply both running sums by it once a year)."""
    return float(0.5 ** (years / half_life_years))


def unanswered_requests(unanswered_weight: np.ndarray, total_weight: np.ndarray) -> np.ndarray:
    """``(R,)`` weighted share of unanswered requests (nan where there is none).

    ``total_weight`` is the sum of ``0.5 ** (age / half_life)`` over all requests so far,
    ``unanswered_weight`` the same sum over those answered below ``answered_level``.
    """
    t = np.asarray(total_weight, dtype=float)
    u = np.asarray(unanswered_weight, dtype=float)
    return np.where(t > 0, u / np.where(t > 0, t, 1), np.nan)


def simulated_strain(
    status: np.ndarray,
    conflict: np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray],
    dependence: np.ndarray,
    threat: np.ndarray,
    leader: int,
    unanswered_weight: np.ndarray,
    total_weight: np.ndarray,
    *,
    target_actor: np.ndarray | None = None,
    weights: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The simulated strain index ``(R,)`` and components ``(R, 4)`` in :data:`SIM_COMPONENTS`
    order (nan where a component has no value; the index is nan when none has).

    ``conflict`` as :func:`member_conflicts` takes it; ``threat`` ``(R, N, K)`` or ``(N, K)``.

    The index is the weighted mean of the components with a value, with ``weights``
    (default the strain index's :data:`~phalanx.measures.strain.DEFAULT_COMPONENT_WEIGHTS`).
    Cost ``O(R N (N + K))``.
    """
    if weights is None:
        from phalanx.measures.strain import DEFAULT_COMPONENT_WEIGHTS

        weights = DEFAULT_COMPONENT_WEIGHTS
    comps = np.stack(
        [
            member_conflicts(status, conflict),
            arms_independence(status, dependence, leader),
            unanswered_requests(unanswered_weight, total_weight),
            threat_divergence(status, threat, target_actor),
        ],
        axis=1,
    )
    w = np.array([float(weights.get(c, 0.0)) for c in SIM_COMPONENTS])
    has = ~np.isnan(comps) & (w > 0)
    total = np.where(has, w, 0.0).sum(axis=1)
    num = np.where(has, comps * w, 0.0).sum(axis=1)
    index = np.where(total > 0, num / np.where(total > 0, total, 1), np.nan)
    return index, comps
