"""The dashboard's background jobs: the Scenarios and Discovery pages, runs and the job API.

Pages (each with its JSON twin and downloads, :func:`phalanx.web.render.page`):

- ``/scenarios``: choose a shipped scenario, change its drivers, the runs, years and seed
  (empty: a fresh one, shown once the job is submitted), run it as a background job with
  live progress; the past runs, each reloadable;
- ``/runs/{run_id}``: one archived run: its fan charts (:mod:`phalanx.figures.fancharts`),
  seed, parameters and data version; its archived tables as Parquet or CSV at
  ``/runs/{run_id}/tables/{table}.parquet`` (``.csv``);
- ``/compare?a=RUN&b=RUN``: two runs side by side with the differences' Monte Carlo
  intervals (:func:`phalanx.experiments.summary.compare_runs`, as ``phalanx compare``);
- ``/discovery``: submit a discovery job (PRIM boxes and Sobol indices of an outcome over a
  scenario's uncertain ranges) and show a finished one's result (``?job=ID``).

API: ``POST /api/jobs`` (a :class:`~phalanx.web.jobs.ScenarioJob` or
:class:`~phalanx.web.jobs.DiscoveryJob`; 202 with the job; 400 naming the field; 429 with
the reason when the server has as many jobs as it runs and queues), ``GET /api/jobs``,
``GET /api/jobs/{id}`` (404 if unknown) and ``GET /api/jobs/{id}/events``: server-sent
events (``progress`` each time the job moves, then one ``end`` with its final state).

Nothing here runs a model: the job manager (:mod:`phalanx.web.jobs`) runs them in worker
processes, and the pages read the archive and the library's plain results.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import TypeAdapter

from phalanx.errors import UserError
from phalanx.kb.store import UnknownIdError
from phalanx.web.jobs import FINAL, JobRefused, JobSpec
from phalanx.web.render import json_response, jsonable, page

__all__ = ["router"]

router = APIRouter()

RUN_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
"""A run id as the archive makes them (``<scenario>-<YYYYmmdd-HHMMSS>-<6 hex>``)."""

JOB_ID = r"^[0-9a-f]{12}$"

RunId = Annotated[str, Path(pattern=RUN_ID, description="A run id (see /scenarios.json).")]
JobId = Annotated[str, Path(max_length=64, description="A job id (12 hex digits).")]
RunQuery = Annotated[
    str | None, Query(pattern=RUN_ID, description="A run id (see /scenarios.json).")
]
ScenarioQuery = Annotated[
    str | None,
    Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="A shipped scenario's name."),
]

SSE_INTERVAL = 0.25
"""Seconds between two looks at a job while its events are streamed."""


class UnknownRun(UserError, LookupError):
    """No archived run with this id (HTTP 404)."""


def _jobs(request: Request) -> Any:
    manager = getattr(request.app.state, "jobs", None)
    if manager is None:
        raise UserError("this server runs no background jobs", field="job")
    return manager


def _root(request: Request) -> Any:
    return _jobs(request).root / "runs"


def _load_run(request: Request, run_id: str) -> Any:
    from phalanx.experiments.archive import load_run

    if not re.fullmatch(RUN_ID, run_id or ""):
        raise UnknownRun(f"no run {run_id[:100]!r}", field="run_id")
    try:
        run = load_run(_root(request), run_id)
    except UserError as e:
        raise UnknownRun(f"no run {run_id!r} on this server", field="run_id") from e
    if run.path.name != run_id:  # the archive takes a unique prefix; a URL names one run
        raise UnknownRun(f"no run {run_id!r} on this server (did you mean {run.path.name}?)",
                         field="run_id")  # fmt: skip
    if run.summary is None:
        raise UnknownRun(
            f"run {run.run_id} has no summary (status: {run.metadata.get('status')})",
            field="run_id",
        )
    return run


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[dict[str, str], ...]:
    """The shipped scenarios (name, title, summary), read once: they are package files."""
    from phalanx.experiments.scenario import list_scenarios

    return tuple({k: s[k] for k in ("name", "title", "summary")} for s in list_scenarios())


@functools.lru_cache(maxsize=32)
def _drivers(name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A shipped scenario's facts and its drivers (read once per scenario)."""
    from phalanx.experiments.overrides import scenario_drivers
    from phalanx.experiments.scenario import load_scenario

    sc = load_scenario(name)
    facts = {"name": sc.name, "title": sc.title, "summary": sc.summary, "seed": sc.seed,
             "sha256": sc.sha256}  # fmt: skip
    return facts, [{k: v for k, v in d.items() if k != "loc"} for d in scenario_drivers(sc)]


def _settings_view(request: Request) -> dict[str, Any]:
    s = request.app.state.settings
    keys = ("max_runs", "max_years", "max_jobs", "max_queued", "job_timeout", "max_design_points")
    return {k: getattr(s, k) for k in keys}


# --- Scenarios ---------------------------------------------------------------------------------


def _runs_table(data: dict) -> tuple[list[str], list[dict]]:
    cols = ["id", "status", "reason", "scenario", "seed", "runs", "years", "created", "run_id"]
    rows = [
        {**j, "runs": j["spec"].get("runs"), "years": j["spec"].get("years")} for j in data["jobs"]
    ]
    return cols, rows


@page(router, "/scenarios", name="scenarios", title="Scenarios", table=_runs_table)
def scenarios(
    request: Request,
    scenario: ScenarioQuery = None,
    runs: Annotated[int | None, Query(ge=1, le=10_000_000, description="Replicates.")] = None,
    years: Annotated[int | None, Query(ge=1, le=200, description="Simulated years.")] = None,
    seed: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Root seed (empty: a fresh one).")
    ] = None,
) -> dict:
    """The shipped scenarios, the chosen one's drivers (editable), the job's settings and
    this server's bounds, and the past scenario runs (newest first)."""
    shipped = [dict(s) for s in _shipped()]
    names = [s["name"] for s in shipped]
    chosen = scenario or (names[0] if names else None)
    if chosen not in names:
        raise UnknownIdError(
            f"unknown scenario {chosen!r}; expected one of {', '.join(names)}", field="scenario"
        )
    facts, drivers = _drivers(chosen)
    bounds = _settings_view(request)
    jobs = [j for j in _jobs(request).list() if j["kind"] == "scenario"]
    for j in jobs:
        j.pop("result", None)
    return {
        "scenarios": shipped,
        "scenario": dict(facts),
        "drivers": [dict(d) for d in drivers],
        "form": {
            "runs": min(runs or 200, bounds["max_runs"]),
            "years": min(years or 10, bounds["max_years"]),
            "seed": seed,
        },
        "bounds": bounds,
        "jobs": jobs,
    }


# --- one run, and two side by side ------------------------------------------------------------


def _run_figures(data: dict) -> dict[str, Any]:
    from phalanx.figures.fancharts import (
        capacity_fan,
        exit_bars,
        mechanism_bars,
        status_fans,
        strain_fan,
    )

    s, version = data["summary"], data["metadata"].get("data_version")
    return {
        "status": status_fans(s, data_version=version),
        "exits": exit_bars([s], data_version=version),
        "strain": strain_fan(s, data_version=version),
        "capacity": capacity_fan(s, data_version=version),
        "mechanisms": mechanism_bars([s], data_version=version),
    }


def _status_table(data: dict) -> tuple[list[str], list[dict]]:
    cols = ["actor", "year", "status", "count", "probability", "low", "high"]
    return cols, data["summary"]["status_probabilities"]


@page(
    router,
    "/runs/{run_id}",
    name="run",
    title="Scenario run",
    table=_status_table,
    figures=_run_figures,
)
def run_view(request: Request, run_id: RunId) -> dict:
    """One archived run: its summary (status probabilities with Wilson intervals, first
    exits, mechanisms, strain and capacity fans) and its metadata (seed, parameters, data
    version); the CSV and Parquet downloads are its status probabilities."""
    from phalanx.experiments.archive import TABLES
    from phalanx.experiments.provenance import parameters_text

    run = _load_run(request, run_id)
    meta = run.metadata
    job = next((j for j in _jobs(request).list() if j["run_id"] == run.run_id), None)
    return {
        "run_id": run.run_id,
        "job": None if job is None else {"id": job["id"], "drivers": job["spec"].get("drivers")},
        "metadata": meta,
        "summary": run.summary,
        "parameters_text": parameters_text(meta),
        "tables": [
            {
                "name": t,
                "parquet": f"/runs/{run.run_id}/tables/{t}.parquet",
                "csv": f"/runs/{run.run_id}/tables/{t}.csv",
            }
            for t in TABLES
        ],  # fmt: skip
    }


@router.get(
    "/runs/{run_id}/tables/{table}.{fmt}",
    summary="An archived table of a run (Parquet or CSV)",
    response_class=Response,
)
def run_table(
    request: Request,
    run_id: RunId,
    table: Annotated[
        str, Path(pattern=r"^(status|years|beliefs|requests|exits)$", description="The table.")
    ],
    fmt: Annotated[str, Path(pattern=r"^(parquet|csv)$", description="parquet or csv.")],
) -> Response:
    """One of the run's archived tables (status, years, beliefs, requests, exits), its
    parts in replicate order, as one Parquet file or as CSV (labels as text)."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    data = _load_run(request, run_id).table(table)
    buf = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(data, buf, compression="zstd")
        media = "application/vnd.apache.parquet"
    else:
        plain = pa.table(
            {
                n: (c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c)
                for n, c in zip(data.column_names, data.columns, strict=True)
            }
        )
        pcsv.write_csv(plain, buf)
        media = "text/csv; charset=utf-8"
    name = f"{run_id}-{table}.{fmt}"
    return Response(
        buf.getvalue(),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _compare_figures(data: dict) -> dict[str, Any]:
    from phalanx.figures.fancharts import exit_bars, mechanism_bars

    if not data.get("summaries"):
        return {}
    pair = data["summaries"]
    return {"exits": exit_bars(pair), "mechanisms": mechanism_bars(pair)}


def _compare_table(data: dict) -> tuple[list[str], list[dict]]:
    cols = ["actor", "year", "status", "a", "b", "difference", "low", "high"]
    return cols, (data.get("comparison") or {}).get("status", [])


@page(
    router,
    "/compare",
    name="compare",
    title="Two runs side by side",
    table=_compare_table,
    figures=_compare_figures,
)
def compare(request: Request, a: RunQuery = None, b: RunQuery = None) -> dict:
    """Runs ``a`` and ``b`` side by side: each status probability in both, ``a - b`` with
    Newcombe's 95% interval, the first exits and the median strain (``phalanx compare``'s
    numbers); without both ids, the list of runs to choose from."""
    from phalanx.experiments.summary import compare_runs

    choices = [
        {"run_id": j["run_id"], "scenario": j["scenario"], "seed": j["seed"], "id": j["id"]}
        for j in _jobs(request).list()
        if j["kind"] == "scenario" and j["status"] == "complete"
    ]
    out: dict[str, Any] = {"a": a, "b": b, "choices": choices, "comparison": None}
    if a is None or b is None:
        return out
    runs = [_load_run(request, r) for r in (a, b)]
    out["comparison"] = compare_runs(runs[0].summary, runs[1].summary)
    out["summaries"] = [r.summary for r in runs]
    return out


# --- Discovery ---------------------------------------------------------------------------------


def _discovery_figures(data: dict) -> dict[str, Any]:
    from phalanx.figures.discovery import sobol_figure, tradeoff_figure

    result = data.get("result") or {}
    figs: dict[str, Any] = {}
    disc, sens = result.get("discovery"), result.get("sensitivity")
    if disc and disc.get("prim"):
        figs["tradeoff"] = tradeoff_figure(disc)
    if sens and sens.get("indices"):
        figs["sobol"] = sobol_figure(sens)
    return figs


def _discovery_table(data: dict) -> tuple[list[str], list[dict]]:
    cols = ["factor", "low", "high", "qp_low", "qp_high"]
    disc = (data.get("result") or {}).get("discovery") or {}
    prim = disc.get("prim") or {}
    return cols, (prim.get("box") or {}).get("limits", [])


@page(
    router,
    "/discovery",
    name="discovery",
    title="Discovery",
    table=_discovery_table,
    figures=_discovery_figures,
)
def discovery(
    request: Request,
    kb: Any,
    job: Annotated[str | None, Query(pattern=JOB_ID, description="A discovery job's id.")] = None,
    scenario: ScenarioQuery = None,
) -> dict:
    """Scenario discovery (PRIM: the box of conditions that concentrates an outcome) and
    sensitivity (Sobol indices) of one scenario's uncertain ranges, run as a background
    job; with ``job``, that job's result (the chosen box's limits are the downloads)."""
    from phalanx.experiments.outcomes import GRAMMAR

    manager = _jobs(request)
    shipped = [{k: s[k] for k in ("name", "title")} for s in _shipped()]
    jobs = [j for j in manager.list() if j["kind"] == "discovery"]
    for j in jobs:
        j.pop("result", None)
    names = [s["name"] for s in shipped]
    if scenario is not None and scenario not in names:
        raise UnknownIdError(
            f"unknown scenario {scenario!r}; expected one of {', '.join(names)}", field="scenario"
        )
    from phalanx.models.dynamics.state import default_start

    bounds = _settings_view(request)
    start = default_start(kb, kb.defaults.organization)
    out: dict[str, Any] = {
        "scenarios": shipped,
        "scenario": scenario or ("long-war" if "long-war" in names else names[0]),
        "start": start.isoformat(),
        "outcome": f"exits >= 1 by {start.year + min(4, bounds['max_years'])}",
        "grammar": GRAMMAR,
        "bounds": bounds,
        "jobs": jobs,
        "job": None,
        "result": None,
    }
    if job is not None:
        found = manager.get(job)
        if found["kind"] != "discovery":
            raise UnknownRun(f"job {job} is not a discovery job", field="job")
        out["job"] = {k: v for k, v in found.items() if k != "result"}
        out["result"] = manager.result(job)
    return out


# --- the job API -------------------------------------------------------------------------------


def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with every local ``$ref`` replaced by its definition (the specs are not
    recursive), so the OpenAPI document needs no extra components."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inlined(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inlined(v, defs) for v in schema]
    return schema


_RAW_SCHEMA = TypeAdapter(JobSpec).json_schema()
_SPEC_SCHEMA = _inlined(_RAW_SCHEMA, _RAW_SCHEMA.get("$defs", {}))
_SPEC_SCHEMA["discriminator"] = {"propertyName": "kind"}  # its mapping named the $defs


@router.post(
    "/api/jobs",
    status_code=202,
    summary="Submit a job (a scenario ensemble or a discovery experiment)",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _SPEC_SCHEMA}},
        },
        "responses": {
            "400": {"description": "A bad spec: `field` names it."},
            "429": {"description": "Too many jobs running and waiting: the reason."},
        },
    },
)
async def submit_job(request: Request, spec: Annotated[dict[str, Any], Body()]) -> Response:
    """Validate the spec (against this server's bounds and the data) and queue it; the job
    runs in a worker process. Answers 202 with the job (its ``seed`` is the one recorded,
    fresh when none was given)."""
    manager = _jobs(request)
    try:
        job = await run_in_threadpool(manager.submit, spec)
    except JobRefused as e:
        refused = json_response({"detail": str(e), "field": e.field}, status_code=429)
        refused.headers["retry-after"] = "5"
        return refused
    response = json_response(job, status_code=202)
    response.headers["location"] = f"/api/jobs/{job['id']}"
    return response


@router.get("/api/jobs", summary="The jobs, newest first", response_class=Response)
async def list_jobs(
    request: Request,
    kind: Annotated[
        str | None, Query(pattern=r"^(scenario|discovery)$", description="Only this kind.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 200,
) -> Response:
    """Every job this server's store knows (of every server that used its state folder),
    with its status, reason, progress, seed and result's run id."""
    jobs = await run_in_threadpool(_jobs(request).list, limit)
    if kind is not None:
        jobs = [j for j in jobs if j["kind"] == kind]
    return json_response({"jobs": jobs, "bounds": _settings_view(request)})


@router.get("/api/jobs/{job_id}", summary="One job", response_class=Response)
async def get_job(request: Request, job_id: JobId) -> Response:
    """One job: status (queued, running, complete, failed, interrupted), the reason of a
    failure or an interruption, progress (done of total) and, once complete, its run id."""
    return json_response(await run_in_threadpool(_jobs(request).get, job_id))


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(jsonable(data), allow_nan=False)}\n\n"


@router.get(
    "/api/jobs/{job_id}/events",
    summary="A job's progress as server-sent events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def job_events(request: Request, job_id: JobId) -> StreamingResponse:
    """``text/event-stream``: a ``progress`` event each time the job moves (status, done,
    total), then one ``end`` event with the job's final state, and the stream closes."""
    manager = _jobs(request)
    await run_in_threadpool(manager.get, job_id)  # an unknown job is a 404 before streaming
    limit = float(request.app.state.settings.job_timeout) + 120.0

    async def stream():
        last = None
        waited = 0.0
        yield "retry: 2000\n\n"
        while True:
            job = await run_in_threadpool(manager.get, job_id)
            progress = {k: job[k] for k in ("id", "status", "reason", "done", "total", "fraction")}
            key = (job["status"], job["done"])
            if key != last:
                last = key
                yield _event("progress", progress)
            if job["status"] in FINAL:
                yield _event("end", job)
                return
            if waited > limit or await request.is_disconnected():
                return
            await asyncio.sleep(SSE_INTERVAL)
            waited += SSE_INTERVAL

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
