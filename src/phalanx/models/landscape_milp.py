"""Global minimum of the landscape-theory energy by mixed-integer programming (HiGHS).

Enumeration (:mod:`phalanx.models.landscape_search`) lists every local minimum but costs
``O(2**n)``; beyond about 25 actors only the global minimum is within reach, and this module
finds it with ``scipy.optimize.milp`` (the HiGHS branch-and-cut solver). The two-coalition
problem is weighted max-cut, NP-hard in general, so the worst case stays exponential, but
alliance data are close to balanced and solve fast; an early stop still returns the best
alignment found and a proven lower bound on the energy.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from phalanx.models.landscape_search import canonical_labels
from phalanx.seeds import resolve_seed

__all__ = ["MilpResult", "milp_global_minimum", "frustration_global_minimum"]


@dataclass(frozen=True)
class MilpResult:
    """Global minimum found by the MILP, with the solver's own account of it.

    ``optimal`` is True only when HiGHS proved optimality; otherwise ``lower_bound`` is
    the proven bound on the energy (``energy - lower_bound`` is the gap). ``limit`` says
    which limit stopped the solve early: None (it ran to the end), ``"time"`` (the clock)
    or ``"work"`` (the deterministic node limit). ``seed`` is the seed the solve used.
    """

    labels: np.ndarray
    energy: float
    lower_bound: float
    optimal: bool
    status: str
    nodes: int
    limit: str | None = None
    seed: int | None = None


def _limit(message: str, optimal: bool) -> str | None:
    """Which limit a HiGHS status message reports (None when the solve finished)."""
    if optimal:
        return None
    text = message.lower()
    if "node limit" in text or "work limit" in text or "solution limit" in text:
        return "work"
    if "time limit" in text:
        return "time"
    return None


def frustration_work_limit_supported() -> bool:
    """Whether :func:`phalanx.network.frustration_index` takes a ``work_limit`` argument.

    Seam: the frustration index is getting a deterministic work limit; until it has one,
    a work-limited two-coalition solve uses the plain model, whose node limit HiGHS honours.
    """
    from phalanx.network.frustration import frustration_index

    return "work_limit" in inspect.signature(frustration_index).parameters


def milp_global_minimum(
    w: np.ndarray,
    k: int = 2,
    *,
    time_limit: float = 60.0,
    mip_rel_gap: float = 0.0,
    method: str = "auto",
    work_limit: int | None = None,
    seed: int | None = None,
) -> MilpResult:
    """Global minimum of the energy over alignments into at most ``k`` coalitions, by MILP.

    ``k = 2``: binaries ``x_i`` (side of actor i, ``x_0 = 0``) and continuous
    ``d_ij in [0, 1]`` for each pair with ``W_ij != 0``; minimise ``sum 2 W_ij d_ij`` with
    ``d_ij >= |x_i - x_j|`` when ``W_ij > 0`` and ``d_ij <= x_i + x_j``,
    ``d_ij <= 2 - x_i - x_j`` when ``W_ij < 0`` (the frustration-index model of a signed
    graph). ``k > 2``: binaries ``x_ic`` with ``sum_c x_ic = 1`` and ``x_ic = 0`` for
    ``c > i`` (breaks the relabelling symmetry), continuous ``y_ij`` (same coalition)
    bounded by ``y_ij <= 1 - |x_ic - x_jc|`` when ``W_ij > 0`` and
    ``y_ij >= x_ic + x_jc - 1`` when ``W_ij < 0``; minimise ``sum W - sum 2 W_ij y_ij``.
    Size: ``n k`` binaries, ``n(n-1)/2`` continuous variables and ``O(n**2 k)`` rows.
    For ``k = 2``, ``method="frustration"`` hands the problem to
    :func:`frustration_global_minimum`, whose model is stronger on hard instances;
    ``method="plain"`` solves the model above; the default ``"auto"`` tries the plain model
    for a tenth of the time (at most 2 s), which settles near-balanced data at once, and
    otherwise spends the rest on the stronger model. ``work_limit`` caps the
    branch-and-bound nodes HiGHS explores, a limit that ends at the same point on every
    machine (unlike ``time_limit``, which stays as a safety net); with it and ``k = 2``,
    ``"auto"`` solves the plain model alone unless the frustration index accepts a work
    limit too (:func:`frustration_work_limit_supported`). ``seed`` (>= 0; None: fresh entropy) seeds
    the frustration heuristics; it is recorded in the result.

    >>> from phalanx.models.landscape_search import pair_weights
    >>> w = pair_weights(np.ones(3), np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0.0]]))
    >>> r = milp_global_minimum(w)
    >>> r.labels.tolist(), r.energy, r.optimal
    ([0, 0, 1], -4.0, True)
    """
    if method not in ("auto", "plain", "frustration"):
        raise ValueError(f"method must be 'auto', 'plain' or 'frustration'; got {method!r}")
    seed = resolve_seed(seed)
    if k == 2 and method == "frustration":
        return frustration_global_minimum(
            w, time_limit=time_limit, work_limit=work_limit, seed=seed
        )
    if k == 2 and method == "auto" and work_limit is not None:
        method = "frustration" if frustration_work_limit_supported() else "plain"
        return milp_global_minimum(
            w,
            2,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            method=method,
            work_limit=work_limit,
            seed=seed,
        )
    if k == 2 and method == "auto":
        # the plain model settles near-balanced (alliance-like) data in milliseconds; when
        # it cannot within a tenth of the budget, the stronger model takes the rest
        first = milp_global_minimum(
            w, 2, time_limit=min(2.0, time_limit / 10), method="plain", seed=seed
        )
        if first.optimal:
            return first
        return frustration_global_minimum(
            w, time_limit=max(time_limit - min(2.0, time_limit / 10), 1.0), seed=seed
        )
    n = w.shape[0]
    iu, ju = np.triu_indices(n, 1)
    keep = w[iu, ju] != 0
    iu, ju, wp = iu[keep], ju[keep], w[iu, ju][keep]
    npair = iu.size
    pos, neg = np.flatnonzero(wp > 0), np.flatnonzero(wp < 0)
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(
        entries: list[tuple[np.ndarray, float]], lower: float, upper: float, count: int
    ) -> None:
        nonlocal r
        for col, coef in entries:
            rows.append(r + np.arange(count))
            cols.append(col)
            vals.append(np.full(count, coef))
        lo.append(np.full(count, lower))
        hi.append(np.full(count, upper))
        r += count

    if k == 2:
        nx = n
        d = nx + np.arange(npair)
        c = np.concatenate([np.zeros(n), 2.0 * wp])
        # positive pairs: d - x_i + x_j >= 0 and d + x_i - x_j >= 0
        add([(d[pos], 1.0), (iu[pos], -1.0), (ju[pos], 1.0)], 0.0, np.inf, pos.size)
        add([(d[pos], 1.0), (iu[pos], 1.0), (ju[pos], -1.0)], 0.0, np.inf, pos.size)
        # negative pairs: d - x_i - x_j <= 0 and d + x_i + x_j <= 2
        add([(d[neg], 1.0), (iu[neg], -1.0), (ju[neg], -1.0)], -np.inf, 0.0, neg.size)
        add([(d[neg], 1.0), (iu[neg], 1.0), (ju[neg], 1.0)], -np.inf, 2.0, neg.size)
        ub = np.ones(nx + npair)
        ub[0] = 0.0
        offset = 0.0
    else:
        nx = n * k
        y = nx + np.arange(npair)
        c = np.concatenate([np.zeros(nx), -2.0 * wp])
        add([(np.arange(n) * k + cc, 1.0) for cc in range(k)], 1.0, 1.0, n)
        for cc in range(k):
            xi, xj = iu * k + cc, ju * k + cc
            add([(y[pos], 1.0), (xi[pos], 1.0), (xj[pos], -1.0)], -np.inf, 1.0, pos.size)
            add([(y[pos], 1.0), (xi[pos], -1.0), (xj[pos], 1.0)], -np.inf, 1.0, pos.size)
            add([(y[neg], 1.0), (xi[neg], -1.0), (xj[neg], -1.0)], -1.0, np.inf, neg.size)
        ub = np.ones(nx + npair)
        ii, cc = np.divmod(np.arange(nx), k)
        ub[:nx][cc > ii] = 0.0
        offset = float(w.sum())
    integrality = np.concatenate([np.ones(nx), np.zeros(npair)])
    constraints = []
    if r:
        a = sparse.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(r, nx + npair),
        )
        constraints.append(LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)))
    options = {"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap)}
    if work_limit is not None:
        options["node_limit"] = int(work_limit)
    # scipy's milp passes no seed to HiGHS (its default random seed is fixed), so the
    # solve is deterministic up to the time limit; ``seed`` is recorded for the record
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(np.zeros(nx + npair), ub),
        constraints=constraints,
        options=options,
    )
    if res.x is None:
        raise RuntimeError(f"HiGHS found no alignment: {res.message}")
    xs = np.round(res.x[:nx]).astype(np.int64)
    labels = xs if k == 2 else xs.reshape(n, k).argmax(axis=1)
    labels = canonical_labels(labels)[0]
    energy = float((w * (labels[:, None] != labels[None, :])).sum())
    bound = getattr(res, "mip_dual_bound", None)
    lower = offset + float(bound) if bound is not None and np.isfinite(bound) else energy
    optimal = res.status == 0
    limit = _limit(str(res.message), optimal)
    if limit is None and not optimal and work_limit is not None:
        limit = "work"
    return MilpResult(
        labels,
        energy,
        min(lower, energy),
        optimal,
        str(res.message),
        int(getattr(res, "mip_node_count", 0) or 0),
        limit,
        seed,
    )


def frustration_global_minimum(
    w: np.ndarray,
    *,
    time_limit: float = 60.0,
    work_limit: int | None = None,
    seed: int | None = None,
) -> MilpResult:
    """Two-coalition global minimum through the exact frustration index.

    With ``W_ij = s_i s_j p_ij`` as a signed, weighted graph (sign of ``W``, weight
    ``|W|``), a split frustrates the positive pairs across it and the negative pairs
    inside it, so ``E = 2 (L - sum_{W<0} |W_ij|)`` where ``L`` is the frustration of the
    split. Minimising ``E`` is computing the frustration index, which
    :func:`phalanx.network.frustration_index` does with reductions, triangle cuts and a
    warm start. Weights are scaled to a largest ``|W|`` of 1 for the solver (CINC products
    are ~1e-5, below HiGHS's tolerances) and the energy is reported unscaled. ``seed``
    seeds the heuristics; ``work_limit`` is passed on when the frustration index takes one
    (:func:`frustration_work_limit_supported`), and refused otherwise.

    >>> from phalanx.models.landscape_search import pair_weights
    >>> w = pair_weights(np.ones(3), np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0.0]]))
    >>> r = frustration_global_minimum(w)
    >>> r.labels.tolist(), r.energy, r.optimal
    ([0, 0, 1], -4.0, True)
    """
    import networkx as nx

    from phalanx.network.frustration import frustration_index

    seed = resolve_seed(seed)
    n = w.shape[0]
    scale = float(np.abs(w).max()) or 1.0
    G = nx.Graph()
    G.add_nodes_from(range(n))
    iu, ju = np.triu_indices(n, 1)
    for i, j in zip(iu.tolist(), ju.tolist(), strict=True):
        if w[i, j] != 0:
            G.add_edge(i, j, sign=1 if w[i, j] > 0 else -1, weight=abs(float(w[i, j])) / scale)
    extra = {}
    if work_limit is not None:
        if not frustration_work_limit_supported():
            raise ValueError("the frustration index takes no work limit here; use method='plain'")
        extra["work_limit"] = work_limit
    res = frustration_index(G, weight="weight", time_limit=time_limit, seed=seed, **extra)
    labels = canonical_labels(
        np.array([res.partition.get(i, 0) for i in range(n)], dtype=np.int64)
    )[0]
    energy = float((w * (labels[:, None] != labels[None, :])).sum())
    negative = float(-w[iu, ju][w[iu, ju] < 0].sum())
    lower = 2.0 * (res.lower_bound * scale - negative)
    optimal = bool(res.optimal)
    limit = None if optimal else (res.limit or ("work" if work_limit is not None else "time"))
    return MilpResult(labels, energy, min(lower, energy), optimal, res.method, 0, limit, seed)
