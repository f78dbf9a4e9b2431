"""Membership-dynamics engine timings: actor-years per second of ``run_chunk``.

Run: ``.venv/bin/python benchmarks/bench_engine.py`` (add ``--quick`` for a short run).
Prints, for blocks of R replicates x Y = 10 years,
1. the embedded package's state on 2022-01-01 (N = 13, two conflict pairs) under neutral
   drivers and under random drivers (war, offers, scales, cooperation all active);
2. a synthetic worst case: the same N = 13 with every pair in conflict (78 pairs), so
   every conflict path is exercised for every replicate;
3. the cost of drawing the per-replicate uniforms (one generator per replicate) next to
   the engine's, as a ratio.
Best of three runs each; the machine is shared, so read the figures as orders of size.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import numpy as np

from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics import (
    MembershipParams,
    initial_state,
    replicate_uniforms,
    run_chunk,
    uniforms_per_year,
)
from phalanx.models.dynamics.types import Drivers


def random_drivers(s, r: int, y: int, seed: int) -> Drivers:
    rng = np.random.default_rng(seed)
    n, p = s.n, len(s.patrons)
    cs = rng.random((r, y, n, n)) * 2
    cs = (cs + cs.transpose(0, 1, 3, 2)) / 2
    return Drivers(
        capacity0=rng.random(r),
        at_war=rng.random((r, y)) < 0.5,
        drain=rng.random(r) * 0.3,
        recovery=rng.random(r),
        arms_offer=rng.random((r, y, p, n)) * 0.3,
        investment=rng.random((r, y, p, n)) * 0.3,
        guarantee=rng.random((r, y, p, n)) * 0.3,
        conflict_scale=cs,
        threat_scale=rng.random((r, y, n)) * 2,
        leader_threat_scale=rng.random((r, y, n)) * 2,
        cooperation=rng.random((r, y)),
        cooperation_group=rng.random(n) < 0.5,
    )


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(quick: bool) -> None:
    kb = KnowledgeBase.embedded()
    s = initial_state(kb, start="2022-01-01")
    rng = np.random.default_rng(0)
    dense = rng.random((s.n, s.n)) * 0.5
    dense = np.triu(dense, 1)
    dense = dense + dense.T
    worst = replace(s, conflict=dense)
    params = MembershipParams()
    y = 10
    sizes = [500, 2000] if quick else [500, 2000, 8000]
    print(f"N = {s.n} actors, Y = {y} years; actor-years per second (best of 3)")
    print(f"{'case':<28}{'R':>7}{'seconds':>10}{'actor-yr/s':>14}{'requests':>10}")
    for r in sizes:
        ids = np.arange(r)
        _, u = replicate_uniforms(1, ids, 0, uniforms_per_year(s.n), y)
        cases = [
            ("eurasia 2022, neutral", s, Drivers.neutral(s, r, y)),
            ("eurasia 2022, random", s, random_drivers(s, r, y, 1)),
            ("all 78 pairs in conflict", worst, random_drivers(worst, r, y, 2)),
        ]
        for name, state, drivers in cases:
            out = {}

            def go(state=state, drivers=drivers, out=out, u=u, ids=ids):
                out["res"] = run_chunk(state, drivers, params, u, ids)

            sec = best(go)
            rate = r * y * state.n / sec
            nreq = out["res"].requests["outcome"].size
            print(f"{name:<28}{r:>7}{sec:>10.3f}{rate:>14.3g}{nreq:>10}")
        ku = uniforms_per_year(s.n)
        draw = best(lambda ids=ids, ku=ku: replicate_uniforms(1, ids, 0, ku, y))
        neutral = Drivers.neutral(s, r, y)
        eng = best(lambda d=neutral, u=u, ids=ids: run_chunk(s, d, params, u, ids))
        print(f"{'  uniforms / engine':<28}{r:>7}{draw:>10.3f}{'ratio':>14}{draw / eng:>10.2f}")


if __name__ == "__main__":
    main("--quick" in sys.argv)
