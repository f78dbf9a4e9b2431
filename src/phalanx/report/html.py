"""The self-contained, offline HTML report of an organisation on the knowledge base.

One file, no network: Plotly's JavaScript is inlined once, every fact carries links to
its sources, and the page records the data version and when it was made.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from phalanx import __version__
from phalanx.kb import KnowledgeBase
from phalanx.report.timeline import membership_timeline

__all__ = ["build_report", "write_report", "summary"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:70rem;
 color:#222;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem} .meta{color:#666;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:1rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f4f4f4} .src a{margin-right:.3rem} .num{text-align:right}
section{margin-top:2rem} .tag{display:inline-block;padding:0 .35rem;border-radius:.3rem;background:#eef;font-size:.8rem}
"""


def summary(kb: KnowledgeBase, organization: str, at: dt.date) -> dict[str, Any]:
    """Plain-data summary of ``organization`` on ``at``: statuses, spells, events, counts."""
    org = kb.organization(organization)
    members = kb.members(org["id"], at)
    events = kb.events(kind=None, organization=org["id"])
    spells = kb.query(
        """SELECT actor, status, start, "end", start_lo, end_lo, certainty, sources
           FROM memberships WHERE organization = ? ORDER BY start_lo, actor""",
        [org["id"]],
    )
    return {
        "organization": org,
        "date": at,
        "members": members,
        "spells": spells,
        "events": events,
        "data_version": kb.version,
        "counts": {t: len(kb.package.rows(t)) for t in kb.package.tables},
    }


def _sources_cell(ids: list[str], urls: dict[str, str]) -> str:
    links = [
        f'<a href="{html.escape(urls.get(i, "#"))}" title="{html.escape(i)}">[{n}]</a>'
        for n, i in enumerate(ids, 1)
    ]
    return f'<span class="src">{"".join(links)}</span>'


def _table(columns: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build_report(
    kb: KnowledgeBase,
    organization: str = "CSTO",
    at: dt.date | None = None,
    sections: list[str] | None = None,
) -> str:
    """The report as one HTML string. ``sections`` are extra HTML blocks added in order."""
    at = at or dt.date.today()
    s = summary(kb, organization, at)
    org = s["organization"]
    esc = html.escape
    urls = {r["id"]: r["url"] for r in kb.package.rows("sources")}
    names = {r["id"]: r["name"] for r in kb.package.rows("actors")}
    evs = kb.query(
        "SELECT id, date, date_lo, kind, summary FROM events WHERE organization = ? OR list_contains(actors, ?) ORDER BY date_lo",
        [org["id"], org["id"]],
    )
    fig = membership_timeline(
        s["spells"], names, at, events=evs, title=f"{org['name']}: membership"
    )
    chart = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    member_rows = [
        [
            esc(m["actor"]),
            esc(m["name"]),
            f'<span class="tag">{esc(m["status"])}</span>',
            esc(m["start"]),
            esc(m["certainty"]),
            _sources_cell(m["sources"], urls),
        ]
        for m in s["members"]
    ]
    spell_rows = [
        [
            esc(names.get(r["actor"], r["actor"])),
            esc(r["status"]),
            esc(r["start"]),
            esc(r["end"] or ""),
            esc(r["certainty"]),
            _sources_cell(r["sources"], urls),
        ]
        for r in s["spells"]
    ]
    event_rows = [
        [
            esc(e["date"] + (f" to {e['end_date']}" if e["end_date"] else "")),
            esc(e["kind"]),
            esc(", ".join(e["actors"])),
            esc(e["summary"])
            + (
                f" ({e['magnitude']:g} {esc(e['magnitude_unit'] or '')})"
                if e["magnitude"] is not None
                else ""
            ),
            esc(e["certainty"]),
            _sources_cell(e["sources"], urls),
        ]
        for e in s["events"]
    ]
    used = sorted({i for r in s["spells"] + s["events"] for i in r["sources"]})
    source_rows = [
        [esc(r["id"]), esc(r["citation"]), f'<a href="{esc(r["url"])}">{esc(r["url"])}</a>']
        for r in kb.sources(used)
    ]
    extra = "".join(sections or [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Phalanx report: {esc(org["name"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{esc(org["name"])} ({esc(org["id"])})</h1>
<p class="meta">Phalanx {__version__} &middot; data {esc(s["data_version"])} &middot; as of {at.isoformat()} &middot;
decision rule: {esc(org["decision_rule"])} &middot; dispute mechanism: {"yes" if org["dispute_mechanism"] else "no" if org["dispute_mechanism"] is not None else "unknown"}
&middot; made {dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}</p>
<section id="members"><h2>Members on {at.isoformat()}</h2>{_table(["id", "name", "status", "since", "certainty", "sources"], member_rows)}</section>
<section id="timeline"><h2>Membership timeline</h2>{chart}
{_table(["actor", "status", "start", "end", "certainty", "sources"], spell_rows)}</section>
{extra}
<section id="events"><h2>Events ({len(event_rows)})</h2>{_table(["date", "kind", "actors", "what happened", "certainty", "sources"], event_rows)}</section>
<section id="sources"><h2>Sources</h2>{_table(["id", "citation", "link"], source_rows)}</section>
</body></html>
"""


def write_report(
    kb: KnowledgeBase,
    path: str | Path,
    organization: str = "CSTO",
    at: dt.date | None = None,
    sections: list[str] | None = None,
) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(build_report(kb, organization, at, sections), encoding="utf-8")
    return path
