"""Calibration timings: building a history, replaying it, and one ABC generation's work.

Run: ``.venv/bin/python benchmarks/bench_calibration.py`` (add ``--quick`` for a short run).
Prints, for the embedded package (the CSTO, 1994-2026, 14 actors):
1. the time to build the 33 yearly states of the replay (one knowledge-base snapshot and one
   ``initial_state`` each);
2. replicate-histories per second of the replay at the default parameters, and with seven
   parameters varying per replicate (what ABC runs), as a ratio;
3. the time to count the patterns of those histories, against the replay's.
Best of three runs each; the machine is shared, so read the figures as orders of size.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from phalanx.evidence.calibration import CALIBRATED, calibration_priors
from phalanx.evidence.replay import build_history, count_patterns, pattern_spec, replay
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics import MembershipParams


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    quick = "--quick" in sys.argv
    kb = KnowledgeBase.embedded()
    t = time.perf_counter()
    history = build_history(kb)
    built = time.perf_counter() - t
    years = len(history.years)
    print(f"history: {years} yearly states of {history.n} actors built in {built:.2f} s")
    spec = pattern_spec(history)
    priors, _ = calibration_priors(None)
    p = MembershipParams()
    print(f"{'R':>6} {'scalar h/s':>12} {'arrays h/s':>12} {'ratio':>7} {'count/replay':>13}")
    for r in (500,) if quick else (500, 2000, 8000):
        rng = np.random.default_rng(0)
        arrays = {n: priors[n].sample(rng, r) for n in CALIBRATED}
        paths = replay(history, p, r, np.random.default_rng(1))
        ts = best(lambda r=r: replay(history, p, r, np.random.default_rng(1)))
        ta = best(
            lambda r=r, a=arrays: replay(history, p, r, np.random.default_rng(1), param_arrays=a)
        )
        tc = best(lambda x=paths: count_patterns(x, spec))
        print(f"{r:>6} {r / ts:>12.0f} {r / ta:>12.0f} {ta / ts:>7.2f} {tc / ts:>13.3f}")


if __name__ == "__main__":
    main()
