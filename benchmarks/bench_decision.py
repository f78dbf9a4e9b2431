"""Time one expected-utility round: vectorised numpy vs the pure-Python reference loops.

Run: ``python benchmarks/bench_decision.py [--sizes 10 50 200] [--variant scholz_code]``.
Prints seconds per round for each implementation and their ratio. Actors are random (seed 0):
capability and salience uniform, positions uniform on [0, 10]. Both implementations compute
the same round (the tests check they agree to 1e-10).
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np

from phalanx.models.expected_utility import eu_round
from phalanx.models.expected_utility_reference import reference_round


def _time(fn, min_total: float = 0.5, max_reps: int = 50) -> float:
    """Mean seconds per call, repeating until ``min_total`` seconds have passed."""
    reps, total = 0, 0.0
    while reps == 0 or (total < min_total and reps < max_reps):
        t0 = time.perf_counter()
        fn()
        total += time.perf_counter() - t0
        reps += 1
    return total / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--variant", default="scholz_code", choices=["scholz_code", "printed"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"expected-utility round, variant={args.variant}, endogenous risk")
    print(f"{'actors':>7} {'numpy s/round':>14} {'loops s/round':>14} {'speed-up':>9}")
    for n in args.sizes:
        x = rng.uniform(0, 10, n)
        c = rng.uniform(0.01, 1, n)
        s = rng.uniform(0.05, 1, n)
        fast = _time(partial(eu_round, x, c, s, prange=10.0, variant=args.variant))
        slow = _time(
            partial(
                reference_round,
                x.tolist(),
                c.tolist(),
                s.tolist(),
                prange=10.0,
                variant=args.variant,
            ),
            min_total=0.0 if n >= 200 else 0.5,
            max_reps=1 if n >= 200 else 20,
        )
        print(f"{n:>7} {fast:>14.5f} {slow:>14.4f} {slow / fast:>8.0f}x")


if __name__ == "__main__":
    main()
