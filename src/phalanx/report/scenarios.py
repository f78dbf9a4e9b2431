"""The report's "Scenarios" section: shipped scenarios run as Monte Carlo ensembles.

:func:`run_scenarios` runs each scenario (every shipped one by default) with its own
declared root seed through :func:`phalanx.experiments.runner.run_experiment`, from the
report's date, and keeps what the page needs (:class:`ScenarioRun`); :func:`scenarios_html`
renders them; :func:`scenarios_section` does both. Runs are kept in memory (no archive),
unless ``out`` names a folder to archive them in: a report never litters the user's folder
unasked. Without ``out``, the same inputs
give the same HTML, byte for byte (no run id, no clock time in it).

The page says what every scenario assumes (its summary and the source passages it
encodes), and that the figures are model outputs under those assumptions, not forecasts.
Every table and figure names its run: root seed, runs, years, start date, parameters and
data version. Cost: the runs dominate, O(scenarios x runs x years x N^2).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from phalanx.errors import UserError
from phalanx.params import Settings
from phalanx.report.markup import table

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.kb import KnowledgeBase

__all__ = [
    "DEFAULT_RUNS",
    "DEFAULT_YEARS",
    "ScenarioOptions",
    "ScenarioRun",
    "ScenarioSet",
    "run_scenarios",
    "scenarios_html",
    "scenarios_section",
    "headline",
    "caption",
    "page_context",
]

DEFAULT_RUNS = 200
"""Replicates per scenario in the report: Wilson intervals about +-7 points at worst (p = 0.5)."""

DEFAULT_YEARS = 10
"""Simulated years from the report's date."""


class ScenarioOptions(Settings):
    """How the report runs its scenarios (the CLI's ``--runs`` comes from here)."""

    runs: int = Field(
        DEFAULT_RUNS, ge=1, le=100_000, description="Monte Carlo runs per scenario (1 to 100000)."
    )
    years: int = Field(
        DEFAULT_YEARS,
        ge=1,
        le=100,
        description="Years simulated from the report's date (1 to 100).",
    )


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario's ensemble, as the report shows it (plain data).

    ``summary`` has the shape of :mod:`phalanx.experiments.summary`; ``parameters`` holds
    every model parameter used, ``overrides`` the scenario's own changes to the defaults,
    ``parameter_file`` the calibrated-values file (None: none). ``run_id`` and ``saved``
    are set only when the run was archived in a folder the caller asked for.
    """

    name: str
    title: str
    description: str
    cites: tuple[Mapping[str, Any], ...]
    seed: int
    runs: int
    years: int
    start: str
    data_version: str
    leader: str
    candidates: tuple[str, ...]
    summary: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    parameter_file: str | None = None
    parameters_source: Mapping[str, Any] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    run_id: str | None = None
    saved: str | None = None


@dataclass(frozen=True)
class ScenarioSet:
    """The scenarios of one report: the runs, or why none could run on the date."""

    runs: tuple[ScenarioRun, ...]
    start: str
    years: int
    not_run: str | None = None  # a plain reason, e.g. the leader is no member on the date
    note: str | None = None  # why the start is not the report's date, when it is not


# --- running -----------------------------------------------------------------------------


def run_scenarios(
    kb: KnowledgeBase,
    organization: str,
    at: dt.date,
    *,
    scenarios: Sequence[str] | None = None,
    runs: int = DEFAULT_RUNS,
    years: int = DEFAULT_YEARS,
    out: str | Path | None = None,
    backend: str = "serial",
    workers: int | None = None,
) -> ScenarioSet:
    """Run ``scenarios`` (names or paths; None: every shipped one) from ``at``.

    Each runs ``runs`` replicates over ``years`` years with the scenario's declared seed
    (a scenario file without one gets fresh entropy from the runner, shown on the page, so
    only then does the page differ between two reports). An unknown scenario is a UserError
    raised before anything runs. A date after the package's period (a report dated today
    on a historical package) starts the scenarios from the last day the package covers, and
    ``note`` says so; a date on which the model cannot start (before the period, no leader,
    the leader not a member) gives a :class:`ScenarioSet` without runs whose ``not_run``
    says why, so the rest of the report is still made.
    """
    from phalanx.experiments.scenario import list_scenarios, load_scenario
    from phalanx.models.dynamics.state import initial_state

    opts = ScenarioOptions(runs=runs, years=years)
    runs, years = opts.runs, opts.years
    names = [s["name"] for s in list_scenarios()] if scenarios is None else list(scenarios)
    loaded = [load_scenario(n) for n in names]
    from phalanx.models.dynamics.state import default_start

    note = None
    last = default_start(kb, kb.resolve_organization(organization))
    if kb.defaults.period is not None and at > last:
        # a report dated after what the package covers: start from the last day it covers
        note = (
            f"The report's date, {at.isoformat()}, lies after the package's period; the "
            f"scenarios start from its last day, {last.isoformat()}."
        )
        at = last
    start = at.isoformat()
    try:
        initial_state(kb, organization, at)
    except UserError as exc:
        # the report's date is the simulation's start: say so rather than name a field
        why = (
            f"{exc.message} (the report's date is the start)" if exc.field == "start" else str(exc)
        )
        return ScenarioSet((), start, years, not_run=why)
    done = [_run_one(kb, organization, at, s, runs, years, out, backend, workers) for s in loaded]
    return ScenarioSet(tuple(done), start, years, note=note)


def _run_one(kb, organization, at, scenario, runs, years, out, backend, workers) -> ScenarioRun:
    """One scenario through the runner -> :class:`ScenarioRun` (kept in memory unless
    ``out`` names an archive root)."""
    from phalanx.experiments.runner import run_experiment

    record = run_experiment(
        kb,
        scenario,
        organization=organization,
        start=at,
        years=years,
        runs=runs,
        seed=scenario.seed,
        out=out,
        backend=backend,
        workers=workers,
    )
    summary = dict(record.summary)
    meta = dict(record.metadata)
    kept = record.path is not None
    return ScenarioRun(
        name=scenario.name,
        title=scenario.title,
        description=scenario.summary,
        cites=tuple(c.model_dump() for c in scenario.cites),
        seed=int(record.seed),
        runs=int(summary["runs"]),
        years=int(meta["years"]),
        start=str(meta["start"]),
        data_version=str(meta["data_version"]),
        leader=str(meta["leader"]),
        candidates=tuple(meta["candidates"]),
        summary=summary,
        parameters=dict(meta.get("parameters") or {}),
        overrides=dict(scenario.parameters),
        parameter_file=meta.get("parameter_file"),
        parameters_source=dict(meta.get("parameters_source") or {}),
        assumptions=tuple(meta.get("assumptions") or ()),
        warnings=tuple(meta.get("warnings") or ()),
        run_id=record.run_id if kept else None,
        saved=str(record.path) if kept else None,
    )


def headline(run: ScenarioRun) -> dict[str, Any]:
    """The probability that at least one member leaves by the horizon, with its interval.

    ``{scenario, year, probability, low, high, median_year}`` (from ``first_exit.any``).
    """
    last = run.summary["first_exit"]["any"][-1]
    return {
        "scenario": run.name,
        "year": last["year"],
        "probability": last["probability"],
        "low": last["low"],
        "high": last["high"],
        "median_year": run.summary["first_exit"].get("median_year"),
    }


# --- rendering ---------------------------------------------------------------------------

_esc = html.escape


def _pct(p: float | None) -> str:
    return "n/a" if p is None else f"{100 * p:.0f}%"


def _rate(rec: Mapping[str, Any] | None) -> str:
    """``23% (19-27%)``: a probability with its 95% interval, as HTML text."""
    if rec is None or rec.get("probability") is None:
        return "n/a"
    return (
        f"{_pct(rec['probability'])} <span class='meta'>({_pct(rec['low'])}&ndash;"
        f"{_pct(rec['high'])})</span>"
    )


def _value(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _parameters_text(run: ScenarioRun) -> str:
    """Which parameters the run used, in one phrase (HTML)."""
    from phalanx.experiments.provenance import parameters_text

    if run.parameters_source:
        base = _esc(parameters_text({"parameters_source": run.parameters_source}))
    elif run.parameter_file:
        base = f"Parameters: the values of <code>{_esc(run.parameter_file)}</code>"
    else:
        base = "Parameters: the model's defaults (docs/odd/membership.md)"
    if not run.overrides:
        return base
    changed = ", ".join(f"{_esc(k)} = {_esc(_value(v))}" for k, v in sorted(run.overrides.items()))
    return f"{base}, except {changed} (set by the scenario)"


def _calibration_text(runs: Sequence[ScenarioRun]) -> str:
    """What the page says about the parameters: calibrated (a posterior) or not."""
    kinds = {r.parameters_source.get("kind") for r in runs}
    if kinds == {"posterior"}:
        return (
            "The model's parameters are drawn, run by run, from the package's posterior: a "
            "calibration by approximate Bayesian computation to the organisation's history, "
            "with priors from two centuries of defence pacts (see the Evidence section). It "
            "reproduces some of that history's patterns and misses others, which the "
            "Evidence section lists; read the scenarios as the consequences of their "
            "assumptions under that calibration, and compare them with one another."
        )
    return (
        "The model's parameters are not calibrated to this organisation's history (the "
        "package has no posterior, or a parameter file was given): prior guesses, so read "
        "the scenarios as the consequences of their assumptions, and compare them with one "
        "another rather than with zero."
    )


def caption(run: ScenarioRun) -> str:
    """The line under a figure naming the run (HTML): seed, runs, years, start, parameters,
    data version, and the archived run's id when it was kept."""
    kept = f"; run {_esc(run.run_id)} saved in {_esc(run.saved or '')}" if run.run_id else ""
    return (
        f"<b>{_esc(run.name)}</b>: root seed {run.seed}, {run.runs} runs, {run.years} years from "
        f"{_esc(run.start)}; {_parameters_text(run)}; data {_esc(run.data_version)}{kept}"
    )


def _captions(runs: Sequence[ScenarioRun]) -> str:
    return "<p class='meta'>" + "<br>".join(caption(r) for r in runs) + "</p>"


def _cite(c: Mapping[str, Any], urls: Mapping[str, str | None]) -> str:
    """One citation: a source of this package (``urls`` has its id) by its id and a footnote
    to the page's sources table; any other by its own link."""
    from phalanx.report.footnotes import cite
    from phalanx.report.html import link

    src = str(c.get("source", ""))
    shown = f"{_esc(src)} {cite([src])}" if src in urls else link(c.get("url"), src)
    where = (
        f"&ldquo;{_esc(str(c.get('section', '')))}&rdquo;, paragraph "
        f"{_esc(str(c.get('paragraph', '')))}"
    )
    return f"<li>{shown}, {where}: {_esc(str(c.get('says', '')))}</li>"


def _citations(run: ScenarioRun, urls: Mapping[str, str | None]) -> str:
    """The passages a scenario encodes (HTML). A citation is shown in full when its source
    is one of this package's (``urls`` has its id) or carries its own URL; one whose source
    is another package's id is only counted, with that id: the scenario was written for
    that package's case and its passages speak of it, not of the case on this page."""
    own = [c for c in run.cites if str(c.get("source")) in urls or c.get("url")]
    other = sorted({str(c.get("source")) for c in run.cites} - {str(c.get("source")) for c in own})
    parts = []
    if own:
        parts.append(
            "<p>It encodes these passages (paraphrased):</p><ul>"
            + "".join(_cite(c, urls) for c in own)
            + "</ul>"
        )
    if other:
        n = len(run.cites) - len(own)
        parts.append(
            f"<p>It was written from {n} passage{'s' if n != 1 else ''} of "
            f"{', '.join(_esc(o) for o in other)}, a source this package does not hold: "
            "its selectors apply it here, but its numbers were chosen for another case "
            f"(see the scenario file, <code>{_esc(run.name)}</code>).</p>"
        )
    return "".join(parts)


def _figure(fig, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True},
        div_id=div_id,
    )


def _parameter_table(run: ScenarioRun) -> str:
    if not run.parameters:
        return ""
    rows = "".join(
        f"<tr><td>{_esc(k)}</td><td class='num'>{_esc(_value(v))}</td>"
        f"<td>{'scenario' if k in run.overrides else ''}</td></tr>"
        for k, v in sorted(run.parameters.items())
    )
    return (
        f"<details><summary>Every parameter of {_esc(run.name)}</summary><table><thead><tr>"
        f"<th>parameter</th><th>value</th><th>set by</th></tr></thead><tbody>{rows}</tbody>"
        "</table></details>"
    )


def scenarios_html(
    result: ScenarioSet,
    names: Mapping[str, str] | None = None,
    source_urls: Mapping[str, str | None] | None = None,
) -> str:
    """The section's HTML for ``result``; ``names`` maps actor ids to names, ``source_urls``
    source ids to links (for the scenarios' citations). Figures use the page's Plotly."""
    from phalanx.figures import fancharts as fc

    names = names or {}
    urls = source_urls or {}
    runs = list(result.runs)
    if not runs:
        why = result.not_run or "no scenario was asked for"
        return (
            f'<section id="scenarios"><h2>Scenarios</h2><p class="warn">No scenario was run '
            f"from {_esc(result.start)}: {_esc(why)}</p></section>"
        )
    end = int(result.start[:4]) + result.years
    label = {a: f"{names.get(a, a)} ({a})" for r in runs for a in r.candidates}
    parts = [
        f'<section id="scenarios"><h2>Scenarios, {_esc(result.start)} to {end}</h2>',
        f"<p>{_esc(result.note)}</p>" if result.note else "",
        '<p class="warn"><b>Model outputs under stated assumptions, not forecasts of fact.</b> '
        "Each scenario below is a set of assumptions about the leading state's capacity, the "
        "offers of outside patrons, conflicts and threats, stated with the source passages it "
        "rests on. The membership model (docs/odd/membership.md) was run many times under "
        "each, from the knowledge base as it stands on the start date. The percentages say how "
        "often each outcome came up in those runs; the intervals (Wilson 95%) measure only the "
        "Monte Carlo error of that share, which shrinks with more runs. Neither says whether "
        "the assumptions will hold. " + _calibration_text(runs) + "</p>",
        "<h3>What the scenarios assume</h3>",
    ]
    for r in runs:
        notes = "".join(f"<li>{_esc(x)}</li>" for x in (*r.assumptions, *r.warnings))
        parts.append(
            f'<div class="scenario" id="scenario-{_esc(r.name)}"><h4>{_esc(r.title)} '
            f"(<code>{_esc(r.name)}</code>)</h4><p>{_esc(r.description)}</p>"
            + _citations(r, urls)
            + (f"<p>Assumed for missing data, and warnings:</p><ul>{notes}</ul>" if notes else "")
            + f"<p class='meta'>{caption(r)}</p>{_parameter_table(r)}</div>"
        )
    head = [
        [
            _esc(r.title),
            _rate(h := headline(r)),
            _esc(str(h["median_year"])) if h["median_year"] is not None else f"after {end}",
            _esc(_value(r.summary["responses"].get("per_run_mean") or 0.0)),
        ]
        for r in runs
    ]
    parts.append(
        f"<h3>At least one member leaves by {end}</h3>"
        + table(
            [
                "scenario",
                "probability (95% interval)",
                "year it passes one half",
                "requests for assistance per run",
            ],
            head,
        )
        + _captions(runs)
    )
    rates = [fc.horizon_rates(r.summary) for r in runs]
    actors = list(dict.fromkeys(a for r in runs for a in r.candidates))
    rows = [
        [_esc(label.get(a, a))]
        + [
            f"left {_rate(rt.get(a, {}).get('left'))}<br>frozen {_rate(rt.get(a, {}).get('frozen'))}"
            for rt in rates
        ]
        for a in actors
    ]
    parts.append(
        f"<h3>Who leaves or freezes by {end}</h3><p>\u201cleft\u201d: left the organisation "
        f"at least once by {end} (it may have come back); \u201cfrozen\u201d: frozen in {end}."
        " In brackets, the Wilson 95% interval.</p>"
        + table(["actor"] + [r.title for r in runs], rows)
        + _figure(
            fc.exit_bars([r.summary for r in runs], actors=actors, names=label),
            "scenarios-exits",
        )
        + _captions(runs)
    )
    parts.append(
        "<h3>What drove the exits</h3><p>Each exit is put down to the largest of the seven "
        "mechanism terms of the leaver's disaffection score in its last year.</p>"
        + _figure(fc.mechanism_bars([r.summary for r in runs]), "scenarios-mechanisms")
        + _captions(runs)
        + "<h3>How requests for assistance were answered</h3>"
        + _responses(runs)
        + _captions(runs)
    )
    for i, r in enumerate(runs):
        parts.append(
            f"<h3>{_esc(r.title)}: status, strain and the leader's capacity over time</h3>"
            + _figure(
                fc.status_fans(r.summary, list(r.candidates), names=label),
                f"scenarios-{i}-status",
            )
            + f"<p class='meta'>{caption(r)}</p><div class='pair'><div>"
            + _figure(fc.strain_fan(r.summary), f"scenarios-{i}-strain")
            + f"<p class='meta'>{caption(r)}</p></div><div>"
            + _figure(fc.capacity_fan(r.summary), f"scenarios-{i}-capacity")
            + f"<p class='meta'>{caption(r)}</p></div></div>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _responses(runs: Sequence[ScenarioRun]) -> str:
    """The responses chart, or a plain sentence when no run had a request."""
    from phalanx.figures import fancharts as fc

    if not any(r.summary["responses"]["requests"] for r in runs):
        return (
            "<p>In no run did a member ask the organisation for assistance, so there is no "
            "answer to show.</p>"
        )
    return _figure(fc.responses_bars([r.summary for r in runs]), "scenarios-responses")


def scenarios_section(
    kb: KnowledgeBase,
    organization: str,
    at: dt.date,
    *,
    scenarios: Sequence[str] | None = None,
    runs: int = DEFAULT_RUNS,
    years: int = DEFAULT_YEARS,
    out: str | Path | None = None,
) -> str:
    """HTML: run ``scenarios`` (None: every shipped one) from ``at`` and show them.

    See :func:`run_scenarios` (what runs, where archives go) and :func:`scenarios_html`.
    """
    org = kb.resolve_organization(organization)
    result = run_scenarios(kb, org, at, scenarios=scenarios, runs=runs, years=years, out=out)
    return scenarios_html(result, *page_context(kb, result))


def page_context(
    kb: KnowledgeBase, result: ScenarioSet
) -> tuple[dict[str, str], dict[str, str | None]]:
    """Actor names and the links of the sources the scenarios cite (for :func:`scenarios_html`)."""
    names = {a["id"]: a["name"] for a in kb.actors()}
    cited = {str(c.get("source")) for r in result.runs for c in r.cites}
    urls = {s["id"]: s["url"] for s in kb.sources(cited)}
    return names, urls
