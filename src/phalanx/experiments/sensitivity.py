"""Global sensitivity: how much of an outcome's variance each factor explains (Sobol).

:func:`run_sensitivity` draws Saltelli's design over a scenario's uncertainty space
(SALib ``sample.sobol``, scrambled Sobol points seeded from the root seed), runs
``runs_per_point`` replicates at every point (common random numbers across points, see
:mod:`phalanx.experiments.design_runner`) and reduces each point to one number: the mean
of the outcome over its runs (the outcome's probability for a yes/no outcome, e.g.
``exits >= 2 by 2031``; the mean for a number, e.g. ``strain at 2031``). With the same
replicate streams at every point this is a deterministic function of the factors, and
:class:`SobolAnalysis` (SALib ``analyze.sobol``) decomposes its variance:

- **first-order** index ``S1``: the share of the variance that the factor explains alone;
- **total** index ``ST``: its share with all its interactions (``ST >= S1``; ``ST`` near 0
  means the factor can be fixed anywhere in its range);
- **second-order** ``S2`` (optional): the share of a pair's interaction;

each with a bootstrap confidence interval (``*_conf``: the half-width at ``conf_level``).
Saltelli's design costs ``N (d + 2)`` points (``N (2 d + 2)`` with second order), ``N``
best a power of two. Monte Carlo noise of the ``k`` runs is part of the function, not of
the factors: more runs per point make the indices describe the scenario rather than the
streams. SALib is imported inside the functions. Cost: the runs, then O(resamples x N d).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.params import Estimator, Settings

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.experiments.scenario import Scenario
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.params import MembershipParams

__all__ = [
    "SensitivitySettings",
    "SobolParams",
    "SobolAnalysis",
    "saltelli_design",
    "largest_base_samples",
    "run_sensitivity",
]


class SensitivitySettings(Settings):
    """The settings of a sensitivity experiment (the CLI's options come from here)."""

    samples: int = Field(
        256,
        ge=8,
        le=1_048_576,
        description="Saltelli's base sample N (8..1,048,576; best a power of two); the "
        "design has N (d + 2) points, N (2 d + 2) with --second-order.",
    )
    runs_per_point: int = Field(
        20, ge=1, le=10_000, description="Replicates at each point (1..10,000)."
    )
    second_order: bool = Field(False, description="Also estimate the second-order indices.")
    seed: int | None = Field(
        None,
        ge=0,
        le=2**63 - 1,
        description="Root seed (default: the scenario's own, else fresh entropy, recorded).",
    )


class SobolParams(Settings):
    """Declared settings of :class:`SobolAnalysis`."""

    second_order: bool = Field(False, description="Also the second-order indices.")
    resamples: int = Field(
        100, ge=10, le=100_000, description="Bootstrap resamples of the intervals (10..100,000)."
    )
    conf_level: float = Field(
        0.95, gt=0, lt=1, description="Confidence level of the intervals (>0..<1)."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the bootstrap (0..2^32-1).")


def largest_base_samples(points: int, d: int) -> int | None:
    """Saltelli's base sample N for a design of at most ``points`` points over ``d`` factors
    (first order: ``N (d + 2)`` points): the largest power of two N >= 8 with
    N (d + 2) <= points, else None (too few points for a design). Used to fit Sobol indices
    into a budget of model evaluations given as points (the dashboard's discovery jobs).

    >>> largest_base_samples(200, 6), largest_base_samples(60, 6), largest_base_samples(60, 9)
    (16, None, None)
    >>> largest_base_samples(100, 3)
    16
    """
    if d < 1:
        return None
    n = 8
    if n * (d + 2) > points:
        return None
    while 2 * n * (d + 2) <= points:
        n *= 2
    return n


def _problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def saltelli_design(d: int, n: int, seed: int, *, second_order: bool = False) -> np.ndarray:
    """Saltelli's design in ``[0, 1]^d`` (SALib ``sample.sobol``, scrambled, seeded by
    ``seed``): ``n (d + 2)`` rows, ``n (2 d + 2)`` with ``second_order``. O(n d^2)."""
    from SALib.sample import sobol as sample

    from phalanx.experiments.uncertainties import design_generator

    if d < 1:
        raise UserError(
            "the scenario has no uncertain factor on this package; give a model parameter's "
            "range with --parameter NAME=LOW:HIGH",
            field="scenario",
        )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        warnings.filterwarnings("ignore", message=".*power of 2.*")
        return sample.sample(
            _problem([f"x{i}" for i in range(d)]),
            int(n),
            calc_second_order=second_order,
            scramble=True,
            seed=design_generator(seed, "saltelli"),
        )


def _clean(v: Any) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


class SobolAnalysis(Estimator):
    """Sobol indices of one output per point of Saltelli's design, in the estimator shape.

    ``fit(y, names)``: ``y`` the output at each row of :func:`saltelli_design` (same
    ``second_order``). Results: ``indices_`` (``[{factor, S1, S1_conf, ST, ST_conf}]`` in
    the factors' order), ``second_order_`` (``[{a, b, S2, S2_conf}]``, empty without it);
    non-finite values are None.
    """

    Params = SobolParams

    def __init__(
        self,
        *,
        second_order: bool = False,
        resamples: int = 100,
        conf_level: float = 0.95,
        seed: int = 0,
    ) -> None:
        self.second_order = second_order
        self.resamples = resamples
        self.conf_level = conf_level
        self.seed = seed

    def fit(self, y: np.ndarray, names: Sequence[str]) -> SobolAnalysis:
        """Estimate the indices (SALib ``analyze.sobol``)."""
        from SALib.analyze import sobol as analyze

        p = self._validate_params()
        y = np.asarray(y, dtype=float)
        d = len(names)
        per = 2 * d + 2 if p.second_order else d + 2
        if y.ndim != 1 or len(y) % per or len(y) == 0:
            raise ValueError(f"y must be a 1-d array of N x {per} values; got shape {y.shape}")
        if not np.isfinite(y).all():
            raise ValueError("y must be finite")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            warnings.filterwarnings("ignore", message="Constant values encountered")
            res = analyze.analyze(
                _problem(names),
                y,
                calc_second_order=p.second_order,
                num_resamples=p.resamples,
                conf_level=p.conf_level,
                seed=p.seed,
            )
        self.indices_ = [
            {
                "factor": n,
                "S1": _clean(res["S1"][i]),
                "S1_conf": _clean(res["S1_conf"][i]),
                "ST": _clean(res["ST"][i]),
                "ST_conf": _clean(res["ST_conf"][i]),
            }
            for i, n in enumerate(names)
        ]
        self.second_order_ = []
        if p.second_order:
            for i in range(d):
                for j in range(i + 1, d):
                    self.second_order_.append(
                        {
                            "a": names[i],
                            "b": names[j],
                            "S2": _clean(res["S2"][i, j]),
                            "S2_conf": _clean(res["S2_conf"][i, j]),
                        }
                    )
        self.settings_ = p.model_dump()
        return self


def run_sensitivity(
    kb: KnowledgeBase,
    scenario: str | Path | Scenario,
    outcome: str | None = None,
    *,
    organization: str | None = None,
    start: str | dt.date | None = None,
    years: int | None = None,
    samples: int = 256,
    runs_per_point: int = 20,
    second_order: bool = False,
    seed: int | None = None,
    parameters: Mapping[str, tuple[float, float]] | Sequence[str] | None = None,
    params: MembershipParams | str | Path | None = None,
    resamples: int = 100,
    conf_level: float = 0.95,
    backend: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Sobol indices of ``outcome`` (its mean over the runs of each point) over
    ``scenario``'s uncertainty space.

    ``outcome`` defaults to the number of exits by the last simulated year (``years``
    default :data:`~phalanx.experiments.design_runner.DEFAULT_YEARS`); the other options
    are :func:`~phalanx.experiments.discovery.run_discovery`'s. Returns
    ``{"metadata", "outcome", "statistic", "factors", "output", "indices",
    "second_order", "note"}``: ``output`` the mean and variance of the per-point values,
    ``indices`` those of :class:`SobolAnalysis` (empty, with ``note``, when the output
    does not vary over the design). A number outcome without a value at some point (the
    strain where no component has one in every run) is a UserError.
    """
    from phalanx.experiments.design_runner import run_design, setup_design
    from phalanx.experiments.discovery import _ranges
    from phalanx.experiments.outcomes import bind, parse_outcome
    from phalanx.experiments.uncertainties import DESIGN_STREAM
    from phalanx.seeds import resolve_seed

    s = SensitivitySettings(
        samples=samples, runs_per_point=runs_per_point, second_order=second_order, seed=seed
    )
    SobolParams(second_order=second_order, resamples=resamples, conf_level=conf_level)
    target = None if outcome is None else parse_outcome(outcome)
    setup = setup_design(
        kb,
        scenario,
        organization=organization,
        start=start,
        years=years,
        reach=None if target is None else target.year,
        parameters=_ranges(parameters),
        params=params,
    )
    if target is None:
        target = parse_outcome(f"exits by {int(setup.state.date[:4]) + setup.years}")
    bound = bind(target, setup.state, setup.years)
    root = resolve_seed(s.seed if s.seed is not None else setup.scenario.seed)
    u = saltelli_design(setup.space.d, s.samples, root, second_order=s.second_order)
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
    vals = run.values[:, :, 0]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        y = np.nanmean(vals, axis=1)
    if not np.isfinite(y).all():
        raise UserError(
            f"{target.text!r} has no value in any run at {int((~np.isfinite(y)).sum())} design "
            "points (the simulated strain needs a component with a value); choose another "
            "outcome or year",
            field="--outcome",
        )
    boot_seed = int(root % 2**32)
    names = setup.space.names
    note = None
    indices: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    constant = float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.abs(y).max()))  # rounding only
    if constant:
        note = (
            f"{target.text!r} takes the same value ({y[0]:g}) at every design point: no factor "
            "moves it over these ranges, and its Sobol indices are undefined"
        )
    else:
        fit = SobolAnalysis(
            second_order=s.second_order, resamples=resamples, conf_level=conf_level, seed=boot_seed
        ).fit(y, names)
        indices, second = fit.indices_, fit.second_order_
    metadata = {
        **run.metadata,
        "kind": "sensitivity",
        "created": dt.datetime.now(dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "design": "saltelli",
        "design_stream": DESIGN_STREAM,
        "settings": s.model_dump(mode="json")
        | {"seed": root, "resamples": resamples, "conf_level": conf_level},
        "bootstrap_seed": boot_seed,
    }
    return {
        "metadata": metadata,
        "outcome": target.text,
        "statistic": "probability" if target.binary else "mean",
        "factors": [f.meta() for f in setup.space.factors],
        "output": {
            "mean": float(np.mean(y)),
            "variance": 0.0 if constant else float(np.var(y)),
            "points": len(y),
        },
        "indices": indices,
        "second_order": second,
        "note": note,
    }
