"""The report's "Signed network at key dates" section: the camps and the frustrated ties.

One figure per key date (:func:`phalanx.network.view.key_dates`: the organisation's own
membership changes, requests for assistance and armed conflicts between members, then the
report's date), side by side where they fit, each drawn from
:func:`phalanx.network.view.network_view` by :func:`phalanx.figures.network.network_figure`,
with a caption naming its date, its frustration index, how it was solved and the rows and
sources behind its ties (footnotes to the sources table), and a table of its frustrated ties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from phalanx.errors import UserError
from phalanx.figures.network import network_figure
from phalanx.kb import KnowledgeBase
from phalanx.network.view import key_dates, network_view
from phalanx.report.footnotes import cite
from phalanx.report.markup import number, table, text

__all__ = ["network_section"]

_RESIZE = (
    "<script>window.addEventListener('load',function(){document.querySelectorAll("
    "'#network .pair .plotly-graph-div').forEach(function(d){Plotly.Plots.resize(d);});});"
    "</script>"
)
"""Side-by-side figures are drawn while the page is read, before their neighbours exist, so
each would keep the full width: once the page has loaded they are fitted to their cells."""


def _dates(
    kb: KnowledgeBase, org: str, at: dt.date, dates: Sequence[Any] | None
) -> list[dict[str, Any]]:
    """Key dates as ``{"date", "label"}``: :func:`key_dates`, or the ``dates`` given
    (``key_dates`` records, ``datetime.date`` or ISO text)."""
    if dates is None:
        return key_dates(kb, org, at)
    out = []
    for d in dates:
        if isinstance(d, Mapping) and "date" in d:
            out.append({"date": str(d["date"]), "label": str(d.get("label") or "")})
        elif isinstance(d, dt.date | str):
            out.append({"date": d.isoformat() if isinstance(d, dt.date) else d, "label": ""})
        else:
            raise UserError(
                f"expected dates (ISO text, datetime.date or key_dates records); got {d!r}",
                field="dates",
            )
    if not out:
        raise UserError("give at least one date, or None for the key dates", field="dates")
    return out


def _caption(view: Mapping[str, Any], label: str) -> str:
    f = view["frustration"]
    solved = (
        "exact"
        if f["optimal"]
        else f"between {number(f['lower'])} and {number(f['upper'])} ({text(f['limit'])} limit)"
    )
    frustrated = sum(1 for e in view["edges"] if e["frustrated"])
    relations = sorted({r for e in view["edges"] for r in e["relations"]})
    shared = sum(1 for e in view["edges"] if "member:" in e["kinds"])
    what = f" ({text(label)})" if label else ""
    rows = (
        f"<details><summary>Rows behind its {len(view['edges'])} ties: {len(relations)} "
        f"relation rows and the membership spells of {shared} shared memberships; "
        f"{len(view['sources'])} sources</summary>relation rows: "
        f"{text(', '.join(relations)) or 'none'}. Sources: {cite(view['sources'])}</details>"
    )
    return (
        f'<div class="meta"><b>{text(view["date"])}</b>{what}: frustration index '
        f"{number(f['index'])} ({solved}; {100 * f['normalised']:.1f}% of the tie weight), "
        f"{frustrated} frustrated tie{'s' if frustrated != 1 else ''}; "
        f"{len(view['nodes'])} actors, {len(view['edges'])} ties, weighting "
        f"{text(view['weighting'])}, solver seed {f['seed']}, work limit {f['work_limit']}, "
        f"data {text(view['data_version'])}.{rows}</div>"
    )


def _frustrated_table(view: Mapping[str, Any]) -> str:
    names = {n["id"]: n["name"] for n in view["nodes"]}
    ties = sorted(
        (e for e in view["edges"] if e["frustrated"]),
        key=lambda e: (-e["weight"], e["source"], e["target"]),
    )
    if not ties:
        return "<p>No tie is frustrated: every tie agrees with the two camps.</p>"
    rows = [
        [
            f"{text(names.get(e['source'], e['source']))} &ndash; "
            f"{text(names.get(e['target'], e['target']))}",
            "+" if e["sign"] > 0 else "&minus;",
            number(float(e["weight"])),
            text(e["kinds"].replace(";", "; ")),
            text(", ".join(e["relations"])) or "shared membership",
            cite(e["sources"]),
        ]
        for e in ties
    ]
    return table(["frustrated tie", "sign", "weight", "kinds", "relation rows", "sources"], rows)


def network_section(
    kb: KnowledgeBase,
    org: str,
    at: dt.date,
    dates: Sequence[Any] | None = None,
) -> str:
    """HTML: the signed network of ``org`` and the actors tied to its members on each key
    date up to ``at`` (``dates`` overrides them), with camps and frustrated ties.

    Figures use the Plotly bundle the page inlines once. Each date costs a snapshot and an
    exact frustration solve (a fraction of a second on the embedded data).
    """
    oid = kb.resolve_organization(org)
    chosen = _dates(kb, oid, at, dates)
    parts, tables = [], []
    for d in chosen:
        view = network_view(kb, d["date"], oid)
        fig = network_figure(view, title=f"{oid} on {view['date']}")
        parts.append(
            "<div>"
            + fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True},
                div_id=f"network-{view['date']}",
            )
            + _caption(view, d["label"])
            + "</div>"
        )
        tables.append(f"<h4>Frustrated ties on {text(view['date'])}</h4>" + _frustrated_table(view))
    return (
        '<section id="network"><h2>Signed network at key dates</h2>'
        f"<p>The actors holding a spell in {text(oid)} on each date and every actor tied to "
        "one of them. A tie sums the relations in force on that day and shared memberships "
        "(docs/balance.md): solid lines are positive (cooperative) ties, dashed lines negative "
        "(adversarial) ones. The two camps are the split that contradicts the least tie "
        "weight (the exact frustration index); a frustrated tie, drawn thick in vermilion, "
        "is a positive tie across the camps or a negative one within a camp. The dates are "
        "the organisation's own events (membership changes, requests for assistance, armed "
        "conflicts between members) and the report's date. The strain index's frustration "
        "component differs: it counts a year's relations among full members only.</p>"
        f'<div class="pair">{"".join(parts)}</div>{"".join(tables)}{_RESIZE}</section>'
    )
