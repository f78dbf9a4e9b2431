"""Strain of an organisation: on one date (components explained) or as a time series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from phalanx.kb import parse_query_date
from phalanx.measures.series import series_figure, strain_series, study_years, yearly_dates
from phalanx.measures.strain import StrainSettings, strain_at


@app.command("strain")
def strain_command(
    organization: Annotated[str, typer.Argument(help="Organisation id or name, e.g. CSTO.")],
    at: Annotated[
        str | None, typer.Option("--at", help="One date: the components, explained.")
    ] = None,
    first: Annotated[
        int | None, typer.Option("--from", help="First year of a yearly series (1 July each year).")
    ] = None,
    last: Annotated[int | None, typer.Option("--to", help="Last year of the series.")] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the series chart to this HTML file.")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Optional wall-clock seconds for each exact frustration solve (default: "
            "none; a deterministic work limit applies, so results do not depend on the machine).",
        ),
    ] = None,
    window: Annotated[
        int,
        typer.Option(
            "--window", help="Count relations in force in this many days up to each date."
        ),
    ] = 365,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """How strained an organisation is, and which ties and events carry the strain."""
    with user_errors():
        if (at is None) == (first is None and last is None):
            raise UserError("give either --at DATE or --from YEAR --to YEAR")
        kb = load_kb(data, on_top)
        org = kb.resolve_organization(organization)
        settings = StrainSettings(time_limit=time_limit, window_days=window)
        if at is not None:
            if plot is not None:
                raise UserError("--plot goes with a series (--from/--to)")
            result = strain_at(kb, org, parse_query_date(at), settings)
            if json_out:
                emit_json(result)
            else:
                _print_one(result)
            return
        first_year, last_year = study_years(kb)
        first = first if first is not None else first_year
        last = last if last is not None else last_year
        series = strain_series(kb, org, yearly_dates(first, last), settings)
        if plot is not None:
            series_figure(series, f"Strain of {org}, {first}-{last}").write_html(
                plot, include_plotlyjs=True
            )
        if json_out:
            emit_json(series)
            return
        rows = []
        for s in series:
            row = {"date": s["date"], "index": s["index"], "members": len(s["members"])}
            row.update({c["component"]: c["value"] for c in s["components"]})
            rows.append(row)
        cols = ["date", "members", "index", *(c["component"] for c in series[0]["components"])]
        print_table(
            f"Strain of {org} ({kb.version})",
            cols,
            rows,
            caption="0 = no strain, 1 = the most; empty = no data",
        )
        if plot is not None:
            console.print(f"chart written to {plot}")


def _print_one(result: dict) -> None:
    idx = result["index"]
    console.print(
        f"[bold]Strain of {result['organization']} on {result['date']}: {'n/a' if idx is None else f'{idx:.3f}'}[/bold]  members: {', '.join(result['members'])}"
    )
    print_table("Components", ["component", "value", "weight", "explanation"], result["components"])
    fr = next(c for c in result["components"] if c["component"] == "frustration")
    if fr["rows"]:
        print_table(
            "Frustrated ties (contradicting the best two-camp split)",
            ["source", "target", "sign", "weight", "kinds", "relations"],
            fr["rows"],
        )
