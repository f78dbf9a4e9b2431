"""Collective-decision commands: ``phalanx decide ISSUE``, ``phalanx decide --list``, ``phalanx issues``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from phalanx.cli import app
from phalanx.cli.common import DataOption, OnTopOption, declared_option, load_kb, user_errors
from phalanx.errors import UserError
from phalanx.models.collective import RULES, CollectiveDecisionParams, decide_issue
from phalanx.models.issue import list_issues
from phalanx.params import default_of

P = CollectiveDecisionParams
"""The library's declaration of the decision settings: the options' help, ranges and
defaults all come from it (the module loads no heavy library)."""


def _kb(data: Any, on_top: bool) -> Any:
    """The knowledge base when --data is given; None means the shipped issues and the
    embedded package's defaults (no database needed)."""
    if data is None:
        if on_top:
            raise UserError("--on-top needs --data PATH")
        return None
    return load_kb(data, on_top)


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
    b = result["bargaining"]
    if b["status"] != "none":
        outs = ", ".join(f"{x:.3g}" for x in b["outcomes"])
        console.print(
            f"Bargaining ({b['variant']}): {b['status']} after {b['rounds_used']} of "
            f"{b['max_rounds']} round(s); outcome by round: {outs}"
        )
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


def _print_issues(as_json: bool, console: Console, kb: Any) -> None:
    issues = list_issues(kb)
    if as_json:
        typer.echo(json.dumps(issues, indent=2))
        return
    table = Table(title="Issues (shipped and the package's)")
    for col in ("id", "date", "organisation", "origin", "title"):
        table.add_column(col)
    for i in issues:
        table.add_row(i["id"], i["date"], i["organisation"], i["origin"], i["title"])
    console.print(table)


@app.command()
def issues(
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON."),
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """List the issue files: shipped ones and the package's (use an id with ``phalanx decide``)."""
    with user_errors():
        _print_issues(as_json, Console(), _kb(data, on_top))


@app.command()
def decide(
    issue: str = typer.Argument(
        None,
        help="Issue file (YAML) or the id of a shipped or package issue, e.g. csto_armenia_2022.",
    ),
    list_: bool = typer.Option(False, "--list", help="List the issues and exit."),
    rule: Annotated[
        str | None,
        declared_option(
            P, "rule", "--rule", help=f"Decision rule ({', '.join(RULES)}); default: the issue's."
        ),
    ] = default_of(P, "rule"),
    rounds: Annotated[int, declared_option(P, "bargaining_rounds", "--rounds")] = default_of(
        P, "bargaining_rounds"
    ),
    quota: Annotated[float | None, declared_option(P, "quota", "--quota")] = default_of(P, "quota"),
    variant: Annotated[
        str,
        declared_option(
            P, "variant", "--variant", help="Expected-utility variant: scholz_code or printed."
        ),
    ] = default_of(P, "variant"),
    tolerance: Annotated[float, declared_option(P, "tolerance", "--tolerance")] = default_of(
        P, "tolerance"
    ),
    data: DataOption = None,
    on_top: OnTopOption = False,
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON."),
) -> None:
    """Compute an organisation's decision on an issue from its members' positions."""
    console = Console()
    with user_errors():
        kb = _kb(data, on_top)
        if list_:
            _print_issues(as_json, console, kb)
            return
        if issue is None:
            raise UserError("give an issue (file or id) or --list")
        result = decide_issue(
            issue,
            rule=rule,
            rounds=rounds,
            variant=variant,
            quota=quota,
            tolerance=tolerance,
            kb=kb,
        )
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        _render(result, console)
