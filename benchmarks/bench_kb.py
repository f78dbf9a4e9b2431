"""Benchmark: load and validate the embedded data package; latency of the as-of queries.

Prints figures and ratios against the targets (load under 1 s, a query under 5 ms);
nothing is asserted. Run: ``python benchmarks/bench_kb.py``.
"""

from __future__ import annotations

import statistics
import time

from phalanx.kb import KnowledgeBase, load_package


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(name: str, times: list[float], target: float) -> None:
    med = statistics.median(times)
    print(
        f"{name:<44} median {med * 1e3:8.2f} ms  min {min(times) * 1e3:8.2f} ms  target {target * 1e3:6.0f} ms  ratio {med / target:5.2f}"
    )


def main() -> None:
    pkg = load_package()
    rows = sum(len(t.rows) for t in pkg.tables.values())
    print(f"embedded package {pkg.version}: {rows} rows in {len(pkg.tables)} tables")
    report("read + validate (load_package)", timed(load_package, 10), 1.0)
    report("read + validate + DuckDB (KnowledgeBase)", timed(KnowledgeBase.embedded, 10), 1.0)
    kb = KnowledgeBase.embedded()
    dates = [
        "1994-06-01",
        "1999-05-01",
        "2006-07-01",
        "2012-06-01",
        "2013-01-01",
        "2022-10-01",
        "2024-06-01",
        "2026-06-01",
    ]
    queries = {
        "members(CSTO, date)": lambda: [kb.members("CSTO", d) for d in dates],
        "history(UZB)": lambda: [kb.history("UZB") for _ in dates],
        "relations(date)": lambda: [kb.relations(d) for d in dates],
        "events(window, actor=ARM, kind=invocation)": lambda: [
            kb.events("2021", "2026", actor="ARM", kind="invocation") for _ in dates
        ],
        "indicators(at=date)": lambda: [kb.indicators(at=d) for d in dates],
    }
    for name, fn in queries.items():
        per_query = [t / len(dates) for t in timed(fn, 30)]
        report(name, per_query, 0.005)
    report(
        "snapshot(date) (all tables)",
        [t / len(dates) for t in timed(lambda: [kb.snapshot(d) for d in dates], 10)],
        0.05,
    )


if __name__ == "__main__":
    main()
