"""Scenario discovery: PRIM finds a planted box, the chosen box follows the documented
rule, and a discovery run on a package is deterministic per seed and records itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phalanx.errors import ParameterError, UserError
from phalanx.experiments.design_runner import run_design, setup_design
from phalanx.experiments.discovery import PrimDiscovery, feature_scores, run_discovery
from phalanx.experiments.outcomes import bind
from phalanx.experiments.uncertainties import latin_hypercube
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.params import MembershipParams

ROOT = Path(__file__).resolve().parents[2]
ANZUS = ROOT / "tests" / "data" / "kb" / "anzus"
TRIPLE = ROOT / "tests" / "data" / "kb" / "triple-alliance"
NAMES = [f"x{i}" for i in range(5)]


def planted(n=2000, noise=0.0, seed=0):
    """Five uniform factors; the outcome holds in the box x0 in [0.6, 1], x2 in [0, 0.3]
    (9% of the cube), with a share ``noise`` of the labels flipped."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 5))
    y = ((x[:, 0] >= 0.6) & (x[:, 2] <= 0.3)).astype(int)
    flip = rng.random(n) < noise
    return x, np.where(flip, 1 - y, y)


@pytest.mark.parametrize("noise", [0.0, 0.03])
def test_prim_finds_a_planted_box(noise):
    x, y = planted(noise=noise)
    res = PrimDiscovery().fit(x, y, NAMES).result()
    box = res["box"]
    assert res["meets_target"] and box["density"] >= 0.8
    assert set(box["restricted"]) == {"x0", "x2"}
    lim = {d["factor"]: d for d in box["limits"]}
    assert lim["x0"]["low"] == pytest.approx(0.6, abs=0.05)
    assert lim["x2"]["high"] == pytest.approx(0.3, abs=0.05)
    assert lim["x0"]["high"] == pytest.approx(1.0, abs=0.01)  # open side: the data's bound
    assert lim["x0"]["qp_high"] is None and lim["x2"]["qp_low"] is None
    assert lim["x0"]["qp_low"] < 1e-6 and lim["x2"]["qp_high"] < 1e-6
    # it holds at least 90% of the cases of interest that lie in the planted box
    inside = (x[:, 0] >= 0.6) & (x[:, 2] <= 0.3)
    assert box["k"] >= 0.9 * y[inside].sum()
    assert box["coverage"] == pytest.approx(box["k"] / y.sum())
    # the first box of the trajectory holds everything
    first = res["trajectory"][0]
    assert first["mass"] == 1 and first["coverage"] == 1 and first["restricted"] == []
    assert first["density"] == pytest.approx(y.mean())


def test_the_chosen_box_follows_the_documented_rule():
    x, y = planted(noise=0.1, seed=4)
    for target in (0.1, 0.5, 0.7, 0.99):
        res = PrimDiscovery(density=target).fit(x, y, NAMES).result()
        traj = res["trajectory"]
        assert res["chosen"] != 0  # the box of all cases restricts nothing: never chosen
        traj = traj[1:]
        ok = [t for t in traj if t["density"] >= target]
        if ok:
            best = max(t["coverage"] for t in ok)
            assert res["meets_target"] and res["box"]["coverage"] == best
            assert res["box"]["density"] >= target
        else:  # none dense enough: the densest box, flagged
            assert not res["meets_target"]
            assert res["box"]["density"] == max(t["density"] for t in traj)


def test_feature_scores_rank_the_box_factors_first():
    x, y = planted()
    scores = feature_scores(x, y, NAMES, seed=1)
    assert {s["factor"] for s in scores[:2]} == {"x0", "x2"}
    assert sum(s["score"] for s in scores) == pytest.approx(1.0)
    assert scores == feature_scores(x, y, NAMES, seed=1)


def test_integer_factors_keep_whole_limits():
    rng = np.random.default_rng(2)
    years = rng.integers(0, 10, 1500)
    share = rng.random(1500)
    y = ((years >= 6) & (share > 0.5)).astype(int)
    res = PrimDiscovery().fit([years, share], y, ["war", "share"]).result()
    lim = {d["factor"]: d for d in res["box"]["limits"]}
    assert isinstance(lim["war"]["low"], int) and lim["war"]["low"] == 6


def test_bad_input():
    x, y = planted(n=200)
    with pytest.raises(ValueError, match="both 0 and 1"):
        PrimDiscovery().fit(x, np.zeros(200), NAMES)
    with pytest.raises(ValueError, match="0 and 1 only"):
        PrimDiscovery().fit(x, y * 2, NAMES)
    with pytest.raises(ParameterError, match="'peel_alpha' parameter of PrimDiscovery"):
        PrimDiscovery(peel_alpha=0.6).fit(x, y, NAMES)


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.embedded()


# the model's defaults, given explicitly: the tests do not depend on the shipped posterior
SMALL = dict(points=40, runs_per_point=5, seed=3, backend="serial", params=MembershipParams())


@pytest.fixture(scope="module")
def embedded_result(kb):
    return run_discovery(kb, "long-war", "exits >= 2 by 2031", **SMALL)


def test_a_discovery_run_records_itself(embedded_result, kb):
    r = embedded_result
    meta = r["metadata"]
    assert meta["seed"] == 3 and meta["settings"]["seed"] == 3
    assert meta["data_version"] == str(kb.version) and meta["organization"] == "CSTO"
    assert meta["years"] == 5 and meta["end_year"] == 2031  # just reaching the outcome's year
    assert meta["points"] == 40 and meta["runs_per_point"] == 5
    assert meta["design"] == "lhs"
    assert meta["parameters_source"] == {"kind": "given"} and meta["parameters"]["alpha"] == -6.5
    assert meta["scenario"]["name"] == "long-war" and len(meta["scenario"]["sha256"]) == 64
    assert r["outcome"] == "exits >= 2 by 2031"
    assert [f["name"] for f in r["factors"]][0] == "leader.capacity"
    cases = r["cases"]
    assert cases["n"] == 40 and 0 < cases["of_interest"] < 40
    names = {f["name"] for f in r["factors"]}
    assert set(r["prim"]["box"]["restricted"]) <= names
    assert {s["factor"] for s in r["feature_scores"]} == names


def test_discovery_is_deterministic_per_seed(embedded_result, kb):
    again = run_discovery(kb, "long-war", "exits >= 2 by 2031", **SMALL)
    strip = {"created", "elapsed_seconds"}

    def body(r):
        return {**r, "metadata": {k: v for k, v in r["metadata"].items() if k not in strip}}

    assert body(again) == body(embedded_result)
    other = run_discovery(kb, "long-war", "exits >= 2 by 2031", **{**SMALL, "seed": 4})
    assert other["cases"] != embedded_result["cases"] or other["prim"] != embedded_result["prim"]


def test_the_runs_are_the_same_in_worker_processes(kb):
    setup = setup_design(kb, "long-war", years=3)
    u = latin_hypercube(setup.space.d, 30, seed=1)
    outs = [bind(t, setup.state, 3) for t in ("exits by 2029", "strain at 2029")]
    serial = run_design(setup, u, outs, runs_per_point=4, seed=9, backend="serial")
    # chunks of 4 points (the last one short), on 2 processes
    pooled = run_design(
        setup, u, outs, runs_per_point=4, seed=9, backend="local", workers=2, chunk_points=4
    )
    assert pooled.metadata["backend"] == "local" and pooled.metadata["chunks"] == 8
    assert np.array_equal(serial.values, pooled.values, equal_nan=True)
    assert serial.metadata["chunks"] == 1 and serial.metadata["backend"] == "serial"


def test_common_random_numbers_across_points(kb):
    # two points that differ only in a factor the horizon cannot reach (the war outlasts
    # 3 years either way) give the same runs, replicate by replicate
    setup = setup_design(kb, "long-war", years=3)
    names = setup.space.names
    u = np.full((2, setup.space.d), 0.5)
    u[1, names.index("leader.war.years")] = 0.99
    run = run_design(
        setup, u, [bind("departures by 2029", setup.state, 3)], runs_per_point=30, seed=5,
        backend="serial",
    )  # fmt: skip
    assert np.array_equal(run.values[0], run.values[1])
    assert run.values[0].std() > 0  # the runs themselves differ


@pytest.mark.parametrize("path", [ANZUS, TRIPLE])
def test_discovery_on_the_other_packages(path):
    kb = KnowledgeBase.from_path(path)
    from phalanx.models.dynamics.state import initial_state

    start = int(initial_state(kb).date[:4])
    r = run_discovery(
        kb, "long-war", f"departures >= 1 by {start + 8}", points=40, runs_per_point=4,
        seed=2, backend="serial",
    )  # fmt: skip
    assert r["metadata"]["organization"] == kb.defaults.organization
    assert not any(f["name"].startswith("leader_threat") for f in r["factors"])
    assert r["prim"] is not None or r["cases"]["note"]


def test_discovery_refuses_a_number_outcome_and_reports_a_constant_one(kb):
    with pytest.raises(UserError, match="not a yes/no outcome.*exits >= 1 by 2031"):
        run_discovery(kb, "long-war", "exits by 2031", **SMALL)
    r = run_discovery(kb, "long-war", "members >= 0 at 2029", **SMALL)
    assert r["prim"] is None and "nothing to discover" in r["cases"]["note"]
    assert r["feature_scores"] == []


def test_parameter_ranges_join_the_space(kb):
    r = run_discovery(
        kb, "baseline", "exits >= 1 by 2029", parameters=["beta_patrons=0:4"], **SMALL
    )
    assert [f["name"] for f in r["factors"]] == ["leader.capacity", "beta_patrons"]
    with pytest.raises(UserError, match="given twice"):
        run_discovery(
            kb, "baseline", "exits >= 1 by 2029",
            parameters=["beta_patrons=0:4", "beta_patrons=1:2"], **SMALL,
        )  # fmt: skip


def test_each_replicate_runs_as_a_separate_run_with_its_own_parameters(kb):
    # worked out independently with the engine's scalar path: replicate j of a point takes
    # posterior draw j % D and the point's value of a parameter factor
    from phalanx.models.dynamics.engine import run_chunk, uniforms_per_year
    from phalanx.models.dynamics.streams import replicate_uniforms

    setup = setup_design(kb, "long-war", years=3, parameters={"beta_patrons": (0.0, 4.0)})
    # no params: the package's posterior, as simulate uses it (its means recorded)
    assert setup.parameters_source["kind"] == "posterior"
    assert setup.posterior is not None and "beta_patrons" not in setup.posterior[0]
    names, draws = setup.posterior
    assert getattr(setup.params, names[0]) == pytest.approx(draws[:, 0].mean())
    space, state, k = setup.space, setup.state, 4
    u = latin_hypercube(space.d, 3, seed=2)
    target = bind("departures by 2029", state, 3)
    run = run_design(setup, u, [target], runs_per_point=k, seed=5, backend="serial")
    driver_u, engine_u = replicate_uniforms(
        5, np.arange(k), setup.compiled.n_uniforms, uniforms_per_year(state.n), 3
    )
    beta = space.values(u)[space.names.index("beta_patrons")]
    for p in range(3):
        for j in range(k):
            du = driver_u[j : j + 1].copy()
            for col, f in enumerate(space.factors):
                if f.kind == "scenario":
                    du[0, f.slot] = u[p, col]
            given = {n: float(draws[j % len(draws), c]) for c, n in enumerate(names)}
            params = setup.params.replace(**given, beta_patrons=float(beta[p]))
            res = run_chunk(state, setup.compiled.sample(du), params, engine_u[j : j + 1],
                            np.array([j]))  # fmt: skip
            assert target.evaluate(res)[0] == run.values[p, j, 0]


def test_a_package_without_a_posterior_runs_at_the_defaults():
    setup = setup_design(KnowledgeBase.from_path(ANZUS), "long-war", years=2)
    assert setup.parameters_source == {"kind": "defaults"} and setup.posterior is None
    assert setup.params.alpha == -6.5
