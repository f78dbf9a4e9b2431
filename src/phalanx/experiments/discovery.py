"""Scenario discovery: under which conditions does an outcome come about? (PRIM)

:func:`run_discovery` samples a scenario's uncertainty space
(:mod:`phalanx.experiments.uncertainties`: a Latin hypercube, or a Sobol sequence),
runs ``runs_per_point`` replicates at every point
(:mod:`phalanx.experiments.design_runner`, common random numbers across points) and
evaluates a yes/no outcome (:mod:`phalanx.experiments.outcomes`, e.g. ``exits >= 2 by
2031``) on each. Then it asks which region of the space concentrates the outcome.

**Cases.** By default (``cases="points"``) a design point is a case of interest when at
least ``share`` (default one half) of its runs have the outcome: "under these conditions
the outcome is more likely than not". With ``cases="runs"`` every run is a case (the
factors of its point, its own yes/no), so a box's density is the outcome's probability
inside it; the model's own randomness then caps the density that any box can reach.

**PRIM** (Friedman and Fisher 1999), as EMA Workbench 2.5 implements it
(``ema_workbench.analysis.prim.Prim``, lenient objective, on plain arrays), peels the box
of all cases a slice ``peel_alpha`` at a time along the factor that raises the density
most per case removed, down to ``mass_min`` of the cases, then pastes back. Each box of
the trajectory has a **coverage** (the share of all cases of interest inside it), a
**density** (the share of its cases that are of interest), a **mass** (the share of all
cases inside it) and its restricted factors, with their limits in the factors' units and
**quasi-p-values** (Bryant and Lempert 2010: a one-sided binomial test of whether the
restriction raises the density; small is significant).

**The chosen box** is, among the boxes that restrict at least one factor (the first box
holds every case and says nothing), the one of largest coverage whose density reaches
``density`` (default 0.8); ties go to fewer restricted factors, then higher density. When
no box reaches it, the densest box is chosen and ``meets_target`` is false. The whole
trajectory is returned (its first box's density is the share of cases of interest
overall), so another choice is a look-up away.

**Feature scores**: EMA's extra-trees feature scoring (Jaxa-Rozen and Kwakkel 2018) on the
same cases, a second view that ranks every factor by how much it explains, box or not.

EMA Workbench is imported inside the functions (about 3 s; its warning that ipyparallel is
missing is silenced). Results are plain dicts and lists. Cost: the runs (see the design
runner), then PRIM's O(steps x d x cases) and the forest's O(trees x cases log cases).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.params import Estimator, Settings

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.experiments.scenario import Scenario
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.params import MembershipParams

__all__ = [
    "DiscoverySettings",
    "PrimParams",
    "PrimDiscovery",
    "feature_scores",
    "run_discovery",
    "ema",
]


class DiscoverySettings(Settings):
    """The settings of a discovery experiment (the CLI's options come from here)."""

    points: int = Field(
        1000, ge=10, le=1_000_000, description="Points of the design (10..1,000,000)."
    )
    runs_per_point: int = Field(
        50, ge=1, le=10_000, description="Replicates at each point (1..10,000)."
    )
    design: Literal["lhs", "sobol"] = Field(
        "lhs", description="The design: lhs (Latin hypercube) or sobol (scrambled Sobol)."
    )
    cases: Literal["points", "runs"] = Field(
        "points",
        description="What PRIM classifies: points (a point is of interest when at least "
        "--share of its runs have the outcome) or runs (each run, with its point's factors).",
    )
    share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of a point's runs with the outcome that makes it a case of "
        "interest (>0..1; with cases=points).",
    )
    density: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Density the chosen box must reach (>0..1); the one of largest coverage "
        "among those is chosen.",
    )
    seed: int | None = Field(
        None,
        ge=0,
        le=2**63 - 1,
        description="Root seed (default: the scenario's own, else fresh entropy, recorded).",
    )


class PrimParams(Settings):
    """Declared settings of :class:`PrimDiscovery`."""

    peel_alpha: float = Field(0.05, gt=0, lt=0.5, description="Share peeled per step (>0..<0.5).")
    paste_alpha: float = Field(
        0.05, gt=0, lt=0.5, description="Share pasted back per step (>0..<0.5)."
    )
    mass_min: float = Field(
        0.05, gt=0, lt=1, description="Smallest share of the cases a box may hold (>0..<1)."
    )
    density: float = Field(
        0.8, gt=0, le=1, description="Density the chosen box must reach (>0..1)."
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """EMA's import and pandas' chatter: warnings that say nothing about the result."""
    import logging

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel.*")
        warnings.filterwarnings("ignore", category=ImportWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        logger = logging.getLogger("EMA")
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            yield
        finally:
            logger.setLevel(level)


def ema() -> Any:
    """EMA Workbench's ``analysis`` package, imported quietly (about 3 s the first time).

    A missing install is a UserError saying how to get it."""
    try:
        with _quiet():
            from ema_workbench import analysis
            from ema_workbench.analysis import feature_scoring, prim  # noqa: F401
    except ImportError:
        raise UserError(
            "scenario discovery needs EMA Workbench 2.5: pip install 'phalanx[discovery]'",
            field="discover",
        ) from None
    return analysis


def _frame(x: np.ndarray | Sequence[np.ndarray], names: Sequence[str]) -> tuple[Any, list[bool]]:
    """A DataFrame of the factors, one float column each, and which were whole numbers.

    EMA 2.5.3's pasting step fails on int64 columns under pandas 3 (it converts only int32
    pastes), so whole numbers are peeled as floats; their limits are then rounded inwards
    (:meth:`PrimDiscovery.fit`), which keeps exactly the same cases in the box.
    """
    import pandas as pd

    cols = list(np.asarray(x).T) if isinstance(x, np.ndarray) else list(x)
    if len(cols) != len(names):
        raise ValueError(f"expected {len(names)} columns, got {len(cols)}")
    whole = [np.asarray(c).dtype.kind in "iu" for c in cols]
    frame = pd.DataFrame({n: np.asarray(c, float) for n, c in zip(names, cols, strict=True)})
    return frame, whole


def _binary(y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},); got {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0 and 1 only")
    return y.astype(np.int64)


def _num(v: Any, whole: bool) -> float | int:
    return int(round(float(v))) if whole else float(v)


class PrimDiscovery(Estimator):
    """PRIM on plain arrays, in the estimator shape (see the module text).

    ``fit(x, y, names)``: ``x`` the factors ``(n, d)`` (or a list of ``d`` columns, whole
    numbers as integer columns), ``y`` 0/1 of length ``n`` with both values present.
    Results: ``trajectory_`` (one dict per box: ``box, coverage, density, mass, n, k,
    restricted``), ``limits_`` (per box, the restricted factors' ``factor, low, high,
    qp_low, qp_high``; a side left open has qp None), ``chosen_`` (index into the
    trajectory), ``meets_target_`` and ``result()`` (all of it as one plain dict).
    """

    Params = PrimParams

    def __init__(
        self,
        *,
        peel_alpha: float = 0.05,
        paste_alpha: float = 0.05,
        mass_min: float = 0.05,
        density: float = 0.8,
    ) -> None:
        self.peel_alpha = peel_alpha
        self.paste_alpha = paste_alpha
        self.mass_min = mass_min
        self.density = density

    def fit(
        self, x: np.ndarray | Sequence[np.ndarray], y: np.ndarray, names: Sequence[str]
    ) -> PrimDiscovery:
        """Find one box (peeling then pasting) and choose among its trajectory."""
        p = self._validate_params()
        frame, whole = _frame(x, names)
        integer = dict(zip(frame.columns, whole, strict=True))
        y = _binary(y, len(frame))
        if y.min() == y.max():
            raise ValueError("y must hold both 0 and 1 (cases of interest and others)")
        prim = ema().prim
        with _quiet():
            # for a 0/1 outcome every threshold in (0, 1] marks the same cases of interest;
            # the smallest keeps EMA from swapping a box below it for the box of all cases
            alg = prim.Prim(
                frame,
                y,
                threshold=1e-9,
                peel_alpha=p.peel_alpha,
                paste_alpha=p.paste_alpha,
                mass_min=p.mass_min,
            )
            box = alg.find_box()
        init = alg.box_init
        traj, limits = [], []
        for i, row in enumerate(box.peeling_trajectory.to_dict("records")):
            lims = box.box_lims[i]
            qp = box.qp[i]
            restricted = [
                str(c) for c in init.columns if not np.array_equal(lims[c].values, init[c].values)
            ]
            traj.append(
                {
                    "box": i,
                    "coverage": float(row["coverage"]),
                    "density": float(row["density"]),
                    "mass": float(row["mass"]),
                    "n": int(row["n"]),
                    "k": int(row["k"]),
                    "restricted": restricted,
                }
            )
            entry = []
            for c in restricted:
                q = qp.get(c, [-1, -1])
                low, high = float(lims[c].iloc[0]), float(lims[c].iloc[1])
                if integer[c]:  # the same whole numbers lie inside
                    low, high = int(np.ceil(low)), int(np.floor(high))
                entry.append(
                    {
                        "factor": c,
                        "low": low,
                        "high": high,
                        "qp_low": None if q[0] == -1 else float(q[0]),
                        "qp_high": None if q[1] == -1 else float(q[1]),
                    }
                )
            limits.append(entry)
        self.trajectory_ = traj
        self.limits_ = limits
        self.bounds_ = {
            str(c): [_num(init[c].iloc[0], integer[c]), _num(init[c].iloc[1], integer[c])]
            for c in init.columns
        }
        # the first box holds every case and restricts nothing: never chosen (unless alone)
        pool = [t for t in traj if t["restricted"]] or traj
        ok = [t for t in pool if t["density"] >= p.density]
        self.meets_target_ = bool(ok)
        if ok:
            best = max(ok, key=lambda t: (t["coverage"], -len(t["restricted"]), t["density"]))
        else:
            best = max(pool, key=lambda t: (t["density"], t["coverage"]))
        self.chosen_ = int(best["box"])
        self.settings_ = p.model_dump()
        return self

    def result(self) -> dict[str, Any]:
        """Everything as plain data: ``settings, rule, trajectory, limits (per box),
        chosen, meets_target, box`` (the chosen box: its statistics and limits) and
        ``bounds`` (each factor's range over the cases)."""
        i = self.chosen_
        return {
            "settings": self.settings_,
            "rule": (
                "among the boxes that restrict a factor, the one of largest coverage whose "
                f"density is at least {self.settings_['density']:g} (ties: fewer restricted "
                "factors, then higher density); if none reaches it, the densest"
            ),
            "trajectory": self.trajectory_,
            "limits": self.limits_,
            "chosen": i,
            "meets_target": self.meets_target_,
            "box": {**self.trajectory_[i], "limits": self.limits_[i]},
            "bounds": self.bounds_,
        }


def feature_scores(
    x: np.ndarray | Sequence[np.ndarray], y: np.ndarray, names: Sequence[str], *, seed: int = 0
) -> list[dict[str, Any]]:
    """EMA's extra-trees feature scores of a 0/1 outcome: ``[{factor, score}]``, highest
    first (the scores sum to 1). ``seed`` seeds the forest. O(trees x n log n)."""
    analysis = ema()
    frame, _ = _frame(x, names)
    y = _binary(y, len(frame))
    with _quiet():
        scores, _ = analysis.feature_scoring.get_ex_feature_scores(
            frame,
            y,
            mode=analysis.feature_scoring.RuleInductionType.CLASSIFICATION,
            random_state=int(seed) % 2**32,
        )
    col = scores.columns[0]
    return [{"factor": str(f), "score": float(s)} for f, s in scores[col].items()]


def run_discovery(
    kb: KnowledgeBase,
    scenario: str | Path | Scenario,
    outcome: str,
    *,
    organization: str | None = None,
    start: str | dt.date | None = None,
    years: int | None = None,
    points: int = 1000,
    runs_per_point: int = 50,
    design: str = "lhs",
    seed: int | None = None,
    parameters: Mapping[str, tuple[float, float]] | Sequence[str] | None = None,
    params: MembershipParams | str | Path | None = None,
    cases: str = "points",
    share: float = 0.5,
    density: float = 0.8,
    backend: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Scenario discovery for a yes/no ``outcome`` over ``scenario``'s uncertainty space.

    ``years`` defaults to just reaching the outcome's year; ``parameters`` adds model
    parameters with ranges (``{"beta_patrons": (0, 4)}`` or ``["beta_patrons=0:4"]``);
    ``params`` fixes others (a MembershipParams or a calibrated-values file). The seed
    defaults to the scenario's, else fresh entropy; it seeds the design (its own stream)
    and the replicates. Returns ``{"metadata", "outcome", "factors", "cases", "prim",
    "feature_scores"}``: ``cases`` says how many cases and cases of interest there were,
    ``prim`` is :meth:`PrimDiscovery.result` (None, with ``cases["note"]``, when the
    outcome is never or always of interest) and ``feature_scores`` that of
    :func:`feature_scores`. Bad settings are a ParameterError; a bad outcome, scenario or
    parameter range a UserError.
    """
    from phalanx.experiments.design_runner import run_design, setup_design
    from phalanx.experiments.outcomes import bind, parse_outcome
    from phalanx.experiments.uncertainties import DESIGN_STREAM, design_generator, make_design
    from phalanx.seeds import resolve_seed

    s = DiscoverySettings(
        points=points,
        runs_per_point=runs_per_point,
        design=design,
        cases=cases,
        share=share,
        density=density,
        seed=seed,
    )
    PrimParams(density=density)
    target = parse_outcome(outcome)
    if not target.binary:
        raise UserError(
            f"{target.text!r} is a number, not a yes/no outcome; discovery needs a "
            f"condition, e.g. '{target.quantity}{':' + target.actor if target.actor else ''}"
            f" >= 1 {'at' if target.quantity in ('members', 'capacity', 'strain') else 'by'} "
            f"{target.year}'",
            field="--outcome",
        )
    setup = setup_design(
        kb,
        scenario,
        organization=organization,
        start=start,
        years=years,
        reach=target.year,
        parameters=_ranges(parameters),
        params=params,
    )
    bound = bind(target, setup.state, setup.years)
    root = resolve_seed(s.seed if s.seed is not None else setup.scenario.seed)
    u = make_design(s.design, setup.space.d, s.points, root)
    run = run_design(
        setup,
        u,
        [bound],
        runs_per_point=s.runs_per_point,
        seed=root,
        backend=backend,
        workers=workers,
        progress=progress,
    )
    hits = run.values[:, :, 0]  # (P, k), 1/0
    columns = setup.space.values(u)
    per_point = hits.mean(axis=1)
    if s.cases == "points":
        x = columns
        y = (per_point >= s.share).astype(np.int64)
        what = f"design points with at least {s.share:g} of their runs having the outcome"
    else:
        x = [np.repeat(c, s.runs_per_point) for c in columns]
        y = hits.reshape(-1).astype(np.int64)
        what = "runs with the outcome"
    names = setup.space.names
    trees_seed = int(design_generator(root, "trees").integers(2**31))
    case_info: dict[str, Any] = {
        "kind": s.cases,
        "n": int(len(y)),
        "of_interest": int(y.sum()),
        "share_of_interest": float(y.mean()),
        "definition": what,
        "outcome_rate": float(hits.mean()),
        "point_share_range": [float(per_point.min()), float(per_point.max())],
        "note": None,
    }
    prim_result = None
    scores: list[dict[str, Any]] = []
    if y.min() == y.max():
        lo, hi = case_info["point_share_range"]
        case_info["note"] = (
            f"every case is {'of interest' if y[0] else 'without the outcome'}: nothing to "
            f"discover; the share of a point's runs with the outcome ranges from {lo:.2f} "
            f"to {hi:.2f} (choose --share within it, or another outcome or horizon)"
        )
    else:
        prim_result = PrimDiscovery(density=s.density).fit(x, y, names).result()
        scores = feature_scores(x, y, names, seed=trees_seed)
    metadata = {
        **run.metadata,
        "kind": "discovery",
        "created": dt.datetime.now(dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "design": s.design,
        "design_stream": DESIGN_STREAM,
        "settings": s.model_dump(mode="json") | {"seed": root},
        "trees_seed": trees_seed,
    }
    return {
        "metadata": metadata,
        "outcome": target.text,
        "factors": [f.meta() for f in setup.space.factors],
        "cases": case_info,
        "prim": prim_result,
        "feature_scores": scores,
    }


def _ranges(
    parameters: Mapping[str, tuple[float, float]] | Sequence[str] | None,
) -> dict[str, tuple[float, float]] | None:
    """Parameter ranges from a mapping or from ``NAME=LOW:HIGH`` texts (each checked)."""
    from phalanx.experiments.uncertainties import parse_parameter_range

    if parameters is None:
        return None
    items = (
        [f"{k}={v[0]}:{v[1]}" for k, v in parameters.items()]
        if isinstance(parameters, Mapping)
        else list(parameters)
    )
    out: dict[str, tuple[float, float]] = {}
    for text in items:
        name, low, high = parse_parameter_range(text)
        if name in out:
            raise UserError(f"{name} is given twice", field="--parameter")
        out[name] = (low, high)
    return out
