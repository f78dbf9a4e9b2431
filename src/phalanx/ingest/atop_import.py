"""ATOP 5.x directed dyad-years as package rows: alliance relations over spells of years.

The file (:mod:`phalanx.ingest.atop`) says, for each ordered pair and year, which pledges
link the pair. Each pair and year gets its strongest pledge in either direction: defence
or offence (``alliance``, intensity 1.0, the codebook's rule for a mutual-defence or
assistance clause), neutrality or non-aggression (``alliance``, 0.5), consultation only
(``partnership``, 0.3). A pledge found one way only is a ``directed`` tie from the state
that gives it (``ccode1``) to the one that gets it. Consecutive years with the same tie
make one relation, from its first year to the year after its last (year precision, end
exclusive); a spell that runs to the file's last year is still in force (no end), since the
file cannot tell an end then from the end of its coverage. Ids keep the COW codes and the
first year: ``atop-<low code>-<high code>-<year>``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phalanx.ingest._run import check_years, codes_sql, connection, years_sql
from phalanx.ingest.atop import read_atop
from phalanx.ingest.importers import importer
from phalanx.ingest.rows import ActorResolver, PackageRows, source_id, source_row

__all__ = ["LEVELS", "import_atop"]

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
    """Alliance relations from an ATOP directed dyad-year file, years ``start``..``end``."""
    check_years(start, end)
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
              SELECT *, year - row_number() OVER (PARTITION BY lo, hi, level, way
                                                  ORDER BY year) AS island FROM s
            )
            SELECT lo, hi, level, way, min(year) AS first, max(year) AS last
            FROM g GROUP BY lo, hi, level, way, island ORDER BY lo, hi, first
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
