"""Candidates as rows of the data-package format, and the package ``--output`` writes.

Each dated candidate that is new or contradicts a row becomes an ``events`` row for an
analyst to review: its kind, date (precision kept), actors and organisation; a summary
saying it is a candidate; ``certainty`` ``single_source`` or ``inferred``; a note quoting
the sentence with its character span and the comparison with the knowledge base; and the
article as its source. Candidates the knowledge base already knows are left out (layering
them would count an event twice) and listed in the notes.

The package is written by :func:`phalanx.ingest.package_writer.write_package` (all or
nothing, validated on top of the embedded package). So that it also validates when the
article was read against another package, the actors and organisations the rows cite are
copied in from the knowledge base, with their sources: on top of that package the copies
replace identical rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phalanx.errors import UserError
from phalanx.ingest.extract import Extraction
from phalanx.ingest.rows import PackageRows
from phalanx.kb.schema import core_schema, safe_url

if TYPE_CHECKING:
    from phalanx.kb import KnowledgeBase

__all__ = ["article_source", "candidate_rows", "write_candidates"]

RELIABILITY = ("official", "scholarly", "news", "reference", "state_media", "aggregator")


def article_source(
    text: str, name: str, *, url: str, reliability: str = "news", accessed: dt.date | None = None
) -> dict[str, Any]:
    """The sources row of an article: an id from its SHA-256, its first line as the
    citation, ``url`` (http or https), ``reliability`` (a grade of the schema)."""
    if safe_url(url) is None or not re.match(r"https?://\S+$", url):
        raise UserError(f"{url!r} is not an http(s) URL", field="--url")
    if reliability not in RELIABILITY:
        raise UserError(
            f"{reliability!r} is not a grade; expected one of {', '.join(RELIABILITY)}",
            field="--reliability",
        )
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    title = next((ln.strip() for ln in text.splitlines() if ln.strip()), name)[:200]
    return {
        "id": f"article-{sha[:12]}",
        "citation": f"{title} (article file {name})",
        "url": url,
        "reliability": reliability,
        "accessed": (accessed or dt.date.today()).isoformat(),
        "note": f"Read by phalanx extract: file {name}, sha256 {sha}, {len(text)} characters.",
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def candidate_rows(extraction: Extraction, source_id: str) -> tuple[list[dict], list[str]]:
    """(events rows, notes) for the candidates that are new or contradict a row."""
    names = core_schema("events").names
    rows, notes, ids = [], [], set()
    for c in extraction.candidates:
        if c.status == "known":
            notes.append(f"{c.kind} {'/'.join(c.actors)} {c.date}: known ({', '.join(c.kb_rows)})")
            continue
        base = f"x-{c.date}-{_slug(c.kind)}-{_slug('-'.join(c.actors))}"
        rid, n = base, 2
        while rid in ids:
            rid, n = f"{base}-{n}", n + 1
        ids.add(rid)
        where = f"sentence {c.sentence_index + 1}, characters {c.span[0]}-{c.span[1]}"
        versus = f" Knowledge base: {c.status}" + (
            f" ({', '.join(c.kb_rows)}: {c.explanation})." if c.kb_rows else "."
        )
        why = f" Inferred: {'; '.join(c.reasons)}." if c.reasons else ""
        row = dict.fromkeys(names)
        row.update(
            id=rid,
            date=c.date,
            kind=c.kind,
            actors=list(c.actors),
            organization=c.organization,
            summary=f"Candidate {c.kind.replace('_', ' ')} proposed by phalanx extract from "
            f"the words {c.trigger!r}; to be checked by an analyst.",
            certainty=c.certainty,
            note=f'From {where}: "{c.sentence}".{versus}{why}',
            sources=[source_id],
        )
        rows.append(row)
    for c in extraction.undated:
        notes.append(f"{c.kind} {'/'.join(c.actors)}: no date in reach, no row ({c.sentence!r})")
    return rows, notes


def _cited(kb: KnowledgeBase, events: list[dict]) -> dict[str, list[dict]]:
    """The actors and organisations rows the events cite (organisations' leaders too),
    and the sources those rows cite, copied from ``kb``."""
    actor_ids = {a for e in events for a in e["actors"]}
    org_ids = {e["organization"] for e in events if e["organization"]}
    orgs = _select(kb, "organizations", org_ids)
    actor_ids |= org_ids | {o["leader"] for o in orgs if o.get("leader")}
    actors = _select(kb, "actors", actor_ids)
    source_ids = {s for r in actors + orgs for s in (r.get("sources") or [])}
    return {"actors": actors, "organizations": orgs, "sources": _select(kb, "sources", source_ids)}


def _select(kb: KnowledgeBase, table: str, ids: set[str]) -> list[dict]:
    if not ids:
        return []
    cols = ", ".join(f'"{n}"' for n in core_schema(table).names)
    return kb.query(
        f"SELECT {cols} FROM {table} WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY id",
        sorted(ids),
    )


def write_candidates(
    extraction: Extraction,
    kb: KnowledgeBase,
    folder: str | Path,
    source: dict[str, Any],
    *,
    force: bool = False,
) -> tuple[Path, list[str]]:
    """Write the candidates as a data package in ``folder``; (path, notes)."""
    from phalanx.ingest.package_writer import write_package

    events, notes = candidate_rows(extraction, source["id"])
    cited = _cited(kb, events)
    sources = [source, *(s for s in cited["sources"] if s["id"] != source["id"])]
    rows = PackageRows(
        tables={
            "actors": cited["actors"],
            "organizations": cited["organizations"],
            "events": events,
        },
        sources=sources,
        notes=notes,
    )
    name = "extract-" + source["id"].removeprefix("article-")
    path = write_package(rows, folder, name=name, title=source["citation"], force=force)
    return path, notes
