"""Strain of an organisation: on one date (components explained) or as a time series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    Field,
    ForceOption,
    JsonOption,
    OnTopOption,
    UserError,
    YearOptions,
    console,
    declared_option,
    default_of,
    emit_json,
    escape,
    human,
    load_kb,
    number,
    print_table,
    print_warnings,
    query_date,
    ranged_settings,
    user_errors,
    year_window,
)

# Seam: StrainSettings (phalanx.measures.strain) is being converted to a declared Settings;
# until then the CLI declares its two options here, and a test checks that these defaults
# are the library's. Importing the library here would load networkx and HiGHS at start-up.
StrainOptions = ranged_settings(
    "strain",
    time_limit=(
        float | None,
        Field(
            None,
            gt=0,
            le=24 * 3600,
            description="Optional wall-clock seconds for each exact frustration solve (up to a "
            "day; default none: a deterministic work limit applies, so results do not depend "
            "on the machine).",
        ),
    ),
    window=(
        int,
        Field(
            365,
            ge=0,
            le=36500,
            description="Count relations in force in this many days up to each date (0 to 36500).",
        ),
    ),
)


@app.command("strain")
def strain_command(
    organization: Annotated[
        str | None,
        typer.Argument(help="Organisation id or name; default: the package's main one."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="One date, components explained (default: today)."),
    ] = None,
    first: Annotated[
        int | None,
        declared_option(
            YearOptions,
            "first",
            "--from",
            help="First year of a yearly series (1 July each year); default: the start of "
            "the package's period.",
        ),
    ] = None,
    last: Annotated[
        int | None,
        declared_option(
            YearOptions, "last", "--to", help="Last year of the series (default: its end)."
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the series chart to this HTML file.")
    ] = None,
    force: ForceOption = False,
    time_limit: Annotated[
        float | None, declared_option(StrainOptions, "time_limit", "--time-limit")
    ] = default_of(StrainOptions, "time_limit"),
    window: Annotated[int, declared_option(StrainOptions, "window", "--window")] = default_of(
        StrainOptions, "window"
    ),
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
) -> None:
    """How strained an organisation is, and which ties and events carry the strain."""
    from phalanx.measures.strain import StrainSettings, strain_at

    with user_errors():
        series_wanted = first is not None or last is not None or plot is not None
        if at is not None and series_wanted:
            raise UserError(
                "give either --at DATE or --from YEAR --to YEAR, not both", field="--at"
            )
        kb = load_kb(data, on_top)
        if organization is None:
            organization = kb.defaults.organization
            if organization is None:
                raise UserError(
                    "the data package has no organisation; name one", field="organization"
                )
        org = kb.resolve_organization(organization)
        settings = StrainSettings(time_limit=time_limit, window_days=window)
        from phalanx.kb.coverage import coverage_warnings

        if not series_wanted:
            day = query_date(at) if at is not None else dt.date.today()
            print_warnings(coverage_warnings(kb, at=day, organization=org))
            result = strain_at(kb, org, day, settings)
            if json_out:
                emit_json(result)
            else:
                _print_one(result)
            return
        from phalanx.measures.series import strain_series, yearly_dates

        first, last = year_window(kb, first, last)
        print_warnings(
            [w for y in (first, last) for w in coverage_warnings(kb, at=str(y), organization=org)]
        )
        series = strain_series(kb, org, yearly_dates(first, last), settings)
        if plot is not None:
            _write_plot(series, f"Strain of {org}, {first}-{last}", plot, force)
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
        console.print(escape(f"chart written to {plot}"))


def _write_plot(series: list[dict], title: str, path: Path, force: bool) -> None:
    """The series chart as one offline HTML file, marked as Phalanx's, written safely."""
    from phalanx.figures.plotlyjs import plotly_script
    from phalanx.figures.strain import strain_figure
    from phalanx.safe_files import MARKER, write_output

    html = strain_figure(series, title).to_html(include_plotlyjs=False, full_html=True)
    head = f'<meta name="generator" content="{MARKER.decode()}">' + plotly_script()
    html = html.replace("<head>", "<head>" + head, 1) if "<head>" in html else head + html
    write_output(path, html, force=force)


def _print_one(result: dict) -> None:
    """One date's strain: the index, the components explained, the frustrated ties."""
    from rich.text import Text

    line = Text(
        f"Strain of {result['organization']} on {result['date']}: {number(result['index'])}",
        style="bold",
    )
    line.append(f"  members: {', '.join(result['members'])}", style="")
    console.print(line)
    comps = [dict(c, component=human(c["component"])) for c in result["components"]]
    print_table("Components", ["component", "value", "weight", "explanation"], comps)
    fr = next(c for c in result["components"] if c["component"] == "frustration")
    if fr["rows"]:
        print_table(
            "Frustrated ties (contradicting the best two-camp split)",
            ["source", "target", "sign", "weight", "kinds", "relations"],
            fr["rows"],
        )
