"""A straightforward pure-Python version of one expected-utility round (loops, no numpy).

It exists to check the vectorised :func:`phalanx.models.expected_utility.eu_round` (the tests
compare the two) and as the baseline of ``benchmarks/bench_decision.py``. It follows the
module docstring of :mod:`phalanx.models.expected_utility` equation by equation, one actor pair
at a time, the way the model is usually written down: ``O(n^3)`` time (the vectorised
version sorts voters and needs ``O(n^2 log n)``), with a Python-level loop around every term.

>>> new, r = reference_round([0.0, 1.0], [1.0, 1.0], [1.0, 1.0], prange=1.0)
>>> new
[0.0, 1.0]
"""

from __future__ import annotations

__all__ = ["reference_round"]


def _median(x: list[float], w: list[float]) -> float:
    best, best_cost = None, None
    for a in x:
        cost = sum(wk * abs(xk - a) for xk, wk in zip(x, w, strict=True))
        if (
            best_cost is None
            or cost < best_cost - 1e-12 * max(1.0, abs(best_cost))
            or (abs(cost - best_cost) <= 1e-12 * max(1.0, abs(best_cost)) and a < best)
        ):
            best, best_cost = a, cost
    return best


def _probabilities(x, w, r, prange, variant):
    n = len(x)
    dist = [[(abs(x[k] - x[a]) / prange) ** r[k] for a in range(n)] for k in range(n)]
    pos = [[0.0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            total = 0.0
            for k in range(n):
                v = w[k] * (dist[k][b] - dist[k][a])
                if v > 0:
                    total += v
            pos[a][b] = total
    grand = 2.0 * sum(sum(row) for row in pos)
    p = [[0.0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            if x[a] == x[b]:
                continue
            den = pos[a][b] + pos[b][a] if variant == "printed" else grand
            p[a][b] = pos[a][b] / den if den > 0 else 0.0
    return p


def _eu(r, p, s_target, d, dmu, q, t):
    us = 2 - 4 * (0.5 - 0.5 * d) ** r
    uf = 2 - 4 * (0.5 + 0.5 * d) ** r
    usq = 2 - 4 * 0.5**r
    eu = s_target * (p * us + (1 - p) * uf) + (1 - s_target) * us - q * usq
    if q < 1:
        ub = 2 - 4 * max(0.0, 0.5 - 0.25 * (dmu + d)) ** r
        uw = 2 - 4 * (0.5 + 0.25 * (dmu + d)) ** r
        eu -= (1 - q) * (t * ub + (1 - t) * uw)
    return eu


def reference_round(
    x: list[float],
    c: list[float],
    s: list[float],
    *,
    prange: float,
    variant: str = "scholz_code",
    risk: str | float = "endogenous",
    q: float = 1.0,
    t: float = 1.0,
) -> tuple[list[float], list[float]]:
    """One round with plain loops; returns (new positions, risk exponents)."""
    n = len(x)
    w = [ci * si for ci, si in zip(c, s, strict=True)]
    mu = _median(x, w)
    if risk == "endogenous":
        p1 = _probabilities(x, w, [1.0] * n, prange, variant)
        exposure = []
        for i in range(n):
            e = 0.0
            for j in range(n):
                if j != i:
                    d = abs(x[j] - x[i]) / prange
                    e += _eu(1.0, p1[j][i], s[i], d, abs(x[j] - mu) / prange, q, t)
            exposure.append(e)
        lo, hi = min(exposure), max(exposure)
        if hi - lo <= 1e-15 * max(1.0, abs(hi)):
            r = [1.0] * n
        else:
            r = []
            for e in exposure:
                big = (2 * e - hi - lo) / (hi - lo)
                r.append((1 - big / 3) / (1 + big / 3))
    else:
        r = [float(risk)] * n
    p = _probabilities(x, w, r, prange, variant)
    new_x = list(x)
    for i in range(n):
        offers = []  # (kind, new position, weighted position)
        for j in range(n):
            if x[i] == x[j]:
                continue
            d = abs(x[i] - x[j]) / prange
            eu_ij = _eu(r[i], p[i][j], s[j], d, abs(x[i] - mu) / prange, q, t)
            eu_ji = _eu(r[i], p[j][i], s[i], d, abs(x[j] - mu) / prange, q, t)
            if eu_ij > 0 and eu_ji > eu_ij:
                offers.append((0, x[j], None))
            elif eu_ij < 0 < eu_ji and eu_ji > -eu_ij:
                new = x[i] + (x[j] - x[i]) * abs(eu_ij / eu_ji)
                wpos = (abs(eu_ij) * x[i] + abs(eu_ji) * x[j]) / (abs(eu_ij) + abs(eu_ji))
                offers.append((1, new, wpos))
            elif eu_ij < 0 < eu_ji and eu_ji < -eu_ij:
                offers.append((2, x[j], None))
        if not offers:
            continue
        if variant == "printed":
            ranked = [(abs(o[1] - x[i]), o[1]) for o in offers]
        else:
            first = min(o[0] for o in offers)
            ranked = [
                ((o[2] if first == 1 else abs(o[1] - x[i])), o[1]) for o in offers if o[0] == first
            ]
        best_key = min(k for k, _ in ranked)
        tol = 1e-12 * max(1.0, abs(best_key))
        new_x[i] = min(pos for k, pos in ranked if k <= best_key + tol)
    return new_x, r
