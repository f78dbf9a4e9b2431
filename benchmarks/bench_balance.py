"""Benchmark of the structural-balance solvers (a script, not a test).

Prints: (1) the 51 Correlates of War networks solved exactly (skipped when
../shared/validation/signed is absent), checked against frustration_reference.csv;
(2) exact solve times on random signed graphs of growing size (planted two camps plus
sign noise, mean degree 10) up to 10^4 edges; (3) a 10^5-edge graph under a time limit,
with the proven bound gap; (4) the deadline of ``phalanx balance --time-limit 10`` on a
2x10^5-edge random signed graph through the CLI (wall time, peak RSS, overrun ratio
wall / limit). One core: BLAS and HiGHS are limited to one thread.

Run: ``.venv/bin/python benchmarks/bench_balance.py`` (about 4-5 minutes), or
``.venv/bin/python benchmarks/bench_balance.py deadline`` for section (4) only.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import csv  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from phalanx.network import (  # noqa: E402
    frustration_heuristic,
    frustration_index,
    read_signed_edgelist,
)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "validation" / "signed"


def planted(n: int, m: int, noise: float, seed: int) -> nx.Graph:
    """G(n, m) with signs from a random 2-partition, each flipped with prob. ``noise``."""
    rng = np.random.default_rng(seed)
    G = nx.gnm_random_graph(n, m, seed=int(rng.integers(2**31)))
    side = rng.integers(0, 2, n)
    flip = rng.random(m) < noise
    for (a, b), f in zip(G.edges, flip, strict=True):
        s = 1 if side[a] == side[b] else -1
        G[a][b]["sign"] = -s if f else s
    G.graph["planted_cost"] = int(flip.sum())  # cost of the planted partition (>= L)
    return G


def bench_cow() -> None:
    ref_path = SHARED / "frustration_reference.csv"
    if not ref_path.is_file():
        print("[COW] skipped: ../shared/validation/signed not found")
        return
    with ref_path.open(newline="") as fh:
        ref = {r["file"]: r for r in csv.DictReader(fh) if r["file"].startswith("cow_")}
    graphs = {name: read_signed_edgelist(SHARED / name) for name in sorted(ref)}
    frustration_index(graphs[next(iter(graphs))], seed=0)  # warm-up (imports, HiGHS)
    times, wrong, how = [], [], {"bound": 0, "milp": 0, "trivial": 0}
    ref_time = sum(float(r["seconds_xor_triangles_fixnode"]) for r in ref.values())
    t_all = time.perf_counter()
    for name, G in graphs.items():
        t = time.perf_counter()
        r = frustration_index(G, seed=0)
        times.append(time.perf_counter() - t)
        for key in how:
            how[key] += r.blocks[key]
        if not r.optimal or r.frustration_index != int(ref[name]["frustration_index"]):
            wrong.append(name)
    total = time.perf_counter() - t_all
    print(
        f"[COW] {len(graphs)} networks solved exactly in {total:.2f} s total "
        f"(mean {np.mean(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms); "
        f"{len(graphs) - len(wrong)}/{len(graphs)} match the reference L"
    )
    print(
        f"[COW] blocks proven by the cycle-packing bound: {how['bound']}, by the MILP: "
        f"{how['milp']}, trivial: {how['trivial']}"
    )
    print(
        f"[COW] reference timing (PROVENANCE.md, XOR + triangles + fixed node, scipy "
        f"milp on another machine): {ref_time:.2f} s; ratio ours/reference "
        f"{total / ref_time:.2f}"
    )
    if wrong:
        print(f"[COW] MISMATCH: {', '.join(wrong)}")


def bench_curve() -> None:
    print("[curve] exact solves, planted 2 camps, mean degree 10 (time limit 60 s each)")
    print(f"{'edges':>7} {'noise':>6} {'L':>7} {'lower':>7} {'optimal':>8} {'seconds':>8}  how")
    for noise in (0.05, 0.15):
        for m in (250, 500, 1000, 2000, 5000, 10000):
            G = planted(m // 5, m, noise, seed=m)
            t = time.perf_counter()
            r = frustration_index(G, seed=0, time_limit=60)
            dt = time.perf_counter() - t
            how = ", ".join(
                f"{k}={v}" for k, v in r.blocks.items() if k in ("bound", "milp", "interval") and v
            )
            print(
                f"{m:>7} {noise:>6.2f} {r.frustration_index:>7g} {r.lower_bound:>7g} "
                f"{r.optimal!s:>8} {dt:>8.2f}  {how}"
            )


def bench_large() -> None:
    for noise in (0.05, 0.15):
        G = planted(20000, 100000, noise, seed=7)
        t = time.perf_counter()
        r = frustration_index(G, seed=0, time_limit=50)
        dt = time.perf_counter() - t
        rel = r.gap / r.upper_bound if r.upper_bound else 0.0
        print(
            f"[1e5] frustration_index(time_limit=50), n=20000, m=100000, noise={noise}: "
            f"L in [{r.lower_bound:g}, {r.upper_bound:g}], gap {r.gap:g} "
            f"({100 * rel:.2f}% of upper), optimal={r.optimal}, {dt:.1f} s; "
            f"planted partition costs {G.graph['planted_cost']}"
        )
    G = planted(20000, 100000, 0.15, seed=7)
    t = time.perf_counter()
    h = frustration_heuristic(G, seed=0, time_limit=30)
    dt = time.perf_counter() - t
    print(
        f"[1e5] frustration_heuristic(time_limit=30), noise=0.15: [{h.lower_bound:g}, "
        f"{h.upper_bound:g}], gap {h.gap:g} ({100 * h.gap / h.upper_bound:.2f}%), {dt:.1f} s"
    )


def random_edge_csv(path: Path, n: int, m: int, seed: int) -> None:
    """A G(n, m) random graph with independent random signs, as a source,target,sign CSV."""
    rng = np.random.default_rng(seed)
    G = nx.gnm_random_graph(n, m, seed=int(rng.integers(2**31)))
    signs = rng.choice([-1, 1], size=G.number_of_edges())
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", "sign"])
        for (a, b), s in zip(G.edges, signs.tolist(), strict=True):
            w.writerow([a, b, s])


def bench_deadline(m: int = 200_000, limit: float = 10.0) -> None:
    """Wall time, peak RSS and overrun of ``phalanx balance --time-limit`` (CLI path)."""
    exe = Path(sys.executable).with_name("phalanx")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.csv"
        random_edge_csv(path, m // 5, m, seed=11)
        t = time.perf_counter()
        proc = subprocess.run(
            [str(exe), "balance", str(path), "--time-limit", str(limit), "--seed", "0", "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        print(f"[deadline] phalanx balance failed ({proc.returncode}): {proc.stderr[-500:]}")
        return
    s = json.loads(proc.stdout)
    print(
        f"[deadline] phalanx balance --time-limit {limit:g}, random signs, n={m // 5}, "
        f"m={m}: wall {wall:.1f} s, peak RSS {rss_mb:.0f} MB, overrun {wall / limit:.2f}x; "
        f"L in [{s['lower_bound']:g}, {s['upper_bound']:g}], optimal={s['optimal']}, "
        f"limit={s['limit']}, triangles={s.get('triangles', 'computed')}"
    )


def main() -> None:
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"networkx {nx.__version__}, {os.cpu_count()} cpu(s) visible"
    )
    t0 = time.perf_counter()
    if sys.argv[1:] == ["deadline"]:
        bench_deadline()
        return
    bench_cow()
    bench_curve()
    bench_large()
    bench_deadline()
    print(f"[total] benchmark wall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
