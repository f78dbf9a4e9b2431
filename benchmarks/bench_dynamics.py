"""Membership dynamics: the engine's speed, its speed-up over Mesa, scaling and memory.

Run: ``python benchmarks/bench_dynamics.py [--quick | --full]``. Prints, beside the targets:

1. actor-years per second on one core: the engine alone (``run_chunk`` on pre-drawn
   uniforms, R = 2000, Y = 10, the embedded data's N) and end to end (the runner, serial
   backend, writing its archive to a temporary directory);
2. the ratio against the per-agent Mesa reference (the same work per replicate-year, fewer
   replicates, so rates are compared);
3. the speed-up from 1 to 2 workers on local processes and on a Dask LocalCluster
   (``n_workers`` 1 vs 2, ``threads_per_worker=1``), for a run of about 10-20 s on one worker;
4. the peak memory (RSS of the process and its workers, sampled with psutil when present,
   else ``getrusage``) of 10^6 replicates x 10 years streamed to disk by the runner
   (``--full``; the default runs 10^5 and ``--quick`` 10^3), and the archive's size.

An actor-year is one actor simulated for one year of one replicate (R x Y x N per run).
Single-core rates are per CPU second of this process (``time.process_time``, BLAS held to
one thread), so other work on a shared machine barely moves them; the scaling figures are
wall-clock and print the load average beside them. No test asserts any of these figures.
"""

from __future__ import annotations

import argparse
import json
import os

# one core means one thread: keep BLAS from spreading the engine's matrix products
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

TARGET_RATE = 1e6  # actor-years per second per core
TARGET_RATIO = 50.0  # engine over the per-agent reference
TARGET_SCALING = 1.7  # 1 -> 2 workers

SIZES = {
    # engine R, engine reps, Mesa R, end-to-end runs, scaling seconds, memory runs
    "quick": dict(engine=200, reps=1, mesa=5, e2e=400, scaling=1.0, memory=1000, years=10),
    "default": dict(
        engine=2000, reps=5, mesa=60, e2e=20000, scaling=12.0, memory=100_000, years=10
    ),
    "full": dict(
        engine=2000, reps=10, mesa=100, e2e=50000, scaling=15.0, memory=1_000_000, years=10
    ),
}


def embedded_state(start: str | None = None) -> Any:
    """The embedded package's initial state (its default start date unless given)."""
    from phalanx.kb import KnowledgeBase
    from phalanx.models.dynamics.state import initial_state

    return initial_state(KnowledgeBase.embedded(), start=start)


def bench_engine(state: Any, replicates: int, years: int, reps: int = 3) -> dict[str, float]:
    """Best-of-``reps`` seconds of one ``run_chunk`` call; uniforms drawn beforehand."""
    from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
    from phalanx.models.dynamics.params import MembershipParams
    from phalanx.models.dynamics.streams import replicate_uniforms
    from phalanx.models.dynamics.types import Drivers

    ids = np.arange(replicates)
    t0 = time.process_time()
    _, u = replicate_uniforms(1, ids, 0, uniforms_per_year(state.n), years)
    draw = time.process_time() - t0
    drivers = Drivers.neutral(state, replicates, years)
    params = MembershipParams()
    best = float("inf")
    for _ in range(max(1, reps)):
        t0 = time.process_time()
        run_chunk(state, drivers, params, u, ids)
        best = min(best, time.process_time() - t0)
    work = replicates * years * state.n
    return {"seconds": best, "draw_seconds": draw, "rate": work / best, "actor_years": work}


def bench_reference(state: Any, replicates: int, years: int, reps: int = 3) -> dict[str, float]:
    """Best-of-``reps`` seconds of the per-agent Mesa reference (same state, neutral drivers)."""
    from phalanx.models.dynamics.mesa_reference import run_reference
    from phalanx.models.dynamics.params import MembershipParams
    from phalanx.models.dynamics.types import Drivers

    drivers = Drivers.neutral(state, 1, years)
    run_reference(state, drivers, MembershipParams(), 1, 0)  # warm up: imports, classes
    sec = float("inf")
    for rep in range(max(1, reps)):
        t0 = time.process_time()
        run_reference(state, drivers, MembershipParams(), replicates, 1 + rep)
        sec = min(sec, time.process_time() - t0)
    work = replicates * years * state.n
    return {"seconds": sec, "rate": work / sec, "actor_years": work}


def _scenario() -> str:
    from phalanx.experiments.scenario import list_scenarios

    names = [s["name"] for s in list_scenarios()]
    return "baseline" if "baseline" in names else names[0]


def run(runs: int, years: int, out: Path, **kw: Any) -> dict[str, Any]:
    """One runner call on the embedded data: wall and CPU seconds (this process), the record."""
    from phalanx.experiments.runner import run_experiment
    from phalanx.kb import KnowledgeBase

    kb = KnowledgeBase.embedded()
    t0, c0 = time.perf_counter(), time.process_time()
    record = run_experiment(kb, _scenario(), years=years, runs=runs, seed=7, out=out, **kw)
    return {
        "seconds": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "record": record,
    }


def bench_end_to_end(runs: int, years: int, n: int) -> dict[str, float]:
    """The runner, serial backend (all in this process), archive written to a temporary
    directory; the rate is per CPU second, so other load on the machine does not count."""
    with tempfile.TemporaryDirectory() as tmp:
        r = run(runs, years, Path(tmp), backend="serial")
    work = runs * years * n
    return {
        "seconds": r["seconds"],
        "cpu": r["cpu"],
        "rate": work / r["cpu"],
        "actor_years": work,
    }


def bench_scaling(runs: int, years: int, backend: str) -> dict[str, float]:
    """Wall seconds with 1 and with 2 workers (``local`` processes or a Dask LocalCluster),
    and the load average before each (other work on the machine slows the 2-worker run)."""
    out: dict[str, float] = {}
    for workers in (1, 2):
        out[f"load{workers}"] = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "dask":
                from distributed import LocalCluster

                with LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                ) as cluster:
                    r = run(
                        runs, years, Path(tmp), backend="dask", cluster=cluster.scheduler_address
                    )
            else:
                r = run(runs, years, Path(tmp), backend="local", workers=workers)
        out[f"w{workers}"] = r["seconds"]
    out["speedup"] = out["w1"] / out["w2"]
    return out


def _tree_rss() -> int:
    import psutil

    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


def memory_child(runs: int, years: int, out: Path, workers: int) -> dict[str, Any]:
    """Run in a fresh process: a big run streamed to disk, peak RSS of the process tree."""
    import resource

    peak = [0]
    stop = threading.Event()
    try:
        import psutil  # noqa: F401 -- already installed with distributed; no new dependency

        sampled = True
    except ImportError:
        sampled = False

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss())
            stop.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True) if sampled else None
    if thread:
        thread.start()
    r = run(runs, years, out, backend="local", workers=workers)
    stop.set()
    if thread:
        thread.join()
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {
        "seconds": r["seconds"],
        "peak_tree_mb": peak[0] / 2**20 if sampled else None,
        "rusage_mb": (self_kb + child_kb) / 1024,
        "archive_mb": size / 2**20,
        "files": sorted({f.parent.name for f in out.rglob("part-*.parquet")}),  # the tables
    }


def bench_memory(runs: int, years: int, workers: int = 2) -> dict[str, Any]:
    """:func:`memory_child` in a fresh interpreter (so earlier parts do not inflate RSS)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--memory-child",
            str(runs),
            str(years),
            tmp,
            str(workers),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ok(value: float, target: float) -> str:
    return "ok" if value >= target else "BELOW TARGET"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    size.add_argument("--full", action="store_true", help="the full sizes (10^6 replicates)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["e2e", "scaling", "memory"])
    parser.add_argument(
        "--busy-start", default="2022-01-01", help="second start date (default 2022-01-01)"
    )
    parser.add_argument("--memory-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        runs, years, out, workers = args.memory_child
        print(json.dumps(memory_child(int(runs), int(years), Path(out), int(workers))))
        return
    sz = SIZES["quick" if args.quick else "full" if args.full else "default"]
    years = sz["years"]
    state = embedded_state()
    n = state.n
    print(
        f"membership dynamics, embedded data: N = {n} actors, Y = {years} years; "
        "single-core rates per CPU second"
    )

    # the default start, and a start with conflicts between members and outsiders (the
    # year's requests and votes are the costly, sequential part of a step)
    for start in (None, args.busy_start):
        st = state if start is None else embedded_state(start)
        print(f"start {st.date}:")
        eng = bench_engine(st, sz["engine"], years, sz["reps"])
        print(
            f"  engine run_chunk  R={sz['engine']:>7}: {eng['seconds']:8.3f} s  "
            f"{eng['rate']:12.3g} actor-years/s  (target >= {TARGET_RATE:.0e}: "
            f"{_ok(eng['rate'], TARGET_RATE)}); drawing the uniforms: "
            f"{eng['draw_seconds']:.3f} s"
        )
        ref = bench_reference(st, sz["mesa"], years, min(3, sz["reps"]))
        ratio = eng["rate"] / ref["rate"]
        print(
            f"  Mesa reference    R={sz['mesa']:>7}: {ref['seconds']:8.3f} s  "
            f"{ref['rate']:12.3g} actor-years/s  -> engine/Mesa {ratio:,.0f}x "
            f"(target >= {TARGET_RATIO:.0f}x: {_ok(ratio, TARGET_RATIO)})"
        )
        if start is None:
            ref_rate, eng_rate = ref["rate"], eng["rate"]
    if "e2e" not in args.skip:
        e2e = bench_end_to_end(sz["e2e"], years, n)
        print(
            f"runner, serial    R={sz['e2e']:>7}: {e2e['cpu']:8.3f} s  "
            f"{e2e['rate']:12.3g} actor-years/s end to end (drivers, engine, summary, archive;"
            f" {e2e['seconds']:.1f} s wall)  -> {e2e['rate'] / ref_rate:,.0f}x Mesa"
        )
        rate = e2e["rate"]
    else:
        rate = eng_rate
    if "scaling" not in args.skip:
        runs = max(200, int(sz["scaling"] * rate / (years * n)))
        for backend in ("local", "dask"):
            s = bench_scaling(runs, years, backend)
            print(
                f"scaling {backend:<5}     R={runs:>7}: 1 worker {s['w1']:7.2f} s, "
                f"2 workers {s['w2']:7.2f} s -> {s['speedup']:.2f}x "
                f"(target >= {TARGET_SCALING}x: {_ok(s['speedup'], TARGET_SCALING)}; "
                f"{os.cpu_count()} cores, load average {s['load1']:.1f} / {s['load2']:.1f})"
            )
    if "memory" not in args.skip:
        m = bench_memory(sz["memory"], years)
        tree = f"{m['peak_tree_mb']:.0f} MB" if m["peak_tree_mb"] is not None else "n/a"
        print(
            f"memory, local x2  R={sz['memory']:>7}: {m['seconds']:8.1f} s; peak RSS of the "
            f"process and its workers {tree} (sampled), getrusage self + largest child "
            f"{m['rusage_mb']:.0f} MB; archive {m['archive_mb']:.1f} MB "
            f"({', '.join(m['files'])})"
        )


if __name__ == "__main__":
    main()
