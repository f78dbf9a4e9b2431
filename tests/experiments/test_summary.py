"""The streaming summary against counts worked out by hand on hand-built chunk results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phalanx.experiments.intervals import wilson_interval
from phalanx.experiments.summary import (
    QUANTILE_BINS,
    SummaryAccumulator,
    compare_runs,
    histogram_quantiles,
)
from phalanx.models.dynamics.types import MECHANISMS, ChunkResult

OUT, MEM, FRZ, SUS = 0, 1, 2, 3
ACTORS = ("L", "A", "B", "P")  # leader, two candidates, a patron
CANDIDATES = np.array([False, True, True, False])


def chunk(status, ids, *, strain=None, capacity=None, requests=None, exits=None):
    status = np.asarray(status, dtype=np.int8)
    r, t1, n = status.shape
    rng = np.random.default_rng(0)
    return ChunkResult(
        replicate=np.asarray(ids, dtype=np.int64),
        status=status,
        capacity=np.ones((r, t1)) if capacity is None else np.asarray(capacity, float),
        belief=np.full((r, t1, n), 0.7, np.float32),
        dependence=np.full((r, t1, n), 0.5, np.float32),
        strain=rng.random((r, t1)) if strain is None else np.asarray(strain, float),
        strain_components=np.zeros((r, t1, 4)),
        clashes=np.zeros((r, t1), np.int32),
        requests=requests or {},
        exits=exits or {},
    )


def accumulator(years=2, **kw):
    return SummaryAccumulator(
        actors=ACTORS,
        leader=0,
        candidates=CANDIDATES,
        start_year=2030,
        years=years,
        answered_level=0.5,
        header={"scenario": "toy", "seed": 1},
        **kw,
    )


# paths per replicate: [L, A, B, P] over the years 2030, 2031, 2032
PATHS = [
    [[MEM, MEM, MEM, OUT], [MEM, MEM, OUT, OUT], [MEM, MEM, OUT, OUT]],  # r0: B leaves in 2031
    [
        [MEM, MEM, MEM, OUT],
        [MEM, FRZ, MEM, OUT],
        [MEM, OUT, MEM, OUT],
    ],  # r1: A freezes, then leaves in 2032
    [
        [MEM, MEM, OUT, OUT],
        [MEM, MEM, MEM, OUT],
        [MEM, MEM, OUT, OUT],
    ],  # r2: B joins in 2031, leaves in 2032
    [[MEM, MEM, MEM, OUT], [MEM, MEM, MEM, OUT], [MEM, MEM, MEM, OUT]],  # r3: nothing happens
]
REQUESTS = {
    "replicate": np.array([0, 0, 1, 2, 3]),
    "year": np.array([1, 2, 1, 1, 2]),
    "requester": np.array([1, 1, 2, 1, 2]),
    "aggressor": np.array([3, 3, 3, 3, 3]),
    "outcome": np.array([0.0, 0.05, 0.3, 0.5, 1.0]),
    "binding": np.array([0, 1, 2, 0, 0]),
}
EXITS = {
    "replicate": np.array([0, 1, 2]),
    "year": np.array([1, 2, 2]),
    "actor": np.array([2, 1, 2]),
    "from_status": np.array([MEM, FRZ, MEM]),
    "mechanism": np.array([3, 1, 3]),  # patrons, credibility, patrons
    "terms": np.zeros((3, len(MECHANISMS))),
}


@pytest.fixture
def summary():
    acc = accumulator()
    acc.add(chunk(PATHS, [0, 1, 2, 3], requests=REQUESTS, exits=EXITS))
    return acc.result()


def prob(summary, actor, year, status):
    (row,) = [
        r
        for r in summary["status_probabilities"]
        if (r["actor"], r["year"], r["status"]) == (actor, year, status)
    ]
    return row


def test_header_years_actors(summary):
    assert summary["scenario"] == "toy" and summary["seed"] == 1 and summary["runs"] == 4
    assert summary["years"] == [2030, 2031, 2032]
    assert summary["actors"] == ["L", "A", "B"]  # candidates and the leader, not the patron
    assert {r["actor"] for r in summary["status_probabilities"]} == {"L", "A", "B"}
    assert len(summary["status_probabilities"]) == 3 * 3 * 4
    json.dumps(summary)  # plain data


def test_status_probabilities_by_hand(summary):
    expected = {
        ("A", 2031, "member"): 3,
        ("A", 2031, "frozen"): 1,
        ("A", 2032, "out"): 1,
        ("A", 2032, "member"): 3,
        ("B", 2030, "member"): 3,
        ("B", 2030, "out"): 1,
        ("B", 2031, "member"): 3,
        ("B", 2032, "member"): 2,
        ("B", 2032, "suspended"): 0,
        ("L", 2032, "member"): 4,
    }
    for (actor, year, status), count in expected.items():
        row = prob(summary, actor, year, status)
        lo, hi = wilson_interval(count, 4)
        assert row["count"] == count
        assert row["probability"] == count / 4
        assert row["low"] == pytest.approx(float(lo), abs=1e-6)
        assert row["high"] == pytest.approx(float(hi), abs=1e-6)
    for actor in ("L", "A", "B"):
        for year in (2030, 2031, 2032):
            total = sum(
                prob(summary, actor, year, s)["count"]
                for s in ("out", "member", "frozen", "suspended")
            )
            assert total == 4


def test_first_exit_by_hand(summary):
    fe = summary["first_exit"]
    assert [r["count"] for r in fe["any"]] == [0, 1, 3]  # r0 in 2031; r1 and r2 in 2032
    assert [r["probability"] for r in fe["any"]] == [0.0, 0.25, 0.75]
    assert fe["median_year"] == 2032
    by = {(r["actor"], r["year"]): r["count"] for r in fe["by_actor"]}
    assert by == {
        ("A", 2030): 0, ("A", 2031): 0, ("A", 2032): 1,
        ("B", 2030): 0, ("B", 2031): 1, ("B", 2032): 2,
    }  # fmt: skip
    last = {r["actor"]: r["probability"] for r in summary["exits_by_actor"]}
    assert last == {"A": 0.25, "B": 0.5}


def test_responses_by_hand(summary):
    resp = summary["responses"]
    assert resp["requests"] == 5 and resp["per_run_mean"] == 1.25
    cats = {c["category"]: c["count"] for c in resp["categories"]}
    assert cats == {"none": 2, "weak": 1, "strong": 2}  # 0.5 is at answered_level: strong
    assert resp["histogram"]["edges"][0] == 0 and resp["histogram"]["edges"][-1] == 1
    assert len(resp["histogram"]["edges"]) == 11
    assert resp["histogram"]["counts"] == [2, 0, 0, 1, 0, 1, 0, 0, 0, 1]  # 1.0 in the last bin
    bind = {b["binding"]: b["count"] for b in resp["binding"]}
    assert bind == {"member": 3, "leader_capacity": 1, "none": 1}


def test_mechanism_shares_by_hand(summary):
    mech = {m["mechanism"]: m for m in summary["mechanisms"]}
    assert [m["mechanism"] for m in summary["mechanisms"]] == list(MECHANISMS)
    assert mech["patrons"]["exits"] == 2 and mech["patrons"]["share"] == round(2 / 3, 6)
    assert mech["credibility"]["exits"] == 1
    assert mech["dependence"]["share"] == 0.0 and mech["dependence"]["low"] == 0.0
    lo, hi = wilson_interval(2, 3)
    assert mech["patrons"]["low"] == pytest.approx(float(lo), abs=1e-6)
    assert mech["patrons"]["high"] == pytest.approx(float(hi), abs=1e-6)


def test_no_exit_no_request():
    acc = accumulator()
    acc.add(chunk([PATHS[3]] * 3, [0, 1, 2]))
    s = acc.result()
    assert s["first_exit"]["median_year"] is None
    assert s["responses"]["requests"] == 0 and s["responses"]["categories"][0]["share"] is None
    assert all(m["share"] is None for m in s["mechanisms"])


def random_paths(rng, runs, years):
    status = rng.integers(0, 4, size=(runs, years + 1, 4)).astype(np.int8)
    status[:, :, 0] = MEM
    status[:, :, 3] = OUT
    return status


def test_quantiles_within_half_a_bin_of_numpy():
    rng = np.random.default_rng(11)
    for n in (1, 2, 5, 100, 3001):
        values = rng.beta(2, 5, size=n)
        counts = np.histogram(values, bins=QUANTILE_BINS, range=(0, 1))[0]
        qs = histogram_quantiles(counts)
        exact = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
        assert np.all(np.abs(np.array(qs) - exact) <= 0.5 / QUANTILE_BINS + 1e-9)
    assert histogram_quantiles(np.zeros(10)) == [None] * 5


def test_strain_and_capacity_fans_match_numpy():
    rng = np.random.default_rng(5)
    runs, years = 400, 3
    strain = rng.random((runs, years + 1))
    strain[:50, 2] = np.nan  # no component had a value
    capacity = rng.uniform(0.05, 1.0, (runs, years + 1))
    acc = accumulator(years=years)
    acc.add(
        chunk(random_paths(rng, runs, years), np.arange(runs), strain=strain, capacity=capacity)
    )
    s = acc.result()
    for t, row in enumerate(s["strain"]):
        col = strain[:, t][~np.isnan(strain[:, t])]
        assert row["n"] == col.size and row["year"] == 2030 + t
        assert row["mean"] == pytest.approx(col.mean(), abs=1e-6)
        for q in (5, 25, 50, 75, 95):
            assert abs(row[f"q{q:02d}"] - np.quantile(col, q / 100)) <= 0.5 / QUANTILE_BINS + 1e-6
    for t, row in enumerate(s["capacity"]):
        assert row["q50"] == pytest.approx(
            np.median(capacity[:, t]), abs=0.5 / QUANTILE_BINS + 1e-6
        )
    with pytest.raises(ValueError, match="capacity"):
        acc.add(chunk(random_paths(rng, 2, years), [runs, runs + 1], capacity=np.full((2, 4), 1.5)))


def test_the_summary_does_not_depend_on_the_chunking():
    rng = np.random.default_rng(3)
    runs, years = 60, 4
    status = random_paths(rng, runs, years)
    strain = rng.random((runs, years + 1))
    results = []
    for size in (60, 7, 13):
        acc = accumulator(years=years)
        for start in range(0, runs, size):
            ids = np.arange(start, min(runs, start + size))
            acc.add(chunk(status[ids], ids, strain=strain[ids]))
        results.append(json.dumps(acc.result(), sort_keys=True))
    assert results[0] == results[1] == results[2]


def test_chunks_must_come_in_replicate_order():
    acc = accumulator()
    acc.add(chunk(PATHS[:2], [0, 1]))
    with pytest.raises(ValueError, match="out of order"):
        acc.add(chunk(PATHS[2:], [3, 4]))


def test_compare_runs_uses_newcombes_interval():
    # A out by 2032 in 9 of 10 runs of a, 3 of 10 of b: Newcombe's example (b), 0.6 (0.1705, 0.8090)
    def run(k):
        paths = [PATHS[1]] * k + [PATHS[3]] * (10 - k)
        acc = accumulator()
        acc.add(chunk(paths, np.arange(10)))
        s = acc.result()
        s["run_id"] = f"toy-{k}"
        return s

    a, b = run(9), run(3)
    cmp = compare_runs(a, b)
    (row,) = [
        r for r in cmp["status"] if (r["actor"], r["year"], r["status"]) == ("A", 2032, "out")
    ]
    assert row["a"] == 0.9 and row["b"] == 0.3
    assert row["difference"] == pytest.approx(0.6)
    assert round(row["low"], 4) == 0.1705 and round(row["high"], 4) == 0.8090
    last = cmp["first_exit"]["any"][-1]
    assert last["year"] == 2032 and round(last["low"], 4) == 0.1705
    assert cmp["first_exit"]["median_year"] == {"a": 2032, "b": None}
    assert cmp["a"]["run_id"] == "toy-9" and len(cmp["strain"]) == 3
