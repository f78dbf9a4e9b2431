"""Membership-dynamics commands: ``simulate``, ``scenarios``, ``results`` and ``compare``.

The commands parse options and render; the work is :func:`phalanx.experiments.runner.
run_experiment`, the archive's :func:`list_runs`/:func:`load_run` and the summary's
:func:`compare_runs`. Options take their defaults, ranges and help from
:class:`~phalanx.experiments.runner.ExperimentSettings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    JsonOption,
    OnTopOption,
    UserError,
    console,
    declared_option,
    default_of,
    emit_json,
    err_console,
    escape,
    load_kb,
    number,
    print_table,
    print_warnings,
    query_date,
    user_errors,
)
from phalanx.experiments.runner import ExperimentSettings as E
from phalanx.params import describe

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Archive folder of the runs (default: $PHALANX_RUNS, else ./phalanx-runs).",
    ),
]


def _root(out: Path | None) -> Path:
    from phalanx.experiments.archive import default_root

    return default_root() if out is None else out


def _interval(p: Any, low: Any, high: Any) -> str:
    if p is None:
        return "n/a"
    return f"{number(p)} ({number(low)} to {number(high)})"  # "to": bounds may be negative


def _print_summary(summary: dict[str, Any]) -> None:
    """The probabilities by the last year per candidate and the mechanism shares."""
    last = summary["years"][-1]
    leader = summary.get("leader")
    by = {
        (r["actor"], r["status"]): r for r in summary["status_probabilities"] if r["year"] == last
    }
    left = {r["actor"]: r for r in summary["exits_by_actor"]}
    rows = []
    for actor in summary["actors"]:
        if actor == leader:
            continue
        row: dict[str, Any] = {"actor": actor}
        for status in ("member", "frozen", "suspended", "out"):
            r = by[(actor, status)]
            row[status] = _interval(r["probability"], r["low"], r["high"])
        e = left.get(actor)
        row["left at least once"] = (
            "n/a" if e is None else _interval(e["probability"], e["low"], e["high"])
        )
        rows.append(row)
    print_table(
        f"Status in {last} ({summary['runs']} runs; 95% Wilson intervals)",
        ["actor", "member", "frozen", "suspended", "out", "left at least once"],
        rows,
    )
    fe = summary["first_exit"]
    any_last = fe["any"][-1]
    median = fe["median_year"]
    console.print(
        f"Some member leaves by {last}: "
        f"{_interval(any_last['probability'], any_last['low'], any_last['high'])}; "
        f"median year of the first exit: {median if median is not None else f'after {last}'}"
    )
    mech = [
        {
            "mechanism": m["mechanism"],
            "exits": m["exits"],
            "share": _interval(m["share"], m["low"], m["high"]),
        }
        for m in summary["mechanisms"]
    ]
    print_table("Exits by their largest term", ["mechanism", "exits", "share"], mech)
    resp = summary["responses"]
    cats = ", ".join(
        f"{c['category']} {_interval(c['share'], c['low'], c['high'])}" for c in resp["categories"]
    )
    console.print(
        f"Requests for assistance: {resp['requests']} ({number(resp['per_run_mean'])} per run)"
        + (f"; answers: {cats}" if resp["requests"] else "")
    )


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(help="A shipped scenario's name (see `phalanx scenarios`) or a .yaml file."),
    ],
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Start date (YYYY, YYYY-MM or YYYY-MM-DD); default: the end of the package's period.",
        ),
    ] = None,
    years: Annotated[int, declared_option(E, "years", "--years")] = default_of(E, "years"),
    runs: Annotated[int, declared_option(E, "runs", "--runs")] = default_of(E, "runs"),
    seed: Annotated[int | None, declared_option(E, "seed", "--seed")] = None,
    organization: Annotated[
        str | None,
        typer.Option("--org", help="Organisation id or name; default: the package's main one."),
    ] = None,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params", help="A calibrated-values file (YAML or JSON) setting model parameters."
        ),
    ] = None,
    out: OutOption = None,
    workers: Annotated[int | None, declared_option(E, "workers", "--workers")] = None,
    backend: Annotated[
        str | None,
        declared_option(
            E,
            "backend",
            "--backend",
            help=f"{describe(E, 'backend')} Default: {default_of(E, 'backend')}, or dask when "
            "--cluster is given.",
        ),
    ] = None,
    cluster: Annotated[
        str | None, declared_option(E, "cluster", "--cluster", metavar="ADDRESS")
    ] = None,
    chunk_size: Annotated[int | None, declared_option(E, "chunk_size", "--chunk-size")] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Run a scenario as a Monte Carlo ensemble of membership dynamics and save it.

    Prints the run id, the seed, where the run was saved, the probability of each status
    by the last year with 95% intervals, and the share of exits per mechanism.
    """
    from phalanx.experiments.runner import run_experiment

    with user_errors():
        kb = load_kb(data, on_top)
        day = query_date(start, "--from") if start is not None else None
        root = _root(out)
        if backend is None:  # --cluster ADDRESS alone means: run there
            backend = "dask" if cluster is not None else default_of(E, "backend")
        kwargs: dict[str, Any] = dict(
            organization=organization,
            start=day,
            years=years,
            runs=runs,
            seed=seed,
            params=params,
            out=root,
            backend=backend,
            workers=workers,
            cluster=cluster,
            chunk_size=chunk_size,
        )
        if json_out:
            record = run_experiment(kb, scenario, **kwargs)
        else:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            with Progress(
                TextColumn("simulating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as bar:
                task = bar.add_task("runs", total=runs)
                record = run_experiment(
                    kb,
                    scenario,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    **kwargs,
                )
    print_warnings([*record.metadata["assumptions"], *record.warnings])
    if json_out:
        emit_json({**record.summary, "path": str(record.path), "warnings": list(record.warnings)})
        return
    console.print(f"Run {record.run_id} (seed {record.seed}) saved in {record.path}")
    console.print(escape(parameters_line(record.metadata)))
    _print_summary(record.summary)


def parameters_line(meta: dict) -> str:
    """Where a run's model parameters came from, in one line (``parameters_source``)."""
    src = meta.get("parameters_source") or {}
    kind = src.get("kind")
    if kind == "posterior":
        return (
            f"Parameters: the package's posterior {src.get('file')} ({src.get('draws')} draws "
            f"of {', '.join(src.get('parameters', []))}; replicate r takes draw r % "
            f"{src.get('draws')}; calibrated on {src.get('data_version')})"
        )
    if kind == "file":
        return f"Parameters: the file {src.get('file')}"
    if kind == "given":
        return "Parameters: given by the caller"
    if kind == "defaults":
        return "Parameters: the model's defaults (the package has no calibrated posterior)"
    return "Parameters: not recorded (a run from before issue 10)"


@app.command()
def scenarios(json_out: JsonOption = False) -> None:
    """The shipped scenarios of membership dynamics, with their titles and summaries."""
    from phalanx.experiments.scenario import list_scenarios

    with user_errors():
        rows = list_scenarios()
    if json_out:
        emit_json(rows)
        return
    print_table("Scenarios (phalanx simulate NAME)", ["name", "title", "summary"], rows)


@app.command()
def results(
    action: Annotated[
        str | None, typer.Argument(help="`show` to reload one run (or give its id directly).")
    ] = None,
    run_id: Annotated[
        str | None, typer.Argument(help="A run id, or a unique prefix of one.")
    ] = None,
    out: OutOption = None,
    json_out: JsonOption = False,
) -> None:
    """The saved runs (`phalanx results`), or one of them again (`phalanx results show ID`)."""
    from phalanx.experiments.archive import list_runs, load_run

    with user_errors():
        root = _root(out)
        if action is not None and action != "show":
            if run_id is not None:
                raise UserError(
                    f"expected `results show ID`, got {action!r} {run_id!r}", field="action"
                )
            action, run_id = "show", action
        if action is None:
            rows = list_runs(root)
            if json_out:
                emit_json(rows)
                return
            if not rows:
                console.print(f"No runs in {root}.")
                return
            print_table(
                f"Runs in {root}",
                ["run_id", "scenario", "created", "runs", "years", "start", "seed", "status"],
                rows,
            )
            return
        if run_id is None:
            raise UserError("`results show` needs a run id", field="run_id")
        run = load_run(root, run_id)
    if json_out:
        emit_json({"metadata": run.metadata, "summary": run.summary})
        return
    meta = run.metadata
    scenario = meta.get("scenario") or {}
    console.print(
        f"Run {run.run_id}: scenario {scenario.get('name')}, seed {meta.get('seed')}, "
        f"{meta.get('runs')} runs of {meta.get('years')} years from {meta.get('start')}, "
        f"data {meta.get('data_version')}, status {meta.get('status')}"
    )
    console.print(escape(parameters_line(meta)))
    if run.summary is None:
        console.print(f"No summary: {meta.get('error', 'the run did not complete')}")
        return
    _print_summary(run.summary)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="First run id (or a unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="Second run id (or a unique prefix).")],
    out: OutOption = None,
    json_out: JsonOption = False,
) -> None:
    """Two saved runs side by side, differences with 95% Newcombe intervals."""
    from phalanx.experiments.archive import load_run
    from phalanx.experiments.summary import compare_runs

    with user_errors():
        root = _root(out)
        runs = [load_run(root, r) for r in (run_a, run_b)]
        for r in runs:
            if r.summary is None:
                raise UserError(
                    f"run {r.run_id} has no summary (status: {r.metadata.get('status')})",
                    field="run_id",
                )
        result = compare_runs(runs[0].summary, runs[1].summary)
    if json_out:
        emit_json(result)
        return
    a, b = result["a"], result["b"]
    console.print(f"a = {a['run_id']} ({a['scenario']}, {a['runs']} runs, seed {a['seed']})")
    console.print(f"b = {b['run_id']} ({b['scenario']}, {b['runs']} runs, seed {b['seed']})")
    years = sorted({r["year"] for r in result["status"]})
    if not years:
        console.print("The runs share no actor and year.")
        return
    last = years[-1]
    rows = [
        {
            "actor": r["actor"],
            "status": r["status"],
            "a": r["a"],
            "b": r["b"],
            "a - b": _interval(r["difference"], r["low"], r["high"]),
        }
        for r in result["status"]
        if r["year"] == last and r["status"] in ("out", "frozen")
    ]
    print_table(
        f"Status in {last}: a - b with 95% Newcombe intervals",
        ["actor", "status", "a", "b", "a - b"],
        rows,
    )
    med = result["first_exit"]["median_year"]
    console.print(
        f"Median year of the first exit: a {med['a']}, b {med['b']} (None: after the horizon)"
    )
    strain = result["strain"][-1] if result["strain"] else None
    if strain is not None:
        console.print(
            f"Median strain in {strain['year']}: a {number(strain['a_q50'])}, "
            f"b {number(strain['b_q50'])}"
        )
