"""The dashboard's views: each one a call of the library, shown as a page.

Every view takes declared query parameters (their bounds in the OpenAPI schema), calls
library functions that return plain data, and returns that data as one dict. The page
decorator (:func:`phalanx.web.render.page`) renders it, gives its JSON twin and its
downloads; the figures come from :mod:`phalanx.figures`. Nothing in this module
computes a measure or runs a model.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import StringConstraints

from phalanx.web.render import page

__all__ = ["router"]

router = APIRouter()

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
"""A partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD (checked for real days by the library)."""

DateQuery = Annotated[
    str | None,
    Query(
        pattern=DATE_PATTERN,
        max_length=10,
        description="A date, YYYY, YYYY-MM or YYYY-MM-DD (default: the end of the package's "
        "period, or today if earlier).",
    ),
]
OrgQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        description="Organisation id or name (default: the package's main organisation).",
    ),
]


# --- shared helpers -------------------------------------------------------------------


def period_of(kb: Any) -> tuple[dt.date, dt.date]:
    """The first and last day of the package's study period, the last never after today."""
    from phalanx.kb.dates import parse_query_date
    from phalanx.measures.series import study_years

    first, last = study_years(kb)
    period = kb.defaults.period
    start = parse_query_date(str(period[0])) if period else dt.date(first, 1, 1)
    end = parse_query_date(str(period[1]), end=True) if period else dt.date.today()
    return start, min(end, dt.date.today())


def day_of(kb: Any, at: str | None, field: str = "at") -> dt.date:
    """The day ``at`` names (a UserError naming ``field`` if it is no real date), or the
    end of the package's period by default."""
    from phalanx.kb.store import query_day

    return period_of(kb)[1] if at is None else query_day(at, field)


def organization_of(kb: Any, org: str | None) -> str:
    """The organisation id ``org`` names (404 if unknown), or the package's main one."""
    from phalanx.errors import UserError

    if org is None:
        org = kb.defaults.organization
        if org is None:
            raise UserError("the data package has no organisation; name one", field="org")
    from phalanx.kb.store import UnknownIdError

    try:
        return kb.resolve_organization(org)
    except UnknownIdError as e:  # name the query parameter the user gave
        raise UnknownIdError(e.message, field="org") from None


@functools.lru_cache(maxsize=16)
def _strain_series(kb: Any, org: str, first: int, last: int) -> list[dict]:
    from phalanx.measures.series import strain_series, yearly_dates

    return strain_series(kb, org, yearly_dates(first, last))


def strain_over_period(kb: Any, org: str) -> list[dict]:
    """The organisation's strain on 1 July of every year of the package's period (cached
    per knowledge base: the same inputs give the same series)."""
    from phalanx.measures.series import study_years

    first, last = study_years(kb)
    return _strain_series(kb, org, first, last)


# --- Overview -------------------------------------------------------------------------


def _overview_figures(data: dict) -> dict:
    from phalanx.figures.strain import strain_figure

    title = f"Strain of {data['organization']}, {data['period'][0][:4]}-{data['period'][1][:4]}"
    return {"strain": strain_figure(data["strain_series"], title)}


def _overview_table(data: dict) -> tuple[list[str], list[dict]]:
    return ["actor", "name", "status", "start", "certainty", "sources"], data["members"]


@page(
    router,
    "/",
    name="overview",
    title="Overview",
    table=_overview_table,
    figures=_overview_figures,
)
def overview(kb: Any, org: OrgQuery = None, at: DateQuery = None) -> dict:
    """The organisation on a date: its members with their sources, its strain on that date
    (components explained) and its strain over the package's period."""
    from phalanx.measures.strain import strain_at

    oid = organization_of(kb, org)
    day = day_of(kb, at)
    start, end = period_of(kb)
    return {
        "organization": oid,
        "name": kb.organization(oid)["name"],
        "date": day,
        "data_version": kb.version,
        "period": [start, end],
        "organizations": [{"id": o["id"], "name": o["name"]} for o in kb.organizations()],
        "members": kb.members(oid, day),
        "strain": strain_at(kb, oid, day),
        "strain_series": strain_over_period(kb, oid),
    }


# --- Timeline -------------------------------------------------------------------------

IdQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="Actor id, name or alias."),
]
KindQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=60,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Event kind, one the package's schema allows.",
    ),
]
FromQuery = Annotated[
    str | None,
    Query(
        alias="from",
        pattern=DATE_PATTERN,
        max_length=10,
        description="First day of the period (YYYY, YYYY-MM or YYYY-MM-DD).",
    ),
]
ToQuery = Annotated[
    str | None,
    Query(
        alias="to",
        pattern=DATE_PATTERN,
        max_length=10,
        description="Last day of the period (YYYY, YYYY-MM or YYYY-MM-DD; default: the end "
        "of the package's period). Nothing later is shown.",
    ),
]

EVENT_COLUMNS = [
    "id",
    "date",
    "end_date",
    "kind",
    "actors",
    "organization",
    "magnitude",
    "magnitude_unit",
    "summary",
    "certainty",
    "sources",
]


def _timeline_figures(data: dict) -> dict:
    from phalanx.figures.timeline import membership_timeline

    names = {a["id"]: a["name"] for a in data["actors"]}
    until = dt.date.fromisoformat(data["to"])
    title = f"{data['organization']}: membership"
    fig = membership_timeline(data["spells"], names, until, events=data["events"], title=title)
    return {"timeline": fig}


@page(
    router,
    "/timeline",
    name="timeline",
    title="Timeline",
    table=lambda data: (EVENT_COLUMNS, data["events"]),
    figures=_timeline_figures,
)
def timeline(
    kb: Any,
    org: OrgQuery = None,
    actor: IdQuery = None,
    kind: KindQuery = None,
    first: FromQuery = None,
    last: ToQuery = None,
) -> dict:
    """The organisation's membership spells and its events (those it or its members took
    part in), filtered by actor, event kind and period, each with its sources. As of the
    period's last day: nothing later shows."""
    from phalanx.kb.store import query_day

    oid = organization_of(kb, org)
    start, end = period_of(kb)
    lo = None if first is None else query_day(first, "from")
    hi = end if last is None else query_day(last, "to", end=True)
    if lo is not None and lo > hi:
        from phalanx.errors import UserError

        raise UserError(f"the period is reversed: from {first} is after to {last}", field="from")
    aid = None if actor is None else kb.resolve_actor(actor)
    events = kb.events(lo, hi, kind=kind, actor=aid, organization=oid, as_of=hi)
    spells = [s for s in kb.spells(oid, as_of=hi) if aid is None or s["actor"] == aid]
    used = {i for r in events + spells for i in (r.get("sources") or [])}
    return {
        "organization": oid,
        "data_version": kb.version,
        "filters": {"actor": aid, "kind": kind, "from": lo, "to": hi},
        "to": hi,
        "period": [start, end],
        "kinds": kb.allowed_values("events", "kind") or [],
        "actors": [{"id": a["id"], "name": a["name"]} for a in kb.actors()],
        "organizations": [{"id": o["id"], "name": o["name"]} for o in kb.organizations()],
        "spells": spells,
        "events": events,
        "sources": kb.sources(used),
    }


# --- Actor ----------------------------------------------------------------------------


@page(router, "/actor/{actor_id}", name="actor", title="Actor")
def actor_page(
    kb: Any,
    actor_id: Annotated[
        str, Path(min_length=1, max_length=100, description="Actor id, name or alias.")
    ],
    at: DateQuery = None,
) -> dict:
    """Everything the knowledge base holds about one actor (its dossier: spells, relations,
    events, indicators, votes and their sources), as of a date if given."""
    from phalanx.kb.dossier import dossier

    return dossier(kb, actor_id, as_of=at)


# --- Data -----------------------------------------------------------------------------


@page(
    router,
    "/data",
    name="data",
    title="Data",
    table=lambda data: (["name", "rows"], data["tables"]),
)
def data_index(kb: Any) -> dict:
    """Every table of the knowledge base with its row count and fields, the package's
    layers and their licences."""
    from phalanx.web.browse import licences, table_list

    return {
        "data_version": kb.version,
        "packages": [
            {"name": d.name, "title": d.title, "version": d.version} for d in kb.package.descriptors
        ],
        "licenses": licences(kb),
        "tables": table_list(kb),
    }


def _table_rows(data: dict) -> tuple[list[str], list[dict]]:
    return data["columns"], data["rows"]


@page(router, "/data/{table}", name="table", title="Table", table=_table_rows)
def data_table(
    kb: Any,
    request: Any,
    table: Annotated[
        str,
        Path(
            min_length=1,
            max_length=63,
            pattern=r"^[a-z][a-z0-9_]*$",
            description="A table of the package (see /data).",
        ),
    ],
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text to find in any cell (case-insensitive)."),
    ] = None,
    where: Annotated[
        list[Annotated[str, StringConstraints(min_length=2, max_length=300)]],
        Query(
            max_length=20,
            description="Column filters COLUMN:VALUE (exact cell text; repeatable, all hold).",
        ),
    ] = [],  # noqa: B006 - FastAPI copies a list default per request
    ids: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Query(alias="id", max_length=200, description="Keep the rows with these ids."),
    ] = [],  # noqa: B006
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Rows on one page (1 to 500).")] = 50,
) -> dict:
    """One table's rows, filtered and paged, with the sources they cite and the licence.
    The CSV and Parquet downloads hold every matching row, not only the page."""
    from phalanx.web.browse import browse, licences

    download = request.url.path.endswith((".csv", ".parquet"))
    result = browse(
        kb,
        table,
        q=q,
        where=where,
        ids=ids,
        offset=0 if download else offset,
        limit=None if download else limit,
    )
    result["filters"] = {"q": q, "where": where, "id": ids}
    result["licenses"] = licences(kb)
    result["data_version"] = kb.version
    return result


# --- Network --------------------------------------------------------------------------

WeightingQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_-]*$",
        description="A named weighting of relations and memberships (default, unit, "
        "propensity-v1, ...).",
    ),
]


def month_starts(first: dt.date, last: dt.date) -> list[str]:
    """The first day of every month from ``first``'s to ``last``'s, as ISO text: the
    steps of the network's date slider.

    >>> month_starts(dt.date(2021, 11, 5), dt.date(2022, 1, 31))
    ['2021-11-01', '2021-12-01', '2022-01-01']
    """
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}-01")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def network_graph(kb: Any, data: dict) -> Any:
    """The network a view shows, as the graph :mod:`phalanx.network.export` writes: nodes
    with name, kind, status and camp; ties with sign, weight, kinds, relations (``;``
    joined), sources and whether they are frustrated."""
    import networkx as nx

    G = nx.Graph(date=data["date"], data_version=data["data_version"])
    if data.get("organization"):
        G.graph["organization"] = data["organization"]
    for n in data["nodes"]:
        G.add_node(
            n["id"],
            name=n["name"],
            kind=n.get("kind") or "",
            status=n.get("status") or "",
            camp="" if n.get("camp") is None else int(n["camp"]),
        )
    for e in data["edges"]:
        G.add_edge(
            e["source"],
            e["target"],
            sign=int(e["sign"]),
            weight=float(e["weight"]),
            kinds=e.get("kinds") or "",
            relations=";".join(e.get("relations") or []),
            sources=";".join(e.get("sources") or []),
            frustrated=bool(e.get("frustrated")),
        )
    return G


def _network_figures(data: dict) -> dict:
    from phalanx.figures.network import network_figure

    who = f"{data['organization']} and its ties" if data.get("organization") else "The region"
    fig = network_figure(data, f"{who} on {data['date']}")
    # each actor's point carries its id, so a click on it opens the actor's history
    # (app.js); the node traces are those whose points are labelled with actor ids
    ids = {n["id"] for n in data["nodes"]}
    for trace in fig.data:
        text = list(trace.text) if isinstance(trace.text, list | tuple) else []
        if text and set(text) <= ids:
            trace.ids = text
    return {"network": fig}


@page(
    router,
    "/network",
    name="network",
    title="Network",
    network=network_graph,
    figures=_network_figures,
)
def network(
    kb: Any,
    at: DateQuery = None,
    org: OrgQuery = None,
    weighting: WeightingQuery = "default",
) -> dict:
    """The signed network on a date: ties positive or negative, the two camps of the best
    split, the frustrated ties (those contradicting it) and the frustration index with its
    bounds; the package's key dates and the slider's steps."""
    from phalanx.network.view import key_dates, network_view

    oid = organization_of(kb, org)
    day = day_of(kb, at)
    start, end = period_of(kb)
    view = network_view(kb, day, oid, weighting=weighting)
    return {
        **view,
        "period": [start, end],
        "steps": month_starts(start, end),
        "key_dates": key_dates(kb, oid, day),
        "organizations": [{"id": o["id"], "name": o["name"]} for o in kb.organizations()],
    }


# --- Alignment and decisions ----------------------------------------------------------

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_NUM = r"[ +-]?(\d+(\.\d*)?|\.\d+)"
"""A number with an optional sign (a "+" typed into a URL arrives as a space)."""
MAX_WHATIF_VALUE = 100.0
"""Largest size factor or propensity shift a what-if may ask for (in either direction)."""


def _number(text: str, field: str, *, positive: bool = False) -> float:
    from phalanx.errors import UserError

    x = float(text.strip())
    if abs(x) > MAX_WHATIF_VALUE or (positive and x <= 0):
        want = f"in (0, {MAX_WHATIF_VALUE:g}]" if positive else f"within ±{MAX_WHATIF_VALUE:g}"
        raise UserError(f"must be {want}; got {text}", field=field)
    return x


def parse_shifts(items: list[str]) -> dict[tuple[str, str], float]:
    """``A:B:DELTA`` texts as ``{(A, B): delta}``; a pair given twice is a UserError.

    >>> parse_shifts(["TUR:KAZ:+0.5", "RUS:ARM:-1"])
    {('TUR', 'KAZ'): 0.5, ('RUS', 'ARM'): -1.0}
    """
    from phalanx.errors import UserError

    out: dict[tuple[str, str], float] = {}
    for item in items:
        a, b, delta = item.split(":")
        key = (a, b)
        if key in out or (b, a) in out:
            raise UserError(f"the pair {a}:{b} is shifted twice", field="shift")
        out[key] = _number(delta, "shift")
    return out


def parse_factors(items: list[str], field: str) -> dict[str, float]:
    """``ID:VALUE`` texts as ``{ID: value}``; an id given twice is a UserError.

    >>> parse_factors(["RUS:0.5"], "size")
    {'RUS': 0.5}
    """
    from phalanx.errors import UserError

    out: dict[str, float] = {}
    for item in items:
        key, value = item.split(":")
        if key in out:
            raise UserError(f"{key} is given twice", field=field)
        out[key] = _number(value, field, positive=field == "size")
    return out


def _renamed(error: Exception, field: str) -> Exception:
    """A library UserError about a keyword argument, re-raised naming the query field."""
    from phalanx.errors import UserError

    if isinstance(error, UserError):
        return type(error)(error.message, file=error.file, line=error.line, field=field)
    return error


def _whatif_rows(data: dict) -> tuple[list[str], list[dict]]:
    rows = [
        {
            "rank": w["rank"],
            "label": w["label"],
            "user": w["user"],
            "n_moved": w["n_moved"],
            "moved": w["moved"],
            "energy": w.get("energy"),
            "exact": w.get("exact"),
        }
        for w in (data["alignment"] or {}).get("whatifs", [])
    ]
    return ["rank", "label", "user", "n_moved", "moved", "energy", "exact"], rows


@page(router, "/alignment", name="alignment", title="Alignment and decisions", table=_whatif_rows)
def alignment(
    kb: Any,
    at: DateQuery = None,
    org: OrgQuery = None,
    k: Annotated[int, Query(ge=2, le=6, description="Most coalitions (2 to 6).")] = 2,
    weighting: WeightingQuery = "default",
    shift: Annotated[
        list[Annotated[str, StringConstraints(max_length=80, pattern=rf"^{_ID}:{_ID}:{_NUM}$")]],
        Query(
            max_length=20,
            description="A what-if: A:B:DELTA adds DELTA to the propensity of A and B "
            "(repeatable, e.g. TUR:KAZ:+0.5).",
        ),
    ] = [],  # noqa: B006
    size: Annotated[
        list[Annotated[str, StringConstraints(max_length=60, pattern=rf"^{_ID}:{_NUM}$")]],
        Query(
            max_length=20,
            description="A what-if: ACTOR:FACTOR multiplies the actor's size by FACTOR > 0 "
            "(repeatable, e.g. RUS:0.5).",
        ),
    ] = [],  # noqa: B006
    seed: Annotated[
        int, Query(ge=0, le=2**32 - 1, description="Seed of the model's heuristics.")
    ] = 0,
) -> dict:
    """Who sides with whom on a date (landscape theory), what moves them (one change at a
    time, and your own what-if), and the decision model's answers to the issue files
    about the organisation beside what happened."""
    from phalanx.errors import UserError
    from phalanx.models.answers import decision_answers
    from phalanx.models.whatifs import alignment_view

    oid = organization_of(kb, org)
    day = day_of(kb, at)
    shifts = parse_shifts(shift)
    factors = parse_factors(size, "size")
    view, unavailable = None, None
    try:
        view = alignment_view(
            kb,
            day,
            k=k,
            weighting=weighting,
            shifts=shifts or None,
            size_factors=factors or None,
            seed=seed,
        )
    except UserError as e:
        if e.field is not None:  # about an input of the request: the request is at fault
            field = {"shifts": "shift", "size_factors": "size"}.get(e.field, e.field)
            raise _renamed(e, field) from None
        # the package cannot support the model on this date (say, no sizes): the page
        # says why, and the decisions still show
        unavailable = str(e)
    return {
        "organization": oid,
        "date": day,
        "data_version": kb.version,
        "query": {"k": k, "weighting": weighting, "shift": shift, "size": size, "seed": seed},
        "alignment": view,
        "alignment_unavailable": unavailable,
        "decisions": decision_answers(kb, oid, at=day),
    }


def _issue_entry(kb: Any, issue: str) -> dict:
    """The catalogue entry of issue file ``issue`` (404 naming it if unknown)."""
    from phalanx.kb.store import UnknownIdError
    from phalanx.models.issue import list_issues

    catalogue = list_issues(kb)
    for entry in catalogue:
        if entry["id"] == issue:
            return entry
    known = ", ".join(e["id"] for e in catalogue) or "none"
    raise UnknownIdError(f"no issue {issue!r}; known: {known}", field="issue")


def _position_rows(data: dict) -> tuple[list[str], list[dict]]:
    cols = ["actor", "name", "member", "position", "salience", "capability", "source", "inferred"]
    return cols, data["answer"]["positions"]


@page(router, "/decisions/{issue}", name="decision", title="Decision", table=_position_rows)
def decision(
    kb: Any,
    issue: Annotated[
        str,
        Path(
            min_length=1,
            max_length=100,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
            description="An issue file's id (see /alignment).",
        ),
    ],
    pos: Annotated[
        list[Annotated[str, StringConstraints(max_length=60, pattern=rf"^{_ID}:{_NUM}$")]],
        Query(
            max_length=50,
            description="A what-if: ACTOR:POSITION sets the actor's position on the issue's "
            "scale (repeatable, e.g. ARM:0.5).",
        ),
    ] = [],  # noqa: B006
) -> dict:
    """The collective-decision model on one issue file: the predicted outcome, what
    happened, and each actor's position, salience and capability (with sources); the
    positions can be changed (a what-if) and the model rerun."""
    from phalanx.errors import UserError
    from phalanx.models.answers import decision_answers

    entry = _issue_entry(kb, issue)
    positions = parse_factors(pos, "pos")
    try:
        answers = decision_answers(
            kb, entry["organisation"], issue=issue, positions=positions or None
        )
    except UserError as e:
        field = "pos" if (e.field or "").startswith("positions") else e.field
        raise _renamed(e, field) from None
    return {
        "issue": issue,
        "organization": entry["organisation"],
        "data_version": kb.version,
        "query": {"pos": pos},
        "answer": answers[0],
    }
