"""Run a design of experiments over a scenario's uncertainty space: ``k`` runs per point.

:func:`setup_design` builds what every point shares (the state on the start date, the
compiled scenario, its :class:`~phalanx.experiments.uncertainties.UncertaintySpace`, the
model parameters); :func:`run_design` runs ``runs_per_point`` replicates at each point of
a design and returns the outcomes of every replicate, ``(points, runs_per_point,
outcomes)``.

The engine path is the runner's (:mod:`phalanx.experiments.runner`): replicate ``j``
draws from ``PCG64(SeedSequence(seed, spawn_key=(j,)))``, its driver uniforms are mapped
by :meth:`~phalanx.experiments.drivers.CompiledScenario.sample` and the engine is
:func:`~phalanx.models.dynamics.engine.run_chunk`. At a design point, the point's
uniforms replace the slots of the factors, while every other uniform (the engine's, and
the drivers' of known ranges) is replicate ``j``'s own: **the same for every point**
(common random numbers), so two points differ only by their factors, and a point's
outcomes depend on the point and the seed alone. Model-parameter factors set the point's
:class:`~phalanx.models.dynamics.params.MembershipParams` (every point's set is validated
before anything runs).

Points are cut into chunks of about :data:`~phalanx.experiments.runner.CHUNK_WORK`
actor-years (a chunk size that depends on the model, never on the workers); ``local``
runs them on a process pool (forkserver or spawn), ``serial`` in this process; results
come back in chunk order, so they are the same on both. Cost: O(points x k x years x
(N^2 + N P)) for the engine, spread over the workers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from phalanx.errors import ParameterError, UserError

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.experiments.drivers import CompiledScenario
    from phalanx.experiments.outcomes import BoundOutcome
    from phalanx.experiments.scenario import Scenario
    from phalanx.experiments.uncertainties import UncertaintySpace
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.params import MembershipParams
    from phalanx.models.dynamics.types import InitialState

__all__ = ["DesignSetup", "DesignRun", "setup_design", "run_design", "BACKENDS", "DEFAULT_YEARS"]

BACKENDS = ("serial", "local")

DEFAULT_YEARS = 5
"""Simulated years of a design when neither the years nor an outcome's year are given."""


@dataclass(frozen=True)
class DesignSetup:
    """What every point of a design shares (see :func:`setup_design`)."""

    scenario: Scenario
    state: InitialState
    compiled: CompiledScenario
    space: UncertaintySpace
    params: MembershipParams
    years: int
    parameter_file: str | None = None
    # where the parameters come from (run_experiment's ``parameters_source``), and the
    # posterior's (names, draws (D, q)) when the design uses it: replicate j takes draw j % D
    parameters_source: dict[str, Any] = field(default_factory=lambda: {"kind": "defaults"})
    posterior: tuple[tuple[str, ...], np.ndarray] | None = None
    notes: tuple[str, ...] = ()

    def meta(self) -> dict[str, Any]:
        """What an experiment records about its set-up (plain JSON types)."""
        s = self.state
        return {
            "scenario": {
                "name": self.scenario.name,
                "title": self.scenario.title,
                "sha256": self.scenario.sha256,
                "path": None if self.scenario.path is None else str(self.scenario.path),
            },
            "organization": s.organization,
            "leader": s.actors[s.leader],
            "start": s.date,
            "years": self.years,
            "end_year": int(s.date[:4]) + self.years,
            "data_version": s.data_version,
            "actors": list(s.actors),
            "candidates": [a for a, c in zip(s.actors, s.candidates, strict=True) if c],
            "parameters": self.params.model_dump(mode="json"),
            "parameter_file": self.parameter_file,
            "parameters_source": dict(self.parameters_source),
            "space": self.space.meta(),
            "assumptions": list(s.assumptions),
            "warnings": [*self.compiled.warnings, *self.notes],
        }


@dataclass
class DesignRun:
    """The outcomes of a design: ``values[p, j, m]`` is outcome ``m`` of replicate ``j``
    at point ``p``; ``metadata`` says how they were made."""

    values: np.ndarray
    metadata: dict[str, Any]
    elapsed: float = field(default=0.0, repr=False)


def setup_design(
    kb: KnowledgeBase,
    scenario: str | Path | Scenario,
    *,
    organization: str | None = None,
    start: str | dt.date | None = None,
    years: int | None = None,
    reach: int | None = None,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    params: MembershipParams | str | Path | None = None,
) -> DesignSetup:
    """The state on ``start``, the compiled scenario and its uncertainty space.

    ``years`` simulated years; None: just enough to reach the calendar year ``reach``
    (an outcome's year; at least 1), else :data:`DEFAULT_YEARS`.
    ``parameters``: model-parameter ranges that join the space (name -> (low, high));
    ``params``: fixed model parameters over the scenario's (a MembershipParams or a
    calibrated-values file), as :func:`~phalanx.experiments.runner.run_experiment` takes
    them. With ``params`` None the package's calibrated posterior is used as ``simulate``
    uses it (replicate ``j`` takes draw ``j % D``; the scenario's own values and the
    design's parameter factors win over it); ``parameters_source`` records which.
    O(rules x N^2 + the state's build).
    """
    from phalanx.experiments.drivers import compile_scenario
    from phalanx.experiments.runner import (
        ExperimentSettings,
        resolve_parameters,
    )
    from phalanx.experiments.scenario import Scenario, load_scenario
    from phalanx.experiments.uncertainties import uncertainty_space
    from phalanx.models.dynamics.state import initial_state

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    state = initial_state(kb, organization, start)
    base, source, posterior, notes, param_file = resolve_parameters(
        kb, state, sc, params, frozenset(parameters or {})
    )
    if years is None:
        years = DEFAULT_YEARS if reach is None else max(1, reach - int(state.date[:4]))
    years = ExperimentSettings(years=years).years
    compiled = compile_scenario(sc, state, years)
    space = uncertainty_space(sc, compiled, parameters)
    return DesignSetup(
        sc, state, compiled, space, base, years, param_file, source, posterior, tuple(notes)
    )


@dataclass(frozen=True)
class _DesignJob:
    """Everything a worker needs; pickled once per worker."""

    state: InitialState
    compiled: CompiledScenario
    params: MembershipParams
    driver_u: np.ndarray  # (k, n_uniforms): replicate j's driver uniforms
    engine_u: np.ndarray  # (k, Y, K_u): replicate j's engine uniforms
    design: np.ndarray  # (P, d) uniforms
    slots: tuple[int, ...]  # the scenario factors' slots (columns of design, in order)
    scenario_columns: tuple[int, ...]  # their columns
    parameter_columns: tuple[int, ...]  # columns of the parameter factors
    parameter_values: np.ndarray  # (P, q) the parameter factors' values
    parameter_names: tuple[str, ...]
    outcomes: tuple[BoundOutcome, ...]
    points_per_chunk: int
    posterior: tuple[tuple[str, ...], np.ndarray] | None = None

    def chunk_points(self, chunk: int) -> np.ndarray:
        lo = chunk * self.points_per_chunk
        return np.arange(lo, min(len(self.design), lo + self.points_per_chunk))

    def run(self, chunk: int) -> np.ndarray:
        """``(m, k, outcomes)`` for the ``m`` points of chunk ``chunk``."""
        from phalanx.models.dynamics.engine import run_chunk
        from phalanx.models.dynamics.params import ARRAY_PARAMETERS

        points = self.chunk_points(chunk)
        k = self.driver_u.shape[0]
        out = np.empty((len(points), k, len(self.outcomes)))
        # parameters the engine takes per replicate go in arrays (the whole chunk in one
        # call); any other parameter factor needs one call per point
        scalar = [i for i, n in enumerate(self.parameter_names) if n not in ARRAY_PARAMETERS]
        vector = [i for i, n in enumerate(self.parameter_names) if n in ARRAY_PARAMETERS]
        groups = [points[i : i + 1] for i in range(len(points))] if scalar else [points]
        for group in groups:
            m = len(group)
            u = np.tile(self.driver_u, (m, 1))
            for slot, col in zip(self.slots, self.scenario_columns, strict=True):
                u[:, slot] = np.repeat(self.design[group, col], k)
            params = self.params
            if scalar:
                values = self.parameter_values[group[0]]
                params = params.replace(
                    **{self.parameter_names[i]: float(values[i]) for i in scalar}
                )
            arrays: dict[str, np.ndarray] = {}
            if self.posterior is not None:
                names, draws = self.posterior
                rows = np.tile(np.arange(k) % draws.shape[0], m)  # replicate j: draw j % D
                arrays.update({n: draws[rows, c] for c, n in enumerate(names)})
            for i in vector:
                arrays[self.parameter_names[i]] = np.repeat(self.parameter_values[group, i], k)
            ids = (group[:, None] * k + np.arange(k)[None, :]).reshape(-1).astype(np.int64)
            result = run_chunk(
                self.state,
                self.compiled.sample(u),
                params,
                np.tile(self.engine_u, (m, 1, 1)),
                ids,
                param_arrays=arrays or None,
            )
            rows = group - points[0]
            for i, o in enumerate(self.outcomes):
                out[rows, :, i] = o.evaluate(result).reshape(m, k)
        return out


_WORKER_JOB: _DesignJob | None = None


def _init_worker(job: _DesignJob) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _pool_task(chunk: int) -> np.ndarray:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _WORKER_JOB.run(chunk)


def _run_local(job: _DesignJob, n_chunks: int, workers: int, deliver: Callable) -> int:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    workers = max(1, min(workers, n_chunks))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context(method),
        initializer=_init_worker,
        initargs=(job,),
    ) as pool:
        for c, block in enumerate(pool.map(_pool_task, range(n_chunks))):
            deliver(c, block)
    return workers


def run_design(
    setup: DesignSetup,
    design: np.ndarray,
    outcomes: Sequence[BoundOutcome],
    *,
    runs_per_point: int = 10,
    seed: int,
    backend: str | None = None,
    workers: int | None = None,
    chunk_points: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DesignRun:
    """Run ``runs_per_point`` replicates at every point of ``design`` (uniforms ``(P, d)``
    over ``setup.space``) and evaluate ``outcomes`` on each.

    ``seed`` is the root seed (replicate streams as in the module text); ``backend`` is
    ``serial`` or ``local`` (``workers`` processes, default the CPU count; one chunk or one
    worker runs in this process); None: ``local`` when ``workers`` is given, else
    ``serial`` (a design of the default size runs in seconds in this process, less than a
    process pool takes to start and feed); ``chunk_points`` points per chunk (default: about
    :data:`~phalanx.experiments.runner.CHUNK_WORK` actor-years; results do not depend on it). ``progress(done_points, points)`` is called after each
    chunk. Returns a :class:`DesignRun`; bad parameter values at a point are a
    ParameterError naming the point.
    """
    from phalanx.experiments.runner import STREAM, _versions, default_chunk_size
    from phalanx.models.dynamics.engine import uniforms_per_year
    from phalanx.models.dynamics.streams import replicate_uniforms

    if backend is None:
        backend = "serial" if workers is None else "local"
    if backend not in BACKENDS:
        raise UserError(f"unknown backend {backend!r}; expected serial or local", field="--backend")
    if (
        isinstance(runs_per_point, bool)
        or not isinstance(runs_per_point, int)
        or runs_per_point < 1
    ):
        raise UserError(
            f"runs per point must be an integer >= 1, got {runs_per_point!r}",
            field="--runs-per-point",
        )
    space, state = setup.space, setup.state
    u = np.asarray(design, dtype=float)
    space.values(u)  # checks the shape and range
    n_points, k = u.shape[0], runs_per_point
    scen = [(j, f.slot) for j, f in enumerate(space.factors) if f.kind == "scenario"]
    pars = [j for j, f in enumerate(space.factors) if f.kind == "parameter"]
    columns = space.values(u)
    par_values = np.column_stack([columns[j] for j in pars]) if pars else np.zeros((n_points, 0))
    names = tuple(space.factors[j].name for j in pars)
    for p in range(n_points if names else 0):
        given = dict(zip(names, map(float, par_values[p]), strict=True))
        try:
            setup.params.replace(**given)
        except ParameterError as e:  # a rule across parameters (e.g. the learning rates)
            shown = ", ".join(f"{n}={v:g}" for n, v in given.items())
            raise ParameterError(f"design point {p} ({shown}): {e.message}") from None
    driver_u, engine_u = replicate_uniforms(
        seed,
        np.arange(k, dtype=np.int64),
        setup.compiled.n_uniforms,
        uniforms_per_year(state.n),
        setup.years,
    )
    if chunk_points is not None and (isinstance(chunk_points, bool) or chunk_points < 1):
        raise UserError(f"chunk_points must be >= 1, got {chunk_points!r}", field="chunk_points")
    per_chunk = chunk_points or max(1, default_chunk_size(state.n, setup.years) // k)
    job = _DesignJob(
        state=state,
        compiled=setup.compiled,
        params=setup.params,
        driver_u=driver_u,
        engine_u=engine_u,
        design=u,
        slots=tuple(int(s) for _, s in scen),
        scenario_columns=tuple(j for j, _ in scen),
        parameter_columns=tuple(pars),
        parameter_values=par_values,
        parameter_names=names,
        outcomes=tuple(outcomes),
        points_per_chunk=per_chunk,
        posterior=setup.posterior,
    )
    n_chunks = -(-n_points // per_chunk)
    values = np.empty((n_points, k, len(outcomes)))
    done = 0

    def deliver(c: int, block: np.ndarray) -> None:
        nonlocal done
        pts = job.chunk_points(c)
        values[pts] = block
        done += len(pts)
        if progress is not None:
            progress(done, n_points)

    t0 = time.perf_counter()
    local = workers or os.cpu_count() or 1
    used_backend = backend
    if backend == "serial" or min(n_chunks, local) == 1:
        used_backend = "serial"
        for c in range(n_chunks):
            deliver(c, job.run(c))
        used = 1
    else:
        used = _run_local(job, n_chunks, local, deliver)
    elapsed = time.perf_counter() - t0
    metadata = {
        **setup.meta(),
        "seed": int(seed),
        "stream": STREAM,
        "points": n_points,
        "runs_per_point": k,
        "common_random_numbers": True,
        "outcomes": [o.text for o in outcomes],
        "chunk_points": per_chunk,
        "chunks": n_chunks,
        "backend": used_backend,
        "backend_requested": backend,
        "workers": used,
        "versions": _versions(),
        "elapsed_seconds": round(elapsed, 3),
    }
    return DesignRun(values=values, metadata=metadata, elapsed=elapsed)
