"""A hand-made run summary of the documented shape (experiments/summary.py), for the
report's tests: every number is chosen by hand, so a figure or table can be checked
against it."""

from __future__ import annotations

from phalanx.models.dynamics.types import MECHANISMS

YEARS = [2026, 2027, 2028]

# actor -> status -> (probability, low, high) per year
STATUS = {
    "AAA": {
        "member": [(1.0, 0.93, 1.0), (0.8, 0.67, 0.89), (0.6, 0.46, 0.72)],
        "frozen": [(0.0, 0.0, 0.07), (0.1, 0.04, 0.21), (0.2, 0.11, 0.33)],
        "suspended": [(0.0, 0.0, 0.07)] * 3,
        "out": [(0.0, 0.0, 0.07), (0.1, 0.04, 0.21), (0.2, 0.11, 0.33)],
    },
    "BBB": {
        "member": [(0.0, 0.0, 0.07), (0.02, 0.0, 0.1), (0.04, 0.01, 0.14)],
        "frozen": [(0.0, 0.0, 0.07)] * 3,
        "suspended": [(0.0, 0.0, 0.07)] * 3,
        "out": [(1.0, 0.93, 1.0), (0.98, 0.9, 1.0), (0.96, 0.86, 0.99)],
    },
    "LDR": {
        "member": [(1.0, 0.93, 1.0)] * 3,
        "frozen": [(0.0, 0.0, 0.07)] * 3,
        "suspended": [(0.0, 0.0, 0.07)] * 3,
        "out": [(0.0, 0.0, 0.07)] * 3,
    },
}


def make_summary(scenario="hand", seed=11, runs=50, exits=True, requests=True) -> dict:
    records = [
        {"actor": a, "year": y, "status": s, "probability": p, "low": lo, "high": hi}
        for a, by in STATUS.items()
        for s, vals in by.items()
        for y, (p, lo, hi) in zip(YEARS, vals, strict=True)
    ]
    fan = [
        {"year": 2026, "mean": 0.3, "q05": 0.3, "q25": 0.3, "q50": 0.3, "q75": 0.3, "q95": 0.3},
        {"year": 2027, "mean": 0.35, "q05": 0.2, "q25": 0.3, "q50": 0.34, "q75": 0.4, "q95": 0.5},
        {"year": 2028, "mean": None, "q05": None, "q25": None, "q50": None, "q75": None,
         "q95": None},
    ]  # fmt: skip
    mechanisms = [
        {"mechanism": m, "exits": k, "share": k / 10, "low": max(0, k / 10 - 0.1),
         "high": min(1, k / 10 + 0.15)}
        for m, k in zip(MECHANISMS, [4, 0, 0, 3, 2, 1, 0], strict=True)
    ]  # fmt: skip
    if not exits:
        mechanisms = [
            {"mechanism": m, "exits": 0, "share": None, "low": None, "high": None}
            for m in MECHANISMS
        ]
    return {
        "run_id": f"{scenario}-20261203-000000-abcdef",
        "scenario": scenario,
        "seed": seed,
        "organization": "ORG",
        "start": "2026-01-01",
        "years": YEARS,
        "actors": ["AAA", "BBB", "LDR"],
        "leader": "LDR",
        "runs": runs,
        "data_version": "dv-1",
        "status_probabilities": records,
        "first_exit": {
            "any": [
                {"year": 2026, "probability": 0.0, "low": 0.0, "high": 0.07},
                {"year": 2027, "probability": 0.1, "low": 0.04, "high": 0.21},
                {"year": 2028, "probability": 0.2, "low": 0.11, "high": 0.33},
            ],
            "by_actor": [],
            "median_year": None,
        },
        "responses": {
            "requests": 8 if requests else 0,
            "per_run_mean": 0.16 if requests else 0.0,
            "categories": [
                {"category": "none", "count": 2, "share": 0.25, "low": 0.07, "high": 0.59},
                {"category": "weak", "count": 2, "share": 0.25, "low": 0.07, "high": 0.59},
                {"category": "strong", "count": 4, "share": 0.5, "low": 0.22, "high": 0.78},
            ]
            if requests
            else [
                {"category": c, "count": 0, "share": None, "low": None, "high": None}
                for c in ("none", "weak", "strong")
            ],
            "histogram": {
                "edges": [round(0.1 * i, 1) for i in range(11)],
                "counts": [2, 0, 1, 0, 1, 0, 0, 3, 0, 1] if requests else [0] * 10,
            },
            "binding": [],
        },
        "mechanisms": mechanisms,
        "strain": [dict(r, n=50 if r["q50"] is not None else 0) for r in fan],
        "capacity": fan,
        "exits_by_actor": [
            {"actor": "AAA", "probability": 0.24, "low": 0.14, "high": 0.37},
            {"actor": "BBB", "probability": 0.0, "low": 0.0, "high": 0.07},
        ],
    }
