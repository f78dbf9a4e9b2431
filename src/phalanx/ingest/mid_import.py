"""COW MID 5 dispute dyad-years as package rows: each dispute between two states is an
event, and a use of force or a war is also an ``armed_conflict`` relation.

Per dispute and pair (both orders counted as one pair), over the years the file gives:

- an event ``mid-<dispnum>-<low code>-<high code>``, from the first year to the last, of
  kind ``clash`` when the highest hostility level is 4 (use of force) or 5 (war) and
  ``other`` below (1 no militarised action, 2 threat, 3 display of force), with the
  hostility and fatality levels in its summary and note;
- for hostility 4 or 5, a relation ``armed_conflict`` (``sign`` -1, undirected) from the
  first year to the year after the last (year precision, end exclusive), whose intensity
  follows the codebook's rule for armed conflict: 1.0 for a war (hostility 5) or 1,000 or
  more deaths (fatality level 6); 0.6 for 26-999 deaths (fatality 2-5, the codebook's
  25-999); and 0.3 for a use of force with fewer deaths or an unknown toll (a rule of the
  importer: the codebook has none for it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phalanx.ingest._run import check_years, codes_sql, connection, years_sql
from phalanx.ingest.importers import importer
from phalanx.ingest.mid import read_mid
from phalanx.ingest.rows import ActorResolver, PackageRows, source_id, source_row

__all__ = ["HOSTILITY", "conflict_intensity", "import_mid"]

HOSTILITY = {
    1: "no militarised action",
    2: "threat to use force",
    3: "display of force",
    4: "use of force",
    5: "war",
}

CITATION = (
    "Palmer, Glenn, Roseanne W. McManus, Vito D'Orazio, Michael R. Kenwick, Mikaela "
    "Karstens, Chase Bloch, Nick Dietrich, Kayla Kahn, Kellan Ritter and Michael J. Soules. "
    "2022. The MID5 Dataset, 2011-2014. Conflict Management and Peace Science 39(4). "
    "COW Militarized Interstate Disputes, version {version}, dispute dyad-years"
)
URL = "https://correlatesofwar.org/data-sets/mids/"


def conflict_intensity(hostility: int, fatality: int | None) -> float:
    """The intensity (0..1) of the armed-conflict tie of a dispute with highest
    hostility level ``hostility`` (4 or 5) and fatality level ``fatality`` (0-6, None
    unknown).

    >>> conflict_intensity(5, None), conflict_intensity(4, 6), conflict_intensity(4, 2)
    (1.0, 1.0, 0.6)
    >>> conflict_intensity(4, 1), conflict_intensity(4, None)
    (0.3, 0.3)
    """
    if hostility >= 5 or (fatality is not None and fatality >= 6):
        return 1.0
    if fatality is not None and fatality >= 2:
        return 0.6
    return 0.3


@importer("mid", help="COW MID 5 dispute dyad-years (disputes as events and conflicts).")
def import_mid(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """Events and armed-conflict relations from a MID dyad-year file, years
    ``start``..``end`` (a dispute's years outside them are left out)."""
    check_years(start, end)
    with connection(path, progress) as con:
        loaded = read_mid(con, path)
        src = loaded.source
        sid = source_id(src, "cow-mid")
        resolver = ActorResolver(sid, actors=actors)
        where = (
            f"{years_sql('year', start, end)} AND "
            f"{codes_sql(('ccode1', 'ccode2'), resolver.code_filter())}"
        )
        rows = con.execute(
            f"""
            SELECT dispnum, least(ccode1, ccode2) AS lo, greatest(ccode1, ccode2) AS hi,
                   min(year), max(year),
                   max(greatest(coalesce(hostlev, 0), coalesce(hostlev1, 0),
                                coalesce(hostlev2, 0))) AS host,
                   max(fatality) AS fat
            FROM mid WHERE {where} AND dispnum IS NOT NULL AND ccode1 <> ccode2
            GROUP BY ALL ORDER BY dispnum, lo, hi
            """
        ).fetchall()
        nodisp = con.execute("SELECT count(*) FROM mid WHERE dispnum IS NULL").fetchone()[0]
    events, relations = [], []
    for disp, lo, hi, first, last, host, fat in rows:
        a, b = resolver.resolve(lo), resolver.resolve(hi)
        rid = f"mid-{disp}-{lo}-{hi}"
        level = f"highest hostility level {host} ({HOSTILITY.get(host, 'unknown')})"
        deaths = "fatality level unknown" if fat is None else f"fatality level {fat}"
        note = f"MID {disp}, {first}-{last}: {level}, {deaths}; COW codes {lo} and {hi}."
        events.append(
            {
                "id": rid,
                "date": f"{first:04d}",
                "end_date": f"{last:04d}" if last > first else None,
                "kind": "clash" if host >= 4 else "other",
                "actors": [a, b],
                "organization": None,
                "magnitude": None,
                "magnitude_unit": None,
                "summary": f"Militarised interstate dispute {disp} between {a} and {b}: {level}.",
                "certainty": "single_source",
                "note": note,
                "sources": [sid],
            }
        )
        if host >= 4:
            relations.append(
                {
                    "id": rid,
                    "actor_a": a,
                    "actor_b": b,
                    "kind": "armed_conflict",
                    "directed": False,
                    "sign": -1,
                    "intensity": conflict_intensity(host, fat),
                    "start": f"{first:04d}",
                    "end": f"{last + 1:04d}",
                    "certainty": "single_source",
                    "note": note,
                    "sources": [sid],
                }
            )
    notes = [f"{nodisp} rows without a dispute number were skipped."] if nodisp else []
    sources = [source_row(src, id=sid, citation=CITATION.format(version=src.version), url=URL)]
    tables = {"actors": resolver.new, "events": events, "relations": relations}
    return PackageRows(tables, sources, notes)
