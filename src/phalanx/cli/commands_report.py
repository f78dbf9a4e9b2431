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
    declared_option,
    load_kb,
    print_table,
    print_warnings,
    query_date,
    user_errors,
)
from phalanx.params import default_of
from phalanx.report.scenarios import ScenarioOptions

_SHOWN_KINDS = ("invocation", "deployment", "accession", "withdrawal", "suspension", "freeze")
"""Event kinds listed in the terminal summary (the HTML report lists every event)."""


@app.command()
def report(
    org: Annotated[
        str | None,
        typer.Option("--org", help="Organisation to report on (default: the package's own)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Date of the report (default today); nothing later is shown."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "--output", help="HTML file to write.")] = Path(
        "phalanx-report.html"
    ),
    pdf: Annotated[
        Path | None,
        typer.Option(
            "--pdf",
            help="Also print the report to this PDF file (headless Chromium, offline).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace --out even if Phalanx did not write it."),
    ] = False,
    scenarios: Annotated[
        str | None,
        typer.Option(
            "--scenarios",
            help="Scenarios to run from the report's date: NAME,... (shipped names or .yaml "
            "files), or none (default: every shipped scenario).",
        ),
    ] = None,
    runs: Annotated[
        int,
        declared_option(
            ScenarioOptions,
            "runs",
            "--runs",
            help="Monte Carlo runs per scenario (1 to 100000; more runs, narrower intervals).",
        ),
    ] = default_of(ScenarioOptions, "runs"),
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence",
            help="Include the Evidence section (hazard fit, backtests, calibration, requests).",
        ),
    ] = True,
    data: DataOption = None,
    on_top: OnTopOption = False,
) -> None:
    """Summarise an organisation in the terminal and write the offline HTML report."""
    # imported here, not at start-up: the report loads DuckDB, plotly and the solvers
    from phalanx.report.html import default_organization, summary, write_report
    from phalanx.report.scenarios import headline, run_scenarios
    from phalanx.report.sections import strain_section

    with user_errors():
        day = query_date(at, "--at") if at else dt.date.today()
        names = _scenario_names(scenarios)
        if not out.parent.is_dir():
            raise UserError(f"cannot write {out}: folder {out.parent} does not exist")
        if pdf is not None and not pdf.parent.is_dir():
            raise UserError(f"cannot write {pdf}: folder {pdf.parent} does not exist")
        kb = load_kb(data, on_top)
        oid = kb.resolve_organization(org or default_organization(kb))
        s = summary(kb, oid, day)
        print_warnings(s["warnings"])
        o = s["organization"]
        console.print(
            f"[bold]{o['name']}[/bold] ({o['id']}) on {day.isoformat()}  data {s['data_version']}"
        )
        console.print(
            f"decision rule: {o['decision_rule']}; dispute mechanism: {o['dispute_mechanism']}; "
            + ", ".join(f"{n} {t}" for t, n in s["counts"].items())
        )
        print_table("Members", ["actor", "name", "status", "start", "certainty"], s["members"])
        print_table(
            "Membership and collective-defence events",
            ["date", "kind", "actors", "summary"],
            [e for e in s["events"] if e["kind"] in _SHOWN_KINDS],
        )
        _print_measures(kb, oid, day)
        sections = [strain_section(kb, oid, day)]
        ran = None if names == [] else run_scenarios(kb, oid, day, scenarios=names, runs=runs)
        if ran is not None:
            _print_scenarios(ran, headline)
        path = write_report(
            kb, out, oid, day, sections, force=force, scenarios=ran or [], evidence=evidence
        )
    console.print(
        f"report written to [bold]{path}[/bold] ({path.stat().st_size // 1024} KiB, works offline)"
    )
    if pdf is not None:
        from phalanx.report.pdf import print_pdf

        with user_errors():
            printed = print_pdf(path, pdf)
        console.print(
            f"PDF written to [bold]{printed}[/bold] ({printed.stat().st_size // 1024} KiB)"
        )


def _print_measures(kb, oid: str, day: dt.date) -> None:
    """The strain, the signed network and the decision answers on ``day``, in a few lines
    (the same library calls as the report's sections)."""
    from phalanx.measures.strain import strain_at
    from phalanx.models.answers import decision_answers
    from phalanx.network.view import network_view

    strain = strain_at(kb, oid, day)
    used = [c["component"] for c in strain["components"] if c["value"] is not None]
    index = "n/a" if strain["index"] is None else f"{strain['index']:.3f}"
    console.print(
        f"strain index {index} (0 none .. 1 most), over {len(used)} of "
        f"{len(strain['components'])} components with data",
        markup=False,
        highlight=False,
    )
    net = network_view(kb, day, oid)
    fr = net["frustration"]
    frustrated = [f"{e['source']}-{e['target']}" for e in net["edges"] if e["frustrated"]]
    console.print(
        f"signed network: {len(net['nodes'])} actors, {len(net['edges'])} ties; camps "
        + " | ".join(",".join(c) for c in net["camps"])
        + f"; frustration index {fr['index']:.3g}"
        + (f" ({', '.join(frustrated)})" if frustrated else ""),
        markup=False,
        highlight=False,
    )
    answers = decision_answers(kb, oid, at=day)
    rows = [
        {
            "issue": a["id"],
            "date": a["date"],
            "predicted": f"{a['predicted']['level']:.2f} {a['predicted']['label']}",
            "what happened": (
                f"{a['observed']['level']:.2f} {a['observed']['label']}"
                if a["observed"]
                else "not recorded"
            ),
        }
        for a in answers
    ]
    if rows:
        print_table(
            "Decision model on the issue files, beside what happened",
            ["issue", "date", "predicted", "what happened"],
            rows,
        )


def _scenario_names(value: str | None) -> list[str] | None:
    """``--scenarios``: None (every shipped one), ``none`` ([]), or the comma-separated names."""
    if value is None:
        return None
    if value.strip().lower() == "none":
        return []
    names = [v.strip() for v in value.split(",")]
    if not all(names):
        raise UserError(f"--scenarios: expected NAME,... or none, got {value!r}")
    return names


def _print_scenarios(ran, headline) -> None:
    """One line per scenario: the chance that at least one member leaves by the horizon."""
    if ran.not_run:
        print_warnings([f"no scenario was run from {ran.start}: {ran.not_run}"])
        return
    if ran.note:
        print_warnings([ran.note])
    for r in ran.runs:
        h = headline(r)
        console.print(
            f"scenario {r.name} (seed {r.seed}, {r.runs} runs): at least one member leaves by "
            f"{h['year']} in {100 * h['probability']:.0f}% of runs "
            f"(95% {100 * h['low']:.0f}-{100 * h['high']:.0f}%)",
            markup=False,
            highlight=False,
        )
