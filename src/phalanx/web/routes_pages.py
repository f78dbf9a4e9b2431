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

from fastapi import APIRouter, Query

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
