"""Experiments over a scenario's uncertainty space: ``discover`` (PRIM) and ``sensitivity``
(Sobol indices).

The commands parse options and render; the work is
:func:`phalanx.experiments.discovery.run_discovery` and
:func:`phalanx.experiments.sensitivity.run_sensitivity`. Options take their defaults,
ranges and help from :class:`~phalanx.experiments.discovery.DiscoverySettings` and
:class:`~phalanx.experiments.sensitivity.SensitivitySettings`. ``--out FILE`` saves the
result with its metadata (seed, data version, parameters, design) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    ForceOption,
    JsonOption,
    OnTopOption,
    console,
    declared_option,
    default_of,
    emit_json,
    err_console,
    load_kb,
    number,
    print_table,
    print_warnings,
    query_date,
    user_errors,
)
from phalanx.experiments.discovery import DiscoverySettings as D
from phalanx.experiments.runner import ExperimentSettings as E
from phalanx.experiments.sensitivity import SensitivitySettings as S

ScenarioArgument = Annotated[
    str, typer.Argument(help="A shipped scenario's name (see `phalanx scenarios`) or a .yaml file.")
]
StartOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Start date (YYYY, YYYY-MM or YYYY-MM-DD); default: the end of the package's period.",
    ),
]
YearsOption = Annotated[
    int | None,
    declared_option(
        E,
        "years",
        "--years",
        help="Simulated years after the start (1..200); default: just reaching the outcome's "
        "year (5 without an outcome).",
    ),
]
OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="Organisation id or name; default: the package's main one."),
]
ParameterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        help="A model parameter's range, NAME=LOW:HIGH (e.g. beta_patrons=0:4), as one more "
        "factor; repeat for several.",
    ),
]
ParamsOption = Annotated[
    Path | None,
    typer.Option(
        "--params", help="A calibrated-values file (YAML or JSON) setting model parameters."
    ),
]
WorkersOption = Annotated[int | None, declared_option(E, "workers", "--workers")]
BackendOption = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help="Where the points run: serial (this process) or local (worker processes); "
        "default: local when --workers is given, else serial.",
    ),
]
OutFileOption = Annotated[
    Path | None,
    typer.Option("--out", help="Save the result with its metadata as a JSON file."),
]


@contextmanager
def _progress(json_out: bool, what: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on standard error when it is a terminal (none with ``--json``)."""
    if json_out or not err_console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _save(result: dict[str, Any], out: Path | None, force: bool) -> None:
    from phalanx.safe_files import MARKER, write_output

    if out is None:
        return
    text = json.dumps({"generator": MARKER.decode(), **result}, indent=2, ensure_ascii=False)
    write_output(out, text + "\n", force=force)


def _warnings(result: dict[str, Any]) -> None:
    meta = result["metadata"]
    print_warnings([*meta["assumptions"], *meta["warnings"], *meta["space"]["notes"]])


def _header(result: dict[str, Any], what: str) -> None:
    m = result["metadata"]
    console.print(
        f"{what} of {result['outcome']!r} under scenario {m['scenario']['name']} "
        f"({m['organization']}, {m['start']} + {m['years']} years): {m['points']} design "
        f"points x {m['runs_per_point']} runs, seed {m['seed']}, data {m['data_version']}"
    )


def _range(f: dict[str, Any]) -> str:
    return f"{number(f['low'])} to {number(f['high'])}"


def _qp(v: float | None) -> str:
    return "" if v is None else f"{v:.2g}"


def _print_discovery(result: dict[str, Any]) -> None:
    _header(result, "Scenario discovery")
    cases = result["cases"]
    console.print(
        f"Cases: {cases['n']} {cases['kind']}, {cases['of_interest']} of interest "
        f"({cases['definition']}); the outcome came up in {number(cases['outcome_rate'])} "
        "of all runs."
    )
    prim = result["prim"]
    if prim is None:
        console.print(f"No box: {cases['note']}")
        return
    factors = {f["name"]: f for f in result["factors"]}
    box = prim["box"]
    met = "" if prim["meets_target"] else " (no box reached the density asked for)"
    console.print(
        f"Chosen box {box['box']}{met}: coverage {number(box['coverage'])}, density "
        f"{number(box['density'])} (all cases: {number(prim['trajectory'][0]['density'])}), "
        f"mass {number(box['mass'])}; rule: {prim['rule']}."
    )
    rows = [
        {
            "factor": lim["factor"],
            "meaning": factors[lim["factor"]]["label"],
            "range": _range(factors[lim["factor"]]),
            "box": f"{number(lim['low'])} to {number(lim['high'])}",
            "qp low": _qp(lim["qp_low"]),
            "qp high": _qp(lim["qp_high"]),
        }
        for lim in box["limits"]
    ]
    print_table(
        "The chosen box: the conditions (quasi-p-values: small is significant)",
        ["factor", "meaning", "range", "box", "qp low", "qp high"],
        rows,
    )
    traj = prim["trajectory"]
    step = max(1, len(traj) // 12)
    shown = [t for t in traj if t["box"] % step == 0 or t["box"] in (box["box"], len(traj) - 1)]
    print_table(
        "Peeling trajectory (coverage against density)",
        ["box", "coverage", "density", "mass", "restricted"],
        [{**t, "restricted": len(t["restricted"])} for t in shown],
        caption=f"{len(traj)} boxes; one in {step} shown, with the chosen and the last one",
    )
    print_table(
        "Feature scores (extra trees): how much each factor explains",
        ["factor", "score"],
        result["feature_scores"],
    )


def _pm(value: float | None, conf: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{number(value)} ± {number(conf)}"


def _print_sensitivity(result: dict[str, Any]) -> None:
    _header(result, "Sobol sensitivity")
    out = result["output"]
    console.print(
        f"Output: the {result['statistic']} of the outcome over each point's runs; mean "
        f"{number(out['mean'])}, variance {out['variance']:.3g} over {out['points']} points."
    )
    if result["note"]:
        console.print(result["note"])
        return
    conf = result["metadata"]["settings"]["conf_level"]
    rows = sorted(result["indices"], key=lambda r: -(r["ST"] or 0.0))
    labels = {f["name"]: f["label"] for f in result["factors"]}
    print_table(
        f"Sobol indices (± the half-width of the {conf:.0%} bootstrap interval)",
        ["factor", "meaning", "first order", "total"],
        [
            {
                "factor": r["factor"],
                "meaning": labels[r["factor"]],
                "first order": _pm(r["S1"], r["S1_conf"]),
                "total": _pm(r["ST"], r["ST_conf"]),
            }
            for r in rows
        ],
    )
    if result["second_order"]:
        print_table(
            "Second-order indices",
            ["a", "b", "second order"],
            [{**r, "second order": _pm(r["S2"], r["S2_conf"])} for r in result["second_order"]],
        )


@app.command()
def discover(
    scenario: ScenarioArgument,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="The yes/no outcome to explain, e.g. 'exits >= 2 by 2031', 'left:ARM by 2031' "
            "(see docs/evidence/discovery.md).",
        ),
    ],
    start: StartOption = None,
    years: YearsOption = None,
    points: Annotated[int, declared_option(D, "points", "--points")] = default_of(D, "points"),
    runs_per_point: Annotated[
        int, declared_option(D, "runs_per_point", "--runs-per-point")
    ] = default_of(D, "runs_per_point"),
    design: Annotated[str, declared_option(D, "design", "--design")] = default_of(D, "design"),
    cases: Annotated[str, declared_option(D, "cases", "--cases")] = default_of(D, "cases"),
    share: Annotated[float, declared_option(D, "share", "--share")] = default_of(D, "share"),
    density: Annotated[float, declared_option(D, "density", "--density")] = default_of(
        D, "density"
    ),
    seed: Annotated[int | None, declared_option(D, "seed", "--seed")] = None,
    parameter: ParameterOption = None,
    params: ParamsOption = None,
    organization: OrgOption = None,
    workers: WorkersOption = None,
    backend: BackendOption = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    out: OutFileOption = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
) -> None:
    """Find the conditions under which an outcome comes about (PRIM scenario discovery).

    Samples the scenario's uncertain ranges (a Latin hypercube), runs the model at every
    point and prints the box of conditions that concentrates the outcome, its peeling
    trajectory and the factors' feature scores.
    """
    from phalanx.experiments.discovery import run_discovery

    with user_errors():
        kb = load_kb(data, on_top)
        day = query_date(start, "--from") if start is not None else None
        with _progress(json_out, "discovering") as progress:
            result = run_discovery(
                kb,
                scenario,
                outcome,
                organization=organization,
                start=day,
                years=years,
                points=points,
                runs_per_point=runs_per_point,
                design=design,
                seed=seed,
                parameters=parameter or None,
                params=params,
                cases=cases,
                share=share,
                density=density,
                backend=backend,
                workers=workers,
                progress=progress,
            )
        _save(result, out, force)
    _warnings(result)
    if json_out:
        emit_json(result)
        return
    _print_discovery(result)
    if out is not None:
        console.print(f"Saved in {out}")


@app.command()
def sensitivity(
    scenario: ScenarioArgument,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help="The outcome whose variance is split, e.g. 'exits >= 2 by 2031' (its "
            "probability) or 'strain at 2031' (its mean); default: exits by the last year.",
        ),
    ] = None,
    start: StartOption = None,
    years: YearsOption = None,
    samples: Annotated[int, declared_option(S, "samples", "--samples")] = default_of(S, "samples"),
    runs_per_point: Annotated[
        int, declared_option(S, "runs_per_point", "--runs-per-point")
    ] = default_of(S, "runs_per_point"),
    second_order: Annotated[
        bool, typer.Option("--second-order", help="Also estimate the second-order indices.")
    ] = False,
    seed: Annotated[int | None, declared_option(S, "seed", "--seed")] = None,
    parameter: ParameterOption = None,
    params: ParamsOption = None,
    organization: OrgOption = None,
    workers: WorkersOption = None,
    backend: BackendOption = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    out: OutFileOption = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
) -> None:
    """How much of an outcome's variance each uncertain factor explains (Sobol indices).

    Runs the model over Saltelli's design of the scenario's ranges and prints the first-
    order and total indices with their bootstrap intervals.
    """
    from phalanx.experiments.sensitivity import run_sensitivity

    with user_errors():
        kb = load_kb(data, on_top)
        day = query_date(start, "--from") if start is not None else None
        with _progress(json_out, "simulating") as progress:
            result = run_sensitivity(
                kb,
                scenario,
                outcome,
                organization=organization,
                start=day,
                years=years,
                samples=samples,
                runs_per_point=runs_per_point,
                second_order=second_order,
                seed=seed,
                parameters=parameter or None,
                params=params,
                backend=backend,
                workers=workers,
                progress=progress,
            )
        _save(result, out, force)
    _warnings(result)
    if json_out:
        emit_json(result)
        return
    _print_sensitivity(result)
    if out is not None:
        console.print(f"Saved in {out}")
