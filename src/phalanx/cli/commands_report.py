"""The main job: a terminal summary and a self-contained HTML report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    OnTopOption,
    UserError,
    console,
    load_kb,
    print_table,
    user_errors,
)
from phalanx.kb import parse_query_date
from phalanx.report.html import summary, write_report
from phalanx.report.sections import strain_section


def _default_org(kb) -> str:
    orgs = kb.package.rows("organizations")
    if any(o["id"] == "CSTO" for o in orgs):
        return "CSTO"
    defence = [o["id"] for o in orgs if o["kind"] == "collective_defence"]
    if not (defence or orgs):
        raise UserError("the data package has no organisations to report on")
    return (defence or [o["id"] for o in orgs])[0]


@app.command()
def report(
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation to report on (default CSTO).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Date of the report (default today).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "phalanx-report.html"
    ),
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Summarise an organisation in the terminal and write the offline HTML report."""
    with user_errors(ValueError):  # seam: until dates raise UserErrors
        if not out.parent.is_dir():
            raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
        kb = load_kb(data, on_top)
        day = parse_query_date(at) if at else dt.date.today()
        oid = org or _default_org(kb)
        s = summary(kb, oid, day)
        o = s["organization"]
        console.print(
            f"[bold]{o['name']}[/bold] ({o['id']}) on {day.isoformat()}  data {s['data_version']}"
        )
        console.print(
            f"decision rule: {o['decision_rule']}; dispute mechanism: {o['dispute_mechanism']}; "
            + ", ".join(f"{n} {t}" for t, n in s["counts"].items())
        )
        print_table("Members", ["actor", "name", "status", "start", "certainty"], s["members"])
        recent = [
            e
            for e in s["events"]
            if e["kind"]
            in ("invocation", "deployment", "accession", "withdrawal", "suspension", "freeze")
        ]
        print_table(
            "Membership and collective-defence events",
            ["date", "kind", "actors", "summary"],
            recent,
        )
        sections = [strain_section(kb, oid, day)]
        path = write_report(kb, out, oid, day, sections)
    console.print(
        f"report written to [bold]{path}[/bold] ({path.stat().st_size // 1024} KiB, works offline)"
    )
