"""Predicted alignments on a date and what moves them: one-at-a-time what-ifs.

:func:`alignment_view` answers two questions for every shell (report, dashboard, scripts)
with the same plain data:

* *Who sides with whom?* The landscape model (:class:`~phalanx.models.landscape.LandscapeModel`)
  on the package's region actors on a date (:func:`~phalanx.models.alignment_inputs.
  alignment_inputs`): every local minimum of the energy with its basin, the global one
  flagged.
* *What moves them?* The same model rerun after one change at a time to its inputs (each
  actor's size halved and doubled; each of the strongest ties set to zero and flipped),
  and after the user's own ``shifts``/``size_factors`` when given. Each what-if reports
  which actors change side against the baseline global minimum. Coalitions have no
  identity of their own, so sides are compared as *partitions*: the coalitions after the
  change are matched to the baseline's so as to keep the most actors where they were
  (:func:`match_sides`), and only the actors that still differ count as moved. What-ifs are
  ranked by how many actors move.

The work is bounded: at most ``max_whatifs`` automatic what-ifs (:data:`MAX_WHATIFS`, 64,
by default), each needing only the global minimum: an enumeration while the landscape has
at most :data:`WHATIF_CONFIGURATIONS` configurations (two coalitions: 17 actors; a few
milliseconds each), else one MILP solve stopped after :data:`WHATIF_TIME_LIMIT` seconds
(whose answer is then flagged ``exact: False``). On the embedded data (13 actors) the
whole view takes well under a second.

These are model outputs under the model's assumptions (docs/models/alignment.md), not
forecasts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from phalanx.errors import ParameterError, UserError
from phalanx.kb.dates import parse_query_date
from phalanx.models.alignment_inputs import alignment_inputs
from phalanx.models.landscape import LandscapeModel, global_minima
from phalanx.models.landscape_inputs import AlignmentInputs
from phalanx.models.landscape_search import pair_weights

__all__ = [
    "MAX_WHATIFS",
    "WHATIF_CONFIGURATIONS",
    "WHATIF_TIME_LIMIT",
    "alignment_view",
    "automatic_whatifs",
    "match_sides",
    "run_whatif",
]

MAX_WHATIFS = 64
"""Default number of automatic what-ifs (each one a global-minimum search)."""

MAX_WHATIFS_LIMIT = 500
"""Most automatic what-ifs one view may ask for."""

WHATIF_CONFIGURATIONS = 1 << 16
"""Largest landscape a what-if enumerates (configurations); beyond it, the MILP."""

WHATIF_TIME_LIMIT = 5.0
"""Seconds allowed to each what-if's MILP solve (only when it cannot enumerate)."""

SIZE_FACTORS = (0.5, 2.0)
"""The factors each actor's size is multiplied by, one what-if each."""


def match_sides(base: Sequence[int], new: Sequence[int]) -> list[int]:
    """Each actor's side after a change, numbered as the baseline's coalitions.

    ``base`` and ``new`` give each actor's coalition label (any integers; only equality
    matters). The coalitions of ``new`` are matched one-to-one to those of ``base`` so that
    the most actors keep their coalition (an assignment problem on the overlap counts;
    ties broken by the lowest labels); a coalition of ``new`` left without a partner gets a
    number after the baseline's. An actor has moved when its returned side differs from
    its baseline coalition's number (the baseline's coalitions numbered by first
    appearance).

    >>> match_sides([0, 0, 1, 1], [1, 1, 0, 0])      # the same partition, relabelled
    [0, 0, 1, 1]
    >>> match_sides([0, 0, 1, 1], [0, 1, 1, 1])      # the second actor changed side
    [0, 1, 1, 1]
    >>> match_sides([0, 0, 0], [0, 1, 2])            # two new coalitions
    [0, 1, 2]
    """
    b = _first_appearance(base)
    n = _first_appearance(new)
    if len(b) != len(n):
        raise ValueError(f"{len(b)} baseline labels but {len(n)} new ones")
    kb, kn = max(b, default=-1) + 1, max(n, default=-1) + 1
    overlap = np.zeros((kb, kn), dtype=int)
    for i, j in zip(b, n, strict=True):
        overlap[i, j] += 1
    rows, cols = linear_sum_assignment(-overlap)
    side = {int(j): int(i) for i, j in zip(rows, cols, strict=True) if overlap[i, j] > 0}
    extra = kb
    for j in range(kn):
        if j not in side:
            side[j] = extra
            extra += 1
    return [side[j] for j in n]


def _first_appearance(labels: Sequence[int]) -> list[int]:
    """Labels renumbered 0, 1, ... in order of first appearance."""
    seen: dict[int, int] = {}
    return [seen.setdefault(int(v), len(seen)) for v in labels]


def _coalitions(actors: Sequence[str], sides: Sequence[int]) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for a, s in zip(actors, sides, strict=True):
        groups.setdefault(s, []).append(a)
    return [groups[s] for s in sorted(groups)]


def run_whatif(
    inputs: AlignmentInputs,
    base: Sequence[int],
    *,
    k: int = 2,
    seed: int = 0,
    max_configurations: int = WHATIF_CONFIGURATIONS,
    time_limit: float = WHATIF_TIME_LIMIT,
) -> dict[str, Any]:
    """The global minimum of (changed) ``inputs`` compared with the baseline labels ``base``.

    Returns ``{"moved": [actor ids], "sides": [side per actor, numbered as the
    baseline's coalitions], "global": coalitions, "energy", "exact", "ties"}``. When
    several configurations tie for the global minimum, the one closest to the baseline
    (fewest actors moved) is reported and ``ties`` counts them.
    """
    w = pair_weights(inputs.sizes, inputs.propensity)
    found, e, exact = global_minima(
        w, k, max_configurations=max_configurations, time_limit=time_limit, seed=seed
    )
    ref = _first_appearance(base)
    best: list[int] | None = None
    for labels in found:
        sides = match_sides(ref, labels)
        if best is None or _n_moved(ref, sides) < _n_moved(ref, best):
            best = sides
    assert best is not None
    return {
        "moved": [a for a, r, s in zip(inputs.actors, ref, best, strict=True) if r != s],
        "sides": best,
        "global": _coalitions(inputs.actors, best),
        "energy": float(e),
        "exact": bool(exact),
        "ties": len(found),
    }


def _n_moved(ref: Sequence[int], sides: Sequence[int]) -> int:
    return sum(r != s for r, s in zip(ref, sides, strict=True))


def automatic_whatifs(
    inputs: AlignmentInputs, names: Mapping[str, str] | None = None, most: int = MAX_WHATIFS
) -> list[dict[str, Any]]:
    """The one-at-a-time changes to try, at most ``most`` of them, in priority order.

    Sizes first claim up to half the budget: each actor's size halved and doubled, the
    largest actors first. Ties take the rest: the pairs with the largest weight in the
    energy (``|s_i s_j p_ij|``), each set to zero and flipped; sizes take back what the
    ties leave unused. Each change is ``{"label", "change", "shifts", "size_factors"}``
    where ``shifts``/``size_factors`` are the arguments of
    :meth:`~phalanx.models.landscape_inputs.AlignmentInputs.adjusted`.
    """
    names = names or {}
    n = len(inputs.actors)
    by_size = sorted(range(n), key=lambda i: (-float(inputs.sizes[i]), inputs.actors[i]))
    sizes = []
    for i in by_size:
        a = inputs.actors[i]
        for f in SIZE_FACTORS:
            word = "halved" if f == 0.5 else "doubled" if f == 2.0 else f"times {f:g}"
            sizes.append(
                {
                    "label": f"{names.get(a, a)}'s size {word}",
                    "change": {"kind": "size", "actor": a, "factor": f},
                    "shifts": None,
                    "size_factors": {a: f},
                }
            )
    w = np.abs(pair_weights(inputs.sizes, inputs.propensity))
    pairs = sorted(
        ((float(w[i, j]), i, j) for i in range(n) for j in range(i + 1, n) if w[i, j] > 0),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    ties = []
    for _, i, j in pairs:
        a, b = inputs.actors[i], inputs.actors[j]
        p = float(inputs.propensity[i, j])
        for what, delta in (("set to zero", -p), ("flipped", -2.0 * p)):
            ties.append(
                {
                    "label": f"{names.get(a, a)}-{names.get(b, b)} tie {what} (was {p:+.3g})",
                    "change": {
                        "kind": "shift",
                        "a": a,
                        "b": b,
                        "what": "zero" if delta == -p else "flip",
                        "propensity": p,
                        "delta": delta,
                    },
                    "shifts": {(a, b): delta},
                    "size_factors": None,
                }
            )
    n_ties = min(len(ties), most - min(len(sizes), most // 2))
    n_sizes = min(len(sizes), most - n_ties)
    return sizes[:n_sizes] + ties[:n_ties]


def _check_user(
    inputs: AlignmentInputs,
    shifts: Mapping[tuple[str, str], float] | None,
    size_factors: Mapping[str, float] | None,
) -> None:
    """Name the option and the actor of a bad user what-if (before any work)."""
    known = set(inputs.actors)
    listing = ", ".join(inputs.actors)
    for pair, delta in (shifts or {}).items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise UserError(f"a shift is keyed by two actor ids; got {pair!r}", field="shifts")
        bad = [a for a in pair if a not in known]
        if bad:
            raise UserError(
                f"unknown actor {bad[0]!r} in shift {pair[0]}:{pair[1]}; known: {listing}",
                field="shifts",
            )
        if pair[0] == pair[1]:
            raise UserError(
                f"a shift needs two different actors; got {pair[0]}:{pair[1]}", field="shifts"
            )
        if not np.isfinite(float(delta)):
            raise UserError(
                f"shift {pair[0]}:{pair[1]} must be a finite number; got {delta}", field="shifts"
            )
    for a, f in (size_factors or {}).items():
        if a not in known:
            raise UserError(f"unknown actor {a!r}; known: {listing}", field="size_factors")
        if not (np.isfinite(float(f)) and float(f) > 0):
            raise UserError(
                f"the size factor of {a} must be > 0 and finite; got {f}", field="size_factors"
            )


def _user_label(
    shifts: Mapping[tuple[str, str], float] | None, size_factors: Mapping[str, float] | None
) -> str:
    parts = [f"{a}:{b} {d:+g}" for (a, b), d in (shifts or {}).items()]
    parts += [f"{a} size x{f:g}" for a, f in (size_factors or {}).items()]
    return "your what-if: " + ", ".join(parts)


def alignment_view(
    kb: Any,
    at: dt.date | str,
    *,
    k: int = 2,
    weighting: str = "default",
    shifts: dict[tuple[str, str], float] | None = None,
    size_factors: dict[str, float] | None = None,
    seed: int = 0,
    max_whatifs: int = MAX_WHATIFS,
) -> dict[str, Any]:
    """The predicted alignments of the package's region actors on ``at`` and what moves them.

    ``kb``: a :class:`~phalanx.kb.KnowledgeBase`; ``at``: a date (partial ISO text
    allowed); ``k``: most coalitions (2..50); ``weighting``: a named weighting of relations
    and memberships; ``shifts`` (``{(A, B): delta}`` added to the propensity of A and B)
    and ``size_factors`` (``{A: factor > 0}``): the user's own what-if, run beside the
    automatic ones; ``seed`` (>= 0) seeds the MILP's heuristics when the model cannot
    enumerate (an enumeration is exact and uses no randomness); ``max_whatifs``
    (0..500, default :data:`MAX_WHATIFS`): the bound on automatic what-ifs.

    Returns plain, JSON-ready data::

        {"date", "k", "actors", "names", "method", "minima_complete", "energy_convention",
         "minima": [{"energy", "is_global", "basin_size", "basin_share", "coalitions"}],
         "baseline": {"coalitions", "sides", "energy", "ties"},
         "whatifs": [{"rank", "label", "change", "user", "moved", "n_moved", "global",
                      "sides", "energy", "exact", "ties"}],
         "inputs": {"source", "weighting", "sizes", "notes", "rows", "sources"},
         "settings": {...}, "data_version", "seed"}

    ``sides`` give each actor's coalition numbered as the baseline global minimum's
    coalitions (``baseline.sides``), so a what-if's sides can be set against them.
    ``whatifs`` holds the user's what-if first (``user: True``), then the automatic ones
    by the number of actors moved (most first; ties in the order tried). A ``change`` is
    ``{"kind": "size", "actor", "factor"}``, ``{"kind": "shift", "a", "b", "what": "zero"
    | "flip", "propensity", "delta"}`` or ``{"kind": "user", "shifts": [{"a", "b",
    "delta"}], "size_factors": [{"actor", "factor"}]}``.
    Bad input is a :class:`~phalanx.errors.UserError` naming the field.
    """
    if (
        isinstance(max_whatifs, bool)
        or not isinstance(max_whatifs, int)
        or not (0 <= max_whatifs <= MAX_WHATIFS_LIMIT)
    ):
        raise ParameterError(
            f"must be a whole number from 0 to {MAX_WHATIFS_LIMIT}; got {max_whatifs!r}",
            field="max_whatifs",
        )
    try:
        day = at if isinstance(at, dt.date) else parse_query_date(str(at))
    except ValueError as e:
        raise UserError(str(e), field="at") from None
    model = LandscapeModel(k=k, seed=seed)
    model._validate_params()  # refuse bad settings before any work
    inputs = alignment_inputs(kb, day, weighting=weighting)
    _check_user(inputs, shifts, size_factors)
    model.fit(inputs.sizes, inputs.propensity, labels=inputs.actors)
    result = model.to_dict()
    names = {a["id"]: a["name"] for a in kb.actors()}
    base = list(model.global_minimum_.labels)
    base_sides = _first_appearance(base)

    tried: list[dict[str, Any]] = []
    if shifts or size_factors:
        tried.append(
            {
                "label": _user_label(shifts, size_factors),
                "change": {
                    "kind": "user",
                    "shifts": [
                        {"a": a, "b": b, "delta": float(d)} for (a, b), d in (shifts or {}).items()
                    ],
                    "size_factors": [
                        {"actor": a, "factor": float(f)} for a, f in (size_factors or {}).items()
                    ],
                },
                "shifts": shifts,
                "size_factors": size_factors,
                "user": True,
            }
        )
    tried += [{**c, "user": False} for c in automatic_whatifs(inputs, names, max_whatifs)]
    whatifs = []
    for c in tried:
        changed = inputs.adjusted(c["shifts"], c["size_factors"])
        out = run_whatif(changed, base, k=k, seed=model.seed_)
        whatifs.append(
            {
                "label": c["label"],
                "change": c["change"],
                "user": c["user"],
                "n_moved": len(out["moved"]),
                **out,
            }
        )
    order = sorted(
        range(len(whatifs)), key=lambda t: (not whatifs[t]["user"], -whatifs[t]["n_moved"], t)
    )
    ranked = [{"rank": r + 1, **whatifs[t]} for r, t in enumerate(order)]
    return {
        "date": day.isoformat(),
        "k": k,
        "actors": list(inputs.actors),
        "names": {a: names.get(a, a) for a in inputs.actors},
        "method": result["method"],
        "minima_complete": result["minima_complete"],
        "energy_convention": result["energy_convention"],
        "minima": [
            {
                key: m[key]
                for key in ("energy", "is_global", "basin_size", "basin_share", "coalitions")
            }
            for m in result["minima"]
        ],
        "baseline": {
            "coalitions": _coalitions(inputs.actors, base_sides),
            "sides": base_sides,
            "energy": float(model.global_minimum_.energy),
            "ties": len(model.global_minima_),
        },
        "whatifs": ranked,
        "inputs": {
            "source": inputs.source,
            "weighting": weighting,
            "sizes": {a: float(s) for a, s in zip(inputs.actors, inputs.sizes, strict=True)},
            "notes": list(inputs.notes),
            "rows": {key: list(v) for key, v in inputs.rows.items()},
            "sources": list(inputs.sources),
        },
        "settings": {
            "k": k,
            "weighting": weighting,
            "seed": model.seed_,
            "max_whatifs": max_whatifs,
            "size_factors": list(SIZE_FACTORS),
            "whatif_configurations": WHATIF_CONFIGURATIONS,
            "whatif_time_limit": WHATIF_TIME_LIMIT,
            "solver": result["solver"],
        },
        "data_version": kb.version,
        "seed": model.seed_,
    }
