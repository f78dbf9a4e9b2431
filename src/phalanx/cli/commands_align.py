"""``phalanx align``: predicted alignments by the landscape theory of aggregation."""

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
    emit_json,
    load_kb,
    print_table,
    user_errors,
)
from phalanx.models.alignment_inputs import alignment_inputs
from phalanx.models.landscape import LandscapeModel, LandscapeParams
from phalanx.models.landscape_sampling import (
    MAX_SAMPLES,
    SamplingParams,
    propensity_range,
    sample_alignment,
)
from phalanx.network.pairs import WEIGHTINGS
from phalanx.params import default_of, describe


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{what}: {text!r} is not a number") from None


def _parse_shifts(items: list[str]) -> dict[tuple[str, str], float]:
    """``A:B=+0.5`` items as {(A, B): 0.5}; a clear error for anything else."""
    out: dict[tuple[str, str], float] = {}
    for item in items:
        pair, sep, value = item.partition("=")
        a, colon, b = pair.partition(":")
        if not (sep and colon and a.strip() and b.strip()):
            raise UserError(f"--shift {item!r}: expected ACTOR:ACTOR=NUMBER, e.g. TUR:KAZ=+0.01")
        key = (a.strip(), b.strip())
        out[key] = out.get(key, 0.0) + _number(value, f"--shift {item!r}")
    return out


def _parse_factors(items: list[str]) -> dict[str, float]:
    """``RUS=0.5`` items as {RUS: 0.5}."""
    out: dict[str, float] = {}
    for item in items:
        actor, sep, value = item.partition("=")
        if not (sep and actor.strip()):
            raise UserError(f"--size-factor {item!r}: expected ACTOR=NUMBER, e.g. RUS=0.5")
        out[actor.strip()] = _number(value, f"--size-factor {item!r}")
    return out


def _count(value: float | None) -> float | int | None:
    """A basin size as an int when it is a whole count (steepest descent)."""
    return int(value) if value is not None and float(value).is_integer() else value


def _minima_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for rank, m in enumerate(result["minima"], start=1):
        for c, members in enumerate(m["coalitions"]):
            rows.append(
                {
                    "minimum": f"{rank}{' (global)' if m['is_global'] else ''}" if c == 0 else "",
                    "energy": f"{m['energy']:.6g}" if c == 0 else None,
                    "basin_size": _count(m["basin_size"]) if c == 0 else None,
                    "basin_share": m["basin_share"] if c == 0 else None,
                    "coalition": chr(ord("A") + c),
                    "members": members,
                }
            )
    return rows


@app.command()
def align(
    at: Annotated[
        str | None, typer.Option("--at", help="Date (YYYY[-MM[-DD]]): use the knowledge base.")
    ] = None,
    k: Annotated[int, typer.Option("--k", help=describe(LandscapeParams, "k"))] = default_of(
        LandscapeParams, "k"
    ),
    json_: JsonOption = False,
    sizes: Annotated[
        Path | None, typer.Option("--sizes", help="CSV with columns actor,size.")
    ] = None,
    propensity: Annotated[
        Path | None,
        typer.Option("--propensity", help="CSV: square matrix, or actor_a,actor_b,propensity."),
    ] = None,
    neutral: Annotated[
        float,
        typer.Option(
            "--neutral",
            help="Neutral point subtracted from --propensity values (e.g. 3 on a 1-to-5 scale).",
        ),
    ] = 0.0,
    actors: Annotated[
        str | None, typer.Option("--actors", help="Comma-separated actor ids, e.g. RUS,KAZ.")
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            "--samples", help=f"Draws of uncertain propensities (0: none; at most {MAX_SAMPLES:,})."
        ),
    ] = 0,
    spread: Annotated[
        float,
        typer.Option("--spread", min=0.0, help="Propensity margin for --samples, times max|p|."),
    ] = 0.25,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for --samples.")] = None,
    shift: Annotated[
        list[str] | None,
        typer.Option(
            "--shift", help="What-if: add to a propensity, e.g. TUR:KAZ=+0.01 (repeatable)."
        ),
    ] = None,
    size_factor: Annotated[
        list[str] | None,
        typer.Option("--size-factor", help="What-if: multiply a size, e.g. RUS=0.5 (repeatable)."),
    ] = None,
    weighting: Annotated[
        str,
        typer.Option(
            "--weighting",
            help="Named weighting of relations and memberships: " + ", ".join(WEIGHTINGS) + ".",
        ),
    ] = "default",
    method: Annotated[
        str, typer.Option("--method", help=describe(LandscapeParams, "method"))
    ] = default_of(LandscapeParams, "method"),
    time_limit: Annotated[
        float, typer.Option("--time-limit", help=describe(LandscapeParams, "time_limit"))
    ] = default_of(LandscapeParams, "time_limit"),
    work_limit: Annotated[
        int | None, typer.Option("--work-limit", help=describe(LandscapeParams, "work_limit"))
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Predicted alignments (Axelrod-Bennett landscape theory): every local minimum of the
    energy with its basin, the global minimum, and with --samples how often each pair of
    actors ends up together when propensities vary within +/- spread."""
    with user_errors(ValueError):  # seam: until align's input errors are UserErrors
        chosen = None if actors is None else [a.strip() for a in actors.split(",") if a.strip()]
        if (sizes is None) != (propensity is None):
            raise UserError("--sizes and --propensity go together; give both or neither")
        if sizes is not None and at is not None:
            raise UserError("give either --at DATE or --sizes/--propensity, not both")
        if sizes is None and at is None:
            raise UserError("give --at DATE (knowledge base) or --sizes CSV and --propensity CSV")
        model = LandscapeModel(
            k=k, method=method, time_limit=time_limit, work_limit=work_limit, seed=seed
        )
        model._validate_params()  # refuse bad settings before any work
        sampling = None
        if samples:
            sampling = SamplingParams(n_samples=samples, spread=spread)
        inputs = alignment_inputs(
            None if at is None else load_kb(data, on_top),
            at,
            actors=chosen,
            sizes=sizes,
            propensity=propensity,
            neutral=neutral,
            weighting=weighting,
            shifts=_parse_shifts(shift or []),
            size_factors=_parse_factors(size_factor or []),
        )
        model.fit(inputs.sizes, inputs.propensity, labels=inputs.actors)
        result = model.to_dict()
        sampled = None
        if sampling is not None:
            lo, hi = propensity_range(inputs.propensity, sampling.spread)
            sampled = sample_alignment(
                inputs.sizes,
                lo,
                hi,
                sampling.n_samples,
                model.seed_,
                k=k,
                labels=inputs.actors,
                time_limit=time_limit,
            )
            sampled["spread"] = spread
    if json_:
        emit_json({"inputs": inputs.to_dict(), "date": at, "result": result, "sampling": sampled})
        return
    caption = (
        f"{inputs.source}; method {result['method']}; energy convention: "
        f"{result['energy_convention']}"
    )
    if not result["minima_complete"]:
        solver = result["solver"]
        caption += (
            f"; global minimum only (MILP, optimal={solver['optimal']}, "
            f"gap={solver['gap']:.3g}, limit={solver['limit']})"
        )
    else:
        caption += f"; basins over {result['n_configurations']} configurations (steepest descent)"
    print_table(
        f"Landscape alignment of {len(inputs.actors)} actors (k = {k})",
        ["minimum", "energy", "basin_size", "basin_share", "coalition", "members"],
        _minima_rows(result),
        caption=caption,
    )
    for note in inputs.notes:
        console.print(f"note: {note}", highlight=False)
    if sampled is not None:
        names = sampled["actors"]
        co = sampled["coassignment"]
        rows = [
            {"actor": a, **{b: f"{co[i, j]:.2f}" for j, b in enumerate(names)}}
            for i, a in enumerate(names)
        ]
        print_table(
            f"Share of {samples} samples in which two actors share a coalition",
            ["actor", *names],
            rows,
            caption=f"propensities uniform within +/- {spread:g} x max|p|; seed {sampled['seed']}",
        )
