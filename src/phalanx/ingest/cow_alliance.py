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
appears both ways: one undirected relation is written; where the two ways differ, the
stronger type counts and the relation is directed from the state that gives it); the yearly files repeat a spell
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
from phalanx.ingest._run import check_range
from phalanx.ingest.alliance_members import in_years, organisation_rows
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


_LEVELS = {
    3: ("alliance", 1.0, "defence pact"),
    2: ("alliance", 0.5, "neutrality or non-aggression pact"),
    1: ("partnership", 0.3, "entente"),
}


def _level(flags: dict[str, Any]) -> int:
    """3 defence, 2 neutrality or non-aggression, 1 entente only, 0 no type."""
    if flags.get("defense") == 1:
        return 3
    if flags.get("neutrality") == 1 or flags.get("nonaggression") == 1:
        return 2
    return 1 if flags.get("entente") == 1 else 0


def _kind(flags: dict[str, Any]) -> tuple[str, float, str] | None:
    """(relation kind, intensity, words) for an alliance's types; None with no type."""
    return _LEVELS.get(_level(flags))


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


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two ends (None, still in force, is latest)."""
    if a is None or b is None:
        return None
    return max(a, b, key=lambda d: parse_partial_date(d).latest)


def _dyad_rows(con, t, resolver, source_id, first, last, notes) -> dict[str, list]:
    """One relation per alliance, pair and start. The two directions of a pair usually
    agree, and many pairs are written one way only (which says nothing of direction);
    where both ways are written and differ (the United Kingdom's defence pledge to Libya,
    1953, met by an entente only), the stronger type counts and the tie is directed from
    the state that gives it."""
    spells = _spells(con, t, "dyad", "ccode1, ccode2", ", state_name1, state_name2")
    found: dict[tuple[int, int, int, str], dict[str, Any]] = {}
    empty: set[tuple[int, int, int, str]] = set()  # spells that never held
    skipped = {
        "no start year": 0,
        "no type": 0,
        "it ends before it starts": 0,
        "a state paired with itself": 0,
    }
    for s in spells:
        begin = partial_date(s["dyad_st_year"], s["dyad_st_month"], s["dyad_st_day"])
        if begin is None:
            skipped["no start year"] += 1
            continue
        stop = None
        if s["right_censor"] != 1:
            stop = partial_date(s["dyad_end_year"], s["dyad_end_month"], s["dyad_end_day"])
        stop, problem = _end(begin, stop)
        c1, c2 = int(s["ccode1"]), int(s["ccode2"])
        if c1 == c2:  # no tie: a broken row
            skipped["a state paired with itself"] += 1
            continue
        lo, hi = min(c1, c2), max(c1, c2)
        key = (int(s["version4id"]), lo, hi, begin)
        if problem:
            empty.add(key)
            continue
        f = found.setdefault(key, {"up": None, "down": None, "end": stop, "names": {}})
        way = "up" if c1 < c2 else "down"
        f[way] = max(f[way] or 0, _level(s))
        f["end"] = _later(f["end"], stop)
        f["names"][c1], f["names"][c2] = s["state_name1"], s["state_name2"]
    skipped["it ends before it starts"] = len(empty - set(found))
    out = []
    for (aid, lo, hi, begin), f in found.items():
        level = max(f["up"] or 0, f["down"] or 0)
        if level == 0:
            skipped["no type"] += 1
            continue
        if not in_years(begin, f["end"], first, last):
            continue
        if not resolver.wanted((resolver.peek(lo), resolver.peek(hi))):
            continue
        kind, intensity, words = _LEVELS[level]
        giver, taker = (hi, lo) if (f["down"] or 0) > (f["up"] or 0) else (lo, hi)
        if resolver.peek(giver) == resolver.peek(taker):  # two codes of one actor
            skipped["a state paired with itself"] += 1
            continue
        a, b = (
            resolver.resolve(giver, f["names"][giver]),
            resolver.resolve(taker, f["names"][taker]),
        )
        one_way = None not in (f["up"], f["down"]) and f["up"] != f["down"]
        out.append(
            {
                "id": f"cow-alliance-{aid}-{lo}-{hi}-{begin}",
                "actor_a": a,
                "actor_b": b,
                "kind": kind,
                "directed": one_way,
                "sign": 1,
                "intensity": intensity,
                "start": begin,
                "end": f["end"],
                "certainty": "single_source",
                "note": (
                    f"COW alliance {aid} ({words}"
                    f"{f', pledged by {giver} only' if one_way else ''}); "
                    f"COW codes {lo} and {hi}."
                ),
                "sources": [source_id],
            }
        )
    _skip_notes(skipped, notes, "dyad spells")
    return {"relations": out}


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
        by_alliance.setdefault(int(s["version4id"]), []).append(
            {
                "code": s["ccode"],
                "name": s["state_name"],
                "start": begin,
                "end": stop,
                "level": _level(s),
            }  # fmt: skip
        )
    _skip_notes(skipped, notes, "member spells")
    return organisation_rows(
        by_alliance,
        prefix="COW_ALLIANCE",
        label="COW alliance",
        resolver=resolver,
        source_id=source_id,
        first=first,
        last=last,
    )


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
        dyadic = "ccode1" in loaded.relation.columns
        codes = ("ccode1", "ccode2") if dyadic else ("ccode",)
        years = ("dyad_st_year", "dyad_end_year") if dyadic else ("mem_st_year", "mem_end_year")
        check_range(con, loaded.table, codes, 1, 999, "a COW code", path)
        check_range(con, loaded.table, ("version4id",), 1, 10**9, "an alliance number", path)
        check_range(con, loaded.table, (*years, "year"), 0, 9999, "a year (0: none)", path)
        rows = alliance_rows(con, loaded, actors=actors, start=start, end=end)
        if progress:
            progress(Path(path).stat().st_size)
        return rows
    finally:
        con.close()
