"""Benchmark: stream a large synthetic UCDP GED file through ``read_ucdp_ged``.

Writes a file in the GED layout (the 49 columns of FACTS.md section B, quoted text with
commas and newlines in ``source_article``, code lists in ``gwnoa``) of ``--rows`` events
(default 10^7) into a temporary folder with DuckDB's ``COPY`` from ``range()``, then reads
it in a child process under a DuckDB memory limit (``--memory``, default 1GB): both
streaming passes (counting and checking every row, then keeping the events of one state,
about 1 in 15) and the hash. Prints the file's size, rows per second and the child's peak
memory (max RSS), which should stay near the memory limit however large the file.
Nothing is asserted. Run: ``python benchmarks/bench_ingest_ged.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,"
    "conflict_new_id,conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,"
    "side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,number_of_sources,"
    "source_article,source_office,source_date,source_headline,source_original,where_prec,"
    "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,"
    "priogrid_gid,country,country_id,region,event_clarity,date_prec,date_start,date_end,"
    "deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob"
).split(",")


def write_file(path: Path, rows: int) -> None:
    """A GED-layout CSV of ``rows`` synthetic events, written by DuckDB in one COPY."""
    import duckdb

    states = "[2, 365, 369, 371, 373, 640, 652, 700, 702, 703, 704, 705, 710, 750, 770]"
    exprs = {
        "id": "i",
        "relid": "'EV-' || i",
        "year": "1989 + i % 36",
        "active_year": "1",
        "code_status": "'Clear'",
        "type_of_violence": "1 + i % 3",
        "conflict_dset_id": "i % 900",
        "conflict_new_id": "i % 900",
        "conflict_name": "'Conflict ' || (i % 900)",
        "dyad_dset_id": "i % 1500",
        "dyad_new_id": "i % 1500",
        "dyad_name": "'Side A ' || (i % 1500) || ' - Side B'",
        "side_a_dset_id": "i % 700",
        "side_a_new_id": "i % 700",
        "side_a": "'Government of State ' || (i % 15)",
        "side_b_dset_id": "i % 800",
        "side_b_new_id": "i % 800",
        "side_b": "'Group ' || (i % 800)",
        "number_of_sources": "1 + i % 4",
        "source_article": "'\"\"Agency, ' || (i % 97) || '\"\" report\nsecond line'",
        "source_office": "'Agency'",
        "source_date": "'2020-01-01'",
        "source_headline": "'Headline ' || (i % 1000)",
        "source_original": "'Officials'",
        "where_prec": "1 + i % 7",
        "where_coordinates": "'Place ' || (i % 5000)",
        "where_description": "'near Place ' || (i % 5000) || ', district'",
        "adm_1": "'Province ' || (i % 300)",
        "adm_2": "NULL",
        "latitude": "round(-40 + (i % 8000) / 100.0, 4)",
        "longitude": "round(-20 + (i % 16000) / 100.0, 4)",
        "geom_wkt": "'POINT (1 2)'",
        "priogrid_gid": "i % 259200",
        "country": "'State ' || (i % 15)",
        "country_id": f"{states}[1 + i % 15]",
        "region": "'Asia'",
        "event_clarity": "1 + i % 2",
        "date_prec": "1 + i % 5",
        "date_start": "strftime(DATE '1989-01-01' + CAST(i % 13000 AS INTEGER), '%Y-%m-%d')",
        "date_end": "strftime(DATE '1989-01-02' + CAST(i % 13000 AS INTEGER), '%Y-%m-%d')",
        "deaths_a": "i % 5",
        "deaths_b": "i % 7",
        "deaths_civilians": "i % 3",
        "deaths_unknown": "0",
        "best": "i % 5 + i % 7 + i % 3",
        "high": "i % 5 + i % 7 + i % 3 + 2",
        "low": "i % 5 + i % 7 + i % 3",
        "gwnoa": f"CASE WHEN i % 3 = 1 THEN NULL WHEN i % 50 = 0 THEN '2, 200' "
        f"ELSE CAST({states}[1 + i % 15] AS VARCHAR) END",
        "gwnob": f"CASE WHEN i % 200 = 0 THEN CAST({states}[1 + (i // 7) % 15] AS VARCHAR) END",
    }
    assert list(exprs) == _HEADER
    select = ", ".join(f'{e} AS "{c}"' for c, e in exprs.items())
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"COPY (SELECT {select} FROM range({int(rows)}) t(i)) TO '{path}' "
        "(HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"')"
    )
    con.close()


_CHILD = """
import sys, time
from phalanx.ingest.ucdp import bounded_connection, read_ucdp_ged
path, memory = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
with bounded_connection(memory) as con:
    loaded = read_ucdp_ged(con, path, codes=[703], violence=(1,))
    kept = con.execute(f"SELECT count(*) FROM {loaded.table}").fetchone()[0]
print(loaded.source.rows, kept, time.perf_counter() - t0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10**7, help="events in the file")
    parser.add_argument("--memory", default="1GB", help="DuckDB memory limit of the reader")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phalanx-bench-ged-") as folder:
        path = Path(folder) / "GEDEvent_v25_1.csv"
        t0 = time.perf_counter()
        write_file(path, args.rows)
        size = path.stat().st_size
        print(
            f"wrote {args.rows:,} GED rows ({size / 1e9:.2f} GB) in {time.perf_counter() - t0:.1f} s"
        )
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), args.memory],
            capture_output=True,
            text=True,
            check=True,
        )
        rows, kept, seconds = done.stdout.split()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB
        print(
            f"read_ucdp_ged (memory limit {args.memory}): {int(rows):,} rows read, "
            f"{int(kept):,} kept in {float(seconds):.1f} s = {int(rows) / float(seconds):,.0f} "
            f"rows/s ({size / 1e6 / float(seconds):.0f} MB/s); peak memory {peak:,.0f} MiB "
            f"for a {size / 2**20:,.0f} MiB file"
        )


if __name__ == "__main__":
    main()
