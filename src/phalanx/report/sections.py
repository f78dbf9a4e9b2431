"""Report sections beyond the knowledge base: the strain of the organisation over time."""

from __future__ import annotations

import datetime as dt
import html

from phalanx.kb import KnowledgeBase
from phalanx.kb.dates import parse_partial_date
from phalanx.measures.series import series_figure, strain_series, yearly_dates
from phalanx.measures.strain import StrainSettings

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
    fig = series_figure(
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
