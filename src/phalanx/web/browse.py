"""Browsing a knowledge-base table: filter, count and page its rows, with their sources.

The rows come from the loaded package (``kb.package.rows``), already validated against
the schema, so no request text ever reaches SQL: the table name is looked up among the
package's tables, column names among the table's fields, and the filters compare cell
text in Python.

>>> from phalanx.kb import KnowledgeBase
>>> kb = KnowledgeBase.embedded()
>>> page = browse(kb, "organizations", where=["kind:collective_defence"], limit=5)
>>> [r["id"] for r in page["rows"]], page["matched"] <= page["total"]
(['CSTO', 'NATO'], True)
>>> browse(kb, "nope")
Traceback (most recent call last):
...
phalanx.kb.store.UnknownIdError: field 'table': no table 'nope' in the data package; known: actors, events, indicators, memberships, organizations, provisions, relations, sources, votes
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from phalanx.errors import UserError

__all__ = ["MAX_LIMIT", "browse", "table_list", "licences"]

MAX_LIMIT = 500
"""Most rows one page of a table shows (downloads give every matching row)."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def _matches(value: Any, wanted: str) -> bool:
    """A cell equals ``wanted`` (for a list cell: one of its items does)."""
    if isinstance(value, list | tuple):
        return wanted in (str(v) for v in value)
    return _text(value) == wanted


def licences(kb: Any) -> list[dict[str, Any]]:
    """The licences the package's layers declare (``licenses`` of each datapackage.json),
    each with the layer it comes from."""
    out = []
    for d in kb.package.descriptors:
        for lic in d.licenses:
            out.append({"package": f"{d.name}@{d.version}", **lic})
    return out


def table_list(kb: Any) -> list[dict[str, Any]]:
    """Every table of the package: name, row count, fields (name, type, description)."""
    out = []
    for name, table in kb.package.tables.items():
        fields = [
            {"name": f.name, "type": f.type, "description": f.description or ""}
            for f in table.resource.table_schema.fields
        ]
        out.append({"name": name, "rows": len(table.rows), "fields": fields})
    return out


def browse(
    kb: Any,
    table: str,
    *,
    q: str | None = None,
    where: Sequence[str] = (),
    ids: Sequence[str] = (),
    offset: int = 0,
    limit: int | None = 50,
) -> dict[str, Any]:
    """One page of ``table``'s rows that match every filter, with the sources they cite.

    ``q``: text found (case-insensitive) in any cell; ``where``: ``column:value`` filters
    (exact cell text; a list cell matches when one item is the value), all of which must
    hold; ``ids``: keep rows whose ``id`` is one of these; ``offset`` (0 or more) and
    ``limit`` (1 to :data:`MAX_LIMIT`, or None for every matching row) choose the page.
    An unknown table is an UnknownIdError (field ``table``), an unknown column or a filter
    without ``:`` a UserError (field ``where``).

    Returns ``{table, columns, total, matched, offset, limit, rows, sources}``:
    ``total`` rows in the table, ``matched`` after the filters, ``sources`` the source rows
    cited by the rows shown.
    """
    from phalanx.kb.store import UnknownIdError

    tables = kb.package.tables
    if table not in tables:
        raise UnknownIdError(
            f"no table {table!r} in the data package; known: {', '.join(sorted(tables))}",
            field="table",
        )
    if offset < 0:
        raise UserError(f"must be 0 or more; got {offset}", field="offset")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"must lie in 1..{MAX_LIMIT}; got {limit}", field="limit")
    columns = [f.name for f in tables[table].resource.table_schema.fields]
    filters = []
    for w in where:
        column, sep, value = w.partition(":")
        if not sep:
            raise UserError(f"expected COLUMN:VALUE; got {w!r}", field="where")
        if column not in columns:
            raise UserError(
                f"no column {column!r} in table {table!r}; columns: {', '.join(columns)}",
                field="where",
            )
        filters.append((column, value))
    if ids and "id" not in columns:
        raise UserError(f"table {table!r} has no id column", field="id")
    wanted_ids = set(ids)
    needle = None if not q else q.lower()
    rows = []
    all_rows = tables[table].rows
    for r in all_rows:
        if wanted_ids and str(r.get("id")) not in wanted_ids:
            continue
        if any(not _matches(r.get(c), v) for c, v in filters):
            continue
        if needle is not None and not any(needle in _text(r.get(c)).lower() for c in columns):
            continue
        rows.append({c: r.get(c) for c in columns})
    shown = rows[offset:] if limit is None else rows[offset : offset + limit]
    cited = sorted({s for r in shown for s in (r.get("sources") or [])})
    if table == "sources":
        cited = sorted({str(r["id"]) for r in shown} | set(cited))
    return {
        "table": table,
        "columns": columns,
        "total": len(all_rows),
        "matched": len(rows),
        "offset": offset,
        "limit": limit,
        "rows": shown,
        "sources": kb.sources(cited) if cited else [],
    }
