"""Alignment by the landscape theory of aggregation (Axelrod & Bennett 1993).

Actors ``i`` have sizes ``s_i > 0`` and symmetric pairwise propensities ``p_ij`` (positive:
affinity, negative: antagonism). A configuration ``X`` puts each actor in one of ``k``
coalitions; ``d_ij(X)`` is 1 when ``i`` and ``j`` are apart and 0 when together. Actor
``i``'s frustration is ``F_i(X) = sum_{j != i} s_j p_ij d_ij(X)`` and the energy is the
size-weighted sum of frustrations, as in the paper (footnote 2):

    E(X) = sum_i s_i F_i(X) = sum over ordered pairs i != j of s_i s_j p_ij d_ij(X)

so each unordered pair counts twice (``E = 2 sum_{i<j} ...``). Separating friends raises
the energy, separating enemies lowers it. Actors are myopic and move one at a time to
lower their own frustration; by the symmetry of ``p`` every such move lowers ``E`` by
twice the actor's gain, so the predicted alignments are the *local minima* of ``E`` under
single-actor moves. Which minimum is reached depends on the starting configuration: its
*basin of attraction* (see :class:`LandscapeModel`, setting ``basin``).

``energy`` and ``local_minima`` are plain functions; :class:`LandscapeModel` is the
estimator that chooses the exact method and records every result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field

from phalanx.errors import ParameterError, UserError
from phalanx.models.landscape_milp import frustration_work_limit_supported, milp_global_minimum
from phalanx.models.landscape_search import (
    count_partitions,
    default_tolerance,
    exhaustive_partitions,
    exhaustive_two,
    pair_weights,
)
from phalanx.params import Estimator, Settings
from phalanx.seeds import resolve_seed

__all__ = [
    "Alignment",
    "energy",
    "local_minima",
    "global_minima",
    "LandscapeModel",
    "LandscapeParams",
    "EXHAUSTIVE_LIMIT",
]

ENERGY_CONVENTION = "ordered pairs, sum_{i != j} s_i s_j p_ij d_ij (Axelrod & Bennett 1993)"


@dataclass(frozen=True)
class Alignment:
    """One configuration: canonical labels (actor 0 in coalition 0), energy and basin.

    ``basin_size`` counts configurations (alignments, not labelled assignments) whose
    descent ends here; ``basin_share`` divides it by the number of configurations. Both are
    None when the method cannot compute them (MILP).
    """

    labels: tuple[int, ...]
    energy: float
    basin_size: float | None = None
    basin_share: float | None = None
    is_global: bool = False

    def coalitions(self, actors: Sequence[str]) -> list[list[str]]:
        """Members of each coalition, in the order coalitions first appear."""
        groups: dict[int, list[str]] = {}
        for actor, label in zip(actors, self.labels, strict=True):
            groups.setdefault(label, []).append(actor)
        return [groups[c] for c in sorted(groups)]

    def to_dict(self, actors: Sequence[str]) -> dict[str, Any]:
        """Plain, JSON-serialisable form."""
        return {
            "coalitions": self.coalitions(actors),
            "energy": self.energy,
            "basin_size": self.basin_size,
            "basin_share": self.basin_share,
            "is_global": self.is_global,
        }


def energy(config: Sequence[int] | np.ndarray, sizes: Sequence[float], propensity: Any) -> Any:
    """Axelrod-Bennett energy of one configuration (or of each row of a 2-D array).

    ``config`` gives each actor's coalition label (any integers; only equality matters).
    Cost ``O(m n**2)`` for ``m`` configurations of ``n`` actors.

    >>> p = [[0, 1, -2], [1, 0, 0.5], [-2, 0.5, 0]]
    >>> energy([0, 0, 1], [1, 2, 3], p)  # 2 * (1*3*(-2) + 2*3*0.5)
    -6.0
    >>> energy([[0, 0, 0], [0, 1, 1]], [1, 2, 3], p).tolist()
    [0.0, -8.0]
    """
    w = pair_weights(np.asarray(sizes, dtype=float), np.asarray(propensity, dtype=float))
    x = np.asarray(config)
    if x.shape[-1] != w.shape[0]:
        raise ValueError(f"config has {x.shape[-1]} labels for {w.shape[0]} actors.")
    apart = x[..., :, None] != x[..., None, :]
    e = (apart * w).sum(axis=(-2, -1))
    return float(e) if x.ndim == 1 else e


def _alignments(res: Any, tol: float) -> list[Alignment]:
    """Alignments of an enumeration's minima, best energy first, flagged global if tied."""
    e = res.energies[res.minima]
    emin = float(res.energies.min())
    labels = res.decode(res.minima)
    out = [
        Alignment(
            tuple(int(v) for v in labels[t]),
            float(e[t]),
            None if np.isnan(res.basin_sizes[t]) else float(res.basin_sizes[t]),
            None
            if np.isnan(res.basin_sizes[t])
            else float(res.basin_sizes[t] / res.n_configurations),
            bool(e[t] <= emin + tol),
        )
        for t in range(res.minima.size)
    ]
    return sorted(out, key=lambda a: (a.energy, -(a.basin_size or 0.0), a.labels))


def local_minima(
    sizes: Sequence[float], propensity: Any, k: int = 2, basin: str | None = "steepest"
) -> list[Alignment]:
    """Every local minimum into at most ``k`` coalitions, by exhaustive enumeration.

    Sorted by energy. Cost: ``O(2**n n)`` for ``k = 2``, ``O(B_k(n) n**2 k)`` otherwise.

    >>> p = [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]
    >>> [(a.labels, a.energy, a.basin_size) for a in local_minima([1, 1, 1], p)]
    [((0, 0, 1), -4.0, 4.0)]
    """
    w = pair_weights(np.asarray(sizes, dtype=float), np.asarray(propensity, dtype=float))
    res = exhaustive_two(w, basin=basin) if k == 2 else exhaustive_partitions(w, k, basin=basin)
    return _alignments(res, default_tolerance(w))


def global_minima(
    w: np.ndarray,
    k: int = 2,
    *,
    max_configurations: int = 1 << 24,
    time_limit: float = 60.0,
    seed: int | None = None,
) -> tuple[list[tuple[int, ...]], float, bool]:
    """Global minima of the energy for pair weights ``w``: (all tied labellings, energy, exact).

    Enumerates when the landscape has at most ``max_configurations`` configurations (all
    ties returned), otherwise solves the MILP (one optimum; ``exact`` is False if HiGHS
    stopped before proving optimality; ``seed`` seeds its heuristics).
    """
    n = w.shape[0]
    tol = default_tolerance(w)
    if _n_configurations(n, k) <= max_configurations:
        res = (
            exhaustive_two(w, basin=None)
            if k == 2
            else exhaustive_partitions(w, k, basin=None, max_configurations=max_configurations)
        )
        emin = float(res.energies[res.minima].min())
        best = res.minima[res.energies[res.minima] <= emin + tol]
        return [tuple(int(v) for v in row) for row in res.decode(best)], emin, True
    m = milp_global_minimum(w, k, time_limit=time_limit, seed=seed)
    return [tuple(int(v) for v in m.labels)], m.energy, m.optimal


def _n_configurations(n: int, k: int) -> int:
    return 1 << (n - 1) if k == 2 else count_partitions(n, k)


def _largest_enumerable(k: int, max_configurations: int) -> int:
    """The most actors whose landscape into ``k`` coalitions fits ``max_configurations``."""
    n = 1
    while _n_configurations(n + 1, k) <= max_configurations:
        n += 1
    return n


EXHAUSTIVE_LIMIT = 1 << 25
"""Most configurations an enumeration may visit (two coalitions: 26 actors, ~0.5 GB)."""


MILP_ROW_LIMIT = 6_000_000
"""Most constraints of the k-coalition MILP (``3 k n(n-1)/2``; about 1 GB to build)."""


class LandscapeParams(Settings):
    """The declared parameters of :class:`LandscapeModel` (ranges refuse runaway work)."""

    k: int = Field(2, ge=2, le=50, description="Largest number of coalitions (2..50).")
    method: Literal["auto", "exhaustive", "milp"] = Field(
        "auto", description="auto, exhaustive (every local minimum) or milp (global minimum only)."
    )
    basin: Literal["steepest", "stochastic"] = Field(
        "steepest", description="Descent rule for basins: steepest or stochastic."
    )
    max_configurations: int = Field(
        1 << 24,
        ge=1,
        le=EXHAUSTIVE_LIMIT,
        description=f"Largest landscape enumerated (configurations, 1..{EXHAUSTIVE_LIMIT:,}).",
    )
    max_actors: int = Field(
        500, ge=2, le=5000, description="Most actors the model accepts (2..5,000)."
    )
    time_limit: float = Field(
        60.0, gt=0.0, le=86_400.0, description="Seconds allowed to the MILP solver (0..86,400)."
    )
    work_limit: int | None = Field(
        None,
        ge=1,
        le=10**9,
        description="Branch-and-bound nodes allowed to the MILP (deterministic; none if unset).",
    )
    seed: int | None = Field(
        None, ge=0, description="Seed of the solver's heuristics (None: fresh, recorded)."
    )


class LandscapeModel(Estimator):
    """Landscape-theory alignment estimator: settings in ``__init__``, work in :meth:`fit`.

    Every parameter is declared in :class:`LandscapeParams` (ranges, units) and checked at
    the start of :meth:`fit`; out-of-range values raise a ``ParameterError``.

    Parameters
    ----------
    k : int, default 2
        Largest number of coalitions. Axelrod and Bennett used two; with ``k > 2`` an actor
        may also move to a coalition of its own while fewer than ``k`` exist.
    method : {"auto", "exhaustive", "milp"}, default "auto"
        ``"exhaustive"`` enumerates the whole landscape (every local minimum, basins, all
        energies); ``"milp"`` finds only the global minimum, with HiGHS. ``"auto"``
        enumerates when there are at most ``max_configurations`` configurations.
    basin : {"steepest", "stochastic"}, default "steepest"
        How descent from a configuration is defined when sizing basins. ``"steepest"``: the
        actor whose move lowers the energy most moves (ties: lowest index); deterministic,
        so basins partition the landscape and their sizes sum to the number of
        configurations. ``"stochastic"``: an actor drawn uniformly among those whose move
        lowers the energy moves, as in Axelrod and Bennett's incremental dynamics; the
        basin size is then the exact expected number of starting configurations ending in
        each minimum (costlier: memory ``8 n`` bytes per configuration).
    max_configurations : int, default 2**24
        Size limit of the enumeration (``2**(n-1)`` for two coalitions: up to 25 actors; at
        most ``EXHAUSTIVE_LIMIT`` = 2**25). Beyond it ``"auto"`` takes the MILP (global
        minimum only) and ``"exhaustive"`` is refused with the numbers.
    max_actors : int, default 500
        More actors are refused (the MILP has ``n(n-1)/2`` pair variables).
    time_limit : float, default 60.0
        Seconds allowed to the MILP solver (the enumeration is bounded by its size).
    work_limit : int or None, default None
        Branch-and-bound nodes allowed to the MILP: a limit that stops at the same point
        on every machine, so a limited result is reproducible.
    seed : int or None, default None
        Seed of the solver's heuristics; None draws one, recorded in ``seed_``.

    Attributes
    ----------
    labels_ : tuple of str
    method_ : str
        ``"exhaustive"`` or ``"milp"``, as resolved.
    global_minimum_ : Alignment
    global_minima_ : list of Alignment
        All configurations tied at the lowest energy (one only, with the MILP).
    minima_ : list of Alignment
        Every local minimum with its energy and basin, lowest energy first (the global
        minimum alone with the MILP: see ``minima_complete_``).
    minima_complete_ : bool
        True when ``minima_`` lists every local minimum (enumeration).
    energies_ : ndarray or None
        Energy of every configuration in enumeration order (see :meth:`configuration`).
    n_configurations_ : int
    tolerance_ : float
        A move must lower the energy by more than this to count (``1e-10 sum|W|``).
    solver_ : dict or None
        For the MILP: status, optimality, lower bound, gap, node count and ``limit``
        (None, ``"time"`` or ``"work"``: which limit stopped the solve early).
    seed_ : int
        The seed used.

    Examples
    --------
    >>> p = [[0, 2, -1, -1], [2, 0, -1, 0], [-1, -1, 0, 1], [-1, 0, 1, 0]]
    >>> m = LandscapeModel().fit([1, 1, 1, 1], p, labels=["A", "B", "C", "D"])
    >>> m.global_minimum_.coalitions(m.labels_), m.global_minimum_.energy
    ([['A', 'B'], ['C', 'D']], -6.0)
    >>> LandscapeModel(k=0).fit([1, 1], [[0, 1], [1, 0]])
    Traceback (most recent call last):
    ...
    phalanx.errors.ParameterError: The 'k' parameter of LandscapeModel must be greater than or equal to 2. Got 0 instead.
    """

    Params = LandscapeParams

    def __init__(
        self,
        k: int = 2,
        method: str = "auto",
        basin: str = "steepest",
        max_configurations: int = 1 << 24,
        max_actors: int = 500,
        time_limit: float = 60.0,
        work_limit: int | None = None,
        seed: int | None = None,
    ) -> None:
        self.k = k
        self.method = method
        self.basin = basin
        self.max_configurations = max_configurations
        self.max_actors = max_actors
        self.time_limit = time_limit
        self.work_limit = work_limit
        self.seed = seed

    def fit(
        self, sizes: Sequence[float], propensity: Any, labels: Sequence[str] | None = None
    ) -> LandscapeModel:
        """Find the global minimum and (when enumerating) every local minimum and basin.

        ``sizes``: ``n`` positive numbers; ``propensity``: symmetric ``n x n`` matrix (its
        diagonal is ignored); ``labels``: ``n`` distinct actor ids (default "0".."n-1").
        Returns ``self``.
        """
        params = self._validate_params()
        try:
            w = pair_weights(np.asarray(sizes, dtype=float), np.asarray(propensity, dtype=float))
        except ValueError as e:
            raise UserError(str(e)) from None
        n = w.shape[0]
        names = tuple(str(i) for i in range(n)) if labels is None else tuple(map(str, labels))
        if len(names) != n or len(set(names)) != n:
            raise UserError(f"labels must be {n} distinct actor ids; got {list(names)}.")
        if n > self.max_actors:
            raise ParameterError(
                f"{n} actors are more than this model accepts (max_actors={self.max_actors}); "
                f"name fewer actors or raise max_actors (at most 5,000)",
                field="max_actors",
            )
        n_conf = _n_configurations(n, self.k)
        method = self.method
        if method == "auto":
            method = "exhaustive" if n_conf <= self.max_configurations else "milp"
        if method == "exhaustive" and n_conf > self.max_configurations:
            most = _largest_enumerable(self.k, self.max_configurations)
            raise ParameterError(
                f"{n} actors in at most {self.k} coalitions have {n_conf:,} configurations, "
                f"more than the exhaustive search allows (max_configurations="
                f"{self.max_configurations:,}: at most {most} actors); use method='milp' "
                f"(global minimum only) or name fewer actors",
                field="method",
            )
        if method == "milp" and self.k > 2:
            rows = 3 * self.k * n * (n - 1) // 2
            if rows > MILP_ROW_LIMIT:
                raise ParameterError(
                    f"{n} actors in at most {self.k} coalitions make a MILP of about {rows:,} "
                    f"constraints, more than this model builds ({MILP_ROW_LIMIT:,}); use fewer "
                    f"coalitions (k=2 has no such limit) or fewer actors",
                    field="k",
                )
        self.seed_ = resolve_seed(params.seed)
        self.labels_ = names
        self.sizes_ = np.asarray(sizes, dtype=float)
        self.propensity_ = (np.asarray(propensity, float) + np.asarray(propensity, float).T) / 2
        np.fill_diagonal(self.propensity_, 0.0)
        self.method_ = method
        self.tolerance_ = default_tolerance(w)
        self.n_configurations_ = n_conf
        self.solver_: dict[str, Any] | None = None
        if method == "exhaustive":
            if self.k == 2:
                res = exhaustive_two(w, basin=self.basin)
            else:
                res = exhaustive_partitions(
                    w, self.k, basin=self.basin, max_configurations=self.max_configurations
                )
            self.minima_ = _alignments(res, self.tolerance_)
            self.energies_: np.ndarray | None = res.energies
            self._decode = res.decode
            self.minima_complete_ = True
        else:
            m = milp_global_minimum(
                w, self.k, time_limit=self.time_limit, work_limit=self.work_limit, seed=self.seed_
            )
            self.minima_ = [Alignment(tuple(int(v) for v in m.labels), m.energy, is_global=True)]
            self.energies_ = None
            self._decode = None
            self.minima_complete_ = False
            self.solver_ = {
                "solver": (
                    "HiGHS via the frustration index"
                    if self.k == 2
                    and (self.work_limit is None or frustration_work_limit_supported())
                    else "HiGHS (scipy.optimize.milp)"
                ),
                "status": m.status,
                "optimal": m.optimal,
                "lower_bound": m.lower_bound,
                "gap": m.energy - m.lower_bound,
                "nodes": m.nodes,
                "limit": m.limit,
                "time_limit": self.time_limit,
                "work_limit": self.work_limit,
            }
        self.global_minima_ = [a for a in self.minima_ if a.is_global]
        self.global_minimum_ = self.global_minima_[0]
        return self

    def configuration(self, index: int) -> tuple[int, ...]:
        """Canonical labels of configuration ``index`` of ``energies_`` (enumeration only)."""
        if getattr(self, "_decode", None) is None:
            raise ValueError("configuration() needs a fitted exhaustive model.")
        return tuple(int(v) for v in self._decode(np.array([index]))[0])

    def to_dict(self) -> dict[str, Any]:
        """The fitted result as plain, JSON-serialisable data (inputs and settings included)."""
        if not hasattr(self, "global_minimum_"):
            raise ValueError("This LandscapeModel is not fitted yet; call fit() first.")
        return {
            "model": "landscape (Axelrod & Bennett 1993)",
            "energy_convention": ENERGY_CONVENTION,
            "params": self.get_params(),
            "seed": self.seed_,
            "actors": list(self.labels_),
            "sizes": self.sizes_.tolist(),
            "propensity": self.propensity_.tolist(),
            "method": self.method_,
            "n_configurations": self.n_configurations_,
            "tolerance": self.tolerance_,
            "global_minimum": self.global_minimum_.to_dict(self.labels_),
            "minima": [a.to_dict(self.labels_) for a in self.minima_],
            "minima_complete": self.minima_complete_,
            "solver": self.solver_,
        }
