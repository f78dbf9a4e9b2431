"""Evidence data: the readers' speed and the cost of the defence-pact dyad-year table.

Run: ``python benchmarks/bench_evidence.py [--quick] [--data FOLDER]``. Reads the real
files of ``../shared/validation/datasets`` (or ``--data``); when they are absent it says
so and exits 0. Prints:

1. rows per second of each ``phalanx.ingest`` reader on its real file (DuckDB stream into
   a temporary table, checks and sha256 included; best of ``--repeat`` runs, wall clock);
2. the time to build the dyad-year table from the full ATOP 5.1 file with every covariate
   file (and with the ATOP and states files alone), best of the runs, wall and CPU;
3. its peak memory: the peak resident set size of a fresh child process that imports the
   libraries, notes its peak, then builds the table (``VmHWM`` on Linux, else
   ``getrusage``: DuckDB allocates outside Python, where tracemalloc cannot see), with the
   peak after the imports beside it;
4. the table's figures: rows, spells, endings, state deaths, censored spells and the share
   of rows with each covariate switched on.

``--quick`` runs each figure once and leaves out the build without covariates. No test
asserts any of these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "validation" / "datasets"
FILES = {
    "atop": "atop_v5_1_ddyr_full_peacesciencer.csv",
    "states": "cow_states2016_peacesciencer.csv",
    "nmc": "cow_nmc_v7_0_peacesciencer.csv",
    "mid": "cow_mid_v5_ddydisps_peacesciencer.csv",
    "rivalries": "td_rivalries_peacesciencer.csv",
    "majors": "cow_majors2016_peacesciencer.csv",
}
READERS = {
    "atop": ("phalanx.ingest.atop", "read_atop", FILES["atop"]),
    "nmc v7": ("phalanx.ingest.nmc", "read_nmc", FILES["nmc"]),
    "nmc v6 raw": ("phalanx.ingest.nmc", "read_nmc", "cow_nmc_v6_0_abridged_raw.csv"),
    "mid": ("phalanx.ingest.mid", "read_mid", FILES["mid"]),
    "rivalries": ("phalanx.ingest.rivalries", "read_rivalries", FILES["rivalries"]),
    "majors": ("phalanx.ingest.majors", "read_majors", FILES["majors"]),
    "states": ("phalanx.ingest.states", "read_states", FILES["states"]),
}
FLAGS = ("dispute", "common_rival", "stronger_at_war", "weaker_new_major_pact")


def paths(folder: Path) -> dict[str, Path]:
    """The real files in ``folder``, by the argument names of ``build_dyad_years``."""
    return {k: folder / v for k, v in FILES.items()}


def bench_reader(folder: Path, name: str, repeat: int) -> dict[str, float]:
    """Best wall time of one reader on its file, and rows per second."""
    import importlib

    import duckdb

    module, func, file = READERS[name]
    reader = getattr(importlib.import_module(module), func)
    best, rows = float("inf"), 0
    for _ in range(repeat):
        con = duckdb.connect()
        t0 = time.perf_counter()
        loaded = reader(con, folder / file, table="t")
        best = min(best, time.perf_counter() - t0)
        rows = loaded.source.rows
        con.close()
    size = (folder / file).stat().st_size
    return {"seconds": best, "rows": rows, "rate": rows / best, "mb": size / 2**20}


def bench_build(folder: Path, repeat: int, covariates: bool = True) -> dict[str, Any]:
    """Best wall (and that run's CPU) time of ``build_dyad_years`` on the real files."""
    from phalanx.evidence.dyads import build_dyad_years

    p = paths(folder)
    extra = {k: p[k] for k in ("nmc", "mid", "rivalries", "majors")} if covariates else {}
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        df = build_dyad_years(p["atop"], p["states"], **extra)
        best = min(best, (time.perf_counter() - w0, time.process_time() - c0))
    return {"seconds": best[0], "cpu": best[1], "table": df}


def figures(df) -> dict[str, Any]:
    """The table's size and the share of rows with each covariate on (NaN-free share for
    the capability columns)."""
    out = {
        "rows": len(df),
        "spells": int(df.spell.nunique()),
        "ends": int(df.ends.sum()),
        "state_deaths": int(df.state_death.sum()),
        "censored": int(df.censored.sum()),
        "ends_after_1945": int(df.ends[df.year > 1945].sum()),
    }
    for flag in FLAGS:
        out[flag] = float(df[flag].mean())
    for col in ("cap_ratio", "power_shift"):
        out[f"{col}_known"] = float(df[col].notna().mean())
    return out


def peak_rss_mb() -> tuple[float, str]:
    """The process's peak resident set size in MB and how it was read: ``VmHWM`` of
    ``/proc/self/status`` on Linux (the high-water mark of this address space), else
    ``getrusage`` (which Linux carries over ``exec`` from the parent, hence second best)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024, "VmHWM"
    except OSError:
        pass
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (kb / 1024 if sys.platform != "darwin" else kb / 2**20), "getrusage"


def memory_child(folder: Path) -> dict[str, Any]:
    """In a fresh process: peak RSS after the imports, then after building the table."""
    import duckdb  # noqa: F401 -- imported before the baseline is read
    import pandas  # noqa: F401

    from phalanx.evidence.dyads import build_dyad_years

    base, how = peak_rss_mb()
    p = paths(folder)
    t0 = time.perf_counter()
    df = build_dyad_years(p.pop("atop"), p.pop("states"), **p)
    seconds = time.perf_counter() - t0
    peak, _ = peak_rss_mb()
    return {
        "baseline_mb": base,
        "peak_mb": peak,
        "how": how,
        "seconds": seconds,
        "rows": len(df),
        "table_mb": float(df.memory_usage(deep=True).sum()) / 2**20,
    }


def bench_memory(folder: Path) -> dict[str, float]:
    """:func:`memory_child` in a fresh interpreter, so earlier parts do not inflate RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(folder)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each figure once (a smoke test)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the datasets folder")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child)))
        return 0
    missing = [f for f in FILES.values() if not (args.data / f).is_file()]
    if missing:
        print(
            f"bench_evidence: the validation data is not present ({args.data} lacks "
            f"{', '.join(missing)}); nothing to measure"
        )
        return 0
    repeat = 1 if args.quick else max(1, args.repeat)
    print(f"evidence data from {args.data} (best of {repeat}; {os.cpu_count()} cores)")
    for name, (_, _, file) in READERS.items():
        if not (args.data / file).is_file():
            continue
        r = bench_reader(args.data, name, repeat)
        print(
            f"  reader {name:<11} {r['rows']:>8,} rows {r['mb']:6.1f} MB: {r['seconds']:7.3f} s "
            f"{r['rate']:12,.0f} rows/s"
        )
    full = bench_build(args.data, repeat)
    atop_rows = next(
        s["rows"] for s in full["table"].attrs["sources"] if s["file"] == FILES["atop"]
    )
    if not args.quick:
        bare = bench_build(args.data, repeat, covariates=False)
        print(
            f"  dyad-year table, ATOP + states only: {bare['seconds']:.3f} s wall "
            f"({bare['cpu']:.3f} s CPU)"
        )
    print(
        f"  dyad-year table, all covariate files: {full['seconds']:.3f} s wall "
        f"({full['cpu']:.3f} s CPU), {atop_rows / full['seconds']:,.0f} ATOP rows/s"
    )
    m = bench_memory(args.data)
    print(
        f"  peak memory (fresh process, {m['how']}): {m['peak_mb']:.0f} MB, of which "
        f"{m['baseline_mb']:.0f} MB after importing duckdb, pandas and phalanx "
        f"(+{m['peak_mb'] - m['baseline_mb']:.0f} MB for the build); the DataFrame holds "
        f"{m['table_mb']:.1f} MB"
    )
    f = figures(full["table"])
    print(
        f"  table: {f['rows']:,} dyad-years, {f['spells']:,} spells, {f['ends']:,} endings "
        f"({f['ends_after_1945']:,} after 1945), {f['state_deaths']:,} state deaths, "
        f"{f['censored']:,} censored in {full['table'].attrs['final_year']}"
    )
    shares = ", ".join(f"{flag} {f[flag]:.2%}" for flag in FLAGS)
    print(
        f"  share of rows with the covariate on: {shares}; CINC ratio known "
        f"{f['cap_ratio_known']:.1%}, power shift known {f['power_shift_known']:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
