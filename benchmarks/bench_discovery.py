"""Discovery and sensitivity timings: design points per second, PRIM, Sobol, end to end.

Run: ``.venv/bin/python benchmarks/bench_discovery.py`` (``--quick`` for a short run).
Prints, for the long-war scenario on the embedded data (5 years, to 2031),
1. the design runner's throughput, serial and on 2 local processes (points and runs per
   second, wall time including the pool's start), with scenario factors only and with one
   model-parameter factor (then each point is its own engine call), and its ratio to
   serial; it checks that both backends give the same outcomes;
2. the time of PRIM (EMA Workbench) and of the extra-trees feature scores on the design's
   cases, and of SALib's Sobol analysis on Saltelli's design;
3. the default ``phalanx discover`` and ``phalanx sensitivity`` experiments end to end.
A warm-up first pays for the imports (EMA Workbench takes about 3 s).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from phalanx.experiments.design_runner import run_design, setup_design
from phalanx.experiments.discovery import PrimDiscovery, ema, feature_scores, run_discovery
from phalanx.experiments.outcomes import bind
from phalanx.experiments.sensitivity import SobolAnalysis, run_sensitivity, saltelli_design
from phalanx.experiments.uncertainties import latin_hypercube
from phalanx.kb import KnowledgeBase

OUTCOME = "exits >= 1 by 2031"  # two exits almost never happen under the posterior


def main() -> None:
    quick = "--quick" in sys.argv
    points, k = (200, 10) if quick else (2000, 20)
    kb = KnowledgeBase.embedded()
    t0 = time.perf_counter()
    ema()
    print(f"import EMA Workbench: {time.perf_counter() - t0:.2f} s")
    print(f"long-war, 5 years, {points} points x {k} runs (2 cores on the reference machine)")
    for label, parameters in (
        ("scenario factors", None),
        ("+ beta_patrons=0:4", {"beta_patrons": (0.0, 4.0)}),
    ):
        setup = setup_design(kb, "long-war", years=5, parameters=parameters)
        u = latin_hypercube(setup.space.d, points, seed=1)
        outs = [bind(OUTCOME, setup.state, 5)]
        run_design(setup, u[:10], outs, runs_per_point=k, seed=1, backend="serial")  # warm up
        base, values = None, []
        for backend, workers in (("serial", 1), ("local", 2)):
            t0 = time.perf_counter()
            run = run_design(
                setup, u, outs, runs_per_point=k, seed=1, backend=backend, workers=workers
            )
            secs = time.perf_counter() - t0
            base = base or secs
            values.append(run.values)
            print(
                f"  {label:20s} {backend:6s} {secs:7.2f} s  {points / secs:8.0f} points/s  "
                f"{points * k / secs:9.0f} runs/s  x{base / secs:4.2f} vs serial  "
                f"({run.metadata['chunks']} chunks of {run.metadata['chunk_points']} points)"
            )
        print(f"  same outcomes on both backends: {np.array_equal(*values)}")

    setup = setup_design(kb, "long-war", years=5)
    u = latin_hypercube(setup.space.d, points, seed=1)
    run = run_design(setup, u, [bind(OUTCOME, setup.state, 5)], runs_per_point=k, seed=1,
                     backend="serial")  # fmt: skip
    share = run.values[:, :, 0].mean(axis=1)
    y = (share >= 0.5).astype(int)
    if y.min() == y.max():  # rare under the calibrated posterior: time PRIM on the top quarter
        y = (share > np.quantile(share, 0.75)).astype(int)
        print(
            f"  (no point reaches 0.5; PRIM timed on the points above the 75th percentile, {y.sum()} cases)"
        )
    cols = setup.space.values(u)
    t0 = time.perf_counter()
    PrimDiscovery().fit(cols, y, setup.space.names)
    print(f"PRIM on {points} cases x {setup.space.d} factors: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    feature_scores(cols, y, setup.space.names, seed=1)
    print(f"extra-trees feature scores: {time.perf_counter() - t0:.2f} s")
    n = 256 if quick else 1024
    su = saltelli_design(setup.space.d, n, seed=1)
    t0 = time.perf_counter()
    SobolAnalysis().fit(su @ np.arange(1, setup.space.d + 1), setup.space.names)
    print(f"Sobol analysis of {len(su)} points (100 resamples): {time.perf_counter() - t0:.2f} s")

    if not quick:
        t0 = time.perf_counter()
        r = run_discovery(kb, "long-war", OUTCOME, seed=1)
        print(
            f"phalanx discover defaults ({r['metadata']['points']} points x "
            f"{r['metadata']['runs_per_point']} runs): {time.perf_counter() - t0:.2f} s"
        )
        t0 = time.perf_counter()
        r = run_sensitivity(kb, "long-war", OUTCOME, seed=1)
        print(
            f"phalanx sensitivity defaults ({r['metadata']['points']} points x "
            f"{r['metadata']['runs_per_point']} runs): {time.perf_counter() - t0:.2f} s"
        )


if __name__ == "__main__":
    main()
