"""Benchmark: streaming ingest of large synthetic files in the GDELT and UCDP GED layouts.

For each format, writes a synthetic file of ``--rows`` rows (default 10^7) in a temporary
folder (DuckDB ``COPY`` from ``range()``, so generation takes seconds), then runs the
reader in a child process and prints the rows per second and the child's peak resident
memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` in the child, so the generator's
memory does not count). The readers run under a DuckDB memory limit (``--memory``,
default 1GB) and spill to disk beyond it: the peak RSS should stay near that limit however
large the file. Nothing is asserted. The GED part runs only when
``phalanx.ingest.ucdp.read_ucdp_ged`` exists; otherwise it says "skipped".

Run: ``python benchmarks/bench_ingest.py [--rows N] [--memory 1GB] [--only gdelt|ged]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GDELT_CODES = ["RUS", "ARM", "AZE", "KAZ", "KGZ", "TJK", "BLR", "UZB", "USA", "CHN"]
GDELT_CODES += ["TUR", "IRN", "GEO", "UKR", "", "EUR", "AFR", "RUS", "ARM", "AZE"]


def gdelt_sql(rows: int, path: Path) -> str:
    """A COPY writing ``rows`` GDELT 2.0 rows (61 tab-separated columns, no header): 1% of
    the ids repeated, 20 country codes (an empty one and two regional ones among them),
    ten years of days, every QuadClass, Goldstein scores -10..10."""
    from phalanx.ingest.gdelt import GDELT2_COLUMNS

    codes = "[" + ", ".join(f"'{c}'" for c in GDELT_CODES) + "]"
    n = len(GDELT_CODES)
    values = {
        "GlobalEventID": "CAST(CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END + 1000000000 AS VARCHAR)",
        # days 1-28 of every month of 2015-2024, by whole-number arithmetic (fast)
        "Day": "CAST(20150101 + i % 28 + 100 * ((i // 28) % 12) + 10000 * ((i // 336) % 10)"
        " AS VARCHAR)",
        "Actor1CountryCode": f"list_extract({codes}, CAST((i * 7) % {n} + 1 AS INTEGER))",
        "Actor2CountryCode": f"list_extract({codes}, CAST((i * 13 + 3) % {n} + 1 AS INTEGER))",
        "IsRootEvent": "'1'",
        "EventCode": "'042'",
        "QuadClass": "CAST(i % 4 + 1 AS VARCHAR)",
        "GoldsteinScale": "CAST((i % 21) - 10 AS VARCHAR)",
        "NumMentions": "CAST(i % 10 + 1 AS VARCHAR)",
        "NumSources": "'1'",
        "NumArticles": "'2'",
        "AvgTone": "'-1.5'",
        "DATEADDED": "'20220913150000'",
    }
    cols = ", ".join(f"{values.get(c, chr(39) * 2)} AS c{k}" for k, c in enumerate(GDELT2_COLUMNS))
    return (
        f"COPY (SELECT {cols} FROM range({rows}) t(i)) TO '{path}' "
        "(FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')"
    )


def ged_sql(rows: int, path: Path, columns: list[tuple[str, str]]) -> str:
    """A COPY writing ``rows`` rows in the GED layout ``columns`` (name, DuckDB type), with
    a header: state-based violence between GW codes 371 and 373, ten years of days."""
    values = {
        "id": "i + 1",
        "relid": "'REL-' || CAST(i AS VARCHAR)",
        "year": "2010 + i % 10",
        "active_year": "1",
        "code_status": "'Clear'",
        "type_of_violence": "1 + i % 3",
        "conflict_dset_id": "'388'",
        "conflict_new_id": "388",
        "conflict_name": "'Azerbaijan - Armenia'",
        "dyad_dset_id": "'12'",
        "dyad_new_id": "12",
        "dyad_name": "'Government of Azerbaijan - Government of Armenia'",
        "side_a": "'Government of Azerbaijan'",
        "side_b": "'Government of Armenia'",
        "side_a_dset_id": "'373'",
        "side_b_dset_id": "'371'",
        "side_a_new_id": "373",
        "side_b_new_id": "371",
        "number_of_sources": "1",
        "where_prec": "1 + i % 7",
        "where_coordinates": "'Jermuk'",
        "latitude": "39.84",
        "longitude": "45.67",
        "priogrid_gid": "150000",
        "country": "'Armenia'",
        "country_id": "371",
        "region": "'Europe'",
        "event_clarity": "1 + i % 2",
        "date_prec": "1 + i % 5",
        "date_start": "strftime(DATE '2010-01-01' + CAST(i % 3650 AS INTEGER), '%Y-%m-%d')",
        "date_end": "strftime(DATE '2010-01-01' + CAST(i % 3650 AS INTEGER), '%Y-%m-%d')",
        "deaths_a": "i % 3",
        "deaths_b": "i % 2",
        "deaths_civilians": "0",
        "deaths_unknown": "0",
        "best": "i % 3 + i % 2",
        "high": "i % 3 + i % 2 + 1",
        "low": "i % 3 + i % 2",
        "gwnoa": "'373'",
        "gwnob": "'371'",
    }
    by_type = {"BIGINT": "0", "DOUBLE": "0.0", "VARCHAR": "''"}
    cols = ", ".join(f'{values.get(c, by_type.get(t, "NULL"))} AS "{c}"' for c, t in columns)
    return f"COPY (SELECT {cols} FROM range({rows}) t(i)) TO '{path}' (FORMAT csv, HEADER true)"


_CHILD = r"""
import json, resource, sys, time
import duckdb
kind, path, memory, out = sys.argv[1:5]
t0 = time.perf_counter()
if kind == "gdelt":
    from phalanx.ingest.gdelt import read_gdelt
    agg = read_gdelt(None, path, memory_limit=memory)
    rows, kept = agg.rows_read, agg.events
    extra = {"dyad_months": len(agg.rows), "duplicates": agg.duplicates}
else:
    import contextlib, tempfile
    from phalanx.ingest import ucdp
    if hasattr(ucdp, "bounded_connection"):  # U's context manager: limit, spill folder
        bounded = ucdp.bounded_connection(memory_limit=memory)
    else:
        @contextlib.contextmanager
        def plain():
            with tempfile.TemporaryDirectory() as spill:
                c = duckdb.connect(config={"memory_limit": memory, "temp_directory": spill,
                                           "preserve_insertion_order": False})
                yield c
                c.close()
        bounded = plain()
    with bounded as con:
        loaded = ucdp.read_ucdp_ged(con, path)
        rows = loaded.source.rows
        kept = con.execute(f"SELECT count(*) FROM {loaded.table}").fetchone()[0]
    extra = {}
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
figures = {"rows": rows, "kept": kept, "seconds": seconds, "peak_kib": peak, **extra}
with open(out, "w") as fh:  # a file, not stdout: DuckDB may draw a progress bar there
    json.dump(figures, fh)
"""


def run_child(kind: str, path: Path, memory: str) -> dict:
    """Run the reader of ``kind`` on ``path`` in a fresh Python process; its figures."""
    env = dict(os.environ)
    if not env.get("PYTHONPATH"):  # the parent's phalanx, else this checkout's sources
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    out = path.with_suffix(".figures.json")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path), memory, str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"error": last}
    return json.loads(out.read_text())


def show(name: str, size: int, gen: float, figures: dict) -> None:
    if "error" in figures:
        print(f"{name:<6} failed: {figures['error']}")
        return
    rate = figures["rows"] / figures["seconds"]
    print(
        f"{name:<6} {figures['rows']:>12,} rows  {size / 1e9:6.2f} GB  generated in {gen:5.1f} s  "
        f"read in {figures['seconds']:6.1f} s  {rate:>12,.0f} rows/s  "
        f"peak RSS {figures['peak_kib'] / 1024:7.0f} MiB  kept {figures['kept']:,}"
        + (
            f"  ({figures['dyad_months']:,} dyad-months, {figures['duplicates']:,} repeats)"
            if "dyad_months" in figures
            else ""
        )
    )


def quiet(con):
    """``con`` without DuckDB's progress bar on standard output."""
    con.execute("SET enable_progress_bar_print = false")
    return con


def bench_gdelt(folder: Path, rows: int, memory: str) -> None:
    import duckdb

    path = folder / "synthetic.export.CSV"
    t0 = time.perf_counter()
    quiet(duckdb.connect()).execute(gdelt_sql(rows, path))
    gen = time.perf_counter() - t0
    show("gdelt", path.stat().st_size, gen, run_child("gdelt", path, memory))
    path.unlink()


def bench_ged(folder: Path, rows: int, memory: str) -> None:
    try:
        from phalanx.ingest import ucdp

        ucdp.read_ucdp_ged  # noqa: B018 - present?
    except (ImportError, AttributeError):
        print("ged    skipped: phalanx.ingest.ucdp.read_ucdp_ged is not available")
        return
    import duckdb

    layout = ucdp.GED_LAYOUT
    columns = list(layout.columns.items()) + list(layout.optional.items())
    path = folder / "GEDEvent_synthetic.csv"
    t0 = time.perf_counter()
    quiet(duckdb.connect()).execute(ged_sql(rows, path, columns))
    gen = time.perf_counter() - t0
    show("ged", path.stat().st_size, gen, run_child("ged", path, memory))
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows per file")
    parser.add_argument("--memory", default="1GB", help="DuckDB memory limit of the readers")
    parser.add_argument("--only", choices=["gdelt", "ged"], help="one format only")
    args = parser.parse_args()
    print(f"streaming ingest: {args.rows:,} rows per file, DuckDB memory limit {args.memory}")
    with tempfile.TemporaryDirectory(prefix="phalanx-bench-ingest-") as tmp:
        if args.only in (None, "gdelt"):
            bench_gdelt(Path(tmp), args.rows, args.memory)
        if args.only in (None, "ged"):
            bench_ged(Path(tmp), args.rows, args.memory)


if __name__ == "__main__":
    main()
