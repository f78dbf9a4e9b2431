"""Correlates of War Formal Alliances v4.1 (Gibler 2009), dyadic and member files.

Two kinds of file, told apart by the header:

- the dyadic files (``alliance_v4.1_by_dyad.csv``, ``_by_directed.csv`` and their
  ``_yearly`` versions), 18 columns: ``version4id``, ``ccode1``, ``state_name1``,
  ``ccode2``, ``state_name2``, the dyad's start and end as day, month and year,
  ``left_censor``, ``right_censor``, the four types (``defense``, ``neutrality``,
  ``nonaggression``, ``entente``, 0 or 1) and ``version``; the yearly files add ``year``;
- the member files (``alliance_v4.1_by_member.csv`` and ``_yearly``): ``version4id``,
  ``ccode``, ``mem_st_year``, ``mem_end_year`` and, where present, the member's name, start
  and end days and months and the four types.

The dyadic files become ``alliance`` (or, for an entente only, ``partnership``) relations,
one per alliance, pair and spell; the member files become an organisation per alliance
(``COW_ALLIANCE_<version4id>``) and its membership spells.

Quirks handled (FACTS.md, section B): the "directed" files are not directed (each pair
appears both ways: one undirected relation is written); the yearly files repeat a spell
in every year and hold duplicated dyad-years (one row per spell is kept); two rows of
the directed yearly file have year 0 (dropped, with a note); an end year of 0 or empty
means the alliance is still in force (no end), as does ``right_censor = 1``; COW's end
day is the last day in force, the package's the first day after it (one day is added); a
spell that ends before it starts (dyads of states that merge) is skipped; a day or
month of 0 or -9 is unknown (the date keeps the precision that is known).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from phalanx.errors import UserError
from phalanx.ingest.common import Layout, Loaded, read_header, read_table, shown_path
from phalanx.ingest.importers import importer
from phalanx.ingest.rows import ActorResolver, PackageRows, partial_date, source_row
from phalanx.ingest.rows import source_id as make_source_id
from phalanx.kb.dates import parse_partial_date

__all__ = [
    "DYAD_LAYOUT",
    "MEMBER_LAYOUT",
    "TYPES",
    "read_cow_alliance",
    "alliance_rows",
    "import_cow_alliance",
]

TYPES = ("defense", "neutrality", "nonaggression", "entente")

_CODES = {c: (-9,) for c in ("dyad_st_day", "dyad_st_month", "dyad_end_day", "dyad_end_month")}

DYAD_LAYOUT = Layout(
    dataset="COW Formal Alliances dyadic",
    version="4.1",
    columns={
        "version4id": "BIGINT",
        "ccode1": "BIGINT",
        "state_name1": "VARCHAR",
        "ccode2": "BIGINT",
        "state_name2": "VARCHAR",
        "dyad_st_day": "BIGINT",
        "dyad_st_month": "BIGINT",
        "dyad_st_year": "BIGINT",
        "dyad_end_day": "BIGINT",
        "dyad_end_month": "BIGINT",
        "dyad_end_year": "BIGINT",
        "left_censor": "BIGINT",
        "right_censor": "BIGINT",
    }
    | {t: "BIGINT" for t in TYPES}
    | {"version": "VARCHAR"},
    optional={"year": "BIGINT"},
    missing=_CODES | {"dyad_end_year": (-9,)},
    required=("version4id", "ccode1", "ccode2"),
)
"""The 18 columns of the dyad and directed files (and ``year`` of the yearly ones)."""

MEMBER_LAYOUT = Layout(
    dataset="COW Formal Alliances member",
    version="4.1",
    columns={
        "version4id": "BIGINT",
        "ccode": "BIGINT",
        "mem_st_year": "BIGINT",
        "mem_end_year": "BIGINT",
    },
    optional={
        "state_name": "VARCHAR",
        "mem_st_day": "BIGINT",
        "mem_st_month": "BIGINT",
        "mem_end_day": "BIGINT",
        "mem_end_month": "BIGINT",
        "left_censor": "BIGINT",
        "right_censor": "BIGINT",
        "year": "BIGINT",
        "version": "VARCHAR",
    }
    | {t: "BIGINT" for t in TYPES},
    missing={c: (-9,) for c in ("mem_st_day", "mem_st_month", "mem_end_day", "mem_end_month")}
    | {"mem_end_year": (-9,)},
    required=("version4id", "ccode"),
)
"""The member files: the columns public scripts confirm, the rest read when present."""

CITATION = (
    "Gibler, Douglas M. 2009. International Military Alliances, 1648-2008. CQ Press. "
    "Correlates of War Formal Alliances dataset, version {version}"
)
URL = "https://correlatesofwar.org/data-sets/formal-alliances/"


def read_cow_alliance(con: Any, path: str | Path, *, table: str = "cow_alliance") -> Loaded:
    """Read a COW alliance file (dyadic or member, by its header) into ``table``.

    A header with neither ``ccode1, ccode2`` nor ``ccode`` is a UserError that lists the
    columns of both layouts and the columns found. O(rows).
    """
    header = read_header(path, what="COW alliance") if Path(path).is_file() else []
    if header and "ccode1" not in header and "ccode" not in header:
        raise UserError(
            "is not in a COW Formal Alliances layout: expected the columns "
            f"{', '.join(DYAD_LAYOUT.columns)} (dyadic files) or "
            f"{', '.join(MEMBER_LAYOUT.columns)} (member files); found {', '.join(header)}",
            file=shown_path(path),
        )
    layout = MEMBER_LAYOUT if header and "ccode1" not in header else DYAD_LAYOUT
    loaded = read_table(con, path, layout, table=table)
    version = con.execute(f"SELECT min(version) FROM {table} WHERE version IS NOT NULL").fetchone()[
        0
    ]
    if version:
        from dataclasses import replace

        loaded = replace(loaded, source=replace(loaded.source, version=str(version).strip()))
    return loaded


def _kind(flags: dict[str, Any]) -> tuple[str, float, str] | None:
    """(relation kind, intensity, words) for an alliance's types; None with no type."""
    if flags.get("defense") == 1:
        return "alliance", 1.0, "defence pact"
    if flags.get("neutrality") == 1 or flags.get("nonaggression") == 1:
        words = "neutrality pact" if flags.get("neutrality") == 1 else "non-aggression pact"
        return "alliance", 0.5, words
    if flags.get("entente") == 1:
        return "partnership", 0.3, "entente"
    return None


def _end(start: str, end: str | None) -> tuple[str | None, str | None]:
    """The spell's end in the package's sense (the first day it no longer holds), and a
    problem in words. COW's end date is the last day in force (a dyad of two states that
    merge on 22 May 1990 runs from 22 May to 21 May: it never held), so a day-precision
    end moves one day later; a month or year end is kept as it is."""
    if end is None:
        return None, None
    s, e = parse_partial_date(start), parse_partial_date(end)
    if e.precision == "day":
        e_next = e.earliest + dt.timedelta(days=1)
        if e_next <= s.earliest:
            return None, "it ends before it starts"
        return e_next.isoformat(), None
    if e.latest < s.earliest:
        return None, "it ends before it starts"
    return end, None


def _in_years(start: str, end: str | None, first: int | None, last: int | None) -> bool:
    s = int(start[:4])
    e = None if end is None else int(end[:4])
    return (last is None or s <= last) and (first is None or e is None or e >= first)


def _spells(con: Any, table: str, prefix: str, code: str, extra: str) -> list[dict[str, Any]]:
    """Distinct spells of the table (a yearly file repeats them; year 0 rows excluded)."""
    cols = (
        f"version4id, {code}, {prefix}_st_year, {prefix}_st_month, {prefix}_st_day, "
        f"{prefix}_end_year, {prefix}_end_month, {prefix}_end_day, right_censor, "
        f"{', '.join(TYPES)}{extra}"
    )
    q = f"SELECT DISTINCT {cols} FROM {table} WHERE year IS NULL OR year <> 0 ORDER BY ALL"
    cur = con.execute(q)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def alliance_rows(
    con: Any,
    loaded: Loaded,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> PackageRows:
    """Map a COW alliance table (read by :func:`read_cow_alliance`) to package rows."""
    src = loaded.source
    source_id = make_source_id(src, "cow-alliance")
    sources = [
        source_row(src, id=source_id, citation=CITATION.format(version=src.version), url=URL)
    ]
    resolver = ActorResolver(source_id, actors=actors)
    notes: list[str] = []
    t = loaded.table
    zero = con.execute(f"SELECT count(*) FROM {t} WHERE year = 0").fetchone()[0]
    if zero:
        notes.append(f"{zero} rows with year 0 were dropped (a known error of the file).")
    if "ccode1" in loaded.relation.columns:
        tables = _dyad_rows(con, t, resolver, source_id, start, end, notes)
    else:
        tables = _member_rows(con, t, resolver, source_id, start, end, notes)
    tables["actors"] = resolver.new + tables.get("actors", [])
    return PackageRows(tables, sources, notes)


def _dyad_rows(con, t, resolver, source_id, first, last, notes) -> dict[str, list]:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {t}_u AS SELECT version4id, "
        "least(ccode1, ccode2) AS ccode1, greatest(ccode1, ccode2) AS ccode2, "
        "CASE WHEN ccode1 < ccode2 THEN state_name1 ELSE state_name2 END AS name1, "
        "CASE WHEN ccode1 < ccode2 THEN state_name2 ELSE state_name1 END AS name2, "
        "dyad_st_year, dyad_st_month, dyad_st_day, dyad_end_year, dyad_end_month, "
        f"dyad_end_day, right_censor, {', '.join(TYPES)}, year FROM {t}"
    )
    spells = _spells(con, f"{t}_u", "dyad", "ccode1, ccode2", ", name1, name2")
    out: dict[str, dict[str, Any]] = {}
    skipped = {"no start year": 0, "no type": 0, "it ends before it starts": 0}
    for s in spells:
        begin = partial_date(s["dyad_st_year"], s["dyad_st_month"], s["dyad_st_day"])
        if begin is None:
            skipped["no start year"] += 1
            continue
        kind = _kind(s)
        if kind is None:
            skipped["no type"] += 1
            continue
        stop = None
        if s["right_censor"] != 1:
            stop = partial_date(s["dyad_end_year"], s["dyad_end_month"], s["dyad_end_day"])
        stop, problem = _end(begin, stop)
        if problem:
            skipped["it ends before it starts"] += 1
            continue
        if not _in_years(begin, stop, first, last):
            continue
        c1, c2 = int(s["ccode1"]), int(s["ccode2"])
        if not resolver.wanted((resolver.peek(c1), resolver.peek(c2))):
            continue
        a, b = resolver.resolve(c1, s["name1"]), resolver.resolve(c2, s["name2"])
        rid = f"cow-alliance-{s['version4id']}-{c1}-{c2}-{begin}"
        row = out.get(rid)
        if row is not None:  # the same spell twice, with different ends: the later wins
            if row["end"] is not None and (stop is None or stop > row["end"]):
                row["end"] = stop
            continue
        out[rid] = {
            "id": rid,
            "actor_a": a,
            "actor_b": b,
            "kind": kind[0],
            "directed": False,
            "sign": 1,
            "intensity": kind[1],
            "start": begin,
            "end": stop,
            "certainty": "single_source",
            "note": f"COW alliance {s['version4id']} ({kind[2]}); COW codes {c1} and {c2}.",
            "sources": [source_id],
        }
    _skip_notes(skipped, notes, "dyad spells")
    return {"relations": list(out.values())}


def _skip_notes(skipped: dict[str, int], notes: list[str], what: str) -> None:
    for why, n in skipped.items():
        if n:
            notes.append(f"{n} {what} were skipped: {why}.")


def _member_rows(con, t, resolver, source_id, first, last, notes) -> dict[str, list]:
    spells = _spells(con, t, "mem", "ccode", ", state_name")
    by_alliance: dict[int, list[dict[str, Any]]] = {}
    skipped = {"no start year": 0, "it ends before it starts": 0}
    for s in spells:
        begin = partial_date(s["mem_st_year"], s["mem_st_month"], s["mem_st_day"])
        if begin is None:
            skipped["no start year"] += 1
            continue
        stop = None
        if s["right_censor"] != 1:
            stop = partial_date(s["mem_end_year"], s["mem_end_month"], s["mem_end_day"])
        stop, problem = _end(begin, stop)
        if problem:
            skipped["it ends before it starts"] += 1
            continue
        by_alliance.setdefault(int(s["version4id"]), []).append(s | {"b": begin, "e": stop})
    _skip_notes(skipped, notes, "member spells")
    orgs, actor_rows, memberships = [], [], []
    for aid, members in sorted(by_alliance.items()):
        if not any(_in_years(m["b"], m["e"], first, last) for m in members):
            continue
        if not resolver.wanted({resolver.peek(m["ccode"]) for m in members}):
            continue
        org = f"COW_ALLIANCE_{aid}"
        flags = {ty: max((m[ty] or 0) for m in members) for ty in TYPES}
        kind = _kind(flags)
        org_kind = {"alliance": "collective_defence", "partnership": "partnership"}[
            kind[0] if kind else "partnership"
        ]
        if kind and kind[1] < 1:
            org_kind = "security_cooperation"
        words = kind[2] if kind else "alliance of no recorded type"
        founded = min((m["b"] for m in members), key=lambda d: parse_partial_date(d).earliest)
        ends = [m["e"] for m in members]
        dissolved = None
        if all(e is not None for e in ends):
            dissolved = max(ends, key=lambda d: parse_partial_date(d).latest)
        name = f"COW alliance {aid}"
        note = f"COW Formal Alliances version4id {aid} ({words}); the file gives no name."
        actor_rows.append(
            {
                "id": org,
                "name": name,
                "kind": "organization",
                "cow_code": None,
                "aliases": None,
                "note": note,
                "sources": [source_id],
            }
        )
        orgs.append(
            {
                "id": org,
                "name": name,
                "kind": org_kind,
                "founded": founded,
                "dissolved": dissolved,
                "decision_rule": "unknown",
                "dispute_mechanism": None,
                "leader": None,
                "coverage": None,
                "note": note,
                "sources": [source_id],
            }
        )
        memberships += _member_spells(org, aid, members, resolver, source_id)
    return {"actors": actor_rows, "organizations": orgs, "memberships": memberships}


def _member_spells(org, aid, members, resolver, source_id) -> list[dict[str, Any]]:
    """One spell per stretch of membership: overlapping or repeated spells are merged."""
    out: list[dict[str, Any]] = []
    by_code: dict[int, list[dict[str, Any]]] = {}
    for m in members:
        by_code.setdefault(int(m["ccode"]), []).append(m)
    for code, spells in sorted(by_code.items()):
        spells.sort(key=lambda m: parse_partial_date(m["b"]).earliest)
        merged: list[list[Any]] = []
        for m in spells:
            if merged and (
                merged[-1][1] is None
                or parse_partial_date(merged[-1][1]).earliest > parse_partial_date(m["b"]).earliest
            ):
                last = merged[-1]
                if last[1] is not None and (
                    m["e"] is None
                    or parse_partial_date(m["e"]).latest > parse_partial_date(last[1]).latest
                ):
                    last[1] = m["e"]
                continue
            merged.append([m["b"], m["e"]])
        actor = resolver.resolve(code, spells[0].get("state_name"))
        for begin, stop in merged:
            out.append(
                {
                    "organization": org,
                    "actor": actor,
                    "status": "member",
                    "start": begin,
                    "end": stop,
                    "certainty": "single_source",
                    "note": f"COW alliance {aid}; COW code {code}.",
                    "sources": [source_id],
                }
            )
    return out


@importer("cow-alliance", help="COW Formal Alliances v4.1: dyadic, directed or member files.")
def import_cow_alliance(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """Rows of a COW alliance file: relations from a dyadic file, organisations and
    memberships from a member file; spells overlapping the years ``start``..``end``."""
    import duckdb

    con = duckdb.connect()
    try:
        if progress:
            progress(0)
        loaded = read_cow_alliance(con, path)
        rows = alliance_rows(con, loaded, actors=actors, start=start, end=end)
        if progress:
            progress(Path(path).stat().st_size)
        return rows
    finally:
        con.close()
