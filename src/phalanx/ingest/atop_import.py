"""ATOP 5.x as package rows: the directed dyad-year file as alliance relations over spells
of years, and the member-level file as organisations and membership spells.

**Directed dyad-years.** The file (:mod:`phalanx.ingest.atop`) says, for each ordered pair and year, which pledges
link the pair. Each pair and year gets its strongest pledge in either direction: defence
or offence (``alliance``, intensity 1.0, the codebook's rule for a mutual-defence or
assistance clause), neutrality or non-aggression (``alliance``, 0.5), consultation only
(``partnership``, 0.3). Consecutive years with the same level make one relation; it is
``directed``, from the state that gives the pledge (``ccode1``) to the one that gets it,
when in every one of its years the pledge runs that way only (the United States'
guarantee to Japan from 1951), and undirected otherwise. A relation runs from its first year to the year after its last (year precision, end
exclusive); a spell that runs to the file's last year is still in force (no end), since the
file cannot tell an end then from the end of its coverage. Ids keep the COW codes and the
first year: ``atop-<low code>-<high code>-<year>``.

**Members** (``atop5_1m.csv``: ``atopid, member, yrent, moent, dayent, yrexit, moexit,
dayexit`` and the pledges ``defense, offense, neutral, nonagg, consul``; told apart by
its ``atopid`` column). Each alliance becomes the organisation ``ATOP_<atopid>`` and its
members' spells (:mod:`phalanx.ingest.alliance_members`); a member's rows for the phases
of an alliance merge into one spell. ``yrexit`` 0 means still a member; a day or month of 0
or -9 is unknown. The exit date is taken as the first day the member is no longer bound.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phalanx.errors import UserError
from phalanx.ingest._run import check_years, codes_sql, connection, years_sql
from phalanx.ingest.alliance_members import organisation_rows
from phalanx.ingest.atop import ATOP_LAYOUT, read_atop
from phalanx.ingest.common import Layout, read_header, read_table, shown_path
from phalanx.ingest.importers import importer
from phalanx.ingest.rows import ActorResolver, PackageRows, partial_date, source_id, source_row
from phalanx.kb.dates import parse_partial_date

__all__ = ["LEVELS", "MEMBER_LAYOUT", "import_atop"]

_PLEDGES = ("defense", "offense", "neutral", "nonagg", "consul")
_DATES = ("moent", "dayent", "moexit", "dayexit")

MEMBER_LAYOUT = Layout(
    dataset="ATOP member-level",
    version="5.1",
    columns={"atopid": "BIGINT", "member": "BIGINT", "yrent": "BIGINT"}
    | {"moent": "BIGINT", "dayent": "BIGINT", "yrexit": "BIGINT", "moexit": "BIGINT"}
    | {"dayexit": "BIGINT"}
    | {p: "BIGINT" for p in _PLEDGES},
    missing={c: (-9,) for c in (*_DATES, "yrexit", *_PLEDGES)},
    required=("atopid", "member", "yrent"),
)
"""ATOP's member-level file: the columns the codebook lists first; others are dropped."""

LEVELS = {3: ("alliance", 1.0, "defence or offence"), 2: ("alliance", 0.5, "neutrality or non-aggression"), 1: ("partnership", 0.3, "consultation")}  # fmt: skip
"""Pledge level -> (relation kind, intensity, words)."""

CITATION = (
    "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell and Andrew G. Long. "
    "2002. Alliance Treaty Obligations and Provisions, 1815-1944. International "
    "Interactions 28: 237-260. ATOP dataset, version {version}, directed dyad-years"
)
URL = "http://www.atopdata.org/data.html"

_LEVEL = (
    "CASE WHEN coalesce(atop_defense, 0) = 1 OR coalesce(atop_offense, 0) = 1 THEN 3 "
    "WHEN coalesce(atop_neutral, 0) = 1 OR coalesce(atop_nonagg, 0) = 1 THEN 2 "
    "WHEN coalesce(atop_consul, 0) = 1 THEN 1 ELSE 0 END"
)


@importer("atop", help="ATOP 5.x directed dyad-years (ccode1, ccode2, year, pledges).")
def import_atop(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """Alliance relations from an ATOP directed dyad-year file, or organisations and
    memberships from the member-level file; years ``start``..``end``."""
    check_years(start, end)
    header = read_header(path, what="ATOP") if Path(path).is_file() else []
    if "atopid" in header:
        return _members(path, actors, start, end, progress)
    if header and "ccode1" not in header:
        raise UserError(
            "is not in an ATOP layout: expected the columns "
            f"{', '.join(ATOP_LAYOUT.columns)} (directed dyad-years) or "
            f"{', '.join(MEMBER_LAYOUT.columns)} (member-level); found {', '.join(header)}",
            file=shown_path(path),
        )
    with connection(path, progress) as con:
        loaded = read_atop(con, path)
        src = loaded.source
        sid = source_id(src, "atop")
        resolver = ActorResolver(sid, actors=actors)
        last_year = con.execute("SELECT max(year) FROM atop").fetchone()[0]
        where = f"{years_sql('year', start, end)} AND {codes_sql(('ccode1', 'ccode2'), resolver.code_filter())}"
        spells = con.execute(
            f"""
            WITH d AS (
              SELECT ccode1, ccode2, year, max({_LEVEL}) AS level FROM atop
              WHERE {where} AND ccode1 <> ccode2 GROUP BY ALL
            ), p AS (
              SELECT least(ccode1, ccode2) AS lo, greatest(ccode1, ccode2) AS hi, year,
                     max(level) AS level,
                     max(CASE WHEN ccode1 < ccode2 THEN level ELSE 0 END) AS up,
                     max(CASE WHEN ccode1 > ccode2 THEN level ELSE 0 END) AS down
              FROM d GROUP BY ALL
            ), s AS (
              SELECT lo, hi, year, level,
                     CASE WHEN up = down THEN 0 WHEN up > down THEN 1 ELSE -1 END AS way
              FROM p WHERE level > 0
            ), g AS (
              SELECT *, year - row_number() OVER (PARTITION BY lo, hi, level
                                                  ORDER BY year) AS island FROM s
            )
            SELECT lo, hi, level,
                   CASE WHEN min(way) = max(way) THEN min(way) ELSE 0 END AS way,
                   min(year) AS first, max(year) AS last
            FROM g GROUP BY lo, hi, level, island ORDER BY lo, hi, first
            """
        ).fetchall()
    relations = []
    for lo, hi, level, way, first, last in spells:
        kind, intensity, words = LEVELS[level]
        a, b = resolver.resolve(lo), resolver.resolve(hi)
        if way == -1:
            a, b = b, a
        ongoing = last == last_year
        relations.append(
            {
                "id": f"atop-{lo}-{hi}-{first}",
                "actor_a": a,
                "actor_b": b,
                "kind": kind,
                "directed": way != 0,
                "sign": 1,
                "intensity": intensity,
                "start": f"{first:04d}",
                "end": None if ongoing else f"{last + 1:04d}",
                "certainty": "single_source",
                "note": (
                    f"ATOP {words} pledge{' (one way)' if way else ''}, {first}-{last}"
                    f"{' (the file ends then: read as in force)' if ongoing else ''}; "
                    f"COW codes {lo} and {hi}."
                ),
                "sources": [sid],
            }
        )
    sources = [source_row(src, id=sid, citation=CITATION.format(version=src.version), url=URL)]
    notes = []
    if any(r["end"] is None for r in relations):
        notes.append(f"Spells running in {last_year}, the file's last year, are read as in force.")
    return PackageRows({"actors": resolver.new, "relations": relations}, sources, notes)


def _level(row: dict) -> int:
    if row["defense"] == 1 or row["offense"] == 1:
        return 3
    if row["neutral"] == 1 or row["nonagg"] == 1:
        return 2
    return 1 if row["consul"] == 1 else 0


def _lasts(begin: str, stop: str) -> bool:
    """Whether a spell from ``begin`` to ``stop`` (exclusive) holds on at least one day."""
    b, e = parse_partial_date(begin), parse_partial_date(stop)
    if e.latest < b.earliest:
        return False
    return not (b.precision == e.precision == "day" and b.earliest == e.earliest)


def _members(path, actors, start, end, progress) -> PackageRows:
    with connection(path, progress) as con:
        loaded = read_table(con, path, MEMBER_LAYOUT, table="atop_m")
        cur = con.execute("SELECT DISTINCT * FROM atop_m ORDER BY ALL")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    src = loaded.source
    sid = source_id(src, "atop")
    resolver = ActorResolver(sid, actors=actors)
    alliances: dict[int, list[dict]] = {}
    skipped = 0
    for r in rows:
        begin = partial_date(r["yrent"], r["moent"], r["dayent"])
        stop = partial_date(r["yrexit"], r["moexit"], r["dayexit"])  # 0: still a member
        if begin is None or (stop is not None and not _lasts(begin, stop)):
            skipped += 1
            continue
        alliances.setdefault(int(r["atopid"]), []).append(
            {"code": r["member"], "name": None, "start": begin, "end": stop, "level": _level(r)}
        )
    tables = organisation_rows(
        alliances, prefix="ATOP", label="ATOP alliance", resolver=resolver, source_id=sid,
        first=start, last=end,
    )  # fmt: skip
    tables["actors"] = resolver.new + tables["actors"]
    notes = [f"{skipped} member rows without a valid spell were skipped."] if skipped else []
    citation = CITATION.replace("directed dyad-years", "member-level").format(version=src.version)
    return PackageRows(tables, [source_row(src, id=sid, citation=citation, url=URL)], notes)
