"""Knowledge-base commands: actors, members, history, events, show, validate, export."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    ForceOption,
    JsonOption,
    OnTopOption,
    UserError,
    YearOptions,
    console,
    declared_option,
    emit_json,
    err_console,
    escape,
    load_kb,
    print_table,
    print_warnings,
    query_date,
    user_errors,
    year_window,
)

EXPORT_FORMATS = ("graphml", "gexf", "csv", "json")


def check_choice(kb, resource: str, field: str, value: str | None, option: str) -> None:
    """Refuse a filter value the package's schema does not allow (the library lists them)."""
    if value is not None:
        kb.check_allowed(resource, field, [value], option)


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
        kb = load_kb(data, on_top)
        check_choice(kb, "actors", "kind", kind, "--kind")
        rows = kb.actors(kind)
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
        for value in status or ():
            check_choice(kb, "memberships", "status", value, "--status")
        day = query_date(at, "--at") if at else dt.date.today()
        rows = kb.members(organization, day, statuses=status or None)
        org = kb.resolve_organization(organization)
        from phalanx.kb.coverage import coverage_warnings

        print_warnings(coverage_warnings(kb, at=day, organization=org))
    if json_out:
        emit_json(rows)
        return
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
    for r in rows:
        r["since"] = str(r["start"]) + (" (~)" if r["start_uncertain"] else "")
    print_table(
        f"{org} on {day.isoformat()}: {summary}",
        ["actor", "name", "status", "since", "certainty", "sources"],
        rows,
        caption=(
            "(~) the start is known only to the month or year"
            if any(r["start_uncertain"] for r in rows)
            else None
        ),
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
        if at is not None:
            query_date(at, "--at")  # a bad date names the option, not the library's field
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
        check_choice(kb, "events", "kind", kind, "--kind")
        for text, option in ((start, "--from"), (end, "--to")):
            if text:
                query_date(text, option)  # a clear error naming the option; kb reads the text
        if start and end:
            a, b = start.strip(), end.strip()
            n = min(len(a), len(b))  # ISO text: compare at the coarser of the two precisions
            if a[:n] > b[:n]:
                raise UserError(
                    f"the window is reversed: --from {a} is after --to {b}", field="--from"
                )
        rows = kb.events(
            start or "0001-01-01",
            end or "9999-12-31",
            kind=kind,
            actor=actor,
            organization=org,
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
    from phalanx.kb.dossier import dossier

    with user_errors():
        if at is not None:
            query_date(at, "--at")  # a bad date names the option, not the library's field
        record = dossier(load_kb(data, on_top), actor, as_of=at)
    if json_out:
        emit_json(record)
        return
    a = record["actor"]
    console.print(
        f"[bold]{escape(a['name'])}[/bold] ({escape(a['id'])}, {escape(a['kind'])}"
        + (f", COW {a['cow_code']}" if a.get("cow_code") else "")
        + ")"
        + (f" as of {record['as_of']}" if record["as_of"] else "")
    )
    if a.get("aliases"):
        console.print(f"also: {escape(str(a['aliases']))}")
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
    from phalanx.kb.package import package_layers, validate_package

    with user_errors():
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
            f"[red]{escape(str(path))}: {len(problems)} problem(s); the package would not be "
            "loaded[/red]"
        )
        for p in problems:
            err_console.print(f"  {p}", highlight=False, markup=False)
    else:
        assert pkg is not None
        for w in pkg.warnings:
            err_console.print(f"  {w}", highlight=False, markup=False)
        sizes = ", ".join(f"{k} {len(t.rows)}" for k, t in pkg.tables.items())
        console.print(f"[green]valid[/green]: {escape(f'{pkg.version} ({sizes})')}")
    if problems:
        raise typer.Exit(1)


@app.command()
def export(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Date of the snapshot (YYYY, YYYY-MM or YYYY-MM-DD)."),
    ] = None,
    start: Annotated[
        int | None,
        declared_option(
            YearOptions,
            "first",
            "--from",
            help="First year of a dynamic GEXF: yearly snapshots (1 July) merged into time spells.",
        ),
    ] = None,
    end: Annotated[
        int | None,
        declared_option(YearOptions, "last", "--to", help="Last year of the dynamic GEXF."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="graphml, gexf, csv (edges and nodes files) or json (node-link)."
        ),
    ] = "graphml",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (its extension must match the format)."),
    ] = None,
    force: ForceOption = False,
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Export the signed network of the architecture on a date (or over years, as GEXF)."""
    from phalanx.network import export as ex
    from phalanx.network.from_snapshot import signed_network
    from phalanx.safe_files import write_output

    with user_errors():
        fmt = ex.check_format(fmt, out)
        dynamic = start is not None or end is not None
        if dynamic == (at is not None):
            raise UserError("give either --at DATE or --from YEAR --to YEAR", field="--at")
        kb = load_kb(data, on_top)
        org = kb.defaults.organization
        if dynamic:
            if fmt != "gexf":
                raise UserError(
                    "a series over years (--from/--to) is written as gexf only", field="--format"
                )
            first, last = year_window(kb, start, end)
            dates = [dt.date(y, 7, 1) for y in range(first, last + 1)]
            graphs = []
            for d in dates:
                snap = kb.snapshot(d)
                graphs.append(
                    ex.annotate_nodes(signed_network(snap), snap.actors, snap.memberships, org)
                )
            G = ex.dynamic_network(graphs, dates, dates[-1])
        else:
            snap = kb.snapshot(query_date(at, "--at"))
            G = ex.annotate_nodes(signed_network(snap), snap.actors, snap.memberships, org)
        payload = ex.serialise(G, fmt)
        if out is None:
            sys.stdout.buffer.write(payload)
            if fmt == "csv":
                err_console.print(
                    "note: the edges only; give --out FILE.csv to write the nodes file too "
                    "(isolated actors)"
                )
            return
        if fmt == "csv" and not force:
            # CSV carries no marker: refuse before writing either file, never one of two
            for target in (out, ex.nodes_path(out)):
                if target.exists() or target.is_symlink():
                    raise UserError(
                        "exists, and a CSV file cannot show that Phalanx wrote it; pass "
                        "--force to replace it",
                        file=target,
                    )
        written = [write_output(out, payload, force=force)]
        if fmt == "csv":
            written.append(write_output(ex.nodes_path(out), ex.nodes_csv(G), force=force))
    err_console.print(
        escape(
            f"wrote {G.number_of_nodes()} actors and {G.number_of_edges()} ties to "
            + " and ".join(str(p) for p in written)
        )
    )


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
    console.print(
        escape(f"created {folder}: fill in the CSV files, then run: phalanx validate {folder}")
    )
