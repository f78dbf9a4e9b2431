"""The uncertainty space of a scenario: its factors are the file's ranges, the designs
fill them as promised, and a factor's value is what the drivers make of its uniform."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from phalanx.errors import ParameterError, UserError
from phalanx.experiments.drivers import compile_scenario
from phalanx.experiments.scenario import load_scenario, scenarios_dir
from phalanx.experiments.uncertainties import (
    design_generator,
    latin_hypercube,
    make_design,
    parse_parameter_range,
    sobol_points,
    uncertainty_space,
)
from phalanx.kb import KnowledgeBase
from phalanx.models.dynamics.state import initial_state
from phalanx.models.dynamics.streams import replicate_generator

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "embedded": None,
    "anzus": ROOT / "tests" / "data" / "kb" / "anzus",
    "triple-alliance": ROOT / "tests" / "data" / "kb" / "triple-alliance",
}


@pytest.fixture(scope="module")
def states():
    out = {}
    for name, path in PACKAGES.items():
        kb = KnowledgeBase.embedded() if path is None else KnowledgeBase.from_path(path)
        out[name] = initial_state(kb)
    return out


def space(states, package, scenario, years=10, parameters=None):
    sc = load_scenario(scenario)
    compiled = compile_scenario(sc, states[package], years)
    return sc, compiled, uncertainty_space(sc, compiled, parameters)


def test_the_factors_of_long_war_are_the_file_ranges(states):
    # read the file independently of the scenario loader
    raw = yaml.safe_load((scenarios_dir() / "long-war.yaml").read_text(encoding="utf-8"))
    _, _, sp = space(states, "embedded", "long-war")
    got = {f.name: (f.low, f.high) for f in sp.factors}
    lead = raw["leader"]

    def point(p):  # {year, value} is low = high = value
        return {"year": p["year"], "low": p.get("low", p.get("value")),
                "high": p.get("high", p.get("value"))}  # fmt: skip

    widest = {
        key: max(map(point, rule["path"]), key=lambda p: (p["high"] - p["low"], p["year"]))
        for key, rule in [
            ("patrons[0]", raw["patrons"][0]),
            ("patrons[1]", raw["patrons"][1]),
            ("threats[0]", raw["threats"][0]),
            ("leader_threat[0]", raw["leader_threat"][0]),
        ]
    }
    expected = {
        "leader.capacity": (lead["capacity"]["low"], lead["capacity"]["high"]),
        "leader.war.years": (lead["war"]["years"]["low"], lead["war"]["years"]["high"]),
        "leader.war.drain": (lead["war"]["drain"]["low"], lead["war"]["drain"]["high"]),
        "leader.recovery": (lead["recovery"]["low"], lead["recovery"]["high"]),
        **{f"{k}.path[{p['year']}]": (p["low"], p["high"]) for k, p in widest.items()},
    }
    assert got == expected
    assert "patrons[0].path[2035]" in got  # the brief's example name
    years = next(f for f in sp.factors if f.name == "leader.war.years")
    assert years.integer and years.unit == "years" and years.line is not None
    assert sp.notes == ()


def test_known_values_are_no_factors(states):
    # baseline: the war lasts 100 years at no drain, no recovery: only the capacity varies
    _, _, sp = space(states, "embedded", "baseline")
    assert sp.names == ["leader.capacity"]


@pytest.mark.parametrize("package", ["anzus", "triple-alliance"])
def test_rules_that_do_nothing_on_a_package_are_left_out_with_a_note(states, package):
    _, compiled, sp = space(states, package, "long-war")
    skipped = {r["field"] for r in compiled.rules if r["skipped"]}
    assert "leader_threat[0]" in skipped  # KAZ is not simulated there
    assert not any(n.startswith("leader_threat[0]") for n in sp.names)
    assert any("leader_threat[0] is left out" in n for n in sp.notes)
    if package == "anzus":  # no outside patrons: the patrons' offers reach nobody
        assert not any(n.startswith("patrons") for n in sp.names)
        assert any("patrons[0] is left out: the rule touches no actor" in n for n in sp.notes)
    assert {"leader.capacity", "leader.war.years", "threats[0].path[2035]"} <= set(sp.names)
    _, _, coop = space(states, package, "regional-cooperation")
    assert not any(n.startswith("cooperation") for n in coop.names)
    assert any("cooperation is left out" in n for n in coop.notes)


def test_a_factor_value_is_what_the_drivers_make_of_its_uniform(states):
    sc, compiled, sp = space(states, "embedded", "long-war", years=10)
    u = latin_hypercube(sp.d, 16, seed=3)
    base = np.full((16, compiled.n_uniforms), 0.5)
    for j, f in enumerate(sp.factors):
        base[:, f.slot] = u[:, j]
    drivers = compiled.sample(base)
    values = dict(zip(sp.names, sp.values(u), strict=True))
    assert np.allclose(drivers.capacity0, values["leader.capacity"])
    assert np.allclose(drivers.drain, values["leader.war.drain"])
    assert np.allclose(drivers.recovery, values["leader.recovery"])
    # war years: the war goes on in step t while t <= years (horizon 10)
    assert np.array_equal(drivers.at_war.sum(axis=1), np.minimum(values["leader.war.years"], 10))
    # a path factor is the path's value in its year: 2035 is simulated step 2035 - 2026
    t = 2035 - int(states["embedded"].date[:4]) - 1
    arms = drivers.arms_offer[:, t]  # (R, P, N): every patron offers every candidate
    offered = arms[:, 0, np.asarray(states["embedded"].candidates)]
    assert np.allclose(offered, values["patrons[0].path[2035]"][:, None])


def test_lhs_fills_every_stratum_and_stays_in_range(states):
    _, _, sp = space(states, "embedded", "long-war")
    n = 100
    u = latin_hypercube(sp.d, n, seed=11)
    for j in range(sp.d):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    for f, col in zip(sp.factors, sp.values(u), strict=True):
        assert f.low <= col.min() and col.max() <= f.high
    years = sp.values(u)[sp.names.index("leader.war.years")]
    # 100 strata over 10 whole years (6..15): each year exactly 10 times
    assert years.dtype.kind == "i"
    assert np.array_equal(np.bincount(years - 6), np.full(10, 10))


def test_sobol_points_are_balanced_for_powers_of_two():
    u = sobol_points(4, 64, seed=5)
    for j in range(4):
        assert sorted(np.floor(u[:, j] * 64).astype(int)) == list(range(64))
    assert sobol_points(4, 10, seed=5).shape == (10, 4)  # not a power of two: no warning


def test_designs_are_deterministic_per_seed_and_apart_from_replicates():
    for kind in ("lhs", "sobol"):
        a, b = make_design(kind, 3, 32, 7), make_design(kind, 3, 32, 7)
        assert np.array_equal(a, b)
        assert not np.array_equal(a, make_design(kind, 3, 32, 8))
    first = design_generator(7, "lhs").random(4)
    assert not np.allclose(first, replicate_generator(7, 0).random(4))
    with pytest.raises(UserError, match="unknown design"):
        make_design("grid", 3, 32, 7)
    with pytest.raises(UserError, match="no uncertain factor"):
        latin_hypercube(0, 32, 7)


def test_parameter_ranges_are_checked_against_the_model():
    assert parse_parameter_range("beta_patrons=0:4") == ("beta_patrons", 0.0, 4.0)
    assert parse_parameter_range(" alpha = -8 : -5 ") == ("alpha", -8.0, -5.0)
    with pytest.raises(UserError, match="expected NAME=LOW:HIGH"):
        parse_parameter_range("beta_patrons 0 4")
    with pytest.raises(UserError, match="not a numeric parameter.*beta_patrons"):
        parse_parameter_range("beta_patron=0:4")
    with pytest.raises(UserError, match="not a numeric parameter"):
        parse_parameter_range("rule=0:1")
    with pytest.raises(UserError, match="LOW < HIGH"):
        parse_parameter_range("beta_patrons=4:0")
    with pytest.raises(UserError, match="two numbers"):
        parse_parameter_range("beta_patrons=a:4")
    with pytest.raises(ParameterError, match="'beta_patrons' parameter of MembershipParams"):
        parse_parameter_range("beta_patrons=0:30")


def test_parameter_factors_follow_the_scenario_factors(states):
    _, _, sp = space(states, "anzus", "baseline", parameters={"beta_patrons": (0.0, 4.0)})
    assert sp.names == ["leader.capacity", "beta_patrons"]
    f = sp.parameters[0]
    assert (f.kind, f.low, f.high, f.slot) == ("parameter", 0.0, 4.0, None)
    assert np.allclose(f.values(np.array([0.0, 0.25, 1.0])), [0.0, 1.0, 4.0])
