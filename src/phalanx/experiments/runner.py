"""Run a membership-dynamics experiment: a scenario as a Monte Carlo ensemble, at scale.

:func:`run_experiment` builds the state on the start date, compiles the scenario, cuts the
replicates into chunks of a fixed size and runs each chunk (drivers sampled from the
replicates' own streams, then the engine) on one of three backends:

- ``serial``: in this process, one chunk after another;
- ``local``: a :class:`concurrent.futures.ProcessPoolExecutor` of ``workers`` processes
  (forkserver where the platform has it, else spawn; never a bare fork of a process that may
  hold threads); with a single chunk or a single worker the chunks run in this process
  instead (recorded as ``backend: serial``, ``backend_requested: local``), since a pool
  would only add its start-up;
- ``dask``: a :class:`distributed.Client` at ``cluster`` (a scheduler address), or a
  ``LocalCluster`` of ``workers`` processes when ``cluster="local"`` or None.

Replicate ``r`` always draws from ``PCG64(SeedSequence(root_seed, spawn_key=(r,)))``, and
chunk ``c`` always holds replicates ``c * chunk_size ...``, whatever the backend or the
number of workers; chunks are summarised and archived in replicate order (finished chunks
that arrive early wait in a buffer), so the Parquet files and the summary are the same bytes
on every backend. At most ``2 x workers`` chunks are in flight or waiting, so memory is
O(workers x chunk) plus the summary's O(Y N + Y bins), never O(runs).

Scripts that call :func:`run_experiment` with the local backend need the usual
``if __name__ == "__main__":`` guard of multiprocessing: workers start fresh and import
this module, not the caller's script body.

Cost: O(runs x years x (N^2 + N P + N K)) for the engine, spread over the workers, plus a
start-up of about a second for a process pool (less for a running Dask cluster).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from phalanx.errors import UserError
from phalanx.params import Settings

if TYPE_CHECKING:
    from phalanx.experiments.drivers import CompiledScenario
    from phalanx.experiments.scenario import Scenario
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.params import MembershipParams
    from phalanx.models.dynamics.types import ChunkResult, InitialState

__all__ = [
    "ExperimentSettings",
    "RunRecord",
    "run_experiment",
    "default_chunk_size",
    "chunk_ids",
    "merge_parameters",
    "STREAM",
]

STREAM = "numpy.random.PCG64(numpy.random.SeedSequence(seed, spawn_key=(replicate,)))"
"""How each replicate's random numbers are drawn (recorded in the metadata)."""

CONNECT_TIMEOUT = "5s"
"""How long to wait for a Dask scheduler named by ``cluster`` before giving up."""

CHUNK_WORK = 200_000
"""Actor-years per chunk aimed at by :func:`default_chunk_size` (a fraction of a second of
the engine on one core)."""


class ExperimentSettings(Settings):
    """The settings of one experiment (validated once, recorded in its metadata)."""

    years: int = Field(10, ge=1, le=200, description="Simulated years after the start (1..200).")
    runs: int = Field(
        1000, ge=1, le=10_000_000, description="Replicates of the ensemble (1..10,000,000)."
    )
    seed: int | None = Field(
        None,
        ge=0,
        le=2**63 - 1,
        description="Root seed (default: the scenario's own, else fresh entropy, recorded).",
    )
    backend: Literal["serial", "local", "dask"] = Field(
        "local",
        description="Where the chunks run: serial (this process), local (worker processes) "
        "or dask (a Dask cluster).",
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=1024,
        description="Worker processes for local, or for a LocalCluster (default: the CPU count).",
    )
    cluster: str | None = Field(
        None,
        min_length=1,
        description="Dask scheduler address (tcp://HOST:PORT), or 'local' for a LocalCluster.",
    )
    chunk_size: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Replicates per chunk (default: sized to the model, about "
        f"{CHUNK_WORK:,} actor-years; results do not depend on the workers).",
    )


@dataclass
class RunRecord:
    """What a run gives back: its id, root seed, summary and metadata, and where it was
    saved (None when it was kept in memory)."""

    run_id: str
    seed: int
    summary: dict[str, Any]
    metadata: dict[str, Any]
    path: Path | None = None
    warnings: tuple[str, ...] = ()
    chunks: int = 0
    elapsed: float = field(default=0.0, repr=False)


def default_chunk_size(n_actors: int, years: int) -> int:
    """Replicates per chunk: about :data:`CHUNK_WORK` actor-years, between 16 and 2000.

    Depends on the model's size only (never on the workers), so a run's files are the
    same on every machine. O(1).

    >>> default_chunk_size(17, 10), default_chunk_size(3, 200), default_chunk_size(50, 100)
    (1176, 333, 40)
    """
    return int(min(2000, max(16, CHUNK_WORK // max(1, n_actors * years))))


def chunk_ids(chunk: int, chunk_size: int, runs: int) -> np.ndarray:
    """The replicate ids of chunk ``chunk``: ``[chunk * chunk_size, ...)`` up to ``runs``."""
    lo = chunk * chunk_size
    return np.arange(lo, min(runs, lo + chunk_size), dtype=np.int64)


def merge_parameters(
    scenario_parameters: dict[str, Any], params: MembershipParams | None
) -> MembershipParams:
    """The model parameters of a run: the defaults, then the scenario's ``parameters``,
    then the names that ``params`` sets explicitly (a parameter file's entries, or the
    keywords given to ``MembershipParams(...)``) -- the user's choice wins."""
    from phalanx.models.dynamics.params import MembershipParams

    given = {} if params is None else params.model_dump(include=set(params.model_fields_set))
    return MembershipParams(**{**scenario_parameters, **given})


# --- the work of one chunk (runs in a worker) ---------------------------------------------


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs; pickled once per worker (or scattered to Dask)."""

    state: InitialState
    compiled: CompiledScenario
    params: MembershipParams
    seed: int
    years: int
    chunk_size: int
    runs: int
    # (actors, start year, answered level) when the run is archived: the worker then builds
    # and encodes the chunk's Parquet parts itself, so the main process only writes bytes
    archive: tuple[tuple[str, ...], int, float] | None = None
    # the package's posterior, when the run uses it: (parameter names, draws (D, k));
    # replicate r takes draw r % D (phalanx.evidence.calibration)
    posterior: tuple[tuple[str, ...], np.ndarray] | None = None


@dataclass(frozen=True)
class _Done:
    """A finished chunk: what the summary reads, and the archive's encoded parts if any."""

    chunk: ChunkResult
    parts: dict[str, bytes] | None = None


def _run_chunk(job: _Job, chunk: int) -> _Done:
    """Drivers from the replicates' streams, then the engine, for chunk ``chunk``; with
    an archive, also the chunk's tables (then the per-actor beliefs and dependence, which
    only the tables hold, are not sent back)."""
    from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
    from phalanx.models.dynamics.streams import replicate_uniforms

    ids = chunk_ids(chunk, job.chunk_size, job.runs)
    driver_u, engine_u = replicate_uniforms(
        job.seed, ids, job.compiled.n_uniforms, uniforms_per_year(job.state.n), job.years
    )
    drivers = job.compiled.sample(driver_u)
    arrays = None
    if job.posterior is not None:
        names, draws = job.posterior
        rows = ids % draws.shape[0]
        arrays = {n: draws[rows, k] for k, n in enumerate(names)}
    result = run_chunk(job.state, drivers, job.params, engine_u, ids, param_arrays=arrays)
    if job.archive is None:
        return _Done(result)
    from dataclasses import replace

    from phalanx.experiments.archive import chunk_tables, encode_tables

    parts = encode_tables(chunk_tables(result, *job.archive))
    empty = np.zeros((0, 0, 0), dtype=np.float32)
    return _Done(replace(result, belief=empty, dependence=empty), parts)


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _pool_task(chunk: int) -> _Done:
    assert _WORKER_JOB is not None, "worker not initialised"
    return _run_chunk(_WORKER_JOB, chunk)


# --- scheduling -----------------------------------------------------------------------------


def _windowed(
    n_chunks: int,
    window: int,
    submit: Callable[[int], Any],
    wait_any: Callable[[list[Any]], Any],
    deliver: Callable[[_Done], None],
    cancel: Callable[[Any], None],
) -> None:
    """Keep at most ``window`` chunks submitted or waiting; deliver them in chunk order."""
    pending: dict[Any, int] = {}
    ready: dict[int, _Done] = {}
    next_submit = next_write = 0
    try:
        while next_write < n_chunks:
            while next_submit < n_chunks and next_submit - next_write < window:
                pending[submit(next_submit)] = next_submit
                next_submit += 1
            for fut in wait_any(list(pending)):
                ready[pending.pop(fut)] = fut.result()
            while next_write in ready:
                deliver(ready.pop(next_write))
                next_write += 1
    finally:
        for fut in pending:
            cancel(fut)


def _run_serial(job: _Job, n_chunks: int, deliver: Callable[[_Done], None]) -> int:
    for c in range(n_chunks):
        deliver(_run_chunk(job, c))
    return 1


def _run_local(job: _Job, n_chunks: int, workers: int, deliver: Callable[[_Done], None]) -> int:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    workers = max(1, min(workers, n_chunks))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context(method),
        initializer=_init_worker,
        initargs=(job,),
    ) as pool:
        _windowed(
            n_chunks,
            2 * workers,
            lambda c: pool.submit(_pool_task, c),
            lambda fs: wait(fs, return_when=FIRST_COMPLETED).done,
            deliver,
            lambda f: f.cancel(),
        )
    return workers


def _dask_client(cluster: Any, workers: int | None) -> tuple[Any, Callable[[], None]]:
    """A distributed Client and how to close what was opened here."""
    try:
        import distributed
    except ImportError:
        raise UserError(
            "the dask backend needs Dask: pip install 'phalanx[dask]'", field="--backend"
        ) from None
    if isinstance(cluster, distributed.Client):
        return cluster, lambda: None
    if cluster is None or cluster == "local":
        lc = distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = distributed.Client(lc)

        def close() -> None:
            client.close()
            lc.close()

        return client, close
    try:
        client = distributed.Client(str(cluster), timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as e:
        raise UserError(
            f"cannot reach the Dask scheduler at {cluster} ({type(e).__name__}: {e}); "
            "expected the address of a running scheduler, e.g. tcp://127.0.0.1:8786",
            field="--cluster",
        ) from None
    return client, client.close


def _run_dask(
    job: _Job, n_chunks: int, client: Any, token: str, deliver: Callable[[_Done], None]
) -> int:
    import distributed

    threads = max(1, sum(client.nthreads().values()))
    shared = client.scatter(job, broadcast=True, hash=False)
    _windowed(
        n_chunks,
        2 * threads,
        lambda c: client.submit(_run_chunk, shared, c, key=f"phalanx-{token}-{c}", pure=False),
        lambda fs: distributed.wait(fs, return_when="FIRST_COMPLETED").done,
        deliver,
        lambda f: f.cancel(),
    )
    return threads


# --- the experiment -------------------------------------------------------------------------


def _versions() -> dict[str, str | None]:
    import importlib.metadata as md

    import phalanx

    out: dict[str, str | None] = {
        "phalanx": phalanx.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    for name in ("pyarrow", "dask", "distributed"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def _inputs_hash(parts: dict[str, Any]) -> str:
    from phalanx.experiments.archive import dump_json

    return hashlib.sha256(dump_json(parts).encode()).hexdigest()


def _parameters_source(
    kb: KnowledgeBase,
    state: InitialState,
    params: MembershipParams | None,
    param_file: str | None,
    held: set[str],
) -> tuple[dict[str, Any], tuple[tuple[str, ...], np.ndarray] | None, list[str]]:
    """Where the run's parameters come from (recorded as ``parameters_source``), the
    posterior's (names, draws) when the run uses it, and warnings about it. The names in
    ``held`` (the scenario's own, a design's factors) are neither drawn nor fixed."""
    if param_file is not None:
        return {"kind": "file", "file": param_file}, None, []
    if params is not None:
        return {"kind": "given"}, None, []
    from phalanx.evidence.calibration import package_posterior

    post = package_posterior(kb, state.organization)
    if post is None:
        return {"kind": "defaults"}, None, []
    names = tuple(n for n in post.parameters if n not in held)
    cols = [post.parameters.index(n) for n in names]
    source: dict[str, Any] = {
        "kind": "posterior",
        "file": post.path.name,
        "version": post.version,
        "draws": post.size,
        "parameters": list(names),
        "data_version": post.data_version,
        "sha256": hashlib.sha256(np.ascontiguousarray(post.draws).tobytes()).hexdigest(),
        "rule": "replicate r takes draw r % draws; 'parameters' records their means",
        # the parameters the calibration held at their prior means: the run holds them too
        "fixed": {k: v for k, v in post.fixed.items() if k not in held},
    }
    kept = sorted(set(post.parameters) - set(names))
    warnings = []
    if kept:
        source["set_by_scenario"] = kept
    if post.data_version != state.data_version:
        warnings.append(
            f"the posterior {post.path.name} was calibrated on {post.data_version}; this run "
            f"uses {state.data_version}"
        )
    if not names:
        return {**source, "kind": "scenario"}, None, warnings
    return source, (names, post.draws[:, cols].copy()), warnings


def resolve_parameters(
    kb: KnowledgeBase,
    state: InitialState,
    scenario: Scenario,
    params: MembershipParams | str | Path | None,
    held: frozenset[str] = frozenset(),
) -> tuple[
    MembershipParams,
    dict[str, Any],
    tuple[tuple[str, ...], np.ndarray] | None,
    list[str],
    str | None,
]:
    """The parameters of a run, and where they come from.

    ``params``: a parameter file (path), a :class:`MembershipParams`, or None (the package's
    posterior when it declares one for the organisation, else the defaults). The scenario's
    own ``parameters`` and the names in ``held`` (e.g. a design's parameter factors) keep
    their values over the posterior's. Returns (the base parameters: with a posterior, the
    values the calibration held fixed and the means of the ones it varies, as recorded;
    ``parameters_source``; the posterior's (names, draws) or None; warnings; the parameter
    file's name or None). Shared by :func:`run_experiment` and the design runner, so that
    both use a posterior the same way. O(draws).
    """
    from phalanx.models.dynamics.params import MembershipParams, load_parameter_file

    param_file = None
    if isinstance(params, str | Path):
        param_file = str(params)
        params = load_parameter_file(params)
    elif params is not None and not isinstance(params, MembershipParams):
        raise UserError("params must be a MembershipParams or a parameter file", field="params")
    base = merge_parameters(dict(scenario.parameters), params)
    source, posterior, notes = _parameters_source(
        kb, state, params, param_file, set(scenario.parameters) | set(held)
    )
    if posterior is not None:
        names, draws = posterior
        base = base.replace(
            **source.get("fixed", {}),
            **{n: float(draws[:, k].mean()) for k, n in enumerate(names)},
        )
    return base, source, posterior, notes, param_file


def run_experiment(
    kb: KnowledgeBase,
    scenario: str | Path | Scenario,
    *,
    organization: str | None = None,
    start: str | dt.date | None = None,
    years: int = 10,
    runs: int = 1000,
    seed: int | None = None,
    params: MembershipParams | str | Path | None = None,
    out: str | Path | None = None,
    backend: str = "local",
    workers: int | None = None,
    cluster: Any = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunRecord:
    """Run ``scenario`` on ``kb`` as an ensemble of ``runs`` replicates over ``years`` years.

    Parameters
    ----------
    kb : KnowledgeBase
        The data; the organisation defaults to the package's own, the start date to the end
        of its period (``models.dynamics.state.default_start``).
    scenario : str, Path or Scenario
        A shipped scenario's name, a scenario file, or a loaded :class:`Scenario`.
    seed : int, optional
        Root seed; default the scenario's ``seed``, else fresh entropy. Recorded.
    params : MembershipParams, or a parameter file's path, optional
        Model parameters over the scenario's (only the names it sets explicitly count).
        None: the package's calibrated posterior when it declares one for the
        organisation (``phalanx.evidence.calibration``): replicate ``r`` takes draw
        ``r % D`` of the posterior's parameters (those the scenario sets explicitly keep
        the scenario's value); otherwise the defaults. ``metadata["parameters_source"]``
        says which (kind ``posterior``, ``file``, ``given`` or ``defaults``).
    out : str or Path, optional
        Archive root: the run is saved in ``out/<run_id>/``. None keeps it in memory
        (the CLI passes ``archive.default_root()``).
    backend, workers, cluster, chunk_size
        See :class:`ExperimentSettings` and the module text.
    progress : callable, optional
        Called as ``progress(done_replicates, runs)`` after each chunk.

    Returns a :class:`RunRecord`. Bad settings are a ParameterError; an unknown scenario,
    organisation or run folder problem a UserError.
    """
    from phalanx.experiments.archive import ArchiveWriter, make_run_id
    from phalanx.experiments.drivers import compile_scenario
    from phalanx.experiments.scenario import Scenario, load_scenario
    from phalanx.experiments.summary import SummaryAccumulator
    from phalanx.models.dynamics.state import initial_state
    from phalanx.seeds import resolve_seed

    client = None
    if cluster is not None and not isinstance(cluster, str):
        client, cluster = cluster, None  # a distributed.Client given by the caller
    settings = ExperimentSettings(
        years=years,
        runs=runs,
        seed=seed,
        backend=backend,
        workers=workers,
        cluster=cluster,
        chunk_size=chunk_size,
    )
    if settings.backend != "dask" and (settings.cluster is not None or client is not None):
        raise UserError("a cluster is only used by the dask backend", field="--cluster")

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    state = initial_state(kb, organization, start)
    model_params, source, posterior, post_warnings, param_file = resolve_parameters(
        kb, state, sc, params
    )
    compiled = compile_scenario(sc, state, settings.years)
    root_seed = resolve_seed(settings.seed if settings.seed is not None else sc.seed)
    size = settings.chunk_size or default_chunk_size(state.n, settings.years)
    n_chunks = -(-settings.runs // size)
    start_year = int(state.date[:4])
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)

    parameters = model_params.model_dump(mode="json")
    inputs = {
        "scenario_sha256": sc.sha256,
        "seed": root_seed,
        "parameters": parameters,
        "years": settings.years,
        "runs": settings.runs,
        "start": state.date,
        "organization": state.organization,
        "data_version": state.data_version,
        "phalanx": _versions()["phalanx"],
        "parameters_source": source,
    }
    inputs_hash = _inputs_hash(inputs)
    run_id = make_run_id(sc.name, created.replace(tzinfo=None), inputs_hash)
    leader = state.actors[state.leader]
    header = {
        "run_id": run_id,
        "scenario": sc.name,
        "title": sc.title,
        "seed": root_seed,
        "organization": state.organization,
        "leader": leader,
        "start": state.date,
        "data_version": state.data_version,
        "inputs_hash": inputs_hash,
        "parameters": parameters,
    }
    acc = SummaryAccumulator(
        actors=state.actors,
        leader=state.leader,
        candidates=state.candidates,
        start_year=start_year,
        years=settings.years,
        answered_level=model_params.answered_level,
        header=header,
    )
    metadata: dict[str, Any] = {
        "run_id": run_id,
        "created": created.isoformat().replace("+00:00", "Z"),
        "status": "running",
        "seed": root_seed,
        "stream": STREAM,
        "scenario": {
            "name": sc.name,
            "title": sc.title,
            "path": None if sc.path is None else str(sc.path),
            "sha256": sc.sha256,
            "copy": "scenario.yaml",
        },
        "parameters": parameters,
        "parameter_file": param_file,
        "parameters_source": source,
        "runs": settings.runs,
        "years": settings.years,
        "start": state.date,
        "end_year": start_year + settings.years,
        "organization": state.organization,
        "leader": leader,
        "actors": list(state.actors),
        "candidates": [a for a, c in zip(state.actors, state.candidates, strict=True) if c],
        "patrons": [state.actors[p] for p in state.patrons],
        "targets": list(state.targets),
        "rule": state.rule,
        "dispute_mechanism": state.dispute_mechanism,
        "suspension_allowed": state.suspension_allowed,
        "leader_caps": state.leader_caps,
        "data_version": state.data_version,
        "chunk_size": size,
        "chunks": n_chunks,
        "backend": settings.backend,
        "workers": None,
        "versions": _versions(),
        "inputs_hash": inputs_hash,
        "assumptions": list(state.assumptions),
        "warnings": list(compiled.warnings) + post_warnings,
    }

    close_client: Callable[[], None] = lambda: None  # noqa: E731
    if settings.backend == "dask":  # reach the cluster before a run folder is made
        client, close_client = _dask_client(
            client if client is not None else settings.cluster, settings.workers
        )
    writer = None
    if out is not None:
        writer = ArchiveWriter(
            out,
            run_id,
            actors=state.actors,
            start_year=start_year,
            answered_level=model_params.answered_level,
        )
    done = 0

    def deliver(item: _Done) -> None:
        nonlocal done
        chunk = item.chunk
        acc.add(chunk)
        if writer is not None:
            writer.write_parts(item.parts or {}, len(chunk.replicate))
        done += len(chunk.replicate)
        if progress is not None:
            progress(done, settings.runs)

    archive = None if writer is None else (state.actors, start_year, model_params.answered_level)
    job = _Job(
        state,
        compiled,
        model_params,
        root_seed,
        settings.years,
        size,
        settings.runs,
        archive,
        posterior,
    )
    local_workers = settings.workers or os.cpu_count() or 1
    t0 = time.perf_counter()
    try:
        if settings.backend == "serial":
            used = _run_serial(job, n_chunks, deliver)
        elif settings.backend == "local" and min(n_chunks, local_workers) == 1:
            # one chunk or one worker: a pool would add its start-up and nothing else
            metadata["backend"] = "serial"
            metadata["backend_requested"] = "local"
            used = _run_serial(job, n_chunks, deliver)
        elif settings.backend == "local":
            used = _run_local(job, n_chunks, local_workers, deliver)
        else:
            used = _run_dask(job, n_chunks, client, inputs_hash[:12], deliver)
    except BaseException as e:
        metadata["workers"] = settings.workers
        if writer is not None:
            writer.fail(metadata, e)
        raise
    finally:
        close_client()
    elapsed = time.perf_counter() - t0
    metadata["workers"] = used
    metadata["elapsed_seconds"] = round(elapsed, 3)
    metadata["status"] = "complete"
    summary = acc.result()
    path = None
    if writer is not None:
        path = writer.finish(summary, metadata, sc.text)
    return RunRecord(
        run_id=run_id,
        seed=root_seed,
        summary=summary,
        metadata=metadata,
        path=path,
        warnings=tuple(compiled.warnings) + tuple(post_warnings),
        chunks=n_chunks,
        elapsed=elapsed,
    )
