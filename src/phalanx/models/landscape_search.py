"""Exact searches of the landscape-theory energy: enumeration and mixed-integer programming.

The public model lives in :mod:`phalanx.models.landscape`; this module holds the numerical
kernels it calls. Every kernel works on the *pair-weight matrix* ``W = s s^T * P`` (sizes
times propensities, zero diagonal), for which the Axelrod-Bennett energy of a configuration
``x`` (one coalition label per actor) is

    E(x) = sum over ordered pairs i != j of W_ij * [x_i != x_j]

(each unordered pair counts twice, as in the paper). Three exact methods:

* :func:`exhaustive_two` -- two coalitions, all ``2**(n-1)`` configurations with actor 0
  fixed on side 0 (a configuration and its mirror image are the same alignment). Energies
  and all single-actor switch gains come from one matrix product per half of the bits,
  so the cost is ``O(2**n * n)`` time and ``O(2**n)`` memory. 25 actors take seconds.
* :func:`exhaustive_partitions` -- at most ``k`` coalitions, all set partitions into at
  most ``k`` blocks (restricted growth strings), ``O(B_k(n) * n**2 * k)`` time where
  ``B_k(n) = sum_{j<=k} S(n, j)`` (Stirling numbers of the second kind).
* :func:`phalanx.models.landscape_milp.milp_global_minimum` -- the global minimum only, by a mixed-integer programme
  solved with HiGHS (``scipy.optimize.milp``). Worst-case exponential (the two-coalition
  problem is weighted max-cut, NP-hard), but it needs no enumeration and returns a proven
  bound when stopped early. Local minima cannot be listed this way: listing them needs the
  whole landscape, which only the enumerations provide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ExhaustiveResult",
    "pair_weights",
    "default_tolerance",
    "count_partitions",
    "restricted_growth_strings",
    "canonical_labels",
    "exhaustive_two",
    "exhaustive_partitions",
]

#: Largest ``n_configurations * n_actors`` for which stochastic basins are computed.
STOCHASTIC_CELL_LIMIT = 1 << 26


def pair_weights(sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Validated pair-weight matrix ``W_ij = s_i s_j p_ij`` with a zero diagonal.

    ``sizes`` must be a 1-D array of finite positive numbers; ``propensity`` a finite,
    symmetric ``n x n`` matrix (the diagonal is ignored). Raises ``ValueError`` otherwise.

    >>> pair_weights(np.array([1.0, 2.0]), np.array([[9.0, -1.0], [-1.0, 9.0]]))
    array([[ 0., -2.],
           [-2.,  0.]])
    """
    s = np.asarray(sizes, dtype=float)
    p = np.asarray(propensity, dtype=float)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-D array; got shape {s.shape}.")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("sizes must be finite and > 0.")
    if p.shape != (s.size, s.size):
        raise ValueError(f"propensity must be {s.size} x {s.size}; got shape {p.shape}.")
    off = ~np.eye(s.size, dtype=bool)
    if not np.all(np.isfinite(p[off])):
        raise ValueError("propensity must be finite off the diagonal.")
    scale = max(1.0, float(np.abs(p[off]).max(initial=0.0)))
    if not np.allclose(p[off], p.T[off], rtol=0.0, atol=1e-9 * scale):
        i, j = np.argwhere(~np.isclose(p, p.T, rtol=0.0, atol=1e-9 * scale) & off)[0]
        raise ValueError(
            f"propensity must be symmetric; p[{i},{j}]={p[i, j]} but p[{j},{i}]={p[j, i]}."
        )
    w = np.outer(s, s) * (p + p.T) / 2.0
    np.fill_diagonal(w, 0.0)
    return w


def default_tolerance(w: np.ndarray) -> float:
    """Energy tolerance ``1e-10 * sum|W|``: a switch must gain more than this to count.

    Relative, so that tiny CINC-scale sizes (products around 1e-7) and large integer
    scales (Axelrod-Bennett style, products around 1e4) are treated alike.
    """
    return 1e-10 * float(np.abs(w).sum())


@dataclass(frozen=True)
class ExhaustiveResult:
    """Whole-landscape result of an enumeration.

    Attributes
    ----------
    energies : ndarray of float, shape (n_configurations,)
        Energy of every configuration, in enumeration order (see ``decode``).
    minima : ndarray of int
        Indices of the local minima (no single actor can lower the energy by moving).
    basin_sizes : ndarray of float
        For each minimum, the number of configurations that descend to it
        (``"steepest"``: an integer count, the basins partition the landscape;
        ``"stochastic"``: the expected count over uniformly chosen improving moves;
        ``None``: not computed, NaN).
    decode : callable
        Maps an array of indices to an ``(m, n)`` array of canonical labels.
    n_configurations : int
        Number of distinct configurations (alignments) enumerated.
    """

    energies: np.ndarray
    minima: np.ndarray
    basin_sizes: np.ndarray
    decode: Callable[[np.ndarray], np.ndarray]
    n_configurations: int


def count_partitions(n: int, k: int) -> int:
    """Number of partitions of ``n`` actors into at most ``k`` non-empty coalitions.

    >>> count_partitions(4, 2), count_partitions(4, 4)
    (8, 15)
    """
    # Stirling numbers of the second kind by the recurrence S(m, j) = j S(m-1, j) + S(m-1, j-1).
    row = [1] + [0] * k  # S(0, j)
    for _ in range(n):
        row = [0] + [j * row[j] + row[j - 1] for j in range(1, k + 1)]
    return sum(row[1:])


def restricted_growth_strings(n: int, k: int) -> np.ndarray:
    """All restricted growth strings of length ``n`` with labels below ``k``, in lexicographic order.

    Each string is one partition into at most ``k`` coalitions: actor 0 has label 0 and
    each later actor takes a label at most one above the largest label before it.
    Shape ``(count_partitions(n, k), n)``, dtype int8.

    >>> restricted_growth_strings(3, 2).tolist()
    [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1]]
    """
    rows = np.zeros((1, 1), dtype=np.int8)
    top = np.zeros(1, dtype=np.int8)
    for _ in range(1, n):
        parts, tops = [], []
        for c in range(k):
            sel = top + 1 >= c
            if sel.any():
                r = rows[sel]
                parts.append(np.column_stack([r, np.full(len(r), c, dtype=np.int8)]))
                tops.append(np.maximum(top[sel], c).astype(np.int8))
        rows, top = np.concatenate(parts), np.concatenate(tops)
    order = np.lexsort(rows.T[::-1])
    return rows[order]


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel each row so that coalitions are numbered by first appearance (0, 1, ...).

    Two rows describe the same alignment exactly when their canonical labels are equal.

    >>> canonical_labels(np.array([[2, 2, 0, 1], [1, 0, 1, 1]])).tolist()
    [[0, 0, 1, 2], [0, 1, 0, 0]]
    """
    x = np.atleast_2d(np.asarray(labels, dtype=np.int64))
    m, n = x.shape
    kmax = int(x.max(initial=0)) + 1
    pos = np.full((m, kmax), n, dtype=np.int64)
    cols = np.broadcast_to(np.arange(n), (m, n))
    np.minimum.at(pos, (np.repeat(np.arange(m), n), x.ravel()), cols.ravel())
    rank = np.argsort(np.argsort(pos, axis=1, kind="stable"), axis=1, kind="stable")
    return np.take_along_axis(rank, x, axis=1).astype(np.int8)


def _basins(
    succ: np.ndarray,
    minima: np.ndarray,
    basin: str | None,
    delta: np.ndarray | None = None,
    targets: Callable[[int], np.ndarray] | None = None,
    tol: float = 0.0,
) -> np.ndarray:
    """Basin sizes of ``minima``, by pointer jumping or by exact mass propagation."""
    n_conf = succ.size
    if basin is None:
        return np.full(minima.size, np.nan)
    if basin == "steepest":
        # Each configuration has one steepest successor; doubling the pointers
        # (root <- root[root]) reaches every descent's end in O(log depth) passes.
        root = succ
        while True:
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
        return np.bincount(root, minlength=n_conf)[minima].astype(float)
    # Stochastic descent: an actor chosen uniformly among those that can lower the energy
    # makes its best move. Push one unit of mass from every configuration along those
    # moves, round by round, until all of it rests in minima (energy strictly falls, so
    # the number of rounds is at most the longest improving path).
    assert delta is not None and targets is not None
    improving = delta < -tol
    n_imp = improving.sum(axis=1)
    mass = np.ones(n_conf)
    absorbed = np.zeros(n_conf)
    stuck = n_imp == 0
    while True:
        absorbed[stuck] += mass[stuck]
        mass[stuck] = 0.0
        if not mass.any():
            break
        share = mass / np.maximum(n_imp, 1)
        new = np.zeros(n_conf)
        for a in range(delta.shape[1]):
            sel = improving[:, a] & (share > 0)
            if sel.any():
                new += np.bincount(targets(a)[sel], weights=share[sel], minlength=n_conf)
        mass = new
    return absorbed[minima]


def exhaustive_two(
    w: np.ndarray,
    *,
    basin: str | None = "steepest",
    tol: float | None = None,
    block_bits: int = 14,
) -> ExhaustiveResult:
    """Enumerate every two-coalition alignment of ``n`` actors (actor 0 fixed on side 0).

    Configuration index ``c`` in ``0 .. 2**(n-1)-1`` puts actor ``j >= 1`` on side 1 iff
    bit ``j-1`` of ``c`` is set. With spins ``sigma = 1 - 2x`` and local fields
    ``h = W sigma``, ``E = (sum W - sigma.h) / 2`` and switching actor ``i`` changes the
    energy by ``2 sigma_i h_i``. The fields are split as ``h = h_low + h_high`` over the low
    and high bits, each a small matrix product, so a block of ``2**block_bits``
    configurations costs ``O(2**block_bits * n)``. Steepest descent moves the actor with the
    most negative change (ties: lowest index).

    Time ``O(2**n * n)``; memory about 13 bytes per configuration (energies and successors),
    plus ``8 n`` per configuration for ``basin="stochastic"``.

    >>> w = pair_weights(np.ones(3), np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0.0]]))
    >>> r = exhaustive_two(w)
    >>> r.energies.tolist(), r.minima.tolist(), r.decode(r.minima).tolist()
    ([0.0, 0.0, -4.0, 0.0], [2], [[0, 0, 1]])
    """
    n = w.shape[0]
    m = n - 1
    if m > 40:
        raise ValueError(f"exhaustive search of {n} actors is out of reach; use the MILP.")
    tol = default_tolerance(w) if tol is None else tol
    n_conf = 1 << m
    idx_dtype = np.int32 if m < 31 else np.int64
    wsum = float(w.sum())
    low = min(m, block_bits)
    high = m - low
    low_codes = np.arange(1 << low, dtype=np.int64)
    sig_low = 1.0 - 2.0 * ((low_codes[:, None] >> np.arange(low)) & 1)
    h_low = w[0][None, :] + sig_low @ w[1 : low + 1, :]
    high_codes = np.arange(1 << high, dtype=np.int64)
    sig_high = 1.0 - 2.0 * ((high_codes[:, None] >> np.arange(high)) & 1)
    h_high = sig_high @ w[low + 1 :, :]
    flip = np.array([n_conf - 1] + [1 << j for j in range(m)], dtype=np.int64)

    energies = np.empty(n_conf)
    succ = np.empty(n_conf, dtype=idx_dtype)
    stochastic = basin == "stochastic"
    if stochastic and n_conf * n > STOCHASTIC_CELL_LIMIT:
        raise ValueError(f"stochastic basins of {n} actors need too much memory; use 'steepest'.")
    delta_all = np.empty((n_conf, n)) if stochastic else None
    # Actor-major layout (n, block): reductions over actors become elementwise passes.
    sig = np.empty((n, 1 << low))
    sig[0] = 1.0
    sig[1 : low + 1] = sig_low.T
    h_low_t = np.ascontiguousarray(h_low.T)
    q = np.empty_like(sig)
    best = np.empty(1 << low)
    arg = np.empty(1 << low, dtype=np.int64)
    for b in range(1 << high):
        sig[low + 1 :] = sig_high[b][:, None]
        np.add(h_low_t, h_high[b][:, None], out=q)
        q *= sig  # q[i] = sigma_i h_i; switching actor i changes E by 2 q[i]
        start = b << low
        stop = start + (1 << low)
        energies[start:stop] = 0.5 * (wsum - q.sum(axis=0))
        np.minimum.reduce(q, axis=0, out=best)
        for i in range(n - 1, -1, -1):  # the lowest actor index wins ties
            arg[q[i] == best] = i
        idx = low_codes + start
        succ[start:stop] = np.where(2.0 * best < -tol, idx ^ flip[arg], idx)
        if delta_all is not None:
            delta_all[start:stop] = 2.0 * q.T
    minima = np.flatnonzero(succ == np.arange(n_conf, dtype=idx_dtype))
    all_idx = np.arange(n_conf, dtype=np.int64)
    sizes = _basins(succ, minima, basin, delta_all, lambda a: all_idx ^ flip[a], tol)

    def decode(indices: np.ndarray) -> np.ndarray:
        c = np.asarray(indices, dtype=np.int64).reshape(-1, 1)
        out = np.zeros((c.shape[0], n), dtype=np.int8)
        out[:, 1:] = (c >> np.arange(m)) & 1
        return out

    return ExhaustiveResult(energies, minima, sizes, decode, n_conf)


def exhaustive_partitions(
    w: np.ndarray,
    k: int,
    *,
    basin: str | None = "steepest",
    tol: float | None = None,
    max_configurations: int = 5_000_000,
    block: int = 1 << 15,
) -> ExhaustiveResult:
    """Enumerate every partition of the actors into at most ``k`` coalitions.

    A single move takes one actor to the coalition where its frustration is lowest: an
    existing one or, while fewer than ``k`` are in use, a new one of its own. With
    ``F_ic = sum_{j in c, j != i} W_ij`` (actor i's affinity with coalition c), the energy is
    ``sum W - sum_i F_{i, x_i}`` and moving ``i`` from ``a`` to ``b`` changes it by
    ``2 (F_ia - F_ib)``. Configurations are the restricted growth strings in lexicographic
    order; a move's result is relabelled canonically and found by binary search.

    Time ``O(B_k(n) * n**2 * k)`` with ``B_k(n) = count_partitions(n, k)``; raises
    ``ValueError`` beyond ``max_configurations``.

    >>> w = pair_weights(np.ones(3), np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0.0]]))
    >>> r = exhaustive_partitions(w, 3)
    >>> r.decode(r.minima).tolist(), r.energies[r.minima].tolist()
    ([[0, 0, 1]], [-4.0])
    """
    n = w.shape[0]
    total = count_partitions(n, k)
    if total > max_configurations:
        raise ValueError(
            f"{total} partitions of {n} actors into at most {k} coalitions exceed "
            f"max_configurations={max_configurations}; use the MILP."
        )
    tol = default_tolerance(w) if tol is None else tol
    configs = restricted_growth_strings(n, k)
    radix = k ** np.arange(n - 1, -1, -1, dtype=np.int64)
    codes = configs.astype(np.int64) @ radix  # increasing, since rows are lexicographic
    wsum = float(w.sum())
    stochastic = basin == "stochastic"
    if stochastic and total * n > STOCHASTIC_CELL_LIMIT:
        raise ValueError(f"stochastic basins of {total} partitions need too much memory.")
    energies = np.empty(total)
    succ = np.empty(total, dtype=np.int64)
    delta_all = np.empty((total, n)) if stochastic else None
    target_all = np.empty((total, n), dtype=np.int64) if stochastic else None
    labels = np.arange(k)

    def lookup(rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(codes, canonical_labels(rows).astype(np.int64) @ radix)

    for start in range(0, total, block):
        x = configs[start : start + block].astype(np.int64)
        bsz = x.shape[0]
        z = (x[:, :, None] == labels).astype(float)  # (b, n, k) one-hot
        f = np.einsum("ij,bjc->bic", w, z)  # affinity of each actor with each coalition
        own = np.take_along_axis(f, x[:, :, None], axis=2)[:, :, 0]
        energies[start : start + bsz] = wsum - own.sum(axis=1)
        other = f.copy()
        np.put_along_axis(other, x[:, :, None], -np.inf, axis=2)
        best = other.argmax(axis=2)
        delta = 2.0 * (own - np.take_along_axis(other, best[:, :, None], axis=2)[:, :, 0])
        idx = np.arange(start, start + bsz)
        a = delta.argmin(axis=1)
        moved = delta[np.arange(bsz), a] < -tol
        nxt = idx.copy()
        if moved.any():
            y = x[moved].copy()
            y[np.arange(y.shape[0]), a[moved]] = best[moved, a[moved]]
            nxt[moved] = lookup(y)
        succ[start : start + bsz] = nxt
        if delta_all is not None and target_all is not None:
            delta_all[start : start + bsz] = delta
            y = np.repeat(x[:, None, :], n, axis=1)  # (b, n_moves, n)
            ar = np.arange(n)
            y[:, ar, ar] = best
            target_all[start : start + bsz] = lookup(y.reshape(-1, n)).reshape(bsz, n)
    minima = np.flatnonzero(succ == np.arange(total))
    sizes = _basins(
        succ, minima, basin, delta_all, (lambda a: target_all[:, a]) if stochastic else None, tol
    )
    return ExhaustiveResult(energies, minima, sizes, lambda i: configs[np.asarray(i)], total)
