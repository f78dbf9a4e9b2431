"""Report sections beyond the knowledge base: the strain of the organisation over time.

The chart is :func:`phalanx.figures.strain.strain_figure` (each component marked where its
data are missing); a note lists those stretches, and the caption names the settings, the
data version and the rows (with footnotes to their sources) behind the last date's value.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from phalanx.figures.strain import strain_figure
from phalanx.kb import KnowledgeBase
from phalanx.kb.dates import parse_partial_date
from phalanx.measures.series import missing_stretches, strain_series, yearly_dates
from phalanx.measures.strain import StrainSettings
from phalanx.report.footnotes import cite

__all__ = ["strain_section"]


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def strain_section(
    kb: KnowledgeBase,
    organization: str,
    at: dt.date,
    first_year: int | None = None,
    settings: StrainSettings | None = None,
) -> str:
    """HTML: the strain index by year up to ``at`` (chart), then the components on ``at``.

    The series starts in ``first_year``, by default the first year of the package's
    study period (``kb.defaults.period``) or the organisation's founding year if later.
    The chart uses the Plotly bundle already inlined by the page (no second copy).
    """
    settings = settings or StrainSettings()
    org = kb.resolve_organization(organization)
    first = first_year or _first_year(kb, org, at)
    years = yearly_dates(first, at.year) if first <= at.year else []
    series = strain_series(kb, org, [d for d in years if d < at] + [at], settings)
    fig = strain_figure(
        series, f"Strain of {org}, {first}-{at.year} (1 July each year, and {at.isoformat()})"
    )
    chart = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False},
        div_id="strain-series",
    )
    last = series[-1]
    esc = html.escape
    caption = _caption(kb, org, at, series, settings)
    gaps = _missing_note(series)
    rows = "".join(
        f"<tr><td>{esc(c['component'].replace('_', ' '))}</td><td class='num'>{_fmt(c['value'])}</td>"
        f"<td class='num'>{c['weight']:g}</td><td>{esc(c['explanation'])}</td></tr>"
        for c in last["components"]
    )
    fr = next(c for c in last["components"] if c["component"] == "frustration")
    ties = "".join(
        f"<tr><td>{esc(e['source'])}&ndash;{esc(e['target'])}</td><td>{'+' if e['sign'] > 0 else '&minus;'}</td>"
        f"<td class='num'>{e['weight']:.3g}</td><td>{esc(e['kinds'])}</td><td>{esc(e['relations'])}</td></tr>"
        for e in fr["rows"]
    )
    ties_table = (
        "<h3>Ties carrying the strain</h3><p>These ties contradict the best split of the members and their partners into two camps.</p>"
        f"<table><thead><tr><th>tie</th><th>sign</th><th>weight</th><th>kinds</th><th>relation rows</th></tr></thead><tbody>{ties}</tbody></table>"
        if ties
        else ""
    )
    return f"""<section id="strain"><h2>Strain: {_fmt(last["index"])} on {at.isoformat()}</h2>
<p>The strain index runs from 0 (none) to 1 (the most). It is the weighted mean of the components below, each traced to its rows
(see docs/strain.md). Each point counts relations in force in the {settings.window_days} days up to its date.</p>
{chart}
{caption}{gaps}
<table><thead><tr><th>component</th><th>value</th><th>weight</th><th>what it rests on</th></tr></thead><tbody>{rows}</tbody></table>
{ties_table}</section>"""


def _first_year(kb: KnowledgeBase, org: str, at: dt.date) -> int:
    """The first year of the strain series: the later of the study period's first year
    and the organisation's founding year (``at``'s year when neither is known)."""
    years = []
    if kb.defaults.period is not None:
        years.append(parse_partial_date(kb.defaults.period[0]).earliest.year)
    founded = kb.organization(org).get("founded")
    if founded:
        years.append(parse_partial_date(str(founded)).earliest.year)
    return max(years) if years else at.year


def _caption(
    kb: KnowledgeBase,
    org: str,
    at: dt.date,
    series: list[dict[str, Any]],
    settings: StrainSettings,
) -> str:
    """The chart's caption: the run (dates, settings, data version) and the rows behind the
    components on ``at`` (relation rows, events, indicator values, votes) with footnotes to
    their sources."""
    esc = html.escape
    last = series[-1]
    comps = {c["component"]: c for c in last["components"]}
    relations: set[str] = set()
    for e in comps.get("frustration", {}).get("rows", []):
        relations.update(r for r in str(e.get("relations") or "").split(";") if r)
    relations.update(str(r["relation"]) for r in comps.get("member_conflicts", {}).get("rows", []))
    events = {str(r["event"]) for r in comps.get("unanswered_requests", {}).get("rows", [])}
    votes = {str(r["vote"]) for r in comps.get("vote_divergence", {}).get("rows", [])}
    indicators = [
        (r["actor"], r["indicator"]) for r in comps.get("arms_independence", {}).get("rows", [])
    ]
    snap = kb.snapshot(at, settings.window_days)
    sources: set[str] = set()
    for r in snap.relations:
        if str(r["id"]) in relations:
            sources.update(r.get("sources") or [])
    for e in snap.events:
        if str(e["id"]) in events:
            sources.update(e.get("sources") or [])
    for actor, name in indicators:
        rec = snap.indicator_record(actor, name)
        if rec is not None:
            sources.update(rec.get("sources") or [])
    if votes:
        for v in kb.votes(as_of=at):
            if str(v["vote"]) in votes:
                sources.update(v.get("sources") or [])
    named = []
    if relations:
        named.append(f"relation rows {esc(', '.join(sorted(relations)))}")
    if events:
        named.append(f"events {esc(', '.join(sorted(events)))}")
    if indicators:
        names = sorted({n for _, n in indicators})
        named.append(f"{len(indicators)} {esc(', '.join(names))} values")
    if votes:
        named.append(f"votes {esc(', '.join(sorted(votes)))}")
    rows = "; ".join(named) or "no rows"
    weights = ", ".join(f"{esc(k.replace('_', ' '))} {v:g}" for k, v in settings.weights.items())
    return (
        f'<div class="meta">Strain of {esc(org)} on {len(series)} dates, computed with '
        f"relations in force in the {settings.window_days} days up to each date, component "
        f"weights {weights}, frustration solver seed {settings.seed} and work limit "
        f"{settings.work_limit}; data {esc(str(last['data_version']))}. On {at.isoformat()} "
        f"the components rest on {rows} {cite(sorted(sources))}.</div>"
    )


def _missing_note(series: list[dict[str, Any]]) -> str:
    """A note listing the stretches of dates on which a component had no data (empty when
    every component has data on every date)."""
    esc = html.escape
    items = [
        f"<li>no data for {esc(m['component'].replace('_', ' '))} "
        + (
            f"on {esc(m['first'])}"
            if m["first"] == m["last"]
            else f"from {esc(m['first'])} to {esc(m['last'])} ({m['dates']} dates)"
        )
        + f": {esc(m['reason'])}</li>"
        for m in missing_stretches(series)
    ]
    if not items:
        return ""
    return (
        '<div class="note" id="strain-missing"><p>Where a component has no data it is left out '
        "of the index (the index is the weighted mean of the others) and marked &times; below "
        f"the chart's zero line:</p><ul>{''.join(items)}</ul></div>"
    )
