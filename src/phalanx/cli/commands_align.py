"""``phalanx align``: predicted alignments by the landscape theory of aggregation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    Field,
    JsonOption,
    OnTopOption,
    UserError,
    console,
    declared_option,
    default_of,
    emit_json,
    load_kb,
    print_table,
    query_date,
    ranged_settings,
    user_errors,
)

# The library's declarations (LandscapeParams, SamplingParams) live in modules that load
# scipy, and the weightings in one that loads networkx and HiGHS; importing them here would
# slow every ``phalanx --help``. The CLI declares the same ranges and defaults here and
# tests/alignment/test_cli_align.py checks them against the library's, field by field.
MAX_SAMPLES = 100_000
"""Most draws one ``align --samples`` may ask for (the library's ``MAX_SAMPLES``)."""

WEIGHTING_NAMES = ("default", "propensity-v1", "unit")
"""The named weightings (the keys of ``phalanx.network.pairs.WEIGHTINGS``)."""

AlignOptions = ranged_settings(
    "align",
    k=(int, Field(2, ge=2, le=50, description="Largest number of coalitions (2..50).")),
    method=(
        Literal["auto", "exhaustive", "milp"],
        Field(
            "auto",
            description="auto, exhaustive (every local minimum) or milp (global minimum only).",
        ),
    ),
    time_limit=(
        float,
        Field(
            60.0, gt=0.0, le=86_400.0, description="Seconds allowed to the MILP solver (0..86,400)."
        ),
    ),
    work_limit=(
        int | None,
        Field(
            None,
            ge=1,
            le=10**9,
            description="Branch-and-bound nodes allowed to the MILP (deterministic; none if unset).",
        ),
    ),
    seed=(
        int | None,
        Field(
            None, ge=0, description="Seed for --samples and the solver (default: fresh, printed)."
        ),
    ),
    samples=(
        int,
        Field(
            0,
            ge=0,
            le=MAX_SAMPLES,
            description=f"Draws of uncertain propensities (0: none; at most {MAX_SAMPLES:,}).",
        ),
    ),
    spread=(
        float,
        Field(
            0.25,
            ge=0.0,
            le=10.0,
            description="Propensity margin for --samples, times max|p| (0..10).",
        ),
    ),
    neutral=(
        float,
        Field(
            0.0,
            ge=-1e6,
            le=1e6,
            description="Neutral point subtracted from --propensity values (e.g. 3 on a 1-to-5 "
            "scale; -1e6..1e6).",
        ),
    ),
)
"""The numeric and named options of ``phalanx align`` (same ranges as the library)."""


def _number(text: str, what: str) -> float:
    """``text`` as a number (the library refuses non-finite and out-of-range values)."""
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
    k: Annotated[int, declared_option(AlignOptions, "k", "--k")] = default_of(AlignOptions, "k"),
    json_: JsonOption = False,
    sizes: Annotated[
        Path | None, typer.Option("--sizes", help="CSV with columns actor,size.")
    ] = None,
    propensity: Annotated[
        Path | None,
        typer.Option("--propensity", help="CSV: square matrix, or actor_a,actor_b,propensity."),
    ] = None,
    neutral: Annotated[float, declared_option(AlignOptions, "neutral", "--neutral")] = (
        default_of(AlignOptions, "neutral")
    ),
    actors: Annotated[
        str | None, typer.Option("--actors", help="Comma-separated actor ids, e.g. RUS,KAZ.")
    ] = None,
    samples: Annotated[int, declared_option(AlignOptions, "samples", "--samples")] = (
        default_of(AlignOptions, "samples")
    ),
    spread: Annotated[float, declared_option(AlignOptions, "spread", "--spread")] = default_of(
        AlignOptions, "spread"
    ),
    seed: Annotated[int | None, declared_option(AlignOptions, "seed", "--seed")] = None,
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
            help="Named weighting of relations and memberships: "
            + ", ".join(WEIGHTING_NAMES)
            + ".",
        ),
    ] = "default",
    method: Annotated[str, declared_option(AlignOptions, "method", "--method")] = default_of(
        AlignOptions, "method"
    ),
    time_limit: Annotated[
        float, declared_option(AlignOptions, "time_limit", "--time-limit")
    ] = default_of(AlignOptions, "time_limit"),
    work_limit: Annotated[
        int | None, declared_option(AlignOptions, "work_limit", "--work-limit")
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Predicted alignments (Axelrod-Bennett landscape theory): every local minimum of the
    energy with its basin, the global minimum, and with --samples how often each pair of
    actors ends up together when propensities vary within +/- spread."""
    from phalanx.models.alignment_inputs import alignment_inputs
    from phalanx.models.landscape import LandscapeModel
    from phalanx.models.landscape_sampling import (
        SamplingParams,
        propensity_range,
        sample_alignment,
    )

    with user_errors():
        if at is not None:
            query_date(at, "--at")  # a bad date names the option, not the library's field
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
