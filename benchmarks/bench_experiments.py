"""Experiment runner timings: serial, local processes and a Dask LocalCluster.

Run: ``.venv/bin/python benchmarks/bench_experiments.py`` (``--quick`` for a short run).
Prints, for one scenario on the embedded data (10 years),
1. the throughput of each backend (replicates and actor-years per second, wall time
   including the start of the pool or cluster) and its ratio to serial;
2. the cost of archiving: the same serial run kept in memory vs written to Parquet;
3. the effect of the chunk size on the serial throughput;
and checks that every backend wrote the same bytes. A warm-up run first pays for the imports
and the knowledge-base snapshot (about half a second), so the figures are the ensemble's.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from phalanx.experiments.archive import TABLES
from phalanx.experiments.runner import run_experiment
from phalanx.kb import KnowledgeBase


def timed(kb, **kw):
    t0 = time.perf_counter()
    rec = run_experiment(kb, "long-war", years=10, seed=1, **kw)
    return rec, time.perf_counter() - t0


def main() -> None:
    quick = "--quick" in sys.argv
    runs = 2000 if quick else 60000
    kb = KnowledgeBase.embedded()
    timed(kb, runs=50, backend="serial")  # warm up: imports and the state's snapshot
    n = None
    with tempfile.TemporaryDirectory() as tmp:
        print(f"long-war, 10 years, {runs} runs (2 cores on the reference machine)")
        base = None
        written = {}
        for label, kw in (
            ("serial", dict(backend="serial")),
            ("local, 2 processes", dict(backend="local", workers=2)),
            ("dask LocalCluster, 2 workers", dict(backend="dask", cluster="local", workers=2)),
        ):
            rec, secs = timed(kb, runs=runs, out=Path(tmp) / label.split()[0], **kw)
            n = len(rec.metadata["actors"])
            base = base or secs
            print(
                f"  {label:30s} {secs:7.2f} s  {runs / secs:9.0f} runs/s  "
                f"{runs * 10 * n / secs:11.3g} actor-years/s  x{base / secs:4.2f} vs serial  "
                f"(chunk {rec.metadata['chunk_size']})"
            )
            written[label] = {
                str(f.relative_to(rec.path)): f.read_bytes()
                for t in TABLES
                for f in sorted((rec.path / t).iterdir())
            }
        same = len({tuple(sorted(w.items())) for w in written.values()}) == 1
        print(f"  same bytes on every backend: {same}")
        small = runs // 4
        _, mem = timed(kb, runs=small, backend="serial")
        _, disk = timed(kb, runs=small, backend="serial", out=Path(tmp) / "again")
        print(
            f"archive ({small} runs, serial): in memory {mem:.2f} s, to Parquet {disk:.2f} s "
            f"(x{disk / mem:.2f})"
        )
        for size in (50, 200, 1000, 2000):
            _, secs = timed(kb, runs=small, backend="serial", chunk_size=size)
            print(f"  chunk {size:5d}: {small * 10 * n / secs:11.3g} actor-years/s serial")


if __name__ == "__main__":
    main()
