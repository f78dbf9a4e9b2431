"""Calibrate the membership model to an organisation's history (ABC-SMC): the posterior."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    escape,
    load_kb,
    number,
    print_table,
    print_warnings,
    query_date,
    user_errors,
)
from phalanx.evidence.calibration import CalibrationSettings as C


@app.command("calibrate")
def calibrate_command(
    org: Annotated[
        str | None,
        typer.Option("--org", help="Organisation id or name; default: the package's main one."),
    ] = None,
    particles: Annotated[int, declared_option(C, "particles", "--particles")] = default_of(
        C, "particles"
    ),
    generations: Annotated[int, declared_option(C, "generations", "--generations")] = default_of(
        C, "generations"
    ),
    seed: Annotated[int, declared_option(C, "seed", "--seed")] = default_of(C, "seed"),
    replicates: Annotated[
        int, declared_option(C, "replicates_per_particle", "--replicates")
    ] = default_of(C, "replicates_per_particle"),
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First year replayed (1 January of it); default: once the founding wave is "
            "complete.",
        ),
    ] = None,
    priors: Annotated[
        Path | None,
        typer.Option(
            "--priors",
            help="A hazard-fit file (phalanx-hazard-fit/1) whose priors to use; default: the "
            "shipped one, else wide priors centred on the defaults.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write the posterior (phalanx-posterior/1 JSON) here."),
    ] = None,
    force: ForceOption = False,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Calibrate the membership model to the organisation's history: a posterior by ABC-SMC."""
    from phalanx.evidence.calibration import calibrate, write_posterior

    with user_errors():
        kb = load_kb(data, on_top)
        day = query_date(start, "--start") if start is not None else None
        if priors is not None and not priors.is_file():
            from phalanx.errors import UserError

            raise UserError("does not exist; --priors expects a hazard-fit file", file=priors)

        def progress(h: dict) -> None:
            if not json_out:
                eps = "inf" if h["epsilon"] == float("inf") else f"{h['epsilon']:.3g}"
                console.print(
                    escape(
                        f"generation {h['generation']}: epsilon {eps}, "
                        f"{h['simulations']} candidates, acceptance {h['acceptance']:.2f}"
                    )
                )

        post = calibrate(
            kb,
            org,
            priors=priors,
            particles=particles,
            generations=generations,
            seed=seed,
            replicates_per_particle=replicates,
            start=day,
            progress=progress,
        )
        if post["prior"].get("fallback"):
            print_warnings(
                [
                    "no hazard-fit prior for "
                    + ", ".join(post["prior"]["fallback"])
                    + ": wide priors centred on the defaults"
                ]
            )
        if output is not None:
            write_posterior(output, post, force=force)
    if json_out:
        emit_json(post)
        return
    rows = [
        {
            "parameter": n,
            "prior mean": number(post["prior"]["priors"][n]["mean"]),
            "prior sd": number(post["prior"]["priors"][n]["sd"]),
            **{k: number(v) for k, v in post["summary"][n].items()},
        }
        for n in post["parameters"]
    ]
    print_table(
        f"Posterior of {post['organization']} ({post['data_version']}), "
        f"{post['replay']['start'][:4]}-{post['replay']['end_year']}",
        ["parameter", "prior mean", "prior sd", "mean", "sd", "q05", "median", "q95"],
        rows,
    )
    print_table(
        "Patterns: observed and posterior predictive",
        ["pattern", "observed", "mean", "interval", "P(exact)", "reproduced", "fitted"],
        [
            {
                "pattern": p["pattern"],
                "observed": number(p["observed"], 0),
                "mean": number(p["posterior_predictive_mean"], 2),
                "interval": f"{p['interval90'][0]:g}-{p['interval90'][1]:g}",
                "P(exact)": number(p["p_exact"], 2),
                "reproduced": "yes" if p["reproduced"] else "MISSED",
                "fitted": "yes" if p["fitted"] else "no",
            }
            for p in post["patterns"]
        ],
        caption="interval: central 90% of the predictive replays; reproduced: the observed "
        "value lies in it",
    )
    c = post["cost"]
    console.print(
        escape(
            f"{c['simulations']} candidates, {c['replays']} replays, {c['seconds']} s; "
            f"stopped: {post['stop_reason']}"
            + (f"; posterior written to {output}" if output is not None else "")
        )
    )
