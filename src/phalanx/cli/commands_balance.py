"""``phalanx balance FILE.csv``: frustration index / k camps of a signed edge list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from phalanx.cli import app
from phalanx.cli.common import user_errors


@app.command()
def balance(
    file: Annotated[Path, typer.Argument(
        help="Signed edge list CSV: source,target,sign[,weight].")],
    k: Annotated[int, typer.Option("--k", min=1,
                                   help="Number of camps (2 = frustration index).")] = 2,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", min=0.0,
        help="Seconds; past it, report [lower, upper] bounds.")] = None,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the heuristics (results are repeatable).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Structural balance of a signed network: frustration index, camps, frustrated ties."""
    from phalanx.network.signed import read_signed_edgelist
    from phalanx.network.summary import balance_summary

    with user_errors():  # SignedNetworkError is a ValueError: one line, exit code 2
        G = read_signed_edgelist(file)
        summary = balance_summary(G, k=k, time_limit=time_limit, seed=seed)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    out = Console()
    s = summary
    label = "Frustration index" if k == 2 else f"{k}-camp clustering cost"
    status = "exact" if s["optimal"] else (
        f"not proven: interval [{s['lower_bound']:g}, {s['upper_bound']:g}], gap {s['gap']:g}")
    out.print(f"[bold]{file}[/bold]: {s['n_nodes']} nodes, {s['n_edges']} edges")
    out.print(f"{label}: [bold]{s['frustration_index']:g}[/bold] ({status}); "
              f"solved in {s['solve_time_s']:.3f} s")
    tb = "n/a" if s["triangle_balance"] is None else f"{s['triangle_balance']:.3f}"
    nb = "n/a" if s["normalised_balance"] is None else f"{s['normalised_balance']:.3f}"
    out.print(f"Balanced triangles: {tb} of {s['n_triangles']}; normalised balance: {nb}")
    camps = Table(title="Camps")
    camps.add_column("camp", justify="right")
    camps.add_column("size", justify="right")
    camps.add_column("members")
    groups: dict[int, list[str]] = {}
    for node, c in s["partition"].items():
        groups.setdefault(c, []).append(node)
    for c in sorted(groups):
        camps.add_row(str(c), str(len(groups[c])), ", ".join(sorted(groups[c])))
    out.print(camps)
    edges = Table(title=f"Frustrated edges ({len(s['frustrated_edges'])})")
    for col in ("source", "target", "sign", "weight"):
        edges.add_column(col)
    for e in s["frustrated_edges"]:
        edges.add_row(str(e["source"]), str(e["target"]), f"{e['sign']:+d}", f"{e['weight']:g}")
    out.print(edges)
