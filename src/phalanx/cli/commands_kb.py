"""Knowledge-base commands: actors, members, history, events, show, validate, export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Annotated

import networkx as nx
import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    JsonOption,
    OnTopOption,
    UserError,
    console,
    emit_json,
    err_console,
    load_kb,
    print_table,
    user_errors,
)
from phalanx.kb import parse_query_date, validate_package
from phalanx.kb.coverage import coverage_warnings
from phalanx.kb.dossier import dossier
from phalanx.kb.package import package_layers
from phalanx.network.from_snapshot import signed_network

EXPORT_FORMATS = ("graphml", "gexf", "csv", "json")


@app.command()
def actors(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: state, organization, armed_group, territory."),
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """List the actors of the knowledge base."""
    with user_errors():
        rows = load_kb(data, on_top).actors(kind)
    if json_out:
        emit_json(rows)
    else:
        print_table(f"Actors ({len(rows)})", ["id", "name", "kind", "cow_code"], rows)


@app.command()
def members(
    organization: Annotated[str, typer.Argument(help="Organisation id or name, e.g. CSTO.")],
    at: Annotated[
        str | None, typer.Option("--at", help="Date (YYYY, YYYY-MM or YYYY-MM-DD); default today.")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Keep only this status (repeatable).")
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Who belonged to an organisation on a date, with each one's status and sources."""
    with user_errors():
        kb = load_kb(data, on_top)
        day = parse_query_date(at) if at else dt.date.today()
        rows = kb.members(organization, day, statuses=status or None)
        org = kb.resolve_organization(organization)
        for warning in coverage_warnings(kb, at=day, organization=org):
            err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if json_out:
        emit_json(rows)
        return
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
    for r in rows:
        r["since"] = r["start"] + (" (~)" if r["start_uncertain"] else "")
    print_table(
        f"{org} on {day.isoformat()}: {summary}",
        ["actor", "name", "status", "since", "end", "certainty", "sources"],
        rows,
        caption="(~) the start is known only to the month or year",
    )


@app.command()
def history(
    actor: Annotated[str, typer.Argument(help="Actor id, name or alias, e.g. UZB.")],
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="As of this date: nothing later is shown.")
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """An actor's membership spells in every organisation (or one), in date order."""
    with user_errors():
        kb = load_kb(data, on_top)
        rows = kb.history(actor, org, as_of=at)
        name = kb.actor(actor)["name"]
    if json_out:
        emit_json(rows)
    else:
        print_table(
            f"Membership history of {name}" + (f" as of {at}" if at else ""),
            ["organization", "status", "start", "end", "certainty", "note", "sources"],
            rows,
        )


@app.command()
def events(
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only events this actor took part in.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind (invocation, clash, ...).")
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Only events of this organisation.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="From this date (inclusive).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="To this date (inclusive).")] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Dated events, filtered by actor, kind, organisation and window."""
    with user_errors():
        kb = load_kb(data, on_top)
        rows = kb.events(
            start or "0001-01-01", end or "9999-12-31", kind=kind, actor=actor, organization=org
        )
    if json_out:
        emit_json(rows)
    else:
        print_table(
            f"Events ({len(rows)})",
            [
                "date",
                "end_date",
                "kind",
                "actors",
                "organization",
                "magnitude",
                "magnitude_unit",
                "summary",
                "sources",
            ],
            rows,
        )


@app.command()
def show(
    actor: Annotated[str, typer.Argument(help="Actor id, name or alias, e.g. KAZ.")],
    at: Annotated[
        str | None, typer.Option("--at", help="As of this date: nothing later is shown.")
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Everything the knowledge base holds about one actor, with its sources."""
    with user_errors():
        record = dossier(load_kb(data, on_top), actor, as_of=at)
    if json_out:
        emit_json(record)
        return
    a = record["actor"]
    console.print(
        f"[bold]{a['name']}[/bold] ({a['id']}, {a['kind']}"
        + (f", COW {a['cow_code']}" if a.get("cow_code") else "")
        + ")"
        + (f" as of {record['as_of']}" if record["as_of"] else "")
    )
    if a.get("aliases"):
        console.print(f"also: {a['aliases']}")
    print_table(
        "Memberships",
        ["organization", "status", "start", "end", "certainty", "sources"],
        record["memberships"],
    )
    print_table(
        "Relations",
        ["other", "kind", "sign", "intensity", "start", "end", "certainty", "sources"],
        record["relations"],
    )
    print_table("Events", ["date", "kind", "actors", "summary", "sources"], record["events"])
    print_table(
        "Indicators", ["indicator", "period", "value", "unit", "sources"], record["indicators"]
    )
    print_table("Votes", ["vote", "date", "body", "choice", "topic", "sources"], record["votes"])
    print_table("Sources", ["id", "citation", "reliability", "accessed", "url"], record["sources"])


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A data package folder (with datapackage.json).")],
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """Check a data package; list every problem (exit code 1) or summarise it (exit code 0)."""
    pkg, problems = validate_package(package_layers(path, on_top))
    if json_out:
        emit_json(
            {
                "valid": not problems,
                "problems": [p.__dict__ for p in problems],
                "warnings": [] if pkg is None else [p.__dict__ for p in pkg.warnings],
                "tables": {} if pkg is None else {k: len(t.rows) for k, t in pkg.tables.items()},
            }
        )
    elif problems:
        err_console.print(
            f"[red]{path}: {len(problems)} problem(s); the package would not be loaded[/red]"
        )
        for p in problems:
            err_console.print(f"  {p}", highlight=False, markup=False)
    else:
        assert pkg is not None
        for w in pkg.warnings:
            err_console.print(f"  {w}", highlight=False, markup=False)
        sizes = ", ".join(f"{k} {len(t.rows)}" for k, t in pkg.tables.items())
        console.print(f"[green]valid[/green]: {pkg.version} ({sizes})", highlight=False)
    if problems:
        raise typer.Exit(1)


@app.command()
def export(
    at: Annotated[str, typer.Option("--at", help="Date of the snapshot.")],
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, gexf, csv (edge list) or json (node-link).")
    ] = "graphml",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write; standard output if omitted.")
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Export the signed network of the architecture on a date."""
    with user_errors():
        if fmt not in EXPORT_FORMATS:
            raise UserError(f"--format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
        kb = load_kb(data, on_top)
        G = signed_network(kb.snapshot(at))
        for n in G.nodes:
            G.nodes[n]["name"] = kb.actor(n)["name"]
        payload = _serialise(G, fmt)
        if out is None:
            sys.stdout.buffer.write(payload)
        else:
            out.write_bytes(payload)
            err_console.print(
                f"wrote {G.number_of_nodes()} actors and {G.number_of_edges()} ties to {out}"
            )


def _serialise(G: nx.Graph, fmt: str) -> bytes:
    if fmt == "graphml":
        buf = io.BytesIO()
        nx.write_graphml(G, buf)
        return buf.getvalue()
    if fmt == "gexf":
        buf = io.BytesIO()
        nx.write_gexf(G, buf)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(nx.node_link_data(G, edges="edges"), indent=1).encode()
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(["source", "target", "sign", "weight", "kinds", "relations", "organizations"])
    for a, b, e in sorted(G.edges(data=True)):
        w.writerow(
            [a, b, e["sign"], f"{e['weight']:.6g}", e["kinds"], e["relations"], e["organizations"]]
        )
    return text.getvalue().encode()


@app.command("new-package")
def new_package_command(
    path: Annotated[Path, typer.Argument(help="Folder to create.")],
    name: Annotated[
        str, typer.Option("--name", help="Package name: lower-case letters, digits, - _ .")
    ],
    title: Annotated[str, typer.Option("--title", help="Human-readable title.")] = "",
) -> None:
    """Start a data package for another alliance: the schema, with empty tables."""
    from phalanx.kb.scaffold import new_package

    with user_errors():
        try:
            folder = new_package(path, name, title)
        except FileExistsError as e:
            raise UserError(str(e)) from None
    console.print(f"created {folder}: fill in the CSV files, then run `phalanx validate {folder}`")
