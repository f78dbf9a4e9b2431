"""``phalanx balance FILE``: frustration index / k camps of a signed network file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    Field,
    console,
    declared_option,
    default_of,
    emit_json,
    number,
    print_table,
    ranged_settings,
    user_errors,
)

# Seam: the network layer has no declared settings for balance yet; these ranges are the
# CLI's until it does (then point declared_option at that declaration instead).
BalanceOptions = ranged_settings(
    "balance",
    k=(int, Field(2, ge=1, le=1000, description="Number of camps (2 = frustration index).")),
    time_limit=(
        float | None,
        Field(
            None,
            gt=0,
            le=7 * 24 * 3600,
            description="Seconds for the whole command, reading included (up to a week); "
            "past it, the answer is a [lower, upper] interval.",
        ),
    ),
    seed=(
        int | None,
        Field(
            None,
            ge=0,
            le=2**128 - 1,
            description="Seed of the heuristics; without one a seed is drawn and printed, "
            "so every run can be repeated.",
        ),
    ),
)


@app.command()
def balance(
    file: Annotated[
        Path,
        typer.Argument(
            help="Signed network: an edge list CSV (source,target,sign[,weight]), or a "
            "GraphML or GEXF file as written by phalanx export."
        ),
    ],
    k: Annotated[int, declared_option(BalanceOptions, "k", "--k")] = default_of(
        BalanceOptions, "k"
    ),
    time_limit: Annotated[
        float | None, declared_option(BalanceOptions, "time_limit", "--time-limit")
    ] = default_of(BalanceOptions, "time_limit"),
    seed: Annotated[int | None, declared_option(BalanceOptions, "seed", "--seed")] = default_of(
        BalanceOptions, "seed"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Structural balance of a signed network: frustration index, camps, frustrated ties."""
    started = time.monotonic()
    from phalanx.network.readers import read_signed_network
    from phalanx.network.summary import balance_summary
    from phalanx.seeds import resolve_seed

    with user_errors():
        deadline = None if time_limit is None else started + time_limit
        G = read_signed_network(file, deadline=deadline)
        remaining = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
        root = resolve_seed(seed)
        summary = balance_summary(G, k=k, time_limit=remaining, seed=root)
        summary["seed"] = root
        summary["time_limit_s"] = time_limit
    if as_json:
        emit_json(summary)
        return
    _print_summary(str(file), summary)


def _print_summary(name: str, s: dict) -> None:
    """The terminal summary: sizes, the index with its status, triangles, camps, ties."""
    from rich.text import Text

    k = s["k"]
    label = "Frustration index" if k == 2 else f"{k}-camp clustering cost"
    if s["optimal"]:
        status = "exact"
    else:
        status = (
            f"not proven: between {number(s['lower_bound'])} and {number(s['upper_bound'])}, "
            f"gap {number(s['gap'])}"
        )
    console.print(Text(f"{name}: {s['n_nodes']} nodes, {s['n_edges']} edges", style="bold"))
    console.print(
        Text(
            f"{label}: {number(s['frustration_index'])} ({status}); solved in "
            f"{s['solve_time_s']:.3f} s; seed {s['seed']}"
        )
    )
    tri = (
        f"{number(s['triangle_balance'])} of {s['n_triangles']}"
        if s.get("triangles", "computed") == "computed"
        else s["triangles"]
    )
    console.print(
        Text(f"Balanced triangles: {tri}; normalised balance: {number(s['normalised_balance'])}")
    )
    groups: dict[int, list[str]] = {}
    for node, c in s["partition"].items():
        groups.setdefault(c, []).append(node)
    print_table(
        "Camps",
        ["camp", "size", "members"],
        [{"camp": c, "size": len(g), "members": sorted(g)} for c, g in sorted(groups.items())],
    )
    print_table(
        f"Frustrated ties ({len(s['frustrated_edges'])})",
        ["source", "target", "sign", "weight"],
        [dict(e, sign=f"{e['sign']:+d}") for e in s["frustrated_edges"]],
    )
