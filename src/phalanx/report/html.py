"""The self-contained, offline HTML report of an organisation on the knowledge base.

One file, no network: Plotly's JavaScript is inlined once, every fact carries footnotes
that link to the page's own sources table (:mod:`phalanx.report.footnotes`: citation,
reliability grade, access date, external link), every figure has a caption naming its
source rows or its run, and the page records the data version and when it was made. The report
renders what knowledge-base queries and measures return (it runs no SQL of its own),
as of its date: nothing later shows. Two runs on the same inputs give the same bytes
apart from the generation time (``made``).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from phalanx import __version__
from phalanx.errors import UserError
from phalanx.figures.timeline import membership_timeline
from phalanx.kb import KnowledgeBase
from phalanx.kb.coverage import coverage_warnings
from phalanx.report.footnotes import cite, cited, number, sources_table
from phalanx.report.markup import table, text
from phalanx.report.network import network_section
from phalanx.safe_files import MARKER, write_output

if TYPE_CHECKING:  # pragma: no cover
    from phalanx.report.scenarios import ScenarioSet

__all__ = ["build_report", "write_report", "summary", "default_organization", "link"]

GENERATOR = MARKER.decode()
"""The text of the page's ``<meta name="generator">``: lets a later run replace the file."""

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:70rem;
 color:#222;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem} .meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f4} .src a{margin-right:.3rem} .num{text-align:right}
section{margin-top:2rem} .tag{display:inline-block;padding:0 .35rem;border-radius:.3rem;background:#eef;font-size:.8rem}
.warn{background:#fff4e0;border-left:4px solid #e69500;padding:.5rem 1rem}
.pair{display:flex;flex-wrap:wrap;gap:1rem} .pair>div{flex:1 1 28rem;min-width:0}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}
 @page{size:A4;margin:14mm 12mm}
 h2{break-after:avoid} tr,.js-plotly-plot,.plotly-graph-div{break-inside:avoid}
 thead{display:table-header-group} .modebar{display:none!important}
 details>summary{display:none} details{display:block}
 a{color:inherit;text-decoration:none}}
"""


def default_organization(kb: KnowledgeBase) -> str:
    """The organisation a report is about when none is named: the package's default."""
    org = kb.defaults.organization
    if org is None:
        raise UserError("the data package has no organisations to report on")
    return org


def summary(
    kb: KnowledgeBase, organization: str | None = None, at: dt.date | None = None
) -> dict[str, Any]:
    """Plain-data summary of ``organization`` (default: the package's) as of ``at``.

    ``{organization (row), date, members (on the date), spells, events (up to the
    date; later ends shown as None, ``ongoing``), warnings (coverage), data_version,
    counts (rows per table)}``. ``at`` defaults to today.
    """
    at = at or dt.date.today()
    oid = kb.resolve_organization(organization or default_organization(kb))
    return {
        "organization": kb.organization(oid),
        "date": at,
        "members": kb.members(oid, at),
        "spells": kb.spells(oid, as_of=at),
        "events": kb.events(organization=oid, as_of=at),
        "warnings": coverage_warnings(kb, at=at, organization=oid),
        "data_version": kb.version,
        "counts": kb.counts(),
    }


def link(url: str | None, text: str, title: str = "") -> str:
    """An HTML link to ``url`` when it is an http(s) URL; else ``text`` as plain text.

    Any other scheme (``javascript:``, ``file:``, relative paths) is never made a link.
    ``text`` and ``title`` are escaped here.
    """
    t = f' title="{html.escape(title)}"' if title else ""
    scheme = urlsplit(url or "").scheme.lower()
    if url and scheme in ("http", "https") and urlsplit(url).netloc:
        return f'<a href="{html.escape(url)}"{t}>{html.escape(text)}</a>'
    return f"<span{t}>{html.escape(text)}</span>"


def _sources_cell(ids: list[str], urls: dict[str, str | None] | None = None) -> str:
    """Footnote links to the sources table for a row's sources (``urls`` is unused, kept
    for callers)."""
    return cite(ids)


def _end(rec: dict[str, Any], key: str = "end") -> str:
    if rec.get(key) is not None:
        return text(rec[key])
    return "ongoing" if rec.get("ongoing") else ""


def build_report(
    kb: KnowledgeBase,
    organization: str | None = None,
    at: dt.date | None = None,
    sections: list[str] | None = None,
    *,
    made: dt.datetime | None = None,
    scenarios: Sequence[str] | ScenarioSet | None = None,
    runs: int | None = None,
    years: int | None = None,
    evidence: bool = True,
) -> str:
    """The report as one HTML string, as of ``at`` (default today).

    ``organization`` defaults to the package's; ``sections`` are extra HTML blocks
    added in order; ``made`` is the generation time shown (default now, UTC).
    ``scenarios`` adds the "Scenarios" section after them (see
    :mod:`phalanx.report.scenarios`): None runs every shipped scenario, a list of names
    or paths runs those, ``[]`` leaves the section out, and a
    :class:`~phalanx.report.scenarios.ScenarioSet` already run is shown as it is;
    ``runs`` and ``years`` size the runs (defaults: the section's declared ones).
    ``evidence`` adds, after them, scenario discovery and sensitivity on one of the
    scenarios run (the long war when it was run: :func:`phalanx.report.discovery.
    discovery_section`, small designs, a few seconds) and the "Evidence" section
    (:mod:`phalanx.report.evidence`).
    """
    s = summary(kb, organization, at)
    at = s["date"]
    org = s["organization"]
    esc = html.escape
    names = {a["id"]: a["name"] for a in kb.actors()}
    scenario_set = _scenarios(kb, org["id"], at, scenarios, runs, years)
    used = sorted(
        {i for r in s["members"] + s["spells"] + s["events"] for i in r["sources"]}
        | _cited(scenario_set)
    )
    sources = kb.sources(used)
    urls = {r["id"]: r["url"] for r in sources}
    timeline_caption = (
        f'<div class="meta">Membership spells ({len(s["spells"])}) and events '
        f"({len(s['events'])}) of {esc(org['id'])} up to {at.isoformat()}, data "
        f"{esc(s['data_version'])}: the rows of the tables below and of the events section, "
        "each with its sources.</div>"
    )
    fig = membership_timeline(
        s["spells"], names, at, events=s["events"], title=f"{org['name']}: membership"
    )
    from phalanx.figures.plotlyjs import plotly_script

    chart = plotly_script() + fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False},
        div_id="membership-timeline",
    )
    member_rows = [
        [
            esc(m["actor"]),
            esc(m["name"]),
            f'<span class="tag">{esc(m["status"])}</span>',
            text(m["start"]),
            text(m["certainty"]),
            _sources_cell(m["sources"], urls),
        ]
        for m in s["members"]
    ]
    spell_rows = [
        [
            esc(names.get(r["actor"], r["actor"])),
            esc(r["status"]),
            text(r["start"]),
            _end(r),
            text(r["certainty"]),
            _sources_cell(r["sources"], urls),
        ]
        for r in s["spells"]
    ]
    event_rows = [
        [
            text(e["date"])
            + (
                f" to {text(e['end_date'])}"
                if e["end_date"]
                else " (ongoing)"
                if e.get("ongoing")
                else ""
            ),
            esc(e["kind"]),
            esc(", ".join(e["actors"])),
            text(e["summary"])
            + (
                f" ({e['magnitude']:g} {text(e['magnitude_unit'])})"
                if e["magnitude"] is not None
                else ""
            ),
            text(e["certainty"]),
            _sources_cell(e["sources"], urls),
        ]
        for e in s["events"]
    ]
    warnings = (
        '<section id="warnings" class="warn"><h2>What the data do not cover</h2><ul>'
        + "".join(f"<li>{esc(w)}</li>" for w in s["warnings"])
        + "</ul></section>"
        if s["warnings"]
        else ""
    )
    made = made or dt.datetime.now(dt.UTC)
    mechanism = org["dispute_mechanism"]
    mechanism_text = "unknown" if mechanism is None else "yes" if mechanism else "no"
    extra = "".join(sections or [])
    extra += network_section(kb, org["id"], at)
    if scenario_set is not None:
        from phalanx.report.scenarios import scenarios_html

        extra += scenarios_html(scenario_set, names, urls)
    if evidence and scenario_set is not None and scenario_set.runs:
        from phalanx.report.discovery import discovery_section

        start = dt.date.fromisoformat(scenario_set.start)
        names_run = [r.name for r in scenario_set.runs]
        chosen = "long-war" if "long-war" in names_run else names_run[0]
        extra += discovery_section(kb, org["id"], start, scenario=chosen)
    if evidence:
        from phalanx.report.evidence import evidence_data, evidence_html

        extra += evidence_html(evidence_data(kb, org["id"], at))
    body = f"""<h1>{esc(org["name"])} ({esc(org["id"])})</h1>
<p class="meta">Phalanx {esc(__version__)} &middot; data {esc(s["data_version"])} &middot; as of {at.isoformat()} &middot;
decision rule: {text(org["decision_rule"])} &middot; dispute mechanism: {mechanism_text}
&middot; made {made.strftime("%Y-%m-%d %H:%M UTC")}</p>
{warnings}
<section id="members"><h2>Members on {at.isoformat()}</h2>{table(["id", "name", "status", "since", "certainty", "sources"], member_rows)}</section>
<section id="timeline"><h2>Membership timeline</h2>{chart}{timeline_caption}
{table(["actor", "status", "start", "end", "certainty", "sources"], spell_rows)}</section>
{extra}
<section id="events"><h2>Events ({len(event_rows)})</h2>{table(["date", "kind", "actors", "what happened", "certainty", "sources"], event_rows)}</section>
"""
    # every source cited anywhere on the page gets a row, and its footnotes its row's number
    wanted = set(used) | cited(body)
    sources = kb.sources(wanted)
    missing = sorted(wanted - {r["id"] for r in sources})
    order = [r["id"] for r in sources] + missing
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="{esc(GENERATOR)} {esc(__version__)}">
<title>Phalanx report: {esc(org["name"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
{number(body, order)}<section id="sources"><h2>Sources ({len(order)})</h2>{sources_table(sources, missing)}</section>
</body></html>
"""


def _scenarios(
    kb: KnowledgeBase,
    org: str,
    at: dt.date,
    scenarios: Sequence[str] | ScenarioSet | None,
    runs: int | None,
    years: int | None,
) -> ScenarioSet | None:
    """The scenarios to show: run now (names or None: all shipped), given, or none."""
    from phalanx.report.scenarios import ScenarioOptions, ScenarioSet, run_scenarios

    if isinstance(scenarios, ScenarioSet):
        return scenarios
    if scenarios is not None and len(scenarios) == 0:
        return None
    sizes = ScenarioOptions(
        **{k: v for k, v in (("runs", runs), ("years", years)) if v is not None}
    )
    return run_scenarios(kb, org, at, scenarios=scenarios, runs=sizes.runs, years=sizes.years)


def _cited(scenario_set: ScenarioSet | None) -> set[str]:
    """The ids of the sources the scenarios cite (only the package's show in Sources)."""
    if scenario_set is None:
        return set()
    return {str(c.get("source")) for r in scenario_set.runs for c in r.cites}


def write_report(
    kb: KnowledgeBase,
    path: str | Path,
    organization: str | None = None,
    at: dt.date | None = None,
    sections: list[str] | None = None,
    *,
    force: bool = False,
    scenarios: Sequence[str] | ScenarioSet | None = None,
    runs: int | None = None,
    years: int | None = None,
    evidence: bool = True,
) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8) and return the path.

    Written atomically with :func:`phalanx.safe_files.write_output`: a file Phalanx did
    not write (no generator marker) or a symbolic link is replaced only with ``force``.
    ``scenarios``, ``runs``, ``years`` and ``evidence`` as in :func:`build_report`.
    """
    page = build_report(
        kb,
        organization,
        at,
        sections,
        scenarios=scenarios,
        runs=runs,
        years=years,
        evidence=evidence,
    )
    return write_output(path, page, force=force)
