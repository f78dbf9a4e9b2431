"""The evidence: the termination hazard of two centuries of defence pacts, and the backtests."""

from __future__ import annotations

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
    emit_json,
    escape,
    load_kb,
    number,
    print_table,
    user_errors,
)

AtopOption = Annotated[
    Path | None,
    typer.Option("--atop", help="ATOP 5.x directed dyad-years (CSV, the peacesciencer layout)."),
]
StatesOption = Annotated[
    Path | None, typer.Option("--states", help="COW state system membership (states2016 CSV).")
]
NmcOption = Annotated[
    Path | None,
    typer.Option("--nmc", help="COW National Material Capabilities (CSV; v6 or v7 layouts)."),
]
MidOption = Annotated[
    Path | None, typer.Option("--mid", help="COW MID 5 non-directed dispute dyad-years (CSV).")
]
RivalriesOption = Annotated[
    Path | None,
    typer.Option("--rivalries", help="Thompson and Dreyer strategic rivalries (CSV)."),
]
MajorsOption = Annotated[
    Path | None, typer.Option("--majors", help="COW major powers (majors2016 CSV).")
]
SeedOption = Annotated[
    int, typer.Option("--seed", min=0, help="Root seed of the bootstraps (and the simulation).")
]


def _files(atop, states, nmc, mid, rivalries, majors):
    """The dataset files, or None when no file was given; a missing file is a user error."""
    from phalanx.errors import UserError
    from phalanx.evidence.pipeline import DatasetFiles

    given = {
        "--atop": atop,
        "--states": states,
        "--nmc": nmc,
        "--mid": mid,
        "--rivalries": rivalries,
        "--majors": majors,
    }
    if all(v is None for v in given.values()):
        return None
    for flag in ("--atop", "--states"):
        if given[flag] is None:
            raise UserError(f"{flag} FILE is required with the other dataset files")
    for flag, path in given.items():
        if path is not None and not path.is_file():
            what = "a folder, not a file" if path.is_dir() else "no such file"
            raise UserError(f"{flag} {path}: {what}")
    return DatasetFiles(atop, states, nmc, mid, rivalries, majors)


def _check_output(path: Path | None) -> None:
    """Refuse an --output whose folder does not exist before any work is done."""
    if path is not None and not path.parent.is_dir():
        from phalanx.errors import UserError

        raise UserError(f"--output {path}: folder {path.parent} does not exist")


def _write(path: Path, obj: Any, force: bool) -> None:
    import json

    from phalanx.safe_files import write_output

    write_output(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n", force=force)
    console.print(f"wrote {escape(str(path))}")


@app.command("estimate")
def estimate_command(
    atop: AtopOption = None,
    states: StatesOption = None,
    nmc: NmcOption = None,
    mid: MidOption = None,
    rivalries: RivalriesOption = None,
    majors: MajorsOption = None,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, max=10000, help="Bootstrap replicates (0..10000).")
    ] = 200,
    cluster: Annotated[
        str,
        typer.Option(
            "--cluster", help="Bootstrap unit: cohort (default, pacts' dyads together) or spell."
        ),
    ] = "cohort",
    seed: SeedOption = 0,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write the fit (phalanx-hazard-fit/1 JSON) here."),
    ] = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
) -> None:
    """Which mechanisms does history support? The hazard of defence-pact termination.

    Fits a discrete-time logistic hazard on the ATOP defence-pact dyad-years with the
    covariates of the model's mechanisms, with bootstrap intervals, and prints every
    coefficient with its verdict and the priors it gives the simulation. Without dataset
    files it shows the fit shipped with Phalanx (made from the published files).
    """
    from phalanx.errors import UserError

    with user_errors():
        if cluster not in ("cohort", "spell"):
            raise UserError(f"--cluster must be cohort or spell; got {cluster!r}")
        files = _files(atop, states, nmc, mid, rivalries, majors)
        _check_output(output)
        if files is None:
            from phalanx.evidence.pipeline import shipped

            fit = shipped("fit")
            note = "the shipped fit (give --atop and --states, and the others, to refit)"
        else:
            from phalanx.evidence.pipeline import estimate

            fit = estimate(files, bootstrap=bootstrap, seed=seed, cluster=cluster)
            note = "fitted now on the given files"
        if output is not None:
            _write(output, fit, force)
    if json_out:
        emit_json(fit)
        return
    _print_fit(fit, note)


def _print_fit(fit: dict[str, Any], note: str) -> None:
    sample = fit.get("sample", {})
    boot = fit.get("bootstrap", {})
    print_table(
        "Hazard of defence-pact termination (log-odds per dyad-year)",
        ["name", "mechanism", "estimate", "low", "high", "verdict"],
        [
            {
                "name": c["name"],
                "mechanism": c.get("mechanism") or "",
                "estimate": number(c.get("estimate")),
                "low": number(c.get("low")),
                "high": number(c.get("high")),
                "verdict": c.get("verdict", ""),
            }
            for c in fit.get("coefficients", [])
        ],
        caption=(
            f"{note}; {sample.get('dyad_years', '?')} dyad-years, "
            f"{sample.get('terminations', '?')} terminations; bootstrap "
            f"{boot.get('replicates', '?')} x {boot.get('cluster', '?')} (seed {boot.get('seed', '?')}); "
            f"data {fit.get('version', '?')}"
        ),
    )
    print_table(
        "Priors of the simulation's parameters",
        ["parameter", "mean", "sd", "low", "high", "from"],
        [
            {
                "parameter": k,
                "mean": number(v.get("mean")),
                "sd": number(v.get("sd")),
                "low": number(v.get("low")),
                "high": number(v.get("high")),
                "from": v.get("from", ""),
            }
            for k, v in fit.get("priors", {}).items()
        ],
    )


@app.command("backtest")
def backtest_command(
    atop: AtopOption = None,
    states: StatesOption = None,
    nmc: NmcOption = None,
    mid: MidOption = None,
    rivalries: RivalriesOption = None,
    majors: MajorsOption = None,
    org: Annotated[
        str | None,
        typer.Option(
            "--org", help="Organisation for the members' backtest (default: the package's)."
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=10, max=100000, help="Bootstrap resamples per score.")
    ] = 1000,
    runs: Annotated[
        int, typer.Option("--runs", min=10, max=100000, help="Simulation runs per cut-off.")
    ] = 1000,
    seed: SeedOption = 0,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the results (JSON) here.")
    ] = None,
    force: ForceOption = False,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Out-of-sample forecasts scored with proper scores, against simple baselines.

    Large-N: pacts alive at 1945, 1970, 1990 and 2005, forecast to end within 5 and 10
    years by the base rate, persistence, a logistic regression, the hazard model and the
    simulation's own hazard, each fitted on the years up to the cut-off. The organisation:
    each member's leaving full membership after 2005, 2012 and 2020. Brier and log scores
    with bootstrap intervals (lower is better). Without dataset files it shows the results
    shipped with Phalanx (made from the published files). ``--json`` prints the records.
    """
    with user_errors():
        files = _files(atop, states, nmc, mid, rivalries, majors)
        _check_output(output)
        if files is None:
            from phalanx.evidence.pipeline import shipped

            result = shipped("backtest")
            note = "shipped results (give --atop, --states and the others to recompute)"
        else:
            from phalanx.evidence.pipeline import backtest

            kb = load_kb(data, on_top)
            result = backtest(files, kb, org, bootstrap=bootstrap, runs=runs, seed=seed)
            note = f"computed now (seed {seed})"
        if output is not None:
            _write(output, result, force)
    if json_out:
        emit_json(result["records"])
        return
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for r in result["records"]:
        by_dataset.setdefault(r["dataset"], []).append(r)
    for dataset, rows in by_dataset.items():
        print_table(
            f"Backtest: {dataset}",
            ["cutoff", "horizon", "method", "n", "events", "brier", "interval", "log score"],
            [
                {
                    "cutoff": r["cutoff"],
                    "horizon": r["horizon"],
                    "method": r["method"],
                    "n": r["n"],
                    "events": r.get("events", ""),
                    "brier": number(r["brier"]),
                    "interval": f"{number(r['brier_low'])}-{number(r['brier_high'])}",
                    "log score": number(r["log_score"]),
                }
                for r in rows
            ],
            caption=f"{note}; lower is better; log score in nats, forecasts clipped to [1e-6, 1 - 1e-6]",
        )
