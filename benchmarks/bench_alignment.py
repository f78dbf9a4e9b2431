"""Alignment (landscape theory) timings: exhaustive search, MILP, and a pure-Python reference.

Run: ``.venv/bin/python benchmarks/bench_alignment.py`` (add ``--quick`` for a short run).
Prints, for two coalitions,
1. the full exhaustive fit (all energies, every local minimum, steepest-descent basins)
   for n = 10..25 actors;
2. the MILP global minimum (HiGHS) for n = 10..60 on two kinds of instance: *planted*
   (two blocs, propensity +1 inside and -1 across, plus Gaussian noise of sd 0.5: close to
   real alliance data) and *random* (independent N(0, 1) propensities: weighted max-cut on
   a dense graph, the hard case), with a 30 s limit and the remaining gap;
3. the ratio of a straightforward pure-Python loop over configurations (energies, single
   switch gains, steepest successors and descent) to the vectorised search, at small n;
4. the deterministic work limit (HiGHS branch-and-bound nodes) on the hard *random* kind:
   time, remaining gap, and whether two runs give the same alignment and bound.
Instances are random with a fixed seed; sizes are uniform on [0.1, 1].
"""

from __future__ import annotations

import sys
import time

import numpy as np

from phalanx.models.landscape import LandscapeModel
from phalanx.models.landscape_milp import milp_global_minimum
from phalanx.models.landscape_search import exhaustive_two, pair_weights
from phalanx.seeds import as_generator


def instance(n: int, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = as_generator(seed)
    s = rng.uniform(0.1, 1.0, n)
    if kind == "planted":
        side = rng.integers(0, 2, n)
        p = np.where(side[:, None] == side[None, :], 1.0, -1.0) + rng.normal(0, 0.5, (n, n))
    else:
        p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    return s, p


def reference(s: np.ndarray, p: np.ndarray) -> tuple[float, int, dict[int, int]]:
    """Pure-Python loops: every configuration's energy, switch gains and steepest descent."""
    n = len(s)
    w = [[s[i] * s[j] * p[i][j] if i != j else 0.0 for j in range(n)] for i in range(n)]
    n_conf = 1 << (n - 1)
    energies, succ = [0.0] * n_conf, [0] * n_conf
    for c in range(n_conf):
        x = [0] + [(c >> b) & 1 for b in range(n - 1)]
        e = 0.0
        for i in range(n):
            for j in range(n):
                if x[i] != x[j]:
                    e += w[i][j]
        energies[c] = e
        best, arg = 0.0, -1
        for i in range(n):  # gain of switching i: twice the change in i's own frustration
            d = 0.0
            for j in range(n):
                if j != i:
                    d += w[i][j] if x[i] == x[j] else -w[i][j]
            d *= 2.0
            if d < best:
                best, arg = d, i
        succ[c] = c if arg < 0 else (c ^ (n_conf - 1) if arg == 0 else c ^ (1 << (arg - 1)))
    basins: dict[int, int] = {}
    for c in range(n_conf):
        while succ[c] != c:
            c = succ[c]
        basins[c] = basins.get(c, 0) + 1
    return min(energies), len(basins), basins


def timed(f, *args, **kw):
    t = time.perf_counter()
    out = f(*args, **kw)
    return time.perf_counter() - t, out


def best_of(repeats: int, f, *args, **kw):
    """Shortest of ``repeats`` timings (noise only ever adds time) and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t, out = timed(f, *args, **kw)
        times.append(t)
    return min(times), out


def main(quick: bool = False) -> None:
    print("1. Exhaustive fit, two coalitions (energies, all local minima, steepest basins)")
    print(f"{'n':>4} {'configurations':>15} {'seconds':>9} {'local minima':>13}")
    for n in range(10, 21 if quick else 26):
        s, p = instance(n, "random", n)
        t, m = timed(LandscapeModel(method="exhaustive").fit, s, p)
        print(f"{n:>4} {m.n_configurations_:>15,} {t:>9.3f} {len(m.minima_):>13}")

    print(
        "\n2. Exact global minimum, two coalitions, HiGHS with a 30 s limit (gap relative to |E|)"
    )
    print(
        "   plain: the max-cut MILP; frustration: the frustration-index model; auto (default) tries"
    )
    print("   plain for a tenth of the budget, then frustration")
    print(
        f"{'n':>4} {'kind':>8} {'plain s':>9} {'gap':>8} {'frustration s':>14} {'gap':>8} {'auto s':>7} {'gap':>8}"
    )
    for n in range(10, 31 if quick else 61, 5):
        for kind in ("planted", "random"):
            s, p = instance(n, kind, 1000 + n)
            w = pair_weights(s, p)
            cells = []
            for method in ("plain", "frustration", "auto"):
                t, r = timed(milp_global_minimum, w, 2, time_limit=30.0, method=method)
                gap = (r.energy - r.lower_bound) / abs(r.energy)
                width = {"plain": 9, "frustration": 14, "auto": 7}[method]
                cells.append(f"{t:>{width}.2f} {'opt' if r.optimal else f'{gap:.1%}':>8}")
            print(f"{n:>4} {kind:>8} {' '.join(cells)}")

    print("\n3. Pure-Python reference loop vs vectorised search (same results checked)")
    print(f"{'n':>4} {'reference s':>12} {'vectorised s':>13} {'ratio':>8}")
    for n in range(8, 13 if quick else 15):
        s, p = instance(n, "random", 7 * n)
        t_ref, (emin, n_min, basins) = timed(reference, s, p)
        t_vec, res = best_of(7, exhaustive_two, pair_weights(s, p))
        assert np.isclose(res.energies.min(), emin) and res.minima.size == n_min
        assert (
            dict(zip(res.minima.tolist(), res.basin_sizes.astype(int).tolist(), strict=True))
            == basins
        )
        print(f"{n:>4} {t_ref:>12.3f} {t_vec:>13.4f} {t_ref / t_vec:>8.0f}")

    print(
        "\n4. Work limit (branch-and-bound nodes, plain model) on random instances, 60 s safety net"
    )
    print(f"{'n':>4} {'nodes':>7} {'seconds':>9} {'gap':>8} {'limit':>6} {'repeatable':>11}")
    for n in (30,) if quick else (30, 40):
        s, p = instance(n, "random", 2000 + n)
        w = pair_weights(s, p)
        for nodes in (1, 10, 100) if quick else (1, 10, 100, 1000):
            t, a = timed(milp_global_minimum, w, 2, time_limit=60.0, work_limit=nodes, seed=1)
            b = milp_global_minimum(w, 2, time_limit=60.0, work_limit=nodes, seed=1)
            same = a.labels.tolist() == b.labels.tolist() and a.lower_bound == b.lower_bound
            gap = (a.energy - a.lower_bound) / abs(a.energy)
            print(
                f"{n:>4} {nodes:>7} {t:>9.2f} {'opt' if a.optimal else f'{gap:.1%}':>8} "
                f"{a.limit or '-':>6} {str(same):>11}"
            )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
