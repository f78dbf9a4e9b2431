"""Arms dependence of an organisation's members on its leading supplier, over time.

Each member's dependence in a year is its share (0..1) of arms imports from the supplier,
read from the indicators table: by default the organisation's leader and the package's
``dependence_indicator`` (``arms_import_share_from_RUS`` in the embedded package), else
``arms_import_share_from_<SUPPLIER>``. The value for a year is the one in force at its
end, as the strain index reads it on that day: the indicator row with the latest period
start on or before 31 December (a 2012/2016 share for 2014, the 2017/2021 share carried
on until a later one exists). The strain index's ``arms_independence`` component on that
day is one minus the yearly ``mean``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from phalanx.errors import ParameterError, UserError
from phalanx.kb.dates import parse_query_date

if TYPE_CHECKING:
    from phalanx.kb.store import KnowledgeBase

__all__ = ["leading_supplier", "dependence_indicator", "arms_dependence"]


def leading_supplier(kb: KnowledgeBase, organization: str) -> str | None:
    """The organisation's leading state: its ``leader`` column, else the package
    defaults' leader when it is the package's main organisation; None otherwise."""
    org = kb.resolve_organization(organization)
    leader = kb.organization(org).get("leader")
    if leader:
        return leader
    d = kb.defaults
    return d.leader if d.organization == org else None


def dependence_indicator(kb: KnowledgeBase, supplier: str) -> str:
    """The indicator of dependence on ``supplier``: the package's declared
    ``dependence_indicator`` when ``supplier`` is its leader, else
    ``arms_import_share_from_<supplier>``."""
    d = kb.defaults
    if d.dependence_indicator and d.leader == supplier:
        return d.dependence_indicator
    return f"arms_import_share_from_{supplier}"


def arms_dependence(
    kb: KnowledgeBase,
    organization: str,
    years: Iterable[int] | None = None,
    supplier: str | None = None,
) -> list[dict[str, Any]]:
    """Each full member's share of arms imports from ``supplier``, year by year.

    Parameters
    ----------
    organization : str
        An organisation of the knowledge base.
    years : iterable of int, optional
        The years, each reported even without data; default: from the first period start
        of the indicator to the last period end (the package's study period when the
        indicator has no rows).
    supplier : str, optional
        The supplying actor (default: the organisation's leader; a UserError when it has
        none). The supplier itself is never counted as its own member.

    Returns
    -------
    list of dict
        ``{year, supplier, indicator, mean, members, missing}``: ``members`` holds
        ``{actor, share, period, sources}`` for each member with a value at the year's
        end, ``missing`` the members without one, ``mean`` their mean share (None when
        no member has a value).
    """
    org = kb.resolve_organization(organization)
    if supplier is None:
        supplier = leading_supplier(kb, org)
        if supplier is None:
            raise UserError(
                f"{org} has no leading state to depend on; name the supplier", field="supplier"
            )
    else:
        supplier = kb.resolve_actor(supplier)
    name = dependence_indicator(kb, supplier)
    rows = kb.query(
        "SELECT actor, period, period_lo, value, sources FROM indicators WHERE indicator = ?",
        [name],
    )
    if years is None:
        if rows:
            first = min(r["period_lo"].year for r in rows)
            last = max(
                parse_query_date(str(r["period"]).split("/")[-1], end=True).year for r in rows
            )
        else:
            period = kb.defaults.period or ("2000", "2000")
            first = parse_query_date(str(period[0])).year
            last = parse_query_date(str(period[1]), end=True).year
        wanted = list(range(first, last + 1))
    else:
        wanted = sorted({int(y) for y in years})
        if any(not 1 <= y <= 9999 for y in wanted):
            raise ParameterError("years must lie in 1..9999", field="years")
    out = []
    for year in wanted:
        day = f"{year:04d}-12-31"
        members = [
            m["actor"] for m in kb.members(org, day, statuses=["member"]) if m["actor"] != supplier
        ]
        values = {r["actor"]: r for r in kb.indicators(indicator=name, at=day)} if rows else {}
        have, missing = [], []
        for m in members:
            r = values.get(m)
            if r is None:
                missing.append(m)
            else:
                have.append(
                    {
                        "actor": m,
                        "share": float(r["value"]),
                        "period": r["period"],
                        "sources": r["sources"],
                    }
                )
        mean = sum(h["share"] for h in have) / len(have) if have else None
        out.append(
            {
                "year": year,
                "supplier": supplier,
                "indicator": name,
                "mean": mean,
                "members": have,
                "missing": missing,
            }
        )
    return out
