"""Background jobs of the dashboard: scenario ensembles and discovery experiments.

A job is a validated spec (:class:`ScenarioJob`, :class:`DiscoveryJob`) that runs in a
worker process of its own (``multiprocessing``'s *spawn* context), never in the thread of
the request that submitted it. :class:`JobManager` keeps every job's state in SQLite
(``state_dir/jobs.sqlite``, WAL mode, so any server process can read it while a worker
writes): ``queued`` -> ``running`` -> ``complete`` | ``failed`` | ``interrupted``, with the
reason of a failure or an interruption, the progress (replicates or design points done of
the total), and where the result is. Scenario runs are archived with
:mod:`phalanx.experiments.archive` under ``state_dir/runs`` (Parquet tables, summary,
metadata, the scenario as run); a discovery result is a JSON file under
``state_dir/experiments``.

Bounds (from :class:`~phalanx.web.settings.WebSettings`): ``runs <= max_runs``, ``years <=
max_years``, design ``points <= max_design_points``; at most ``max_jobs`` jobs run at once
and ``max_queued`` wait; one more is refused with the reason (:class:`JobRefused`); a job
running longer than ``job_timeout`` seconds is stopped and marked ``failed`` with the reason
``timed out after N s``; a worker that dies is marked ``failed`` with its exit code.

Restart: every manager holds a lock file (``state_dir/owners/<token>.lock``) while it runs,
and every job records the manager that owns it. :meth:`JobManager.start` marks the
``queued`` and ``running`` jobs of managers that no longer hold their lock (a server that
stopped or was killed) ``interrupted``, with the reason; nothing is lost, and finished jobs
are listed with their results. A worker whose server is gone stops by itself within a
second, and a worker's writes only ever move a job that is still ``running``.

Seeds: a spec without a seed gets a fresh one (53 random bits, which a browser's numbers
hold exactly) when it is submitted; it is
recorded with the job and in the run's metadata, so the same spec with that seed gives the
same archive bytes (apart from the run id and the timestamps in ``metadata.json``).

FastAPI is not needed here (the routes are :mod:`phalanx.web.routes_jobs`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import multiprocessing as mp
import os
import re
import secrets
import sqlite3
import threading
import time
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from phalanx.errors import UserError
from phalanx.experiments.sensitivity import largest_base_samples

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.kb import KnowledgeBase
    from phalanx.web.settings import WebSettings

__all__ = [
    "STATUSES",
    "FINAL",
    "INTERRUPTED_RUNNING",
    "INTERRUPTED_QUEUED",
    "DriverRange",
    "ScenarioJob",
    "DiscoveryJob",
    "JobSpec",
    "parse_spec",
    "JobRefused",
    "UnknownJob",
    "JobManager",
    "FRESH_SEED_BITS",
]

log = logging.getLogger("phalanx.web.jobs")

STATUSES = ("queued", "running", "complete", "failed", "interrupted")
"""A job's states, in the order it can pass through them."""

FINAL = frozenset({"complete", "failed", "interrupted"})
"""States a job never leaves."""

INTERRUPTED_RUNNING = "the server stopped while the job was running"
INTERRUPTED_QUEUED = "the server stopped before the job could start"

_FIELDS = {"--outcome": "outcome", "--from": "start", "--org": "organization", "--years": "years"}
"""The library's option names (the CLI's) as the spec's field names."""
_ID = re.compile(r"[0-9a-f]{12}")
_MAX_SEED = 2**63 - 1
FRESH_SEED_BITS = 53
"""Bits of a fresh seed: at most 2^53 - 1, so that a browser (whose numbers are doubles)
shows and sends it back exactly; a seed given may go up to 2^63 - 1."""
_POLL = 0.1  # seconds between the monitor's looks at its workers
_ORPHAN_TICKS = 50  # every 5 s: the jobs of servers that stopped are marked interrupted
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    seed INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    run_id TEXT,
    result TEXT,
    owner TEXT NOT NULL,
    pid INTEGER
)
"""
_COLUMNS = (
    "id, kind, spec, status, reason, seed, done, total, created, started, finished, run_id, "
    "result, owner, pid"
)

# --- the specs ---------------------------------------------------------------------------------

_Name = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
]
_Org = Annotated[str, StringConstraints(min_length=1, max_length=120)]
_Day = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
_DriverName = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DriverRange(_Spec):
    """A new range for one of the scenario's drivers (its units: a share, a multiplier or
    whole years; see :func:`phalanx.experiments.overrides.scenario_drivers`)."""

    low: float = Field(description="Lower end of the range.")
    high: float = Field(description="Upper end of the range (at least low).")


class ScenarioJob(_Spec):
    """A Monte Carlo ensemble of one shipped scenario, from a date, with changed drivers."""

    kind: Literal["scenario"] = "scenario"
    scenario: _Name = Field(description="A shipped scenario's name (see /scenarios.json).")
    organization: _Org | None = Field(
        None, description="Organisation id or name; default: the package's main one."
    )
    start: _Day | None = Field(
        None, description="Start date, YYYY[-MM[-DD]]; default: the end of the package's period."
    )
    runs: int = Field(200, ge=1, le=10_000_000, description="Replicates (1..max_runs).")
    years: int = Field(10, ge=1, le=200, description="Simulated years (1..max_years).")
    seed: int | None = Field(
        None, ge=0, le=_MAX_SEED, description="Root seed; default: a fresh one, recorded."
    )
    drivers: dict[_DriverName, DriverRange] = Field(
        default_factory=dict,
        max_length=200,
        description="Changed driver ranges, by driver name (e.g. leader.capacity).",
    )


class DiscoveryJob(_Spec):
    """PRIM scenario discovery (and Sobol sensitivity) of an outcome over a scenario's
    uncertainty space."""

    kind: Literal["discovery"] = "discovery"
    scenario: _Name = Field(description="A shipped scenario's name (see /scenarios.json).")
    outcome: str = Field(
        min_length=1,
        max_length=200,
        description="A yes/no outcome, e.g. 'exits >= 1 by 2031' (the outcome grammar).",
    )
    organization: _Org | None = Field(
        None, description="Organisation id or name; default: the package's main one."
    )
    start: _Day | None = Field(
        None, description="Start date, YYYY[-MM[-DD]]; default: the end of the package's period."
    )
    points: int = Field(
        60, ge=10, le=1_000_000, description="Design points (10..max_design_points)."
    )
    runs_per_point: int = Field(
        10, ge=1, le=10_000, description="Replicates at each point (1..max_runs)."
    )
    sensitivity: bool = Field(
        True, description="Also estimate Sobol indices on a Saltelli design of at most points."
    )
    seed: int | None = Field(
        None, ge=0, le=_MAX_SEED, description="Root seed; default: a fresh one, recorded."
    )


JobSpec = Annotated[ScenarioJob | DiscoveryJob, Field(discriminator="kind")]
"""Either kind of job, told apart by ``kind``."""

_SPEC = TypeAdapter(JobSpec)


def parse_spec(data: Any) -> ScenarioJob | DiscoveryJob:
    """A spec from plain data (a request's JSON); a UserError naming the first bad field."""
    from pydantic import ValidationError

    if isinstance(data, ScenarioJob | DiscoveryJob):
        return data
    try:
        return _SPEC.validate_python(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = list(first["loc"])
        if len(loc) > 1 and loc[0] in ("scenario", "discovery"):
            loc = loc[1:]  # the union's tag
        raise UserError(first["msg"], field=".".join(str(p) for p in loc) or "kind") from None


class JobRefused(UserError):
    """A job beyond the bounds on concurrent and waiting jobs (HTTP 429 at the route)."""


class UnknownJob(UserError, LookupError):
    """No job with this id (HTTP 404)."""


# --- helpers -----------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=1)
def _scenario_names() -> tuple[str, ...]:
    from phalanx.experiments.scenario import list_scenarios

    return tuple(s["name"] for s in list_scenarios())


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    keys = [c.strip() for c in _COLUMNS.split(",")]
    r = dict(zip(keys, values, strict=True))
    r["spec"] = json.loads(r["spec"])
    r["result"] = None if r["result"] is None else json.loads(r["result"])
    return r


def _load_kb(data: str | None, on_top: bool) -> KnowledgeBase:
    from phalanx.kb.store import KnowledgeBase

    if data is None:
        if on_top:
            raise UserError("on_top needs a data package (data)", field="on_top")
        return KnowledgeBase.embedded()
    return KnowledgeBase.from_path(Path(data), on_top=on_top)


# --- the work, in a worker process ------------------------------------------------------------


class _Progress:
    """Writes a worker's progress to the store (at most every 0.2 s, and at the end)."""

    def __init__(self, db: Path, job_id: str, offset: int = 0) -> None:
        self.db, self.job_id, self.offset, self.last = db, job_id, offset, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        con = _connect(self.db)
        try:
            cur = con.execute(
                "UPDATE jobs SET done=? WHERE id=? AND status='running'",
                (self.offset + int(done), self.job_id),
            )
            if cur.rowcount == 0:  # interrupted or stopped meanwhile: nothing more to do
                os._exit(0)
        finally:
            con.close()


def _watch_parent(parent: int) -> None:
    """Stop this worker when the server that started it is gone (killed, say)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(3)


def _finish(db: Path, job_id: str, status: str, **fields: Any) -> None:
    sets = ", ".join(f"{k}=?" for k in ("status", "finished", *fields))
    con = _connect(db)
    try:
        con.execute(
            f"UPDATE jobs SET {sets} WHERE id=? AND status='running'",
            (status, _now(), *fields.values(), job_id),
        )
    finally:
        con.close()


def _run_scenario(kb: Any, spec: ScenarioJob, seed: int, root: Path, progress: _Progress) -> dict:
    from phalanx.experiments.overrides import apply_drivers
    from phalanx.experiments.runner import run_experiment
    from phalanx.experiments.scenario import load_scenario

    drivers = {k: v.model_dump() for k, v in spec.drivers.items()}
    scenario = apply_drivers(load_scenario(spec.scenario), drivers)
    for attempt in range(5):
        try:
            record = run_experiment(
                kb,
                scenario,
                organization=spec.organization,
                start=spec.start,
                years=spec.years,
                runs=spec.runs,
                seed=seed,
                out=root / "runs",
                backend="serial",
                progress=progress,
            )
            break
        except UserError as e:  # two identical runs in one second share a run id
            if "exists already" not in e.message or attempt == 4:
                raise
            time.sleep(1.05)
    return {"run_id": record.run_id}  # no server path goes to a client


def _run_discovery(
    kb: Any, spec: DiscoveryJob, seed: int, root: Path, job_id: str, db: Path
) -> dict:
    from phalanx.experiments.archive import dump_json
    from phalanx.experiments.discovery import run_discovery
    from phalanx.experiments.sensitivity import run_sensitivity
    from phalanx.safe_files import MARKER, write_output

    common = dict(organization=spec.organization, start=spec.start, seed=seed, backend="serial")
    disc = run_discovery(
        kb,
        spec.scenario,
        spec.outcome,
        points=spec.points,
        runs_per_point=spec.runs_per_point,
        progress=_Progress(db, job_id),
        **common,
    )
    sens, note = None, None
    d = len(disc["factors"])
    n = largest_base_samples(spec.points, d) if spec.sensitivity else None
    if spec.sensitivity and n is None:
        note = (
            f"Sobol indices need at least {8 * (d + 2)} design points for {d} factors "
            f"(8 x (d + 2)); the job asked for {spec.points}"
        )
    if n is not None:
        sens = run_sensitivity(
            kb,
            spec.scenario,
            spec.outcome,
            samples=n,
            runs_per_point=spec.runs_per_point,
            progress=_Progress(db, job_id, offset=spec.points),
            **common,
        )
    folder = root / "experiments"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{job_id}.json"
    body = {"discovery": disc, "sensitivity": sens, "sensitivity_note": note}
    write_output(out, dump_json({"generator": MARKER.decode(), **body}))
    return {"file": out.name, "samples": n}


def _worker_main(root: str, job_id: str, data: str | None, on_top: bool, parent: int) -> None:
    """Run job ``job_id`` (its spec read from the store) and record how it ended."""
    import signal

    # Ctrl+C in a terminal reaches the whole process group: the server stops its workers
    # itself (and marks their jobs interrupted), so a worker ignores it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root_p = Path(root)
    db = root_p / "jobs.sqlite"
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    con = _connect(db)
    try:
        found = con.execute("SELECT spec, seed FROM jobs WHERE id=?", (job_id,)).fetchone()
    finally:
        con.close()
    if found is None:
        return
    spec = parse_spec(json.loads(found[0]))
    seed = int(found[1])
    try:
        kb = _load_kb(data, on_top)
        if isinstance(spec, ScenarioJob):
            result = _run_scenario(kb, spec, seed, root_p, _Progress(db, job_id))
            _finish(db, job_id, "complete", run_id=result["run_id"], result=json.dumps(result))
        else:
            result = _run_discovery(kb, spec, seed, root_p, job_id, db)
            _finish(db, job_id, "complete", result=json.dumps(result))
    except UserError as e:
        _finish(db, job_id, "failed", reason=str(e))
    except Exception as e:  # a bug: logged here in full, a short reason for the client
        log.exception("job %s failed", job_id)
        _finish(db, job_id, "failed", reason=f"internal error ({type(e).__name__})")


# --- the manager -------------------------------------------------------------------------------


class JobManager:
    """Submits, runs, bounds and records the dashboard's background jobs.

    ``JobManager(settings)``; :meth:`start` opens the store (and marks the jobs of stopped
    servers interrupted) and starts the monitor thread; :meth:`shutdown` stops the workers
    and marks their jobs interrupted. :meth:`submit` validates a spec against the bounds
    and the data and queues it (a UserError naming the field, or :class:`JobRefused`);
    :meth:`get`, :meth:`list` and :meth:`progress` read the store, :meth:`result` a
    finished job's result. ``kb``: the knowledge base to validate specs against (default:
    loaded from ``settings`` on first use).
    """

    def __init__(self, settings: WebSettings, *, kb: KnowledgeBase | None = None) -> None:
        self.settings = settings
        self.root = Path(settings.state_dir)
        self.db = self.root / "jobs.sqlite"
        self.token = secrets.token_hex(8)
        self._kb = kb
        self._lock = threading.RLock()
        self._check_lock = threading.Lock()  # one DuckDB connection: one check at a time
        self._queue: deque[str] = deque()
        self._workers: dict[str, tuple[Any, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._owner_file: Any = None
        self._started = False

    # -- life cycle --

    def start(self) -> None:
        """Open the store, mark the jobs of servers that stopped ``interrupted``, and start
        the monitor. Idempotent."""
        with self._lock:
            if self._started:
                return
            try:
                for sub in ("runs", "experiments", "owners"):
                    (self.root / sub).mkdir(parents=True, exist_ok=True)
                con = _connect(self.db)
                try:
                    con.execute(_SCHEMA)
                finally:
                    con.close()
            except (OSError, sqlite3.Error) as e:
                raise UserError(
                    f"cannot keep the job store here ({e})", file=self.root, field="state_dir"
                ) from None
            self._hold_owner_lock()
            self._interrupt_orphans()
            self._stop.clear()
            self._thread = threading.Thread(target=self._monitor, name="phalanx-jobs", daemon=True)
            self._thread.start()
            self._started = True

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the monitor and every worker; their jobs become ``interrupted``."""
        with self._lock:
            if not self._started:
                return
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            for job_id, (proc, _t0) in list(self._workers.items()):
                self._stop_process(proc)
                self._mark(job_id, "interrupted", INTERRUPTED_RUNNING, only=("running",))
            self._workers.clear()
            while self._queue:
                self._mark(self._queue.popleft(), "interrupted", INTERRUPTED_QUEUED)
            self._release_owner_lock()
            self._started = False

    def __enter__(self) -> JobManager:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def _owner_path(self, token: str) -> Path:
        return self.root / "owners" / f"{token}.lock"

    def _hold_owner_lock(self) -> None:
        fh = open(self._owner_path(self.token), "w")  # noqa: SIM115 - held while running
        with contextlib.suppress(ImportError):
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._owner_file = fh

    def _release_owner_lock(self) -> None:
        if self._owner_file is not None:
            self._owner_file.close()
            self._owner_file = None
        with contextlib.suppress(OSError):
            self._owner_path(self.token).unlink()

    def _owner_alive(self, token: str) -> bool:
        """Whether the manager ``token`` still holds its lock (so it is running)."""
        if token == self.token:
            return True
        path = self._owner_path(token)
        if not re.fullmatch(r"[0-9a-f]{16}", token) or not path.is_file():
            return False
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock: every other owner counts as gone
            return False
        with open(path) as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):
            path.unlink()
        return False

    def _interrupt_orphans(self) -> None:
        con = _connect(self.db)
        try:
            rows = con.execute(
                "SELECT id, status, owner FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchall()
            alive: dict[str, bool] = {}
            for job_id, status, owner in rows:
                if owner not in alive:
                    alive[owner] = self._owner_alive(owner)
                if alive[owner]:
                    continue
                reason = INTERRUPTED_RUNNING if status == "running" else INTERRUPTED_QUEUED
                con.execute(
                    "UPDATE jobs SET status='interrupted', reason=?, finished=? "
                    "WHERE id=? AND status=?",
                    (reason, _now(), job_id, status),
                )
                if status == "running":
                    log.warning("job %s: %s; marked interrupted", job_id, reason)
        finally:
            con.close()

    # -- validation --

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base specs are checked against (loaded once)."""
        if self._kb is None:
            self._kb = _load_kb(self.settings.data, self.settings.on_top)
        return self._kb

    def check(self, spec: Any) -> tuple[ScenarioJob | DiscoveryJob, int]:
        """``spec`` validated against the bounds and the data, with its seed resolved, and
        the job's total (replicates, or design points). A UserError names the field."""
        spec = parse_spec(spec)
        with self._check_lock:
            try:
                return self._check(spec)
            except UserError as e:  # the library names the CLI's options: use the spec's
                field = _FIELDS.get(e.field or "", e.field)
                if field == e.field:
                    raise
                raise type(e)(e.message, file=e.file, line=e.line, field=field) from None

    def _check(self, spec: ScenarioJob | DiscoveryJob) -> tuple[ScenarioJob | DiscoveryJob, int]:
        s = self.settings
        names = _scenario_names()
        if spec.scenario not in names:
            raise UserError(
                f"unknown scenario {spec.scenario!r}; expected one of {', '.join(names)}",
                field="scenario",
            )
        seed = spec.seed if spec.seed is not None else secrets.randbits(FRESH_SEED_BITS)
        spec = spec.model_copy(update={"seed": seed})
        if isinstance(spec, ScenarioJob):
            if spec.runs > s.max_runs:
                raise UserError(
                    f"at most {s.max_runs} runs per job on this server, got {spec.runs}",
                    field="runs",
                )
            if spec.years > s.max_years:
                raise UserError(
                    f"at most {s.max_years} years per job on this server, got {spec.years}",
                    field="years",
                )
            from phalanx.experiments.overrides import apply_drivers
            from phalanx.experiments.scenario import load_scenario
            from phalanx.models.dynamics.state import initial_state

            apply_drivers(
                load_scenario(spec.scenario), {k: v.model_dump() for k, v in spec.drivers.items()}
            )
            initial_state(self.kb, spec.organization, spec.start)
            return spec, spec.runs
        if spec.points > s.max_design_points:
            raise UserError(
                f"at most {s.max_design_points} design points per job on this server, got "
                f"{spec.points}",
                field="points",
            )
        if spec.runs_per_point > s.max_runs:
            raise UserError(
                f"at most {s.max_runs} runs per point on this server, got {spec.runs_per_point}",
                field="runs_per_point",
            )
        from phalanx.experiments.design_runner import setup_design
        from phalanx.experiments.outcomes import bind, parse_outcome

        target = parse_outcome(spec.outcome)  # a regular expression, never an evaluator
        if not target.binary:
            raise UserError(
                f"{target.text!r} is a number, not a yes/no outcome; discovery needs a "
                "condition, e.g. 'exits >= 1 by 2031'",
                field="outcome",
            )
        setup = setup_design(
            self.kb, spec.scenario, organization=spec.organization, start=spec.start,
            reach=target.year,
        )  # fmt: skip
        bind(target, setup.state, setup.years)
        if setup.years > s.max_years:
            raise UserError(
                f"the outcome's year needs {setup.years} simulated years; at most "
                f"{s.max_years} on this server",
                field="outcome",
            )
        if setup.space.d < 1:
            raise UserError(
                f"scenario {spec.scenario} has no uncertain factor on this package",
                field="scenario",
            )
        n = largest_base_samples(spec.points, setup.space.d) if spec.sensitivity else None
        return spec, spec.points + (0 if n is None else n * (setup.space.d + 2))

    # -- submitting and reading --

    def submit(self, spec: Any) -> dict[str, Any]:
        """Validate ``spec`` (a ScenarioJob, a DiscoveryJob or its plain data) and queue it.

        Returns the job (as :meth:`get`). Refused with :class:`JobRefused` when
        ``max_jobs`` run and ``max_queued`` wait already; a bad spec is a UserError naming
        the field.
        """
        if not self._started:
            raise RuntimeError("JobManager.start() first")
        spec, total = self.check(spec)
        s = self.settings
        job_id = secrets.token_hex(6)
        with self._lock:
            con = _connect(self.db)
            try:
                con.execute("BEGIN IMMEDIATE")
                running, queued = (
                    con.execute("SELECT COUNT(*) FROM jobs WHERE status=?", (state,)).fetchone()[0]
                    for state in ("running", "queued")
                )
                if running + queued >= s.max_jobs + s.max_queued:
                    con.execute("ROLLBACK")
                    raise JobRefused(
                        f"too many jobs: {running} running and {queued} waiting (this server "
                        f"runs at most {s.max_jobs} at once and queues {s.max_queued}); try "
                        "again when one has finished",
                        field="job",
                    )
                con.execute(
                    "INSERT INTO jobs (id, kind, spec, status, seed, total, created, owner) "
                    "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)",
                    (
                        job_id,
                        spec.kind,
                        spec.model_dump_json(),
                        spec.seed,
                        total,
                        _now(),
                        self.token,
                    ),
                )
                con.execute("COMMIT")
            finally:
                con.close()
            self._queue.append(job_id)  # the monitor starts it (never this thread)
        return self.get(job_id)

    def _fetch(self, where: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        con = _connect(self.db)
        try:
            rows = con.execute(f"SELECT {_COLUMNS} FROM jobs {where}", args).fetchall()
        finally:
            con.close()
        return [self._public(_row(r)) for r in rows]

    def _public(self, r: dict[str, Any]) -> dict[str, Any]:
        owner = r.pop("owner")
        r.pop("pid", None)
        r["fraction"] = (r["done"] / r["total"]) if r["total"] else 0.0
        r["scenario"] = r["spec"].get("scenario")
        r["mine"] = owner == self.token
        return r

    def get(self, job_id: str) -> dict[str, Any]:
        """One job: ``{"id", "kind", "status", "reason", "spec", "seed", "done", "total",
        "fraction", "created", "started", "finished", "run_id", "result", "scenario",
        "mine"}``. An unknown id is a UserError (field ``id``)."""
        if not isinstance(job_id, str) or not _ID.fullmatch(job_id):
            raise UnknownJob(f"no job {str(job_id)[:40]!r} (ids are 12 hex digits)", field="id")
        found = self._fetch("WHERE id=?", (job_id,))
        if not found:
            raise UnknownJob(f"no job {job_id!r}", field="id")
        return found[0]

    def list(self, limit: int = 500) -> list[dict[str, Any]]:
        """The jobs, newest first (at most ``limit``)."""
        return self._fetch("ORDER BY created DESC, rowid DESC LIMIT ?", (int(limit),))

    def progress(self, job_id: str) -> dict[str, Any]:
        """``{"id", "status", "reason", "done", "total", "fraction"}`` of one job."""
        j = self.get(job_id)
        return {k: j[k] for k in ("id", "status", "reason", "done", "total", "fraction")}

    def result(self, job_id: str) -> dict[str, Any] | None:
        """A complete job's result: for a scenario job the archived run (``{"run_id",
        "metadata", "summary"}``), for a discovery job ``{"discovery", "sensitivity",
        "sensitivity_note"}``; None while the job is not complete."""
        job = self.get(job_id)
        if job["status"] != "complete" or not job["result"]:
            return None
        if job["kind"] == "scenario":
            from phalanx.experiments.archive import load_run

            run = load_run(self.root / "runs", job["run_id"])
            return {"run_id": run.run_id, "metadata": run.metadata, "summary": run.summary}
        from phalanx.safe_files import read_user_text

        path = self.root / "experiments" / f"{job_id}.json"
        data = json.loads(read_user_text(path, limit=256 * 1024 * 1024, what="job result"))
        data.pop("generator", None)
        return data

    # -- running --

    def _mark(self, job_id: str, status: str, reason: str, only=("queued", "running")) -> None:
        marks = ",".join("?" * len(only))
        con = _connect(self.db)
        try:
            con.execute(
                f"UPDATE jobs SET status=?, reason=?, finished=? WHERE id=? AND status IN ({marks})",
                (status, reason, _now(), job_id, *only),
            )
        finally:
            con.close()

    @staticmethod
    def _stop_process(proc: Any) -> None:
        if proc.is_alive():
            proc.terminate()
            proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(2)

    def _dispatch(self) -> None:
        """Start queued jobs while fewer than ``max_jobs`` run."""
        with self._lock:
            if not self._started or self._stop.is_set():
                return
            ctx = mp.get_context("spawn")
            while self._queue and len(self._workers) < self.settings.max_jobs:
                job_id = self._queue.popleft()
                con = _connect(self.db)
                try:
                    cur = con.execute(
                        "UPDATE jobs SET status='running', started=? WHERE id=? AND "
                        "status='queued'",
                        (_now(), job_id),
                    )
                finally:
                    con.close()
                if cur.rowcount == 0:
                    continue
                proc = ctx.Process(
                    target=_worker_main,
                    args=(
                        str(self.root),
                        job_id,
                        self.settings.data,
                        self.settings.on_top,
                        os.getpid(),
                    ),
                    name=f"phalanx-job-{job_id}",
                    daemon=True,
                )
                try:
                    proc.start()
                except OSError as e:  # no process could be made (limits, memory)
                    self._mark(job_id, "failed", f"could not start a worker process ({e})")
                    continue
                con = _connect(self.db)
                try:
                    con.execute("UPDATE jobs SET pid=? WHERE id=?", (proc.pid, job_id))
                finally:
                    con.close()
                self._workers[job_id] = (proc, time.monotonic())

    def _check_workers(self) -> None:
        limit = self.settings.job_timeout
        with self._lock:
            for job_id, (proc, t0) in list(self._workers.items()):
                if not proc.is_alive():
                    proc.join()
                    code = proc.exitcode
                    why = (
                        f"the worker process stopped unexpectedly (signal {-code})"
                        if code is not None and code < 0
                        else f"the worker process stopped unexpectedly (exit code {code})"
                    )
                    self._mark(job_id, "failed", why, only=("running",))
                    del self._workers[job_id]
                elif time.monotonic() - t0 > limit:
                    self._stop_process(proc)
                    self._mark(
                        job_id, "failed", f"timed out after {_seconds(limit)} s", only=("running",)
                    )
                    del self._workers[job_id]

    def _monitor(self) -> None:
        ticks = 0
        while not self._stop.wait(_POLL):
            ticks += 1
            try:
                self._check_workers()
                self._dispatch()
                if ticks % _ORPHAN_TICKS == 0:  # another server on this folder may have died
                    self._interrupt_orphans()
            except Exception:  # never let the monitor die: log and go on
                log.exception("job monitor")

    def wait(self, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The job once it is final, waiting at most ``timeout`` seconds (for scripts and
        tests; the pages follow progress through the events stream)."""
        end = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job["status"] in FINAL or time.monotonic() > end:
                return job
            time.sleep(0.05)


def _seconds(x: float) -> str:
    return f"{x:g}" if not math.isclose(x, round(x)) else str(round(x))
