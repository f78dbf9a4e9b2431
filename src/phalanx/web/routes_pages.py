"""The dashboard's views: each one a call of the library, shown as a page.

Every view takes declared query parameters (their bounds in the OpenAPI schema), calls
library functions that return plain data, and returns that data as one dict. The page
decorator (:func:`phalanx.web.render.page`) renders it, gives its JSON twin and its
downloads; the figures come from :mod:`phalanx.figures` (or, until moved there, from the
measures' own chart function). Nothing in this module computes a measure or runs a model.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

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
    from phalanx.measures.series import series_figure  # seam: figures.strain at R1's merge

    title = f"Strain of {data['organization']}, {data['period'][0][:4]}-{data['period'][1][:4]}"
    return {"strain": series_figure(data["strain_series"], title)}


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
        list[str],
        Query(
            max_length=20,
            description="Column filters COLUMN:VALUE (exact cell text; repeatable, all hold).",
        ),
    ] = [],  # noqa: B006 - FastAPI copies a list default per request
    ids: Annotated[
        list[str],
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
