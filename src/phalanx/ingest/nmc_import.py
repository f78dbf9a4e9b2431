"""COW National Material Capabilities as package rows: the CINC score of each state and
year as a ``cinc`` indicator (unit ``share``, 0..1), the indicator the embedded package
carries. Either NMC layout is read (:mod:`phalanx.ingest.nmc`); a missing CINC (-9 or
empty) gives no row; a state-year written twice with the same value gives one row, and
with two values the first in the file is kept and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phalanx.ingest._run import check_years, codes_sql, connection, years_sql
from phalanx.ingest.importers import importer
from phalanx.ingest.nmc import read_nmc
from phalanx.ingest.rows import ActorResolver, PackageRows, source_id, source_row

__all__ = ["import_nmc"]

CITATION = (
    "Singer, J. David, Stuart Bremer and John Stuckey. 1972. Capability Distribution, "
    "Uncertainty, and Major Power War, 1820-1965. Correlates of War National Material "
    "Capabilities dataset, version {version}"
)
URL = "https://correlatesofwar.org/data-sets/national-material-capabilities/"


@importer("nmc", help="COW National Material Capabilities (CINC as indicators).")
def import_nmc(
    path: Path,
    *,
    actors: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PackageRows:
    """``cinc`` indicators from a COW NMC file, years ``start``..``end``."""
    check_years(start, end)
    with connection(path, progress) as con:
        loaded = read_nmc(con, path)
        src = loaded.source
        sid = source_id(src, "cow-nmc")
        resolver = ActorResolver(sid, actors=actors)
        abb = "stateabb" if "stateabb" in loaded.relation.columns else "NULL"
        rows = con.execute(
            f"""
            SELECT ccode, year, first(cinc ORDER BY r) AS cinc,
                   count(DISTINCT cinc) AS values, first({abb} ORDER BY r) AS abb
            FROM (SELECT row_number() OVER () AS r, * FROM nmc)
            WHERE cinc IS NOT NULL AND {years_sql("year", start, end)}
              AND {codes_sql(("ccode",), resolver.code_filter())}
            GROUP BY ccode, year ORDER BY ccode, year
            """
        ).fetchall()
        missing = con.execute(
            f"SELECT count(*) FROM nmc WHERE cinc IS NULL AND {years_sql('year', start, end)}"
        ).fetchone()[0]
    indicators = []
    twice = 0
    for ccode, year, cinc, values, abb_name in rows:
        twice += values > 1
        indicators.append(
            {
                "actor": resolver.resolve(
                    ccode, f"COW state {ccode} ({abb_name})" if abb_name else None
                ),
                "indicator": "cinc",
                "period": f"{year:04d}",
                "value": float(cinc),
                "unit": "share",
                "certainty": "single_source",
                "note": f"COW NMC {src.version}, COW code {ccode}.",
                "sources": [sid],
            }
        )
    notes = []
    if missing:
        notes.append(f"{missing} state-years without a CINC score (-9 or empty) were skipped.")
    if twice:
        notes.append(f"{twice} state-years had two CINC values; the first in the file was kept.")
    sources = [source_row(src, id=sid, citation=CITATION.format(version=src.version), url=URL)]
    return PackageRows({"actors": resolver.new, "indicators": indicators}, sources, notes)
