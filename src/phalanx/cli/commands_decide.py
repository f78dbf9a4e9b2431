"""Collective-decision commands: ``phalanx decide ISSUE``, ``phalanx decide --list``, ``phalanx issues``."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from phalanx.cli import app
from phalanx.cli.common import err_console
from phalanx.models.collective import RULES, decide_issue
from phalanx.models.issue import IssueError, list_issues


def _fail(message: str) -> None:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=2)


def _render(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"{result['title']} [{result['rule']}]")
    for col in ("actor", "member", "capability", "salience", "start", "final"):
        table.add_column(col, justify="left" if col in ("actor", "member") else "right")
    for a in result["actors"]:
        name = f"{a['name']} ({a['id']})" + (" *" if a["inferred"] else "")
        table.add_row(
            name,
            "yes" if a["member"] else "no",
            f"{a['capability']:.5f}",
            f"{a['salience']:.2f}",
            f"{a['start']:.3f}",
            f"{a['final']:.3f}",
        )
    console.print(table)
    console.print("* position inferred (see the issue file's notes)")
    console.print(f"Outcome: [bold]{result['outcome']:.3f}[/bold] ({result['label']})")
    bound = ", ".join(result["bound_by"]) or "nobody"
    console.print(f"Bound by: {bound} ({result['binding']})")
    console.print(result["explanation"])
    hist = result["historical"]
    if hist is not None:
        console.print(
            f"Historical: {hist['value']:.3f} ({hist['label']}); "
            f"model - history = {hist['difference']:+.3f}"
        )
        console.print(f"  {hist['source']} <{hist['url']}>")


def _print_issues(as_json: bool, console: Console) -> None:
    issues = list_issues()
    if as_json:
        typer.echo(json.dumps(issues, indent=2))
        return
    table = Table(title="Shipped issues")
    for col in ("id", "date", "organisation", "title"):
        table.add_column(col)
    for i in issues:
        table.add_row(i["id"], i["date"], i["organisation"], i["title"])
    console.print(table)


@app.command()
def issues(as_json: bool = typer.Option(False, "--json", help="Print plain JSON.")) -> None:
    """List the shipped issue files (use an id with ``phalanx decide``)."""
    try:
        _print_issues(as_json, Console())
    except (IssueError, ValueError) as exc:
        _fail(str(exc))


@app.command()
def decide(
    issue: str = typer.Argument(
        None, help="Issue file (YAML) or the id of a shipped issue, e.g. csto_armenia_2022."
    ),
    list_: bool = typer.Option(False, "--list", help="List the shipped issues and exit."),
    rule: str = typer.Option(
        None, "--rule", help=f"Decision rule ({', '.join(RULES)}); default: the issue's rule."
    ),
    rounds: int = typer.Option(
        0, "--rounds", help="Expected-utility bargaining rounds before the rule is applied."
    ),
    quota: float = typer.Option(None, "--quota", help="Quota for qualified_majority (0.5-1]."),
    variant: str = typer.Option(
        "scholz_code", "--variant", help="Expected-utility variant: scholz_code or printed."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON."),
) -> None:
    """Compute an organisation's decision on an issue from its members' positions."""
    console = Console()
    try:
        if list_:
            _print_issues(as_json, console)
            return
        if issue is None:
            _fail("give an issue (file or shipped id) or --list")
        if rule is not None and rule not in RULES:
            _fail(f"--rule must be one of {', '.join(RULES)}; got {rule!r}")
        if rounds < 0 or rounds > 1000:
            _fail(f"--rounds must be in [0, 1000]; got {rounds}")
        if rule == "qualified_majority" and quota is None:
            quota = 2 / 3
        result = decide_issue(issue, rule=rule, rounds=rounds, variant=variant, quota=quota)
    except (IssueError, ValueError) as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        _render(result, console)
