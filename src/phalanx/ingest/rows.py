"""Data-package rows made by an importer: what a dataset becomes before it is written.

An importer (:mod:`phalanx.ingest.importers`) maps a dataset file to a
:class:`PackageRows`: rows of the core tables (:mod:`phalanx.kb.schema`) as plain values,
the rows of the sources table that cite the dataset, and notes for the user on what was
skipped or assumed. :func:`phalanx.ingest.package_writer.write_package` writes them as a
data package meant to be layered on the embedded one (``on_top``), so rows may refer to
the embedded package's actors and organisations without repeating them.

Actors are matched by their Correlates of War code (``actors.cow_code``):
:func:`actor_codes` maps the codes of the knowledge base to its actor ids, and
:func:`actor_row` makes a new actor, with id ``COW<code>``, for a code the knowledge base
lacks, so the dataset's own identifier is kept in the id and in ``cow_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from phalanx.kb.schema import CORE_TABLES

if TYPE_CHECKING:
    from phalanx.kb.store import KnowledgeBase

__all__ = ["PackageRows", "actor_codes", "actor_row", "new_actor_id", "merge_rows", "source_row"]


@dataclass
class PackageRows:
    """Rows for a data package.

    ``tables`` maps a core table name to its rows (dicts of schema fields holding text,
    numbers, booleans, lists for list fields, or None); ``sources`` holds the rows of the
    sources table citing the dataset (``id, citation, url, reliability, accessed,
    note``); ``notes`` says, in sentences, what was skipped or assumed.
    """

    tables: dict[str, list[dict[str, Any]]]
    sources: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def count(self) -> dict[str, int]:
        """Rows per table (sources included), for messages: ``{"relations": 12, ...}``."""
        out = {"sources": len(self.sources)}
        out.update({name: len(rows) for name, rows in self.tables.items() if rows})
        return out


@lru_cache(maxsize=1)
def _embedded_codes() -> tuple[tuple[int, str], ...]:
    from phalanx.kb.package import load_package

    rows = load_package().rows("actors")
    return tuple(sorted((int(r["cow_code"]), r["id"]) for r in rows if r.get("cow_code")))


def actor_codes(kb: KnowledgeBase | None = None) -> dict[int, str]:
    """COW (or Gleditsch-Ward) state code -> actor id, from ``kb``'s ``actors.cow_code``
    (the embedded package when ``kb`` is None). Where two actors share a code, the one
    whose id sorts first is kept.

    >>> actor_codes()[365]
    'RUS'
    """
    if kb is None:
        pairs = list(_embedded_codes())
    else:
        pairs = sorted(
            (int(a["cow_code"]), a["id"]) for a in kb.actors() if a.get("cow_code") is not None
        )
    out: dict[int, str] = {}
    for code, actor in pairs:
        out.setdefault(code, actor)
    return out


def new_actor_id(code: int) -> str:
    """The actor id of a state known only by its COW code: ``COW<code>``.

    >>> new_actor_id(2)
    'COW2'
    """
    return f"COW{int(code)}"


def actor_row(code: int, name: str | None, source_id: str) -> dict[str, Any]:
    """A new state actor for the COW code ``code`` (1-999), named ``name`` (or
    "COW state <code>" when the dataset gives no name), citing ``source_id``.

    >>> actor_row(2, "United States of America", "cow-alliance-4.1")["id"]
    'COW2'
    """
    code = int(code)
    if not 1 <= code <= 999:
        raise ValueError(f"COW code {code} is outside 1-999")
    return {
        "id": new_actor_id(code),
        "name": name or f"COW state {code}",
        "kind": "state",
        "cow_code": code,
        "aliases": None,
        "note": f"COW code {code}; not in the knowledge base, added by the importer.",
        "sources": [source_id],
    }


def _key(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    from phalanx.kb.schema import core_schema

    pk = core_schema(table).primaryKey if table in CORE_TABLES else []
    if table == "sources" or not pk:
        pk = ["id"] if "id" in row else sorted(row)
    return tuple(str(row.get(k)) for k in pk)


def merge_rows(parts: list[PackageRows]) -> PackageRows:
    """One :class:`PackageRows` from several, in order: rows with the same primary key
    (sources: the same id) are kept once (the first), so two importers that both add the
    actor ``COW2`` give one row; notes are concatenated."""
    tables: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, set[tuple[Any, ...]]] = {}
    sources: list[dict[str, Any]] = []
    notes: list[str] = []
    for part in parts:
        for name, rows in part.tables.items():
            out = tables.setdefault(name, [])
            keys = seen.setdefault(name, set())
            for row in rows:
                k = _key(name, row)
                if k not in keys:
                    keys.add(k)
                    out.append(row)
        keys = seen.setdefault("\0sources", set())
        for row in part.sources:
            if row["id"] not in keys:
                keys.add(row["id"])
                sources.append(row)
        notes += part.notes
    return PackageRows(tables, sources, notes)


def source_row(
    source: Any,
    *,
    id: str,
    citation: str,
    url: str,
    accessed: str | None = None,
    reliability: str = "scholarly",
) -> dict[str, Any]:
    """The sources-table row citing a dataset read as ``source`` (a
    :class:`~phalanx.ingest.common.Source`): ``citation`` names the dataset and its
    version, ``accessed`` is the day the file was read (default: today, UTC), and the
    note records the file's name, sha256 and rows read, so the row says exactly which
    copy of the dataset the package came from."""
    import datetime as _dt

    day = accessed or _dt.datetime.now(_dt.UTC).date().isoformat()
    return {
        "id": id,
        "citation": citation,
        "url": url,
        "reliability": reliability,
        "accessed": day,
        "note": f"Imported from {source.file} (sha256 {source.sha256}, {source.rows} rows read).",
    }
